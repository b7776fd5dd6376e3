#!/usr/bin/env bash
# The harness as a dependent crate uses it: makes a throwaway crate that depends on this one (by
# path, on the package `cargo package` makes, as crates.io would get it) with the documented lines
# (README, "Your Rust signer in cargo test") and a signer of its own (examples/harness.rs, as its tests/sigv4.rs: first with its deliberate mistake fixed, then
# as it is), then checks with check.py that its `cargo test` runs 400+ trials, that
# `cargo test -- --list` lists the case ids, that with the mistake (the query kept in request
# order) exactly the trials whose query is not sorted start failing, each with
# our stage lines, diff and the diagnosis query-not-sorted, and that a pinned failure
# (SIGV4_EXPECT) is ignored while a stale pin fails. It shares this crate's target dir, so the
# compiled dependencies are reused (on 2 cores: about a minute, most of it this crate built with
# the features a dependent enables).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/target/harness-check
crate=$out/crate
rm -rf "$crate"
mkdir -p "$crate/src" "$crate/tests"
# What crates.io would get: the package cargo makes (suite/ must be in it), unpacked.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
cargo package --no-verify --allow-dirty --quiet
rm -rf "$out/package"
mkdir -p "$out/package"
tar -xzf "target/package/sigv4-conformance-$version.crate" -C "$out/package"
package=$out/package/sigv4-conformance-$version
[ -f "$package/suite/v4/get-vanilla/request.txt" ] || { echo "the package lacks suite/" >&2; exit 1; }
cat > "$crate/Cargo.toml" <<EOF
[package]
name = "harness-check"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dev-dependencies]
sigv4-conformance = { path = "$package", default-features = false, features = ["harness", "embedded-suite"] }
hex = "0.4"
hmac = "0.13"
sha2 = "0.11"

[[test]]
name = "sigv4"
harness = false
EOF
: > "$crate/src/lib.rs"
# The same versions as this crate's, so that the shared target dir already holds them compiled.
cp Cargo.lock "$crate/Cargo.lock"
# The example with its mistake fixed: the line that sorts the query parameters put back.
sed 's|// params.sort();|params.sort();|' examples/harness.rs > "$crate/tests/sigv4.rs"
sed -i 's/let params: Vec<String>/let mut params: Vec<String>/' "$crate/tests/sigv4.rs"
grep -q '^ *params.sort();' "$crate/tests/sigv4.rs" || { echo "examples/harness.rs: no mistake to fix" >&2; exit 1; }
export CARGO_TARGET_DIR="$root/target"
# The official suite runs too when found; this check compares the embedded suite's trials only.
export SIGV4_OFFICIAL=0
unset SIGV4_SUITE SIGV4_EXPECT
run() { (cd "$crate" && cargo test --offline --quiet --test sigv4 -- "$@"); }

run > "$out/clean.txt" 2>&1 || true
run --list > "$out/list.txt" 2>&1
cp examples/harness.rs "$crate/tests/sigv4.rs"
run > "$out/mistake.txt" 2>&1 || true
python3 tools/harness-check/check.py --suite suite --out "$out" --crate "$crate"
