#!/usr/bin/env bash
# `make load`: 100 signed-in users for 60 s against a demo portal whose sandbox holds
# 1,000 children and answers every call in 40 ms (as the real API roughly does), on a
# mix of page views (dashboard, child list, a child's page, audit log) and changes
# (child edits, creates), one wrk per kind, all at once. Prints per kind requests/s,
# p50/p95/p99 and errors, the server's peak RSS and its database pool; then checks
# that nothing was lost: bench/load_check.py compares the audit log (one intent and one
# outcome per change; the chain verifies) with the sandbox's own state file.
#
# LOAD_SECONDS (60), LOAD_USERS (100) change the size; VOXDESK_BINARY runs another
# build (say target/debug/voxdesk) instead of building the release one.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
ensure_wrk
seconds="${LOAD_SECONDS:-60}"; users="${LOAD_USERS:-100}"
binary="${VOXDESK_BINARY:-}"
if [ -z "$binary" ]; then ensure_build_tools; build_release_site; binary=target/release/voxdesk; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/voxdesk-load.XXXXXX")"
chmod 755 "$work"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port="$(free_port)"; base="http://127.0.0.1:$port"; data="$work/data"
env -u DATABASE_URL VOXDESK_LOG_FORMAT=json VOXDESK_DEMO_CHILDREN=1000 VOXDESK_DEMO_RATE_LIMIT=1000000 \
  "$binary" serve --demo --listen "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
pid=$!
wait_for_url "$base/healthz" 180 || die "the portal did not start: $(tail -n 20 "$work/server.log")"
user="$(sed -n 's/^  admin \+\(\S\+\) \+\(\S\+\)$/\1/p' "$work/server.log" | head -n 1)"
password="$(sed -n 's/^  admin \+\(\S\+\) \+\(\S\+\)$/\2/p' "$work/server.log" | head -n 1)"
sandbox_url="$(sed -n 's/^Demo Voximplant sandbox at \([^ ]*\) .*/\1/p' "$work/server.log" | head -n 1)"
[ -n "$user" ] && [ -n "$sandbox_url" ] || die "the demo portal did not print its admin and sandbox"

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
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"method":"*","latency_ms":40}' \
  "${sandbox_url%/platform_api/}/_sandbox/faults" >/dev/null || die "cannot slow the sandbox down"

# 100 connections: 94 reading, 5 editing (each its own 200 children, one request at a
# time, so the last edit of a child is the one the sandbox keeps), 1 creating.
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
run child 24 child & loads+=($!)
run audit 10 audit & loads+=($!)
for part in 0 1 2 3 4; do run edit 1 edit $((part * 200 + 1)) 200 & loads+=($!); done
run create 1 create "$$" & loads+=($!)
wait "${loads[@]}"

rss_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
# Requests wrk gave up on at the end may still be finishing: their outcomes come first.
for _ in $(seq 300); do
  curl -fsS "$base/metrics" | grep -q '^voxdesk_audit_intents_open 0$' && break
  sleep 0.2
done
metrics="$(curl -fsS "$base/metrics")"
if grep -q '"status":[45][0-9][0-9]' "$work/server.log"; then
  echo "the first error answers in the server's log:"
  grep '"status":[45][0-9][0-9]' "$work/server.log" | head -n 5 | cut -c1-400
fi
curl -fsS -H "Cookie: $admin_cookie" "$base/audit/export.jsonl" >"$work/audit.jsonl" || die "cannot export the audit log"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
verify="$(env -u DATABASE_URL "$binary" audit --data-dir "$data" verify 2>&1)" || die "audit verify failed: $verify"

python3 bench/load_check.py "$work" "$seconds" "$rss_kb" "$data/sandbox-state.json" "$verify" <<<"$metrics"
