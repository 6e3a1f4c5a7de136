#!/usr/bin/env bash
# `make audit` (and a step of `make test`): every crate in Cargo.lock checked against
# the RustSec advisory database, offline, from a local copy. Exceptions, each with
# its reason and the date it was decided, are in .cargo/audit.toml.
#
# Prints "audit: ok", "audit: failed" or "audit: skipped (why)" as its last line;
# exits non-zero only when a known-vulnerable crate is found.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_path

db="$(advisory_db)"
if [ -z "$db" ]; then
  echo "audit: skipped (no advisory database here: set VOXDESK_ADVISORY_DB to a copy of github.com/rustsec/advisory-db)"
  exit 0
fi
ensure_cargo_audit
# Exceptions in .cargo/audit.toml that hold only while a crate is not compiled in.
for crate in rsa; do
  if cargo tree --workspace --target all -e normal,build -i "$crate" 2>/dev/null | grep -q .; then
    echo "$crate is now compiled in: its exception in .cargo/audit.toml no longer holds" >&2
    echo "audit: failed"
    exit 1
  fi
done
say "cargo audit against $db (offline)"
# --no-fetch: never reach for the network; --stale: an old copy is what we have
# offline, and it still catches everything it knows.
if cargo audit --db "$db" --no-fetch --stale --file Cargo.lock; then
  echo "audit: ok"
else
  echo "audit: failed"
  exit 1
fi
