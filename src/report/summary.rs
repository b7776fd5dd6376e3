//! The summary table printed at the end of a run.

use super::json::Summary;
use crate::check::Verdict;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A table of passed/failed/errored/skipped per top-level suite folder, and a total line.
pub fn table(verdicts: &[Verdict]) -> String {
    let mut groups: BTreeMap<String, Summary> = BTreeMap::new();
    for v in verdicts {
        let group = v.id.split('/').next().unwrap_or("").to_string();
        groups.entry(group).or_default().count(v.status);
    }
    let width = groups.keys().map(String::len).max().unwrap_or(5).max(5);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>7}  {:>7}",
        "suite", "passed", "failed", "errored", "skipped"
    );
    let total = ("total".to_string(), Summary::of(verdicts));
    for (group, c) in groups.iter().chain([(&total.0, &total.1)]) {
        let _ = writeln!(
            out,
            "{group:<width$}  {:>6}  {:>6}  {:>7}  {:>7}",
            c.passed, c.failed, c.errored, c.skipped
        );
    }
    out
}
