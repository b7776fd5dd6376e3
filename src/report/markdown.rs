//! Markdown: a run's summary (for `$GITHUB_STEP_SUMMARY`) and the conformance matrix of several
//! reports.

use super::json::{CaseReport, Report};
use crate::check::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn cell(case: Option<&CaseReport>) -> String {
    match case {
        None => "–".to_string(),
        Some(c) => match c.status {
            Status::Pass => "pass".to_string(),
            Status::Skip => "skip".to_string(),
            Status::Error => "**error**".to_string(),
            Status::Fail => format!(
                "**fail**: {}",
                c.first_divergence
                    .as_ref()
                    .map(|d| d.stage.as_str())
                    .unwrap_or("?")
            ),
        },
    }
}

/// The summary of one run: counts, then every failing or erroring case with its first divergent
/// stage and message.
pub fn summary(report: &Report) -> String {
    let mut out = String::new();
    let i = &report.implementation;
    let s = &report.summary;
    let _ = writeln!(
        out,
        "# SigV4 conformance: {} {} ({})\n",
        i.name, i.version, i.language
    );
    let _ = writeln!(
        out,
        "| passed | failed | errored | skipped |\n| ---: | ---: | ---: | ---: |"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n",
        s.passed, s.failed, s.errored, s.skipped
    );
    let _ = writeln!(
        out,
        "Suites: {}; suite hash `{}`; {} {}.\n",
        report.suites.join(", "),
        &report.suite_hash.get(..16).unwrap_or(&report.suite_hash),
        report.tool.name,
        report.tool.version
    );
    let failing: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.status.is_failure())
        .collect();
    if failing.is_empty() {
        out.push_str("Every case passed or was skipped.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "## Failures\n\n| case | result | message |\n| --- | --- | --- |"
    );
    for case in failing {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            case.id,
            cell(Some(case)),
            escape(&case.message)
        );
    }
    let skipped: Vec<&CaseReport> = report
        .cases
        .iter()
        .filter(|c| c.status == Status::Skip)
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n## Skipped\n\n| case | reason |\n| --- | --- |");
        for case in skipped {
            let _ = writeln!(out, "| `{}` | {} |", case.id, escape(&case.message));
        }
    }
    out
}

/// Cases as rows, implementations as columns: every case that did not pass everywhere, with the
/// first divergent stage of each failure, then the totals.
pub fn matrix(reports: &[Report]) -> String {
    let mut out = String::new();
    let names: Vec<String> = reports
        .iter()
        .map(|r| format!("{} {}", r.implementation.name, r.implementation.version))
        .collect();
    let by_id: Vec<BTreeMap<&str, &CaseReport>> = reports
        .iter()
        .map(|r| r.cases.iter().map(|c| (c.id.as_str(), c)).collect())
        .collect();
    let ids: BTreeSet<&str> = by_id.iter().flat_map(|m| m.keys().copied()).collect();
    let _ = writeln!(out, "| implementation | passed | failed | errored | skipped |\n| --- | ---: | ---: | ---: | ---: |");
    for (name, report) in names.iter().zip(reports) {
        let s = &report.summary;
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} |",
            s.passed, s.failed, s.errored, s.skipped
        );
    }
    let _ = writeln!(out, "\nCases that did not pass everywhere (skips are the signer's own \"cannot express this\"):\n");
    let _ = writeln!(out, "| case | {} |", names.join(" | "));
    let _ = writeln!(out, "| --- |{}", " --- |".repeat(names.len()));
    for id in ids {
        let cells: Vec<String> = by_id.iter().map(|m| cell(m.get(id).copied())).collect();
        if cells.iter().all(|c| c == "pass") {
            continue;
        }
        let _ = writeln!(out, "| `{id}` | {} |", cells.join(" | "));
    }
    out
}
