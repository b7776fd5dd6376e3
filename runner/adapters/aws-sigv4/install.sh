#!/bin/sh
# Builds runner/adapters/aws-sigv4/target/release/aws-sigv4-adapter with the versions pinned in
# Cargo.lock (aws-sigv4 1.6.4). Works from any directory; set CARGO_BUILD_JOBS to limit cores.
set -eu
cd "$(dirname "$0")" && exec cargo build --release --locked
