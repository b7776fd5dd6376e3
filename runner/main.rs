//! `sigv4-conformance`: run the SigV4 conformance suite against a signer, lint a suite, serve the
//! reference signer over the adapter protocol.
//!
//! Exit status: 0 when every case passed or was skipped, 1 when any failed or errored (or lint
//! found a problem), 2 on a usage or configuration error.

use clap::{Args, Parser, Subcommand};
use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::check::{message, Status, Verdict};
use sigv4_conformance::implementation::{Implementation, Reference};
use sigv4_conformance::report::{self, json::Report, json::Summary};
use sigv4_conformance::run::{embedded_suite, list_trials, run_all, suite_hash, TrialRef};
use sigv4_conformance::{lint, suite};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    /// Run the suite against the reference signer (or an adapter) and print a summary.
    Run(RunArgs),
    /// Check a suite's files against each other, with no signer.
    Lint(LintArgs),
    /// Serve the reference signer over adapter protocol v1 on stdin/stdout.
    Adapter(AdapterArgs),
    /// Differential fuzzing: generated requests against a signer, divergences diagnosed, grouped
    /// and shrunk to minimal fixtures.
    Fuzz(FuzzArgs),
    /// Combine JSON reports of several implementations into a conformance matrix.
    Report(ReportArgs),
    /// What changed between two reports: regressions, fixes, stage and diagnosis changes, cases
    /// added or removed. Exit 1 on any regression.
    Compare(CompareArgs),
    /// Is this signed request (or presigned URL) right? If not, which stage and which known
    /// mistake explain it. Exit 0 when right, 1 when wrong.
    Explain(ExplainArgs),
    /// Print the catalogue of known signer mistakes as Markdown (docs/diagnosis.md).
    Catalogue,
    #[command(flatten)]
    Verify(VerifyCommand),
}

#[derive(Args)]
struct ExplainArgs {
    /// A file holding the raw signed request, Authorization header included.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "url",
        required_unless_present = "url"
    )]
    request: Option<PathBuf>,
    /// A presigned URL.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The secret access key (never printed). Default: the SIGV4_SECRET_KEY environment variable.
    #[arg(long, value_name = "SECRET")]
    secret_key: Option<String>,
    /// Normalise the path (default: yes, but for S3).
    #[arg(long, value_name = "BOOL")]
    normalize: Option<bool>,
    /// Presigned URL: a header its X-Amz-SignedHeaders names, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Presigned URL: the method it is used with (default GET).
    #[arg(long)]
    method: Option<String>,
}

#[derive(Args)]
struct AdapterArgs {
    /// Serve the mistake model making these known mistakes instead of the reference (a
    /// deliberately broken signer): catalogue ids, `timestamp-not-utc=MINUTES`,
    /// `scope-date-format=full|dashed` (repeatable).
    #[arg(long = "mistake", value_name = "ID")]
    mistakes: Vec<String>,
}

#[derive(Args)]
struct FuzzArgs {
    /// The signer under test (adapter protocol v1).
    #[arg(long, value_name = "COMMAND")]
    adapter: String,
    /// Stop after N cases (default 10000 when --time is not given).
    #[arg(long, value_name = "N", conflicts_with = "time")]
    cases: Option<u64>,
    /// Stop after this long: `30s`, `5m`, `1h`.
    #[arg(long, value_name = "DURATION")]
    time: Option<String>,
    /// The seed (default: from the clock; always printed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Write one shrunk fixture per group of divergences under DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Adapter processes to run side by side.
    #[arg(long, value_name = "N", default_value_t = 1)]
    jobs: usize,
    /// Run the K-th of N disjoint slices of the campaign (`0/4` .. `3/4`).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Write a JSON report (schema 1): the campaign's counts, one case per group of divergences.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Seconds a case may wait for its answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    timeout: f64,
}

#[derive(Args)]
struct CompareArgs {
    /// The baseline report (`run --json`).
    baseline: PathBuf,
    /// The current report.
    current: PathBuf,
    /// Print Markdown instead of text.
    #[arg(long)]
    markdown: bool,
}

#[derive(Args)]
struct ReportArgs {
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
    /// Write a Markdown summary (for $GITHUB_STEP_SUMMARY) to FILE, atomically.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
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
    /// Seconds a case may wait for its answer before the adapter is restarted and the case fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    timeout: f64,
    /// Adapter processes to run side by side.
    #[arg(long, value_name = "N", default_value_t = 1)]
    jobs: usize,
}

#[derive(Args)]
struct LintArgs {
    /// Suite folder to lint (repeatable). Default: the suite embedded in this binary.
    #[arg(long = "suite", value_name = "DIR")]
    suites: Vec<PathBuf>,
}

/// A usage or configuration error: exit status 2.
struct ConfigError(String);

/// `println!` that ends the process quietly when stdout is closed (`run | head`) instead of
/// panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if writeln!(out, $($arg)*).is_err() {
            std::process::exit(141);
        }
    }};
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Lint(args) => lint(args),
        Command::Adapter(args) => serve(args),
        Command::Fuzz(args) => fuzz(args),
        Command::Report(args) => combine(args),
        Command::Compare(args) => compare(args),
        Command::Explain(args) => explain(args),
        Command::Catalogue => {
            say!(
                "{}",
                sigv4_conformance::diagnose::catalogue::markdown().trim_end()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(command) => verify_command(command),
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
    let implementations = implementations(args.adapter.as_deref(), args.timeout, args.jobs)?;
    let workers: Vec<&dyn Implementation> = implementations.iter().map(|i| i.as_ref()).collect();
    let info = workers[0].info();
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprint!("running {} trials against {} ...", trials.len(), info.name);
    }
    let verdicts = run_all(&trials, &workers);
    if progress {
        eprint!("\r\x1b[2K");
    }
    print_verdicts(&verdicts, args.verbose);
    let summary = Summary::of(&verdicts);
    let expectations = match &args.expect {
        Some(path) => report::expect::load(path).map_err(ConfigError)?,
        None => Vec::new(),
    };
    let outcomes = report::expect::evaluate(&expectations, &verdicts, args.filter.is_empty());
    let expected_reason = |id: &str| {
        outcomes
            .iter()
            .find(|(e, o)| e.id == id && *o == report::expect::Outcome::AsExpected)
            .map(|(e, _)| e.reason.clone())
    };
    let hash = roots
        .iter()
        .map(|r| suite_hash(r))
        .collect::<Vec<_>>()
        .join(",");
    let mut report = Report::new(info.clone(), labels, hash, &verdicts);
    if args.timestamp {
        report.generated_at = Some(sigv4_conformance::Timestamp::now().rfc3339());
    }
    for case in &mut report.cases {
        if let Some((e, _)) = outcomes
            .iter()
            .find(|(e, o)| e.id == case.id && *o == report::expect::Outcome::AsExpected)
        {
            case.expected_failure = Some((*e).clone());
        }
    }
    if let Some(path) = &args.json {
        write(path, report.to_json().as_bytes())?;
    }
    if let Some(path) = &args.markdown {
        write(path, report::markdown::summary(&report).as_bytes())?;
    }
    if let Some(path) = &args.junit {
        write(
            path,
            report::junit::render(&info, &verdicts, &expected_reason).as_bytes(),
        )?;
    }
    if let Some(path) = &args.badge {
        write(path, report::badge::render(&summary).as_bytes())?;
    }
    let mut ok = true;
    for (e, outcome) in &outcomes {
        match outcome {
            report::expect::Outcome::AsExpected => {
                say!("expected failure: {} at {}: {}", e.id, e.stage, e.reason)
            }
            report::expect::Outcome::Passed => {
                ok = false;
                say!(
                    "STALE EXPECTATION: {} passes now: remove it from the list ({})",
                    e.id,
                    e.reason
                );
            }
            report::expect::Outcome::Other(what) => {
                ok = false;
                say!(
                    "STALE EXPECTATION: {} was expected to fail at {}, but {what}",
                    e.id,
                    e.stage
                );
            }
            report::expect::Outcome::Missing => {
                ok = false;
                say!("STALE EXPECTATION: {} is not a trial of this run", e.id);
            }
            report::expect::Outcome::Skipped => {
                say!("expected failure: {} was skipped by the signer", e.id)
            }
        }
    }
    let unexpected = verdicts
        .iter()
        .filter(|v| {
            matches!(v.status, Status::Fail | Status::Error) && expected_reason(&v.id).is_none()
        })
        .count();
    say!(
        "{} passed, {} failed, {} errored, {} skipped",
        summary.passed,
        summary.failed,
        summary.errored,
        summary.skipped
    );
    match &args.baseline {
        Some(path) => {
            let baseline = read_report(path)?;
            let changes = report::compare::compare(&baseline, &report);
            say!(
                "against the baseline {}:\n{}",
                path.display(),
                report::compare::render_text(&changes).trim_end()
            );
            ok &= !report::compare::has_regression(&changes);
        }
        None => ok &= unexpected == 0,
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_report(path: &std::path::Path) -> Result<Report, ConfigError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    Report::from_json(&bytes).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
}

fn compare(args: CompareArgs) -> Result<ExitCode, ConfigError> {
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

fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), ConfigError> {
    report::write_atomic(path, bytes)
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    say!("wrote {}", path.display());
    Ok(())
}

fn combine(args: ReportArgs) -> Result<ExitCode, ConfigError> {
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

/// The reference signer, or `--jobs` adapter processes.
/// The reference signer, or `jobs` sessions of the adapter `command`.
fn implementations(
    adapter: Option<&str>,
    timeout: f64,
    jobs: usize,
) -> Result<Vec<Box<dyn Implementation>>, ConfigError> {
    let Some(command) = adapter else {
        return Ok(vec![Box::new(Reference::new())]);
    };
    let mut config = AdapterConfig::new(command.to_string());
    config.timeout = positive_seconds("--timeout", timeout)?;
    let mut adapters: Vec<Box<dyn Implementation>> = Vec::new();
    for _ in 0..jobs.max(1) {
        let adapter = Adapter::start(config.clone()).map_err(ConfigError)?;
        if let Some(reason) = adapter.given_up() {
            eprintln!("warning: {reason}");
        }
        adapters.push(Box::new(adapter));
    }
    Ok(adapters)
}

/// A flag's number of seconds, which must be positive and finite.
fn positive_seconds(flag: &str, seconds: f64) -> Result<Duration, ConfigError> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(duration) if seconds > 0.0 => Ok(duration),
        _ => Err(ConfigError(format!(
            "{flag} must be a positive number of seconds, got {seconds}"
        ))),
    }
}

/// `--header "Name: value"` flags as (name, value) pairs, both trimmed.
fn parse_headers(flags: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    flags
        .iter()
        .map(|header| {
            let (name, value) = header.split_once(':').ok_or_else(|| {
                ConfigError(format!("--header {header:?}: expected `Name: value`"))
            })?;
            Ok((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The secret key from `--secret-key`, or else from `SIGV4_SECRET_KEY`.
fn secret_key(flag: Option<String>) -> Result<String, ConfigError> {
    flag.or_else(|| std::env::var("SIGV4_SECRET_KEY").ok())
        .ok_or_else(|| {
            ConfigError("give the secret key with --secret-key or SIGV4_SECRET_KEY".to_string())
        })
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

fn lint(args: LintArgs) -> Result<ExitCode, ConfigError> {
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

fn explain(args: ExplainArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::explain::{explain_request, explain_url, Known};
    let secret = secret_key(args.secret_key)?;
    let headers = parse_headers(&args.headers)?;
    let known = Known {
        secret_access_key: secret,
        normalize: args.normalize,
        headers,
        method: args.method,
    };
    let result = match (&args.request, &args.url) {
        (Some(path), _) => {
            let bytes = std::fs::read(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            explain_request(&bytes, &known)
        }
        (None, Some(url)) => explain_url(url, &known),
        (None, None) => return Err(ConfigError("give --request FILE or --url URL".to_string())),
    };
    let explanation = result.map_err(|e| ConfigError(e.to_string()))?;
    say!("{}", explanation.render().trim_end());
    Ok(if explanation.right {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `30s`, `5m`, `1h`, or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, ConfigError> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len()),
    );
    let value: f64 = number
        .parse()
        .map_err(|_| ConfigError(format!("--time {text:?}: expected e.g. 30s, 5m, 1h")))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(ConfigError(format!(
                "--time {text:?}: the unit is s, m or h"
            )))
        }
    };
    Ok(Duration::from_secs_f64(seconds))
}

fn fuzz(args: FuzzArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::fuzz::{campaign, shrink, write};
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let (shard, shards) = match &args.shard {
        None => (0, 1),
        Some(text) => {
            let parsed = text
                .split_once('/')
                .and_then(|(k, n)| Some((k.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
            match parsed {
                Some((k, n)) if n > 0 && k < n => (k, n),
                _ => {
                    return Err(ConfigError(format!(
                        "--shard {text:?}: expected K/N with 0 <= K < N"
                    )))
                }
            }
        }
    };
    let limit = match &args.time {
        Some(t) => campaign::Limit::Time(parse_duration(t)?),
        None => campaign::Limit::Cases(args.cases.unwrap_or(10_000)),
    };
    let implementations = implementations(Some(&args.adapter), args.timeout, args.jobs)?;
    let workers: Vec<&dyn Implementation> = implementations.iter().map(|i| i.as_ref()).collect();
    let info = workers[0].info();
    let plan = campaign::Plan {
        seed,
        shard,
        shards,
        limit,
    };
    let bar = indicatif::ProgressBar::new_spinner();
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed} {pos} cases ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let outcome = campaign::run(&plan, &workers, |o| {
        bar.set_position(o.cases);
        bar.set_message(format!(
            "{} divergent in {} groups, {} errors",
            o.divergent,
            o.groups.len(),
            o.errors.len()
        ));
    });
    bar.finish_and_clear();
    let rate = outcome.cases as f64 / outcome.elapsed.as_secs_f64().max(1e-9);
    say!("fuzz: seed {seed}, shard {shard}/{shards}, {} cases in {:.1}s ({rate:.0} cases/s) against {} {}", outcome.cases, outcome.elapsed.as_secs_f64(), info.name, info.version);
    say!(
        "{} passed, {} failed, {} errored, {} skipped",
        outcome.passed,
        outcome.divergent,
        outcome.errored,
        outcome.skipped
    );
    let mut verdicts = Vec::new();
    for ((stage, diagnosis), finding) in &outcome.groups {
        say!(
            "\ndivergence at {stage} ({diagnosis}), {} cases, first: case {}",
            finding.count,
            finding.case.index
        );
        let shrunk = shrink::shrink(&finding.case, stage, workers[0], 400);
        say!(
            "shrunk to:\n{}",
            String::from_utf8_lossy(&shrunk.request_bytes).trim_end()
        );
        if let Some(out) = &args.out {
            let dir = write::write_fixture(
                out,
                seed,
                finding,
                &shrunk,
                &format!("{} {}", info.name, info.version),
            )
            .map_err(|e| ConfigError(format!("cannot write under {}: {e}", out.display())))?;
            say!("fixture: {}", dir.display());
        }
        verdicts.push(finding.verdict.clone());
    }
    for (message, finding) in &outcome.errors {
        say!(
            "\nerror ({} cases), first: case {}: {message}",
            finding.count,
            finding.case.index
        );
        verdicts.push(finding.verdict.clone());
    }
    if let Some(path) = &args.json {
        let mut report = Report::new(
            info,
            vec![format!("fuzz seed {seed} shard {shard}/{shards}")],
            String::new(),
            &verdicts,
        );
        report.summary = Summary {
            passed: outcome.passed as usize,
            failed: outcome.divergent as usize,
            errored: outcome.errored as usize,
            skipped: outcome.skipped as usize,
        };
        write(path, report.to_json().as_bytes())?;
    }
    Ok(if outcome.divergent == 0 && outcome.errored == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn serve(args: AdapterArgs) -> Result<ExitCode, ConfigError> {
    let mistakes = if args.mistakes.is_empty() {
        None
    } else {
        Some(
            sigv4_conformance::diagnose::model::Mistakes::parse(&args.mistakes)
                .map_err(ConfigError)?,
        )
    };
    let stdin = std::io::stdin().lock();
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match sigv4_conformance::adapter::serve::serve_with(stdin, stdout, mistakes) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(ConfigError(format!("adapter: {e}"))),
    }
}

// The verifying endpoint: `serve`, `check-url`, `check-request` (src/serve).

#[derive(Subcommand)]
enum VerifyCommand {
    /// An HTTP/1.1 endpoint (loopback) that checks the signature of every request it receives, as
    /// it arrived: 200 with a JSON verdict, or AWS's error with where it went wrong and why.
    Serve(ServeArgs),
    /// Check presigned URLs as `serve` would. Exit 0 when every one is right, 1 when any is not.
    CheckUrl(CheckUrlArgs),
    /// Check raw signed requests (files as sent on the wire, or request.txt) as `serve` would.
    /// Exit 0 when every one is right, 1 when any is not.
    CheckRequest(CheckRequestArgs),
}

#[derive(Args)]
struct VerifyCredentialArgs {
    /// The access key requests must be signed with.
    #[arg(long, value_name = "AK")]
    access_key: String,
    /// Its secret (never printed). Default: the SIGV4_SECRET_KEY environment variable.
    #[arg(long, value_name = "SK")]
    secret_key: Option<String>,
    /// The session token of temporary credentials: requests must carry it as X-Amz-Security-Token.
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// The region of the credential scope.
    #[arg(long, value_name = "R", default_value = "us-east-1")]
    region: String,
    /// The service of the credential scope (default: any; s3 with --s3).
    #[arg(long, value_name = "S")]
    service: Option<String>,
    /// Behave as S3: its signing rules (no path normalisation, single encoding,
    /// x-amz-content-sha256 required and checked, every x-amz-* header signed) and its error codes.
    #[arg(long)]
    s3: bool,
    /// For testing only: a fixed server time (RFC 3339, e.g. 2015-08-30T12:36:00Z) instead of
    /// the system clock, to check requests signed at a fixed time (the suite's vectors). Not for
    /// real use: a request dated near that time is then accepted forever, replayed or not.
    #[arg(long, value_name = "TIME")]
    clock: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    credentials: VerifyCredentialArgs,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one). A non-loopback
    /// address must be written as an IP address.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Append every verdict to this JSON report (schema 1), written per request, and one line
    /// per request to a FILE.jsonl sidecar; both readable by their owner only. A field of a case
    /// keeps at most 4 KiB.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Largest body accepted, in bytes (K, M, G, KiB, MiB, GiB suffixes allowed); 413 beyond.
    #[arg(long, value_name = "BYTES", default_value = "16MiB")]
    max_body: String,
    /// Largest header section, in bytes; 431 beyond.
    #[arg(long, value_name = "BYTES", default_value = "64KiB")]
    max_header: String,
    /// Seconds allowed for a header section (and the idle time of a kept-alive connection), and
    /// again for a body, and for writing a response.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    read_timeout: f64,
    /// Threads that serve connections, each any number of them (default: one per CPU).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Connections open at once; more wait to be accepted until one closes.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_connections: usize,
    /// Diagnoses of wrong signatures running at once (default: half the CPUs, at least 1). A
    /// wrong request that finds them all running is answered at once, without its diagnosis
    /// (the answer says so: DiagnosisSkipped).
    #[arg(long, value_name = "N")]
    max_diagnoses: Option<usize>,
    /// Seconds a wrong request waits for its diagnosis; past them it is answered without it.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    diagnosis_budget: f64,
}

#[derive(Args)]
struct CheckUrlArgs {
    #[command(flatten)]
    credentials: VerifyCredentialArgs,
    /// The method the URLs are used with.
    #[arg(long, default_value = "GET")]
    method: String,
    /// A header sent with the URL, `Name: value` (repeatable); signed when X-Amz-SignedHeaders
    /// names it.
    #[arg(long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Presigned URLs.
    #[arg(required = true, value_name = "URL")]
    urls: Vec<String>,
}

#[derive(Args)]
struct CheckRequestArgs {
    #[command(flatten)]
    credentials: VerifyCredentialArgs,
    /// Files holding one signed request each (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

fn verify_command(command: VerifyCommand) -> Result<ExitCode, ConfigError> {
    match command {
        VerifyCommand::Serve(args) => serve_http(args),
        VerifyCommand::CheckUrl(args) => check_urls(args),
        VerifyCommand::CheckRequest(args) => check_requests(args),
    }
}

/// The verification settings and the fixed clock, if any.
fn verify_config(
    args: &VerifyCredentialArgs,
) -> Result<
    (
        sigv4_conformance::serve::Config,
        Option<sigv4_conformance::Timestamp>,
    ),
    ConfigError,
> {
    let secret = secret_key(args.secret_key.clone())?;
    let clock = match &args.clock {
        Some(text) => Some(
            sigv4_conformance::Timestamp::parse_rfc3339(text)
                .map_err(|e| ConfigError(format!("--clock: {e}")))?,
        ),
        None => None,
    };
    let service = args
        .service
        .clone()
        .or_else(|| args.s3.then(|| "s3".to_string()));
    Ok((
        sigv4_conformance::serve::Config {
            access_key: args.access_key.clone(),
            secret: sigv4_conformance::SecretKey::new(secret),
            token: args.token.clone(),
            region: args.region.clone(),
            service,
            s3: args.s3,
        },
        clock,
    ))
}

/// `16MiB`, `64K`, `1000` -> bytes.
fn parse_bytes(flag: &str, text: &str) -> Result<u64, ConfigError> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let unit: u64 = match t[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => 0,
    };
    t[..digits]
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            ConfigError(format!(
                "{flag} {text:?}: expected a positive number of bytes such as 65536, 64KiB or 16MiB"
            ))
        })
}

fn serve_http(args: ServeArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::serve::{http::Limits, listen_address, Server, ServerConfig};
    let (config, clock) = verify_config(&args.credentials)?;
    let read_timeout = positive_seconds("--read-timeout", args.read_timeout)?;
    let max_header = parse_bytes("--max-header", &args.max_header)?;
    let limits = Limits {
        max_header_bytes: usize::try_from(max_header).unwrap_or(usize::MAX),
        max_body_bytes: parse_bytes("--max-body", &args.max_body)?,
        read_timeout,
        write_timeout: read_timeout,
    };
    let (addr, outside) = listen_address(args.listen.as_deref()).map_err(ConfigError)?;
    let report = match &args.report {
        Some(path) => Some(
            sigv4_conformance::serve::report::ReportSink::open(path, "serve")
                .map_err(ConfigError)?,
        ),
        None => None,
    };
    let summary = format!(
        "access key {}, region {}, service {}, {} rules, clock {}",
        config.access_key,
        config.region,
        config.service.as_deref().unwrap_or("any"),
        if config.s3 {
            "S3"
        } else {
            "SigV4 (S3's for scope s3)"
        },
        clock.map_or("system".to_string(), |c| format!(
            "fixed at {}",
            c.rfc3339()
        ))
    );
    let mut server_config = ServerConfig::new(config);
    server_config.limits = limits;
    if let Some(workers) = args.workers {
        server_config.workers = workers.max(1);
    }
    server_config.max_connections = args.max_connections.max(1);
    if let Some(diagnoses) = args.max_diagnoses {
        server_config.max_diagnoses = diagnoses.max(1);
    }
    server_config.diagnosis_budget = positive_seconds("--diagnosis-budget", args.diagnosis_budget)?;
    server_config.clock = clock;
    server_config.report = report;
    let server = Server::bind(addr, server_config)
        .map_err(|e| ConfigError(format!("cannot listen on {addr}: {e}")))?;
    let local = server
        .local_addr()
        .map_err(|e| ConfigError(format!("cannot listen on {addr}: {e}")))?;
    say!("listening on http://{local}");
    eprintln!("serve: checking requests signed with {summary}");
    if outside {
        eprintln!("serve: warning: {local} is not a loopback address: anyone who can reach it gets canonical requests and diagnoses of what they send");
    }
    server
        .run()
        .map_err(|e| ConfigError(format!("serve: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn print_check(label: &str, many: bool, verdict: &sigv4_conformance::serve::Verdict) {
    if many {
        say!("== {label}");
    }
    say!(
        "{}",
        sigv4_conformance::serve::render::text(verdict).trim_end()
    );
}

fn check_urls(args: CheckUrlArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::serve::{request_from_url, verify};
    let (config, clock) = verify_config(&args.credentials)?;
    let headers = parse_headers(&args.headers)?;
    let signer = sigv4_conformance::Signer::new();
    let now = clock.unwrap_or_else(sigv4_conformance::Timestamp::now);
    let mut all_right = true;
    for url in &args.urls {
        let request = request_from_url(url, Some(&args.method), &headers).map_err(ConfigError)?;
        let verdict = verify(&request, &config, &signer, now);
        all_right &= verdict.accepted();
        print_check(url, args.urls.len() > 1, &verdict);
    }
    Ok(if all_right {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn check_requests(args: CheckRequestArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::serve::{request_from_file, verify};
    use std::io::Read as _;
    let (config, clock) = verify_config(&args.credentials)?;
    let signer = sigv4_conformance::Signer::new();
    let now = clock.unwrap_or_else(sigv4_conformance::Timestamp::now);
    let mut all_right = true;
    for path in &args.files {
        let bytes = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| ConfigError(format!("cannot read standard input: {e}")))?;
            bytes
        } else {
            std::fs::read(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?
        };
        let verdict = match request_from_file(&bytes) {
            Ok(request) => verify(&request, &config, &signer, now),
            Err(unreadable) => unreadable,
        };
        all_right &= verdict.accepted();
        print_check(&path.display().to_string(), args.files.len() > 1, &verdict);
    }
    Ok(if all_right {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
