//! What `serve`, `check-url`, `check-request` and `explain` share: the credentials and rules
//! requests are checked against, and how a verdict is printed.

use super::secret_key;
use crate::ConfigError;
use clap::Args;

#[derive(Args)]
pub struct VerifyCredentialArgs {
    /// The access key requests must be signed with. `check-request` and `check-url` without it
    /// check each request against its own access key, scope and time, as `explain` does.
    #[arg(long, value_name = "AK")]
    access_key: Option<String>,
    /// Its secret (never printed). Default: the SIGV4_SECRET_KEY environment variable.
    #[arg(long, value_name = "SK")]
    secret_key: Option<String>,
    /// The session token of temporary credentials: requests must carry it as X-Amz-Security-Token.
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// The region of the credential scope (default us-east-1).
    #[arg(long, value_name = "R")]
    region: Option<String>,
    /// The service of the credential scope (default: any; s3 with --s3).
    #[arg(long, value_name = "S")]
    service: Option<String>,
    /// Behave as S3: its signing rules (no path normalisation, single encoding,
    /// x-amz-content-sha256 required and checked, every x-amz-* header signed) and its error codes.
    #[arg(long)]
    s3: bool,
    /// Normalise the path (default: yes, but for S3), when the endpoint differs from its
    /// service's default.
    #[arg(long, value_name = "BOOL")]
    normalize: Option<bool>,
    /// For testing only: a fixed server time (RFC 3339, e.g. 2015-08-30T12:36:00Z) instead of
    /// the system clock, to check requests signed at a fixed time (the suite's vectors). Not for
    /// real use: a request dated near that time is then accepted forever, replayed or not.
    #[arg(long, value_name = "TIME")]
    clock: Option<String>,
}

/// What requests are checked against: a server's one credential, or each request's own claim.
pub enum Checked {
    /// The settings given on the command line, and the fixed clock, if any.
    Server(
        sigv4_conformance::serve::Config,
        Option<sigv4_conformance::Timestamp>,
    ),
    /// Each request's own access key, scope and time (`explain`), with the secret and rules given.
    OwnClaim(sigv4_conformance::explain::Known),
}

/// What `check-request` and `check-url` check against: the server settings given, or without
/// `--access-key` each request's own claim.
pub fn checked(
    args: &VerifyCredentialArgs,
    headers: Vec<(String, String)>,
    method: Option<String>,
) -> Result<Checked, ConfigError> {
    if args.access_key.is_some() {
        let (config, clock) = verify_config(args)?;
        return Ok(Checked::Server(config, clock));
    }
    if args.token.is_some()
        || args.region.is_some()
        || args.service.is_some()
        || args.clock.is_some()
    {
        return Err(ConfigError(
            "--token, --region, --service and --clock describe a server's credential: give --access-key too (without it each request is checked against its own claim)".to_string(),
        ));
    }
    Ok(Checked::OwnClaim(sigv4_conformance::explain::Known {
        secret_access_key: secret_key(args.secret_key.clone())?,
        normalize: args.normalize,
        headers,
        method,
    }))
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
    let Some(access_key) = args.access_key.clone() else {
        return Err(ConfigError("--access-key is required".to_string()));
    };
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
            access_key,
            secret: sigv4_conformance::SecretKey::new(secret),
            token: args.token.clone(),
            region: args
                .region
                .clone()
                .unwrap_or_else(|| "us-east-1".to_string()),
            service,
            s3: args.s3,
            normalize: args.normalize,
        },
        clock,
    ))
}

pub fn print_check(label: &str, many: bool, verdict: &sigv4_conformance::serve::Answer) {
    if many {
        say!("== {label}");
    }
    say!(
        "{}",
        sigv4_conformance::serve::render::text(verdict).trim_end()
    );
}
