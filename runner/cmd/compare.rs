//! `compare`: what changed between two reports; exit 1 on a regression.

use super::read_report;
use crate::ConfigError;
use clap::Args;
use sigv4_conformance::report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CompareArgs {
    /// The baseline report (`run --json`).
    baseline: PathBuf,
    /// The current report.
    current: PathBuf,
    /// Print Markdown instead of text.
    #[arg(long)]
    markdown: bool,
}

pub fn compare(args: CompareArgs) -> Result<ExitCode, ConfigError> {
    let changes =
        report::compare::compare(&read_report(&args.baseline)?, &read_report(&args.current)?);
    let text = if args.markdown {
        report::compare::render_markdown(&changes)
    } else {
        report::compare::render_text(&changes)
    };
    say!("{}", text.trim_end());
    Ok(if report::compare::has_regression(&changes) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
