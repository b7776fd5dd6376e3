//! `check-url`: presigned URLs checked as `serve` would (against the server credential given, or
//! without `--access-key` against each URL's own claim, as `explain --url`).

use super::parse_headers;
use super::verify::{checked, print_check, Checked, VerifyCredentialArgs};
use crate::ConfigError;
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckUrlArgs {
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

pub fn check_urls(args: CheckUrlArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::serve::{request_from_url, verify};
    let headers = parse_headers(&args.headers)?;
    let checked = checked(
        &args.credentials,
        headers.clone(),
        Some(args.method.clone()),
    )?;
    let signer = sigv4_conformance::Signer::new();
    let mut all_right = true;
    for url in &args.urls {
        let verdict = match &checked {
            Checked::Server(config, clock) => {
                let now = clock.unwrap_or_else(sigv4_conformance::Timestamp::now);
                let request =
                    request_from_url(url, Some(&args.method), &headers).map_err(ConfigError)?;
                verify(&request, config, &signer, now)
            }
            Checked::OwnClaim(known) => {
                sigv4_conformance::explain::explain_url(url, known)
                    .map_err(|e| ConfigError(format!("{url}: {e}")))?
                    .verdict
            }
        };
        all_right &= verdict.accepted();
        print_check(url, args.urls.len() > 1, &verdict);
    }
    Ok(if all_right {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
