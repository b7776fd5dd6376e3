//! The HTML conformance matrix: one self-contained static page (inline CSS and JS, no network).
//!
//! The matrix is rendered here, in Rust: cases as rows (the union of the reports' case ids,
//! sorted), implementations as columns (in the order the reports are given). Each cell is
//! coloured by its result, and a failure by its first divergent stage; the cell's short text
//! (`✓`, `skip`, `creq`, `sts`, …) reads without colour too. The details of every cell (stage
//! lines, message, diff, diagnosis) are embedded once as JSON in a
//! `<script type="application/json">` element; a small inline script filters the rows and fills
//! the details panel with `textContent`, so report text is never parsed as HTML.
//!
//! The output is deterministic: the same reports give the same bytes (no timestamps, no hash
//! maps).

use super::json::{CaseReport, DiagnosisEntry, Report};
use crate::check::{self, StageStatus, Status};
use crate::stage::Stage;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How one kind of cell looks: its CSS class, short text, colours and meaning (for the legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kind {
    /// CSS class of the cell, `k-…`.
    class: &'static str,
    /// The cell's text.
    short: &'static str,
    /// Background colour.
    background: &'static str,
    /// Text colour.
    foreground: &'static str,
    /// One line for the legend.
    meaning: &'static str,
}

/// Results that are not a divergence.
const PASS: Kind = Kind {
    class: "k-pass",
    short: "✓",
    background: "#d7f0d2",
    foreground: "#1e5b1a",
    meaning: "pass: every compared stage matched",
};
const SKIP: Kind = Kind {
    class: "k-skip",
    short: "skip",
    background: "#ececec",
    foreground: "#666666",
    meaning: "skip: the signer cannot express this case or mode",
};
const ERROR: Kind = Kind {
    class: "k-error",
    short: "err",
    background: "#2b2b2b",
    foreground: "#ffffff",
    meaning: "error: a broken fixture or signer, nothing compared",
};
const MISSING: Kind = Kind {
    class: "k-missing",
    short: "—",
    background: "#ffffff",
    foreground: "#999999",
    meaning: "not in this report",
};
/// A failure whose first divergent stage is unknown (not a stage of schema 1).
const FAIL_OTHER: Kind = Kind {
    class: "k-fail-other",
    short: "fail",
    background: "#c2185b",
    foreground: "#ffffff",
    meaning: "fail at another stage",
};

/// Failures, one colour per first divergent stage, in pipeline order; `error` last: a refusal
/// was expected and the signer signed.
const FAIL_KINDS: [(&str, Kind); 16] = [
    (
        "canonical_request",
        fail_kind(
            "k-fail-canonical_request",
            "creq",
            "#e45756",
            "#ffffff",
            "fail at canonical_request",
        ),
    ),
    (
        "string_to_sign",
        fail_kind(
            "k-fail-string_to_sign",
            "sts",
            "#f58518",
            "#000000",
            "fail at string_to_sign",
        ),
    ),
    (
        "signing_key",
        fail_kind(
            "k-fail-signing_key",
            "key",
            "#eeca3b",
            "#000000",
            "fail at signing_key",
        ),
    ),
    (
        "signature",
        fail_kind(
            "k-fail-signature",
            "sig",
            "#9c5fb5",
            "#ffffff",
            "fail at signature",
        ),
    ),
    (
        "authorization",
        fail_kind(
            "k-fail-authorization",
            "auth",
            "#3b6fb6",
            "#ffffff",
            "fail at authorization (header mode)",
        ),
    ),
    (
        "presigned_url",
        fail_kind(
            "k-fail-presigned_url",
            "url",
            "#2a9d8f",
            "#ffffff",
            "fail at presigned_url (query mode)",
        ),
    ),
    (
        "signed_request",
        fail_kind(
            "k-fail-signed_request",
            "req",
            "#8c5a3c",
            "#ffffff",
            "fail at signed_request",
        ),
    ),
    (
        "public_key",
        fail_kind(
            "k-fail-public_key",
            "pub",
            "#6b8e23",
            "#ffffff",
            "fail at public_key (SigV4a)",
        ),
    ),
    (
        "chunk_string_to_sign",
        fail_kind(
            "k-fail-chunk_string_to_sign",
            "csts",
            "#b279a2",
            "#ffffff",
            "fail at chunk_string_to_sign",
        ),
    ),
    (
        "chunk_signatures",
        fail_kind(
            "k-fail-chunk_signatures",
            "chunk",
            "#5c3d8f",
            "#ffffff",
            "fail at chunk_signatures",
        ),
    ),
    (
        "trailer_string_to_sign",
        fail_kind(
            "k-fail-trailer_string_to_sign",
            "tsts",
            "#c7a76c",
            "#000000",
            "fail at trailer_string_to_sign",
        ),
    ),
    (
        "trailer_signature",
        fail_kind(
            "k-fail-trailer_signature",
            "trail",
            "#1f6f78",
            "#ffffff",
            "fail at trailer_signature",
        ),
    ),
    (
        "encoded_body",
        fail_kind(
            "k-fail-encoded_body",
            "body",
            "#444444",
            "#ffffff",
            "fail at encoded_body",
        ),
    ),
    (
        "event_string_to_sign",
        fail_kind(
            "k-fail-event_string_to_sign",
            "ests",
            "#7f9fd0",
            "#000000",
            "fail at event_string_to_sign",
        ),
    ),
    (
        "event_signatures",
        fail_kind(
            "k-fail-event_signatures",
            "event",
            "#0d3b66",
            "#ffffff",
            "fail at event_signatures",
        ),
    ),
    (
        "error",
        fail_kind(
            "k-fail-error",
            "noerr",
            "#ff9da6",
            "#000000",
            "fail: a refusal was expected, the signer signed",
        ),
    ),
];

/// Builds a [`Kind`] in a `const` context.
const fn fail_kind(
    class: &'static str,
    short: &'static str,
    background: &'static str,
    foreground: &'static str,
    meaning: &'static str,
) -> Kind {
    Kind {
        class,
        short,
        background,
        foreground,
        meaning,
    }
}

/// Every kind, in legend order.
fn all_kinds() -> Vec<Kind> {
    let mut kinds = vec![PASS, SKIP, ERROR];
    kinds.extend(FAIL_KINDS.iter().map(|(_, k)| *k));
    kinds.push(FAIL_OTHER);
    kinds.push(MISSING);
    kinds
}

/// The kind of a cell: by status, and for a failure by its first divergent stage.
fn kind_of(case: Option<&CaseReport>) -> Kind {
    let Some(case) = case else { return MISSING };
    match case.status {
        Status::Pass => PASS,
        Status::Skip => SKIP,
        Status::Error => ERROR,
        Status::Fail => {
            let stage = case.first_divergence.as_ref().map(|d| d.stage.name());
            FAIL_KINDS
                .iter()
                .find(|(name, _)| Some(*name) == stage)
                .map(|(_, k)| *k)
                .unwrap_or(FAIL_OTHER)
        }
    }
}

/// True for a failing or erroring trial.
fn is_bad(case: Option<&CaseReport>) -> bool {
    case.is_some_and(|c| c.status.is_failure())
}

/// Escapes text for HTML element content and double-quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Makes JSON safe inside a `<script>` element: `</` becomes `<\/` (so no `</script>` ends it
/// early) and `<!--` becomes `\u003c!--` (so no comment-like state swallows the real end tag).
/// Both are valid JSON escapes, and `<` only ever occurs inside JSON strings.
fn script_safe_json(json: &str) -> String {
    json.replace("<!--", "\\u003c!--").replace("</", "<\\/")
}

/// The name shown for an implementation: `name version`.
fn implementation_label(report: &Report) -> String {
    format!(
        "{} {}",
        report.implementation.name, report.implementation.version
    )
}

/// The language an implementation is grouped under (`other` when its adapter named none).
fn language_of(report: &Report) -> &str {
    match report.implementation.language.trim() {
        "" => "other",
        language => language,
    }
}

/// The reports in matrix order: grouped by language (sorted, case-insensitively), and within a
/// language the independent implementations first, then the wrappers (marked, never counted as
/// implementations of their own), each by name and version. The order of the arguments does
/// not matter.
fn grouped(reports: &[Report]) -> Vec<&Report> {
    let mut ordered: Vec<&Report> = reports.iter().collect();
    ordered.sort_by(|a, b| {
        let key = |r: &Report| {
            (
                language_of(r).to_lowercase(),
                r.implementation.wraps.is_some(),
                r.implementation.name.to_lowercase(),
                r.implementation.version.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    ordered
}

/// Runs of consecutive reports with the same language: `(language, count)`, in order.
fn language_groups<'a>(reports: &[&'a Report]) -> Vec<(&'a str, usize)> {
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for report in reports {
        let language = language_of(report);
        match groups.last_mut() {
            Some((last, count)) if *last == language => *count += 1,
            _ => groups.push((language, 1)),
        }
    }
    groups
}

/// ` (wraps X)` for a wrapper, empty otherwise.
fn wraps_note(report: &Report) -> String {
    report
        .implementation
        .wraps
        .as_deref()
        .map(|w| format!(" (wraps {w})"))
        .unwrap_or_default()
}

/// One stage line of a cell, for the details panel.
#[derive(Serialize)]
struct StageView<'a> {
    stage: &'a str,
    status: StageStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

/// Everything the details panel shows for one case x implementation.
#[derive(Serialize)]
struct CellView<'a> {
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<check::Fault>,
    /// The first divergent stage, or `error` for a refusal that did not happen.
    #[serde(skip_serializing_if = "Option::is_none")]
    divergence: Option<&'a str>,
    stages: Vec<StageView<'a>>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnosis: Option<&'a [DiagnosisEntry]>,
}

/// One column's heading data.
#[derive(Serialize)]
struct ImplementationView<'a> {
    name: &'a str,
    version: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    wraps: Option<&'a str>,
}

/// The embedded data: `cells[row][column]`, `null` where a report lacks the case.
#[derive(Serialize)]
struct PageData<'a> {
    implementations: Vec<ImplementationView<'a>>,
    cases: Vec<&'a str>,
    cells: Vec<Vec<Option<CellView<'a>>>>,
}

/// Position of a stage name in pipeline order; unknown names sort last, by name.
fn stage_order(name: &str) -> (usize, &str) {
    let position = Stage::ALL
        .iter()
        .position(|s| s.name() == name)
        .unwrap_or(Stage::ALL.len());
    (position, name)
}

/// The diff of the first divergence: the report's own, or (for a report written before diffs
/// were recorded) rendered again from the expected and actual texts, as the harness does.
fn diff_of(case: &CaseReport) -> Option<String> {
    if let Some(diff) = &case.diff {
        return Some(diff.clone());
    }
    let divergence = case.first_divergence.as_ref()?;
    let text = match divergence.stage.stage() {
        Some(stage) => check::stage_diff(
            stage,
            divergence.expected.as_bytes(),
            divergence.actual.as_bytes(),
        ),
        None => format!(
            "expected: {}\nactual:   {}",
            divergence.expected, divergence.actual
        ),
    };
    Some(text)
}

/// The details of one cell.
fn cell_view(case: &CaseReport) -> CellView<'_> {
    let mut stages: Vec<StageView<'_>> = case
        .stages
        .iter()
        .map(|(stage, status)| StageView {
            stage,
            status: *status,
            note: case.notes.get(stage).map(String::as_str),
        })
        .collect();
    stages.sort_by(|a, b| stage_order(a.stage).cmp(&stage_order(b.stage)));
    CellView {
        status: case.status,
        fault: case.fault,
        divergence: case.first_divergence.as_ref().map(|d| d.stage.name()),
        stages,
        message: &case.message,
        diff: diff_of(case),
        diagnosis: case.diagnosis.as_deref(),
    }
}

/// The reports indexed for the matrix: the sorted union of case ids, and each report's cases by
/// id (the first occurrence wins if a report repeats an id).
struct Matrix<'a> {
    reports: Vec<&'a Report>,
    ids: Vec<&'a str>,
    by_id: Vec<BTreeMap<&'a str, &'a CaseReport>>,
}

impl<'a> Matrix<'a> {
    fn new(reports: Vec<&'a Report>) -> Matrix<'a> {
        let ids: BTreeSet<&str> = reports
            .iter()
            .flat_map(|r| r.cases.iter().map(|c| c.id.as_str()))
            .collect();
        let by_id = reports
            .iter()
            .map(|r| {
                let mut map = BTreeMap::new();
                for case in &r.cases {
                    map.entry(case.id.as_str()).or_insert(case);
                }
                map
            })
            .collect();
        Matrix {
            reports,
            ids: ids.into_iter().collect(),
            by_id,
        }
    }

    /// The case `id` in report `column`, if it has it.
    fn get(&self, column: usize, id: &str) -> Option<&'a CaseReport> {
        self.by_id.get(column).and_then(|m| m.get(id)).copied()
    }

    /// The embedded JSON data.
    fn data(&self) -> PageData<'a> {
        PageData {
            implementations: self
                .reports
                .iter()
                .map(|r| ImplementationView {
                    name: &r.implementation.name,
                    version: &r.implementation.version,
                    language: &r.implementation.language,
                    wraps: r.implementation.wraps.as_deref(),
                })
                .collect(),
            cases: self.ids.clone(),
            cells: self
                .ids
                .iter()
                .map(|id| {
                    (0..self.reports.len())
                        .map(|c| self.get(c, id).map(cell_view))
                        .collect()
                })
                .collect(),
        }
    }
}

/// One self-contained page: cases as rows, implementations as columns.
/// Columns are grouped by language, wrappers marked and placed after the independent
/// implementations of their language.
pub fn render(reports: &[Report]) -> String {
    let reports = grouped(reports);
    let matrix = Matrix::new(reports.clone());
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>SigV4 conformance matrix</title>\n");
    out.push_str("<style>\n");
    out.push_str(STYLE);
    out.push_str(&kind_css());
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(&header(&reports));
    out.push_str(&legend());
    out.push_str(&filters(&reports));
    out.push_str(&table(&matrix));
    out.push_str(DETAILS_PANEL);
    out.push_str(&data_script(&matrix));
    out.push_str("<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The CSS rule of every kind of cell.
fn kind_css() -> String {
    let mut css = String::new();
    for kind in all_kinds() {
        let _ = writeln!(
            css,
            ".{} {{ background: {}; color: {}; }}",
            kind.class, kind.background, kind.foreground
        );
    }
    css
}

/// Distinct values, sorted, joined with `, `.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The title, the tool version and suite hash, and the per-implementation totals.
fn header(reports: &[&Report]) -> String {
    let mut out = String::from("<header>\n<h1>SigV4 conformance matrix</h1>\n");
    let tools = distinct(reports.iter().map(|r| r.tool.version.as_str()));
    let tool_names = distinct(reports.iter().map(|r| r.tool.name.as_str()));
    let hashes: BTreeSet<&str> = reports.iter().map(|r| r.suite_hash.as_str()).collect();
    let suites = distinct(
        reports
            .iter()
            .flat_map(|r| r.suites.iter().map(String::as_str)),
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">Tool: <span id=\"tool\">{} {}</span> · suites: {} · suite hash: {}</p>",
        escape(&tool_names),
        escape(&tools),
        escape(&suites),
        hashes
            .iter()
            .map(|h| format!("<code class=\"hash\">{}</code>", escape(h)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Third-party implementations only: this tool's own signer (the reference, a mistake model)
    // is the yardstick, not a row of the matrix's count.
    let third_party: Vec<&&Report> = reports
        .iter()
        .filter(|r| !r.implementation.name.starts_with("sigv4-conformance"))
        .collect();
    let independent: Vec<&&Report> = third_party
        .iter()
        .copied()
        .filter(|r| r.implementation.wraps.is_none())
        .collect();
    let wrappers = third_party.len() - independent.len();
    let _ = writeln!(
        out,
        "<p class=\"meta\" id=\"count\">{} independent third-party implementations in {} languages{}</p>",
        independent.len(),
        independent
            .iter()
            .map(|r| language_of(r))
            .collect::<BTreeSet<_>>()
            .len(),
        match wrappers {
            0 => String::new(),
            1 => ", and 1 wrapper of another signer (marked, not counted)".to_string(),
            n => format!(", and {n} wrappers of other signers (marked, not counted)"),
        }
    );
    if hashes.len() > 1 {
        out.push_str("<p class=\"warning\">These reports ran different suites (their suite hashes differ): a case may be missing from some columns.</p>\n");
    }
    out.push_str("<table id=\"totals\">\n<thead><tr><th scope=\"col\">implementation</th><th scope=\"col\">language</th><th scope=\"col\">passed</th><th scope=\"col\">failed</th><th scope=\"col\">errored</th><th scope=\"col\">skipped</th></tr></thead>\n<tbody>\n");
    for report in reports {
        let s = &report.summary;
        let _ = writeln!(
            out,
            "<tr{}><th scope=\"row\">{}{}</th><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if report.implementation.wraps.is_some() {
                " class=\"wrapper\""
            } else {
                ""
            },
            escape(&implementation_label(report)),
            escape(&wraps_note(report)),
            escape(language_of(report)),
            s.passed,
            s.failed,
            s.errored,
            s.skipped
        );
    }
    out.push_str("</tbody>\n</table>\n</header>\n");
    out
}

/// The legend: a sample cell and the meaning of every kind.
fn legend() -> String {
    let mut out =
        String::from("<section id=\"legend\" aria-label=\"legend\">\n<h2>Legend</h2>\n<ul>\n");
    for kind in all_kinds() {
        let _ = writeln!(
            out,
            "<li><span class=\"swatch {}\">{}</span> {}</li>",
            kind.class,
            escape(kind.short),
            escape(kind.meaning)
        );
    }
    out.push_str("</ul>\n</section>\n");
    out
}

/// The text and status filters.
fn filters(reports: &[&Report]) -> String {
    let mut out = String::from("<section id=\"filters\">\n");
    out.push_str("<label>Case id contains <input id=\"filter-text\" type=\"search\" placeholder=\"e.g. s3/get-key\" autocomplete=\"off\"></label>\n");
    out.push_str("<label>Status <select id=\"filter-status\">\n<option value=\"all\">all cases</option>\n<option value=\"failing\">any failing</option>\n");
    for (column, report) in reports.iter().enumerate() {
        let _ = writeln!(
            out,
            "<option value=\"fail:{column}\">failing for {}</option>",
            escape(&implementation_label(report))
        );
    }
    out.push_str(
        "<option value=\"passing\">all passing (skips aside)</option>\n</select></label>\n",
    );
    out.push_str("<span id=\"shown\" aria-live=\"polite\"></span>\n</section>\n");
    out
}

/// The matrix itself.
fn table(matrix: &Matrix<'_>) -> String {
    let mut out = String::from("<main>\n<table id=\"matrix\">\n<colgroup class=\"id\"></colgroup>");
    let groups = language_groups(&matrix.reports);
    for (language, count) in &groups {
        let _ = write!(
            out,
            "<colgroup class=\"lang\" span=\"{count}\" data-lang=\"{}\"></colgroup>",
            escape(language)
        );
    }
    out.push_str("\n<thead><tr><th scope=\"col\" class=\"id\">case</th>");
    // The first column of each language group carries the language's name and a left rule.
    let starts: BTreeSet<usize> = groups
        .iter()
        .scan(0, |column, (_, count)| {
            let start = *column;
            *column += count;
            Some(start)
        })
        .collect();
    for (column, report) in matrix.reports.iter().enumerate() {
        let start = starts.contains(&column);
        let wraps = report.implementation.wraps.as_deref();
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"impl{}{}\" data-lang=\"{}\"><span class=\"lang\">{}</span><br><span class=\"name\">{}</span><br><span class=\"version\">{}</span>{}</th>",
            if start { " group-start" } else { "" },
            if wraps.is_some() { " wrapper" } else { "" },
            escape(language_of(report)),
            if start { escape(language_of(report)) } else { String::new() },
            escape(&report.implementation.name),
            escape(&report.implementation.version),
            wraps
                .map(|w| format!("<br><span class=\"wraps\">wraps {}</span>", escape(w)))
                .unwrap_or_default()
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (row, id) in matrix.ids.iter().enumerate() {
        out.push_str(&table_row(matrix, row, id));
    }
    out.push_str("</tbody>\n</table>\n</main>\n");
    out
}

/// One row: the case id, then a cell per implementation. `data-bad` lists the columns that
/// fail or error, for the status filter.
fn table_row(matrix: &Matrix<'_>, row: usize, id: &str) -> String {
    let cases: Vec<Option<&CaseReport>> = (0..matrix.reports.len())
        .map(|c| matrix.get(c, id))
        .collect();
    let bad: Vec<String> = cases
        .iter()
        .enumerate()
        .filter(|(_, case)| is_bad(**case))
        .map(|(c, _)| c.to_string())
        .collect();
    let mut out = format!(
        "<tr data-r=\"{row}\" data-id=\"{}\" data-bad=\"{}\"><th scope=\"row\" class=\"id\">{}</th>",
        escape(id),
        bad.join(" "),
        escape(id)
    );
    for (column, (case, report)) in cases.iter().zip(matrix.reports.iter()).enumerate() {
        let start = column > 0
            && matrix.reports.get(column - 1).map(|r| language_of(r)) != Some(language_of(report));
        let kind = kind_of(*case);
        let title = format!(
            "{} · {}: {}",
            id,
            implementation_label(report),
            kind.meaning
        );
        let _ = write!(
            out,
            "<td class=\"c {}{}\" data-c=\"{column}\" tabindex=\"0\" title=\"{}\">{}</td>",
            kind.class,
            if start { " group-start" } else { "" },
            escape(&title),
            escape(kind.short)
        );
    }
    out.push_str("</tr>\n");
    out
}

/// The details of every cell as JSON, safe inside `<script>`.
fn data_script(matrix: &Matrix<'_>) -> String {
    let json = serde_json::to_string(&matrix.data()).unwrap_or_else(|_| "null".to_string());
    format!(
        "<script type=\"application/json\" id=\"matrix-data\">{}</script>\n",
        script_safe_json(&json)
    )
}

/// The details panel, filled by the script when a cell is clicked.
const DETAILS_PANEL: &str = "<aside id=\"details\" hidden aria-live=\"polite\">\n<button type=\"button\" id=\"details-close\" aria-label=\"close\">×</button>\n<div id=\"details-body\"></div>\n</aside>\n";

const STYLE: &str = r#"
:root { --panel: min(36vw, 600px); font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px; color: #1b1b1b; }
body { margin: 0; padding: 12px 16px; }
body.with-details { margin-right: var(--panel); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 8px 0 4px; }
.meta { margin: 0 0 8px; color: #444; }
.warning { background: #fff3cd; padding: 4px 8px; }
code, pre, .hash { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
#totals { border-collapse: collapse; margin-bottom: 8px; }
#totals th, #totals td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
#totals td.n { text-align: right; font-variant-numeric: tabular-nums; }
#legend ul { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
.swatch { display: inline-block; min-width: 38px; text-align: center; padding: 1px 4px; border: 1px solid #bbb; font-size: 12px; }
#filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 4px 0 8px; }
#filters input { width: 220px; }
#shown { color: #555; }
#matrix { border-collapse: collapse; }
#matrix thead th { position: sticky; top: 0; background: #fafafa; z-index: 1; border-bottom: 2px solid #888; }
#matrix th, #matrix td { border: 1px solid #d0d0d0; padding: 1px 6px; }
#matrix th.id { text-align: left; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-weight: normal; font-size: 12px; white-space: nowrap; }
#matrix th.impl { font-size: 12px; min-width: 64px; }
#matrix th.impl .version { font-weight: normal; color: #555; }
#matrix th.impl .lang { font-variant: small-caps; color: #333; }
#matrix th.impl .wraps { font-weight: normal; font-style: italic; color: #555; }
#matrix th.impl.wrapper { background: #eee; }
#matrix .group-start { border-left: 3px solid #888; }
#totals tr.wrapper th { font-weight: normal; font-style: italic; }
#matrix td.c { text-align: center; font-size: 12px; cursor: pointer; min-width: 52px; }
#matrix td.c:hover, #matrix td.c:focus { outline: 2px solid #000; outline-offset: -2px; }
#matrix td.c.selected { outline: 3px solid #0050d0; outline-offset: -3px; }
#matrix tr[hidden] { display: none; }
#details { position: fixed; top: 0; right: 0; bottom: 0; z-index: 10; width: var(--panel); overflow: auto; background: #fff; border-left: 2px solid #555; box-shadow: -4px 0 12px rgba(0,0,0,.15); padding: 12px 16px; box-sizing: border-box; }
#details[hidden] { display: none; }
#details-close { position: absolute; top: 8px; right: 10px; font-size: 18px; }
#details h2 { font-size: 16px; word-break: break-all; margin-right: 32px; }
#details pre { background: #f6f6f6; border: 1px solid #ddd; padding: 6px; overflow: auto; font-size: 12px; line-height: 1.35; }
#details .stages { padding-left: 18px; margin: 4px 0; }
#details .stages li { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
#details .note { color: #555; font-family: system-ui, sans-serif; }
#details .none { font-style: italic; }
"#;

/// Filters the rows and fills the details panel. Report text goes in with `textContent` only.
const SCRIPT: &str = r#"(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('matrix-data').textContent);
  const rows = Array.from(document.querySelectorAll('#matrix tbody tr')).map(function (tr) {
    const bad = tr.getAttribute('data-bad');
    return { tr: tr, id: tr.getAttribute('data-id').toLowerCase(), bad: bad ? bad.split(' ') : [] };
  });
  const text = document.getElementById('filter-text');
  const status = document.getElementById('filter-status');
  const shown = document.getElementById('shown');
  const panel = document.getElementById('details');
  const body = document.getElementById('details-body');
  let selected = null;

  function keep(row, want) {
    if (want === 'all') return true;
    if (want === 'failing') return row.bad.length > 0;
    if (want === 'passing') return row.bad.length === 0;
    if (want.indexOf('fail:') === 0) return row.bad.indexOf(want.slice(5)) >= 0;
    return true;
  }

  function apply() {
    const needle = text.value.trim().toLowerCase();
    const want = status.value;
    let count = 0;
    for (const row of rows) {
      const ok = (needle === '' || row.id.indexOf(needle) >= 0) && keep(row, want);
      if (row.tr.hidden === ok) row.tr.hidden = !ok;
      if (ok) count += 1;
    }
    shown.textContent = count + ' of ' + rows.length + ' cases shown';
  }

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function show(r, c, td) {
    const cell = data.cells[r] && data.cells[r][c];
    const impl = data.implementations[c];
    body.replaceChildren();
    body.appendChild(el('h2', 'case', data.cases[r]));
    body.appendChild(el('p', 'impl', impl.name + ' ' + impl.version + ' (' + impl.language + ')' + (impl.wraps ? ', a wrapper of ' + impl.wraps : '')));
    if (!cell) {
      body.appendChild(el('p', 'status', 'not in this report'));
    } else {
      let line = 'status: ' + cell.status;
      if (cell.fault) line += ' (' + cell.fault + ')';
      if (cell.divergence) line += ' · first divergence: ' + cell.divergence;
      body.appendChild(el('p', 'status', line));
      if (cell.stages.length > 0) {
        const list = el('ul', 'stages');
        for (const s of cell.stages) {
          const li = el('li', null, s.stage + ': ' + s.status);
          if (s.note) li.appendChild(el('span', 'note', ' — ' + s.note));
          list.appendChild(li);
        }
        body.appendChild(list);
      }
      body.appendChild(el('h3', null, 'Message'));
      body.appendChild(el('p', 'message', cell.message));
      if (cell.diff) {
        body.appendChild(el('h3', null, 'Diff' + (cell.divergence ? ' (' + cell.divergence + ')' : '')));
        body.appendChild(el('pre', 'diff', cell.diff));
      }
      if (cell.status === 'fail') {
        body.appendChild(el('h3', null, 'Diagnosis'));
        const found = cell.diagnosis || [];
        if (found.length === 0) {
          body.appendChild(el('p', 'diagnosis none', 'no known mistake reproduces this'));
        } else {
          const list = el('ol', 'diagnosis');
          for (const d of found) {
            const li = el('li');
            if (d.stage) {
              li.appendChild(el('code', 'mutation', d.mutation));
              li.appendChild(document.createTextNode(' (' + d.stage + '): ' + d.explanation));
            } else {
              li.appendChild(document.createTextNode(d.explanation));
            }
            list.appendChild(li);
          }
          body.appendChild(list);
        }
      }
    }
    if (selected) selected.classList.remove('selected');
    selected = td;
    td.classList.add('selected');
    panel.hidden = false;
    document.body.classList.add('with-details');
  }

  function close() {
    panel.hidden = true;
    document.body.classList.remove('with-details');
    if (selected) selected.classList.remove('selected');
    selected = null;
  }

  function open(target) {
    const td = target.closest('td.c');
    if (!td) return;
    const tr = td.parentElement;
    show(Number(tr.getAttribute('data-r')), Number(td.getAttribute('data-c')), td);
  }

  document.getElementById('matrix').addEventListener('click', function (e) { open(e.target); });
  document.getElementById('matrix').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(e.target); }
  });
  document.getElementById('details-close').addEventListener('click', close);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') close(); });
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  apply();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A report from JSON (as `run --json` writes it), so the test does not depend on every
    /// field of the structs.
    fn report(name: &str, cases: serde_json::Value) -> Report {
        let value = json!({
            "schema": 1,
            "tool": {"name": "sigv4-conformance", "version": "0.1.0"},
            "implementation": {"name": name, "version": "1.0", "language": "rust"},
            "suites": ["embedded"],
            "suite_hash": "abc123",
            "summary": {"passed": 1, "failed": 1, "errored": 0, "skipped": 0},
            "cases": cases,
        });
        match serde_json::from_value(value) {
            Ok(r) => r,
            Err(e) => panic!("test report: {e}"),
        }
    }

    fn failing(id: &str, stage: &str, message: &str) -> serde_json::Value {
        json!({
            "id": id, "status": "fail", "fault": "divergence",
            "stages": {"canonical_request": "fail", "signature": "fail"},
            "first_divergence": {"stage": stage, "expected": "a", "actual": "b"},
            "message": message,
            "diff": "--- expected\n+++ actual\n-a\n+b <b>&\n",
            "notes": {"signature": "carried forward from canonical_request"},
            "diagnosis": [],
        })
    }

    fn passing(id: &str) -> serde_json::Value {
        json!({"id": id, "status": "pass", "stages": {"canonical_request": "pass"},
               "first_divergence": null, "message": "ok"})
    }

    /// A report of `name` in `language`, wrapping `wraps` when given.
    fn report_in(name: &str, language: &str, wraps: Option<&str>) -> Report {
        let mut r = report(name, json!([passing("v4/a/header")]));
        r.implementation.language = language.to_string();
        r.implementation.wraps = wraps.map(str::to_string);
        r
    }

    /// The implementation names of the column headings, in page order.
    fn column_names(page: &str) -> Vec<&str> {
        page.split("<span class=\"name\">")
            .skip(1)
            .filter_map(|rest| rest.split('<').next())
            .collect()
    }

    #[test]
    fn columns_are_grouped_by_language_with_wrappers_last_and_marked() {
        let reports = [
            report_in("zeta", "python", None),
            report_in("alpha-js", "javascript", None),
            report_in("plugin", "python", Some("botocore")),
            report_in("beta", "python", None),
            report_in("sigv4-conformance reference", "rust", None),
        ];
        let page = render(&reports);
        assert_eq!(
            column_names(&page),
            [
                "alpha-js",
                "beta",
                "zeta",
                "plugin",
                "sigv4-conformance reference"
            ],
            "languages sorted, wrappers after the independent ones"
        );
        assert_eq!(page.matches("<colgroup class=\"lang\"").count(), 3);
        assert!(page.contains("<colgroup class=\"lang\" span=\"3\" data-lang=\"python\">"));
        assert_eq!(page.matches("group-start\" data-lang").count(), 3);
        assert_eq!(page.matches(" wrapper\" data-lang").count(), 1);
        assert!(page.contains("<span class=\"wraps\">wraps botocore</span>"));
        // The reference is the yardstick, not counted among the implementations.
        assert!(page
            .contains("3 independent third-party implementations in 2 languages, and 1 wrapper"));
        assert!(page.contains("plugin 1.0 (wraps botocore)"));
        // The order of the arguments does not change the page.
        let mut reversed = reports.clone();
        reversed.reverse();
        assert_eq!(render(&reversed), page);
    }

    #[test]
    fn an_implementation_without_a_language_is_grouped_as_other() {
        let page = render(&[report_in("x", "", None)]);
        assert!(page.contains("data-lang=\"other\""));
    }

    #[test]
    fn report_text_is_escaped() {
        let evil = "</script><script>alert(\"x\")&'</script><!--<script>";
        let reports = [report(
            "lib<i>",
            json!([failing(
                "v4/<script>alert(1)</script>/header",
                "canonical_request",
                evil
            )]),
        )];
        let page = render(&reports);
        // Only the page's own two script elements close, and nothing opens a comment.
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(!page.contains("<!--"));
        // Outside the JSON, report text is HTML-escaped.
        let markup = page.split("<script type=").next().unwrap_or_default();
        assert!(!markup.contains("<script"));
        assert!(!markup.contains("<i>"));
        assert!(markup.contains("v4/&lt;script&gt;alert(1)&lt;/script&gt;/header"));
        assert!(markup.contains("lib&lt;i&gt;"));
        // The embedded JSON still parses back to the original text.
        let start = page
            .find("id=\"matrix-data\">")
            .map(|i| i + "id=\"matrix-data\">".len());
        let json = start
            .and_then(|s| page[s..].find("</script>").map(|e| &page[s..s + e]))
            .unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        assert_eq!(value["cells"][0][0]["message"], evil);
        assert_eq!(value["cells"][0][0]["diagnosis"], json!([]));
    }

    #[test]
    fn output_is_deterministic() {
        let make = || {
            [
                report(
                    "b",
                    json!([passing("x/2"), failing("x/1", "signature", "m")]),
                ),
                report("a", json!([passing("x/3")])),
            ]
        };
        assert_eq!(render(&make()), render(&make()));
    }

    #[test]
    fn legend_has_every_stage_colour() {
        let page = render(&[report("a", json!([passing("x")]))]);
        let legend = page
            .split("<section id=\"legend\"")
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .unwrap_or_default();
        let mut colours = BTreeSet::new();
        for name in Stage::ALL.iter().map(|s| s.name()).chain(["error"]) {
            let (_, kind) = FAIL_KINDS
                .iter()
                .find(|(n, _)| *n == name)
                .copied()
                .unwrap_or(("", FAIL_OTHER));
            assert_ne!(kind, FAIL_OTHER, "no colour for {name}");
            assert!(
                legend.contains(&format!("swatch k-fail-{name}\"")),
                "{name} not in legend"
            );
            assert!(page.contains(&format!(
                ".k-fail-{name} {{ background: {};",
                kind.background
            )));
            colours.insert(kind.background);
        }
        for kind in [PASS, SKIP, ERROR] {
            assert!(legend.contains(kind.class));
            colours.insert(kind.background);
        }
        assert_eq!(
            colours.len(),
            Stage::ALL.len() + 1 + 3,
            "colours must be distinct"
        );
    }

    #[test]
    fn a_cell_per_case_and_implementation() {
        let reports = [
            report(
                "a",
                json!([passing("x/1"), failing("x/2", "canonical_request", "m")]),
            ),
            report("b", json!([passing("x/2"), passing("x/3")])),
            report("c", json!([failing("x/3", "error", "expected a refusal")])),
        ];
        let page = render(&reports);
        assert_eq!(page.matches("<tr data-r=").count(), 3);
        assert_eq!(page.matches("<td class=\"c ").count(), 3 * 3);
        assert_eq!(page.matches("<td class=\"c k-missing\"").count(), 4);
        assert!(page.contains("<td class=\"c k-fail-canonical_request\" data-c=\"0\""));
        assert!(page.contains("<td class=\"c k-fail-error\" data-c=\"2\""));
        // Rows are sorted, and `data-bad` names the failing columns.
        let x1 = page.find("data-id=\"x/1\"").unwrap_or(usize::MAX);
        let x3 = page.find("data-id=\"x/3\"").unwrap_or(0);
        assert!(x1 < x3);
        assert!(page.contains("data-id=\"x/2\" data-bad=\"0\""));
        assert!(page.contains("data-id=\"x/3\" data-bad=\"2\""));
    }

    #[test]
    fn diff_is_rendered_again_for_older_reports() {
        let mut case = failing("x", "canonical_request", "m");
        case["diff"] = serde_json::Value::Null;
        let reports = [report("a", json!([case]))];
        let view = cell_view(&reports[0].cases[0]);
        assert!(view.diff.unwrap_or_default().starts_with("--- expected"));
        // Stage lines come in pipeline order, with their notes.
        assert_eq!(view.stages[0].stage, "canonical_request");
        assert_eq!(
            view.stages[1].note,
            Some("carried forward from canonical_request")
        );
    }

    /// Writes the page of the committed reports to `$SIGV4_HTML_OUT` (for the browser check);
    /// does nothing when it is unset.
    #[test]
    fn write_committed_reports_page() {
        let Ok(out) = std::env::var("SIGV4_HTML_OUT") else {
            return;
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let mut paths: Vec<_> = std::fs::read_dir(&root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("report.json"))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let reports: Vec<Report> = paths
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| Report::from_json(&b).ok())
            .collect();
        assert!(!reports.is_empty());
        assert!(std::fs::write(out, render(&reports)).is_ok());
    }
}
