//! One `sign` request → aws-sigv4 1.6.4 → the stages it exposes.
//!
//! Context keys map 1:1 onto `SigningSettings` (see README.md). The request goes to the crate as
//! it is: what the crate refuses is an `error`, what it signs differently is reported as signed.
//! `skip` only when the case cannot be written as the crate's input (a URI) at all.

use std::borrow::Cow;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody,
    SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::{v4, v4a};
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::Map;
use sha2::{Digest, Sha256};

use crate::capture;
use crate::event_stream;
use crate::input::{Context, Request};
use crate::serve::{Mode, Outcome};
use crate::streaming;

/// The string to sign: traced whole (query mode), or its first three lines rebuilt from the
/// crate's x-amz-date (header mode), to be completed with the canonical request's hash.
enum StringToSign {
    Traced(String),
    Head(String),
}

/// Headers aws-sigv4 1.6.4 hides in its trace (`SIGV4_SENSITIVE_HEADERS`).
const REDACTED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-amz-security-token",
    "cookie",
    "set-cookie",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-md5",
];

pub fn run(mode: Mode, ctx: &Context, req: &Request) -> Outcome {
    let s3 = ctx.service == "s3";

    // --- Input the crate's request model cannot hold: skip, with the reason. ---
    if !req.path.starts_with('/') {
        return Outcome::Skip(format!(
            "request target path {:?} does not start with '/': SignableRequest takes an absolute \
             URI built as https://host + path, which cannot carry it unchanged",
            req.path
        ));
    }
    let Some(host) = req
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim_matches([' ', '\t']))
    else {
        return Outcome::Skip(
            "request has no Host header: the URI handed to SignableRequest needs a host".into(),
        );
    };
    // Header names and values go to the crate as they are: when http::HeaderName/HeaderValue
    // reject one (a folded continuation line kept as "\n" + the line, a CR, ...), sign() refuses,
    // and that refusal is the answer (an error), never a skip.
    let uri = match &req.query {
        Some(query) => format!("https://{host}{}?{query}", req.path),
        None => format!("https://{host}{}", req.path),
    };
    // The crate parses this string with http::Uri (SignableRequest::new): when it rejects it (a
    // raw space, ...), that refusal is the answer. When it accepts it but reads another target
    // (a '#' starts a fragment in a URI), the case's target cannot be handed to the crate as a URI.
    if let Ok(parsed) = uri.parse::<http::Uri>() {
        if parsed.path() != req.path || parsed.query() != req.query.as_deref() {
            return Outcome::Skip(format!(
                "the target cannot be written as the URI SignableRequest takes: http::Uri reads \
                 path {:?} query {:?} as {:?} {:?}",
                req.path,
                req.query,
                parsed.path(),
                parsed.query()
            ));
        }
    }
    let unsigned: Vec<String> = ctx
        .unsigned_headers
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    // --- Settings: the suite's context keys, 1:1. ---
    let mut settings = SigningSettings::default();
    settings.signature_location = match mode {
        Mode::Header => SignatureLocation::Headers,
        Mode::Query => SignatureLocation::QueryParams,
    };
    // The suite signs every header but those listed; replace the crate's default exclusions
    // (authorization, user-agent, x-amzn-trace-id, transfer-encoding).
    settings.excluded_headers = Some(unsigned.iter().cloned().map(Cow::Owned).collect());
    // `normalize` is never applied for s3 (suite/README.md).
    settings.uri_path_normalization_mode =
        UriPathNormalizationMode::from(!s3 && ctx.normalize.unwrap_or(true));
    settings.percent_encoding_mode = if ctx.double_uri_encode.unwrap_or(!s3) {
        PercentEncodingMode::Double
    } else {
        PercentEncodingMode::Single
    };
    // sign_body (default: true for s3) -> XAmzSha256 in both modes. The crate adds the signed
    // x-amz-content-sha256 header only when the signature goes into headers (canonical_request.rs,
    // headers()): in query mode it adds none, which is the suite's rule.
    settings.payload_checksum_kind = if ctx.sign_body.unwrap_or(s3) {
        PayloadChecksumKind::XAmzSha256
    } else {
        PayloadChecksumKind::NoHeader
    };
    if ctx.omit_session_token {
        settings.session_token_mode = SessionTokenMode::Exclude;
    }
    if mode == Mode::Query {
        let seconds = ctx.expiration_in_seconds.unwrap_or(3600);
        let Ok(seconds) = u64::try_from(seconds) else {
            return Outcome::Skip(format!(
                "expiration_in_seconds {seconds}: aws-sigv4's expires_in is a Duration, which \
                 cannot be negative"
            ));
        };
        // The crate does not check the 1..=604800 range itself: passed through as given.
        settings.expires_in = Some(Duration::from_secs(seconds));
    }
    let body = match &ctx.payload_hash {
        Some(hash) => SignableBody::Precomputed(hash.clone()),
        None if s3 && mode == Mode::Query => SignableBody::UnsignedPayload,
        None => SignableBody::Bytes(&req.body),
    };

    if let (Mode::Header, Some(stream)) = (mode, &ctx.event_stream) {
        if ctx.sigv4a {
            return Outcome::Skip(
                "event_stream with SigV4a: the crate's event_stream module signs with SigV4 only"
                    .into(),
            );
        }
        if let Some(reason) = event_stream::unsignable(stream) {
            return Outcome::Skip(reason);
        }
    }

    // --- Sign. ---
    let credentials = Credentials::new(
        ctx.access_key_id.clone(),
        ctx.secret_access_key.clone(),
        ctx.token.clone(),
        None,
        "sigv4-conformance",
    );
    let identity: Identity = credentials.into();
    // `algorithm` AWS4-ECDSA-P256-SHA256 -> the crate's v4a params; `region` is the region set.
    let params = if ctx.sigv4a {
        match v4a::SigningParams::builder()
            .identity(&identity)
            .region_set(&ctx.region)
            .name(&ctx.service)
            .time(ctx.time)
            .settings(settings)
            .build()
        {
            Ok(params) => params.into(),
            Err(e) => return Outcome::Error(format!("SigningParams: {e}"), Vec::new()),
        }
    } else {
        match v4::SigningParams::builder()
            .identity(&identity)
            .region(&ctx.region)
            .name(&ctx.service)
            .time(ctx.time)
            .settings(settings)
            .build()
        {
            Ok(params) => params.into(),
            Err(e) => return Outcome::Error(format!("SigningParams: {e}"), Vec::new()),
        }
    };
    let headers = req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let signable = match SignableRequest::new(&req.method, uri.as_str(), headers, body) {
        Ok(signable) => signable,
        Err(e) => return Outcome::Error(error_chain(&e), Vec::new()),
    };
    capture::clear();
    let output = match sign(signable, &params) {
        Ok(output) => output,
        Err(e) => return Outcome::Error(error_chain(&e), Vec::new()),
    };
    let traced = capture::take();
    let (instructions, signature) = output.into_parts();

    let mut stages = Map::new();
    stages.insert("signature".into(), signature.clone().into());
    // SigV4a: the crate's derived private scalar (the suite's signing_key stage for SigV4a).
    let signing_key: Vec<u8> = if ctx.sigv4a {
        v4a::generate_signing_key(&ctx.access_key_id, &ctx.secret_access_key)
            .as_ref()
            .to_vec()
    } else {
        v4::generate_signing_key(&ctx.secret_access_key, ctx.time, &ctx.region, &ctx.service)
            .as_ref()
            .to_vec()
    };
    stages.insert("signing_key".into(), hex(&signing_key).into());
    // An aws-chunked upload (header mode): the chunks and trailers after this seed.
    if let (Mode::Header, Some(chunk_size)) = (mode, ctx.chunk_size) {
        let marker = ctx
            .streaming
            .as_deref()
            .or(ctx.payload_hash.as_deref())
            .unwrap_or_default();
        let streaming = streaming::Streaming {
            marker,
            chunk_size,
            trailers: &ctx.trailers,
        };
        if let Err(e) = streaming::sign(
            &streaming,
            &signature,
            &identity,
            &ctx.region,
            &ctx.service,
            ctx.time,
            &req.body,
            &mut stages,
        ) {
            return Outcome::Error(e, Vec::new());
        }
    }
    // An event stream (header mode): the events after this request.
    if let (Mode::Header, Some(stream)) = (mode, &ctx.event_stream) {
        if let Err(e) = event_stream::sign(
            stream,
            &signature,
            &identity,
            &ctx.region,
            &ctx.service,
            &mut stages,
        ) {
            return Outcome::Error(e, Vec::new());
        }
    }
    let string_to_sign = match mode {
        Mode::Header => {
            let date_time = instructions
                .headers()
                .find(|(name, _)| *name == "x-amz-date")
                .map(|(_, value)| value.to_owned());
            match instructions
                .headers()
                .find(|(name, _)| *name == "authorization")
            {
                Some((_, authorization)) => {
                    stages.insert("authorization".into(), authorization.into());
                }
                None => eprintln!("aws-sigv4-adapter: aws-sigv4 returned no authorization header"),
            }
            // Not traced in header mode: rebuilt from the traced canonical request below and kept
            // only if the crate's own HMAC of it gives the crate's signature.
            date_time
                .filter(|dt| dt.len() >= 8 && dt.is_ascii())
                .map(|dt| {
                    let (algorithm, scope) = if ctx.sigv4a {
                        let scope = format!("{}/{}/aws4_request", &dt[..8], ctx.service);
                        ("AWS4-ECDSA-P256-SHA256", scope)
                    } else {
                        let scope =
                            format!("{}/{}/{}/aws4_request", &dt[..8], ctx.region, ctx.service);
                        ("AWS4-HMAC-SHA256", scope)
                    };
                    StringToSign::Head(format!("{algorithm}\n{dt}\n{scope}\n"))
                })
        }
        Mode::Query => {
            let mut signed = http::Request::new(());
            *signed.uri_mut() = uri.parse().expect("parsed above");
            instructions.apply_to_request_http1x(&mut signed);
            stages.insert("presigned_url".into(), signed.uri().to_string().into());
            traced.string_to_sign.clone().map(StringToSign::Traced)
        }
    };

    // --- Traced stages, kept only when they reproduce the crate's signature. ---
    match restore_redacted(traced.canonical_request.as_deref(), mode, ctx, req) {
        Err(why) => {
            eprintln!("aws-sigv4-adapter: {why}: canonical_request and string_to_sign not exposed")
        }
        Ok(creq) => {
            let creq_hash = hex(&Sha256::digest(creq.as_bytes()));
            let sts = string_to_sign.map(|sts| match sts {
                StringToSign::Head(head) => head + &creq_hash,
                StringToSign::Traced(sts) => sts,
            });
            match sts {
                None => eprintln!(
                    "aws-sigv4-adapter: string to sign unavailable: no traced stage exposed"
                ),
                Some(sts) => {
                    let hash_ok = sts.rsplit('\n').next() == Some(creq_hash.as_str());
                    // The crate's SigV4a signatures are deterministic (RFC 6979): recomputable.
                    let sig_ok = if ctx.sigv4a {
                        v4a::calculate_signature(&signing_key, sts.as_bytes()) == signature
                    } else {
                        v4::calculate_signature(&signing_key, sts.as_bytes()) == signature
                    };
                    if hash_ok && sig_ok {
                        stages.insert("canonical_request".into(), creq.into());
                        stages.insert("string_to_sign".into(), sts.into());
                    } else {
                        eprintln!(
                            "aws-sigv4-adapter: traced canonical request does not reproduce the signature \
                             (hash matches: {hash_ok}, signature matches: {sig_ok}): \
                             canonical_request and string_to_sign not exposed"
                        );
                    }
                }
            }
        }
    }
    Outcome::Stages(stages, Vec::new())
}

/// The traced canonical request with each `** redacted (length=N) **` value put back: the session
/// token, or the request's own values for that header (trimmed and comma-joined as the crate
/// does). Each restored value must have the traced length; the caller then checks the whole text
/// against the signature.
fn restore_redacted(
    traced: Option<&str>,
    mode: Mode,
    ctx: &Context,
    req: &Request,
) -> Result<String, String> {
    let traced = traced.ok_or("no canonical request was traced")?;
    let mut out = Vec::new();
    // Lines 0..3 are method, path, query; then header lines up to the first empty line.
    let mut in_headers = true;
    for (index, line) in traced.split('\n').enumerate() {
        if index < 3 || !in_headers {
            out.push(Cow::Borrowed(line));
            continue;
        }
        if line.is_empty() {
            in_headers = false;
            out.push(Cow::Borrowed(line));
            continue;
        }
        let (name, value) = line.split_once(':').ok_or("malformed traced header line")?;
        let Some(length) = redacted_length(value).filter(|_| REDACTED_HEADERS.contains(&name))
        else {
            out.push(Cow::Borrowed(line));
            continue;
        };
        let values: Vec<String> = match (&ctx.token, mode) {
            // Header mode: the crate inserts the token as x-amz-security-token, replacing any
            // header of that name in the request.
            (Some(token), Mode::Header) if name == "x-amz-security-token" => vec![token.clone()],
            _ => req
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| trim_all(v))
                .collect(),
        };
        // The trace reports the summed length of the values, without the joining commas.
        let total: usize = values.iter().map(String::len).sum();
        if total != length {
            return Err(format!(
                "redacted {name} has length {length}, the values to restore have {total}"
            ));
        }
        let restored = values.join(",");
        out.push(Cow::Owned(format!("{name}:{restored}")));
    }
    Ok(out.join("\n"))
}

fn redacted_length(value: &str) -> Option<usize> {
    value
        .strip_prefix("** redacted (length=")?
        .strip_suffix(") **")?
        .parse()
        .ok()
}

/// aws-sigv4's `trim_all`: trim spaces (only spaces) and squeeze runs of spaces to one.
fn trim_all(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.trim_matches(' ').chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        message.push_str(": ");
        message.push_str(&e.to_string());
        source = e.source();
    }
    message
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_all_matches_the_crate() {
        assert_eq!(trim_all("  a   b  c "), "a b c");
        assert_eq!(trim_all("\ta\t\tb "), "\ta\t\tb");
    }

    #[test]
    fn redacted_length_parses() {
        assert_eq!(redacted_length("** redacted (length=12) **"), Some(12));
        assert_eq!(redacted_length("plain"), None);
    }
}
