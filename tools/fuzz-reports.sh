#!/usr/bin/env bash
# Fuzzes the reference and every shipped adapter fast enough for CI with a fixed seed and case
# count, and writes what each campaign found to reports/fuzz/<name>.json with one shrunk fixture
# per group of divergences under reports/fuzz/<name>/. With --check, writes to target/fuzz-reports/
# and fails when anything differs from the committed findings (a new divergence, or one that went
# away). Install the adapters first (runner/adapters/*/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/sigv4-conformance
check=false
[ "${1:-}" = "--check" ] && check=true
out=reports/fuzz
$check && out=target/fuzz-reports
seed=20261124
cases=3000
# The reference, then every adapter with the `fuzz` role (tools/adapters.sh).
declare -A adapters=([reference]="$bin adapter")
names=(reference)
while IFS=$'\t' read -r name command; do
  adapters[$name]="$command"
  names+=("$name")
done < <(tools/adapters.sh fuzz)
status=0
for name in "${names[@]}"; do
  rm -rf "${out:?}/$name"
  mkdir -p "$out"
  "$bin" fuzz --adapter "${adapters[$name]}" --cases "$cases" --seed "$seed" \
    --json "$out/$name.json" --out "$out/$name" > "$out/$name.log" 2>&1 || true
  head -2 "$out/$name.log" | tail -1 | sed "s/^/$name: /"
  rm "$out/$name.log"
  if $check; then
    differs=false
    diff -q "reports/fuzz/$name.json" "$out/$name.json" > /dev/null 2>&1 || differs=true
    if [ -d "reports/fuzz/$name" ] || [ -d "$out/$name" ]; then
      diff -r -q "reports/fuzz/$name" "$out/$name" > /dev/null 2>&1 || differs=true
    fi
    if $differs; then
      echo "$name: the fuzzing findings differ from reports/fuzz/ (a new divergence, or a fixed one):"
      diff -r "reports/fuzz/$name.json" "$out/$name.json" | head -40 || true
      status=1
    fi
  fi
done
exit $status
