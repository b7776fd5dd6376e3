//! Where a suite's files are read from: a folder on disk, or files held in memory (the suite
//! embedded in the crate, read as it is without unpacking it to a temporary folder).
//!
//! Discovery and loading are the same for both: [`super::discover`] lists a folder on disk,
//! [`MemorySuite::discover`] lists the files in memory, and both make their cases with the one
//! rule of `discover.rs` ([`super::discover::folder_cases`]); loading reads each file through the
//! case's [`SuiteFiles`].

use super::discover::{folder_cases, CaseRef, SuiteError};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a case's files are read from.
#[derive(Debug, Clone)]
pub enum SuiteFiles {
    /// From disk; only regular files are read (`crate::files`), each once per run.
    Disk(Arc<DiskFiles>),
    /// From memory.
    Memory(Arc<MemorySuite>),
}

impl Default for SuiteFiles {
    /// Files on disk, none read yet.
    fn default() -> SuiteFiles {
        SuiteFiles::Disk(Arc::default())
    }
}

impl PartialEq for SuiteFiles {
    fn eq(&self, other: &SuiteFiles) -> bool {
        match (self, other) {
            (SuiteFiles::Disk(a), SuiteFiles::Disk(b)) => Arc::ptr_eq(a, b),
            (SuiteFiles::Memory(a), SuiteFiles::Memory(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for SuiteFiles {}

impl SuiteFiles {
    /// The bytes of the file at `path`.
    pub fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self {
            SuiteFiles::Disk(files) => files.read(path).map(|bytes| bytes.to_vec()),
            SuiteFiles::Memory(suite) => suite.file(path).map(<[u8]>::to_vec).ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "no such file in the suite")
            }),
        }
    }

    /// The bytes of the file at `path`, or `None` when there is none.
    pub fn read_optional(&self, path: &Path) -> io::Result<Option<Vec<u8>>> {
        match self.read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the files are on disk (and may be written, as `--bless` does).
    pub fn on_disk(&self) -> bool {
        matches!(self, SuiteFiles::Disk(_))
    }
}

/// The files of a suite on disk that a run has read, kept so that each is read once: loading
/// both modes of a case and the suite hash all reuse the first read.
#[derive(Debug, Default)]
pub struct DiskFiles {
    read: std::sync::Mutex<std::collections::HashMap<PathBuf, Arc<[u8]>>>,
}

impl DiskFiles {
    /// The bytes of the regular file at `path`, read on the first call only.
    pub fn read(&self, path: &Path) -> io::Result<Arc<[u8]>> {
        if let Some(bytes) = self.cached(path) {
            return Ok(bytes);
        }
        let bytes: Arc<[u8]> = crate::files::read_regular(path)?.into();
        if let Ok(mut read) = self.read.lock() {
            read.insert(path.to_path_buf(), Arc::clone(&bytes));
        }
        Ok(bytes)
    }

    fn cached(&self, path: &Path) -> Option<Arc<[u8]>> {
        self.read.lock().ok()?.get(path).cloned()
    }
}

/// The suite hash of discovered cases (`run::hash_case_files` over every file of every case
/// folder, by relative path): the files loading read are not read again, and no folder is listed
/// again. A file that is not a regular file is left out, as a walk of the folder leaves it out.
pub fn hash_of<'a>(cases: impl IntoIterator<Item = &'a CaseRef>) -> String {
    let mut folders: BTreeMap<&Path, &CaseRef> = BTreeMap::new();
    for case in cases {
        folders.entry(case.dir.as_path()).or_insert(case);
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (dir, case) in folders {
        for name in case.names.iter() {
            let path = dir.join(name);
            let bytes = match case.files.read(&path) {
                Ok(bytes) => bytes,
                // Not a regular file (a symbolic link, a FIFO): not part of the suite.
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => continue,
                Err(_) => Vec::new(),
            };
            files.push((relative(&case.root, &path), bytes));
        }
    }
    files.sort();
    crate::run::hash_case_files(
        files
            .iter()
            .map(|(rel, bytes)| (rel.clone(), bytes.as_slice())),
    )
}

/// A suite held in memory: files by their path under a root that names where they came from
/// (such as `embedded:suite`), which is how fixture errors and diffs name them.
#[derive(Debug)]
pub struct MemorySuite {
    root: PathBuf,
    files: BTreeMap<PathBuf, Cow<'static, [u8]>>,
}

impl MemorySuite {
    /// A suite of `files`: (`/`-separated path relative to the suite root, bytes).
    pub fn new<P: AsRef<str>>(
        root: impl Into<PathBuf>,
        files: impl IntoIterator<Item = (P, Cow<'static, [u8]>)>,
    ) -> MemorySuite {
        let root = root.into();
        let files = files
            .into_iter()
            .map(|(rel, bytes)| (join(&root, rel.as_ref()), bytes))
            .collect();
        MemorySuite { root, files }
    }

    /// The suite embedded in this crate (`build.rs`: in release builds, and in every build with
    /// the `embedded-suite` feature), rooted at `embedded:suite`; `None` when this build has none.
    pub fn embedded() -> Option<Arc<MemorySuite>> {
        let files = super::embedded::FILES?;
        Some(Arc::new(MemorySuite::new(
            EMBEDDED_ROOT,
            files
                .iter()
                .map(|&(rel, bytes)| (rel, Cow::Borrowed(bytes))),
        )))
    }

    /// The root its paths are under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bytes of one file.
    pub fn file(&self, path: &Path) -> Option<&[u8]> {
        self.files.get(path).map(|bytes| bytes.as_ref())
    }

    /// Every case of the suite, sorted by id: the cases [`super::discover`] would find in a
    /// folder holding these files (hidden folders left out).
    pub fn discover(self: &Arc<MemorySuite>) -> Result<Vec<CaseRef>, SuiteError> {
        let mut folders: BTreeMap<&Path, Vec<String>> = BTreeMap::new();
        for path in self.files.keys() {
            let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
                continue;
            };
            let hidden = dir
                .strip_prefix(&self.root)
                .unwrap_or(dir)
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
            if !hidden {
                let names = folders.entry(dir).or_default();
                names.push(name.to_string_lossy().into_owned());
            }
        }
        let files = SuiteFiles::Memory(Arc::clone(self));
        let mut cases: Vec<CaseRef> = folders
            .into_iter()
            .flat_map(|(dir, mut names)| {
                names.sort();
                folder_cases(&self.root, dir, &names, &files)
            })
            .collect();
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        if cases.is_empty() {
            return Err(SuiteError::Empty {
                path: self.root.clone(),
            });
        }
        Ok(cases)
    }

    /// The suite hash of these files (`run::suite_hash` of the same files on disk).
    pub fn hash(&self) -> String {
        let case_folders: std::collections::BTreeSet<&Path> = self
            .files
            .keys()
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n == "request.txt" || n.ends_with(".req"))
            })
            .filter_map(|p| p.parent())
            .collect();
        // Sorted by the relative path as text, as `suite_hash` sorts (a `PathBuf` sorts by
        // components: `a/b` before `a-c/d`, where the text puts `a-c/d` first).
        let mut files: Vec<(String, &[u8])> = self
            .files
            .iter()
            .filter(|(path, _)| path.parent().is_some_and(|d| case_folders.contains(d)))
            .map(|(path, bytes)| (relative(&self.root, path), bytes.as_ref()))
            .collect();
        files.sort();
        crate::run::hash_case_files(files)
    }
}

/// The root of the embedded suite's paths.
pub const EMBEDDED_ROOT: &str = "embedded:suite";

fn join(root: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .filter(|part| !part.is_empty())
        .fold(root.to_path_buf(), |path, part| path.join(part))
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::Mode;
    use crate::stage::Stage;
    use crate::suite::Layout;

    fn suite(files: &[(&str, &'static [u8])]) -> Arc<MemorySuite> {
        Arc::new(MemorySuite::new(
            "mem",
            files.iter().map(|&(p, b)| (p, Cow::Borrowed(b))),
        ))
    }

    #[test]
    fn discovers_what_the_disk_walker_would() {
        let suite = suite(&[
            ("v4/b-case/request.txt", b""),
            ("v4/b-case/header-signature.txt", b""),
            ("v4/a-case/request.txt", b""),
            ("v4/a-case/query-signature.txt", b""),
            ("old/normalize-path/get-slash.req", b""),
            (".hidden/request.txt", b""),
            ("README.md", b""),
        ]);
        let cases = suite.discover().unwrap();
        let ids: Vec<(&str, &[Mode])> = cases
            .iter()
            .map(|c| (c.id.as_str(), c.modes.as_slice()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("old/normalize-path/get-slash", &[Mode::Header][..]),
                ("v4/a-case", &[Mode::Query][..]),
                ("v4/b-case", &[Mode::Header][..]),
            ]
        );
        assert_eq!(
            cases[0].layout,
            Layout::Legacy {
                stem: "get-slash".to_string()
            }
        );
        assert_eq!(cases[1].dir, Path::new("mem").join("v4").join("a-case"));
        assert!(matches!(cases[1].files, SuiteFiles::Memory(_)));
    }

    #[test]
    fn reads_files_and_says_when_one_is_missing() {
        let suite = suite(&[("v4/a/request.txt", b"GET / HTTP/1.1\n")]);
        let files = SuiteFiles::Memory(Arc::clone(&suite));
        let path = Path::new("mem/v4/a/request.txt");
        assert_eq!(files.read(path).unwrap(), b"GET / HTTP/1.1\n");
        let missing = Path::new("mem/v4/a/context.json");
        assert_eq!(
            files.read(missing).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(files.read_optional(missing).unwrap(), None);
    }

    #[test]
    fn the_suite_in_memory_is_the_suite_on_disk() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("suite");
        let files: Vec<(String, Cow<'static, [u8]>)> = walkdir::WalkDir::new(&root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&root).unwrap();
                let rel = rel.to_string_lossy().replace('\\', "/");
                (rel, Cow::Owned(std::fs::read(e.path()).unwrap()))
            })
            .collect();
        let memory = Arc::new(MemorySuite::new(EMBEDDED_ROOT, files));
        let in_memory = memory.discover().unwrap();
        let on_disk = crate::suite::discover(&root).unwrap();
        let ids = |cases: &[CaseRef]| -> Vec<(String, Vec<Mode>)> {
            cases
                .iter()
                .map(|c| (c.id.clone(), c.modes.clone()))
                .collect()
        };
        assert_eq!(ids(&in_memory), ids(&on_disk));
        assert_eq!(memory.hash(), crate::run::suite_hash(&root));
        for (m, d) in in_memory.iter().zip(&on_disk) {
            for &mode in &d.modes {
                let (m, d) = (
                    crate::suite::load(m, mode).unwrap(),
                    crate::suite::load(d, mode).unwrap(),
                );
                assert_eq!(m.input.request_bytes, d.input.request_bytes);
                assert_eq!(m.input.context_json, d.input.context_json);
                let bytes = |f: &crate::suite::Fixture| -> Vec<(Stage, Vec<u8>)> {
                    f.expected
                        .stages
                        .iter()
                        .map(|(s, e)| (*s, e.bytes.clone()))
                        .collect()
                };
                assert_eq!(bytes(&m), bytes(&d), "{}", d.input.id);
                assert_eq!(m.expected.error.map(|e| e.0), d.expected.error.map(|e| e.0));
            }
        }
    }

    #[test]
    fn an_empty_suite_is_an_error() {
        let suite = suite(&[("README.md", b"")]);
        assert!(matches!(suite.discover(), Err(SuiteError::Empty { .. })));
    }

    #[test]
    fn hashes_like_the_same_files_on_disk() {
        let root = std::env::temp_dir().join(format!("sigv4-source-hash-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let files: [(&str, &'static [u8]); 5] = [
            ("v4/a/request.txt", b"GET / HTTP/1.1\n"),
            ("v4/a-b/request.txt", b"PUT / HTTP/1.1\n"),
            ("v4/a/header-signature.txt", b"abc"),
            ("old/x/x.req", b"GET / HTTP/1.1\n"),
            ("README.md", b"not a case file"),
        ];
        for (rel, bytes) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        assert_eq!(suite(&files).hash(), crate::run::suite_hash(&root));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
