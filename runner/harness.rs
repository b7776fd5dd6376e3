//! `cargo test`: every case x mode of the suite as its own libtest-mimic trial, named by its id.
//!
//! libtest-mimic owns the command line (`--list`, `--exact`, `--ignored`, filters), so the
//! harness's own settings come from the environment:
//! - `SIGV4_SUITE`: suite folders to run, separated like `PATH` (default: this crate's `suite/`);
//! - `SIGV4_BLESS=1`: write missing expected files from the reference signer
//!   (`SIGV4_BLESS=overwrite` rewrites them); never when `CI` is set;
//! - `SIGV4_ADAPTER='<command>'`: check a third-party signer through adapter protocol v1 instead
//!   of the reference (`SIGV4_TIMEOUT` seconds per case, default 5).

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use sigv4_conformance::adapter::{Adapter, AdapterConfig};
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

/// The reference signer, or the adapter named by `SIGV4_ADAPTER`.
fn implementation() -> Result<(Arc<dyn Implementation>, BlessMode), String> {
    let Some(command) = std::env::var("SIGV4_ADAPTER")
        .ok()
        .filter(|c| !c.trim().is_empty())
    else {
        return Ok((Arc::new(Reference::new()), BlessMode::from_env()));
    };
    let mut config = AdapterConfig::new(command);
    if let Ok(seconds) = std::env::var("SIGV4_TIMEOUT") {
        let seconds: f64 = seconds
            .parse()
            .map_err(|_| format!("SIGV4_TIMEOUT={seconds:?} is not a number of seconds"))?;
        if !(seconds > 0.0 && seconds.is_finite()) {
            return Err(format!("SIGV4_TIMEOUT must be positive, got {seconds}"));
        }
        config.timeout = std::time::Duration::from_secs_f64(seconds);
    }
    let adapter = Adapter::start(config)?;
    if let Some(reason) = adapter.given_up() {
        eprintln!("warning: {reason}");
    }
    // Bless writes the reference signer's output only.
    Ok((Arc::new(adapter), BlessMode::Off))
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let (implementation, bless) = match implementation() {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
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
