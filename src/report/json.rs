//! The JSON report, schema 1 (documented in `reports/README.md`).

use crate::check::{Divergence, Fault, StageStatus, Status, Verdict};
use crate::implementation::ImplementationInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Passed trials.
    pub passed: usize,
    /// Failed trials (a divergence).
    pub failed: usize,
    /// Errored trials (a broken fixture or signer).
    pub errored: usize,
    /// Skipped trials.
    pub skipped: usize,
}

impl Summary {
    /// Counts the verdicts.
    pub fn of(verdicts: &[Verdict]) -> Summary {
        let mut s = Summary::default();
        for v in verdicts {
            s.count(v.status);
        }
        s
    }

    /// Counts one more trial of `status`.
    pub fn count(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Error => self.errored += 1,
            Status::Skip => self.skipped += 1,
        }
    }

    /// Adds another summary's counts.
    pub fn add(&mut self, other: &Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.errored += other.errored;
        self.skipped += other.skipped;
    }

    /// True when nothing failed or errored.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errored == 0
    }
}

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    /// `sigv4-conformance`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// One diagnosis entry: the diagnosis itself, as the JSON report stores it.
pub use crate::diagnose::Diagnosis as DiagnosisEntry;

/// One trial in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseReport {
    /// Trial id.
    pub id: String,
    /// `pass`, `fail`, `error` or `skip`.
    pub status: Status,
    /// `fixture`, `signer` or `divergence` for a non-passing trial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Stage name -> `pass`, `fail`, `absent`, `not-compared`.
    pub stages: BTreeMap<String, StageStatus>,
    /// The first divergent stage, or null.
    pub first_divergence: Option<Divergence>,
    /// Explanation.
    pub message: String,
    /// The diff of the first divergent stage, as the harness prints it (plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Notes on later divergent stages: carried forward, or a second mistake.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub notes: BTreeMap<String, String>,
    /// Set when the failure was expected (`run --expect`): the stage and the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_failure: Option<super::expect::Expectation>,
    /// Known mistakes that reproduce the divergence (empty when none does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Vec<DiagnosisEntry>>,
}

impl CaseReport {
    /// From a verdict.
    pub fn from_verdict(v: &Verdict) -> CaseReport {
        CaseReport {
            id: v.id.clone(),
            status: v.status,
            fault: v.fault,
            stages: v
                .stages
                .iter()
                .map(|l| (l.stage.name().to_string(), l.status))
                .collect(),
            first_divergence: v.first_divergence.clone(),
            message: v.message.clone(),
            diff: v.diff.clone(),
            expected_failure: None,
            notes: v
                .stages
                .iter()
                .filter_map(|l| l.note.clone().map(|n| (l.stage.name().to_string(), n)))
                .collect(),
            diagnosis: (v.status == Status::Fail)
                .then(|| v.diagnosis.iter().flatten().cloned().collect()),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Schema version: 1.
    pub schema: u32,
    /// The tool.
    pub tool: Tool,
    /// The implementation checked.
    pub implementation: ImplementationInfo,
    /// The suites run (paths, or `embedded`).
    pub suites: Vec<String>,
    /// SHA-256 of the suites' files.
    pub suite_hash: String,
    /// Counts.
    pub summary: Summary,
    /// Every trial, sorted by id.
    pub cases: Vec<CaseReport>,
    /// When the report was written (RFC 3339, UTC), only when asked (`run --timestamp`): reports
    /// are otherwise byte-identical between runs that give the same results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
}

impl Report {
    /// Merges reports of one implementation over disjoint cases (the shards of a fuzzing
    /// campaign, a suite run in parts): summaries add up, cases are united and sorted.
    pub fn merge(reports: Vec<Report>) -> Result<Report, String> {
        let mut reports = reports.into_iter();
        let mut merged = reports.next().ok_or("nothing to merge")?;
        for report in reports {
            if report.implementation.name != merged.implementation.name {
                return Err(format!(
                    "cannot merge reports of {} and {}: compare them instead",
                    merged.implementation.name, report.implementation.name
                ));
            }
            for case in report.cases {
                if merged.cases.iter().any(|c| c.id == case.id) {
                    return Err(format!("case {} is in two of the reports", case.id));
                }
                merged.cases.push(case);
            }
            merged.summary.add(&report.summary);
            for suite in report.suites {
                if !merged.suites.contains(&suite) {
                    merged.suites.push(suite);
                }
            }
            if report.suite_hash != merged.suite_hash {
                merged.suite_hash = format!("{},{}", merged.suite_hash, report.suite_hash);
            }
        }
        merged.cases.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(merged)
    }

    /// Reads a report written by `run --json`.
    pub fn from_json(bytes: &[u8]) -> Result<Report, String> {
        let report: Report = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if report.schema != 1 {
            return Err(format!(
                "schema {} (this tool reads schema 1)",
                report.schema
            ));
        }
        Ok(report)
    }

    /// Builds a deterministic report (cases sorted by id, no timestamps).
    pub fn new(
        implementation: ImplementationInfo,
        suites: Vec<String>,
        suite_hash: String,
        verdicts: &[Verdict],
    ) -> Report {
        let mut cases: Vec<CaseReport> = verdicts.iter().map(CaseReport::from_verdict).collect();
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        Report {
            schema: 1,
            tool: Tool {
                name: "sigv4-conformance".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            implementation,
            suites,
            suite_hash,
            summary: Summary::of(verdicts),
            cases,
            generated_at: None,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    }
}
