//! A `cargo test` harness for a signer of your own: every case of the suite becomes a
//! libtest-mimic trial of your crate's tests, named by its case id and mode, failing with the
//! stage lines, the diff of the first divergent stage and the diagnosis (feature `harness`).
//!
//! ```toml
//! [dev-dependencies]
//! sigv4-conformance = { version = "0.1", default-features = false, features = ["harness", "embedded-suite"] }
//!
//! [[test]]
//! name = "sigv4"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/sigv4.rs
//! use sigv4_conformance::{Implementation, ImplementationInfo, Mode, SignInput, SignOutcome, Stage};
//!
//! struct MySigner;
//!
//! impl Implementation for MySigner {
//!     fn info(&self) -> ImplementationInfo {
//!         ImplementationInfo::new("my-signer", "0.1.0", "rust")
//!     }
//!     fn modes(&self) -> Vec<Mode> { vec![Mode::Header] }
//!     fn stages(&self) -> Vec<Stage> { vec![Stage::Authorization] }
//!     fn sign(&self, input: &SignInput) -> SignOutcome {
//!         // sign input.request with input.context; return the stages your signer exposes
//!         SignOutcome::Skipped("not written yet".into())
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     sigv4_conformance::harness::main(MySigner)
//! }
//! ```
//!
//! libtest-mimic owns the command line (`--list`, filters, `--exact`, `--ignored`; cargo-nextest
//! works too), so the harness's own settings come from the environment, or from [`Harness`]:
//! - `SIGV4_SUITE=dir1:dir2`: run these suite folders instead of the built-in suite;
//! - `SIGV4_EXPECT=file`: expected failures (TOML `[[expect]]` tables or JSON, as `run --expect`
//!   reads them): a pinned trial that fails as pinned is ignored with its reason; one that passes
//!   or fails elsewhere fails, and so does a pin that names no trial;
//! - `SIGV4_OFFICIAL=0`: leave out the official AWS suite (run as `official/<name>/<id>` when
//!   found, that is when the crate under test depends on `aws-sigv4`, which ships it).
//!
//! The built-in suite is the embedded one (read from memory, with the `embedded-suite` feature or
//! in a release build), or else this crate's `suite/` folder in its source tree.

mod sources;
mod trials;

pub use sources::SuiteSource;

use crate::implementation::Implementation;
use crate::suite::bless::BlessMode;
use libtest_mimic::{Arguments, Trial};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs every case of the suite against `implementation` as the trials of a `harness = false`
/// test, with the settings of the environment (see the module docs), and returns the exit status
/// for `main`.
pub fn main(implementation: impl Implementation + 'static) -> ExitCode {
    Harness::new(implementation).run()
}

/// The harness with its settings: [`Harness::new`] reads them from the environment, the methods
/// change them.
pub struct Harness {
    implementation: Arc<dyn Implementation>,
    suites: Vec<PathBuf>,
    official: bool,
    expect: Option<PathBuf>,
    bless: BlessMode,
}

impl Harness {
    /// The harness for `implementation`, set from `SIGV4_SUITE`, `SIGV4_EXPECT` and
    /// `SIGV4_OFFICIAL`.
    pub fn new(implementation: impl Implementation + 'static) -> Harness {
        Harness::shared(Arc::new(implementation))
    }

    /// [`Harness::new`] for an implementation already behind an `Arc`.
    pub fn shared(implementation: Arc<dyn Implementation>) -> Harness {
        let suites: Vec<PathBuf> = match std::env::var_os("SIGV4_SUITE") {
            Some(paths) if !paths.is_empty() => std::env::split_paths(&paths).collect(),
            _ => Vec::new(),
        };
        let official = suites.is_empty() && std::env::var("SIGV4_OFFICIAL").as_deref() != Ok("0");
        let expect = std::env::var_os("SIGV4_EXPECT")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        Harness {
            implementation,
            suites,
            official,
            expect,
            bless: BlessMode::Off,
        }
    }

    /// Runs the suite folder `dir` instead of the built-in suite (call again to add more).
    pub fn suite(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.suites.push(dir.into());
        self
    }

    /// Whether to run the official AWS suite when it is found.
    pub fn official(mut self, run: bool) -> Harness {
        self.official = run;
        self
    }

    /// Pins expected failures from `file` (as `SIGV4_EXPECT`).
    pub fn expect(mut self, file: impl Into<PathBuf>) -> Harness {
        self.expect = Some(file.into());
        self
    }

    /// Writes missing expected files from the implementation's output (suites on disk only; for
    /// this crate's reference signer).
    pub fn bless(mut self, mode: BlessMode) -> Harness {
        self.bless = mode;
        self
    }

    /// The suites this harness runs.
    pub fn sources(&self) -> Result<Vec<SuiteSource>, String> {
        if self.suites.is_empty() {
            return Ok(vec![SuiteSource::builtin()?]);
        }
        Ok(self
            .suites
            .iter()
            .cloned()
            .map(SuiteSource::Folder)
            .collect())
    }

    /// Every trial: one per case and mode of each suite, then the official suite's when asked.
    pub fn trials(&self) -> Result<Vec<Trial>, String> {
        self.trials_with(self.official)
    }

    fn trials_with(&self, official: bool) -> Result<Vec<Trial>, String> {
        let pins = match &self.expect {
            Some(file) => trials::Pins::load(file)?,
            None => trials::Pins::none(),
        };
        let mut refs = Vec::new();
        for source in self.sources()? {
            refs.extend(source.trials().map_err(|e| e.to_string())?);
        }
        let mut tests = trials::pins_without_trial(&pins, &refs);
        tests.extend(trials::suite_trials(
            refs,
            &self.implementation,
            self.bless,
            &pins,
        ));
        if official {
            tests.extend(trials::official_trials(&self.implementation));
        }
        Ok(tests)
    }

    /// Parses the command line, runs the trials and prints what the implementation noted.
    pub fn run(self) -> ExitCode {
        let args = Arguments::from_args();
        // Finding the official suite asks cargo (`cargo metadata`); a run of one trial by its
        // exact name, as cargo-nextest starts each trial, skips that unless the trial is one.
        let one_of_ours = args.exact
            && args
                .filter
                .as_deref()
                .is_some_and(|name| !name.starts_with("official/"));
        let tests = match self.trials_with(self.official && !one_of_ours) {
            Ok(tests) => tests,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let conclusion = libtest_mimic::run(&args, tests);
        for note in self.implementation.notes() {
            eprintln!("note: {note}");
        }
        conclusion.exit_code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reference;
    use std::path::Path;

    #[test]
    fn names_trials_by_case_id_and_adds_a_trial_for_a_stale_pin() {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("suite/v4");
        let dir = std::env::temp_dir().join(format!("sigv4-harness-{}", std::process::id()));
        let case = dir.join("suite/v4/get-vanilla");
        std::fs::create_dir_all(&case).unwrap();
        for entry in std::fs::read_dir(source.join("get-vanilla")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), case.join(entry.file_name())).unwrap();
        }
        let pins = dir.join("pins.toml");
        std::fs::write(
            &pins,
            "[[expect]]\nid = \"v4/gone/header\"\nstage = \"signature\"\nreason = \"r\"\n",
        )
        .unwrap();
        let harness = Harness::new(Reference::new())
            .official(false)
            .suite(dir.join("suite"))
            .expect(&pins);
        let names: Vec<String> = harness
            .trials()
            .unwrap()
            .iter()
            .map(|t| t.name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "expectations",
                "v4/get-vanilla/header",
                "v4/get-vanilla/query"
            ]
        );
        let missing = Harness::new(Reference::new())
            .official(false)
            .suite(dir.join("nowhere"));
        assert!(missing.trials().unwrap_err().contains("nowhere"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
