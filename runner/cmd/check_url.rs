//! `check-url`: presigned URLs checked as `serve` would.

use super::parse_headers;
use super::verify::{print_check, verify_config, VerifyCredentialArgs};
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
