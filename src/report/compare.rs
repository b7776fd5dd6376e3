//! Baselines: what changed between two runs, so a build fails only on what got worse.

use super::json::{CaseReport, Report};
use crate::check::Status;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How one case changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Passed (or was skipped) before, fails or errors now.
    Regression,
    /// Failed or errored before, passes now.
    Fix,
    /// Fails in both, at another first divergent stage.
    StageChanged,
    /// Fails in both at the same stage, with another diagnosis.
    DiagnosisChanged,
    /// Only in the current run.
    Added,
    /// Only in the baseline.
    Removed,
}

/// One changed case.
#[derive(Debug, Clone)]
pub struct CaseChange {
    /// Trial id.
    pub id: String,
    /// How it changed.
    pub change: Change,
    /// The baseline's view, e.g. `fail at canonical_request`.
    pub before: String,
    /// The current view.
    pub after: String,
}

fn summary(case: Option<&CaseReport>) -> String {
    let Some(case) = case else {
        return "absent".to_string();
    };
    let word = match case.status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Skip => "skip",
    };
    let mut text = word.to_string();
    if let Some(d) = &case.first_divergence {
        text.push_str(&format!(" at {}", d.stage));
    }
    if let Some(first) = case.diagnosis.as_ref().and_then(|d| d.first()) {
        text.push_str(&format!(" ({})", first.mutation));
    }
    text
}

fn failing(case: &CaseReport) -> bool {
    case.status.is_failure()
}

/// Every case whose result changed, sorted by kind then id.
pub fn compare(baseline: &Report, current: &Report) -> Vec<CaseChange> {
    let before: BTreeMap<&str, &CaseReport> =
        baseline.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let after: BTreeMap<&str, &CaseReport> =
        current.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut changes = Vec::new();
    let mut ids: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let (b, a) = (before.get(id).copied(), after.get(id).copied());
        let change = match (b, a) {
            (None, Some(_)) => Some(Change::Added),
            (Some(_), None) => Some(Change::Removed),
            (Some(b), Some(a)) if !failing(b) && failing(a) => Some(Change::Regression),
            (Some(b), Some(a)) if failing(b) && a.status == Status::Pass => Some(Change::Fix),
            (Some(b), Some(a)) if failing(b) && failing(a) => {
                let stage = |c: &CaseReport| c.first_divergence.as_ref().map(|d| d.stage);
                let diagnosis = |c: &CaseReport| {
                    c.diagnosis
                        .as_ref()
                        .map(|d| d.iter().map(|x| x.mutation.clone()).collect::<Vec<_>>())
                };
                if b.status != a.status || stage(b) != stage(a) {
                    Some(Change::StageChanged)
                } else if diagnosis(b) != diagnosis(a) {
                    Some(Change::DiagnosisChanged)
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(change) = change {
            changes.push(CaseChange {
                id: id.to_string(),
                change,
                before: summary(b),
                after: summary(a),
            });
        }
    }
    let rank = |c: &Change| match c {
        Change::Regression => 0,
        Change::StageChanged => 1,
        Change::DiagnosisChanged => 2,
        Change::Fix => 3,
        Change::Added => 4,
        Change::Removed => 5,
    };
    changes.sort_by(|x, y| (rank(&x.change), &x.id).cmp(&(rank(&y.change), &y.id)));
    changes
}

/// True when any case regressed.
pub fn has_regression(changes: &[CaseChange]) -> bool {
    changes.iter().any(|c| c.change == Change::Regression)
}

fn heading(change: &Change) -> &'static str {
    match change {
        Change::Regression => "Regressions (passed before, fail now)",
        Change::StageChanged => "First divergent stage changed",
        Change::DiagnosisChanged => "Diagnosis changed",
        Change::Fix => "Fixes (failed before, pass now)",
        Change::Added => "Added cases",
        Change::Removed => "Removed cases",
    }
}

/// Plain text, one block per kind of change.
pub fn render_text(changes: &[CaseChange]) -> String {
    let mut out = String::new();
    let mut last: Option<&Change> = None;
    for c in changes {
        if last != Some(&c.change) {
            let count = changes.iter().filter(|x| x.change == c.change).count();
            let _ = writeln!(out, "{} ({count}):", heading(&c.change));
            last = Some(&c.change);
        }
        let _ = writeln!(out, "  {}: {} -> {}", c.id, c.before, c.after);
    }
    let regressions = changes
        .iter()
        .filter(|c| c.change == Change::Regression)
        .count();
    let _ = writeln!(
        out,
        "{regressions} regressions, {} other changes",
        changes.len() - regressions
    );
    out
}

/// Markdown, for a pull request comment or `$GITHUB_STEP_SUMMARY`.
pub fn render_markdown(changes: &[CaseChange]) -> String {
    let mut out = String::from("# SigV4 conformance: changes against the baseline\n\n");
    if changes.is_empty() {
        out.push_str("No change.\n");
        return out;
    }
    let mut last: Option<&Change> = None;
    for c in changes {
        if last != Some(&c.change) {
            let _ = writeln!(
                out,
                "\n## {}\n\n| case | before | now |\n| --- | --- | --- |",
                heading(&c.change)
            );
            last = Some(&c.change);
        }
        let _ = writeln!(out, "| `{}` | {} | {} |", c.id, c.before, c.after);
    }
    out
}
