#!/usr/bin/env bash
# The CI recipes for other projects (docs/ci/, the README's YAML, the Dockerfile): parsed and
# checked by check.py, the Dockerfile linted by hadolint (pinned in requirements.txt, installed into
# tools/ci-docs-check/.venv) and built when a container engine answers here.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import yaml' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-yaml; }
[ -x tools/ci-docs-check/.venv/bin/python ] || python3 -m venv tools/ci-docs-check/.venv
tools/ci-docs-check/.venv/bin/python -m pip install --disable-pip-version-check -q -r tools/ci-docs-check/requirements.txt
cargo build --release --quiet
mkdir -p target/ci-docs-check
target/release/sigv4-conformance run --help > target/ci-docs-check/run-help.txt
python3 tools/ci-docs-check/check.py --run-help target/ci-docs-check/run-help.txt
tools/ci-docs-check/.venv/bin/hadolint Dockerfile
echo "hadolint: Dockerfile clean"
if docker info >/dev/null 2>&1; then
  docker build -t sigv4-conformance:ci-docs-check .
  docker run --rm sigv4-conformance:ci-docs-check --version
else
  echo "no container engine answers here (docker info fails): the Dockerfile is linted, not built"
fi
