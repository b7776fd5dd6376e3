//! Expected failures as data: a JSON or TOML list of case ids, each with the stage it is expected
//! to fail at and a reason (an issue link). An expected failure that fails at that stage is
//! reported as expected; one that passes, fails at another stage, or is not in the run fails the
//! run, so the list never goes stale.

use crate::check::{Fault, Status, Verdict};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// One expected failure.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Trial id, e.g. `v4/get-header-value-tab/header`.
    pub id: String,
    /// The first divergent stage it is expected to fail at (`error` for a refusal that does not
    /// happen, `fixture` for a case whose own files are broken, such as a missing context.json).
    pub stage: String,
    /// Why: a sentence or an issue link.
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    expect: Vec<Expectation>,
}

/// Reads a list: JSON (`[{"id", "stage", "reason"}]` or `{"expect": [...]}`) or TOML
/// (`[[expect]]` tables), by the file's extension.
pub fn load(path: &Path) -> Result<Vec<Expectation>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let toml = path.extension().is_some_and(|e| e == "toml");
    let list = if toml {
        toml::from_str::<File>(&text)
            .map(|f| f.expect)
            .map_err(|e| e.to_string())
    } else {
        serde_json::from_str::<Vec<Expectation>>(&text)
            .or_else(|_| serde_json::from_str::<File>(&text).map(|f| f.expect))
            .map_err(|e| e.to_string())
    };
    let list = list.map_err(|e| format!("{}: {e}", path.display()))?;
    for e in &list {
        let known = crate::stage::Stage::parse(&e.stage).is_some()
            || e.stage == "error"
            || e.stage == BROKEN_FIXTURE;
        if !known {
            return Err(format!(
                "{}: {}: unknown stage {:?}",
                path.display(),
                e.id,
                e.stage
            ));
        }
    }
    Ok(list)
}

/// The `stage` of an expectation that the case is a broken fixture (its files cannot be loaded).
pub const BROKEN_FIXTURE: &str = "fixture";

/// What happened to one expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It failed at the expected stage.
    AsExpected,
    /// It passed: the entry is stale.
    Passed,
    /// It failed elsewhere (or errored, or was skipped).
    Other(String),
    /// The run has no such trial.
    Missing,
    /// The signer skipped the trial: it can neither confirm nor refute the expectation.
    Skipped,
}

impl Outcome {
    /// The line `run` prints for expectation `e` with this outcome.
    pub fn line(&self, e: &Expectation) -> String {
        match self {
            Outcome::AsExpected => {
                format!("expected failure: {} at {}: {}", e.id, e.stage, e.reason)
            }
            Outcome::Passed => format!(
                "STALE EXPECTATION: {} passes now: remove it from the list ({})",
                e.id, e.reason
            ),
            Outcome::Other(what) => format!(
                "STALE EXPECTATION: {} was expected to fail at {}, but {what}",
                e.id, e.stage
            ),
            Outcome::Missing => format!("STALE EXPECTATION: {} is not a trial of this run", e.id),
            Outcome::Skipped => format!("expected failure: {} was skipped by the signer", e.id),
        }
    }

    /// Whether the expectation no longer holds (it passes, fails elsewhere, or is not in the
    /// run): it fails the run, so the list never goes stale.
    pub fn is_stale(&self) -> bool {
        matches!(self, Outcome::Passed | Outcome::Other(_) | Outcome::Missing)
    }
}

/// A run's expectations matched against its verdicts, with the ones that held looked up by
/// trial id.
#[derive(Debug)]
pub struct Matched<'a> {
    /// Each expectation and what happened to it, in list order.
    pub outcomes: Vec<(&'a Expectation, Outcome)>,
    held: HashMap<&'a str, &'a Expectation>,
}

impl<'a> Matched<'a> {
    /// [`evaluate`], indexed.
    pub fn new(expectations: &'a [Expectation], verdicts: &[Verdict], complete: bool) -> Self {
        let outcomes = evaluate(expectations, verdicts, complete);
        let mut held = HashMap::new();
        for (e, outcome) in &outcomes {
            if *outcome == Outcome::AsExpected {
                // The first entry for an id wins, as in the list.
                held.entry(e.id.as_str()).or_insert(*e);
            }
        }
        Matched { outcomes, held }
    }

    /// The expectation trial `id` failed as, if it failed as expected.
    pub fn held(&self, id: &str) -> Option<&'a Expectation> {
        self.held.get(id).copied()
    }

    /// Whether any expectation is stale.
    pub fn any_stale(&self) -> bool {
        self.outcomes.iter().any(|(_, o)| o.is_stale())
    }
}

/// Matches the expectations against the verdicts. `complete` says the run was not filtered, so an
/// expectation for a trial that did not run is stale.
pub fn evaluate<'a>(
    expectations: &'a [Expectation],
    verdicts: &[Verdict],
    complete: bool,
) -> Vec<(&'a Expectation, Outcome)> {
    expectations
        .iter()
        .filter_map(|e| {
            let outcome = match verdicts.iter().find(|v| v.id == e.id) {
                None if complete => Outcome::Missing,
                None => return None,
                Some(v) => match (v.status, v.first_divergence.as_ref()) {
                    (Status::Pass, _) => Outcome::Passed,
                    (Status::Skip, _) => Outcome::Skipped,
                    (Status::Error, _)
                        if e.stage == BROKEN_FIXTURE && v.fault == Some(Fault::Fixture) =>
                    {
                        Outcome::AsExpected
                    }
                    (Status::Fail, Some(d)) if d.stage.name() == e.stage => Outcome::AsExpected,
                    (Status::Fail, Some(d)) => {
                        Outcome::Other(format!("fails at {} instead", d.stage))
                    }
                    (status, _) => Outcome::Other(format!("{status:?} instead").to_lowercase()),
                },
            };
            Some((e, outcome))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_toml_and_rejects_unknown_stages() {
        let dir = std::env::temp_dir().join(format!("sigv4-expect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let json = dir.join("x.json");
        std::fs::write(
            &json,
            r#"[{"id": "a/header", "stage": "signature", "reason": "https://example.com/1"}]"#,
        )
        .unwrap();
        assert_eq!(load(&json).unwrap()[0].stage, "signature");
        let toml = dir.join("x.toml");
        std::fs::write(
            &toml,
            "[[expect]]\nid = \"a/query\"\nstage = \"error\"\nreason = \"no range check\"\n",
        )
        .unwrap();
        assert_eq!(load(&toml).unwrap()[0].id, "a/query");
        std::fs::write(
            &json,
            r#"{"expect": [{"id": "a", "stage": "sig", "reason": "r"}]}"#,
        )
        .unwrap();
        assert!(load(&json).unwrap_err().contains("unknown stage"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_fixture_and_a_skip_are_told_apart() {
        let broken = crate::suite::FixtureError {
            path: "x/context.json".into(),
            line: None,
            message: "cannot read".to_string(),
        };
        let pin = |stage: &str| Expectation {
            id: "x/header".to_string(),
            stage: stage.to_string(),
            reason: "r".to_string(),
        };
        let fixture = [Verdict::broken_fixture("x/header", &broken)];
        let outcome = |e: &Expectation, v: &[Verdict]| {
            evaluate(std::slice::from_ref(e), v, true)[0].1.clone()
        };
        assert_eq!(outcome(&pin(BROKEN_FIXTURE), &fixture), Outcome::AsExpected);
        // Pinned at a stage, a broken fixture is something else: the pin is stale.
        assert!(matches!(
            outcome(&pin("canonical_request"), &fixture),
            Outcome::Other(_)
        ));
        let skipped = [Verdict::skipped("x/header", "no such mode".to_string())];
        assert_eq!(outcome(&pin(BROKEN_FIXTURE), &skipped), Outcome::Skipped);
        assert_eq!(outcome(&pin("signature"), &[]), Outcome::Missing);
    }
}
