//! What `serve`, `check-url` and `check-request` share: the credentials and rules requests are
//! checked against, and how a verdict is printed.

use super::secret_key;
use crate::ConfigError;
use clap::Args;

#[derive(Args)]
pub struct VerifyCredentialArgs {
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

/// The verification settings and the fixed clock, if any.
pub fn verify_config(
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

pub fn print_check(label: &str, many: bool, verdict: &sigv4_conformance::serve::Verdict) {
    if many {
        say!("== {label}");
    }
    say!(
        "{}",
        sigv4_conformance::serve::render::text(verdict).trim_end()
    );
}
