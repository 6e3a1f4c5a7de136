# Sourced by bench/run.sh after bench/pages.sh (its start_demo_portal): bulk changes of 1,000 children end to end against a demo
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
  local pid data base sandbox_url cookie
  start_demo_portal bulk 1000 1000
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
    row "bulk deactivate, $fn children, start to end (< 10 s)" "$f" "s"
    row "  longest wait between progress updates (<= 1 s)" "$fg" "s"
    row "  chunk size / Voximplant calls made" "$size / $fc" "ids/calls"
    row "bulk activate, $sn children, sandbox +200 ms a call (< 20 s)" "$s" "s"
    row "  longest wait between progress updates (<= 1 s)" "$sg" "s"
    row "  chunk size / Voximplant calls made" "$ssize / $sc" "ids/calls"
  )"
}
