//! Expected failures as data: a JSON or TOML list of case ids, each with the stage it is expected
//! to fail at and a reason (an issue link). An expected failure that fails at that stage is
//! reported as expected; one that passes, fails at another stage, or is not in the run fails the
//! run, so the list never goes stale.

use crate::check::{Status, Verdict};
use serde::Deserialize;
use std::path::Path;

/// One expected failure.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Trial id, e.g. `v4/get-header-value-tab/header`.
    pub id: String,
    /// The first divergent stage it is expected to fail at (`error` for a refusal that does not
    /// happen).
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
        let known = crate::stage::Stage::parse(&e.stage).is_some() || e.stage == "error";
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
                    (Status::Fail, Some(d)) if d.stage == e.stage => Outcome::AsExpected,
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
}
