//! One module per subcommand, and the helpers several of them use.

pub mod adapter;
pub mod catalogue;
pub mod check_request;
pub mod check_url;
pub mod compare;
pub mod explain;
pub mod fuzz;
pub mod lint;
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

/// The reference signer, or `jobs` sessions of the adapter `command`.
pub fn implementations(
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
pub fn positive_seconds(flag: &str, seconds: f64) -> Result<Duration, ConfigError> {
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err(ConfigError(format!(
            "{flag} must be a positive number of seconds, got {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
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
