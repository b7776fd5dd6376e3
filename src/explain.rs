//! `explain`: is this signed request right, and if not, which stage and which known mistake?
//!
//! Takes one signed request as a user has it: the raw request with its `Authorization` header,
//! or a presigned URL. The access key, date, region, service and signed headers are read from the
//! request itself; the caller supplies only what a request never carries (the secret key).

use crate::check::compare::{stage_matches, Comparison};
use crate::context::{Context, Credentials, SecretKey};
use crate::diagnose::{diagnose, Diagnosis};
use crate::implementation::{stage_outputs, SignInput, StageOutputs};
use crate::request::{Header, Request};
use crate::sign::encoding::percent_decode;
use crate::sign::{Mode, Signer};
use crate::signed_parts::{authorization_field, query_param};
use crate::stage::Stage;
use crate::timestamp::Timestamp;
use std::fmt::Write;

/// What the caller knows beyond the request.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The secret key (required).
    pub secret_access_key: String,
    /// Service `s3`'s rules, normalisation, ... come from the scope; these override.
    pub normalize: Option<bool>,
    /// Extra headers a presigned URL's SignedHeaders names (a URL cannot carry their values).
    pub headers: Vec<(String, String)>,
    /// The method of a presigned URL (default GET).
    pub method: Option<String>,
}

/// Why a request cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainError(pub String);

impl std::fmt::Display for ExplainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The verdict on one signed request.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// True when the signature is right.
    pub right: bool,
    /// The part of the request that first differs (`Credential`, `SignedHeaders`, `Signature`...).
    pub first_difference: Option<String>,
    /// Expected vs found, per part, for the parts that differ.
    pub differences: Vec<(String, String, String)>,
    /// Known mistakes that reproduce the request's signature.
    pub diagnosis: Vec<Diagnosis>,
    /// The reference's canonical request and string to sign, to compare with the signer's own.
    pub canonical_request: String,
    /// The reference's string to sign.
    pub string_to_sign: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, ExplainError> {
    Err(ExplainError(message.into()))
}

/// The parts of `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
fn authorization_parts(value: &str) -> Result<(String, String, String), ExplainError> {
    let field = |key: &str| authorization_field(value, key);
    match (field("Credential"), field("SignedHeaders"), field("Signature")) {
        (Some(c), Some(h), Some(s)) => Ok((c, h, s)),
        _ => err("the Authorization header needs Credential=, SignedHeaders= and Signature= (AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...)"),
    }
}

/// `AKID/YYYYMMDD/region/service/aws4_request` -> (akid, region, service).
fn credential_parts(credential: &str) -> Result<(String, String, String, String), ExplainError> {
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [akid, date, region, service, "aws4_request"] => Ok((akid.to_string(), date.to_string(), region.to_string(), service.to_string())),
        _ => err(format!("the credential {credential:?} is malformed: expected AKID/YYYYMMDD/REGION/SERVICE/aws4_request")),
    }
}

fn context(
    akid: &str,
    region: &str,
    service: &str,
    time: Timestamp,
    token: Option<String>,
    known: &Known,
) -> Context {
    let mut context = Context::legacy_example(time);
    context.credentials = Credentials {
        access_key_id: akid.to_string(),
        secret_access_key: SecretKey::new(known.secret_access_key.clone()),
        token,
    };
    context.region = region.to_string();
    context.service = service.to_string();
    // Unset, the service decides (sign::settings, the one place service defaults live).
    context.normalize = known.normalize;
    context
}

fn explain_input(
    input: SignInput,
    actual: StageOutputs,
    parts: Vec<(String, String)>,
) -> Result<Explanation, ExplainError> {
    let signer = Signer::new();
    let signed = signer
        .sign(&input.request, &input.context, input.mode)
        .map_err(|e| ExplainError(e.to_string()))?;
    let expected = stage_outputs(&signed);
    let final_stage = Stage::carrier(input.mode);
    let how = Comparison::for_input(&input);
    let right = match (expected.get(&final_stage), actual.get(&final_stage)) {
        (Some(e), Some(a)) => stage_matches(final_stage, e, a, &how),
        _ => false,
    };
    let expected_parts: Vec<(String, String)> = match input.mode {
        Mode::Header => {
            let auth = String::from_utf8_lossy(
                expected
                    .get(&Stage::Authorization)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            )
            .into_owned();
            named_header_parts(authorization_parts(&auth)?)
        }
        Mode::Query => url_parts(
            expected
                .get(&Stage::PresignedUrl)
                .map(Vec::as_slice)
                .unwrap_or_default(),
        ),
    };
    let differences: Vec<(String, String, String)> = expected_parts
        .iter()
        .filter_map(|(name, want)| {
            let found = parts
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (found != *want).then(|| (name.clone(), want.clone(), found))
        })
        .collect();
    let diagnosis = if right {
        Vec::new()
    } else {
        diagnose(&input, &actual)
    };
    Ok(Explanation {
        right,
        first_difference: differences.first().map(|d| d.0.clone()),
        differences,
        diagnosis,
        canonical_request: signed.canonical_request.to_string(),
        string_to_sign: signed.string_to_sign.to_string(),
    })
}

/// Explains a raw signed request (a file as sent, with its `Authorization` header).
pub fn explain_request(bytes: &[u8], known: &Known) -> Result<Explanation, ExplainError> {
    let mut request =
        Request::parse(bytes).map_err(|e| ExplainError(format!("the request: {e}")))?;
    let authorization = request.header("authorization").ok_or_else(|| {
        ExplainError(
            "the request has no Authorization header (for a presigned URL use --url)".into(),
        )
    })?;
    let auth_value = String::from_utf8_lossy(&authorization.folded_value())
        .trim()
        .to_string();
    let (credential, signed_headers, signature) = authorization_parts(&auth_value)?;
    let (akid, _date, region, service) = credential_parts(&credential)?;
    let date_header = request.header("x-amz-date").ok_or_else(|| {
        ExplainError(
            "the request has no X-Amz-Date header: a Date-only request cannot be checked here"
                .into(),
        )
    })?;
    let date_text = crate::sign::headers::trim_all_text(date_header);
    let time =
        Timestamp::parse_amz(&date_text).map_err(|e| ExplainError(format!("X-Amz-Date: {e}")))?;
    request.headers.retain(|h| !h.is("authorization"));
    let signed: Vec<String> = signed_headers.split(';').map(str::to_string).collect();
    let mut context = context(&akid, &region, &service, time, None, known);
    // Headers sent but not signed were left out by the signer: sign the same set.
    context.unsigned_headers = request
        .headers
        .iter()
        .filter(|h| !signed.iter().any(|s| h.is(s)))
        .map(|h| h.name.clone())
        .collect();
    if let Some(hash) = request.header("x-amz-content-sha256") {
        context.payload_hash = Some(crate::sign::headers::trim_all_text(hash));
    }
    context.sign_body = Some(false);
    let mut actual = StageOutputs::new();
    actual.insert(Stage::Authorization, auth_value.into_bytes());
    actual.insert(Stage::Signature, signature.clone().into_bytes());
    let input = SignInput {
        id: "explain/header".into(),
        mode: Mode::Header,
        request_bytes: bytes.to_vec(),
        request,
        context_json: serde_json::Value::Null,
        context,
    };
    explain_input(
        input,
        actual,
        named_header_parts((credential, signed_headers, signature)),
    )
}

/// The parts of an Authorization header a difference is named by.
fn named_header_parts(
    (credential, signed_headers, signature): (String, String, String),
) -> Vec<(String, String)> {
    vec![
        ("Credential".into(), credential),
        ("SignedHeaders".into(), signed_headers),
        ("Signature".into(), signature),
    ]
}

/// The parameters of a presigned URL a difference is named by.
fn url_parts(url: &[u8]) -> Vec<(String, String)> {
    ["X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature"]
        .iter()
        .map(|k| (k.to_string(), query_param(url, k).unwrap_or_default()))
        .collect()
}

/// Explains a presigned URL.
pub fn explain_url(url: &str, known: &Known) -> Result<Explanation, ExplainError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ExplainError("a presigned URL starts with https://".into()))?;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, target) = (&rest[..split], &rest[split..]);
    let bytes = url.as_bytes();
    let param = |k: &str| query_param(bytes, k);
    let credential = param("X-Amz-Credential")
        .ok_or_else(|| ExplainError("the URL has no X-Amz-Credential".into()))?;
    let (akid, _date, region, service) = credential_parts(&credential)?;
    let date =
        param("X-Amz-Date").ok_or_else(|| ExplainError("the URL has no X-Amz-Date".into()))?;
    let time = Timestamp::parse_amz(&date).map_err(|e| ExplainError(format!("X-Amz-Date: {e}")))?;
    let expires: i64 = param("X-Amz-Expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| ExplainError("the URL has no numeric X-Amz-Expires".into()))?;
    let token = param("X-Amz-Security-Token");
    // A URL carries no header values: every signed header but Host must be given.
    let signed: Vec<String> = param("X-Amz-SignedHeaders")
        .unwrap_or_default()
        .split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .collect();
    let missing: Vec<&str> = signed
        .iter()
        .map(String::as_str)
        .filter(|s| !s.eq_ignore_ascii_case("host"))
        .filter(|s| !known.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(s)))
        .collect();
    if !missing.is_empty() {
        return err(format!(
            "the URL signs {} {}, whose {} a URL does not carry: give {} with --header, e.g. --header '{}: VALUE'",
            if missing.len() == 1 { "the header" } else { "the headers" },
            missing.join(", "),
            if missing.len() == 1 { "value" } else { "values" },
            if missing.len() == 1 { "it" } else { "each" },
            missing[0]
        ));
    }
    let (path, query) = match target.find('?') {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, ""),
    };
    let own: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = String::from_utf8_lossy(&percent_decode(
                p.split('=').next().unwrap_or_default().as_bytes(),
            ))
            .into_owned();
            !key.starts_with("X-Amz-")
        })
        .collect();
    let path = if path.is_empty() { "/" } else { path };
    let target = if own.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", own.join("&"))
    };
    let method = known.method.clone().unwrap_or_else(|| "GET".into());
    let mut request = Request {
        method,
        target: target.into_bytes(),
        version: "HTTP/1.1".into(),
        headers: vec![Header::new("Host", host)],
        body: Vec::new(),
    };
    request
        .headers
        .extend(known.headers.iter().map(|(n, v)| Header::new(n, v)));
    let mut context = context(&akid, &region, &service, time, token, known);
    context.expiration_in_seconds = Some(expires);
    // Headers given but not signed were left out by the signer: sign the same set.
    context.unsigned_headers = request
        .headers
        .iter()
        .filter(|h| !signed.iter().any(|s| h.is(s)) && !h.is("host"))
        .map(|h| h.name.clone())
        .collect();
    let mut actual = StageOutputs::new();
    actual.insert(Stage::PresignedUrl, url.as_bytes().to_vec());
    let parts = url_parts(bytes);
    let input = SignInput {
        id: "explain/query".into(),
        mode: Mode::Query,
        request_bytes: Vec::new(),
        request,
        context_json: serde_json::Value::Null,
        context,
    };
    explain_input(input, actual, parts)
}

impl Explanation {
    /// The text `explain` prints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.right {
            out.push_str("signature: right\n");
            return out;
        }
        out.push_str("signature: WRONG\n");
        for (name, want, found) in &self.differences {
            let _ = writeln!(
                out,
                "  {name}: expected {want}\n  {:width$}  found    {found}",
                "",
                width = name.len()
            );
        }
        if let Some(first) = &self.first_difference {
            let stage = if first.contains("Credential") {
                "the credential scope (string to sign)"
            } else if first.contains("SignedHeaders") {
                "the signed headers (canonical request)"
            } else {
                "the signature: the canonical request, string to sign or key differ; compare yours with the ones below"
            };
            let _ = writeln!(out, "first difference: {first}, in {stage}");
        }
        crate::check::message::write_diagnosis(&mut out, &self.diagnosis);
        let _ = writeln!(
            out,
            "\nexpected canonical request:\n{}\n\nexpected string to sign:\n{}",
            self.canonical_request, self.string_to_sign
        );
        out
    }
}
