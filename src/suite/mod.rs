//! The suite on disk: discovery of cases, loading of fixtures, blessing of expected files.
//!
//! Two layouts are read as they are:
//! - the native layout, the official AWS signing test suite's: a case is a folder holding
//!   `request.txt`, `context.json` and `{mode}-{stage}.txt` files;
//! - the older AWS layout: `<name>.req` with `.creq`, `.sts`, `.authz`, `.sreq`, header mode only.
//!
//! A suite is a folder on disk or files in memory (`source.rs`: the embedded suite).

pub mod bless;
pub mod discover;
pub mod embedded;
pub mod fixture;
pub mod official;
pub mod sigv4a;
pub mod source;

pub use discover::{discover, incomplete_folders, CaseRef, Layout, SuiteError};
pub use fixture::{load, Expected, ExpectedStage, Fixture, FixtureError};
pub use source::{hash_of, DiskFiles, MemorySuite, SuiteFiles};

/// The header-mode fixture of one of the repository's own cases (`suite/`), for unit tests.
#[cfg(test)]
pub(crate) fn own_fixture(case_id: &str) -> Fixture {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("suite");
    let case = discover(&root)
        .unwrap()
        .into_iter()
        .find(|c| c.id == case_id)
        .unwrap();
    load(&case, crate::sign::Mode::Header).unwrap()
}
