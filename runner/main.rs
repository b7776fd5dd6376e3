//! `sigv4-conformance`: run the SigV4 conformance suite against a signer, lint a suite.
//!
//! Exit status: 0 when every case passed or was skipped, 1 when any failed or errored (or lint
//! found a problem), 2 on a usage or configuration error.

use clap::{Args, Parser, Subcommand};
use sigv4_conformance::check::{message, Status, Verdict};
use sigv4_conformance::implementation::{Implementation, Reference};
use sigv4_conformance::report::{self, json::Report, json::Summary};
use sigv4_conformance::run::{embedded_suite, list_trials, run_trial, suite_hash, TrialRef};
use sigv4_conformance::suite::bless::BlessMode;
use sigv4_conformance::{lint, suite};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sigv4-conformance",
    version,
    about = "Conformance suite runner for AWS Signature Version 4 signers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite against the reference signer and print a summary.
    Run(RunArgs),
    /// Check a suite's files against each other, with no signer.
    Lint(LintArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Suite folder to run (repeatable). Default: the suite embedded in this binary.
    #[arg(long = "suite", value_name = "DIR")]
    suites: Vec<PathBuf>,
    /// Run only trials whose id contains PATTERN (repeatable: any of them).
    #[arg(long, value_name = "PATTERN")]
    filter: Vec<String>,
    /// Write the JSON report (schema 1) to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Print a line for every trial, not only the ones that did not pass.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args)]
struct LintArgs {
    /// Suite folder to lint (repeatable). Default: the suite embedded in this binary.
    #[arg(long = "suite", value_name = "DIR")]
    suites: Vec<PathBuf>,
}

/// A usage or configuration error: exit status 2.
struct ConfigError(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Lint(args) => lint(args),
    };
    match result {
        Ok(code) => code,
        Err(ConfigError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The suite folders to use and their labels for reports.
fn resolve_suites(suites: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<String>), ConfigError> {
    if suites.is_empty() {
        let dir = embedded_suite()
            .map_err(|e| ConfigError(format!("cannot unpack the embedded suite: {e}")))?;
        return Ok((vec![dir], vec!["embedded".to_string()]));
    }
    Ok((
        suites.to_vec(),
        suites.iter().map(|p| p.display().to_string()).collect(),
    ))
}

fn run(args: RunArgs) -> Result<ExitCode, ConfigError> {
    let (roots, labels) = resolve_suites(&args.suites)?;
    let trials = select(
        list_trials(&roots).map_err(|e| ConfigError(e.to_string()))?,
        &args.filter,
    )?;
    let implementation = Reference::new();
    let verdicts = run_trials(&trials, &implementation, args.verbose);
    print_verdicts(&verdicts, args.verbose);
    let summary = Summary::of(&verdicts);
    if let Some(path) = &args.json {
        let hash = roots
            .iter()
            .map(|r| suite_hash(r))
            .collect::<Vec<_>>()
            .join(",");
        let report = Report::new(implementation.info(), labels, hash, &verdicts);
        report::write_atomic(path, report.to_json().as_bytes())
            .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
        println!("report written to {}", path.display());
    }
    println!(
        "{} passed, {} failed, {} errored, {} skipped",
        summary.passed, summary.failed, summary.errored, summary.skipped
    );
    Ok(if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn select(trials: Vec<TrialRef>, filters: &[String]) -> Result<Vec<TrialRef>, ConfigError> {
    let selected: Vec<TrialRef> = trials
        .into_iter()
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.id().contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        return Err(ConfigError(format!(
            "no trial matches the filter {filters:?}"
        )));
    }
    Ok(selected)
}

fn run_trials(
    trials: &[TrialRef],
    implementation: &dyn Implementation,
    verbose: bool,
) -> Vec<Verdict> {
    let progress = std::io::stderr().is_terminal() && !verbose;
    let mut verdicts = Vec::with_capacity(trials.len());
    for (i, trial) in trials.iter().enumerate() {
        if progress {
            eprint!("\r\x1b[2K[{}/{}] {}", i + 1, trials.len(), trial.id());
            let _ = std::io::stderr().flush();
        }
        verdicts.push(run_trial(trial, implementation, BlessMode::Off));
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    verdicts
}

fn print_verdicts(verdicts: &[Verdict], verbose: bool) {
    for verdict in verdicts {
        match verdict.status {
            Status::Pass | Status::Skip if verbose => {
                println!("{:<5} {}", status_word(verdict.status), verdict.id)
            }
            Status::Pass | Status::Skip => {}
            Status::Fail | Status::Error => println!("{}", message::render(verdict)),
        }
    }
    print!("{}", report::summary::table(verdicts));
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Skip => "skip",
    }
}

fn lint(args: LintArgs) -> Result<ExitCode, ConfigError> {
    let (roots, _) = resolve_suites(&args.suites)?;
    let mut cases = Vec::new();
    for root in &roots {
        cases.extend(suite::discover(root).map_err(|e| ConfigError(e.to_string()))?);
    }
    let problems = lint::lint_cases(&cases);
    for problem in &problems {
        println!("{problem}");
    }
    let trials: usize = cases.iter().map(|c| c.modes.len()).sum();
    println!(
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
