#!/bin/sh
# Builds runner/adapters/rust-common/target/release/aws-sign-v4-adapter with the versions pinned in
# Cargo.lock (aws-sign-v4 0.3.0). The Rust adapters share one target dir (rust-common/target) so
# their common crates build once. Works from any directory; set CARGO_BUILD_JOBS to limit cores.
set -eu
cd "$(dirname "$0")" && CARGO_TARGET_DIR=../rust-common/target exec cargo build --release --locked
