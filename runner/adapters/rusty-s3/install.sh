#!/bin/sh
# Builds runner/adapters/rust-common/target/release/rusty-s3-adapter with the versions pinned in
# Cargo.lock (rusty-s3 0.11.0). The Rust adapters share one target dir (rust-common/target) so
# their common crates build once. Works from any directory; set CARGO_BUILD_JOBS to limit cores.
set -eu
cd "$(dirname "$0")" && CARGO_TARGET_DIR=../rust-common/target exec cargo build --release --locked
