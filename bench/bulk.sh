# Sourced by bench/run.sh: bulk changes of 1,000 children end to end against a demo
# portal (the sandbox answering at once, then in 200 ms per call): the time from
# the start request to the job's end, the longest wait between two progress
# updates the page can see (asked every 100 ms), the chunk size and calls made.

# bulk_job NAME ACTION: starts ACTION (activate | deactivate) on every child and
# leaves "<seconds> <longest gap between progress updates, s> <chunk size> <calls> <processed>"
# in $work/bulk-NAME.
bulk_job() {
  python3 - "$1" "$2" "$base" "$cookie" >"$work/bulk-$1" <<'PY'
import json, sys, time, urllib.request
name, action, base, cookie = sys.argv[1:5]
def post(path, body):
    request = urllib.request.Request(base + path, data=body.encode(), headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    return json.load(urllib.request.urlopen(request, timeout=30))
started = time.monotonic()
job = post(f"/api/children/bulk/{action}", "selection[every_match]=true&selection[filter]=")
last_change, last_processed, longest_gap = started, -1, 0.0
while True:
    view = post("/api/children/bulk/job", f"id={job}")
    now = time.monotonic()
    if view["processed"] != last_processed:
        longest_gap = max(longest_gap, now - last_change)
        last_change, last_processed = now, view["processed"]
    if view["state"] not in ("Resolving", "Running", "Cancelling"):
        break
    time.sleep(0.1)
if view["state"] != "Done" or view["failed"]:
    sys.exit(f"{name}: the job ended {view['state']} with {len(view['failed'])} failures")
print(f"{now - started:.2f} {longest_gap:.2f} {view['chunk_size']} {view['calls']} {view['processed']}")
PY
}

measure_bulk() {
  local port pid log data base cookie user password sandbox_url
  port="$(free_port)"; log="$work/bulk.log"; data="$work/bulk-data"; base="http://127.0.0.1:$port"
  env -u DATABASE_URL VOXDESK_LOG_FORMAT=json VOXDESK_DEMO_CHILDREN=1000 VOXDESK_DEMO_RATE_LIMIT=1000 \
    target/release/voxdesk serve --demo --listen "127.0.0.1:$port" --data-dir "$data" >"$log" 2>&1 &
  pid=$!
  wait_for_url "$base/healthz" 180 || die "the portal did not start: $(tail -n 20 "$log")"
  user="$(sed -n 's/^  reseller \+\(\S\+\) \+\(\S\+\)$/\1/p' "$log" | head -n 1)"
  password="$(sed -n 's/^  reseller \+\(\S\+\) \+\(\S\+\)$/\2/p' "$log" | head -n 1)"
  sandbox_url="$(sed -n 's/^Demo Voximplant sandbox at \([^ ]*\) .*/\1/p' "$log" | head -n 1)"
  curl -fsS -c "$work/bulk-jar" --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/api/auth/login" >/dev/null \
    || die "cannot sign in as the demo reseller"
  cookie="voxdesk_session=$(awk '$6 == "voxdesk_session" { print $7 }' "$work/bulk-jar")"
  say "bulk: deactivate 1,000 children, sandbox answering at once"
  bulk_job fast deactivate || die "the bulk benchmark failed: $(cat "$work/bulk-fast")"
  say "bulk: activate 1,000 children, sandbox answering in 200 ms per call"
  curl -fsS -H 'content-type: application/json' -d '{"method":"*","latency_ms":200}' \
    "${sandbox_url%platform_api/}_sandbox/faults" >/dev/null || die "cannot slow the sandbox down"
  bulk_job slow activate || die "the bulk benchmark failed: $(cat "$work/bulk-slow")"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

  local f fg size fc fn s sg ssize sc sn
  read -r f fg size fc fn <"$work/bulk-fast"; read -r s sg ssize sc sn <"$work/bulk-slow"
  bulk_rows="$(
    row "bulk deactivate of $fn children, start to end (target < 10 s)" "$f" "s"
    row "  longest wait between progress updates (target <= 1 s)" "$fg" "s"
    row "  chunk size / Voximplant calls made" "$size / $fc" "ids / calls"
    row "bulk activate of $sn children, sandbox at 200 ms per call (< 20 s)" "$s" "s"
    row "  longest wait between progress updates" "$sg" "s"
    row "  chunk size / Voximplant calls made" "$ssize / $sc" "ids / calls"
  )"
}
