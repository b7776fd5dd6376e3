//! The official AWS signing test suites, read where a package manager unpacked them: never copied
//! into this repository.
//!
//! - `v4` (and `v4a`) in the aws-c-auth layout ship inside the `aws-sigv4` crate, a
//!   dev-dependency of this one: `cargo metadata` says where cargo unpacked it.
//! - The older `.req`/`.creq`/`.sts`/`.authz`/`.sreq` layout ships in botocore's source
//!   distribution (`tests/unit/auth/aws4_testsuite`); `tools/official-suites.sh` unpacks it under
//!   `target/official/`.
//!
//! Each copy has a few cases whose own files contradict each other; they are pinned, with the
//! reason `lint` also gives, in `tests/official/<name>.expect.toml`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One official suite: its short name, where it is, and the expected failures of its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialSuite {
    /// `v4`, `v4a` or `legacy`: the prefix of its trial ids under `cargo test` (`official/v4/...`).
    pub name: &'static str,
    /// The suite root.
    pub root: PathBuf,
    /// The expected failures of this copy (`tests/official/<name>.expect.toml`).
    pub expect: PathBuf,
}

/// Where the `aws-sigv4` crate's `aws-signing-test-suite/<folder>` is, as `cargo metadata` of
/// the package at `manifest_dir` resolves it (offline, for the host platform).
pub fn aws_sigv4_suite(manifest_dir: &Path, folder: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", env!("SIGV4_HOST_TARGET")])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        return Err(format!("cargo metadata failed: {last}"));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let manifest = metadata
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "aws-sigv4")
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or("cargo metadata lists no aws-sigv4 package (it is a dev-dependency)")?;
    let root = Path::new(manifest)
        .parent()
        .unwrap_or(Path::new("."))
        .join("aws-signing-test-suite")
        .join(folder);
    if root.is_dir() {
        Ok(root)
    } else {
        Err(format!("{} does not exist", root.display()))
    }
}

/// The older-layout copy unpacked by `tools/official-suites.sh` under `<manifest_dir>/target`.
pub fn legacy_suite(manifest_dir: &Path) -> Result<PathBuf, String> {
    let root = manifest_dir
        .join("target")
        .join("official")
        .join("aws4_testsuite");
    if root.is_dir() {
        Ok(root)
    } else {
        Err(format!(
            "{} does not exist (tools/official-suites.sh unpacks it from botocore's source distribution)",
            root.display()
        ))
    }
}

/// The official suites this checkout can run, and why each missing one is missing.
pub fn locate(manifest_dir: &Path) -> Vec<(&'static str, Result<OfficialSuite, String>)> {
    locate_for(manifest_dir, manifest_dir)
}

/// [`locate`] for the tests of another crate (`crate_dir`) that depends on this one: the
/// aws-c-auth copies are looked for among that crate's dependencies first, then among this one's.
pub fn locate_for(
    manifest_dir: &Path,
    crate_dir: &Path,
) -> Vec<(&'static str, Result<OfficialSuite, String>)> {
    let aws_sigv4_suite = |folder: &str| {
        aws_sigv4_suite(crate_dir, folder).or_else(|theirs| {
            if crate_dir == manifest_dir {
                return Err(theirs);
            }
            aws_sigv4_suite(manifest_dir, folder).map_err(|ours| format!("{theirs}; {ours}"))
        })
    };
    let expect = |name: &str| {
        manifest_dir
            .join("tests")
            .join("official")
            .join(format!("{name}.expect.toml"))
    };
    let found = |name: &'static str, root: Result<PathBuf, String>| {
        (
            name,
            root.map(|root| OfficialSuite {
                name,
                root,
                expect: expect(name),
            }),
        )
    };
    vec![
        found("v4", aws_sigv4_suite("v4")),
        found("v4a", aws_sigv4_suite("v4a")),
        found("legacy", legacy_suite(manifest_dir)),
    ]
}
