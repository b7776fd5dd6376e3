//! `check-request`: raw signed requests checked as `serve` would.

use super::verify::{print_check, verify_config, VerifyCredentialArgs};
use crate::ConfigError;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckRequestArgs {
    #[command(flatten)]
    credentials: VerifyCredentialArgs,
    /// Files holding one signed request each (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn check_requests(args: CheckRequestArgs) -> Result<ExitCode, ConfigError> {
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
