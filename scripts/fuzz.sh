#!/bin/bash
# Run every fuzz target for SECONDS each under ASan/UBSan (libFuzzer).
# usage: scripts/fuzz.sh BUILD_DIR SECONDS
# The scratch corpus goes first so the committed seeds stay untouched; a crash,
# leak or timeout fails the run and its input is kept under fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
seconds=$2
art=fuzz/artifacts
mkdir -p "$art"
failed=0 ran=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" | sed 's/^fuzz_//')
  seeds=fuzz/corpus/$name
  [ -d "$seeds" ] || { echo "fuzz: $name has no seed corpus in $seeds" >&2; failed=$((failed + 1)); continue; }
  dict=()
  [ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
  scratch=$(mktemp -d)
  log=$(mktemp)
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
       "${dict[@]}" -artifact_prefix="$art/$name-" "$scratch" "$seeds" >"$log" 2>&1; then
    echo "fuzz: $name ok ($(grep -Eo 'Done [0-9]+ runs' "$log" | tail -1 || echo '?'))"
    ran=$((ran + 1))
  else
    echo "fuzz: $name FAILED" >&2
    tail -n 40 "$log" >&2
    failed=$((failed + 1))
  fi
  rm -rf "$scratch" "$log"
done
echo "fuzz: $ran passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$ran" -gt 0 ]
