//! Discovery: which cases and modes a suite folder holds. It lists folders and file names only,
//! and reads no file, so listing thousands of trials stays fast.

use super::source::SuiteFiles;
use crate::sign::Mode;
use std::fmt;
use std::path::{Path, PathBuf};

/// Which layout a case is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// `request.txt`, `context.json`, `{mode}-*.txt`.
    Native,
    /// `<stem>.req`, `.creq`, `.sts`, `.authz`, `.sreq` (header mode only).
    Legacy {
        /// The file stem shared by the case's files.
        stem: String,
    },
}

/// One case found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    /// The case id: the folder relative to the suite root, `/`-separated (plus the stem for an
    /// older-layout case whose stem differs from its folder's name).
    pub id: String,
    /// The suite root it was found under.
    pub root: PathBuf,
    /// The case folder.
    pub dir: PathBuf,
    /// Its layout.
    pub layout: Layout,
    /// The modes it has trials for.
    pub modes: Vec<Mode>,
    /// Where its files are read from.
    pub files: SuiteFiles,
    /// The names of the entries of its folder that are not folders, sorted, as discovery listed
    /// them once: loading asks no file system about an expected file that is not among them.
    pub names: std::sync::Arc<[String]>,
}

impl CaseRef {
    /// The same case with none of its files read yet. A `CaseRef` is a snapshot: a run reads
    /// each file once (see [`SuiteFiles`]), so a tool that edits a case's files and loads it
    /// again asks for a fresh one (the folder's listing is kept: add or remove files, and
    /// discover again).
    pub fn reread(&self) -> CaseRef {
        CaseRef {
            files: match &self.files {
                SuiteFiles::Disk(_) => SuiteFiles::default(),
                memory => memory.clone(),
            },
            ..self.clone()
        }
    }

    /// The trial id of one mode: `v4/get-vanilla/header`.
    pub fn trial_id(&self, mode: Mode) -> String {
        format!("{}/{}", self.id, mode)
    }
}

/// Why a suite folder could not be listed.
#[derive(Debug)]
pub enum SuiteError {
    /// The folder does not exist or cannot be read.
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        error: String,
    },
    /// The folder holds no case at all.
    Empty {
        /// The folder.
        path: PathBuf,
    },
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuiteError::Unreadable { path, error } => write!(f, "{}: cannot read the suite: {error}", path.display()),
            SuiteError::Empty { path } => write!(
                f,
                "{}: no case found (a case is a folder holding request.txt, or a <name>.req file of the older AWS layout)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SuiteError {}

/// The modes of a native case: those with at least one `{mode}-*.txt` file; both when it has
/// none yet (the trials then report "nothing to compare", or bless fills them).
fn native_modes(names: &[String]) -> Vec<Mode> {
    let modes: Vec<Mode> = Mode::ALL
        .into_iter()
        .filter(|m| {
            names
                .iter()
                .any(|n| n.starts_with(&format!("{m}-")) && n.ends_with(".txt"))
        })
        .collect();
    if modes.is_empty() {
        Mode::ALL.to_vec()
    } else {
        modes
    }
}

fn relative_id(root: &Path, dir: &Path) -> String {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Folders under `root` that hold expected files (`header-*.txt`, `query-*.txt`) or a
/// `context.json` but no `request.txt` and no `.req` file: half a case, which is never run.
pub fn incomplete_folders(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .filter(|e| {
            let names: Vec<String> = std::fs::read_dir(e.path())
                .map(|d| {
                    d.filter_map(Result::ok)
                        .map(|f| f.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let case_files = names.iter().any(|n| {
                n == "context.json"
                    || ((n.starts_with("header-") || n.starts_with("query-"))
                        && n.ends_with(".txt"))
            });
            let request = names
                .iter()
                .any(|n| n == "request.txt" || n.ends_with(".req"));
            case_files && !request
        })
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// The cases of one folder `dir` under `root` whose entries (files, not folders) are `names`,
/// sorted: a native case when it holds `request.txt`, an older-layout case per `.req` file.
pub(crate) fn folder_cases(
    root: &Path,
    dir: &Path,
    names: &[String],
    files: &SuiteFiles,
) -> Vec<CaseRef> {
    let mut cases = Vec::new();
    let folder_id = relative_id(root, dir);
    let listed: std::sync::Arc<[String]> = names.into();
    if names.iter().any(|n| n == "request.txt") {
        cases.push(CaseRef {
            id: folder_id.clone(),
            root: root.to_path_buf(),
            dir: dir.to_path_buf(),
            layout: Layout::Native,
            modes: native_modes(names),
            files: files.clone(),
            names: listed.clone(),
        });
    }
    let folder_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for stem in names.iter().filter_map(|n| n.strip_suffix(".req")) {
        let id = match (folder_id.is_empty(), stem == folder_name) {
            (true, _) => stem.to_string(),
            (false, true) => folder_id.clone(),
            (false, false) => format!("{folder_id}/{stem}"),
        };
        cases.push(CaseRef {
            id,
            root: root.to_path_buf(),
            dir: dir.to_path_buf(),
            layout: Layout::Legacy {
                stem: stem.to_string(),
            },
            modes: vec![Mode::Header],
            files: files.clone(),
            names: listed.clone(),
        });
    }
    cases
}

/// Lists every case under `root`, sorted by id.
pub fn discover(root: &Path) -> Result<Vec<CaseRef>, SuiteError> {
    if !root.is_dir() {
        return Err(SuiteError::Unreadable {
            path: root.to_path_buf(),
            error: "not a folder".to_string(),
        });
    }
    let mut cases = Vec::new();
    let files = SuiteFiles::default();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| SuiteError::Unreadable {
            path: e.path().unwrap_or(root).to_path_buf(),
            error: e.to_string(),
        })?;
        if !entry.file_type().is_dir() {
            continue;
        }
        let dir = entry.path();
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| SuiteError::Unreadable {
                path: dir.to_path_buf(),
                error: e.to_string(),
            })?
            .filter_map(|e| e.ok())
            // Every entry but a folder: a request.txt that is a FIFO or a symbolic link still
            // makes a case, which loading then reports as a broken fixture (never a case that
            // silently vanishes).
            .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(true))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        cases.extend(folder_cases(root, dir, &names, &files));
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    if cases.is_empty() {
        return Err(SuiteError::Empty {
            path: root.to_path_buf(),
        });
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_both_layouts_sorted() {
        let root = std::env::temp_dir().join(format!("sigv4-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let files = [
            "v4/b-case/request.txt",
            "v4/b-case/header-signature.txt",
            "v4/a-case/request.txt",
            "v4/a-case/query-signature.txt",
            "v4/a-case/header-error.txt",
            "new-case/request.txt",
            "old/get-vanilla/get-vanilla.req",
            "old/normalize-path/get-slash.req",
            ".hidden/request.txt",
        ];
        for f in files {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"").unwrap();
        }
        let cases = discover(&root).unwrap();
        let ids: Vec<(String, Vec<Mode>)> = cases
            .iter()
            .map(|c| (c.id.clone(), c.modes.clone()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("new-case".to_string(), vec![Mode::Header, Mode::Query]),
                ("old/get-vanilla".to_string(), vec![Mode::Header]),
                (
                    "old/normalize-path/get-slash".to_string(),
                    vec![Mode::Header]
                ),
                ("v4/a-case".to_string(), vec![Mode::Header, Mode::Query]),
                ("v4/b-case".to_string(), vec![Mode::Header]),
            ]
        );
        assert_eq!(cases[3].trial_id(Mode::Query), "v4/a-case/query");
        std::fs::remove_dir_all(&root).unwrap();
        assert!(discover(&root).is_err());
        std::fs::create_dir_all(&root).unwrap();
        assert!(matches!(discover(&root), Err(SuiteError::Empty { .. })));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
