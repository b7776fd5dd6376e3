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
