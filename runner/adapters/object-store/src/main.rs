//! sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the AWS SigV4 signer
//! of Apache Arrow's `object_store` crate: `object_store::aws::AwsAuthorizer::try_authorize`, its
//! public way to sign an `HttpRequest` (Authorization header). Header mode only: presigning
//! (`sign_with`) is `pub(crate)`, reachable only through an `AmazonS3` store's own object URLs.
//! See README.md for how every context key maps.

#[path = "../../rust-common/clock.rs"]
mod clock;
#[path = "../../rust-common/input.rs"]
#[allow(dead_code)]
mod input;
#[path = "../../rust-common/serve.rs"]
#[allow(dead_code)]
mod serve;

use std::process::ExitCode;

use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::client::HttpRequest;
use serde_json::{json, Map as JsonMap, Value};

use input::{Context, Request};
use serve::{Mode, Outcome};

/// The object_store version pinned in Cargo.toml; a test keeps them equal.
const OBJECT_STORE_VERSION: &str = "0.14.2";

fn main() -> ExitCode {
    if let Err(e) = clock::ensure() {
        eprintln!("object-store-adapter: {e}");
    }
    let hello = json!({
        "type": "hello",
        "protocol": 1,
        "implementation": {"name": "object_store", "version": OBJECT_STORE_VERSION, "language": "rust"},
        "modes": ["header"],
        "stages": ["signature", "authorization"],
    });
    serve::serve("object-store-adapter", hello, sign)
}

fn sign(mode: Mode, ctx: &Context, req: &Request) -> Outcome {
    match run(mode, ctx, req) {
        Ok(outcome) => outcome,
        Err(skip) => Outcome::Skip(skip),
    }
}

fn run(mode: Mode, ctx: &Context, req: &Request) -> Result<Outcome, String> {
    if mode != Mode::Header {
        return Err("object_store presigns only through an AmazonS3 store's object URLs (sign_with is pub(crate))".into());
    }
    let s3 = ctx.service == "s3";
    if !ctx.sign_body.unwrap_or(s3) {
        return Err(
            "sign_body false: AwsAuthorizer always sets and signs x-amz-content-sha256".into(),
        );
    }
    if !s3 && ctx.normalize == Some(false) && !serve::normalize_is_noop(&req.path) {
        return Err("normalize false: AwsAuthorizer parses the URI with url::Url, which always removes dot segments".into());
    }
    if ctx.double_uri_encode.is_some_and(|double| double != !s3)
        && !serve::encoding_is_noop(&req.path)
    {
        return Err("double_uri_encode: AwsAuthorizer encodes twice for every service but s3, once for s3, with no switch".into());
    }
    if !ctx.unsigned_headers.is_empty() {
        return Err("unsigned_headers: AwsAuthorizer signs every header but authorization, content-length and user-agent, with no switch".into());
    }
    if ctx.omit_session_token && ctx.token.is_some() {
        return Err("omit_session_token: AwsAuthorizer always signs the session token".into());
    }
    // The payload hash: the library hashes the body itself unless told otherwise.
    let mut sign_payload = true;
    let mut digest = None;
    match ctx.payload_hash.as_deref() {
        None => {}
        Some("UNSIGNED-PAYLOAD") => sign_payload = false,
        Some(hex) => match decode_hex(hex) {
            Some(bytes) => digest = Some(bytes),
            None => return Err(format!("payload_hash {hex:?}: try_authorize takes a digest (bytes) or UNSIGNED-PAYLOAD only")),
        },
    }
    let host = serve::host(req)
        .ok_or("the request needs exactly one Host header: the URI needs an authority")?;
    let target = match &req.query {
        Some(query) => format!("{}?{query}", req.path),
        None => req.path.clone(),
    };
    // The Host header is the URI's authority: try_authorize signs the URL's host and removes
    // any Host header ("let the client set it").
    let mut builder = http::Request::builder()
        .method(req.method.as_str())
        .uri(format!("https://{host}{target}"));
    for (name, value) in req
        .headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
    {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut request: HttpRequest = match builder.body(req.body.clone().into()) {
        Ok(request) => request,
        Err(e) => {
            return Ok(Outcome::Error(
                format!("http::Request refused the request: {e}"),
                Vec::new(),
            ))
        }
    };
    let credential = AwsCredential {
        key_id: ctx.access_key_id.clone(),
        secret_key: ctx.secret_access_key.clone(),
        token: ctx.token.clone(),
    };
    let authorizer =
        AwsAuthorizer::new(&credential, &ctx.service, &ctx.region).with_sign_payload(sign_payload);
    if let Err(e) = clock::set(ctx.time) {
        return Ok(Outcome::Error(e, Vec::new()));
    }
    if let Err(e) = authorizer.try_authorize(&mut request, digest.as_deref()) {
        return Ok(Outcome::Error(
            format!("object_store refused: {e}"),
            Vec::new(),
        ));
    }
    let authorization = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut stages = JsonMap::new();
    if let Some((_, signature)) = authorization.rsplit_once("Signature=") {
        stages.insert("signature".into(), Value::from(signature));
    }
    stages.insert("authorization".into(), Value::from(authorization));
    Ok(Outcome::Stages(stages, Vec::new()))
}

/// A 64-digit hex SHA-256 as its 32 bytes (representation only: the library takes bytes).
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_version_is_the_pinned_one() {
        let pin = format!(
            "object_store = {{ version = \"={}\"",
            super::OBJECT_STORE_VERSION
        );
        assert!(include_str!("../Cargo.toml").contains(&pin));
    }

    #[test]
    fn decode_hex() {
        let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(super::decode_hex(hash).map(|b| b.len()), Some(32));
        assert_eq!(
            super::decode_hex("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            None
        );
    }
}
