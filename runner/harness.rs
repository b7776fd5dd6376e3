//! `cargo test`: every case x mode of the suite as its own libtest-mimic trial, named by its id.
//!
//! libtest-mimic owns the command line (`--list`, `--exact`, `--ignored`, filters), so the
//! harness's own settings come from the environment:
//! - `SIGV4_SUITE`: suite folders to run, separated like `PATH` (default: this crate's `suite/`);
//! - `SIGV4_BLESS=1`: write missing expected files from the reference signer
//!   (`SIGV4_BLESS=overwrite` rewrites them); never when `CI` is set.

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use sigv4_conformance::check::{message, Status};
use sigv4_conformance::implementation::{Implementation, Reference};
use sigv4_conformance::run::{list_trials, run_trial};
use sigv4_conformance::suite::bless::BlessMode;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

fn suite_roots() -> Vec<PathBuf> {
    match std::env::var_os("SIGV4_SUITE") {
        Some(paths) if !paths.is_empty() => std::env::split_paths(&paths).collect(),
        _ => vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite")],
    }
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let implementation: Arc<dyn Implementation> = Arc::new(Reference::new());
    let bless = BlessMode::from_env();
    let trials = match list_trials(&suite_roots()) {
        Ok(trials) => trials,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let tests = trials
        .into_iter()
        .map(|trial| {
            let implementation = Arc::clone(&implementation);
            Trial::ignorable_test(trial.id(), move || {
                let verdict = run_trial(&trial, implementation.as_ref(), bless);
                match verdict.status {
                    Status::Pass => Ok(Completion::Completed),
                    Status::Skip => Ok(Completion::ignored_with(verdict.message)),
                    Status::Fail | Status::Error => Err(Failed::from(message::render(&verdict))),
                }
            })
        })
        .collect();
    libtest_mimic::run(&args, tests).exit_code()
}
