# Shared by make's scripts: install what is missing, quickly skip what is there.
# Every step installs only from the package registries (crates.io, npm, Debian).
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"   # 0.3.11 needs a newer rustc than this project's stable 1.95

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install it yourself, or run as root)"; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; please install: $*"
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The wasm-bindgen crate version this workspace is locked to (the CLI must match it).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_path() {
  export PATH="$ROOT/scripts/bin:$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
}

# The WASM target, and the standard library's source: the browser's WASM is built with
# its own copy of std that aborts on panic (.cargo/config.toml).
ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! rustup component list --installed 2>/dev/null | grep -qx rust-src; then
    say "adding the rust-src component"
    rustup component add rust-src
  fi
}

# cargo-leptos for every build of the site. RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take the WASM's unstable size flags (.cargo/config.toml, `lib-cargo-args`);
# the server's cargo runs without it (`bin-cargo-command` in Cargo.toml), so its
# dependencies' build scripts never see a "nightly" compiler.
leptos_build() {
  (cd "$ROOT" && RUSTC_BOOTSTRAP=1 cargo leptos "$@")
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (first time only, about 20-30 minutes)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
}

ensure_wasm_bindgen() {
  local want; want="$(wasm_bindgen_version)"
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return; fi
  say "installing wasm-bindgen-cli $want (first time only, about 7 minutes)"
  # Not --locked: its lock file names a crate version this registry does not carry.
  cargo install wasm-bindgen-cli --version "$want" --force
}

CARGO_AUDIT_VERSION="0.22.2"
CARGO_FUZZ_VERSION="0.13.1"
ensure_cargo_audit() {
  if cargo audit --version 2>/dev/null | grep -q " $CARGO_AUDIT_VERSION\$"; then return; fi
  say "installing cargo-audit $CARGO_AUDIT_VERSION (first time only, a few minutes)"
  cargo install cargo-audit --version "$CARGO_AUDIT_VERSION" --locked
}

ensure_cargo_fuzz() {
  if cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then return; fi
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (first time only, a few minutes)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
}

# A copy of the RustSec advisory database (github.com/rustsec/advisory-db): the one
# VOXDESK_ADVISORY_DB names, or one beside the checkout. Prints nothing if none.
advisory_db() {
  local candidate
  for candidate in "${VOXDESK_ADVISORY_DB:-}" "$ROOT/../shared/advisory-db" /work/shared/advisory-db; do
    if [ -n "$candidate" ] && [ -d "$candidate/crates" ]; then (cd "$candidate" && pwd); return; fi
  done
}

ensure_node() {
  command -v npm >/dev/null && return
  say "installing Node.js and npm"
  apt_install nodejs npm
}

# @playwright/test, and binaryen's wasm-opt: cargo-leptos would otherwise try to
# download wasm-opt for release builds (and Debian's binaryen breaks hydration).
ensure_node_modules() {
  ensure_node
  local stamp="$ROOT/end2end/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/end2end/package-lock.json" ]; then return; fi
  say "installing end2end/ npm packages"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  say "installing Debian's chromium for the browser tests"
  apt_install chromium
}

ensure_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] && return
  say "installing Debian's nginx (for make load-ha)"
  apt_install nginx-light
}

ensure_wrk() {
  command -v wrk >/dev/null && return
  say "installing wrk for the load benchmarks"
  apt_install wrk
}

postgres_bin_dir() {
  local dir
  if command -v initdb >/dev/null && command -v postgres >/dev/null; then dirname "$(command -v initdb)"; return; fi
  if command -v pg_config >/dev/null; then
    dir="$(pg_config --bindir)"; [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_postgres() {
  [ -n "$(postgres_bin_dir)" ] && return
  say "installing PostgreSQL server binaries"
  apt_install postgresql
}

# Everything `cargo leptos build` needs.
ensure_build_tools() {
  ensure_path
  ensure_wasm_target
  ensure_node_modules
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_postgres
}

# The release site (server binary + WASM), unless nothing it is made from changed
# since the last build: cargo-leptos would otherwise re-run wasm-bindgen and wasm-opt
# (about a minute) on an unchanged WASM. The stamp is taken before building, so an
# edit made during a build is seen next time.
RELEASE_STAMP="$ROOT/target/.release-site-built"
release_site_inputs=(app frontend server voximplant sandbox style migrations Cargo.toml Cargo.lock .cargo/config.toml)

release_site_is_current() {
  [ -f "$RELEASE_STAMP" ] && [ -x "$ROOT/target/release/voxdesk" ] && [ -f "$ROOT/target/site/pkg/voxdesk.wasm" ] \
    && [ -z "$(cd "$ROOT" && find "${release_site_inputs[@]}" -newer "$RELEASE_STAMP" -print -quit 2>/dev/null)" ]
}

build_release_site() {
  if release_site_is_current; then
    finish_pieces
    say "the release site is up to date"
    return
  fi
  say "building the release site (cargo leptos build --release --split -p voxdesk)"
  mkdir -p "$ROOT/target"
  touch "$RELEASE_STAMP.next"
  leptos_build build --release --split -p voxdesk
  finish_pieces
  mv "$RELEASE_STAMP.next" "$RELEASE_STAMP"
}

# What follows every --split build: a check that the pieces took their data along
# (scripts/check-pieces-data.mjs), the small pieces optimized, and the pieces' loader
# rewritten to fetch a page's pieces in one request (scripts/batch-piece-loads.mjs).
finish_pieces() {
  node "$ROOT/scripts/check-pieces-data.mjs" "$ROOT/target/site/pkg" || die "the WASM split kept every page's data in the entry module"
  optimize_small_pieces
  node "$ROOT/scripts/batch-piece-loads.mjs" "$ROOT/target/site/pkg"
}

# The pieces scripts/bin/wasm-opt left unoptimized (under 16 KiB), in one Node.js
# process (scripts/optimize-pieces.mjs); only those written since the last run, so a
# build that reused its WASM costs nothing here.
optimize_small_pieces() {
  local pkg="$ROOT/target/site/pkg" stamp="$ROOT/target/.small-pieces-optimized"
  local pieces=()
  if [ -f "$stamp" ]; then
    mapfile -t pieces < <(find "$pkg" -maxdepth 1 -name '*.wasm' -size -16384c -newer "$stamp")
  else
    mapfile -t pieces < <(find "$pkg" -maxdepth 1 -name '*.wasm' -size -16384c)
  fi
  [ "${#pieces[@]}" -eq 0 ] && return
  say "optimizing ${#pieces[@]} small WASM pieces (wasm-opt -Oz in one process)"
  node "$ROOT/scripts/optimize-pieces.mjs" "${pieces[@]}"
  touch "$stamp"
}

# What `make test`'s browser tests run: the release site's WASM with the server in the
# dev profile (target/debug/voxdesk; see the voxdesk-test project in Cargo.toml).
build_test_site() {
  say "building the release WASM and the dev-profile server (cargo leptos build --release --split -p voxdesk-test)"
  leptos_build build --release --split -p voxdesk-test
  finish_pieces
}

# Benchmarks build with other features than the portal: their own target directory
# keeps them from invalidating the release build `make run` serves.
BENCH_TARGET_DIR="$ROOT/target/bench"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for_url URL SECONDS: polls until the URL answers 200.
wait_for_url() {
  local url="$1" deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}
