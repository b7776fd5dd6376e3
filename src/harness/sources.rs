//! Which suite the harness runs: the built-in one (embedded, or this crate's `suite/` folder) or
//! folders given to it.

use crate::run::{list_trials, trials_of, TrialRef};
use crate::suite::{MemorySuite, SuiteError};
use std::path::PathBuf;
use std::sync::Arc;

/// One suite to run.
#[derive(Debug, Clone)]
pub enum SuiteSource {
    /// Files held in memory (the embedded suite).
    Memory(Arc<MemorySuite>),
    /// A folder on disk.
    Folder(PathBuf),
}

impl SuiteSource {
    /// The suite this crate ships: embedded in the build when it is (feature `embedded-suite`, or
    /// a release build), else the `suite/` folder of this crate's source tree, which cargo keeps
    /// for a path, git or registry dependency. A debug build of this crate itself reads the folder,
    /// so a fixture edit needs no rebuild.
    pub fn builtin() -> Result<SuiteSource, String> {
        if let Some(suite) = MemorySuite::embedded() {
            return Ok(SuiteSource::Memory(suite));
        }
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite");
        if folder.is_dir() {
            Ok(SuiteSource::Folder(folder))
        } else {
            Err(format!(
                "the suite folder {} is gone: enable the `embedded-suite` feature of \
                 sigv4-conformance to carry the suite in the test binary, or set SIGV4_SUITE",
                folder.display()
            ))
        }
    }

    /// Every trial of the suite, sorted by id.
    pub fn trials(&self) -> Result<Vec<TrialRef>, SuiteError> {
        match self {
            SuiteSource::Memory(suite) => Ok(trials_of(suite.discover()?)),
            SuiteSource::Folder(dir) => list_trials(std::slice::from_ref(dir)),
        }
    }
}
