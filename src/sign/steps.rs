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
//! [`Settings::resolve`], [`write_string_to_sign`], [`CanonicalRequestWriter`],
//! [`derive_key`](super::signing_key::derive_key)), and a test checks that [`Reference`] here
//! gives the reference signer's bytes.

use super::canonical_request::{CanonicalRequestWriter, HEADERS_END};
use super::encoding::{encode_path_for_wire, hex_fill, percent_decode, uri_encode};
use super::headers::{self, trim_all, trim_all_text};
use super::payload::PayloadText;
use super::query::{self, split_query};
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
        pairs.sort_by(|a, b| query::param_order((&a.key, &a.value), (&b.key, &b.value)));
    }

    /// One `key=value` pair of the canonical query (`key=` for a key without value).
    fn query_pair(&self, pair: &QueryPair) -> String {
        let mut out = Vec::with_capacity(pair.key.len() + pair.value.len() + 1);
        query::write_pair(&mut out, &pair.key, &pair.value);
        // Written from two strings and `=`.
        String::from_utf8(out).unwrap_or_default()
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
        let mut out = Vec::with_capacity(name.len());
        headers::write_canonical_name(&mut out, name);
        // Lower-casing ASCII keeps the name's UTF-8 valid.
        String::from_utf8(out).unwrap_or_default()
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

    /// What follows the canonical header block (each of its lines ends in `\n`): the `\n` of
    /// the blank line.
    fn header_block_end(&self) -> &'static [u8] {
        HEADERS_END
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
    let payload_header = PayloadText::Literal(steps.payload_header(&payload, payload_line));
    let added = super::added_headers(
        request,
        context,
        &settings,
        Algorithm::HmacSha256,
        &times.amz,
        &payload_header,
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

    let mut writer = CanonicalRequestWriter::new(&method, 256 + block.len() + query.len());
    writer.buffer().extend_from_slice(canonical_uri.as_bytes());
    writer.end_part(0);
    writer.buffer().extend_from_slice(query.as_bytes());
    writer.end_part(1);
    let block_at = writer.buffer().len();
    let mut date_at: Vec<usize> = date_in_block.iter().map(|at| at + block_at).collect();
    writer.buffer().extend_from_slice(&block);
    writer.end_headers_with(steps.header_block_end());
    writer.buffer().extend_from_slice(signed_headers.as_bytes());
    writer.end_part(3);
    writer.buffer().extend_from_slice(payload_line.as_bytes());
    writer.end_part(4);
    let mut creq = writer.into_bytes();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::signing_key::derive_key;
    use crate::sign::Signer;
    use sha2::{Digest, Sha256};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn context(service: &str, extra: &str) -> Context {
        let json = format!(
            r#"{{"credentials": {{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "{SECRET}"{extra}}},
                "region": "us-east-1", "service": "{service}", "timestamp": "2015-08-30T12:36:00Z"}}"#
        );
        Context::from_json(json.as_bytes()).unwrap()
    }

    /// Every stage of the readable pipeline with `steps`, as text.
    fn run(
        steps: &impl Steps,
        request: &Request,
        context: &Context,
        mode: Mode,
    ) -> (Canonical, String, Vec<u8>, String, Vec<u8>) {
        let body = hex::encode(Sha256::digest(&request.body));
        let canonical = canonical(steps, request, context, mode, &body).unwrap();
        let times = Times::for_steps(steps, context);
        let mut sts = Vec::new();
        write_steps_string_to_sign(
            &mut sts,
            steps,
            &times,
            &Sha256::digest(&canonical.creq).into(),
        );
        let scope = CredentialScope::new(&times.scope_date, &context.region, &context.service);
        let key = derive_key(steps, &context.credentials.secret_access_key, &scope);
        let signature = signature(steps, key.as_bytes(), &sts);
        let output = final_output(steps, mode, &times, &canonical, &signature);
        let sts = String::from_utf8(sts).unwrap();
        (canonical, sts, key.as_bytes().to_vec(), signature, output)
    }

    #[test]
    fn the_reference_steps_give_the_reference_signers_bytes() {
        let requests = [
            "GET / HTTP/1.1\nHost:example.amazonaws.com\n",
            "GET /a/../b//c%20d/ሴ?b=2&a=1&a=0&acl&c=x+y HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: a   b \nmy-header1:c\nX-Folded:one\n  two\n",
            "POST /key%20with//dots/. HTTP/1.1\nHost:bucket.s3.amazonaws.com\nContent-Type:text/plain\n\nbody",
        ];
        let contexts = [
            context("service", ""),
            context("s3", ""),
            context("service", r#", "token": "tok/en+==""#),
        ];
        let signer = Signer::new();
        let mut compared = 0;
        for raw in requests {
            let request = Request::parse(raw.as_bytes()).unwrap();
            for context in &contexts {
                for mode in Mode::ALL {
                    let signed = signer.sign(&request, context, mode).unwrap();
                    let (canonical, sts, key, signature, output) =
                        run(&Reference, &request, context, mode);
                    assert_eq!(
                        canonical.creq,
                        signed.canonical_request.as_bytes(),
                        "{raw:?}"
                    );
                    assert_eq!(canonical.signed_headers, signed.signed_headers().as_str());
                    assert_eq!(sts, signed.string_to_sign.as_str());
                    assert_eq!(key, signed.signing_key.as_bytes());
                    assert_eq!(signature, signed.signature.as_str());
                    match mode {
                        Mode::Header => assert_eq!(
                            String::from_utf8(output).unwrap(),
                            signed.authorization().unwrap().as_str()
                        ),
                        // The readable pipeline writes the URL's parameters in canonical order.
                        Mode::Query => {
                            let params = |url: &str| {
                                let (base, query) = url.split_once('?').unwrap();
                                let mut params: Vec<String> =
                                    query.split('&').map(str::to_string).collect();
                                params.sort();
                                (base.to_string(), params)
                            };
                            assert_eq!(
                                params(&String::from_utf8(output).unwrap()),
                                params(signed.presigned_url().unwrap().as_str())
                            );
                        }
                    }
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 18);
    }

    /// Upper-case hex for the canonical request's hash, and nothing else.
    struct UppercaseHash;

    impl Steps for UppercaseHash {
        fn hash_hex(&self, hash: &[u8; 32]) -> [u8; 64] {
            let mut hex = Reference.hash_hex(hash);
            hex.make_ascii_uppercase();
            hex
        }
    }

    /// The key chained as hex and the secret without its prefix.
    struct HexChain;

    impl Steps for HexChain {
        fn secret_prefix(&self) -> &'static str {
            ""
        }

        fn chain_key(&self, mac: [u8; 32]) -> DerivedKey {
            let mut hex = [0u8; 64];
            hex_fill(&mut hex, &mac);
            DerivedKey::Hex(hex)
        }
    }

    #[test]
    fn an_override_changes_its_step_alone() {
        let request = Request::parse(b"GET /?a=b HTTP/1.1\nHost:h\n").unwrap();
        let context = context("service", "");
        let reference = run(&Reference, &request, &context, Mode::Header);

        let upper = run(&UppercaseHash, &request, &context, Mode::Header);
        assert_eq!(upper.0.creq, reference.0.creq);
        let (head, hash) = upper.1.rsplit_once('\n').unwrap();
        assert_eq!((head, hash.to_ascii_lowercase()), {
            let (h, x) = reference.1.rsplit_once('\n').unwrap();
            (h, x.to_string())
        });
        assert_ne!(hash, hash.to_ascii_lowercase());
        assert_eq!(upper.2, reference.2);
        assert_ne!(upper.3, reference.3);

        let chained = run(&HexChain, &request, &context, Mode::Header);
        assert_eq!(
            (chained.0.creq, &chained.1),
            (reference.0.creq, &reference.1)
        );
        assert_eq!(chained.2.len(), 64);
        assert!(chained.2.iter().all(u8::is_ascii_hexdigit));
        assert_ne!(chained.3, reference.3);
    }

    #[test]
    fn the_time_moves_only_the_signers_own_date() {
        let request =
            Request::parse(b"GET / HTTP/1.1\nHost:h\nX-Amz-Meta:20150830T123600Z\n").unwrap();
        let context = context("service", "");
        let body = hex::encode(Sha256::digest(b""));
        let canonical = canonical(&Reference, &request, &context, Mode::Header, &body).unwrap();
        let moved = String::from_utf8(canonical.creq_at("20150830T143600Z")).unwrap();
        assert!(moved.contains("\nx-amz-date:20150830T143600Z\n"), "{moved}");
        assert!(moved.contains("\nx-amz-meta:20150830T123600Z\n"), "{moved}");
        assert!(canonical.movable_in_time(Mode::Header));
        let times = Times::for_steps(&Reference, &context);
        assert_eq!(
            (times.amz.as_str(), times.scope_date.as_str()),
            ("20150830T123600Z", "20150830")
        );
        assert_eq!(
            times.credential,
            "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
        );
    }

    #[test]
    fn refusals_are_the_reference_signers() {
        let context = context("service", "");
        let body = hex::encode(Sha256::digest(b""));
        let no_host = Request::parse(b"GET / HTTP/1.1\nX:1\n").unwrap();
        assert_eq!(
            canonical(&Reference, &no_host, &context, Mode::Header, &body).unwrap_err(),
            SignError::MissingHost
        );
        let expiring = Context::from_json(
            br#"{"credentials": {"access_key_id": "A", "secret_access_key": "S"}, "region": "r",
                 "service": "s", "timestamp": "2015-08-30T12:36:00Z", "expiration_in_seconds": 0}"#,
        )
        .unwrap();
        let request = Request::parse(b"GET / HTTP/1.1\nHost:h\n").unwrap();
        assert_eq!(
            canonical(&Reference, &request, &expiring, Mode::Query, &body)
                .unwrap_err()
                .name(),
            "expires-out-of-range"
        );
    }
}
