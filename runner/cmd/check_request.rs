//! `check-request`: raw signed requests checked as `serve` would (against the server credential
//! given, or without `--access-key` against each request's own claim, as `explain --request`).
//! An `aws-chunked` request's body is checked chunk by chunk by `serve`'s decoder.

use super::verify::{checked, print_check, Checked, VerifyCredentialArgs};
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
    use sigv4_conformance::serve::chunked::check_whole_body;
    use sigv4_conformance::serve::{request_from_file, verify};
    use std::io::Read as _;
    let checked = checked(&args.credentials, Vec::new(), None)?;
    let signer = sigv4_conformance::Signer::new();
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
        let verdict = match (request_from_file(&bytes), &checked) {
            (Err(unreadable), _) => unreadable,
            (Ok(request), Checked::Server(config, clock)) => {
                let now = clock.unwrap_or_else(sigv4_conformance::Timestamp::now);
                let mut verdict = verify(&request, config, &signer, now);
                // An aws-chunked body, chunk by chunk, as `serve` decodes it.
                check_whole_body(&request, &config.secret, &mut verdict);
                verdict
            }
            (Ok(request), Checked::OwnClaim(known)) => {
                sigv4_conformance::explain::explain(&request, known)
                    .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
                    .verdict
            }
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
