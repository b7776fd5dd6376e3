#!/usr/bin/env bash
# Runs an adapter with failures (aws4), writes JUnit and JSON, and checks the JUnit with
# junitparser (pinned in requirements.txt, installed into tools/junit-check/.venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x tools/junit-check/.venv/bin/python ] || python3 -m venv tools/junit-check/.venv
tools/junit-check/.venv/bin/python -m pip install --disable-pip-version-check -q -r tools/junit-check/requirements.txt
cargo build --release --quiet
out=target/junit-check
mkdir -p "$out"
target/release/sigv4-conformance run --adapter 'node runner/adapters/aws4/adapter.mjs' \
  --junit "$out/junit.xml" --json "$out/report.json" > /dev/null || true
tools/junit-check/.venv/bin/python tools/junit-check/check.py "$out/junit.xml" "$out/report.json"
