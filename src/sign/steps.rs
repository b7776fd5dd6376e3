//! The SigV4 steps a signer can get wrong, as a trait whose default bodies are the reference's
//! rules, and the readable pipeline that runs them.
//!
//! [`Steps`] has one method per step (the method's text, the canonical URI, the query's decoding,
//! encoding, sorting and pairing, the header names, values, merging and sort, the payload hash,
//! the line endings, the string to sign, the signing key and the signature's text). Each default
//! body calls the stage functions of this module's siblings, so a rule is still written once, in
//! the file of its stage. [`Reference`] takes every default. The mistake model
//! (`diagnose::model`) overrides one method per catalogued mistake and runs the same pipeline.
//!
//! [`canonical`] is the pipeline up to the canonical request, written for clarity: it keeps each
//! header line and query pair as a value a step can change. The reference signer
//! ([`super::Signer::sign`]) is the same pipeline tuned for speed (headers held on the stack, one
//! writer buffer); both call the same rules ([`super::added_headers`], [`super::auth_params`],
//! [`Settings::resolve`], [`write_string_to_sign`](super::string_to_sign::write_string_to_sign),
//! [`derive_key`](super::signing_key::derive_key)), and a test checks that [`Reference`] here gives the reference signer's bytes.

use super::encoding::{encode_path_for_wire, hex_fill, percent_decode, uri_encode};
use super::headers::{trim_all, trim_all_text};
use super::query::split_query;
use super::scope::{self, CredentialScope};
use super::settings::{PayloadHashSource, SessionTokenMode, Settings};
use super::signing_key::{hmac_sha256, DerivedKey};
use super::string_to_sign::write_string_to_sign;
use super::{uri, Algorithm, Mode, SignError};
use crate::context::Context;
use crate::request::{Header, Request};
use crate::timestamp::Timestamp;
use std::borrow::Cow;

/// One query parameter on its way into the canonical query: decoded, then encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPair {
    /// The decoded key.
    pub raw_key: Vec<u8>,
    /// The decoded value.
    pub raw_value: Vec<u8>,
    /// Whether the request wrote `=` after the key (`acl` has none).
    pub has_equals: bool,
    /// The encoded key.
    pub key: String,
    /// The encoded value.
    pub value: String,
}

/// One line of the canonical header block: its name as written there, and each value joined
/// into it (more than one for a repeated header), each with whether it is the signer's own
/// `X-Amz-Date` (which [`Canonical::creq_at`] moves in time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    /// The name.
    pub name: String,
    /// The values, in arrival order.
    pub values: Vec<(Vec<u8>, bool)>,
}

/// The SigV4 steps a signer can get wrong. Every default body is the reference's rule; an
/// implementation overrides the steps it does differently.
pub trait Steps {
    /// The switches the signer signs with, from the ones the context resolves to (path
    /// normalisation and encoding, payload hash source, session token).
    fn settings(&self, resolved: Settings, context: &Context) -> Settings {
        let _ = context;
        resolved
    }

    /// The request time the signer writes (`X-Amz-Date`): the context's.
    fn request_time(&self, context: &Context) -> Timestamp {
        context.timestamp
    }

    /// The credential scope's date, from the request time written as `X-Amz-Date`.
    fn scope_date(&self, time: &Timestamp, amz_date: &str) -> String {
        let _ = time;
        scope::scope_date(amz_date).to_string()
    }

    /// The canonical request's first line: the method as it goes on the wire.
    fn method<'m>(&self, method: &'m str) -> Cow<'m, str> {
        Cow::Borrowed(method)
    }

    /// The canonical URI of the wire path.
    fn canonical_uri(&self, wire_path: &[u8], settings: &Settings) -> String {
        uri::canonical_uri(wire_path, settings.normalization, settings.encoding)
    }

    /// Decodes a query key or value as the request wrote it (`+` stays a plus sign).
    fn decode_query(&self, bytes: &[u8]) -> Vec<u8> {
        percent_decode(bytes)
    }

    /// Encodes a decoded query value (`key` is the decoded key it belongs to).
    fn encode_query_value(&self, key: &[u8], value: &[u8]) -> String {
        let _ = key;
        uri_encode(value, false)
    }

    /// Sorts the query parameters: by encoded key, then encoded value.
    fn sort_query(&self, pairs: &mut [QueryPair]) {
        pairs.sort_by(|a, b| (&a.key, &a.value).cmp(&(&b.key, &b.value)));
    }

    /// One `key=value` pair of the canonical query (`key=` for a key without value).
    fn query_pair(&self, pair: &QueryPair) -> String {
        format!("{}={}", pair.key, pair.value)
    }

    /// The canonical URI or query as written: percent-escapes in upper-case hex, as encoded.
    fn escapes(&self, encoded: String) -> String {
        encoded
    }

    /// The payload hash: the body's SHA-256 (`body_sha256`, lower-case hex) or the literal the
    /// settings give.
    fn payload_hash(&self, settings: &Settings, body_sha256: &str) -> String {
        match &settings.payload {
            PayloadHashSource::BodySha256 => body_sha256.to_string(),
            PayloadHashSource::Literal(literal) => literal.clone(),
        }
    }

    /// The canonical request's last line, from the payload hash.
    fn payload_line<'h>(&self, hash: &'h str) -> &'h str {
        hash
    }

    /// The value of the `x-amz-content-sha256` header the signer adds: the payload line.
    fn payload_header<'h>(&self, hash: &'h str, line: &'h str) -> &'h str {
        let _ = hash;
        line
    }

    /// The name of a header the signer adds, as it writes it.
    fn added_header_name(&self, name: &'static str) -> Cow<'static, str> {
        Cow::Borrowed(name)
    }

    /// A header of the request as the signer signs it; `None` to sign it as it is. `amz_date`
    /// is the signer's own request time.
    fn request_header(&self, header: &Header, amz_date: &str, mode: Mode) -> Option<Header> {
        let _ = (header, amz_date, mode);
        None
    }

    /// A header name as the canonical headers and signed headers write it: lower case.
    fn header_name(&self, name: &str) -> String {
        name.to_ascii_lowercase()
    }

    /// A header's values as the canonical block writes them (several are joined by `,`):
    /// Trimall of the value, folded lines joined by a space.
    fn header_values(&self, header: &Header) -> Vec<Vec<u8>> {
        vec![trim_all(header)]
    }

    /// Whether repeated headers share one line, their values joined by `,`.
    fn merges_repeated_headers(&self) -> bool {
        true
    }

    /// Sorts the header lines by name (stable: a repeated header keeps its arrival order).
    fn sort_headers(&self, lines: &mut [HeaderLine]) {
        lines.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// Ends the canonical header block: each line ends in `\n`, and a blank line follows.
    fn end_header_block(&self, creq: &mut Vec<u8>) {
        creq.push(b'\n');
    }

    /// The finished canonical request as the signer hashes it (`\n` line endings, as written);
    /// `marks` are offsets into it that must follow any change.
    fn line_endings(&self, creq: &mut Vec<u8>, marks: &mut [usize]) {
        let _ = (creq, marks);
    }

    /// The canonical request's hash as the string to sign writes it: lower-case hex.
    fn hash_hex(&self, hash: &[u8; 32]) -> [u8; 64] {
        let mut hex = [0u8; 64];
        hex_fill(&mut hex, hash);
        hex
    }

    /// After the string to sign's last line: nothing.
    fn end_string_to_sign(&self, sts: &mut Vec<u8>) {
        let _ = sts;
    }

    /// What precedes the secret in the first key: `AWS4`.
    fn secret_prefix(&self) -> &'static str {
        "AWS4"
    }

    /// One HMAC of the key derivation: `HMAC(key, data)`.
    fn key_hmac(&self, key: &[u8], data: &[u8]) -> [u8; 32] {
        hmac_sha256(key, data)
    }

    /// What one derivation step hands to the next: the HMAC's bytes.
    fn chain_key(&self, mac: [u8; 32]) -> DerivedKey {
        DerivedKey::Mac(mac)
    }

    /// The key the signature's HMAC is keyed with: the signing key's bytes.
    fn signature_key<'k>(&self, key: &'k [u8]) -> Cow<'k, [u8]> {
        Cow::Borrowed(key)
    }

    /// The signature's HMAC: `HMAC(kSigning, StringToSign)`.
    fn signature_hmac(&self, key: &[u8], string_to_sign: &[u8]) -> [u8; 32] {
        hmac_sha256(key, string_to_sign)
    }

    /// Writes the signature's text into `out` and gives its length: lower-case hex.
    fn signature_text(&self, mac: &[u8; 32], out: &mut [u8; 64]) -> usize {
        hex_fill(out, mac);
        out.len()
    }

    /// The signature as the presigned URL carries it: URI-encoded.
    fn signature_in_url(&self, signature: &str) -> String {
        uri_encode(signature.as_bytes(), false)
    }
}

/// The reference signer's steps: every default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reference;

impl Steps for Reference {}

/// The time a signer writes: `X-Amz-Date`, the scope's date, the scope and the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Times {
    /// `X-Amz-Date`.
    pub amz: String,
    /// The scope's date.
    pub scope_date: String,
    /// `DATE/REGION/SERVICE/aws4_request`.
    pub scope: String,
    /// `AKID/` and the scope.
    pub credential: String,
}

impl Times {
    /// The time of `context` as a signer taking `steps` writes it.
    pub fn for_steps(steps: &(impl Steps + ?Sized), context: &Context) -> Times {
        let time = steps.request_time(context);
        let amz = time.amz_date();
        let scope_date = steps.scope_date(&time, &amz);
        let scope =
            CredentialScope::new(&scope_date, &context.region, &context.service).to_string();
        let credential = format!("{}/{scope}", context.credentials.access_key_id);
        Times {
            amz,
            scope_date,
            scope,
            credential,
        }
    }
}

/// What signing makes before any hashing: the canonical request, and what the final output
/// needs besides the signature.
#[derive(Debug, Clone)]
pub struct Canonical {
    /// The canonical request.
    pub creq: Vec<u8>,
    /// Where the value of the `X-Amz-Date` header the signer writes itself starts in `creq`.
    date_at: Vec<usize>,
    /// The signed headers, as the canonical request lists them.
    pub signed_headers: String,
    /// Query mode: the parameters as the presigned URL writes them, signature excepted.
    url_params: Vec<String>,
    /// Query mode: the token the presigned URL carries after signing, if any.
    token_after: Option<String>,
    /// Query mode: `https://host/path`.
    url_base: String,
}

impl Canonical {
    /// The canonical request with `amz` as the value of the `X-Amz-Date` header the signer writes
    /// itself. In header mode that header is the only place the time reaches the canonical
    /// request, so this is the canonical request of the same steps at another time (the
    /// diagnosis tries every UTC offset this way).
    pub fn creq_at(&self, amz: &str) -> Vec<u8> {
        let mut creq = self.creq.clone();
        for &at in &self.date_at {
            if let Some(slot) = creq.get_mut(at..at + amz.len()) {
                slot.copy_from_slice(amz.as_bytes());
            }
        }
        creq
    }

    /// Whether [`Canonical::creq_at`] may be used: the time reaches the canonical request only
    /// through the signer's own `X-Amz-Date` header.
    pub fn movable_in_time(&self, mode: Mode) -> bool {
        mode == Mode::Header
    }
}

/// The canonical request of `request` signed as `context` says in `mode` by a signer taking
/// `steps`, and what the final output needs besides the signature. `body_sha256` is the lower-case
/// hex SHA-256 of the body (computed once by a caller that signs many times). Always SigV4: the
/// changes SigV4a makes are the reference signer's ([`super::sigv4a`]).
pub fn canonical(
    steps: &(impl Steps + ?Sized),
    request: &Request,
    context: &Context,
    mode: Mode,
    body_sha256: &str,
) -> Result<Canonical, SignError> {
    let host = request.header("host").ok_or(SignError::MissingHost)?;
    let settings = steps.settings(super::resolve_settings(request, context, mode), context);
    let payload = steps.payload_hash(&settings, body_sha256);
    let payload_line = steps.payload_line(&payload);
    let times = Times::for_steps(steps, context);

    // Headers to sign: the request's (as the signer signs them) and the ones signing adds.
    let added = super::added_headers(
        request,
        context,
        &settings,
        Algorithm::HmacSha256,
        &times.amz,
        steps.payload_header(&payload, payload_line),
    );
    let added: Vec<Header> = added
        .iter()
        .filter(|a| a.signed)
        .map(|a| Header::new(&steps.added_header_name(a.name), a.value))
        .collect();
    let replaced: Vec<Option<Header>> = request
        .headers
        .iter()
        .map(|h| steps.request_header(h, &times.amz, mode))
        .collect();
    let is_signed =
        |h: &Header| !h.is("authorization") && !context.unsigned_headers.iter().any(|u| h.is(u));
    let own_date = mode == Mode::Header;
    let signed = request
        .headers
        .iter()
        .zip(&replaced)
        .map(|(h, r)| match r {
            Some(r) => (r, own_date && r.is("x-amz-date")),
            None => (h, false),
        })
        .chain(added.iter().map(|a| (a, own_date && a.is("x-amz-date"))))
        .filter(|(h, _)| is_signed(h));
    let lines = header_lines(steps, signed);
    let signed_headers = lines
        .iter()
        .map(|line| line.name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut block = Vec::new();
    let mut date_in_block = Vec::new();
    for line in &lines {
        block.extend_from_slice(line.name.as_bytes());
        block.push(b':');
        for (i, (value, mine)) in line.values.iter().enumerate() {
            if i > 0 {
                block.push(b',');
            }
            if *mine {
                date_in_block.push(block.len());
            }
            block.extend_from_slice(value);
        }
        block.push(b'\n');
    }

    // Query: the request's parameters, then (query mode) the signed X-Amz-* ones.
    let mut raw: Vec<(Vec<u8>, Vec<u8>, bool)> = split_query(request.query().unwrap_or_default())
        .map(|p| {
            let has_equals = p.has_equals();
            (
                steps.decode_query(p.key),
                steps.decode_query(p.value),
                has_equals,
            )
        })
        .collect();
    if mode == Mode::Query {
        let expires = super::checked_expires(context)?;
        let scope = CredentialScope::new(&times.scope_date, &context.region, &context.service);
        let auth = super::auth_params(
            context,
            Algorithm::HmacSha256,
            &scope,
            &times.amz,
            expires,
            signed_headers.as_bytes(),
            &settings,
        );
        raw.extend(
            auth.into_iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v, true)),
        );
    }
    let mut pairs: Vec<QueryPair> = raw
        .into_iter()
        .map(|(raw_key, raw_value, has_equals)| QueryPair {
            key: uri_encode(&raw_key, false),
            value: steps.encode_query_value(&raw_key, &raw_value),
            raw_key,
            raw_value,
            has_equals,
        })
        .collect();
    steps.sort_query(&mut pairs);
    let written: Vec<String> = pairs.iter().map(|p| steps.query_pair(p)).collect();
    let query = steps.escapes(written.join("&"));
    let canonical_uri = steps.escapes(steps.canonical_uri(request.path(), &settings));
    let method = steps.method(&request.method);

    let mut creq = Vec::new();
    for line in [&*method, canonical_uri.as_str(), query.as_str()] {
        creq.extend_from_slice(line.as_bytes());
        creq.push(b'\n');
    }
    let mut date_at: Vec<usize> = date_in_block.iter().map(|at| at + creq.len()).collect();
    creq.extend_from_slice(&block);
    steps.end_header_block(&mut creq);
    creq.extend_from_slice(signed_headers.as_bytes());
    creq.push(b'\n');
    creq.extend_from_slice(payload_line.as_bytes());
    steps.line_endings(&mut creq, &mut date_at);

    let (mut url_params, mut token_after, mut url_base) = (Vec::new(), None, String::new());
    if mode == Mode::Query {
        // URLs are compared by meaning, so the order of the parameters is free.
        url_params = written;
        if let (Some(token), SessionTokenMode::AddedAfterSigning) =
            (&context.credentials.token, settings.session_token)
        {
            token_after = Some(format!(
                "X-Amz-Security-Token={}",
                uri_encode(token.as_bytes(), false)
            ));
        }
        let path = encode_path_for_wire(request.path());
        url_base = format!("https://{}{path}", trim_all_text(host));
    }
    Ok(Canonical {
        creq,
        date_at,
        signed_headers,
        url_params,
        token_after,
        url_base,
    })
}

/// The canonical header lines of the headers to sign (each with whether it is the signer's own
/// `X-Amz-Date`), merged and sorted as `steps` do.
fn header_lines<'h>(
    steps: &(impl Steps + ?Sized),
    signed: impl Iterator<Item = (&'h Header, bool)>,
) -> Vec<HeaderLine> {
    let mut lines: Vec<HeaderLine> = Vec::new();
    let mut line_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let merges = steps.merges_repeated_headers();
    for (header, mine) in signed {
        let name = steps.header_name(&header.name);
        let values = steps.header_values(header).into_iter().map(|v| (v, mine));
        let existing = if merges {
            line_of.get(&name.to_ascii_lowercase()).copied()
        } else {
            None
        };
        match existing.and_then(|i| lines.get_mut(i)) {
            Some(line) => line.values.extend(values),
            None => {
                line_of.insert(name.to_ascii_lowercase(), lines.len());
                lines.push(HeaderLine {
                    name,
                    values: values.collect(),
                });
            }
        }
    }
    steps.sort_headers(&mut lines);
    lines
}

/// Writes the string to sign of a signer taking `steps` at `times` over a canonical request's
/// SHA-256 into `out` (cleared first).
pub fn write_steps_string_to_sign(
    out: &mut Vec<u8>,
    steps: &(impl Steps + ?Sized),
    times: &Times,
    creq_hash: &[u8; 32],
) {
    out.clear();
    write_string_to_sign(
        out,
        Algorithm::HmacSha256.name(),
        &times.amz,
        [times.scope.as_str()],
        &steps.hash_hex(creq_hash),
    );
    steps.end_string_to_sign(out);
}

/// The signature's MAC of a signer taking `steps`, keyed with the signing key `key`, over
/// `string_to_sign`.
pub fn signature_mac(steps: &(impl Steps + ?Sized), key: &[u8], string_to_sign: &[u8]) -> [u8; 32] {
    steps.signature_hmac(&steps.signature_key(key), string_to_sign)
}

/// The signature of a signer taking `steps`, as text.
pub fn signature(steps: &(impl Steps + ?Sized), key: &[u8], string_to_sign: &[u8]) -> String {
    let mut text = [0u8; 64];
    let len = steps.signature_text(&signature_mac(steps, key, string_to_sign), &mut text);
    String::from_utf8_lossy(text.get(..len).unwrap_or_default()).into_owned()
}

/// The final output (the Authorization header or the presigned URL) carrying `signature`.
pub fn final_output(
    steps: &(impl Steps + ?Sized),
    mode: Mode,
    times: &Times,
    canonical: &Canonical,
    signature: &str,
) -> Vec<u8> {
    match mode {
        Mode::Header => {
            let mut out = Vec::new();
            super::authorization::write_authorization(
                &mut out,
                Algorithm::HmacSha256,
                [times.credential.as_str()],
                &canonical.signed_headers,
                signature,
            );
            out
        }
        Mode::Query => {
            let mut params = canonical.url_params.clone();
            params.push(format!(
                "X-Amz-Signature={}",
                steps.signature_in_url(signature)
            ));
            params.extend(canonical.token_after.clone());
            format!("{}?{}", canonical.url_base, params.join("&")).into_bytes()
        }
    }
}
