#!/usr/bin/env bash
# `make load`: 100 signed-in users for 60 s against a demo portal whose sandbox holds
# 1,000 children and answers every call in 40 ms (as the real API roughly does), on a
# mix of page views (dashboard, child list, a child's page, audit log) and changes
# (child edits, creates, bulk jobs), one wrk per kind, all at once. Prints per kind requests/s,
# p50/p95/p99 and errors, the server's peak RSS and its database pool; then checks
# that nothing was lost: bench/load_check.py compares the audit log (one intent and one
# outcome per change; the chain verifies) with the sandbox's own state file.
#
# LOAD_SECONDS (60), LOAD_USERS (100) change the size; VOXDESK_BINARY runs another
# build (say target/debug/voxdesk) instead of building the release one.
# LOAD_INSTANCES=2 (`make load-ha`): two `voxdesk serve` on one PostgreSQL behind
# nginx (round robin, no sticky sessions) and a standalone sandbox; the same mix and
# checks, each instance's RSS, pool and share of the requests, and the child list's
# throughput through nginx from one instance against both, each held to its own core
# (LOAD_INSTANCE_CPU, 0.5: the share of its core each may use).
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
ensure_wrk
seconds="${LOAD_SECONDS:-60}"; users="${LOAD_USERS:-100}"; instances="${LOAD_INSTANCES:-1}"
binary="${VOXDESK_BINARY:-}"
if [ -z "$binary" ]; then ensure_build_tools; build_release_site; binary=target/release/voxdesk; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/voxdesk-load.XXXXXX")"
chmod 755 "$work"
pids=(); cpu_groups=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
  for g in "${cpu_groups[@]}"; do rmdir "$g" 2>/dev/null || true; done
  [ -d "$work/pg" ] && scripts/test-postgres.sh stop "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# One demo portal: its private PostgreSQL, its built-in sandbox.
start_one() {
  local port; port="$(free_port)"; base="http://127.0.0.1:$port"; data="$work/data"
  env -u DATABASE_URL VOXDESK_LOG_FORMAT=json VOXDESK_DEMO_CHILDREN=1000 VOXDESK_DEMO_RATE_LIMIT=1000000 \
    "$binary" serve --demo --listen "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
  pids+=($!); server_pids=($!); instance_urls=("$base")
  wait_for_url "$base/healthz" 180 || die "the portal did not start: $(tail -n 20 "$work/server.log")"
  user="$(sed -n 's/^  admin \+\(\S\+\) \+\(\S\+\)$/\1/p' "$work/server.log" | head -n 1)"
  password="$(sed -n 's/^  admin \+\(\S\+\) \+\(\S\+\)$/\2/p' "$work/server.log" | head -n 1)"
  sandbox_url="$(sed -n 's/^Demo Voximplant sandbox at \([^ ]*\) .*/\1/p' "$work/server.log" | head -n 1)"
  [ -n "$user" ] && [ -n "$sandbox_url" ] || die "the demo portal did not print its admin and sandbox"
  sandbox_state="$data/sandbox-state.json"
  curl -fsS -X POST -H 'Content-Type: application/json' -d '{"method":"*","latency_ms":40}' \
    "${sandbox_url%/platform_api/}/_sandbox/faults" >/dev/null || die "cannot slow the sandbox down"
}

# Two `voxdesk serve` on one PostgreSQL behind nginx (round robin, no sticky
# sessions), with the same master and audit-head keys, and a sandbox of their own.
start_two() {
  ensure_nginx
  local database_url sandbox_port nginx_port i port
  database_url="$(scripts/test-postgres.sh start "$work/pg")"
  export DATABASE_URL="$database_url" VOXDESK_LOG_FORMAT=json
  export VOXDESK_MASTER_KEY="$(head -c 32 /dev/urandom | base64)" VOXDESK_AUDIT_HEAD_KEY="$(head -c 32 /dev/urandom | base64)"
  sandbox_port="$(free_port)"; sandbox_url="http://127.0.0.1:$sandbox_port/platform_api/"
  sandbox_state="$work/sandbox-state.json"
  "$binary" sandbox --listen "127.0.0.1:$sandbox_port" --state-file "$sandbox_state" --seed-children 1000 \
    --rate-limit 1000000 --faults '{"*":{"latency_ms":40}}' >"$work/sandbox.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "parent api_key" "$work/sandbox.log" && break; sleep 0.1; done
  "$binary" migrate --data-dir "$work/cli" >/dev/null 2>&1 || die "migrate failed"
  # The load's admin signs in with a password alone, as the demo's users do.
  "$(command -v psql || echo "$(postgres_bin_dir)/psql")" "$DATABASE_URL" -qc \
    "INSERT INTO mfa_policy (role, required) VALUES ('admin', false) ON CONFLICT (role) DO UPDATE SET required = false" \
    || die "cannot make two-step sign-in optional for the load's admin"
  user=load-admin; password="Load-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')-1!"
  VOXDESK_NEW_USER_PASSWORD="$password" "$binary" user --data-dir "$work/cli" add --username "$user" \
    --email admin@load.example --display-name "Load admin" --role admin >/dev/null || die "cannot add $user"
  nginx_port="$(free_port)"; base="http://127.0.0.1:$nginx_port"
  # The same proxy in front of the first instance alone: "one instance" for the scaling
  # measurement below goes through nginx too.
  nginx_one_port="$(free_port)"; one_base="http://127.0.0.1:$nginx_one_port"
  server_pids=(); instance_urls=(); upstreams=""
  for i in 1 2; do
    port="$(free_port)"
    "$binary" serve --listen "127.0.0.1:$port" --data-dir "$work/data$i" --trusted-proxy 127.0.0.1 \
      --public-url "$base" >"$work/server$i.log" 2>&1 &
    pids+=($!); server_pids+=($!)
    wait_for_url "http://127.0.0.1:$port/healthz" 120 || die "instance $i did not start: $(tail -n 20 "$work/server$i.log")"
    upstreams="$upstreams server 127.0.0.1:$port;"; instance_urls+=("http://127.0.0.1:$port")
    [ "$i" = 1 ] && first_upstream="server 127.0.0.1:$port;"
  done
  mkdir -p "$work/nginx"; chmod 777 "$work/nginx"
  cat >"$work/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  upstream voxdesk { $upstreams keepalive 128; }
  upstream voxdesk_first { $first_upstream keepalive 128; }
  # Both servers below proxy alike (keep-alive to the instances, the client's address).
  client_max_body_size 1m;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  proxy_read_timeout 130s;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { proxy_pass http://voxdesk; }
  }
  server {
    listen 127.0.0.1:$nginx_one_port;
    location / { proxy_pass http://voxdesk_first; }
  }
}
NGINX
  "$(command -v nginx || echo /usr/sbin/nginx)" -c "$work/nginx.conf" -p "$work/nginx" >"$work/nginx/out.log" 2>&1 &
  pids+=($!)
  wait_for_url "$base/healthz" 30 || die "nginx did not start: $(cat "$work/nginx/error.log" "$work/nginx/out.log")"
  local parent_id parent_key
  parent_id="$(sed -n 's/^  parent account_id: *//p' "$work/sandbox.log")"
  parent_key="$(sed -n 's/^  parent api_key: *//p' "$work/sandbox.log")"
  curl -fsS -c "$work/jar" --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/api/auth/login" >/dev/null \
    || die "cannot sign in as $user"
  curl -fsS -b "$work/jar" --data-urlencode name=Load --data-urlencode kind=api_key --data-urlencode "base_url=$sandbox_url" \
    --data-urlencode "account_id=$parent_id" --data-urlencode "api_key=$parent_key" "$base/api/connections/add" >/dev/null \
    || die "cannot add the sandbox's connection"
}

if [ "$instances" = 2 ]; then start_two; else start_one; fi

say "signing in $users sessions as $user"
: >"$work/cookies"
for _ in $(seq "$users"); do
  curl -fsS -c "$work/jar" --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/api/auth/login" >/dev/null \
    || die "cannot sign in as $user"
  echo "voxdesk_session=$(awk '$6 == "voxdesk_session" { print $7 }' "$work/jar")" >>"$work/cookies"
done
admin_cookie="$(head -n 1 "$work/cookies")"
curl -fsS -H "Cookie: $admin_cookie" "$base/children/export.csv" | tail -n +2 | cut -d, -f1 >"$work/ids"
[ "$(wc -l <"$work/ids")" -ge 1000 ] || die "the demo sandbox has fewer than 1,000 children"

# 100 connections: 93 reading, 5 editing (each its own 200 children, one request at a
# time, so the last edit of a child is the one the sandbox keeps), 1 creating, 1
# starting bulk jobs (100 children, activated and deactivated in turn).
say "load: $users users, $seconds s, sandbox answering in 40 ms"
run() {  # run KIND CONNECTIONS ARGS...
  local kind="$1" connections="$2"; shift 2
  LOAD_KIND="$kind" LOAD_COOKIES="$work/cookies" LOAD_CHILD_IDS="$work/ids" \
    wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s -s bench/load/mix.lua "$base" -- "$@" \
    >"$work/wrk-$kind-$*.out" 2>&1
}
loads=()
run dashboard 30 dashboard & loads+=($!)
run list 30 list & loads+=($!)
run child 23 child & loads+=($!)
run audit 10 audit & loads+=($!)
for part in 0 1 2 3 4; do run edit 1 edit $((part * 200 + 1)) 200 & loads+=($!); done
run create 1 create "$$" & loads+=($!)
run bulk 1 bulk 901 100 & loads+=($!)
wait "${loads[@]}"

rss_kb=""
for p in "${server_pids[@]}"; do rss_kb="$rss_kb${rss_kb:+,}$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")"; done
# Requests wrk gave up on at the end may still be finishing: their outcomes come first.
for url in "${instance_urls[@]}"; do
  for _ in $(seq 300); do
    curl -fsS "$url/metrics" | grep -q '^voxdesk_audit_intents_open 0$' && break
    sleep 0.2
  done
done
: >"$work/metrics"
for i in "${!instance_urls[@]}"; do
  { echo "# instance $((i + 1))"; curl -fsS "${instance_urls[$i]}/metrics"; } >>"$work/metrics"
done
if cat "$work"/server*.log | grep -q '"status":[45][0-9][0-9]'; then
  echo "the first error answers in the servers' logs:"
  cat "$work"/server*.log | grep '"status":[45][0-9][0-9]' | head -n 5 | cut -c1-400
fi
curl -fsS -H "Cookie: $admin_cookie" "$base/audit/export.jsonl" >"$work/audit.jsonl" || die "cannot export the audit log"
# Two instances, after the mix (so each one's count above is nginx's share): the child
# list (50 rows, 50 connections) through nginx to the first instance alone, then to both,
# twice over, with the sandbox answering at once. "Each has its own cores", on a machine of
# two: each instance is pinned to a core of its own (taskset) and held to LOAD_INSTANCE_CPU
# of it (a cgroup's CPU quota), so wrk, nginx, PostgreSQL and the sandbox keep at least a
# core in both runs and what doubles is the instances' own CPU.
instance_cpu="${LOAD_INSTANCE_CPU:-0.5}"
# give_own_core PID CORE NAME: pins PID's threads to CORE and caps them at instance_cpu.
give_own_core() {
  local quota group
  quota="$(python3 -c "import sys; print(int(float(sys.argv[1]) * 100000))" "$instance_cpu")"
  taskset -a -c -p "$2" "$1" >/dev/null || return 1
  if [ -w /sys/fs/cgroup/cpu ]; then  # cgroup v1
    group="/sys/fs/cgroup/cpu/voxdesk-load-$$-$3"
    mkdir "$group" && cpu_groups+=("$group") || return 1
    echo 100000 >"$group/cpu.cfs_period_us" && echo "$quota" >"$group/cpu.cfs_quota_us" || return 1
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then  # cgroup v2
    echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
    group="/sys/fs/cgroup/voxdesk-load-$$-$3"
    mkdir "$group" && cpu_groups+=("$group") || return 1
    echo "$quota 100000" >"$group/cpu.max" || return 1
  else
    return 1
  fi
  echo "$1" >"$group/cgroup.procs"
}
if [ "$instances" = 2 ]; then
  say "the child list: one instance, then two, behind nginx (each instance on its own core, at most $instance_cpu of it)"
  curl -fsS -X DELETE "${sandbox_url%/platform_api/}/_sandbox/faults" >/dev/null || die "cannot clear the sandbox's latency"
  pinned=yes
  give_own_core "${server_pids[0]}" 0 1 && give_own_core "${server_pids[1]}" 1 2 || pinned=no
  list_rate() {
    wrk -t2 -c50 -d10s -H "Cookie: $admin_cookie" "$1/children?size=50" | sed -n 's/^Requests\/sec: *//p'
  }
  rates=()
  for _ in 1 2; do rates+=("$(list_rate "$one_base")" "$(list_rate "$base")"); done
  python3 - "$pinned" "$instance_cpu" "${rates[@]}" >"$work/scaling.txt" <<'PY'
import sys
pinned, cpu, *rates = sys.argv[1:]
rates = [float(r) for r in rates]
one, both = sum(rates[0::2]) / 2, sum(rates[1::2]) / 2
how = (f"each instance pinned to its own core and held to {cpu} CPU" if pinned == "yes"
       else "NOT pinned (no writable cgroup or taskset): the instances share the cores")
print(f"child list, 50 connections, through nginx ({how}): one instance {one:.0f} req/s, "
      f"two {both:.0f} req/s ({both / one:.2f}x; runs: {' '.join(f'{r:.0f}' for r in rates)})")
PY
fi

for p in "${server_pids[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done
if [ "$instances" = 2 ]; then
  verify="$("$binary" audit --data-dir "$work/cli" verify 2>&1)" || die "audit verify failed: $verify"
else
  verify="$(env -u DATABASE_URL "$binary" audit --data-dir "$data" verify 2>&1)" || die "audit verify failed: $verify"
fi
[ -f "$work/scaling.txt" ] && cat "$work/scaling.txt"
python3 bench/load_check.py "$work" "$seconds" "$rss_kb" "$sandbox_state" "$verify" <"$work/metrics"
