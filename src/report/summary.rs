//! The summary table printed at the end of a run.

use crate::check::{Status, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A table of passed/failed/errored/skipped per top-level suite folder, and a total line.
pub fn table(verdicts: &[Verdict]) -> String {
    let mut groups: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for v in verdicts {
        let group = v.id.split('/').next().unwrap_or("").to_string();
        let counts = groups.entry(group).or_default();
        let slot = match v.status {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Error => 2,
            Status::Skip => 3,
        };
        counts[slot] += 1;
    }
    let width = groups.keys().map(String::len).max().unwrap_or(5).max(5);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>7}  {:>7}",
        "suite", "passed", "failed", "errored", "skipped"
    );
    let mut total = [0usize; 4];
    for (group, c) in &groups {
        let _ = writeln!(
            out,
            "{group:<width$}  {:>6}  {:>6}  {:>7}  {:>7}",
            c[0], c[1], c[2], c[3]
        );
        for i in 0..4 {
            total[i] += c[i];
        }
    }
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>7}  {:>7}",
        "total", total[0], total[1], total[2], total[3]
    );
    out
}
