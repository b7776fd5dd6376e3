//! sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for `reqsign-aws-v4`, the
//! AWS SigV4 signer of Apache OpenDAL's reqsign: `reqsign_core::Signer` with a
//! `StaticCredentialProvider` and a `RequestSigner`. See README.md for how every context key
//! maps.

mod capture;
#[path = "../../rust-common/clock.rs"]
mod clock;
#[path = "../../rust-common/input.rs"]
#[allow(dead_code)]
mod input;
#[path = "../../rust-common/serve.rs"]
#[allow(dead_code)]
mod serve;

use std::process::ExitCode;
use std::time::Duration;

use reqsign_aws_v4::{RequestSigner, StaticCredentialProvider};
use reqsign_core::{Context as ReqsignContext, Signer};
use serde_json::{json, Map as JsonMap, Value};

use input::{Context, Request};
use serve::{Mode, Outcome};

/// The reqsign-aws-v4 version pinned in Cargo.toml; a test keeps them equal.
const REQSIGN_AWS_V4_VERSION: &str = "3.3.1";

fn main() -> ExitCode {
    if let Err(e) = clock::ensure() {
        eprintln!("reqsign-adapter: {e}");
    }
    let capturing = capture::install();
    let mut stages = Vec::new();
    if capturing {
        stages.push("string_to_sign");
    }
    stages.extend(["signature", "authorization", "presigned_url"]);
    let hello = json!({
        "type": "hello",
        "protocol": 1,
        "implementation": {"name": "reqsign-aws-v4", "version": REQSIGN_AWS_V4_VERSION, "language": "rust"},
        "modes": ["header", "query"],
        "stages": stages,
    });
    serve::serve("reqsign-adapter", hello, sign)
}

fn sign(mode: Mode, ctx: &Context, req: &Request) -> Outcome {
    match run(mode, ctx, req) {
        Ok(outcome) => outcome,
        Err(skip) => Outcome::Skip(skip),
    }
}

fn run(mode: Mode, ctx: &Context, req: &Request) -> Result<Outcome, String> {
    let s3 = ctx.service == "s3";
    if ctx.normalize.unwrap_or(true) && !s3 && !serve::normalize_is_noop(&req.path) {
        return Err("normalize: reqsign never normalises the path and has no switch to".into());
    }
    if ctx.double_uri_encode.unwrap_or(!s3) && !serve::encoding_is_noop(&req.path) {
        return Err("double_uri_encode: reqsign encodes the path once (S3 style) and has no switch to encode it twice".into());
    }
    if !ctx.unsigned_headers.is_empty() {
        return Err("unsigned_headers: reqsign signs every header of the request and has no switch to leave one out".into());
    }
    if ctx.omit_session_token && ctx.token.is_some() {
        return Err("omit_session_token: reqsign always signs the session token".into());
    }
    let own_hash = req
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-content-sha256"))
        .map(|(_, value)| value.clone());
    // reqsign's one input for the payload hash is an x-amz-content-sha256 request header, which
    // it signs; without one it signs UNSIGNED-PAYLOAD (and, in header mode, adds that header).
    let mut set_hash = None;
    let expires_in = match mode {
        Mode::Header => {
            if !ctx.sign_body.unwrap_or(s3) {
                return Err("sign_body false: reqsign always signs an x-amz-content-sha256 header in header mode".into());
            }
            let hash = match &ctx.payload_hash {
                Some(literal) => literal.clone(),
                // The crate's own helper, as its examples compute the header.
                None => reqsign_core::hash::hex_sha256(&req.body),
            };
            match &own_hash {
                Some(own) if *own != hash => {
                    return Err("the request's own x-amz-content-sha256 differs from the payload hash meant: reqsign's only input for it".into())
                }
                Some(_) => {}
                None => set_hash = Some(hash),
            }
            None
        }
        Mode::Query => {
            let meant = ctx
                .payload_hash
                .clone()
                .or_else(|| s3.then(|| "UNSIGNED-PAYLOAD".to_owned()));
            if own_hash.is_none() && meant.as_deref() != Some("UNSIGNED-PAYLOAD") {
                return Err("query mode: reqsign presigns UNSIGNED-PAYLOAD unless given a (signed) x-amz-content-sha256 header".into());
            }
            let seconds =
                u64::try_from(ctx.expiration_in_seconds.unwrap_or(3600)).map_err(|_| {
                    "a negative expiration_in_seconds: expires_in is a Duration".to_owned()
                })?;
            Some(Duration::from_secs(seconds))
        }
    };
    let host = serve::host(req)
        .ok_or("the request needs exactly one Host header: the URI needs an authority")?;
    let target = match &req.query {
        Some(query) => format!("{}?{query}", req.path),
        None => req.path.clone(),
    };
    let mut builder = http::Request::builder()
        .method(req.method.as_str())
        .uri(format!("https://{host}{target}"));
    for (name, value) in &req.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(hash) = &set_hash {
        builder = builder.header("x-amz-content-sha256", hash.as_str());
    }
    let (mut parts, ()) = match builder.body(()) {
        Ok(request) => request.into_parts(),
        Err(e) => {
            return Ok(Outcome::Error(
                format!("http::Request refused the request: {e}"),
                Vec::new(),
            ))
        }
    };
    let mut credentials = StaticCredentialProvider::new(&ctx.access_key_id, &ctx.secret_access_key);
    if let Some(token) = &ctx.token {
        credentials = credentials.with_session_token(token);
    }
    let signer = Signer::new(
        ReqsignContext::new(),
        credentials,
        RequestSigner::new(&ctx.service, &ctx.region),
    );
    if let Err(e) = clock::set(ctx.time) {
        return Ok(Outcome::Error(e, Vec::new()));
    }
    capture::clear();
    if let Err(e) = pollster::block_on(signer.sign(&mut parts, expires_in)) {
        return Ok(Outcome::Error(format!("reqsign refused: {e}"), Vec::new()));
    }
    let mut stages = JsonMap::new();
    if let Some(sts) = capture::take() {
        stages.insert("string_to_sign".into(), Value::from(sts));
    }
    match mode {
        Mode::Header => {
            let authorization = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if let Some((_, signature)) = authorization.rsplit_once("Signature=") {
                stages.insert("signature".into(), Value::from(signature));
            }
            stages.insert("authorization".into(), Value::from(authorization));
        }
        Mode::Query => {
            let url = parts.uri.to_string();
            if let Some(signature) = url.rsplit_once("X-Amz-Signature=").map(|(_, s)| s) {
                stages.insert(
                    "signature".into(),
                    Value::from(signature.split('&').next().unwrap_or_default()),
                );
            }
            stages.insert("presigned_url".into(), Value::from(url));
        }
    }
    Ok(Outcome::Stages(stages, Vec::new()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_version_is_the_pinned_one() {
        let pin = format!("reqsign-aws-v4 = \"={}\"", super::REQSIGN_AWS_V4_VERSION);
        assert!(include_str!("../Cargo.toml").contains(&pin));
    }
}
