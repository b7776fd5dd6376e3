#!/bin/sh
# Installs moto's server (pinned with every dependency in requirements.txt) into ./.venv.
# Idempotent; works from any directory.
set -eu
cd "$(dirname "$0")" && { [ -x .venv/bin/python ] || python3 -m venv .venv; } && .venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
