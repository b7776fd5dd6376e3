//! Signs a request and prints every stage of its signature, each the exact text the SigV4
//! specification defines, in header mode and in query (presigned URL) mode.
//!
//! ```text
//! cargo run --example sign_stages                           # a request written below
//! cargo run --example sign_stages -- suite/v4/get-vanilla   # a case folder: request.txt, context.json
//! ```

use sigv4_conformance::{Context, Mode, Request, Signer};
use std::error::Error;
use std::fmt::Display;
use std::path::PathBuf;

/// A request as it goes on the wire (the `request.txt` format: `\n` line ends). Its `%20` is
/// encoded again in the canonical URI (`%2520`), as SigV4 does for every service but S3; the
/// header value's spaces are trimmed and collapsed.
const REQUEST: &[u8] = b"GET /photos/2015/a%20b.jpg?size=large&format=jpeg HTTP/1.1\n\
Host:example.amazonaws.com\n\
X-Amz-Meta-Tag:  holiday   photos \n";

/// What signing needs besides the request (the `context.json` format).
const CONTEXT: &[u8] = br#"{
    "credentials": {
        "access_key_id": "AKIDEXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    },
    "region": "us-east-1",
    "service": "service",
    "timestamp": "2015-08-30T12:36:00Z"
}"#;

fn main() -> Result<(), Box<dyn Error>> {
    let (request, context) = match std::env::args_os().nth(1).map(PathBuf::from) {
        Some(case) => (
            std::fs::read(case.join("request.txt"))?,
            std::fs::read(case.join("context.json"))?,
        ),
        None => (REQUEST.to_vec(), CONTEXT.to_vec()),
    };
    let request = Request::parse(&request)?;
    let context = Context::from_json(&context)?;
    // One signer for many requests: it caches signing keys.
    let signer = Signer::new();
    for mode in Mode::ALL {
        let signed = signer.sign(&request, &context, mode)?;
        println!("===== {mode} mode\n");
        stage("canonical request", &signed.canonical_request);
        stage("credential scope", signed.scope);
        stage("string to sign", &signed.string_to_sign);
        stage("signing key (hex)", &signed.signing_key);
        stage("signature", &signed.signature);
        if let Some(authorization) = signed.authorization() {
            stage("Authorization header", authorization);
        }
        if let Some(url) = signed.presigned_url() {
            stage("presigned URL", url);
        }
        stage("signed request", signed.signed_request());
    }
    Ok(())
}

fn stage(name: &str, artifact: impl Display) {
    println!("--- {name}\n{artifact}\n");
}
