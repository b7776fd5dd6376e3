//! The verdict on one request as it arrived: the signature recomputed with the reference signer
//! from the bytes on the wire, in either mode, with AWS's error codes for everything AWS checks
//! before and after the signature.
//!
//! What is checked, in AWS's order (S3's where services differ):
//!
//! 1. which mechanism: an `Authorization` header (header mode), a presigned query (query mode),
//!    both (400 `InvalidArgument`) or neither (403 `AccessDenied` for S3,
//!    `MissingAuthenticationToken` elsewhere);
//! 2. its form: the algorithm, the three components, the credential, `X-Amz-Date` and
//!    `X-Amz-Expires` (400 `AuthorizationHeaderMalformed`, `IncompleteSignature`,
//!    `AuthorizationQueryParametersError`);
//! 3. the credential: the access key (403 `InvalidAccessKeyId`), the scope's date, region and
//!    service (400), the session token (400 `InvalidToken`);
//! 4. the time: `X-Amz-Date` within 15 minutes of the server's clock (403
//!    `RequestTimeTooSkewed`), a presigned URL not expired (403 `AccessDenied`, "Request has
//!    expired") nor dated in the future;
//! 5. S3: `x-amz-content-sha256` present and well formed, every `x-amz-*` header signed;
//! 6. the signature, recomputed over exactly the headers `SignedHeaders` names with the values that
//!    arrived, the path and query as they arrived and the body that arrived (403
//!    `SignatureDoesNotMatch`, with our canonical request and string to sign, the first divergent
//!    stage and the known mistakes that reproduce the signature). The list is taken verbatim, as
//!    AWS takes it: one that is empty, has an empty entry or a name that is not a header name,
//!    names `authorization` or does not name `host` is malformed (400, as in 2.); one that is not
//!    lower-case, sorted and without repeats, or names a header the request does not carry, is
//!    not what the signature covers (403 `SignatureDoesNotMatch`, never a pass);
//! 7. the body against `x-amz-content-sha256` (400 `XAmzContentSHA256Mismatch`).
//!
//! SigV4a (`AWS4-ECDSA-P256-SHA256`, either mode) goes through the same steps, with these
//! differences: the credential has no region (`AKID/YYYYMMDD/SERVICE/aws4_request`; a five-part
//! one is malformed, 400 as in 2.); the region set is `X-Amz-Region-Set`, one header that must be
//! signed (else 400 `AuthorizationHeaderMalformed` for S3, `IncompleteSignature` otherwise) or
//! the query parameter (else 400 `AuthorizationQueryParametersError`); in 3. the region set must
//! include the server's region (an entry equal to it, `*`, or a prefix wildcard such as `us-*`),
//! else 400 `AuthorizationHeaderMalformed` / `AuthorizationQueryParametersError` with the
//! `Region` and `RegionSet` elements, as for SigV4's wrong region; in 6. the signature provided
//! (hex DER) is verified under the public key derived from the access key and secret over the
//! string to sign recomputed with the reference signer, never compared with the reference's own
//! (ECDSA is randomised), and a wrong one is explained by the SigV4a diagnosis.
//!
//! The `FirstDivergentStage` of a rejection is a pipeline stage (`canonical_request`,
//! `string_to_sign`, `signing_key`, `signature`) when the signature is wrong, or what was checked
//! before it: `request` (no signature at all), `authorization` (the header or presigned parameters
//! are malformed), `credential` (access key, scope, token), `request_time` (skew, expiry),
//! `payload_hash` (`x-amz-content-sha256`).

use crate::check::Fault;
use crate::context::{Context, Credentials, SecretKey};
use crate::diagnose::{diagnose_within, Diagnosis};
use crate::implementation::{SignInput, StageOutputs};
use crate::request::Request;
use crate::sign::encoding::percent_decode;
use crate::sign::headers::trim_all_text;
use crate::sign::payload::EMPTY_SHA256;
use crate::sign::query::split_query;
use crate::sign::sigv4a::{self, REGION_SET_HEADER};
use crate::sign::{Algorithm, Mode, Signer, MAX_EXPIRES};
use crate::signed_parts::{AuthorizationHeader, Credential, Malformed};
use crate::stage::{DivergencePoint as Point, Stage};
use crate::timestamp::Timestamp;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashSet;

/// SigV4's algorithm name (SigV4a's is [`Algorithm::EcdsaP256Sha256`]'s; both are verified).
pub use crate::sign::ALGORITHM;

/// The largest difference allowed between `X-Amz-Date` and the server's clock: 15 minutes.
pub const MAX_SKEW_SECONDS: i64 = 900;

/// What the server expects of every request.
#[derive(Clone)]
pub struct Config {
    /// The one access key it knows.
    pub access_key: String,
    /// Its secret.
    pub secret: SecretKey,
    /// The session token that goes with it, if the credentials are temporary.
    pub token: Option<String>,
    /// The region of the credential scope.
    pub region: String,
    /// The service of the credential scope; `None` accepts any.
    pub service: Option<String>,
    /// S3's rules and error codes, whatever the scope's service.
    pub s3: bool,
    /// Path normalisation, when the service's default (sign::settings) is not what the endpoint
    /// does (`explain --normalize false`).
    pub normalize: Option<bool>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("access_key", &self.access_key)
            .field("secret", &self.secret)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("region", &self.region)
            .field("service", &self.service)
            .field("s3", &self.s3)
            .field("normalize", &self.normalize)
            .finish()
    }
}

impl Config {
    /// Whether S3's rules apply to a request scoped to `service`.
    pub fn s3_for(&self, service: Option<&str>) -> bool {
        self.s3 || service == Some("s3") || self.service.as_deref() == Some("s3")
    }
}

/// The verdict on one request.
///
/// It goes to the client, the log and the report, so it never holds the reference's signature,
/// signing key or anything else that stands in for the secret: for a request that was not signed
/// correctly, that would make the server a signing oracle (anyone able to send requests and read
/// an answer, a log or a report would get a valid signature for any request). The canonical
/// request and string to sign are shown, as AWS shows them.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status: 200 when the signature is right.
    pub status: u16,
    /// AWS's error code (`SignatureDoesNotMatch`, ...); empty when accepted.
    pub code: String,
    /// AWS's message, with our detail.
    pub message: String,
    /// Header or query (header when the request carries no signature at all).
    pub mode: Mode,
    /// Where it first went wrong (see the module documentation); `None` when accepted.
    pub stage: Option<Point>,
    /// Known signer mistakes that reproduce the signature provided, best first.
    pub diagnosis: Vec<Diagnosis>,
    /// What to do about it.
    pub hint: Option<String>,
    /// The reference's canonical request, when it was computed.
    pub canonical_request: Option<String>,
    /// The reference's string to sign, when it was computed.
    pub string_to_sign: Option<String>,
    /// The signature the request carries.
    pub signature_provided: Option<String>,
    /// The access key the request names.
    pub access_key: Option<String>,
    /// The `SignedHeaders` (or `X-Amz-SignedHeaders`) the request names.
    pub signed_headers: Option<String>,
    /// The Authorization header or the presigned target, as sent (no secret is in either).
    pub provided: Option<String>,
    /// The service of the credential scope, once read.
    pub service: Option<String>,
    /// Extra elements of the error body, S3's (`Region`, `ServerTime`, ...).
    pub details: Vec<(&'static str, String)>,
    /// For the report: a broken signer (malformed input) or a divergence.
    pub fault: Option<Fault>,
}

impl Answer {
    /// True when the signature is right and every check passed.
    pub fn accepted(&self) -> bool {
        self.status == 200
    }

    fn new(mode: Mode) -> Answer {
        Answer {
            status: 200,
            code: String::new(),
            message: String::new(),
            mode,
            stage: None,
            diagnosis: Vec::new(),
            hint: None,
            canonical_request: None,
            string_to_sign: None,
            signature_provided: None,
            access_key: None,
            signed_headers: None,
            provided: None,
            service: None,
            details: Vec::new(),
            fault: None,
        }
    }

    fn reject(
        mut self,
        status: u16,
        code: &str,
        stage: Point,
        message: impl Into<String>,
    ) -> Answer {
        self.status = status;
        self.code = code.to_string();
        self.stage = Some(stage);
        self.message = message.into();
        self.fault = Some(
            if matches!(stage, Point::Stage(Stage::Authorization) | Point::Request) && status == 400
            {
                Fault::Signer
            } else {
                Fault::Divergence
            },
        );
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Answer {
        self.hint = Some(hint.into());
        self
    }

    fn detail(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.details.push((name, value.into()));
        self
    }

    /// A verdict for a request that could not be read as HTTP (for `check-request`).
    pub fn unreadable(status: u16, code: &str, message: impl Into<String>) -> Answer {
        Answer::new(Mode::Header).reject(status, code, Point::Request, message)
    }
}

/// One piece of the raw query: the raw bytes, the decoded key and value.
struct Piece<'a> {
    raw: &'a [u8],
    key: String,
    value: String,
}

fn pieces(query: &[u8]) -> Vec<Piece<'_>> {
    split_query(query)
        .map(|piece| Piece {
            raw: piece.raw,
            key: String::from_utf8_lossy(&percent_decode(piece.key)).into_owned(),
            value: String::from_utf8_lossy(&percent_decode(piece.value)).into_owned(),
        })
        .collect()
}

/// The parameters of a presigned URL that carry the signature (not part of the request).
const QUERY_AUTH: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// A request target from a path and raw query pieces (joined by `&`; no `?` when there are none).
fn with_query(path: &[u8], pieces: &[&[u8]]) -> Vec<u8> {
    let mut target = path.to_vec();
    if !pieces.is_empty() {
        target.push(b'?');
        target.extend_from_slice(&pieces.join(&b'&'));
    }
    target
}

fn header_text(request: &Request, name: &str) -> Option<String> {
    request.header(name).map(trim_all_text)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn duration_text(seconds: i64) -> String {
    let s = seconds.abs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86399 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} days {} h", s / 86400, s % 86400 / 3600),
    }
}

/// The mode `verify` would judge `request` in: for requests that are answered before they are
/// verified (a body over the limit).
pub fn mode_of(request: &Request) -> Mode {
    let params = pieces(request.query().unwrap_or_default());
    mode_for(
        request.headers_named("authorization").count(),
        is_presigned(&params),
    )
}

/// Verifies one request as it arrived, at server time `now`.
pub fn verify(request: &Request, config: &Config, signer: &Signer, now: Timestamp) -> Answer {
    match verify_deferred(request, config, signer, now) {
        Outcome::Done(verdict) => verdict,
        Outcome::Explain(explanation) => explanation.run(signer),
    }
}

/// Verifies one request as [`verify`] does, at the cost of one signature: a wrong signature is
/// left to explain ([`Outcome::Explain`]), so that a server can do that within a budget.
pub fn verify_deferred(
    request: &Request,
    config: &Config,
    signer: &Signer,
    now: Timestamp,
) -> Outcome {
    match claim_of(request, config) {
        Ok((claim, base)) => check_claim(claim, request, config, signer, now, base),
        Err(verdict) => verdict.into(),
    }
}

/// What a signed request says of itself, as the verifier reads it: the access key, scope, session
/// token and time it claims to be signed with. `explain` verifies a request against this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfDescription {
    /// SigV4 or SigV4a.
    pub algorithm: Algorithm,
    /// The access key of the credential.
    pub access_key: String,
    /// The scope's region; SigV4a: the first region of the region set.
    pub region: String,
    /// The scope's service.
    pub service: String,
    /// `X-Amz-Security-Token`, if any.
    pub token: Option<String>,
    /// `X-Amz-Date`.
    pub time: Timestamp,
}

/// Reads what `request` claims with the verifier's one claim parser; a request that does not
/// say it is answered as the verifier answers it (`config` decides only S3's error codes).
// A rejection is an ordinary outcome here: no need to box it.
#[allow(clippy::result_large_err)]
pub fn self_description(request: &Request, config: &Config) -> Result<SelfDescription, Answer> {
    let (claim, _) = claim_of(request, config)?;
    let region = match &claim.region_set {
        Some(set) => set.split(',').next().unwrap_or_default().trim().to_string(),
        None => claim.scope.region.clone(),
    };
    Ok(SelfDescription {
        algorithm: claim.algorithm,
        access_key: claim.scope.access_key,
        region,
        service: claim.scope.service,
        token: claim.token,
        time: claim.time,
    })
}

/// The claim of a request (its mode's Authorization header or presigned parameters), or the
/// answer to a request that makes none or two.
#[allow(clippy::result_large_err)]
fn claim_of<'r>(request: &'r Request, config: &Config) -> Result<(Claim<'r>, Answer), Answer> {
    let query = request.query().unwrap_or_default();
    let params = pieces(query);
    let presigned = is_presigned(&params);
    let authorizations = request.headers_named("authorization").count();
    let mode = mode_for(authorizations, presigned);
    let base = Answer::new(mode);
    let s3 = config.s3_for(None);
    if authorizations > 0 && presigned {
        return Err(base
            .reject(400, "InvalidArgument", Point::Stage(Stage::Authorization),
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
            .hint("Send either an Authorization header or a presigned URL, not both.")
            .detail("ArgumentName", "Authorization"));
    }
    if authorizations == 0 && !presigned {
        let sigv2 = params.iter().any(|p| p.key == "AWSAccessKeyId")
            && params.iter().any(|p| p.key == "Signature");
        if sigv2 {
            return Err(base
                .reject(400, "InvalidArgument", Point::Stage(Stage::Authorization), "Unsupported Authorization Type: a Signature Version 2 presigned URL (AWSAccessKeyId, Signature)")
                .hint("This server verifies Signature Version 4: presign with X-Amz-Algorithm=AWS4-HMAC-SHA256 (boto3: Config(signature_version='s3v4'))."));
        }
        let (code, message) = if s3 {
            ("AccessDenied", "Access Denied")
        } else {
            ("MissingAuthenticationToken", "Missing Authentication Token")
        };
        return Err(base
            .reject(403, code, Point::Request, format!("{message}: the request carries neither an Authorization header nor a presigned query (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ...)"))
            .hint("The client sent the request unsigned: give it credentials (curl --aws-sigv4 with --user AK:SK; botocore and the AWS CLI read them from the environment or ~/.aws)."));
    }
    // The verdict so far carries what the claim named (access key, signature, signed headers,
    // what was provided).
    match mode {
        Mode::Header => header_claim(request, config, base),
        Mode::Query => query_claim(request, &params, base),
    }
}

/// What verifying one request comes to: a verdict, or a wrong signature whose explanation is
/// still to be worked out.
#[derive(Debug)]
// One per request, consumed at once: boxing the verdict would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// The verdict.
    Done(Answer),
    /// A wrong signature (403 `SignatureDoesNotMatch`): [`Mismatch::run`] gives the verdict
    /// with what explains it, [`Mismatch::skipped`] the verdict without.
    Explain(Box<Mismatch>),
}

impl From<Answer> for Outcome {
    fn from(verdict: Answer) -> Outcome {
        Outcome::Done(verdict)
    }
}

mod checks;
mod claim;
mod mismatch;
mod region_set;
mod signed_headers;
#[cfg(test)]
mod tests;

use checks::check_claim;
use claim::{
    header_claim, is_presigned, malformed_header, mode_for, query_claim, query_error, scope_error,
    Claim,
};
pub use mismatch::Mismatch;
use mismatch::{signature_mismatch, signature_verifies};
use signed_headers::{check_signed_headers, ListCheck};
