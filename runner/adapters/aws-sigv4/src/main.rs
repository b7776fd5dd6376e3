//! sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the `aws-sigv4` crate,
//! the SigV4 signer of the AWS SDK for Rust.
//!
//! Reads one JSON object per line on stdin, answers one per line on stdout (flushed per line),
//! writes diagnostics to stderr, exits 0 at end of input.

mod capture;
mod event_stream;
#[path = "../../rust-common/input.rs"]
mod input;
#[path = "../../rust-common/serve.rs"]
#[allow(
    dead_code,
    reason = "the shared loop's path helpers serve the other Rust adapters"
)]
mod serve;
mod signer;
mod streaming;

use std::process::ExitCode;

use serde_json::{json, Value};

/// The aws-sigv4 version pinned in Cargo.toml (`aws-sigv4 = "=1.6.4"`); a test keeps them equal.
const AWS_SIGV4_VERSION: &str = "1.6.4";

fn main() -> ExitCode {
    let capturing = capture::install();
    if !capturing {
        eprintln!("aws-sigv4-adapter: could not install the tracing subscriber");
    }
    serve::serve("aws-sigv4-adapter", hello(capturing), signer::run)
}

fn hello(capturing: bool) -> Value {
    let mut stages = Vec::new();
    if capturing {
        stages.extend(["canonical_request", "string_to_sign"]);
    }
    stages.extend(["signing_key", "signature", "authorization", "presigned_url"]);
    stages.extend(["chunk_signatures", "trailer_signature", "event_signatures"]);
    json!({
        "type": "hello",
        "protocol": 1,
        "implementation": {"name": "aws-sigv4", "version": AWS_SIGV4_VERSION, "language": "rust"},
        "modes": ["header", "query"],
        "stages": stages,
        "algorithms": ["AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_version_is_the_pinned_one() {
        let manifest = include_str!("../Cargo.toml");
        let pin = format!("\"={}\"", super::AWS_SIGV4_VERSION);
        let line = manifest
            .lines()
            .find(|l| l.starts_with("aws-sigv4 ="))
            .unwrap_or_default();
        assert!(
            line.contains(&pin),
            "Cargo.toml's aws-sigv4 line lacks {pin}: {line:?}"
        );
    }
}
