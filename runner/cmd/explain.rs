//! `explain`: is this signed request or presigned URL right, and if not, at which stage and by
//! which known mistake.

use super::{parse_headers, secret_key};
use crate::ConfigError;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExplainArgs {
    /// A file holding the raw signed request, Authorization header included.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "url",
        required_unless_present = "url"
    )]
    request: Option<PathBuf>,
    /// A presigned URL.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The secret access key (never printed). Default: the SIGV4_SECRET_KEY environment variable.
    #[arg(long, value_name = "SECRET")]
    secret_key: Option<String>,
    /// Normalise the path (default: yes, but for S3).
    #[arg(long, value_name = "BOOL")]
    normalize: Option<bool>,
    /// Presigned URL: a header its X-Amz-SignedHeaders names, `Name: value` (repeatable; every
    /// signed header but Host is needed, since a URL does not carry their values).
    #[arg(long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Presigned URL: the method it is used with (default GET).
    #[arg(long)]
    method: Option<String>,
}

pub fn explain(args: ExplainArgs) -> Result<ExitCode, ConfigError> {
    use sigv4_conformance::explain::{explain_request, explain_url, Known};
    let secret = secret_key(args.secret_key)?;
    let headers = parse_headers(&args.headers)?;
    let known = Known {
        secret_access_key: secret,
        normalize: args.normalize,
        headers,
        method: args.method,
    };
    let result = match (&args.request, &args.url) {
        (Some(path), _) => {
            let bytes = std::fs::read(path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            explain_request(&bytes, &known)
        }
        (None, Some(url)) => explain_url(url, &known),
        (None, None) => return Err(ConfigError("give --request FILE or --url URL".to_string())),
    };
    let explanation = result.map_err(|e| ConfigError(e.to_string()))?;
    say!("{}", explanation.render().trim_end());
    Ok(if explanation.right {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
