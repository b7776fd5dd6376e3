//! `lint`: a suite's files checked against each other, with no signer.

use super::resolve_suites;
use crate::ConfigError;
use clap::Args;
use sigv4_conformance::{lint, suite};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct LintArgs {
    /// Suite folder to lint (repeatable). Default: the suite embedded in this binary.
    #[arg(long = "suite", value_name = "DIR")]
    suites: Vec<PathBuf>,
}

pub fn lint(args: LintArgs) -> Result<ExitCode, ConfigError> {
    let (roots, _) = resolve_suites(&args.suites)?;
    let mut cases = Vec::new();
    for root in &roots {
        cases.extend(suite::discover(root).map_err(|e| ConfigError(e.to_string()))?);
    }
    let mut problems = lint::lint_cases(&cases);
    for root in &roots {
        for folder in suite::incomplete_folders(root) {
            problems.push(lint::Problem {
                path: folder,
                line: None,
                message: "holds expected files or context.json but no request.txt: it is not a case and never runs".to_string(),
            });
        }
    }
    for problem in &problems {
        say!("{problem}");
    }
    let trials: usize = cases.iter().map(|c| c.modes.len()).sum();
    say!(
        "lint: {} cases, {} case-modes, {} problems",
        cases.len(),
        trials,
        problems.len()
    );
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
