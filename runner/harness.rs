//! `cargo test`: every case x mode of the suite as its own libtest-mimic trial, named by its id.
//!
//! libtest-mimic owns the command line (`--list`, `--exact`, `--ignored`, filters), so the
//! harness's own settings come from the environment:
//! - `SIGV4_SUITE`: suite folders to run, separated like `PATH` (default: this crate's `suite/`);
//! - `SIGV4_BLESS=1`: write missing expected files from the reference signer
//!   (`SIGV4_BLESS=overwrite` rewrites them); never when `CI` is set;
//! - `SIGV4_ADAPTER='<command>'`: check a third-party signer through adapter protocol v1 instead
//!   of the reference (`SIGV4_TIMEOUT` seconds per case, default 5).
//!
//! With neither `SIGV4_SUITE` nor `SIGV4_ADAPTER`, the official AWS suites run too, as trials
//! `official/<name>/<id>` (`src/suite/official.rs` finds them; a missing one is one ignored trial
//! that says why). Their copies' own inconsistencies are pinned in
//! `tests/official/<name>.expect.toml`: such a trial is ignored with its reason while it fails as
//! pinned, and fails once it passes or fails elsewhere. `SIGV4_OFFICIAL=0` leaves them out.

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::check::{message, Status, Verdict};
use sigv4_conformance::implementation::{Implementation, Reference};
use sigv4_conformance::report::expect;
use sigv4_conformance::run::{list_trials, run_trial};
use sigv4_conformance::suite::bless::BlessMode;
use sigv4_conformance::suite::official;
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
        return Err(format!("the adapter did not start: {reason}"));
    }
    // Bless writes the reference signer's output only.
    Ok((Arc::new(adapter), BlessMode::Off))
}

/// What libtest-mimic shows for a verdict: a pass, a skip (ignored, with its reason) or a
/// failure with the stage lines and the diff.
fn completion(verdict: &Verdict) -> Result<Completion, Failed> {
    match verdict.status {
        Status::Pass => Ok(Completion::Completed),
        Status::Skip => Ok(Completion::ignored_with(verdict.message.clone())),
        Status::Fail | Status::Error => Err(Failed::from(message::render(verdict))),
    }
}

/// The official suites' trials (reference signer only), each named `official/<name>/<id>`.
fn official_trials() -> Vec<Trial> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut tests = Vec::new();
    for (name, found) in official::locate(&manifest_dir) {
        let trials = match found {
            Ok(suite) => pinned_trials(name, &suite),
            Err(reason) => {
                let reason = format!("official suite {name} not found: {reason}");
                tests.push(Trial::ignorable_test(
                    format!("official/{name}"),
                    move || Ok(Completion::ignored_with(reason)),
                ));
                continue;
            }
        };
        match trials {
            Ok(trials) => tests.extend(trials),
            Err(e) => tests.push(Trial::test(format!("official/{name}"), move || {
                Err(e.into())
            })),
        }
    }
    tests
}

/// One trial per case-mode of an official suite, each judged against the suite's pins: a pinned
/// case that fails as pinned is ignored with the pin's reason; one that passes or fails
/// otherwise fails, with the line `run --expect` prints for it.
fn pinned_trials(name: &str, suite: &official::OfficialSuite) -> Result<Vec<Trial>, String> {
    let expectations = Arc::new(expect::load(&suite.expect)?);
    let pins = Arc::new(suite.expect.display().to_string());
    let trials = list_trials(std::slice::from_ref(&suite.root)).map_err(|e| e.to_string())?;
    Ok(trials
        .into_iter()
        .map(|trial| {
            let expectations = Arc::clone(&expectations);
            let pins = Arc::clone(&pins);
            Trial::ignorable_test(format!("official/{name}/{}", trial.id()), move || {
                let verdict = run_trial(&trial, &Reference::new(), BlessMode::Off);
                let pinned: Vec<_> = expectations
                    .iter()
                    .filter(|e| e.id == verdict.id)
                    .cloned()
                    .collect();
                let outcome = expect::evaluate(&pinned, std::slice::from_ref(&verdict), false);
                match outcome.first() {
                    None | Some((_, expect::Outcome::Skipped)) => completion(&verdict),
                    Some((e, expect::Outcome::AsExpected)) => Ok(Completion::ignored_with(
                        format!("pinned at {}: {}", e.stage, e.reason),
                    )),
                    Some((e, other)) => Err(Failed::from(format!(
                        "{} ({pins})\n\n{}",
                        other.line(e),
                        message::render(&verdict)
                    ))),
                }
            })
        })
        .collect())
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
    let official = std::env::var_os("SIGV4_SUITE").is_none()
        && std::env::var_os("SIGV4_ADAPTER").is_none()
        && std::env::var("SIGV4_OFFICIAL").as_deref() != Ok("0");
    let mut tests: Vec<Trial> = trials
        .into_iter()
        .map(|trial| {
            let implementation = Arc::clone(&implementation);
            Trial::ignorable_test(trial.id(), move || {
                completion(&run_trial(&trial, implementation.as_ref(), bless))
            })
        })
        .collect();
    if official {
        tests.extend(official_trials());
    }
    let conclusion = libtest_mimic::run(&args, tests);
    for note in implementation.notes() {
        eprintln!("note: {note}");
    }
    conclusion.exit_code()
}
