#!/bin/sh
# Creates runner/adapters/awscrt/.venv and installs the pinned requirements into it.
# Idempotent (an existing venv is kept; pip skips what is installed) and works from any cwd.
set -eu
cd "$(dirname "$0")" && { [ -x .venv/bin/python ] || python3 -m venv .venv; } && .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
