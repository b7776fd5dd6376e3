//! sigv4-conformance adapter, protocol v1 (docs/adapter-protocol.md), for the `rusty-s3` crate:
//! `rusty_s3::signing::sign`, the function every rusty-s3 action presigns its URL with. Query
//! (presigned URL) mode only. See README.md for how every context key maps.

#[path = "../../rust-common/input.rs"]
#[allow(dead_code)]
mod input;
#[path = "../../rust-common/serve.rs"]
#[allow(dead_code)]
mod serve;

use std::borrow::Cow;
use std::process::ExitCode;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use rusty_s3::{Map, Method};
use serde_json::{json, Map as JsonMap, Value};
use url::Url;

use input::{Context, Request};
use serve::{Mode, Outcome};

/// The rusty-s3 version pinned in Cargo.toml; a test keeps them equal.
const RUSTY_S3_VERSION: &str = "0.11.0";

fn main() -> ExitCode {
    let hello = json!({
        "type": "hello",
        "protocol": 1,
        "implementation": {"name": "rusty-s3", "version": RUSTY_S3_VERSION, "language": "rust"},
        "modes": ["query"],
        "stages": ["signature", "presigned_url"],
    });
    serve::serve("rusty-s3-adapter", hello, sign)
}

fn sign(mode: Mode, ctx: &Context, req: &Request) -> Outcome {
    match presign(mode, ctx, req) {
        Ok(outcome) => outcome,
        Err(skip) => Outcome::Skip(skip),
    }
}

fn presign(mode: Mode, ctx: &Context, req: &Request) -> Result<Outcome, String> {
    if mode != Mode::Query {
        return Err("rusty-s3 only presigns URLs: it has no Authorization header mode".into());
    }
    if ctx.service != "s3" {
        return Err(format!(
            "service {:?}: rusty-s3 signs for service s3 only",
            ctx.service
        ));
    }
    if ctx
        .payload_hash
        .as_deref()
        .is_some_and(|hash| hash != "UNSIGNED-PAYLOAD")
    {
        return Err("payload_hash: rusty-s3 always presigns UNSIGNED-PAYLOAD".into());
    }
    if ctx.double_uri_encode == Some(true) && !serve::encoding_is_noop(&req.path) {
        return Err("double_uri_encode: rusty-s3 signs the path as given (S3) and has no switch to encode it".into());
    }
    if ctx.omit_session_token && ctx.token.is_some() {
        return Err("omit_session_token: rusty-s3 always signs the token it is given".into());
    }
    let expires = u64::try_from(ctx.expiration_in_seconds.unwrap_or(3600))
        .map_err(|_| "a negative expiration_in_seconds: sign() takes a u64".to_owned())?;
    let method = match req.method.as_str() {
        "HEAD" => Method::Head,
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        other => {
            return Err(format!(
                "method {other:?}: rusty_s3::Method has no such variant"
            ))
        }
    };
    let host = serve::host(req)
        .ok_or("the request needs exactly one Host header: the URL needs a host")?;
    // The path goes in the URL as it came on the wire (sign() wants it percent-encoded already);
    // the query goes in a Map, which replaces the URL's query.
    let url = match Url::parse(&format!("https://{host}{}", req.path)) {
        Ok(url) => url,
        Err(e) => {
            return Ok(Outcome::Error(
                format!("url::Url refused the URL: {e}"),
                Vec::new(),
            ));
        }
    };
    let mut query = Map::new();
    for pair in req
        .query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        query.append(decode(key)?, decode(value)?);
    }
    let unsigned: Vec<String> = ctx
        .unsigned_headers
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut headers = Map::new();
    for (name, value) in &req.headers {
        let name = name.to_ascii_lowercase();
        if name != "host" && !unsigned.contains(&name) {
            headers.append(name, value.as_str());
        }
    }
    let time = jiff::Timestamp::try_from(ctx.time).map_err(|e| format!("timestamp: {e}"))?;
    let signed = rusty_s3::signing::sign(
        &time,
        method,
        url,
        &ctx.access_key_id,
        &ctx.secret_access_key,
        ctx.token.as_deref(),
        &ctx.region,
        Duration::from_secs(expires).as_secs(),
        query.iter(),
        headers.iter(),
    );
    let mut stages = JsonMap::new();
    if let Some((_, signature)) = signed.query_pairs().find(|(k, _)| k == "X-Amz-Signature") {
        stages.insert("signature".into(), Value::from(signature.into_owned()));
    }
    stages.insert("presigned_url".into(), Value::from(signed.to_string()));
    Ok(Outcome::Stages(stages, Vec::new()))
}

/// Percent-decodes one query key or value (RFC 3986: `+` stays a plus): Map takes decoded text.
fn decode(text: &str) -> Result<Cow<'_, str>, String> {
    percent_decode_str(text)
        .decode_utf8()
        .map_err(|_| format!("the query part {text:?} is not UTF-8 once decoded: Map takes text"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_version_is_the_pinned_one() {
        let pin = format!("rusty-s3 = {{ version = \"={}\"", super::RUSTY_S3_VERSION);
        assert!(include_str!("../Cargo.toml").contains(&pin));
    }
}
