#!/usr/bin/env bash
# A throwaway PostgreSQL for `cargo test` (#[sqlx::test] creates a database per test).
#   scripts/test-postgres.sh start DIR   prints a DATABASE_URL on stdout
#   scripts/test-postgres.sh stop DIR
# Trust auth on loopback only, fsync off: test data, nothing to keep.
source "$(dirname "$0")/lib.sh"

cmd="${1:?start|stop}"; dir="${2:?directory}"
bin="$(postgres_bin_dir)"; [ -n "$bin" ] || die "PostgreSQL server binaries not found"

run_pg() {
  # PostgreSQL refuses to run as root.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    [ -d "$dir" ] && { run_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
    mkdir -p "$dir/sock"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
    run_pg "$bin/initdb" -D "$dir/data" -U voxdesk -A trust --no-instructions >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    port="$(free_port)"
    run_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
    echo "postgres://voxdesk@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && run_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
