#!/usr/bin/env bash
# `make test`: every test, on a fresh machine or a warm one.
#  1. installs what is missing (toolchain target, cargo-leptos, wasm-bindgen, npm
#     packages, Chromium, PostgreSQL);
#  2. `cargo test` for the workspace against a throwaway PostgreSQL (unless
#     DATABASE_URL names one);
#  3. the official Python and Node Voximplant clients against the sandbox;
#  4. checks Cargo.lock against the RustSec advisory database (scripts/audit.sh);
#  5. builds the site (release WASM, dev-profile server), packs it (`make dist`),
#     unpacks the package in a scratch directory and serves it from there as an
#     operator would (private PostgreSQL under a fresh data directory), then runs
#     Playwright in headless Chromium against it;
#  6. prints the counts of every suite; exits non-zero on any failure.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# A clean build and the test site take ~15 GB; a full disk otherwise shows up as
# a linker error minutes in.
free_gb=$(df -Pk "$ROOT" | awk 'NR==2 {print int($4/1048576)}')
say "disk: ${free_gb} GB free under $ROOT"
[ "$free_gb" -ge 12 ] || say "warning: under 12 GB free; a clean build may run out of space"

ensure_build_tools
ensure_chromium

work="$(mktemp -d "${TMPDIR:-/tmp}/voxdesk-test.XXXXXX")"
chmod 755 "$work"
server_pid=""
own_pg=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true
  fi
  [ -n "$own_pg" ] && scripts/test-postgres.sh stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- 1. Rust tests -------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  say "starting a throwaway PostgreSQL for cargo test"
  DATABASE_URL="$(scripts/test-postgres.sh start "$work/pg")"; own_pg=1
fi
say "cargo test --workspace"
# `frontend` is the WASM entry point; with `server` in the same build it would get
# `ssr` and `hydrate` at once. It is built (and so checked) by cargo-leptos below.
set +e
# A hung test must fail the run, not eat CI's time (a clean build is part of this).
DATABASE_URL="$DATABASE_URL" timeout 2400 cargo test --workspace --exclude frontend --no-fail-fast --color never 2>&1 | tee "$work/cargo-test.log"
cargo_status=${PIPESTATUS[0]}
set -e
read -r rust_passed rust_failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$work/cargo-test.log")
if [ "$cargo_status" -ne 0 ] && [ "$rust_failed" -eq 0 ]; then rust_failed=1; fi  # did not compile

# ---- 2. The official Voximplant clients against the sandbox -------------------------
say "official Python and Node clients against the sandbox"
official_passed=0; official_failed=0
set +e
sandbox/official-clients/run.sh target/debug/voxdesk 2>&1 | tee "$work/official.log"
official_status=${PIPESTATUS[0]}
set -e
read -r official_passed official_failed < <(awk '$1 == "official-clients:" { print $2, $4 }' "$work/official.log")
official_passed=${official_passed:-0}; official_failed=${official_failed:-0}
if [ "$official_status" -ne 0 ] && [ "$official_failed" -eq 0 ]; then official_failed=1; fi

# ---- 3. Known-vulnerable dependencies -------------------------------------------
set +e
scripts/audit.sh 2>&1 | tee "$work/audit.log"
audit_status=${PIPESTATUS[0]}
set -e
audit_line="$(grep -E '^audit: ' "$work/audit.log" | tail -n 1)"
audit_line="${audit_line:-audit: failed (no result)}"
[ "$audit_status" -ne 0 ] && audit_line="audit: failed"

# ---- 4. Browser tests against the packaged site -----------------------------------
# The release WASM with the dev-profile server (Cargo.toml, project voxdesk-test): the
# browser gets exactly what ships, and the release server's 16 minutes of compiling
# stay out of CI (`make run`, `make dist` and `make bench` build it).
e2e_passed=0; e2e_failed=0; e2e_status=0; package_missing=0
if ! package="$(VOXDESK_DIST_PROFILE=debug scripts/dist.sh)"; then
  e2e_failed=1; e2e_status=1
else
  # The browser tests run against what an operator installs (`make dist`): packed,
  # unpacked elsewhere and served from there, with no checkout around it.
  mkdir -p "$work/installed"
  tar -C "$work/installed" -xzf "$package"
  installed="$(echo "$work/installed"/voxdesk-*/)"
  for part in bin/voxdesk site/pkg/voxdesk.wasm site/pkg/voxdesk.js site/pkg/voxdesk.css voxdesk.service voxdesk.env.example README.txt; do
    if [ ! -e "${installed}$part" ]; then echo "the package lacks $part" >&2; package_missing=$((package_missing + 1)); fi
  done
  port="$(free_port)"
  say "starting the packaged server from $installed on 127.0.0.1:$port (private PostgreSQL under $work/data)"
  (cd "$work/installed" && exec env -u DATABASE_URL VOXDESK_LOG_FORMAT=json \
    "${installed}bin/voxdesk" serve --demo --listen "127.0.0.1:$port" --data-dir "$work/data" \
    >"$work/server.log" 2>&1) &
  server_pid=$!
  if ! wait_for_url "http://127.0.0.1:$port/healthz" 120; then
    tail -n 40 "$work/server.log" >&2
    die "the packaged server did not answer /healthz"
  fi
  # The demo users' passwords, printed once at start, for the browser tests.
  python3 - "$work/server.log" "$work/demo-users.json" <<'PY'
import json, re, sys
users = {}
for line in open(sys.argv[1]):
    match = re.match(r"^  (admin|reseller|support|auditor) +(\S+) +(\S+)$", line.rstrip("\n"))
    if match:
        users[match.group(1)] = {"username": match.group(2), "password": match.group(3)}
json.dump(users, open(sys.argv[2], "w"))
PY
  # Where the demo sandbox listens: tests check what the portal did against it directly.
  sandbox_url="$(sed -n 's/^Demo Voximplant sandbox at \([^ ]*\) .*/\1/p' "$work/server.log" | head -n 1)"
  rm -rf end2end/test-results end2end/artifacts
  set +e
  (cd end2end && BASE_URL="http://127.0.0.1:$port" DEMO_USERS_FILE="$work/demo-users.json" \
    SANDBOX_URL="$sandbox_url" SANDBOX_CREDENTIALS_FILE="$work/data/sandbox-credentials.json" npx playwright test)
  e2e_status=$?
  set -e
  if [ -f end2end/test-results/results.json ]; then
    read -r e2e_passed e2e_failed < <(node -e '
      const s = require("./end2end/test-results/results.json").stats;
      console.log(s.expected + s.flaky, s.unexpected);')
  fi
  if [ "$e2e_status" -ne 0 ] && [ "$e2e_failed" -eq 0 ]; then e2e_failed=1; fi
  e2e_failed=$((e2e_failed + package_missing))
  kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  if [ "$e2e_status" -ne 0 ]; then
    echo "---- server log (last 40 lines) ----" >&2; tail -n 40 "$work/server.log" >&2
  fi
  # The private PostgreSQL must be gone with the server.
  if [ ! -f "$work/data/postgres/PG_VERSION" ]; then
    echo "the private PostgreSQL cluster is not under the data directory" >&2; e2e_failed=$((e2e_failed + 1))
  fi
  if pgrep -f -- "-D $work/data/postgres" >/dev/null; then
    echo "a postgres process outlived the server" >&2; e2e_failed=$((e2e_failed + 1))
  fi
fi

# What failed, by name, last: CI keeps only the tail of this output.
failures() {
  grep -E '^test .* \.\.\. FAILED$' "$work/cargo-test.log" 2>/dev/null | sed 's/^test /  rust: /; s/ \.\.\. FAILED$//'
  if [ -f end2end/test-results/results.json ]; then
    node -e '
      const walk = (suite, file) => {
        for (const spec of suite.specs ?? []) for (const t of spec.tests ?? [])
          if (t.status === "unexpected") {
            const r = t.results[t.results.length - 1] ?? {};
            const why = ((r.error && r.error.message) || r.status || "").split("\n")[0].replace(/\x1b\[[0-9;]*m/g, "");
            console.log(`  e2e: ${spec.file ?? file}:${spec.line} ${spec.title} -- ${why.slice(0, 200)}`);
          }
        for (const s of suite.suites ?? []) walk(s, suite.file ?? file);
      };
      for (const s of require("./end2end/test-results/results.json").suites) walk(s, s.file);' 2>/dev/null
  fi
}
failed_names="$(failures)"
echo
if [ -n "$failed_names" ]; then echo "failed:"; echo "$failed_names"; fi
echo "rust: $rust_passed passed, $rust_failed failed"
echo "official-clients: $official_passed passed, $official_failed failed"
echo "e2e: $e2e_passed passed, $e2e_failed failed"
echo "$audit_line"
echo "total: $((rust_passed + official_passed + e2e_passed)) passed, $((rust_failed + official_failed + e2e_failed)) failed"
[ "$cargo_status" -eq 0 ] && [ "$rust_failed" -eq 0 ] && [ "$official_failed" -eq 0 ] && [ "$audit_status" -eq 0 ] \
  && [ "$e2e_failed" -eq 0 ] && [ "$e2e_status" -eq 0 ]
