//! GitHub Actions output of a run (`run --github`): `::error` workflow commands that annotate the
//! fixture file of each failing trial, and the details the step summary adds below the Markdown
//! summary (`markdown::summary`): each failure as the harness prints it.
//!
//! Workflow commands are one line each: data escapes `%`, CR and LF; a property also escapes `:`
//! and `,` (GitHub's `toolkit/packages/core/src/command.ts`).

use crate::check::{message, Verdict};
use std::fmt::Write;

/// At most this many `::error` annotations: GitHub shows 10 per step and 50 per job, so the rest
/// are counted in one `::notice`.
pub const MAX_ANNOTATIONS: usize = 10;

/// At most this many failures in the step summary's details (its limit is 1 MiB per step).
pub const MAX_DETAILS: usize = 50;

/// One `::error` annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The file, relative to the repository root, when the failure is in one of its files.
    pub file: Option<String>,
    /// The 1-based line of that file where the expected value first differs.
    pub line: Option<usize>,
    /// A short title: the trial and where it diverged.
    pub title: String,
    /// The message: the verdict's explanation and its diagnosis.
    pub message: String,
}

impl Annotation {
    /// The annotation of a failing or erroring verdict; `file` is the fixture file it points at,
    /// relative to the repository root (the expected file of the first divergent stage), if any.
    pub fn of(verdict: &Verdict, file: Option<String>) -> Annotation {
        let line = match (&file, &verdict.first_divergence) {
            (Some(_), Some(d)) => Some(first_different_line(&d.expected, &d.actual)),
            _ => None,
        };
        let title = match &verdict.first_divergence {
            Some(d) => format!("{}: diverged at {}", verdict.id, d.stage),
            None => format!("{}: {:?}", verdict.id, verdict.status).to_lowercase(),
        };
        let mut message = verdict.message.clone();
        if let Some(diagnosis) = &verdict.diagnosis {
            message.push('\n');
            message::write_diagnosis(&mut message, diagnosis);
        }
        Annotation {
            file,
            line,
            title,
            message: message.trim_end().to_string(),
        }
    }

    /// The workflow command: `::error file=F,line=L,title=T::message`.
    pub fn command(&self) -> String {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = self.line {
            properties.push(format!("line={line}"));
        }
        properties.push(format!("title={}", escape_property(&self.title)));
        format!(
            "::error {}::{}",
            properties.join(","),
            escape_data(&self.message)
        )
    }
}

/// The `::notice` for the failures past [`MAX_ANNOTATIONS`].
pub fn more_failures(count: usize) -> String {
    let text =
        format!("{count} more failing trials are not annotated; the step summary lists every one");
    format!("::notice title=sigv4-conformance::{}", escape_data(&text))
}

/// What the step summary adds below the Markdown summary: every failure (up to [`MAX_DETAILS`])
/// as the harness prints it, in a collapsed block.
pub fn details(failures: &[&Verdict]) -> String {
    if failures.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Failures in detail\n\n");
    for verdict in failures.iter().take(MAX_DETAILS) {
        let text = message::render(verdict).replace("```", "` ` `");
        let _ = writeln!(
            out,
            "<details><summary><code>{}</code></summary>\n\n```text\n{}\n```\n\n</details>\n",
            html_escape(&verdict.id),
            text.trim_end()
        );
    }
    if failures.len() > MAX_DETAILS {
        let _ = writeln!(
            out,
            "{} more: see the JSON report (`--json`).",
            failures.len() - MAX_DETAILS
        );
    }
    out
}

/// The 1-based number of the first line where `actual` differs from `expected` (the line after
/// the last one when one text is a prefix of the other).
pub fn first_different_line(expected: &str, actual: &str) -> usize {
    let mut expected_lines = expected.split('\n');
    let mut actual_lines = actual.split('\n');
    let mut line: usize = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (None, None) => return line.saturating_sub(1).max(1),
            _ => return line,
        }
    }
}

/// Escapes a workflow command's data.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Divergence, Status};

    fn failing() -> Verdict {
        let mut verdict = Verdict::skipped("v4/get-a,b/header", String::new());
        verdict.status = Status::Fail;
        verdict.message = "diverged at canonical_request: 100% wrong".to_string();
        verdict.first_divergence = Some(Divergence {
            stage: crate::stage::DivergencePoint::Stage(crate::stage::Stage::CanonicalRequest),
            expected: "GET\n/\na=1&b=2\nhost:x".to_string(),
            actual: "GET\n/\nb=2&a=1\nhost:x".to_string(),
        });
        verdict
    }

    #[test]
    fn an_annotation_points_at_the_first_different_line_and_escapes() {
        let file = "suite/v4/get-a,b/header-canonical-request.txt".to_string();
        let annotation = Annotation::of(&failing(), Some(file));
        assert_eq!(annotation.line, Some(3));
        assert_eq!(
            annotation.command(),
            "::error file=suite/v4/get-a%2Cb/header-canonical-request.txt,line=3,\
             title=v4/get-a%2Cb/header%3A diverged at canonical_request::\
             diverged at canonical_request: 100%25 wrong"
        );
        let elsewhere = Annotation::of(&failing(), None);
        assert_eq!(elsewhere.line, None);
        assert!(elsewhere.command().starts_with("::error title="));
    }

    #[test]
    fn multi_line_messages_stay_one_command() {
        let mut verdict = failing();
        verdict.message = "first\r\nsecond".to_string();
        let command = Annotation::of(&verdict, None).command();
        assert!(command.ends_with("::first%0D%0Asecond"));
        assert_eq!(command.lines().count(), 1);
    }

    #[test]
    fn first_different_line_counts_from_one() {
        assert_eq!(first_different_line("a\nb", "a\nc"), 2);
        assert_eq!(first_different_line("a", "b"), 1);
        assert_eq!(first_different_line("a\nb", "a\nb\nc"), 3);
        assert_eq!(first_different_line("a\nb", "a\nb"), 2);
    }

    #[test]
    fn details_hold_the_rendered_failure_and_are_capped() {
        let verdict = failing();
        let text = details(&[&verdict]);
        assert!(text.contains("<code>v4/get-a,b/header</code>"));
        assert!(text.contains("first divergent stage: canonical_request"));
        let many: Vec<&Verdict> = std::iter::repeat_n(&verdict, MAX_DETAILS + 2).collect();
        assert!(details(&many).contains("2 more: see the JSON report"));
        assert_eq!(details(&[]), "");
        assert!(more_failures(3).starts_with("::notice title=sigv4-conformance::3 more"));
    }
}
