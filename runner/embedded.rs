//! The suite `run` and `lint` use when no `--suite` is given: embedded in a release build
//! (`build.rs`), read from the source tree's `suite/` in a debug build.

use sha2::{Digest, Sha256};
use sigv4_conformance::run::suite_hash;
use sigv4_conformance::suite::MemorySuite;
use std::path::{Path, PathBuf};

/// The folder of the default suite: the embedded files unpacked, or the source tree's `suite/`.
pub fn suite() -> Result<PathBuf, String> {
    match sigv4_conformance::suite::embedded::FILES {
        Some(files) => unpack(files).map_err(|e| format!("cannot unpack the embedded suite: {e}")),
        None => {
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("suite");
            if source.is_dir() {
                Ok(source)
            } else {
                Err(format!(
                    "this debug build reads the suite from {}, which is gone: give --suite DIR \
                     (a release build embeds the suite)",
                    source.display()
                ))
            }
        }
    }
}

/// What `--version` prints: the version, then the hash of the default suite (the `suite_hash` of
/// the JSON reports of a run without `--suite`) and where it is read from.
pub fn version() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let suite = match MemorySuite::embedded() {
        Some(suite) => format!("{} (embedded)", suite.hash()),
        None => match suite() {
            Ok(dir) => format!("{} (read from {})", suite_hash(&dir), dir.display()),
            Err(e) => e,
        },
    };
    format!("sigv4-conformance {version}\nsuite {suite}")
}

/// Writes `files` once to a folder under the system's temporary directory named by their content
/// hash, and returns that folder's path.
fn unpack(files: &[(&str, &[u8])]) -> std::io::Result<PathBuf> {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let hash = hex::encode(hasher.finalize());
    let short = hash.get(..16).unwrap_or(&hash);
    let dir = std::env::temp_dir().join(format!("sigv4-conformance-suite-{short}"));
    if dir.join(".complete").is_file() {
        return Ok(dir);
    }
    let staging_prefix = format!("sigv4-conformance-suite-{short}.");
    remove_stale_staging(&std::env::temp_dir(), &staging_prefix);
    let staging = std::env::temp_dir().join(format!("{staging_prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for (path, bytes) in files {
        let target = staging.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)?;
    }
    std::fs::write(staging.join(".complete"), b"")?;
    match std::fs::rename(&staging, &dir) {
        Ok(()) => Ok(dir),
        // Another process finished first: use its copy.
        Err(_) if dir.join(".complete").is_file() => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(dir)
        }
        Err(e) => Err(e),
    }
}

/// Removes the staging folders `<prefix><pid>` of processes that are gone (one killed while it
/// unpacked the suite). Where `/proc` cannot tell whether a process runs, nothing is removed.
fn remove_stale_staging(dir: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
