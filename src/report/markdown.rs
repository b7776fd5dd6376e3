//! Markdown: a run's summary (for `$GITHUB_STEP_SUMMARY`) and the conformance matrix of several
//! reports.

use super::json::{CaseReport, Report};
use crate::check::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Escapes a message for a table cell: a cell ends at a line end or `|`, and a message may carry
/// text from outside (a `serve` report's User-Agent and request target), which must not become a
/// link, an image or HTML. The tool's own code spans (backticks) are kept.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text from outside (an implementation's name, version and language: a `serve` report
/// takes them from the client's User-Agent) so that it shows as the text it is, whatever Markdown
/// it holds. An underscore inside a word is left alone: it never starts emphasis.
pub fn escape_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
        match c {
            '_' if inside_word(i.checked_sub(1).and_then(|j| chars.get(j)))
                && inside_word(chars.get(i + 1)) =>
            {
                out.push(c)
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '#' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A case id as inline code, or escaped text when it holds what a code span cannot.
fn code(id: &str) -> String {
    if id.contains(['`', '|', '\n', '\r']) {
        escape_text(id)
    } else {
        format!("`{id}`")
    }
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
                escape_text(
                    c.first_divergence
                        .as_ref()
                        .map(|d| d.stage.name())
                        .unwrap_or("?")
                )
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
        escape_text(&i.name),
        escape_text(&i.version),
        escape_text(&i.language)
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
        escape_text(&report.suites.join(", ")),
        report
            .suite_hash
            .get(..16)
            .unwrap_or(&report.suite_hash)
            .replace(['`', '|', '\n', '\r'], ""),
        escape_text(&report.tool.name),
        escape_text(&report.tool.version)
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
            "| {} | {} | {} |",
            code(&case.id),
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
            let _ = writeln!(out, "| {} | {} |", code(&case.id), escape(&case.message));
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
        .map(|r| {
            format!(
                "{} {}",
                escape_text(&r.implementation.name),
                escape_text(&r.implementation.version)
            )
        })
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
        let _ = writeln!(out, "| {} | {} |", code(id), cells.join(" | "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_outside_stays_text() {
        assert_eq!(
            escape_text("evil](http://x) <img src=x> *b* `c` |d| ~e~ \\ !#&"),
            "evil\\](http://x) \\<img src=x\\> \\*b\\* \\`c\\` \\|d\\| \\~e\\~ \\\\ \\!\\#\\&"
        );
        // Names as they are today do not change.
        for plain in [
            "aws-sigv4",
            "@smithy/signature-v4",
            "1.6.4",
            "canonical_request",
        ] {
            assert_eq!(escape_text(plain), plain);
        }
        assert_eq!(escape_text("_x_"), "\\_x\\_");
        assert_eq!(
            escape("a | [b](c) <d>\nE `f`"),
            "a \\| \\[b\\](c) \\<d\\> E `f`"
        );
        assert_eq!(code("serve/1/header"), "`serve/1/header`");
        assert_eq!(code("a`b"), "a\\`b");
    }
}
