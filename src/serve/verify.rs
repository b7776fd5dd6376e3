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
use crate::sign::{Mode, Signer, MAX_EXPIRES};
use crate::signed_parts::{AuthorizationHeader, Credential, Malformed};
use crate::stage::Stage;
use crate::timestamp::Timestamp;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashSet;

/// The algorithm this server verifies.
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
pub struct Verdict {
    /// The HTTP status: 200 when the signature is right.
    pub status: u16,
    /// AWS's error code (`SignatureDoesNotMatch`, ...); empty when accepted.
    pub code: String,
    /// AWS's message, with our detail.
    pub message: String,
    /// Header or query (header when the request carries no signature at all).
    pub mode: Mode,
    /// Where it first went wrong (see the module documentation); `None` when accepted.
    pub stage: Option<String>,
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

impl Verdict {
    /// True when the signature is right and every check passed.
    pub fn accepted(&self) -> bool {
        self.status == 200
    }

    fn new(mode: Mode) -> Verdict {
        Verdict {
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
        stage: &str,
        message: impl Into<String>,
    ) -> Verdict {
        self.status = status;
        self.code = code.to_string();
        self.stage = Some(stage.to_string());
        self.message = message.into();
        self.fault = Some(
            if matches!(stage, "authorization" | "request") && status == 400 {
                Fault::Signer
            } else {
                Fault::Divergence
            },
        );
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Verdict {
        self.hint = Some(hint.into());
        self
    }

    fn detail(mut self, name: &'static str, value: impl Into<String>) -> Verdict {
        self.details.push((name, value.into()));
        self
    }

    /// A verdict for a request that could not be read as HTTP (for `check-request`).
    pub fn unreadable(status: u16, code: &str, message: impl Into<String>) -> Verdict {
        Verdict::new(Mode::Header).reject(status, code, "request", message)
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

/// What the request says about its own signature, whichever the mode.
struct Claim<'r> {
    mode: Mode,
    scope: Credential,
    credential: String,
    signed_headers: String,
    signature: String,
    time: Timestamp,
    expires: Option<i64>,
    token: Option<String>,
    /// The request with the presigned parameters removed (query mode), or as it arrived
    /// (header mode: borrowed, not copied with its body).
    request: Cow<'r, Request>,
}

/// Whether the query carries presigned parameters (`X-Amz-Algorithm`, `X-Amz-Signature` or
/// `X-Amz-Credential`, decoded).
fn is_presigned(params: &[Piece<'_>]) -> bool {
    params.iter().any(|p| {
        matches!(
            p.key.as_str(),
            "X-Amz-Algorithm" | "X-Amz-Signature" | "X-Amz-Credential"
        )
    })
}

/// Query mode for a presigned query without an Authorization header; header mode otherwise
/// (both, or neither, are rejected as header-mode requests).
fn mode_for(authorizations: usize, presigned: bool) -> Mode {
    if authorizations == 0 && presigned {
        Mode::Query
    } else {
        Mode::Header
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
pub fn verify(request: &Request, config: &Config, signer: &Signer, now: Timestamp) -> Verdict {
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
    let query = request.query().unwrap_or_default();
    let params = pieces(query);
    let presigned = is_presigned(&params);
    let authorizations = request.headers_named("authorization").count();
    let mode = mode_for(authorizations, presigned);
    let base = Verdict::new(mode);
    let s3 = config.s3_for(None);
    if authorizations > 0 && presigned {
        return base
            .reject(400, "InvalidArgument", "authorization",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
            .hint("Send either an Authorization header or a presigned URL, not both.")
            .detail("ArgumentName", "Authorization").into();
    }
    if authorizations == 0 && !presigned {
        let sigv2 = params.iter().any(|p| p.key == "AWSAccessKeyId")
            && params.iter().any(|p| p.key == "Signature");
        if sigv2 {
            return base
                .reject(400, "InvalidArgument", "authorization", "Unsupported Authorization Type: a Signature Version 2 presigned URL (AWSAccessKeyId, Signature)")
                .hint("This server verifies Signature Version 4: presign with X-Amz-Algorithm=AWS4-HMAC-SHA256 (boto3: Config(signature_version='s3v4')).").into();
        }
        let (code, message) = if s3 {
            ("AccessDenied", "Access Denied")
        } else {
            ("MissingAuthenticationToken", "Missing Authentication Token")
        };
        return base
            .reject(403, code, "request", format!("{message}: the request carries neither an Authorization header nor a presigned query (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ...)"))
            .hint("The client sent the request unsigned: give it credentials (curl --aws-sigv4 with --user AK:SK; botocore and the AWS CLI read them from the environment or ~/.aws).").into();
    }
    let claim = match mode {
        Mode::Header => header_claim(request, config, base),
        Mode::Query => query_claim(request, &params, base),
    };
    // The verdict so far carries what the claim named (access key, signature, signed headers,
    // what was provided).
    let (claim, base) = match claim {
        Ok(claim) => claim,
        Err(verdict) => return verdict.into(),
    };
    check_claim(claim, request, config, signer, now, base)
}

fn malformed_header(base: Verdict, s3: bool, message: String, hint: String) -> Verdict {
    if s3 {
        base.reject(
            400,
            "AuthorizationHeaderMalformed",
            "authorization",
            format!("The authorization header is malformed; {message}"),
        )
    } else {
        base.reject(400, "IncompleteSignature", "authorization", message)
    }
    .hint(hint)
}

// A rejection is an ordinary outcome here, and built once per request: no need to box it.
#[allow(clippy::result_large_err)]
fn header_claim<'r>(
    request: &'r Request,
    config: &Config,
    mut base: Verdict,
) -> Result<(Claim<'r>, Verdict), Verdict> {
    let s3 = config.s3_for(None);
    if request.headers_named("authorization").count() > 1 {
        return Err(malformed_header(
            base,
            s3,
            "the request carries two Authorization headers".into(),
            "Send one Authorization header.".into(),
        ));
    }
    let value = header_text(request, "authorization").unwrap_or_default();
    base.provided = Some(value.clone());
    let algorithm = value.split([' ', '\t', ',']).next().unwrap_or_default();
    if algorithm != ALGORITHM {
        let what = if algorithm == "AWS" {
            "Signature Version 2 (`AWS AKID:signature`)".to_string()
        } else if algorithm.starts_with("AWS4-ECDSA") {
            "Signature Version 4A".to_string()
        } else {
            format!("the algorithm {algorithm:?}")
        };
        return Err(base
            .reject(400, "InvalidArgument", "authorization", format!("Unsupported Authorization Type: {what}"))
            .hint("This server verifies AWS4-HMAC-SHA256 (Signature Version 4); the algorithm is case-sensitive.")
            .detail("ArgumentName", "Authorization"));
    }
    let auth = AuthorizationHeader::parse(&value)
        .map_err(|Malformed { message, hint }| malformed_header(base.clone(), s3, message, hint))?;
    base.signature_provided = Some(auth.signature.clone());
    base.signed_headers = Some(auth.signed_headers.clone());
    let scope = Credential::parse(&auth.credential).map_err(|m| {
        malformed_header(
            base.clone(),
            s3,
            m,
            "Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request, the date being X-Amz-Date's."
                .into(),
        )
    })?;
    base.access_key = Some(scope.access_key.clone());
    if request.headers_named("x-amz-date").count() > 1 {
        return Err(malformed_header(
            base,
            s3,
            "the request carries two X-Amz-Date headers".into(),
            "Send one X-Amz-Date header.".into(),
        ));
    }
    let date = header_text(request, "x-amz-date");
    let time = match date.as_deref().map(Timestamp::parse_amz) {
        Some(Ok(time)) => time,
        found => {
            let hint = match (found, request.header("date")) {
                (None, Some(_)) => "The request is dated by its Date header only: this verifier needs X-Amz-Date (YYYYMMDD'T'HHMMSS'Z', UTC), signed.".to_string(),
                (None, None) => "Add an X-Amz-Date header (YYYYMMDD'T'HHMMSS'Z', UTC) and sign it.".to_string(),
                _ => format!("X-Amz-Date {:?} is not YYYYMMDD'T'HHMMSS'Z' (UTC, no separators, no fraction).", date.clone().unwrap_or_default()),
            };
            return Err(if s3 {
                base.reject(403, "AccessDenied", "request_time", "AWS authentication requires a valid Date or x-amz-date header")
            } else {
                base.reject(400, "IncompleteSignature", "request_time", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
            }
            .hint(hint));
        }
    };
    let claim = Claim {
        mode: Mode::Header,
        scope,
        credential: auth.credential,
        signed_headers: auth.signed_headers,
        signature: auth.signature,
        time,
        expires: None,
        token: header_text(request, "x-amz-security-token"),
        request: Cow::Borrowed(request),
    };
    Ok((claim, base))
}

fn query_error(base: Verdict, message: impl Into<String>, hint: impl Into<String>) -> Verdict {
    base.reject(
        400,
        "AuthorizationQueryParametersError",
        "authorization",
        message,
    )
    .hint(hint)
}

// A rejection is an ordinary outcome here, and built once per request: no need to box it.
#[allow(clippy::result_large_err)]
fn query_claim<'r>(
    request: &'r Request,
    params: &[Piece<'_>],
    mut base: Verdict,
) -> Result<(Claim<'r>, Verdict), Verdict> {
    base.provided = Some(String::from_utf8_lossy(&request.target).into_owned());
    let get = |name: &str| -> Result<Option<&str>, Verdict> {
        let mut found = params.iter().filter(|p| p.key == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(query_error(
                base.clone(),
                format!("the query parameter {name} appears more than once"),
                "Give each X-Amz-* parameter once.",
            ));
        }
        Ok(first.map(|p| p.value.as_str()))
    };
    let required = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Expires",
    ];
    let mut values = Vec::new();
    for name in required {
        values.push(get(name)?);
    }
    let token = get("X-Amz-Security-Token")?.map(str::to_string);
    let missing: Vec<&str> = required
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(query_error(base, format!("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; missing: {}", missing.join(", ")), "Presign with all six parameters (names are case-sensitive)."));
    }
    let [algorithm, credential, signature, date, signed_headers, expires] = values
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect::<Vec<_>>()
        .try_into()
        .unwrap_or([""; 6]);
    base.signature_provided = Some(signature.to_string());
    base.signed_headers = Some(signed_headers.to_string());
    if algorithm != ALGORITHM {
        return Err(query_error(
            base,
            format!("X-Amz-Algorithm only supports \"{ALGORITHM}\", not {algorithm:?}"),
            "Presign with Signature Version 4 (AWS4-HMAC-SHA256).",
        ));
    }
    let scope = Credential::parse(credential).map_err(|m| {
        query_error(
            base.clone(),
            format!("Error parsing the X-Amz-Credential parameter; {m}"),
            "X-Amz-Credential=AKID%2FYYYYMMDD%2FREGION%2FSERVICE%2Faws4_request",
        )
    })?;
    base.access_key = Some(scope.access_key.clone());
    let time = Timestamp::parse_amz(date).map_err(|_| {
        query_error(base.clone(), format!("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", not {date:?}"), "X-Amz-Date=YYYYMMDD'T'HHMMSS'Z', in UTC.")
    })?;
    let expires_value: i64 = match expires.parse::<i64>() {
        Ok(v) => v,
        Err(_) => {
            return Err(query_error(
                base,
                format!("X-Amz-Expires should be a number, not {expires:?}"),
                "X-Amz-Expires is the validity in seconds, 1 to 604800.",
            ));
        }
    };
    if expires_value < 0 {
        return Err(query_error(
            base,
            "X-Amz-Expires must be non-negative",
            "X-Amz-Expires is the validity in seconds, 1 to 604800.",
        )
        .detail("X-Amz-Expires", expires));
    }
    if !(1..=MAX_EXPIRES).contains(&expires_value) {
        return Err(query_error(base, format!("X-Amz-Expires must be less than a week (in seconds) that is 604800, and at least 1; got {expires_value}"), "A presigned URL is valid for 1 to 604800 seconds (seven days); sign a new one rather than a longer one.").detail("X-Amz-Expires", expires));
    }
    // The request without the presigned parameters: what was signed, with them re-added by the
    // reference signer from the claim.
    let own: Vec<&[u8]> = params
        .iter()
        .filter(|p| !QUERY_AUTH.contains(&p.key.as_str()))
        .map(|p| p.raw)
        .collect();
    let mut stripped = request.clone();
    stripped.target = with_query(request.path(), &own);
    let claim = Claim {
        mode: Mode::Query,
        scope,
        credential: credential.to_string(),
        signed_headers: signed_headers.to_string(),
        signature: signature.to_string(),
        time,
        expires: Some(expires_value),
        token,
        request: Cow::Owned(stripped),
    };
    Ok((claim, base))
}

fn scope_error(base: Verdict, mode: Mode, message: String, hint: String) -> Verdict {
    match mode {
        Mode::Header => base.reject(
            400,
            "AuthorizationHeaderMalformed",
            "credential",
            format!("The authorization header is malformed; {message}"),
        ),
        Mode::Query => base.reject(
            400,
            "AuthorizationQueryParametersError",
            "credential",
            format!("Error parsing the X-Amz-Credential parameter; {message}"),
        ),
    }
    .hint(hint)
}

fn check_claim(
    claim: Claim<'_>,
    arrived: &Request,
    config: &Config,
    signer: &Signer,
    now: Timestamp,
    mut base: Verdict,
) -> Outcome {
    let mode = claim.mode;
    let scope = &claim.scope;
    base.service = Some(scope.service.clone());
    let s3 = config.s3_for(Some(&scope.service));
    if !constant_time_eq(scope.access_key.as_bytes(), config.access_key.as_bytes()) {
        return base
            .reject(403, "InvalidAccessKeyId", "credential", "The AWS Access Key Id you provided does not exist in our records.")
            .hint(format!("The request is signed with the access key {:?}; this server knows one access key (given with --access-key).", scope.access_key))
            .detail("AWSAccessKeyId", scope.access_key.clone()).into();
    }
    let amz_date = claim.time.amz_str();
    if scope.date != amz_date[..8] {
        return scope_error(
            base,
            mode,
            format!("Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".", scope.date, &amz_date[..8]),
            "The credential scope's date is X-Amz-Date's date (YYYYMMDD): take both from one reading of the clock, in UTC (a key cached across midnight does this).".into(),
        ).into();
    }
    if scope.region != config.region {
        return scope_error(
            base,
            mode,
            format!("the region '{}' is wrong; expecting '{}'", scope.region, config.region),
            format!("Sign for region {:?} (curl: --aws-sigv4 aws:amz:{}:SERVICE; botocore and the AWS CLI: region_name / --region).", config.region, config.region),
        )
        .detail("Region", config.region.clone()).into();
    }
    if let Some(service) = &config.service {
        if &scope.service != service {
            return scope_error(
                base,
                mode,
                format!("incorrect service \"{}\". This endpoint belongs to \"{service}\".", scope.service),
                format!("Sign for service {service:?}: the credential scope names the service the request is for."),
            ).into();
        }
    }
    match (&config.token, &claim.token) {
        (None, None) => {}
        (Some(want), Some(got)) if constant_time_eq(want.as_bytes(), got.as_bytes()) => {}
        (Some(_), None) => {
            return base
                .reject(403, "InvalidAccessKeyId", "credential", "The AWS Access Key Id you provided does not exist in our records: this access key is temporary and the request carries no session token.")
                .hint("Send the session token as X-Amz-Security-Token (a header in header mode, a query parameter of the presigned URL).")
                .detail("AWSAccessKeyId", scope.access_key.clone()).into();
        }
        (None, Some(_)) => {
            return base
                .reject(400, "InvalidToken", "credential", "The provided token is malformed or otherwise invalid: this server's credentials have no session token.")
                .hint("Leave X-Amz-Security-Token out, or start the server with --token.").into();
        }
        (Some(_), Some(_)) => {
            return base
                .reject(400, "InvalidToken", "credential", "The provided token is malformed or otherwise invalid.")
                .hint("X-Amz-Security-Token differs from the session token this server was given (--token).").into();
        }
    }
    let skew = now.unix_seconds() - claim.time.unix_seconds();
    let server_time = now.amz_str().to_string();
    match claim.expires {
        None if skew.abs() > MAX_SKEW_SECONDS => {
            let direction = if skew > 0 { "behind" } else { "ahead of" };
            return base
                .reject(403, "RequestTimeTooSkewed", "request_time", format!(
                    "The difference between the request time and the current time is too large: X-Amz-Date {amz_date} is {} {direction} the server's clock ({server_time}); at most 15 minutes are allowed.",
                    duration_text(skew)))
                .hint("Sign with the current time in UTC, right before sending (a signer using local time, a wrong clock, or a signed request sent again later does this).")
                .detail("RequestTime", amz_date)
                .detail("ServerTime", now.rfc3339())
                .detail("MaxAllowedSkewMilliseconds", "900000").into();
        }
        Some(expires) if skew > expires => {
            let expiry = Timestamp::from_unix(claim.time.unix_seconds() + expires);
            return base
                .reject(403, "AccessDenied", "request_time", "Request has expired")
                .hint(format!(
                    "The URL was signed at {amz_date} for {expires} s (X-Amz-Expires), so it expired at {}, {} before the server's time {server_time}: presign a new one.",
                    expiry.amz_str(), duration_text(skew - expires)))
                .detail("X-Amz-Expires", expires.to_string())
                .detail("Expires", expiry.rfc3339())
                .detail("ServerTime", now.rfc3339()).into();
        }
        Some(_) if -skew > MAX_SKEW_SECONDS => {
            return base
                .reject(403, "AccessDenied", "request_time", "Request is not valid yet")
                .hint(format!("X-Amz-Date {amz_date} is {} ahead of the server's clock ({server_time}): presign with the current UTC time.", duration_text(skew)))
                .detail("ServerTime", now.rfc3339()).into();
        }
        _ => {}
    }
    // Lower-cased, for lookups that stay cheap with thousands of headers.
    let signed: HashSet<String> = claim
        .signed_headers
        .split(';')
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let list = check_signed_headers(&claim.signed_headers, &claim.request, mode);
    if let ListCheck::Malformed { message, hint } = list {
        return match mode {
            Mode::Header => malformed_header(base, s3, message, hint),
            Mode::Query => query_error(base, message, hint),
        }
        .into();
    }
    let payload_header = header_text(arrived, "x-amz-content-sha256");
    if s3 {
        let unsigned: Vec<String> = arrived
            .headers
            .iter()
            .map(|h| h.name.to_ascii_lowercase())
            .filter(|n| n.starts_with("x-amz-") && !signed.contains(n))
            .collect();
        if !unsigned.is_empty() {
            return base
                .reject(403, "AccessDenied", "canonical_request", "There were headers present in the request which were not signed")
                .hint("S3 requires every x-amz-* header that is sent to be signed: add it to SignedHeaders (or stop sending it).")
                .detail("HeadersNotSigned", unsigned.join(", ")).into();
        }
        if mode == Mode::Header && payload_header.is_none() {
            return base
                .reject(400, "MissingSecurityHeader", "payload_hash", "Your request is missing a required header: x-amz-content-sha256")
                .hint("S3 signs the payload hash in x-amz-content-sha256: send it (the body's hex SHA-256, or UNSIGNED-PAYLOAD) and sign it.")
                .detail("MissingHeaderName", "x-amz-content-sha256").into();
        }
    }
    if let Some(value) = &payload_header {
        if value.starts_with("STREAMING-") {
            return base
                .reject(501, "NotImplemented", "payload_hash", format!("A header you provided implies functionality that is not implemented: x-amz-content-sha256 {value} (aws-chunked streaming signatures) is not verified by this server"))
                .hint("Send the body in one piece with its SHA-256 (or UNSIGNED-PAYLOAD) in x-amz-content-sha256.")
                .detail("Header", "x-amz-content-sha256").into();
        }
        let hex = value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex && value != "UNSIGNED-PAYLOAD" {
            return base
                .reject(400, "InvalidArgument", "payload_hash", format!("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value; got {value:?}"))
                .hint("x-amz-content-sha256 is the body's SHA-256 in lower-case hex (64 digits).")
                .detail("ArgumentName", "x-amz-content-sha256").into();
        }
    }

    // The signature, recomputed over what arrived.
    let mut context = Context::legacy_example(claim.time);
    context.credentials = Credentials {
        access_key_id: scope.access_key.clone(),
        secret_access_key: config.secret.clone(),
        token: if mode == Mode::Query {
            claim.token.clone()
        } else {
            None
        },
    };
    context.region = scope.region.clone();
    context.service = scope.service.clone();
    // S3's rules (path, encoding, payload hash) are decided by sign::settings from this.
    context.s3_rules = s3;
    context.normalize = config.normalize;
    context.sign_body = Some(false);
    context.expiration_in_seconds = claim.expires;
    // The signature covers the payload hash the request claims; the body is checked against
    // that claim afterwards. (S3's own x-amz-content-sha256 rule already reads the header.)
    context.payload_hash = match mode {
        Mode::Header if !s3 => payload_header.clone(),
        _ => None,
    };
    context.unsigned_headers = claim
        .request
        .headers
        .iter()
        .filter(|h| !signed.contains(&h.name.to_ascii_lowercase()))
        .map(|h| h.name.clone())
        .collect();
    let request = &claim.request;
    let signed_ref = match signer.sign(request, &context, mode) {
        Ok(signed) => signed,
        Err(e) => {
            return base
                .reject(
                    400,
                    "InvalidRequest",
                    "canonical_request",
                    format!("The request cannot be signed: {e}"),
                )
                .into();
        }
    };
    let signature = signed_ref.signature.as_str().to_string();
    base.canonical_request = Some(signed_ref.canonical_request.to_string());
    base.string_to_sign = Some(signed_ref.string_to_sign.to_string());
    // The reference signs the headers the list names, lower-cased, sorted and merged; the list
    // was checked to be exactly that, so this only guards against a header the signer adds.
    let computed_list = signed_ref.signed_headers().as_str().to_string();
    drop(signed_ref);
    let right = constant_time_eq(signature.as_bytes(), claim.signature.as_bytes());
    let hints = match list {
        ListCheck::Mismatch { hints } => hints,
        _ if computed_list != claim.signed_headers => vec![format!(
            "This server signs with SignedHeaders {computed_list:?}, not the {:?} the request names.",
            claim.signed_headers
        )],
        _ => Vec::new(),
    };
    if !right || !hints.is_empty() {
        let right_for = right.then_some(computed_list.as_str());
        return signature_mismatch(base, &claim, arrived, context, hints, right_for);
    }
    if let (Mode::Header, Some(value)) = (mode, &payload_header) {
        let actual = hex::encode(Sha256::digest(&arrived.body));
        if value != "UNSIGNED-PAYLOAD" && !value.eq_ignore_ascii_case(&actual) {
            let empty = value.as_bytes() == EMPTY_SHA256;
            let hint = if empty {
                format!("The signature covers an empty body, but {} bytes arrived: hash the body that is sent (a streamed or re-serialised body hashed as empty does this).", arrived.body.len())
            } else {
                format!("The {} bytes that arrived are not the ones that were hashed: the body changed after signing (re-serialised, newlines rewritten, a form or multipart body rebuilt).", arrived.body.len())
            };
            return base
                .reject(
                    400,
                    "XAmzContentSHA256Mismatch",
                    "payload_hash",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                )
                .hint(hint)
                .detail("ClientComputedContentSHA256", value.clone())
                .detail("S3ComputedContentSHA256", actual)
                .into();
        }
    }
    base.status = 200;
    Outcome::Done(base)
}

/// What is wrong with a `SignedHeaders` (or `X-Amz-SignedHeaders`) list.
#[derive(Debug)]
enum ListCheck {
    /// A list the canonical request could hold: lower-case, sorted, once each, `host` included,
    /// every header present.
    Exact,
    /// Not a list of header names at all (an empty entry, a name that is not an HTTP token), or
    /// one no signature can be right for (`authorization` named, `host` not): 400, like the
    /// other malformed authorization parameters.
    Malformed {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
    /// A list no correct signer writes for this request (upper-case, out of order, repeated, a
    /// header the request does not carry): the signature covers the list as written, so it does
    /// not match what this server computes; 403 `SignatureDoesNotMatch`, never a pass.
    Mismatch {
        /// One per problem.
        hints: Vec<String>,
    },
}

/// Checks the list of signed headers as AWS reads it: verbatim. A header name is case-insensitive
/// on the wire, but the list is part of the canonical request, so it must be exactly what a signer
/// writes there.
fn check_signed_headers(list: &str, request: &Request, mode: Mode) -> ListCheck {
    let names: Vec<&str> = list.split(';').collect();
    let field = match mode {
        Mode::Header => "SignedHeaders",
        Mode::Query => "X-Amz-SignedHeaders",
    };
    if list.is_empty() || names.iter().any(|n| n.is_empty()) {
        return ListCheck::Malformed {
            message: format!("{field} {list:?} has an empty entry"),
            hint: format!("{field} is the signed header names joined by `;`, e.g. host;x-amz-date: no empty entry, no `;` at either end."),
        };
    }
    if let Some(bad) = names
        .iter()
        .find(|n| !n.bytes().all(crate::request::is_token_byte))
    {
        return ListCheck::Malformed {
            message: format!("{field} names {bad:?}, which is not a header name"),
            hint: format!("{field} holds header names only, joined by `;` without spaces."),
        };
    }
    if names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("authorization"))
    {
        return ListCheck::Malformed {
            message: format!("{field} {list:?} names authorization, which cannot be signed"),
            hint: "The Authorization header carries the signature: it is never one of the signed headers.".into(),
        };
    }
    if !names.iter().any(|n| n.eq_ignore_ascii_case("host")) {
        return ListCheck::Malformed {
            message: format!("'Host' must be a signed header: {field} does not name host"),
            hint: format!(
                "Sign the Host header ({field}=host;...), and every other header signed."
            ),
        };
    }
    let mut hints = Vec::new();
    let mut canonical: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    canonical.sort();
    canonical.dedup();
    if names
        .iter()
        .any(|n| n.bytes().any(|b| b.is_ascii_uppercase()))
    {
        hints.push(format!(
            "{field} {list:?} is not lower-case: the canonical request lists header names in lower case, and the signature covers the list as written."
        ));
    }
    if names.len() != canonical.len() {
        hints.push(format!(
            "{field} {list:?} names a header more than once: the canonical request lists each once (repeated headers are merged into one line)."
        ));
    } else if names
        .windows(2)
        .any(|w| w[0].to_ascii_lowercase() > w[1].to_ascii_lowercase())
    {
        hints.push(format!(
            "{field} {list:?} is not sorted: the canonical request lists header names sorted ({:?}).",
            canonical.join(";")
        ));
    }
    let present: HashSet<String> = request
        .headers
        .iter()
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    let absent: Vec<&str> = names
        .iter()
        .filter(|n| !present.contains(&n.to_ascii_lowercase()))
        .copied()
        .collect();
    if !absent.is_empty() {
        hints.push(format!(
            "{field} names {} but the request that arrived has no such header: it was dropped on the way, or the signer listed a header it did not send.",
            absent.join(", ")
        ));
    }
    if hints.is_empty() {
        ListCheck::Exact
    } else {
        ListCheck::Mismatch { hints }
    }
}

/// A request that differs from `request` only in what `change` does, signed again.
fn probe(
    signer: &Signer,
    request: &Request,
    context: &Context,
    mode: Mode,
    provided: &str,
    change: impl FnOnce(&mut Request, &mut Context),
) -> bool {
    let (mut request, mut context) = (request.clone(), context.clone());
    change(&mut request, &mut context);
    signer
        .sign(&request, &context, mode)
        .is_ok_and(|s| constant_time_eq(s.signature.as_str().as_bytes(), provided.as_bytes()))
}

fn signature_mismatch(
    base: Verdict,
    claim: &Claim<'_>,
    arrived: &Request,
    context: Context,
    list_hints: Vec<String>,
    right_for_list: Option<&str>,
) -> Outcome {
    let mode = claim.mode;
    let request = claim.request.as_ref();
    let provided = claim.signature.as_str();
    let mut names: Vec<String> = request
        .headers
        .iter()
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    names.sort_unstable();
    let absent = claim
        .signed_headers
        .split(';')
        .any(|s| names.binary_search(&s.to_ascii_lowercase()).is_err());
    let mut hints: Vec<String> = list_hints;
    if let Some(list) = right_for_list {
        // The signature is right for the headers the list names that arrived, listed as a signer
        // lists them: the list was changed on the way, or the signer wrote one list and signed
        // another.
        hints.push(format!(
            "The signature is right for SignedHeaders {list:?}, not for the list as sent: the signature covers the list exactly as written, so send exactly the list that was signed."
        ));
    }
    let mut actual = StageOutputs::new();
    actual.insert(Stage::Signature, provided.as_bytes().to_vec());
    match mode {
        Mode::Header => {
            if let Some(auth) = &base.provided {
                actual.insert(Stage::Authorization, auth.as_bytes().to_vec());
            }
        }
        Mode::Query => {
            let host = header_text(arrived, "host").unwrap_or_default();
            let mut url = format!("https://{host}").into_bytes();
            url.extend_from_slice(&arrived.target);
            actual.insert(Stage::PresignedUrl, url);
        }
    }
    Outcome::Explain(Box::new(Explanation {
        base,
        mode,
        request: request.clone(),
        provided: provided.to_string(),
        actual,
        context,
        hints,
        search: !absent && right_for_list.is_none(),
        access_key: claim.scope.access_key.clone(),
        credential: claim.credential.clone(),
    }))
}

/// What verifying one request comes to: a verdict, or a wrong signature whose explanation is
/// still to be worked out.
#[derive(Debug)]
// One per request, consumed at once: boxing the verdict would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// The verdict.
    Done(Verdict),
    /// A wrong signature (403 `SignatureDoesNotMatch`): [`Explanation::run`] gives the verdict
    /// with what explains it, [`Explanation::skipped`] the verdict without.
    Explain(Box<Explanation>),
}

impl From<Verdict> for Outcome {
    fn from(verdict: Verdict) -> Outcome {
        Outcome::Done(verdict)
    }
}

/// The explanation of a wrong signature, still to be worked out: the tampering probes (is the
/// signature right without one of the query parameters, for the host without its port, for an
/// empty body?) and, when none explains it, the diagnosis search over the catalogue's mistakes.
/// Both sign the request again and again: a few milliseconds for a common request, seconds for
/// one with thousands of signed headers, where checking the signature cost one signature. The
/// verdict itself does not depend on it.
#[derive(Debug)]
pub struct Explanation {
    base: Verdict,
    mode: Mode,
    request: Request,
    provided: String,
    actual: StageOutputs,
    context: Context,
    hints: Vec<String>,
    search: bool,
    access_key: String,
    credential: String,
}

impl Explanation {
    /// The verdict with its explanation: the probes, then the diagnosis search within
    /// [`crate::diagnose::TIME_LIMIT`].
    pub fn run(&self, signer: &Signer) -> Verdict {
        self.run_within(signer, crate::diagnose::TIME_LIMIT)
    }

    /// [`Explanation::run`] with another time limit for the search (wall-clock: a command run by
    /// hand can give it more than a server answering many clients).
    pub fn run_within(&self, signer: &Signer, limit: std::time::Duration) -> Verdict {
        let (mode, request, provided, context) = (
            self.mode,
            &self.request,
            self.provided.as_str(),
            &self.context,
        );
        let mut hints = self.hints.clone();
        // What changed on the way: cheap probes of common tampering, tried first (a request
        // that a probe explains was changed after signing, so no signer mistake needs to be
        // searched for).
        let before = hints.len();
        if let Some(query) = request.query() {
            let own = pieces(query);
            if own.len() <= 16 {
                for (i, piece) in own.iter().enumerate() {
                    let rest: Vec<&[u8]> = own
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, p)| p.raw)
                        .collect();
                    let target = with_query(request.path(), &rest);
                    if probe(signer, request, context, mode, provided, |r, _| {
                        r.target = target;
                    }) {
                        hints.push(format!(
                            "The signature is right for the request without the query parameter {:?}: it was added after signing.",
                            piece.key
                        ));
                        break;
                    }
                }
            }
        }
        if let Some(host) = header_text(request, "host") {
            if let Some((bare, _port)) = host.rsplit_once(':').filter(|(h, p)| {
                !h.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
            }) {
                if probe(signer, request, context, mode, provided, |r, _| {
                    for h in r.headers.iter_mut().filter(|h| h.is("host")) {
                        *h = crate::request::Header::new("Host", bare);
                    }
                }) {
                    hints.push(format!(
                        "The signature is right for Host {bare:?}, but the request arrived with Host {host:?}: sign the Host header exactly as it is sent, port included (a proxy or a verifier rebuilding the host does this)."
                    ));
                }
            }
        }
        let empty_body = String::from_utf8_lossy(EMPTY_SHA256).into_owned();
        if context.payload_hash.is_none()
            && !request.body.is_empty()
            && probe(signer, request, context, mode, provided, |_, c| {
                c.payload_hash = Some(empty_body)
            })
        {
            hints.push(format!(
                "The signature is right for an empty body, but {} bytes arrived: the signer hashed no body (a streamed body, or one added after signing).",
                request.body.len()
            ));
        }
        let explained = hints.len() > before;
        let diagnosis = if self.search && !explained {
            let input = SignInput {
                id: format!("serve/{mode}"),
                mode,
                request_bytes: Vec::new(),
                request: request.clone(),
                context_json: serde_json::Value::Null,
                context: context.clone(),
            };
            diagnose_within(&input, &self.actual, limit)
        } else {
            Vec::new()
        };
        self.verdict(hints, diagnosis, None)
    }

    /// The verdict without its explanation (neither probes nor search), saying why in the hint
    /// and in a `DiagnosisSkipped` element.
    pub fn skipped(&self, why: &str) -> Verdict {
        self.verdict(self.hints.clone(), Vec::new(), Some(why))
    }

    fn verdict(
        &self,
        mut hints: Vec<String>,
        diagnosis: Vec<Diagnosis>,
        skipped: Option<&str>,
    ) -> Verdict {
        let provided = self.provided.as_str();
        let message = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
        // A search that was skipped or stopped (a request too large, out of time) names no
        // mistake: it says so in a hint instead.
        let incomplete = diagnosis
            .iter()
            .find(|d| d.is_incomplete())
            .map(|d| d.explanation.clone());
        let named = diagnosis.iter().find(|d| !d.is_incomplete());
        let first = if let Some(d) = named {
            d.stage.clone()
        } else if provided.len() != 64
            || !provided
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            hints.push(format!(
                "The signature provided is not 64 lower-case hex digits ({} characters): the final HMAC is hex-encoded in lower case.",
                provided.len()
            ));
            "signature".to_string()
        } else {
            "canonical_request".to_string()
        };
        if let Some(d) = named {
            hints.insert(
                0,
                format!("Known mistake {}: {}.", d.mutation, d.explanation),
            );
        }
        if let Some(why) = skipped {
            hints.push(format!(
                "Diagnosis skipped: {why}. The verdict stands; send the request again later, or check it with `sigv4-conformance check-request`, for the known mistakes that explain it."
            ));
        } else if let Some(incomplete) = incomplete.filter(|_| hints.is_empty()) {
            hints.push(format!("{incomplete}."));
        } else if hints.is_empty() {
            hints.push(
                "No known signer mistake reproduces this signature, so the request that arrived is probably not the one that was signed: a signed header, the path, the query or the body changed on the way (or the secret key differs). Compare the client's canonical request with CanonicalRequest.".to_string(),
            );
        }
        let mut verdict = self
            .base
            .clone()
            .reject(403, "SignatureDoesNotMatch", &first, message)
            .hint(hints.join(" "));
        verdict.diagnosis = diagnosis;
        if let Some(why) = skipped {
            verdict = verdict.detail("DiagnosisSkipped", why);
        }
        verdict
            .detail("AWSAccessKeyId", self.access_key.clone())
            .detail("Credential", self.credential.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            access_key: "AKIDEXAMPLE".into(),
            secret: SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            token: None,
            region: "us-east-1".into(),
            service: Some("service".into()),
            s3: false,
            normalize: None,
        }
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    const VANILLA: &str = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\n\n";

    fn check(raw: &str, now: &str, config: &Config) -> Verdict {
        let request = Request::parse(raw.as_bytes()).unwrap();
        verify(&request, config, &Signer::new(), at(now))
    }

    #[test]
    fn accepts_the_suite_vector_and_names_each_failure() {
        let c = config();
        let v = check(VANILLA, "2015-08-30T12:40:00Z", &c);
        assert!(v.accepted(), "{v:?}");
        let cases: Vec<(String, &str, u16, &str, &str)> = vec![
            (
                VANILLA.replace("Host:example", "Host:another"),
                "2015-08-30T12:36:00Z",
                403,
                "SignatureDoesNotMatch",
                "canonical_request",
            ),
            (
                VANILLA.replace("GET / ", "GET /?a=b "),
                "2015-08-30T12:36:00Z",
                403,
                "SignatureDoesNotMatch",
                "canonical_request",
            ),
            (
                VANILLA.to_string(),
                "2015-08-30T13:36:00Z",
                403,
                "RequestTimeTooSkewed",
                "request_time",
            ),
            (
                VANILLA.replace("us-east-1/service", "eu-west-1/service"),
                "2015-08-30T12:36:00Z",
                400,
                "AuthorizationHeaderMalformed",
                "credential",
            ),
            (
                VANILLA.replace("us-east-1/service", "us-east-1/other"),
                "2015-08-30T12:36:00Z",
                400,
                "AuthorizationHeaderMalformed",
                "credential",
            ),
            (
                VANILLA.replace("Credential=AKIDEXAMPLE", "Credential=AKIDOTHER"),
                "2015-08-30T12:36:00Z",
                403,
                "InvalidAccessKeyId",
                "credential",
            ),
            (
                VANILLA.replace(", Signature=", ", Sig="),
                "2015-08-30T12:36:00Z",
                400,
                "IncompleteSignature",
                "authorization",
            ),
            (
                VANILLA.replace(
                    "Authorization: AWS4-HMAC-SHA256 ",
                    "Authorization: AWS4-HMAC-SHA256, ",
                ),
                "2015-08-30T12:36:00Z",
                400,
                "IncompleteSignature",
                "authorization",
            ),
            (
                VANILLA.replace("Authorization", "X-Other"),
                "2015-08-30T12:36:00Z",
                403,
                "MissingAuthenticationToken",
                "request",
            ),
            (
                VANILLA.replace("/20150830/", "/20150831/"),
                "2015-08-30T12:36:00Z",
                400,
                "AuthorizationHeaderMalformed",
                "credential",
            ),
            (
                VANILLA.replace("Signature=5fa00fa3", "Signature=5FA00FA3"),
                "2015-08-30T12:36:00Z",
                403,
                "SignatureDoesNotMatch",
                "signature",
            ),
        ];
        for (raw, now, status, code, stage) in cases {
            let v = check(&raw, now, &c);
            assert_eq!(
                (v.status, v.code.as_str(), v.stage.as_deref()),
                (status, code, Some(stage)),
                "{raw}\n{v:?}"
            );
            assert!(!v.message.is_empty() && v.hint.is_some(), "{v:?}");
        }
    }

    #[test]
    fn signed_headers_are_used_exactly_as_listed() {
        // VANILLA's signature covers host;x-amz-date; the request also carries X-Forwarded-For.
        let vanilla = VANILLA.replace("\n\n", "\nX-Forwarded-For:10.0.0.1\n\n");
        let now = "2015-08-30T12:36:00Z";
        let s3 = Config {
            s3: true,
            normalize: None,
            ..config()
        };
        assert!(check(&vanilla, now, &config()).accepted());
        for (list, status, code, s3_code) in [
            ("host;x-absent;x-amz-date", 403, "SignatureDoesNotMatch", ""),
            ("Host;X-Amz-Date", 403, "SignatureDoesNotMatch", ""),
            ("x-amz-date;host", 403, "SignatureDoesNotMatch", ""),
            ("host;host;x-amz-date", 403, "SignatureDoesNotMatch", ""),
            (
                "host;;x-amz-date",
                400,
                "IncompleteSignature",
                "AuthorizationHeaderMalformed",
            ),
            (
                "host;x-amz-date;",
                400,
                "IncompleteSignature",
                "AuthorizationHeaderMalformed",
            ),
            (
                "",
                400,
                "IncompleteSignature",
                "AuthorizationHeaderMalformed",
            ),
            (
                "HOST;Host;;X-AMZ-DATE;x-forwarded-for;authorization",
                400,
                "IncompleteSignature",
                "AuthorizationHeaderMalformed",
            ),
            (
                "authorization;host;x-amz-date",
                400,
                "IncompleteSignature",
                "AuthorizationHeaderMalformed",
            ),
            (
                "x-amz-date",
                400,
                "IncompleteSignature",
                "AuthorizationHeaderMalformed",
            ),
        ] {
            let raw = vanilla.replace(
                "SignedHeaders=host;x-amz-date",
                &format!("SignedHeaders={list}"),
            );
            let v = check(&raw, now, &config());
            assert_eq!((v.status, v.code.as_str()), (status, code), "{list}: {v:?}");
            assert!(v.hint.is_some(), "{list}: {v:?}");
            if status == 403 {
                assert_eq!(
                    v.stage.as_deref(),
                    Some("canonical_request"),
                    "{list}: {v:?}"
                );
            } else {
                // S3 names it differently (its rules also want x-amz-content-sha256, which
                // comes later).
                let v = check(&raw, now, &s3);
                assert_eq!(v.code, s3_code, "{list}: {v:?}");
            }
        }
        // A list that differs only in form: the hints say what is wrong with it, and that the
        // signature is right for the list written as a signer writes it.
        let v = check(
            &vanilla.replace("host;x-amz-date", "x-amz-date;host"),
            now,
            &config(),
        );
        let hint = v.hint.unwrap();
        assert!(hint.contains("not sorted"), "{hint}");
        assert!(
            hint.contains("right for SignedHeaders \"host;x-amz-date\""),
            "{hint}"
        );
    }

    #[test]
    fn a_signer_that_does_not_lowercase_is_still_diagnosed() {
        use crate::diagnose::model::{sign, Case, Flag, Mistakes};
        let raw = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
        let request = Request::parse(raw.as_bytes()).unwrap();
        let context = Context::legacy_example(at("2015-08-30T12:36:00Z"));
        let outputs = sign(
            &Case::new(&request, &context, Mode::Header),
            &Mistakes::flag(Flag::HeaderNameNotLowercased),
        )
        .unwrap();
        let auth = String::from_utf8(outputs[&Stage::Authorization].clone()).unwrap();
        assert!(auth.contains("SignedHeaders=Host;X-Amz-Date"), "{auth}");
        let v = check(
            &raw.replace("\n\n", &format!("\nAuthorization:{auth}\n\n")),
            "2015-08-30T12:36:00Z",
            &config(),
        );
        assert_eq!((v.status, v.code.as_str()), (403, "SignatureDoesNotMatch"));
        assert_eq!(
            v.diagnosis[0].mutation, "header-name-not-lowercased",
            "{v:?}"
        );
    }

    #[test]
    fn a_wrong_signature_is_explained_on_demand_or_skipped_with_a_reason() {
        let raw = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n";
        let request = Request::parse(raw.as_bytes()).unwrap();
        let context = Context::legacy_example(at("2015-08-30T12:36:00Z"));
        let signer = Signer::new();
        let signed = signer.sign(&request, &context, Mode::Header).unwrap();
        let auth = signed.signed_request().to_string();
        let upper = auth.replace(
            signed.signature.as_str(),
            &signed.signature.as_str().to_ascii_uppercase(),
        );
        let wrong = Request::parse(upper.as_bytes()).unwrap();
        let now = at("2015-08-30T12:36:00Z");
        let Outcome::Explain(explanation) = verify_deferred(&wrong, &config(), &signer, now) else {
            panic!("a wrong signature is left to explain");
        };
        let full = explanation.run(&signer);
        assert_eq!(full.diagnosis[0].mutation, "signature-uppercase-hex");
        assert_eq!(
            (full.status, full.code.as_str(), full.stage.as_deref()),
            (403, "SignatureDoesNotMatch", Some("signature"))
        );
        assert_eq!(verify(&wrong, &config(), &signer, now).hint, full.hint);
        let skipped = explanation.skipped("the server is busy");
        assert_eq!(
            (skipped.status, skipped.code.as_str()),
            (403, "SignatureDoesNotMatch")
        );
        assert!(skipped.diagnosis.is_empty());
        assert!(skipped
            .details
            .contains(&("DiagnosisSkipped", "the server is busy".to_string())));
        let hint = skipped.hint.unwrap();
        assert!(
            hint.contains("Diagnosis skipped: the server is busy"),
            "{hint}"
        );
        assert!(!hint.contains("No known signer mistake"), "{hint}");
        assert!(matches!(
            verify_deferred(&Request::parse(auth.as_bytes()).unwrap(), &config(), &signer, now),
            Outcome::Done(v) if v.accepted()
        ));
    }

    #[test]
    fn session_tokens() {
        let signer = Signer::new();
        let mut context = Context::legacy_example(at("2015-08-30T12:36:00Z"));
        context.credentials.token = Some("the-token".into());
        let request = Request::parse(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n").unwrap();
        let signed = signer.sign(&request, &context, Mode::Header).unwrap();
        let wire = Request::parse(signed.signed_request().as_bytes()).unwrap();
        let mut c = Config {
            token: Some("the-token".into()),
            ..config()
        };
        let now = at("2015-08-30T12:36:00Z");
        assert!(verify(&wire, &c, &signer, now).accepted());
        c.token = Some("another".into());
        let v = verify(&wire, &c, &signer, now);
        assert_eq!((v.status, v.code.as_str()), (400, "InvalidToken"));
        c.token = None;
        assert_eq!(verify(&wire, &c, &signer, now).code, "InvalidToken");
        c.token = Some("the-token".into());
        let v = verify(
            &Request::parse(VANILLA.as_bytes()).unwrap(),
            &c,
            &signer,
            now,
        );
        assert_eq!((v.status, v.code.as_str()), (403, "InvalidAccessKeyId"));
    }

    #[test]
    fn region_message_is_aws_s() {
        let v = check(
            &VANILLA.replace("us-east-1/service", "eu-west-1/service"),
            "2015-08-30T12:36:00Z",
            &config(),
        );
        assert_eq!(v.message, "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'");
    }

    #[test]
    fn probes_name_an_added_query_parameter() {
        let v = check(
            &VANILLA.replace("GET / ", "GET /?added=1 "),
            "2015-08-30T12:36:00Z",
            &config(),
        );
        assert!(
            v.hint.as_deref().unwrap_or_default().contains("\"added\""),
            "{v:?}"
        );
    }

    #[test]
    fn presigned_urls() {
        // The S3 documentation's presigned URL example.
        let c = Config {
            access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            secret: SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            token: None,
            region: "us-east-1".into(),
            service: None,
            s3: false,
            normalize: None,
        };
        let url = "GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\nHost:examplebucket.s3.amazonaws.com\nUser-Agent:x\n\n";
        let v = check(url, "2013-05-24T10:00:00Z", &c);
        assert!(v.accepted(), "{v:?}");
        assert_eq!(v.mode, Mode::Query);
        let v = check(url, "2013-05-25T00:00:01Z", &c);
        assert_eq!(
            (v.status, v.code.as_str(), v.message.as_str()),
            (403, "AccessDenied", "Request has expired")
        );
        let v = check(&url.replace("86400", "604801"), "2013-05-24T00:00:00Z", &c);
        assert_eq!(
            (v.status, v.code.as_str()),
            (400, "AuthorizationQueryParametersError")
        );
        let v = check(
            &url.replace("test.txt?", "test.txt?x=1&"),
            "2013-05-24T00:00:00Z",
            &c,
        );
        assert_eq!(
            (v.status, v.code.as_str(), v.stage.as_deref()),
            (403, "SignatureDoesNotMatch", Some("canonical_request"))
        );
        assert!(v.hint.unwrap().contains("\"x\""));
    }

    #[test]
    fn s3_checks_the_body() {
        let c = Config {
            s3: true,
            normalize: None,
            service: Some("s3".into()),
            ..config()
        };
        let signer = Signer::new();
        let body = "hello";
        let hash = hex::encode(Sha256::digest(body));
        let unsigned = format!("PUT /bucket/key HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nx-amz-content-sha256:{hash}\n\n{body}");
        let request = Request::parse(unsigned.as_bytes()).unwrap();
        let context = Context::from_json(br#"{"credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, "region": "us-east-1", "service": "s3", "timestamp": "2015-08-30T12:36:00Z"}"#).unwrap();
        let auth = signer
            .sign(&request, &context, Mode::Header)
            .unwrap()
            .authorization()
            .unwrap()
            .as_str()
            .to_string();
        let signed = unsigned.replacen("\n\n", &format!("\nAuthorization:{auth}\n\n"), 1);
        let now = at("2015-08-30T12:36:00Z");
        let v = verify(
            &Request::parse(signed.as_bytes()).unwrap(),
            &c,
            &signer,
            now,
        );
        assert!(v.accepted(), "{v:?}");
        let tampered = signed.replace("\n\nhello", "\n\nHELLO");
        let v = verify(
            &Request::parse(tampered.as_bytes()).unwrap(),
            &c,
            &signer,
            now,
        );
        assert_eq!(
            (v.status, v.code.as_str(), v.stage.as_deref()),
            (400, "XAmzContentSHA256Mismatch", Some("payload_hash"))
        );
        let extra = signed.replacen("\n\n", "\nx-amz-meta-a:b\n\n", 1);
        let v = verify(&Request::parse(extra.as_bytes()).unwrap(), &c, &signer, now);
        assert_eq!((v.status, v.code.as_str()), (403, "AccessDenied"));
    }
}
