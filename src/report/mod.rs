//! Reports of a run.

pub mod badge;
pub mod compare;
pub mod expect;
pub mod gate;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod summary;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename, so a
/// reader never sees half a report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_mode(path, bytes, None)
}

/// [`write_atomic`] for a file only its owner may read (mode 0600 on Unix): the temporary file is
/// created with that mode, so the content is never readable by others, not even for a moment.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_mode(path, bytes, Some(0o600))
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let tmp = temporary_for(path)?;
    let write = || -> io::Result<()> {
        let mut file = create_new(&tmp, mode)?;
        file.write_all(bytes)?;
        std::fs::rename(&tmp, path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The temporary file `.NAME.tmp-PID` of `path`, in its folder (created if needed); stale
/// temporaries of `path` left by processes that are gone are removed first.
pub fn temporary_for(path: &Path) -> io::Result<PathBuf> {
    let dir = folder_of(path);
    std::fs::create_dir_all(dir)?;
    clean_stale_temporaries(path);
    let tmp = dir.join(format!(".{}.tmp-{}", file_name(path), std::process::id()));
    // One of ours, from an earlier write that failed: it is replaced.
    let _ = std::fs::remove_file(&tmp);
    Ok(tmp)
}

/// Creates a new file (never through an existing name or symlink), with `mode` on Unix.
pub fn create_new(path: &Path, mode: Option<u32>) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string())
}

/// Whether process `pid` is running: `None` when this system cannot tell (no `/proc`).
fn process_alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    Some(Path::new(&format!("/proc/{pid}")).exists())
}

/// Removes the temporaries `.NAME.tmp-PID` of `path` whose process is gone (a writer killed
/// between writing and renaming leaves one behind). Returns how many were removed. Where it
/// cannot tell whether a process runs, it removes nothing.
pub fn clean_stale_temporaries(path: &Path) -> usize {
    let prefix = format!(".{}.tmp-", file_name(path));
    let Ok(entries) = std::fs::read_dir(folder_of(path)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file
            && pid != std::process::id()
            && process_alive(pid) == Some(false)
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("sigv4-stale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("report.json");
        // No process has pid 4194304 (above Linux's limit); pid 1 always runs.
        let dead = dir.join(".report.json.tmp-4194304");
        let alive = dir.join(".report.json.tmp-1");
        let other = dir.join(".other.json.tmp-4194304");
        for p in [&dead, &alive, &other] {
            std::fs::write(p, "x").unwrap();
        }
        write_atomic_private(&path, b"{}").unwrap();
        if process_alive(1).is_some() {
            assert!(!dead.exists());
            assert!(alive.exists() && other.exists());
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
