//! Trials: one per case and mode, judged against the expected failures pinned for it, and what
//! libtest-mimic shows for a verdict.

use crate::check::{message, Status, Verdict};
use crate::implementation::Implementation;
use crate::report::expect::{self, Expectation, Outcome};
use crate::run::{list_trials, run_trial, TrialRef};
use crate::suite::bless::BlessMode;
use crate::suite::official;
use libtest_mimic::{Completion, Failed, Trial};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Expected failures and the file they came from.
#[derive(Debug, Clone)]
pub struct Pins {
    list: Arc<Vec<Expectation>>,
    file: Arc<String>,
}

impl Pins {
    /// No expected failure.
    pub fn none() -> Pins {
        Pins {
            list: Arc::new(Vec::new()),
            file: Arc::new(String::new()),
        }
    }

    /// The expected failures of `file` (TOML or JSON, `report::expect::load`).
    pub fn load(file: &Path) -> Result<Pins, String> {
        Ok(Pins {
            list: Arc::new(expect::load(file)?),
            file: Arc::new(file.display().to_string()),
        })
    }

    /// What libtest-mimic shows for `verdict` under these pins: a pinned trial that fails as
    /// pinned is ignored with the pin's reason; one that passes or fails otherwise fails with the
    /// line `run --expect` prints for it, then the verdict.
    pub fn judge(&self, verdict: &Verdict) -> Result<Completion, Failed> {
        let pinned: Vec<Expectation> = self
            .list
            .iter()
            .filter(|e| e.id == verdict.id)
            .cloned()
            .collect();
        let outcomes = expect::evaluate(&pinned, std::slice::from_ref(verdict), false);
        match outcomes.first() {
            None | Some((_, Outcome::Skipped)) => completion(verdict),
            Some((e, Outcome::AsExpected)) => Ok(Completion::ignored_with(format!(
                "pinned at {}: {}",
                e.stage, e.reason
            ))),
            Some((e, other)) => Err(Failed::from(format!(
                "{} ({})\n\n{}",
                other.line(e),
                self.file,
                message::render(verdict)
            ))),
        }
    }
}

/// What libtest-mimic shows for a verdict: a pass, a skip (ignored, with its reason) or a failure
/// with the stage lines, the diff and the diagnosis.
pub fn completion(verdict: &Verdict) -> Result<Completion, Failed> {
    match verdict.status {
        Status::Pass => Ok(Completion::Completed),
        Status::Skip => Ok(Completion::ignored_with(verdict.message.clone())),
        Status::Fail | Status::Error => Err(Failed::from(message::render(verdict))),
    }
}

/// One trial per case-mode, named by its id and judged against `pins`.
pub fn suite_trials(
    trials: Vec<TrialRef>,
    implementation: &Arc<dyn Implementation>,
    bless: BlessMode,
    pins: &Pins,
) -> Vec<Trial> {
    named_trials("", trials, implementation, bless, pins)
}

fn named_trials(
    prefix: &str,
    trials: Vec<TrialRef>,
    implementation: &Arc<dyn Implementation>,
    bless: BlessMode,
    pins: &Pins,
) -> Vec<Trial> {
    trials
        .into_iter()
        .map(|trial| {
            let implementation = Arc::clone(implementation);
            let pins = pins.clone();
            Trial::ignorable_test(format!("{prefix}{}", trial.id()), move || {
                pins.judge(&run_trial(&trial, implementation.as_ref(), bless))
            })
        })
        .collect()
}

/// A trial `expectations` that fails when a pin names no trial of the run (the list went stale);
/// none when every pin names one.
pub fn pins_without_trial(pins: &Pins, trials: &[TrialRef]) -> Vec<Trial> {
    let ids: HashSet<String> = trials.iter().map(TrialRef::id).collect();
    let stale: Vec<String> = pins
        .list
        .iter()
        .filter(|e| !ids.contains(&e.id))
        .map(|e| Outcome::Missing.line(e))
        .collect();
    if stale.is_empty() {
        return Vec::new();
    }
    let message = format!("{}\n{}", pins.file, stale.join("\n"));
    vec![Trial::test("expectations", move || Err(message.into()))]
}

/// The official suites' trials, each named `official/<name>/<id>` and judged against the pins of
/// the suite's copy (`tests/official/<name>.expect.toml`); a suite that is not found is one
/// ignored trial `official/<name>` that says why.
pub fn official_trials(implementation: &Arc<dyn Implementation>) -> Vec<Trial> {
    let ours = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The crate under test: cargo and nextest set its folder when they run its tests.
    let theirs = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| ours.clone(), PathBuf::from);
    let mut tests = Vec::new();
    for (name, found) in official::locate_for(&ours, &theirs) {
        let trials = found
            .map_err(|reason| format!("official suite {name} not found: {reason}"))
            .and_then(|suite| {
                let pins = Pins::load(&suite.expect)?;
                let refs =
                    list_trials(std::slice::from_ref(&suite.root)).map_err(|e| e.to_string())?;
                Ok(named_trials(
                    &format!("official/{name}/"),
                    refs,
                    implementation,
                    BlessMode::Off,
                    &pins,
                ))
            });
        match trials {
            Ok(trials) => tests.extend(trials),
            Err(reason) if reason.starts_with("official suite") => tests.push(
                Trial::ignorable_test(format!("official/{name}"), move || {
                    Ok(Completion::ignored_with(reason))
                }),
            ),
            Err(e) => tests.push(Trial::test(format!("official/{name}"), move || {
                Err(e.into())
            })),
        }
    }
    tests
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::FixtureError;

    fn pinned(list: Vec<Expectation>) -> Pins {
        Pins {
            list: Arc::new(list),
            file: Arc::new("pins.toml".to_string()),
        }
    }

    fn pin(id: &str, stage: &str) -> Expectation {
        Expectation {
            id: id.to_string(),
            stage: stage.to_string(),
            reason: "known".to_string(),
        }
    }

    fn broken(id: &str) -> Verdict {
        let error = FixtureError {
            path: "x/context.json".into(),
            line: None,
            message: "cannot read".to_string(),
        };
        Verdict::broken_fixture(id, &error)
    }

    #[test]
    fn a_pinned_failure_is_ignored_and_a_stale_pin_fails() {
        let pins = pinned(vec![pin("x/header", expect::BROKEN_FIXTURE)]);
        assert!(pins.judge(&broken("x/header")).is_ok());
        // Not pinned: the broken fixture fails its trial.
        assert!(pins.judge(&broken("y/header")).is_err());
        let passed = Verdict::skipped("x/header", "no such mode".to_string());
        assert!(pins.judge(&passed).is_ok(), "a skip confirms nothing");
        let wrong_stage = pinned(vec![pin("x/header", "signature")]);
        assert!(wrong_stage.judge(&broken("x/header")).is_err());
    }

    #[test]
    fn a_pin_that_names_no_trial_is_a_failing_trial() {
        let pins = pinned(vec![pin("nowhere/header", "signature")]);
        let tests = pins_without_trial(&pins, &[]);
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].name(), "expectations");
        assert!(pins_without_trial(&pinned(Vec::new()), &[]).is_empty());
    }
}
