//! The failure message of one verdict: case and mode, one line per stage, the diff of the first
//! divergent stage. Plain text, readable without colour.

use super::{Status, Verdict};
use crate::diagnose::Diagnosis;
use std::fmt::Write;

/// Writes the diagnosis lines, `diagnosis: id (stage): explanation` then `       or: …` for
/// each further candidate, or the line saying no known mistake reproduces the output. A search
/// that was skipped or stopped says so on its own line (`diagnosis skipped: ...`).
pub fn write_diagnosis(out: &mut String, diagnosis: &[Diagnosis]) {
    let (incomplete, named): (Vec<&Diagnosis>, Vec<&Diagnosis>) =
        diagnosis.iter().partition(|d| d.is_incomplete());
    if named.is_empty() && incomplete.is_empty() {
        out.push_str("diagnosis: no known mistake reproduces this\n");
    }
    for (i, d) in named.iter().enumerate() {
        let lead = if i == 0 { "diagnosis:" } else { "       or:" };
        let _ = writeln!(
            out,
            "{lead} {} ({}): {}",
            d.mutation, d.stage, d.explanation
        );
    }
    for d in incomplete {
        let _ = writeln!(out, "{}", d.explanation);
    }
}

/// Renders a verdict as the harness and the command line show it.
pub fn render(verdict: &Verdict) -> String {
    let mut out = String::new();
    let (case, mode) = verdict
        .id
        .rsplit_once('/')
        .unwrap_or((verdict.id.as_str(), ""));
    let headline = match verdict.status {
        Status::Pass => "passed".to_string(),
        Status::Skip => format!("skipped: {}", verdict.message),
        Status::Error => format!("error: {}", verdict.message),
        Status::Fail => verdict.message.clone(),
    };
    let _ = writeln!(out, "case {case}, mode {mode}: {headline}");
    let width = verdict
        .stages
        .iter()
        .map(|l| l.stage.name().len())
        .max()
        .unwrap_or(0);
    for line in &verdict.stages {
        let _ = write!(
            out,
            "  {:<width$}  {}",
            line.stage.name(),
            line.status.describe()
        );
        if let Some(note) = &line.note {
            let _ = write!(out, " ({note})");
        }
        out.push('\n');
    }
    if let Some(diagnosis) = &verdict.diagnosis {
        out.push('\n');
        write_diagnosis(&mut out, diagnosis);
    }
    if let Some(d) = &verdict.first_divergence {
        if let Some(diff) = &verdict.diff {
            let _ = writeln!(out, "\nfirst divergent stage: {}", d.stage);
            out.push_str(diff);
            if !diff.ends_with('\n') {
                out.push('\n');
            }
        } else {
            let _ = writeln!(
                out,
                "\nfirst divergent stage: {}\nexpected: {}\nactual:   {}",
                d.stage, d.expected, d.actual
            );
        }
    }
    out
}
