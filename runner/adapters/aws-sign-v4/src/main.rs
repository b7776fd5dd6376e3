//! sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the `aws-sign-v4`
//! crate (`AwsSign::new(...).sign()`, an Authorization header). Header mode only. See README.md
//! for how every context key maps.

#[path = "../../rust-common/input.rs"]
#[allow(dead_code)]
mod input;
#[path = "../../rust-common/serve.rs"]
#[allow(dead_code)]
mod serve;

use std::process::ExitCode;

use aws_sign_v4::AwsSign;
use chrono::{DateTime, Utc};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Map as JsonMap, Value};

use input::{Context, Request};
use serve::{Mode, Outcome};

/// The aws-sign-v4 version pinned in Cargo.toml; a test keeps them equal.
const AWS_SIGN_V4_VERSION: &str = "0.3.0";

fn main() -> ExitCode {
    let hello = json!({
        "type": "hello",
        "protocol": 1,
        "implementation": {"name": "aws-sign-v4", "version": AWS_SIGN_V4_VERSION, "language": "rust"},
        "modes": ["header"],
        "stages": ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization"],
    });
    serve::serve("aws-sign-v4-adapter", hello, sign)
}

fn sign(mode: Mode, ctx: &Context, req: &Request) -> Outcome {
    if mode != Mode::Header {
        return Outcome::Skip(
            "aws-sign-v4 only makes an Authorization header: no presigning".into(),
        );
    }
    let s3 = ctx.service == "s3";
    if ctx.payload_hash.is_some() {
        return Outcome::Skip(
            "payload_hash: aws-sign-v4 always hashes the body it is given".into(),
        );
    }
    let has = |name: &str| {
        req.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if ctx.sign_body.unwrap_or(s3) && !has("x-amz-content-sha256") {
        return Outcome::Skip(
            "sign_body: aws-sign-v4 never adds x-amz-content-sha256, and the request has none"
                .into(),
        );
    }
    let datetime: DateTime<Utc> = DateTime::from(ctx.time);
    let mut alterations = Vec::new();
    let unsigned: Vec<String> = ctx
        .unsigned_headers
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut headers = HeaderMap::new();
    for (name, value) in &req.headers {
        if unsigned.contains(&name.to_ascii_lowercase()) {
            continue; // sent, but not handed to the signer: AwsSign signs every header it gets
        }
        let name = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => name,
            Err(e) => {
                return Outcome::Error(
                    format!("http::HeaderName refused {name:?}: {e}"),
                    alterations,
                )
            }
        };
        let value = match HeaderValue::from_str(value) {
            Ok(value) => value,
            Err(e) => {
                return Outcome::Error(
                    format!("http::HeaderValue refused {value:?}: {e}"),
                    alterations,
                )
            }
        };
        headers.append(name, value);
    }
    // The crate's documented use: the caller puts X-Amz-Date (and any token) in the headers.
    if !has("x-amz-date") {
        let stamp = datetime.format("%Y%m%dT%H%M%SZ").to_string();
        if let Ok(value) = HeaderValue::from_str(&stamp) {
            headers.insert("x-amz-date", value);
        }
        alterations.push(format!("X-Amz-Date: {stamp} added to the headers (aws-sign-v4 never adds it; its README has the caller insert it)"));
    }
    if let (Some(token), false) = (&ctx.token, ctx.omit_session_token) {
        if !has("x-amz-security-token") {
            match HeaderValue::from_str(token) {
                Ok(value) => {
                    headers.insert("x-amz-security-token", value);
                }
                Err(e) => {
                    return Outcome::Error(
                        format!("http::HeaderValue refused the token: {e}"),
                        alterations,
                    )
                }
            }
            alterations.push("X-Amz-Security-Token added to the headers (aws-sign-v4 has no session-token support)".into());
        }
    }
    let host = serve::host(req).unwrap_or_default();
    let url = format!("https://{host}{}", target(req));
    let signer = AwsSign::new(
        &req.method,
        &url,
        &datetime,
        &headers,
        &ctx.region,
        &ctx.access_key_id,
        &ctx.secret_access_key,
        &ctx.service,
        &req.body,
    );
    let canonical = signer.canonical_request();
    let string_to_sign =
        aws_sign_v4::string_to_sign(&datetime, &ctx.region, &canonical, &ctx.service);
    let authorization = signer.sign();
    let mut stages = JsonMap::new();
    stages.insert("canonical_request".into(), Value::from(canonical));
    stages.insert("string_to_sign".into(), Value::from(string_to_sign));
    if let Ok(key) =
        aws_sign_v4::signing_key(&datetime, &ctx.secret_access_key, &ctx.region, &ctx.service)
    {
        stages.insert("signing_key".into(), Value::from(hex(&key)));
    }
    if let Some((_, signature)) = authorization.rsplit_once("Signature=") {
        stages.insert("signature".into(), Value::from(signature));
    }
    stages.insert("authorization".into(), Value::from(authorization));
    Outcome::Stages(stages, alterations)
}

/// The request target: path, then `?` and the raw query when there is one.
fn target(req: &Request) -> String {
    match &req.query {
        Some(query) => format!("{}?{query}", req.path),
        None => req.path.clone(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_version_is_the_pinned_one() {
        let pin = format!("aws-sign-v4 = \"={}\"", super::AWS_SIGN_V4_VERSION);
        assert!(include_str!("../Cargo.toml").contains(&pin));
    }
}
