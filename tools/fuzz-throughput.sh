#!/usr/bin/env bash
# Fuzzing throughput against an adapter, side by side with the adapter's own round-trip rate:
#   tools/fuzz-throughput.sh N 'ADAPTER COMMAND'
# The bare rate sends the same N generated sign requests through the protocol driver and reads the
# answers, nothing else (benches/tools/roundtrip.rs, built as an example); the fuzz rate is
# `sigv4-conformance fuzz --cases N` against the same adapter (generation, reference signature,
# comparison and diagnosis included).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
adapter=${2:-target/release/sigv4-conformance adapter}
cargo build --release --quiet --example roundtrip --bins
bare=$(target/release/examples/roundtrip "$n" "$adapter")
target/release/sigv4-conformance fuzz --adapter "$adapter" --cases "$n" --seed 1 > target/fuzz-throughput.txt || true
fuzz=$(head -1 target/fuzz-throughput.txt)
python3 - "$bare" "$fuzz" "$adapter" <<'PY'
import re, sys
bare = float(re.search(r"= (\d+)/s", sys.argv[1]).group(1))
fuzz = float(re.search(r"\((\d+) cases/s\)", sys.argv[2]).group(1))
print(f"adapter: {sys.argv[3]}")
print(f"bare round trips: {sys.argv[1]}")
print(f"fuzz:             {sys.argv[2]}")
print(f"fuzz is {100 * fuzz / bare:.0f}% of the bare round-trip rate")
PY
