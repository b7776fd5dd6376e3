#!/bin/sh
# Installs libfaketime (Debian) when missing, then builds
# runner/adapters/rust-common/target/release/object-store-adapter with the versions pinned in
# Cargo.lock (object_store 0.14.2, features aws-base + ring). The Rust adapters share one target
# dir (rust-common/target) so their common crates build once. Works from any directory; set
# CARGO_BUILD_JOBS to limit cores.
set -eu
cd "$(dirname "$0")"
ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1 ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null; }
CARGO_TARGET_DIR=../rust-common/target exec cargo build --release --locked
