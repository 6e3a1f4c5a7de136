#!/usr/bin/env bash
# `make bench`: Voxdesk's numbers, as one table. Later issues add rows.
#   - release WASM size, raw and gzip -9 (what a browser downloads);
#   - cold start of `voxdesk serve` until /healthz answers 200: with a new data
#     directory (includes initdb) and with an existing one (median of 5);
#   - sandbox throughput for GetChildrenAccounts (count=50) and the typed client's
#     overhead over a raw POST, measured in one run (sandbox/benches/throughput.rs);
#   - the audit log: write-ahead overhead on a mutation, filtered pages, export and
#     verify throughput on a generated log (server/benches/audit.rs).
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
ensure_build_tools

say "cargo leptos build --release (a no-op when up to date)"
cargo leptos build --release >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/voxdesk-bench.XXXXXX")"; chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }

# cold_start DATA_DIR: prints milliseconds from exec to the first 200 from /healthz.
cold_start() {
  local data="$1" port pid start end
  port="$(free_port)"
  start="$(now_ms)"
  env -u DATABASE_URL VOXDESK_LOG_FORMAT=json target/release/voxdesk serve \
    --listen "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
  pid=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; die "voxdesk exited"; }
    sleep 0.01
  done
  end="$(now_ms)"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $((end - start))
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

wasm=target/site/pkg/voxdesk.wasm
wasm_raw=$(stat -c %s "$wasm")
wasm_gz=$(gzip -9 -c "$wasm" | wc -c)
js_gz=$(gzip -9 -c target/site/pkg/voxdesk.js | wc -c)
css_gz=$(gzip -9 -c target/site/pkg/voxdesk.css | wc -c)

say "measuring the sandbox and the Voximplant client (cargo bench)"
sandbox_rows="$(cargo bench -q -p sandbox --bench throughput 2>/dev/null | grep '^|')" || die "the sandbox benchmark failed"
say "measuring the audit log (BENCH_AUDIT_EVENTS=${BENCH_AUDIT_EVENTS:-1000000} events; takes a few minutes)"
audit_rows="$(cargo bench -q -p server --bench audit 2>/dev/null | grep '^|')" || die "the audit benchmark failed"

say "measuring cold starts"
first=$(cold_start "$work/data")
warm=$(for _ in 1 2 3 4 5; do cold_start "$work/data"; done | median)

row() { printf '| %-60s | %12s | %-5s |\n' "$1" "$2" "$3"; }
echo
row "benchmark" "value" "unit"
row "------------------------------------------------------------" "------------" "-----"
row "release WASM size (raw)" "$wasm_raw" "B"
row "release WASM size (gzip -9)" "$wasm_gz" "B"
row "release JS glue + CSS (gzip -9)" "$((js_gz + css_gz))" "B"
row "cold start to /healthz 200, new data dir (initdb)" "$first" "ms"
row "cold start to /healthz 200, existing data dir (median of 5)" "$warm" "ms"
echo "$sandbox_rows"
echo "$audit_rows"
