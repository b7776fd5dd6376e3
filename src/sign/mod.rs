//! The reference signer: one pipeline that computes and keeps every SigV4 stage.
//!
//! ```text
//! Request + Context ─► CanonicalUri, CanonicalQuery, CanonicalHeaders, SignedHeaders, PayloadHash
//!                   ─► CanonicalRequest ─► StringToSign ─► SigningKey ─► Signature
//!                   ─► Authorization (header mode) | PresignedUrl (query mode) ─► SignedRequest
//! ```
//!
//! Each stage is a public type whose `Display` is the exact artifact. SigV4a runs the same
//! pipeline with the changes [`sigv4a`] lists, chosen by the context's [`Algorithm`].
//!
//! After the request, two chains signed from its signature: the chunks and trailers of an
//! `aws-chunked` upload ([`chunked`], [`Signed::chunked`]) and the messages of an event stream
//! ([`event_stream`], [`Signed::event_stream`]).

pub mod algorithm;
pub mod authorization;
pub mod canonical_request;
pub mod chunked;
pub mod encoding;
pub mod event_stream;
pub mod headers;
pub mod payload;
pub mod presigned_url;
pub mod query;
pub mod scope;
pub mod settings;
pub mod signature;
pub mod signed_request;
pub mod signing_key;
pub mod sigv4a;
pub mod string_to_sign;
pub mod uri;

pub use algorithm::Algorithm;
pub use authorization::Authorization;
pub use canonical_request::{CanonicalRequest, CanonicalRequestWriter};
pub use headers::{CanonicalHeaders, HeaderRef, SignedHeaders};
pub use payload::PayloadHash;
pub use presigned_url::PresignedUrl;
pub use query::{CanonicalQuery, QueryParam};
pub use scope::CredentialScope;
pub use settings::{
    Mode, PathNormalization, PayloadHashSource, PercentEncoding, SessionTokenMode, Settings,
};
pub use signature::Signature;
pub use signed_request::SignedRequest;
pub use signing_key::{SigningKey, SigningKeyCache};
pub use string_to_sign::{StringToSign, ALGORITHM};
pub use uri::CanonicalUri;

use crate::context::Context;
use crate::request::{Header, Request};
use std::fmt;

/// The longest validity of a presigned URL: seven days.
pub const MAX_EXPIRES: i64 = 604_800;

/// Why the reference signer refuses to sign. Each has a stable [name](SignError::name), the
/// text of a case's `{mode}-error.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// Query mode with `expiration_in_seconds` outside 1..=604800.
    ExpiresOutOfRange {
        /// The value given.
        value: i64,
    },
    /// The request has no `Host` header.
    MissingHost,
    /// The request carries an `X-Amz-Date` header that disagrees with the context's timestamp.
    ConflictingDate {
        /// The header's value.
        header: String,
        /// The context's timestamp in the same format.
        context: String,
    },
    /// SigV4a: no counter up to 254 derives a key pair (a chance of about 2^-8000).
    NoKeyPair,
}

impl SignError {
    /// The stable name used in `{mode}-error.txt` files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            SignError::ExpiresOutOfRange { .. } => "expires-out-of-range",
            SignError::MissingHost => "missing-host-header",
            SignError::ConflictingDate { .. } => "conflicting-x-amz-date",
            SignError::NoKeyPair => "sigv4a-no-key-pair",
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::ExpiresOutOfRange { value } => write!(
                f,
                "{}: X-Amz-Expires must be between 1 and {MAX_EXPIRES} seconds (seven days), got {value}",
                self.name()
            ),
            SignError::MissingHost => write!(f, "{}: the request has no Host header", self.name()),
            SignError::ConflictingDate { header, context } => write!(
                f,
                "{}: the request's X-Amz-Date header says {header:?} but the context's timestamp is {context:?}",
                self.name()
            ),
            SignError::NoKeyPair => write!(
                f,
                "{}: no key derivation counter up to 254 gives a P-256 private key",
                self.name()
            ),
        }
    }
}

impl std::error::Error for SignError {}

/// Every stage of one signature. The canonical request is kept whole, with typed views of its
/// parts; the Authorization header, presigned URL and signed request are derived from the kept
/// stages on demand.
#[derive(Debug, Clone)]
pub struct Signed<'r> {
    request: &'r Request,
    context: &'r Context,
    /// The resolved switches.
    pub settings: Settings,
    /// Canonical request.
    pub canonical_request: CanonicalRequest,
    /// Credential scope.
    pub scope: CredentialScope<'r>,
    /// String to sign.
    pub string_to_sign: StringToSign,
    /// Signing key.
    pub signing_key: SigningKey,
    /// Signature.
    pub signature: Signature,
    /// SigV4a: the key pair derived from the credentials (`signing_key` then holds its
    /// private scalar).
    pub key_pair: Option<sigv4a::KeyPair>,
}

/// The reference signer. It holds a [`SigningKeyCache`], so reuse one signer for many requests.
#[derive(Default)]
pub struct Signer {
    keys: SigningKeyCache,
    key_pairs: sigv4a::KeyPairCache,
}

/// A header signing adds.
#[derive(Debug, Clone, Copy)]
struct Added<'a> {
    name: &'static str,
    value: &'a str,
    signed: bool,
}

/// The at most four headers signing adds, kept on the stack.
#[derive(Debug, Default)]
struct AddedHeaders<'a> {
    slots: [Option<Added<'a>>; 4],
    len: usize,
}

impl<'a> AddedHeaders<'a> {
    fn push(&mut self, added: Added<'a>) {
        if let Some(slot) = self.slots.get_mut(self.len) {
            *slot = Some(added);
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Added<'a>> {
        self.slots.iter().flatten()
    }
}

impl Signer {
    /// A signer with an empty key cache.
    pub fn new() -> Signer {
        Signer::default()
    }

    /// A signer that derives the signing key for every signature (no cache).
    pub fn uncached() -> Signer {
        Signer {
            keys: SigningKeyCache::disabled(),
            key_pairs: sigv4a::KeyPairCache::disabled(),
        }
    }

    /// Signs `request` as `context` says, in `mode`, keeping every stage.
    pub fn sign<'r>(
        &self,
        request: &'r Request,
        context: &'r Context,
        mode: Mode,
    ) -> Result<Signed<'r>, SignError> {
        let s3_header = if context.is_s3() {
            request
                .header("x-amz-content-sha256")
                .map(headers::trim_all_text)
        } else {
            None
        };
        let settings = Settings::resolve(context, mode, s3_header.as_deref());
        request.header("host").ok_or(SignError::MissingHost)?;
        let amz_date = context.timestamp.amz_str();
        let algorithm = context.algorithm();
        let scope_date = amz_date.get(..8).unwrap_or_default();
        let scope = if algorithm.is_asymmetric() {
            CredentialScope::without_region(scope_date, &context.region, &context.service)
        } else {
            CredentialScope::new(scope_date, &context.region, &context.service)
        };
        let payload_text = payload::payload_hash(&settings.payload, &request.body);
        let added = additions(request, context, &settings, amz_date, &payload_text)?;

        let is_signed = |name: &str| {
            !name.eq_ignore_ascii_case("authorization")
                && !context
                    .unsigned_headers
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(name))
        };
        // Up to 12 headers to sign live on the stack; more go to the heap.
        let to_sign = request
            .headers
            .iter()
            .filter(|h| is_signed(&h.name))
            .map(HeaderRef::Request)
            .chain(
                added
                    .iter()
                    .filter(|a| a.signed && is_signed(a.name))
                    .map(|a| HeaderRef::Added(a.name, a.value)),
            );
        let mut inline = [HeaderRef::Added("", ""); 12];
        let mut heap = Vec::new();
        let mut count = 0;
        for header in to_sign {
            match inline.get_mut(count) {
                Some(slot) if heap.is_empty() => *slot = header,
                _ => {
                    if heap.is_empty() {
                        heap.extend_from_slice(&inline);
                    }
                    heap.push(header);
                }
            }
            count += 1;
        }
        let signed_headers: &mut [HeaderRef<'_>] = if heap.is_empty() {
            inline.get_mut(..count).unwrap_or_default()
        } else {
            &mut heap
        };
        headers::sort_headers(signed_headers);

        let mut params = request.query().map(query::parse_query).unwrap_or_default();
        if mode == Mode::Query {
            let expires = context.expires();
            if !(1..=MAX_EXPIRES).contains(&expires) {
                return Err(SignError::ExpiresOutOfRange { value: expires });
            }
            let mut names = Vec::new();
            headers::write_signed_headers(&mut names, signed_headers);
            params.extend(auth_params(
                context, &scope, amz_date, expires, &names, &settings,
            ));
        }

        let mut writer =
            CanonicalRequestWriter::new(&request.method, 200 + request.target.len() + 64 * count);
        uri::write_canonical_uri(
            writer.buffer(),
            request.path(),
            settings.normalization,
            settings.encoding,
        );
        writer.end_part(0);
        query::write_canonical_query(writer.buffer(), &mut params);
        writer.end_part(1);
        headers::write_canonical_headers(writer.buffer(), signed_headers);
        writer.end_part(2);
        headers::write_signed_headers(writer.buffer(), signed_headers);
        writer.end_part(3);
        writer.buffer().extend_from_slice(payload_text.as_bytes());
        writer.end_part(4);
        let canonical_request = writer.finish();

        let string_to_sign =
            StringToSign::with_algorithm(algorithm, amz_date, &scope, &canonical_request);
        let (signing_key, signature, key_pair) = if algorithm.is_asymmetric() {
            let pair = self
                .key_pairs
                .get(
                    &context.credentials.secret_access_key,
                    &context.credentials.access_key_id,
                )
                .ok_or(SignError::NoKeyPair)?;
            let signature = sigv4a::ecdsa::sign(&pair, string_to_sign.as_bytes());
            (
                SigningKey::from_bytes(pair.signing_key().to_bytes().into()),
                Signature::from_der_hex(signature),
                Some(pair),
            )
        } else {
            let (signing_key, mac) = self.keys.sign(
                &context.credentials.secret_access_key,
                &scope,
                string_to_sign.as_bytes(),
            );
            (signing_key, Signature::from_mac(&mac), None)
        };
        Ok(Signed {
            request,
            context,
            settings,
            canonical_request,
            scope,
            string_to_sign,
            signing_key,
            signature,
            key_pair,
        })
    }
}

/// The `X-Amz-*` parameters of a presigned URL that are signed (all but `X-Amz-Signature`).
fn auth_params(
    context: &Context,
    scope: &CredentialScope<'_>,
    amz_date: &str,
    expires: i64,
    signed_names: &[u8],
    settings: &Settings,
) -> Vec<QueryParam> {
    let credential = format!("{}/{scope}", context.credentials.access_key_id);
    let algorithm = context.algorithm();
    let mut params = vec![
        QueryParam::from_raw(b"X-Amz-Algorithm", algorithm.name().as_bytes()),
        QueryParam::from_raw(b"X-Amz-Credential", credential.as_bytes()),
        QueryParam::from_raw(b"X-Amz-Date", amz_date.as_bytes()),
        QueryParam::from_raw(b"X-Amz-Expires", expires.to_string().as_bytes()),
        QueryParam::from_raw(b"X-Amz-SignedHeaders", signed_names),
    ];
    if algorithm.is_asymmetric() {
        params.push(QueryParam::from_raw(
            sigv4a::REGION_SET_HEADER.as_bytes(),
            context.region.as_bytes(),
        ));
    }
    if let (SessionTokenMode::Signed, Some(token)) =
        (settings.session_token, &context.credentials.token)
    {
        params.push(QueryParam::from_raw(
            b"X-Amz-Security-Token",
            token.as_bytes(),
        ));
    }
    params
}

impl Signed<'_> {
    /// The request time, `YYYYMMDD'T'HHMMSS'Z'`.
    pub fn amz_date(&self) -> &str {
        self.context.timestamp.amz_str()
    }

    /// The mode it was signed in.
    pub fn mode(&self) -> Mode {
        self.settings.mode
    }

    /// Canonical URI.
    pub fn canonical_uri(&self) -> CanonicalUri<'_> {
        self.canonical_request.uri()
    }

    /// Canonical query string.
    pub fn canonical_query(&self) -> CanonicalQuery<'_> {
        self.canonical_request.query()
    }

    /// Canonical headers block.
    pub fn canonical_headers(&self) -> CanonicalHeaders<'_> {
        self.canonical_request.headers()
    }

    /// Signed headers line.
    pub fn signed_headers(&self) -> SignedHeaders<'_> {
        self.canonical_request.signed_headers()
    }

    /// Payload hash line.
    pub fn payload_hash(&self) -> PayloadHash<'_> {
        self.canonical_request.payload_hash()
    }

    /// Header mode: the Authorization header value.
    pub fn authorization(&self) -> Option<Authorization> {
        (self.mode() == Mode::Header).then(|| {
            Authorization::with_algorithm(
                self.context.algorithm(),
                &self.context.credentials.access_key_id,
                &self.scope,
                self.signed_headers(),
                &self.signature,
            )
        })
    }

    /// The query of a presigned URL: the request's own parameters in their order, then the
    /// `X-Amz-*` ones, `X-Amz-Signature` after them (and a token added after signing last).
    fn presigned_query(&self) -> String {
        let mut params = self
            .request
            .query()
            .map(query::parse_query)
            .unwrap_or_default();
        let expires = self.context.expires();
        params.extend(auth_params(
            self.context,
            &self.scope,
            self.amz_date(),
            expires,
            self.signed_headers().as_str().as_bytes(),
            &self.settings,
        ));
        params.push(QueryParam::from_raw(
            b"X-Amz-Signature",
            self.signature.as_str().as_bytes(),
        ));
        if let (SessionTokenMode::AddedAfterSigning, Some(token)) =
            (self.settings.session_token, &self.context.credentials.token)
        {
            params.push(QueryParam::from_raw(
                b"X-Amz-Security-Token",
                token.as_bytes(),
            ));
        }
        query::join(&params)
    }

    fn wire_path(&self) -> String {
        encoding::encode_path_for_wire(self.request.path())
    }

    /// Query mode: the presigned URL.
    pub fn presigned_url(&self) -> Option<PresignedUrl> {
        if self.mode() != Mode::Query {
            return None;
        }
        let host = self
            .request
            .header("host")
            .map(headers::trim_all_text)
            .unwrap_or_default();
        Some(PresignedUrl::new(
            &host,
            &self.wire_path(),
            &self.presigned_query(),
        ))
    }

    /// The signed request as a suite's `*-signed-request.txt` writes it.
    pub fn signed_request(&self) -> SignedRequest {
        let payload = payload::PayloadText::Literal(self.canonical_request.payload_hash().0);
        // `additions` succeeded when signing, with the same inputs.
        let added = additions(
            self.request,
            self.context,
            &self.settings,
            self.amz_date(),
            &payload,
        )
        .unwrap_or_default();
        let mut extra: Vec<Header> = added.iter().map(|a| Header::new(a.name, a.value)).collect();
        let target = match self.authorization() {
            Some(authorization) => {
                extra.push(Header::new("Authorization", authorization.as_str()));
                self.request.target.clone()
            }
            None => format!("{}?{}", self.wire_path(), self.presigned_query()).into_bytes(),
        };
        let request = self.request;
        SignedRequest::new(
            &request.method,
            &target,
            &request.version,
            request.headers.iter().chain(&extra),
            &request.body,
        )
    }
}

/// The headers signing adds: `X-Amz-Date` and the token (header mode), `x-amz-content-sha256`
/// (`sign_body`), each only when the request does not already carry it.
fn additions<'a>(
    request: &Request,
    context: &'a Context,
    settings: &Settings,
    amz_date: &'a str,
    payload_hash: &'a payload::PayloadText<'_>,
) -> Result<AddedHeaders<'a>, SignError> {
    let mut added = AddedHeaders::default();
    if settings.mode == Mode::Header {
        match request.header("x-amz-date") {
            Some(existing) => {
                let value = headers::trim_all_text(existing);
                if value != amz_date {
                    return Err(SignError::ConflictingDate {
                        header: value,
                        context: amz_date.to_string(),
                    });
                }
            }
            None => added.push(Added {
                name: "X-Amz-Date",
                value: amz_date,
                signed: true,
            }),
        }
        if context.algorithm().is_asymmetric() && request.header("x-amz-region-set").is_none() {
            added.push(Added {
                name: sigv4a::REGION_SET_HEADER,
                value: &context.region,
                signed: true,
            });
        }
    }
    if settings.sign_body && request.header("x-amz-content-sha256").is_none() {
        added.push(Added {
            name: "x-amz-content-sha256",
            value: payload_hash.as_str(),
            signed: true,
        });
    }
    if let (Mode::Header, Some(token)) = (settings.mode, &context.credentials.token) {
        if request.header("x-amz-security-token").is_none() {
            let signed = settings.session_token != SessionTokenMode::AddedAfterSigning;
            added.push(Added {
                name: "X-Amz-Security-Token",
                value: token,
                signed,
            });
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const S3_AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const S3_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn context(
        akid: &str,
        secret: &str,
        region: &str,
        service: &str,
        time: &str,
        extra: &str,
    ) -> Context {
        let json = format!(
            r#"{{"credentials": {{"access_key_id": "{akid}", "secret_access_key": "{secret}"}},
                "region": "{region}", "service": "{service}", "timestamp": "{time}"{extra}}}"#
        );
        Context::from_json(json.as_bytes()).unwrap()
    }

    /// Every stage of a signature as text, so tests need not keep the request alive.
    struct Out {
        canonical_request: String,
        canonical_query: String,
        signed_headers: String,
        string_to_sign: String,
        signing_key: String,
        signature: String,
        authorization: Option<String>,
        presigned_url: Option<String>,
        signed_request: String,
    }

    fn sign(raw: &str, context: &Context, mode: Mode) -> Out {
        let request = Request::parse(raw.as_bytes()).unwrap();
        let signed = Signer::new().sign(&request, context, mode).unwrap();
        Out {
            canonical_request: signed.canonical_request.to_string(),
            canonical_query: signed.canonical_query().to_string(),
            signed_headers: signed.signed_headers().to_string(),
            string_to_sign: signed.string_to_sign.to_string(),
            signing_key: signed.signing_key.to_string(),
            signature: signed.signature.to_string(),
            authorization: signed.authorization().map(|a| a.to_string()),
            presigned_url: signed.presigned_url().map(|u| u.to_string()),
            signed_request: signed.signed_request().to_string(),
        }
    }

    /// Published AWS documentation examples, inputs written from the documentation.
    #[test]
    fn published_aws_documentation_examples() {
        let iam = context(AKID, SECRET, "us-east-1", "iam", "2015-08-30T12:36:00Z", "");
        let iam_presign = context(
            AKID,
            SECRET,
            "us-east-1",
            "iam",
            "2015-08-30T12:36:00Z",
            r#", "expiration_in_seconds": 60"#,
        );
        let s3 = context(
            S3_AKID,
            S3_SECRET,
            "us-east-1",
            "s3",
            "2013-05-24T00:00:00Z",
            "",
        );
        let s3_presign = context(
            S3_AKID,
            S3_SECRET,
            "us-east-1",
            "s3",
            "2013-05-24T00:00:00Z",
            r#", "expiration_in_seconds": 86400"#,
        );
        let cases: &[(&str, &str, &Context, Mode, &str)] = &[
            (
                "IAM ListUsers, Authorization header (SigV4 docs, 2015-08-30)",
                "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nHost:iam.amazonaws.com\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\nX-Amz-Date:20150830T123600Z\n",
                &iam,
                Mode::Header,
                "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            ),
            (
                "IAM ListUsers, presigned with X-Amz-Expires=60",
                "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nHost:iam.amazonaws.com\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\n",
                &iam_presign,
                Mode::Query,
                "37ac2f4fde00b0ac9bd9eadeb459b1bbee224158d66e7ae5fcadb70b2d181d02",
            ),
            (
                "S3 GET object test.txt with Range (S3 API docs, 2013-05-24)",
                "GET /test.txt HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nRange:bytes=0-9\n",
                &s3,
                Mode::Header,
                "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            ),
            (
                "S3 PUT object test$file.text",
                "PUT /test$file.text HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nDate:Fri, 24 May 2013 00:00:00 GMT\nx-amz-storage-class:REDUCED_REDUNDANCY\n\nWelcome to Amazon S3.",
                &s3,
                Mode::Header,
                "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
            ),
            (
                "S3 GET bucket lifecycle",
                "GET /?lifecycle HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\n",
                &s3,
                Mode::Header,
                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
            ),
            (
                "S3 list objects",
                "GET /?max-keys=2&prefix=J HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\n",
                &s3,
                Mode::Header,
                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
            ),
            (
                "S3 presigned GET test.txt for 86400 seconds",
                "GET /test.txt HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\n",
                &s3_presign,
                Mode::Query,
                "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
            ),
        ];
        for (name, raw, context, mode, want) in cases {
            assert_eq!(
                sign(raw, context, *mode).signature.as_str(),
                *want,
                "{name}"
            );
        }
    }

    #[test]
    fn documented_stages_of_the_examples() {
        let iam = context(AKID, SECRET, "us-east-1", "iam", "2015-08-30T12:36:00Z", "");
        let raw = "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nHost:iam.amazonaws.com\nContent-Type:application/x-www-form-urlencoded; charset=utf-8\nX-Amz-Date:20150830T123600Z\n";
        let signed = sign(raw, &iam, Mode::Header);
        assert_eq!(
            signed.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            signed.signing_key,
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(
            signed.authorization.unwrap(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );

        let s3 = context(
            S3_AKID,
            S3_SECRET,
            "us-east-1",
            "s3",
            "2013-05-24T00:00:00Z",
            r#", "expiration_in_seconds": 86400"#,
        );
        let signed = sign(
            "GET /test.txt HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\n",
            &s3,
            Mode::Query,
        );
        assert_eq!(
            signed.canonical_request,
            "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
        );
        assert_eq!(
            signed.presigned_url.unwrap(),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    /// Values of the official AWS signing test suite's cases, as quoted in
    /// shared/research/bug-catalogue.md section 0 and appendix A.2, requests written here.
    #[test]
    fn suite_style_vectors() {
        let ctx = |extra: &str| {
            context(
                AKID,
                SECRET,
                "us-east-1",
                "service",
                "2015-08-30T12:36:00Z",
                extra,
            )
        };
        let normalized = ctx("");
        let unnormalized = ctx(r#", "normalize": false"#);
        let cases: &[(&str, &Context, &str)] = &[
            ("GET / HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            ("GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"),
            ("GET /?Param1=value2&Param1=Value1 HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
            ("GET /?a=b c&d=e+f HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "088c4803351e275dd758f85e8c521555346cff7c87b4608cde54d87380afb4cb"),
            ("GET /?acl HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "06f239ec83cd47b28ade495a426887f0c088d2396a702f8cd8fda356f210797d"),
            ("GET /?a=*~ HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "1c2d95f73cf8817d7d0ce0ab15a49f47142a774640b07c747ecc123f78789e1e"),
            ("GET /?prefix=a/b HTTP/1.1\nHost:example.amazonaws.com\n", &normalized, "1bc7fa808898875597968c92d10d91078e198786d991e78a1b7cc7830e9e6515"),
            ("GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\n", &unnormalized, "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
            ("GET /example%20space/ HTTP/1.1\nHost:example.amazonaws.com\n", &unnormalized, "446b817944c553435b35e813c261ff4e161fff982d1bacdef1c87f6785dd1662"),
        ];
        for (raw, context, want) in cases {
            assert_eq!(
                sign(raw, context, Mode::Header).signature.as_str(),
                *want,
                "{raw:?}"
            );
        }
        let prefixed: &[(&str, &str, &str)] = &[
            ("GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\n", "acc3ed3a", "a9c736"),
            ("GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\n", "c9d5ea9f", "5138ea"),
            ("GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\n", "cfd34249", "75eefd"),
        ];
        for (raw, start, end) in prefixed {
            let signature = sign(raw, &normalized, Mode::Header).signature.to_string();
            assert!(
                signature.starts_with(start) && signature.ends_with(end),
                "{raw:?}: {signature}"
            );
        }
    }

    #[test]
    fn header_mode_adds_date_token_and_body_hash() {
        let ctx = context(
            AKID,
            SECRET,
            "us-east-1",
            "service",
            "2015-08-30T12:36:00Z",
            r#", "sign_body": true"#,
        );
        let signed = sign(
            "POST / HTTP/1.1\nHost:example.amazonaws.com\n\nParam1=value1",
            &ctx,
            Mode::Header,
        );
        assert_eq!(
            signed.signed_headers,
            "host;x-amz-content-sha256;x-amz-date"
        );
        let text = signed.signed_request;
        assert!(text.starts_with("POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nx-amz-content-sha256:"), "{text}");
        assert!(text.ends_with("\n\nParam1=value1"), "{text}");

        let with_token = |omit: bool| {
            let extra = format!(r#", "omit_session_token": {omit}"#);
            let json = format!(
                r#"{{"credentials": {{"access_key_id": "{AKID}", "secret_access_key": "{SECRET}", "token": "tok/en+=="}},
                    "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"{extra}}}"#
            );
            Context::from_json(json.as_bytes()).unwrap()
        };
        let signed = sign("GET / HTTP/1.1\nHost:h\n", &with_token(false), Mode::Header);
        assert_eq!(
            signed.signed_headers,
            "host;x-amz-date;x-amz-security-token"
        );
        let after = sign("GET / HTTP/1.1\nHost:h\n", &with_token(true), Mode::Header);
        assert_eq!(after.signed_headers, "host;x-amz-date");
        assert!(after
            .signed_request
            .to_string()
            .contains("\nX-Amz-Security-Token:tok/en+==\n"));

        let query = sign("GET / HTTP/1.1\nHost:h\n", &with_token(false), Mode::Query);
        assert!(query
            .canonical_query
            .as_str()
            .contains("X-Amz-Security-Token=tok%2Fen%2B%3D%3D"));
        let query_after = sign("GET / HTTP/1.1\nHost:h\n", &with_token(true), Mode::Query);
        assert!(!query_after
            .canonical_query
            .as_str()
            .contains("Security-Token"));
        assert!(query_after
            .presigned_url
            .unwrap()
            .as_str()
            .ends_with("&X-Amz-Security-Token=tok%2Fen%2B%3D%3D"));
    }

    #[test]
    fn refusals_have_stable_names() {
        let expires = |seconds: i64| {
            context(
                AKID,
                SECRET,
                "us-east-1",
                "service",
                "2015-08-30T12:36:00Z",
                &format!(r#", "expiration_in_seconds": {seconds}"#),
            )
        };
        let request = Request::parse(b"GET / HTTP/1.1\nHost:h\n").unwrap();
        let signer = Signer::new();
        for (seconds, ok) in [
            (0, false),
            (1, true),
            (604_800, true),
            (604_801, false),
            (-5, false),
        ] {
            let context = expires(seconds);
            let result = signer.sign(&request, &context, Mode::Query);
            assert_eq!(result.is_ok(), ok, "{seconds}");
            if let Err(e) = result {
                assert_eq!(e.name(), "expires-out-of-range");
                assert!(e.to_string().contains(&seconds.to_string()));
            }
            // Header mode never looks at the expiry.
            assert!(signer
                .sign(&request, &expires(seconds), Mode::Header)
                .is_ok());
        }
        let ctx = expires(60);
        let no_host = Request::parse(b"GET / HTTP/1.1\nX:1\n").unwrap();
        assert_eq!(
            signer
                .sign(&no_host, &ctx, Mode::Header)
                .unwrap_err()
                .name(),
            "missing-host-header"
        );
        let stale =
            Request::parse(b"GET / HTTP/1.1\nHost:h\nX-Amz-Date:20150830T000000Z\n").unwrap();
        assert_eq!(
            signer.sign(&stale, &ctx, Mode::Header).unwrap_err().name(),
            "conflicting-x-amz-date"
        );
    }
}
