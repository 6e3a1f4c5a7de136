# Sourced by bench/run.sh: pages and reads through the portal under load (wrk, 50
# connections, signed in), each next to what it is compared with, measured in the
# same run against a demo portal whose sandbox holds 10,000 children.
#   - /healthz, and the dashboard (/, server-rendered: 6 Voximplant calls run at once,
#     a 7th for the rates when the children's currencies differ,
#     per connection and kept 5 s) vs the sandbox's own GetAccountInfo;
#   - the child list (50 rows) through the portal vs the sandbox's own
#     GetChildrenAccounts count=50: requests/s, ratio, p99;
#   - the first, middle and last page of 10,000 children;
#   - a child's page data through the portal (/api/children/get) vs the same read
#     straight to the sandbox, with the sandbox answering in 40 ms: p50 ratio.

WRK_SECONDS="${WRK_SECONDS:-6}"

# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# wrk_run NAME URL [LUA]: runs wrk and leaves "<req/s> <p50 ms> <p99 ms>" in $work/wrk-NAME;
# with CPU_PID set, also that process's CPU time per request (µs) in $work/cpu-NAME.
wrk_run() {
  local name="$1" url="$2" script="${3:-}" before
  local args=(-t2 -c50 -d"${WRK_SECONDS}s" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  [ -n "${WRK_COOKIE:-}" ] && args+=(-H "Cookie: $WRK_COOKIE")
  [ -n "${CPU_PID:-}" ] && before="$(cpu_ticks "$CPU_PID")"
  wrk "${args[@]}" "$url" >"$work/wrk-$name.out" 2>&1 || die "wrk $name failed: $(cat "$work/wrk-$name.out")"
  if [ -n "${CPU_PID:-}" ]; then
    local ticks requests
    ticks=$(( $(cpu_ticks "$CPU_PID") - before ))
    requests="$(awk '/requests in/ { print $1 }' "$work/wrk-$name.out")"
    python3 -c "print(round($ticks / $(getconf CLK_TCK) * 1e6 / $requests))" >"$work/cpu-$name"
  fi
  grep -q "Non-2xx" "$work/wrk-$name.out" && die "wrk $name: some answers were not 2xx: $(cat "$work/wrk-$name.out")"
  python3 - "$work/wrk-$name.out" >"$work/wrk-$name" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    value, unit = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(f"{rate:.0f} {ms('50%'):.1f} {ms('99%'):.1f}")
PY
}

# post_script FILE BODY: a wrk script that POSTs BODY form-encoded.
post_script() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
}

# start_demo_portal NAME CHILDREN RATE_LIMIT: a demo portal whose sandbox holds
# CHILDREN children, signed in as the demo reseller. Sets pid, base, data,
# sandbox_url and cookie (the caller declares them local).
start_demo_portal() {
  local log="$work/$1.log" port user password
  port="$(free_port)"; data="$work/$1-data"; base="http://127.0.0.1:$port"
  env -u DATABASE_URL VOXDESK_LOG_FORMAT=json VOXDESK_DEMO_CHILDREN="$2" VOXDESK_DEMO_RATE_LIMIT="$3" \
    target/release/voxdesk serve --demo --listen "127.0.0.1:$port" --data-dir "$data" >"$log" 2>&1 &
  pid=$!
  wait_for_url "$base/healthz" 180 || die "the portal did not start: $(tail -n 20 "$log")"
  user="$(sed -n 's/^  reseller \+\(\S\+\) \+\(\S\+\)$/\1/p' "$log" | head -n 1)"
  password="$(sed -n 's/^  reseller \+\(\S\+\) \+\(\S\+\)$/\2/p' "$log" | head -n 1)"
  sandbox_url="$(sed -n 's/^Demo Voximplant sandbox at \([^ ]*\) .*/\1/p' "$log" | head -n 1)"
  curl -fsS -c "$work/$1-jar" --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/api/auth/login" >/dev/null \
    || die "cannot sign in as the demo reseller"
  cookie="voxdesk_session=$(awk '$6 == "voxdesk_session" { print $7 }' "$work/$1-jar")"
}

measure_pages() {
  ensure_wrk
  local pid data base sandbox_url cookie parent_key child
  start_demo_portal pages 10000 1000000000
  # The sandbox runs inside the portal's process: its CPU per call is counted the same way.
  local CPU_PID="$pid"
  read -r parent_id parent_key child < <(python3 - "$data/sandbox-state.json" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))["state"]["accounts"]
parent = next(a for a in state.values() if a["parent_id"] is None)
child = sorted(int(k) for k, a in state.items() if a["parent_id"] is not None)[5000]
print(parent["id"], parent["api_key"], child)
PY
)
  local sandbox_auth="account_id=$parent_id&api_key=$parent_key"

  say "load: /healthz, the dashboard, a page calling nothing upstream and the sandbox's GetAccountInfo"
  wrk_run healthz "$base/healthz"
  WRK_COOKIE="$cookie" wrk_run home "$base/"
  # A signed-in page that calls nothing upstream: the session, the frame, a form.
  WRK_COOKIE="$cookie" wrk_run quiet "$base/children/new"
  post_script "$work/info.lua" "$sandbox_auth"
  wrk_run sandbox-info "${sandbox_url}GetAccountInfo" "$work/info.lua"
  say "time to interactive of the dashboard (headless Chromium, loopback)"
  local tti
  tti="$(NODE_PATH="$ROOT/end2end/node_modules" node bench/dashboard-tti.cjs "$base" "$cookie")" || die "the dashboard TTI run failed"
  say "load: the child list (50 rows) vs the sandbox's GetChildrenAccounts count=50, 10,000 children"
  post_script "$work/list.lua" "$sandbox_auth&count=50"
  wrk_run sandbox-list "${sandbox_url}GetChildrenAccounts" "$work/list.lua"
  WRK_COOKIE="$cookie" wrk_run list "$base/children?size=50"
  WRK_COOKIE="$cookie" wrk_run list-middle "$base/children?size=50&page=100"
  WRK_COOKIE="$cookie" wrk_run list-last "$base/children?size=50&page=200"
  # The same 50 rows as data: what the page fetches when it moves between pages.
  post_script "$work/list-data.lua" "query%5Bsize%5D=50&query%5Bpage%5D=1"
  WRK_COOKIE="$cookie" wrk_run list-data "$base/api/children/list" "$work/list-data.lua"
  say "load: a child's page data through the portal vs straight to the sandbox (sandbox answers in 40 ms)"
  curl -fsS -H 'content-type: application/json' -d '{"method":"*","latency_ms":40}' \
    "${sandbox_url%platform_api/}_sandbox/faults" >/dev/null || die "cannot slow the sandbox down"
  post_script "$work/child.lua" "$sandbox_auth&child_account_id=$child"
  wrk_run sandbox-child "${sandbox_url}GetChildrenAccounts" "$work/child.lua"
  post_script "$work/portal-child.lua" "account_id=$child"
  WRK_COOKIE="$cookie" wrk_run portal-child "$base/api/children/get" "$work/portal-child.lua"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

  local h hp home hp50 hp99 i s s50 s99 l l50 l99 m m50 m99 z z50 z99 c c50 c99 p p50 p99 d d50 d99
  read -r h _ _ <"$work/wrk-healthz"; read -r home hp50 hp99 <"$work/wrk-home"; read -r i _ _ <"$work/wrk-sandbox-info"
  read -r s s50 s99 <"$work/wrk-sandbox-list"; read -r l l50 l99 <"$work/wrk-list"
  read -r m m50 m99 <"$work/wrk-list-middle"; read -r z z50 z99 <"$work/wrk-list-last"
  read -r c c50 c99 <"$work/wrk-sandbox-child"; read -r p p50 p99 <"$work/wrk-portal-child"
  read -r d d50 d99 <"$work/wrk-list-data"
  local q q50 q99
  read -r q q50 q99 <"$work/wrk-quiet"
  local cpu_h cpu_q cpu_s cpu_l cpu_d
  read -r cpu_h <"$work/cpu-healthz"; read -r cpu_q <"$work/cpu-quiet"; read -r cpu_s <"$work/cpu-sandbox-list"
  read -r cpu_l <"$work/cpu-list"; read -r cpu_d <"$work/cpu-list-data"
  page_rows="$(
    row "/healthz, 50 connections" "$h" "req/s"
    row "dashboard (/) server-rendered, 50 conn. (6–7 upstream calls, kept 5 s)" "$home" "req/s"
    row "  its p50 / p99" "$hp50 / $hp99" "ms"
    row "  sandbox GetAccountInfo, same run" "$i" "req/s"
    row "signed-in page calling nothing upstream (/children/new)" "$q" "req/s"
    row "  its p50 / p99" "$q50 / $q99" "ms"
    row "dashboard time to interactive, Chromium, median of 7" "$tti" "ms"
    row "sandbox GetChildrenAccounts count=50, 10,000 children" "$s" "req/s"
    row "/children?size=50 through the portal, first page" "$l" "req/s"
    row "  list page / sandbox call (same run)" "$(python3 -c "print(f'{$l/$s:.2f}')")" "ratio"
    row "  list page p50 / p99" "$l50 / $l99" "ms"
    row "  middle page (page 100) p50 / p99" "$m50 / $m99" "ms"
    row "  last page (page 200) p50 / p99" "$z50 / $z99" "ms"
    row "the same 50 rows as data (/api/children/list)" "$d" "req/s"
    row "  its p50 / p99" "$d50 / $d99" "ms"
    row "CPU per request, portal process: sandbox call (count=50)" "$cpu_s" "µs"
    row "  /healthz (one database ping)" "$cpu_h" "µs"
    row "  /children/new (calls nothing upstream)" "$cpu_q" "µs"
    row "  /children?size=50 (the sandbox call included)" "$cpu_l" "µs"
    row "  /api/children/list, 50 rows as data" "$cpu_d" "µs"
    row "child's page data, portal p50 (sandbox at +40 ms)" "$p50" "ms"
    row "  same read straight to the sandbox, p50" "$c50" "ms"
    row "  portal / sandbox p50 (same run)" "$(python3 -c "print(f'{$p50/$c50:.2f}')")" "ratio"
  )"
}
