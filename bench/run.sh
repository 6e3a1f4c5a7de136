#!/usr/bin/env bash
# `make bench`: Voxdesk's numbers, as one table. Later issues add rows.
#   - release WASM, raw and gzip -9: what the first page (the login page) loads in
#     Chromium, and every chunk together (the site is split per page);
#   - `make run` until /healthz answers on a built, unchanged tree: before and after
#     the benchmarks' own builds (kept in target/bench, apart from the release build);
#   - cold start of `voxdesk serve` until /healthz answers 200: with a new data
#     directory (includes initdb) and with an existing one (median of 5);
#   - pages under load with wrk (bench/pages.sh): a signed-in page, the child list
#     against the sandbox's own call, first/middle/last of 10,000 children, a read
#     through the portal against the same read straight to the sandbox;
#   - bulk changes of 1,000 children (bench/bulk.sh): end to end, progress updates,
#     chunk size and calls, with the sandbox answering at once and in 200 ms;
#   - sandbox throughput for GetChildrenAccounts (count=50) and the typed client's
#     overhead over a raw POST, measured in one run (sandbox/benches/throughput.rs);
#   - the audit log: write-ahead overhead on a mutation, filtered pages, export and
#     verify throughput on a generated log (server/benches/audit.rs).
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
ensure_build_tools

build_release_site >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/voxdesk-bench.XXXXXX")"; chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }

# until_healthy COMMAND…: starts COMMAND with `--listen 127.0.0.1:<free port>`
# appended, prints the milliseconds until its /healthz answers 200, then stops it.
until_healthy() {
  local port pid start end
  port="$(free_port)"
  start="$(now_ms)"
  env -u DATABASE_URL VOXDESK_LOG_FORMAT=json "$@" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  pid=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; die "$1 exited"; }
    sleep 0.01
  done
  end="$(now_ms)"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $((end - start))
}

# cold_start DATA_DIR: `voxdesk serve` itself, from exec to the first 200.
cold_start() { until_healthy target/release/voxdesk serve --data-dir "$1"; }

# make_run_to_healthy: `make run` (scripts/run.sh: tool checks, build check, demo mode).
make_run_to_healthy() { until_healthy scripts/run.sh --data-dir "$work/run-data"; }

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

pkg=target/site/pkg
total_raw=0; total_gz=0
for file in "$pkg"/*.wasm; do
  total_raw=$((total_raw + $(stat -c %s "$file")))
  total_gz=$((total_gz + $(gzip -9 -c "$file" | wc -c)))
done
js_gz=$(cat "$pkg"/*.js | gzip -9 | wc -c)
css_gz=$(gzip -9 -c "$pkg/voxdesk.css" | wc -c)

say "measuring what the first page loads (the login page, in Chromium)"
ensure_chromium
port="$(free_port)"
env -u DATABASE_URL VOXDESK_LOG_FORMAT=json target/release/voxdesk serve \
  --listen "127.0.0.1:$port" --data-dir "$work/first-page" >"$work/first-page.log" 2>&1 &
first_page_pid=$!
wait_for_url "http://127.0.0.1:$port/healthz" 60 || die "the portal did not start"
first_raw=0; first_gz=0; mkdir -p "$work/first-page-wasm"
while read -r name; do
  first_raw=$((first_raw + $(stat -c %s "$work/first-page-wasm/$name")))
  first_gz=$((first_gz + $(gzip -9 -c "$work/first-page-wasm/$name" | wc -c)))
done < <(NODE_PATH="$ROOT/end2end/node_modules" node bench/first-page-wasm.cjs "http://127.0.0.1:$port" /login "$work/first-page-wasm")
kill -TERM "$first_page_pid"; wait "$first_page_pid" 2>/dev/null || true

row() { printf '| %-60s | %12s | %-5s |\n' "$1" "$2" "$3"; }
source "$ROOT/bench/pages.sh"
measure_pages
source "$ROOT/bench/bulk.sh"
measure_bulk

say "timing make run on a built, unchanged tree"
run_before=$(make_run_to_healthy)

say "measuring the sandbox and the Voximplant client (cargo bench)"
sandbox_rows="$(CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo bench -q -p sandbox --bench throughput 2>/dev/null | grep '^|')" || die "the sandbox benchmark failed"
say "measuring the audit log (BENCH_AUDIT_EVENTS=${BENCH_AUDIT_EVENTS:-1000000} events; takes a few minutes)"
audit_rows="$(CARGO_TARGET_DIR="$BENCH_TARGET_DIR" cargo bench -q -p server --bench audit 2>/dev/null | grep '^|')" || die "the audit benchmark failed"

say "timing make run again, after the benchmarks' builds"
run_after=$(make_run_to_healthy)

say "measuring cold starts"
first=$(cold_start "$work/data")
warm=$(for _ in 1 2 3 4 5; do cold_start "$work/data"; done | median)

{
row "benchmark" "value" "unit"
row "------------------------------------------------------------" "------------" "-----"
row "first page (login) WASM loaded (raw)" "$first_raw" "B"
row "first page (login) WASM loaded (gzip -9)" "$first_gz" "B"
row "all WASM chunks together (raw)" "$total_raw" "B"
row "all WASM chunks together (gzip -9)" "$total_gz" "B"
row "release JS glue + CSS (gzip -9)" "$((js_gz + css_gz))" "B"
row "make run to /healthz 200, unchanged tree, new data dir" "$run_before" "ms"
row "make run to /healthz 200, right after cargo bench, same dir" "$run_after" "ms"
row "cold start to /healthz 200, new data dir (initdb)" "$first" "ms"
row "cold start to /healthz 200, existing data dir (median of 5)" "$warm" "ms"
echo "$page_rows"
echo "$bulk_rows"
echo "$sandbox_rows"
echo "$audit_rows"
} > "$work/table.md"
echo; cat "$work/table.md"

# The README's numbers are this run's table, never typed by hand.
python3 - "$ROOT/README.md" "$work/table.md" <<'PY'
import re, sys
readme, table = sys.argv[1], open(sys.argv[2]).read().strip()
text = open(readme).read()
block = "<!-- bench:start (written by make bench) -->\n" + table + "\n<!-- bench:end -->"
new = re.sub(r"<!-- bench:start.*?<!-- bench:end -->", lambda _: block, text, flags=re.S)
if new != text:
    open(readme, "w").write(new)
PY
say "README.md's benchmark table is updated from this run"
