//! `run`: the suite against the reference signer or an adapter, a summary, the reports, and the
//! exit status the expected failures and the baseline decide (`report::gate`).

use super::{at_least_one, implementations, print_notes, read_report, resolve_suites, write};
use crate::ConfigError;
use clap::Args;
use sigv4_conformance::check::{message, Status, Verdict};
use sigv4_conformance::implementation::Implementation;
use sigv4_conformance::report::{self, json::Report, json::Summary};
use sigv4_conformance::run::{list_trials, run_all, suite_hash_of_trials, TrialRef};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RunArgs {
    /// Suite folder to run (repeatable). Default: the suite embedded in this binary.
    #[arg(long = "suite", value_name = "DIR")]
    suites: Vec<PathBuf>,
    /// Run only trials whose id contains PATTERN (repeatable: any of them).
    #[arg(long, value_name = "PATTERN")]
    filter: Vec<String>,
    /// Write the JSON report (schema 1) to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a Markdown summary (for $GITHUB_STEP_SUMMARY) to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Under GitHub Actions (GITHUB_ACTIONS=true): append the summary and every failure to the
    /// step summary, and annotate each failing trial's fixture file (`::error`).
    #[arg(long)]
    github: bool,
    /// Write JUnit XML (one testcase per case id) to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a shields.io endpoint badge (pass percentage) to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    badge: Option<PathBuf>,
    /// Compare with a baseline report: exit 1 only on regressions (and stale expectations).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Expected failures (JSON or TOML): id, stage, reason. They do not fail the run; one that
    /// passes or fails elsewhere does.
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
    /// Put the time of the run in the JSON report (reports are otherwise deterministic).
    #[arg(long)]
    timestamp: bool,
    /// Print a line for every trial, not only the ones that did not pass.
    #[arg(long, short)]
    verbose: bool,
    /// Check a third-party signer through adapter protocol v1: the command that starts it (split
    /// like a shell would, run without one). Default: the reference signer.
    #[arg(long, value_name = "COMMAND")]
    adapter: Option<String>,
    /// Seconds a case may wait for its answer (counted from the adapter's last answer); the
    /// adapter is then restarted and the case errors (limits below).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    timeout: f64,
    /// Seconds the adapter may take to answer the handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    hello_timeout: f64,
    /// Adapter processes to run side by side (at least 1).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = at_least_one())]
    jobs: usize,
}

pub fn run(args: RunArgs) -> Result<ExitCode, ConfigError> {
    let (roots, labels) = resolve_suites(&args.suites)?;
    let discovered = list_trials(&roots).map_err(|e| ConfigError(e.to_string()))?;
    let trials = select(discovered.clone(), &args.filter)?;
    let implementations = implementations(
        args.adapter.as_deref(),
        args.timeout,
        args.hello_timeout,
        args.jobs,
    )?;
    let workers: Vec<&dyn Implementation> = implementations.iter().map(|i| i.as_ref()).collect();
    let Some(&first) = workers.first() else {
        return Err(ConfigError("no signer to run".to_string()));
    };
    let info = first.info();
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprint!("running {} trials against {} ...", trials.len(), info.name);
    }
    let verdicts = run_all(&trials, &workers);
    if progress {
        eprint!("\r\x1b[2K");
    }
    print_verdicts(&verdicts, args.verbose);
    print_notes(&implementations);
    let summary = Summary::of(&verdicts);
    let expectations = match &args.expect {
        Some(path) => report::expect::load(path).map_err(ConfigError)?,
        None => Vec::new(),
    };
    let expected = report::expect::Matched::new(&expectations, &verdicts, args.filter.is_empty());
    // After the run: the files loading read are hashed, not read again.
    let hash = suite_hash_of_trials(&roots, &discovered);
    let mut report = Report::new(info.clone(), labels, hash, &verdicts);
    if args.timestamp {
        report.generated_at = Some(sigv4_conformance::Timestamp::now().rfc3339());
    }
    for case in &mut report.cases {
        case.expected_failure = expected.held(&case.id).cloned();
    }
    if let Some(path) = &args.json {
        write(path, report.to_json().as_bytes())?;
    }
    if let Some(path) = &args.markdown {
        write(path, report::markdown::summary(&report).as_bytes())?;
    }
    if let Some(path) = &args.junit {
        let reason = |id: &str| expected.held(id).map(|e| e.reason.clone());
        write(
            path,
            report::junit::render(&info, &verdicts, &reason).as_bytes(),
        )?;
    }
    if let Some(path) = &args.badge {
        write(path, report::badge::render(&summary).as_bytes())?;
    }
    if args.github {
        super::github::publish(&trials, &verdicts, &report, &|id| {
            expected.held(id).is_some()
        })?;
    }
    for (e, outcome) in &expected.outcomes {
        say!("{}", outcome.line(e));
    }
    say!(
        "{} passed, {} failed, {} errored, {} skipped",
        summary.passed,
        summary.failed,
        summary.errored,
        summary.skipped
    );
    let changes = match &args.baseline {
        Some(path) => {
            let changes = report::compare::compare(&read_report(path)?, &report);
            say!(
                "against the baseline {}:\n{}",
                path.display(),
                report::compare::render_text(&changes).trim_end()
            );
            Some(changes)
        }
        None => None,
    };
    Ok(
        if report::gate::passes(&verdicts, &expected, changes.as_deref()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
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

fn print_verdicts(verdicts: &[Verdict], verbose: bool) {
    for verdict in verdicts {
        match verdict.status {
            Status::Pass | Status::Skip if verbose => {
                let reason = if verdict.status == Status::Skip {
                    format!(" ({})", verdict.message)
                } else {
                    String::new()
                };
                say!("{:<5} {}{reason}", status_word(verdict.status), verdict.id)
            }
            Status::Pass | Status::Skip => {}
            Status::Fail | Status::Error => say!("{}", message::render(verdict)),
        }
    }
    say!("{}", report::summary::table(verdicts).trim_end());
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Skip => "skip",
    }
}
