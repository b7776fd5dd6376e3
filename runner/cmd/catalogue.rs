//! `catalogue`: the known signer mistakes as Markdown (docs/diagnosis.md).

use crate::ConfigError;
use std::process::ExitCode;

pub fn catalogue() -> Result<ExitCode, ConfigError> {
    say!(
        "{}",
        sigv4_conformance::diagnose::catalogue::markdown().trim_end()
    );
    Ok(ExitCode::SUCCESS)
}
