//! `report`: JSON reports of several implementations combined into a matrix (Markdown, HTML), or
//! merged.

use super::{read_report, write};
use crate::ConfigError;
use clap::Args;
use sigv4_conformance::report::{self, json::Report};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ReportArgs {
    /// Write the matrix as Markdown to FILE.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the matrix as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Merge reports of one implementation over disjoint cases (fuzzing shards) into FILE.
    #[arg(long, value_name = "FILE")]
    merge: Option<PathBuf>,
    /// JSON reports written by `run --json`.
    #[arg(required = true, value_name = "REPORT.json")]
    reports: Vec<PathBuf>,
}

pub fn combine(args: ReportArgs) -> Result<ExitCode, ConfigError> {
    let mut reports = Vec::new();
    for path in &args.reports {
        reports.push(read_report(path)?);
    }
    if let Some(path) = &args.merge {
        let merged = Report::merge(reports.clone()).map_err(ConfigError)?;
        write(path, merged.to_json().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.html {
        write(path, report::html::render(&reports).as_bytes())?;
    }
    let matrix = report::markdown::matrix(&reports);
    match &args.markdown {
        Some(path) => write(path, matrix.as_bytes())?,
        None if args.html.is_none() => say!("{}", matrix.trim_end()),
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}
