#!/usr/bin/env bash
# `make fuzz`: each cargo-fuzz target for FUZZ_SECONDS (default 60) — the sandbox's
# request reading, the response decoding, `audit verify` on mangled exports — then
# the corpus is minimised back into fuzz/corpus/<target>, which is committed and which
# `cargo test` replays on stable Rust. libFuzzer needs nightly: without a nightly
# toolchain this says so and stops (`rustup toolchain install nightly` to get one).
#
# FUZZ_TARGETS picks targets; FUZZ_SANITIZER (default none: the checks are Rust panics,
# and without ASan the build is minutes faster) may be "address".
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_path

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: skipped (no nightly toolchain here; libFuzzer needs one: rustup toolchain install nightly)"
  exit 0
fi
ensure_cargo_fuzz
seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-none}"
targets="${FUZZ_TARGETS:-sandbox_request voximplant_decode audit_verify}"
cd fuzz
say "building the fuzz targets (nightly, sanitizer: $sanitizer)"
cargo +nightly fuzz build -s "$sanitizer" >&2

failed=""
for target in $targets; do
  say "fuzzing $target for ${seconds} s"
  before=$(ls "corpus/$target" | wc -l)
  # -max_len: the largest committed input is a few kB; longer ones only slow it down.
  if cargo +nightly fuzz run -s "$sanitizer" "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$ROOT/target/fuzz-$target.log" 2>&1; then
    outcome="no crash"
  else
    outcome="FAILED (crash input in fuzz/artifacts/$target; log in target/fuzz-$target.log)"
    failed="$failed $target"
  fi
  # Keep the committed corpus small: only inputs that add coverage.
  cargo +nightly fuzz cmin -s "$sanitizer" "$target" "corpus/$target" >/dev/null 2>&1 || true
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$ROOT/target/fuzz-$target.log" | tail -n 1)
  echo "fuzz: $target: ${runs:-?} inputs in ${seconds} s, corpus $before -> $(ls "corpus/$target" | wc -l) files, $outcome"
done
[ -z "$failed" ] || die "fuzzing found crashes in:$failed"
