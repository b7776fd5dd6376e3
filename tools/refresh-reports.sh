#!/usr/bin/env bash
# Runs the reference signer and every shipped adapter over the suite and writes
# reports/<name>/report.json and summary.md, then the matrix in reports/README.md.
# With --check, writes to target/reports/ instead and fails when any result differs from the
# committed reports (in either direction). Install the adapters first (runner/adapters/*/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/sigv4-conformance
check=false
[ "${1:-}" = "--check" ] && check=true
out=reports
$check && out=target/reports
declare -A adapters=(
  [reference]=""
  [botocore]="runner/adapters/botocore/.venv/bin/python runner/adapters/botocore/adapter.py"
  [smithy]="node runner/adapters/smithy/adapter.mjs"
  [aws4]="node runner/adapters/aws4/adapter.mjs"
  [aws-sigv4]="runner/adapters/aws-sigv4/target/release/aws-sigv4-adapter"
  [curl]="python3 runner/adapters/curl/adapter.py"
)
status=0
for name in reference botocore smithy aws4 aws-sigv4 curl; do
  mkdir -p "$out/$name"
  args=(run --json "$out/$name/report.json" --markdown "$out/$name/summary.md")
  [ -n "${adapters[$name]}" ] && args+=(--adapter "${adapters[$name]}")
  { "$bin" "${args[@]}" || true; } | tail -1 | sed "s/^/$name: /"
  if $check && ! diff -u "reports/$name/report.json" "$out/$name/report.json" > "$out/$name/report.diff"; then
    echo "$name: the results differ from reports/$name/report.json (a regression, or a fix to record):"
    head -80 "$out/$name/report.diff"
    status=1
  fi
done
"$bin" report --html "$out/index.html" "$out"/*/report.json > /dev/null
if $check && ! cmp -s reports/index.html "$out/index.html"; then
  echo "reports/index.html differs from the page the reports give (run tools/refresh-reports.sh)"
  status=1
fi
if ! $check; then
  matrix=$("$bin" report reports/*/report.json)
  python3 - "$matrix" <<'PY'
import sys
path = "reports/README.md"
text = open(path).read()
begin, end = "<!-- matrix:begin -->", "<!-- matrix:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + sys.argv[1] + "\n" + end + tail)
PY
fi
exit $status
