//! One module per subcommand, and the helpers several of them use.

pub mod adapter;
pub mod catalogue;
pub mod check_request;
pub mod check_url;
pub mod compare;
pub mod explain;
pub mod faulty_adapter;
pub mod fuzz;
pub mod github;
pub mod lint;
pub mod probe;
pub mod report;
pub mod run;
pub mod serve;
mod verify;

use crate::{embedded, ConfigError};
use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::implementation::{Implementation, Reference};
use sigv4_conformance::report::json::Report;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The suite folders to use and their labels for reports.
pub fn resolve_suites(suites: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<String>), ConfigError> {
    if suites.is_empty() {
        let dir = embedded::suite().map_err(ConfigError)?;
        return Ok((vec![dir], vec!["embedded".to_string()]));
    }
    Ok((
        suites.to_vec(),
        suites.iter().map(|p| p.display().to_string()).collect(),
    ))
}

pub fn read_report(path: &Path) -> Result<Report, ConfigError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    Report::from_json(&bytes).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    sigv4_conformance::report::write_atomic(path, bytes)
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    say!("wrote {}", path.display());
    Ok(())
}

/// The `after_help` of `run` and `fuzz`: every limit the adapter driver enforces.
pub const ADAPTER_LIMITS: &str = "\
Adapter limits (docs/adapter-protocol.md, \"Faults\"):
  --hello-timeout  the adapter must answer the handshake within it (default 20 s), or it is given
                   up on at once; any other failed handshake is retried once
  --timeout        a case with no answer for this long (default 5 s, counted from the adapter's
                   last answer) errors, and the adapter is restarted
  3 cases in a row timing out: the adapter is given up on; the remaining cases error at once
  lines are capped at 16 MiB either way: a longer answer errors its case; a request that would
                   be longer is never sent (its case errors as too large to send)
  an adapter that exits with requests in flight is restarted and the oldest of them is sent
                   again, alone: it errors only if the adapter dies on it again
  when stdin closes, the adapter has 2 s to exit; its process group is then killed
An adapter that cannot start, or never completes a handshake, is a configuration error (exit 2).";

/// `--jobs`: a whole number, 1 or more (0 is a usage error).
pub fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
}

/// The reference signer, or `jobs` sessions of the adapter `command`. An adapter that cannot
/// start or never completes its handshake is a configuration error: one message, exit 2.
pub fn implementations(
    adapter: Option<&str>,
    timeout: f64,
    hello_timeout: f64,
    jobs: usize,
) -> Result<Vec<Box<dyn Implementation>>, ConfigError> {
    let Some(command) = adapter else {
        return Ok(vec![Box::new(Reference::new())]);
    };
    if jobs == 0 {
        return Err(ConfigError("--jobs must be at least 1".to_string()));
    }
    let mut config = AdapterConfig::new(command.to_string());
    config.timeout = positive_seconds("--timeout", timeout)?;
    config.handshake_timeout = positive_seconds("--hello-timeout", hello_timeout)?;
    let mut adapters: Vec<Box<dyn Implementation>> = Vec::new();
    for _ in 0..jobs {
        let adapter = Adapter::start(config.clone()).map_err(ConfigError)?;
        if let Some(reason) = adapter.given_up() {
            return Err(ConfigError(format!(
                "the adapter {command:?} did not start: {reason}"
            )));
        }
        adapters.push(Box::new(adapter));
    }
    Ok(adapters)
}

/// Prints, on stderr, what the implementations noted that no verdict carries.
pub fn print_notes(implementations: &[Box<dyn Implementation>]) {
    for implementation in implementations {
        for note in implementation.notes() {
            eprintln!("note: {note}");
        }
    }
}

/// A flag's number of seconds, which must be positive and finite.
pub fn positive_seconds(flag: &str, seconds: f64) -> Result<Duration, ConfigError> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(duration) if seconds > 0.0 => Ok(duration),
        _ => Err(ConfigError(format!(
            "{flag} must be a positive number of seconds, got {seconds}"
        ))),
    }
}

/// `--header "Name: value"` flags as (name, value) pairs, both trimmed.
pub fn parse_headers(flags: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
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
pub fn secret_key(flag: Option<String>) -> Result<String, ConfigError> {
    flag.or_else(|| std::env::var("SIGV4_SECRET_KEY").ok())
        .ok_or_else(|| {
            ConfigError("give the secret key with --secret-key or SIGV4_SECRET_KEY".to_string())
        })
}
