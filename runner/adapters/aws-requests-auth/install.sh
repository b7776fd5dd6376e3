#!/bin/sh
# Creates this adapter's .venv and installs the pinned requirements into it (idempotent, any cwd).
set -eu
cd "$(dirname "$0")" && { [ -x .venv/bin/python ] || python3 -m venv .venv; } && .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
