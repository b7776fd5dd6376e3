//! `sigv4-conformance`: run the SigV4 conformance suite against a signer, lint a suite, serve the
//! reference signer over the adapter protocol.
//!
//! Exit status: 0 when every case passed or was skipped, 1 when any failed or errored (or lint
//! found a problem), 2 on a usage or configuration error.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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

mod cmd;
mod embedded;

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
    #[command(after_help = cmd::ADAPTER_LIMITS)]
    Run(cmd::run::RunArgs),
    /// Check a suite's files against each other, with no signer.
    Lint(cmd::lint::LintArgs),
    /// Serve the reference signer over adapter protocol v1 on stdin/stdout.
    Adapter(cmd::adapter::AdapterArgs),
    /// Differential fuzzing: generated requests against a signer, divergences diagnosed, grouped
    /// and shrunk to minimal fixtures.
    #[command(after_help = cmd::ADAPTER_LIMITS)]
    Fuzz(cmd::fuzz::FuzzArgs),
    /// Combine JSON reports of several implementations into a conformance matrix.
    Report(cmd::report::ReportArgs),
    /// What changed between two reports: regressions, fixes, stage and diagnosis changes, cases
    /// added or removed. Exit 1 on any regression.
    Compare(cmd::compare::CompareArgs),
    /// Is this signed request (or presigned URL) right? If not, which stage and which known
    /// mistake explain it. Exit 0 when right, 1 when wrong. (`check-request` / `check-url`
    /// without `--access-key`: the same verifier, against the request's own claim.)
    Explain(cmd::explain::ExplainArgs),
    /// Print the catalogue of known signer mistakes as Markdown (docs/diagnosis.md).
    Catalogue,
    /// An HTTP/1.1 endpoint (loopback) that checks the signature of every request it receives, as
    /// it arrived: 200 with a JSON verdict, or AWS's error with where it went wrong and why.
    Serve(cmd::serve::ServeArgs),
    /// Check presigned URLs as `serve` would. Exit 0 when every one is right, 1 when any is not.
    CheckUrl(cmd::check_url::CheckUrlArgs),
    /// Check raw signed requests (files as sent on the wire, or request.txt) as `serve` would.
    /// Exit 0 when every one is right, 1 when any is not.
    CheckRequest(cmd::check_request::CheckRequestArgs),
    /// Which signed requests an S3-compatible server accepts that it must reject, and rejects
    /// that it must accept. Exit 0 when every probe was answered as expected, 1 otherwise.
    Probe(cmd::probe::ProbeArgs),
    /// A protocol v1 adapter that misbehaves on purpose (for the fault tests; see
    /// src/adapter/faulty.rs).
    #[command(hide = true)]
    FaultyAdapter(cmd::faulty_adapter::FaultyAdapterArgs),
}

/// A usage or configuration error: exit status 2.
struct ConfigError(String);

fn main() -> ExitCode {
    // `--version` adds the suite's hash, which is computed only when asked for.
    let first = std::env::args_os().nth(1);
    if first
        .as_ref()
        .is_some_and(|a| a == "--version" || a == "-V")
    {
        say!("{}", embedded::version());
        return ExitCode::SUCCESS;
    }
    let result = match Cli::parse().command {
        Command::Run(args) => cmd::run::run(args),
        Command::Lint(args) => cmd::lint::lint(args),
        Command::Adapter(args) => cmd::adapter::serve(args),
        Command::Fuzz(args) => cmd::fuzz::fuzz(args),
        Command::Report(args) => cmd::report::combine(args),
        Command::Compare(args) => cmd::compare::compare(args),
        Command::Explain(args) => cmd::explain::explain(args),
        Command::Catalogue => cmd::catalogue::catalogue(),
        Command::Serve(args) => cmd::serve::serve_http(args),
        Command::CheckUrl(args) => cmd::check_url::check_urls(args),
        Command::CheckRequest(args) => cmd::check_request::check_requests(args),
        Command::Probe(args) => cmd::probe::probe(args),
        Command::FaultyAdapter(args) => cmd::faulty_adapter::faulty_adapter(args),
    };
    match result {
        Ok(code) => code,
        Err(ConfigError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
