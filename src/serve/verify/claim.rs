//! What a request claims about its own signature, read in either mode: the Authorization
//! header or the presigned parameters, with AWS's error for each malformation.

use super::*;

/// What the request says about its own signature, whichever the mode.
pub(super) struct Claim<'r> {
    pub(super) mode: Mode,
    /// SigV4 or SigV4a, as the request names it.
    pub(super) algorithm: Algorithm,
    /// SigV4a: the region set (`X-Amz-Region-Set`, as it arrived); `None` for SigV4.
    pub(super) region_set: Option<String>,
    pub(super) scope: Credential,
    pub(super) credential: String,
    pub(super) signed_headers: String,
    pub(super) signature: String,
    pub(super) time: Timestamp,
    pub(super) expires: Option<i64>,
    pub(super) token: Option<String>,
    /// The request with the presigned parameters removed (query mode), or as it arrived
    /// (header mode: borrowed, not copied with its body).
    pub(super) request: Cow<'r, Request>,
}

/// Whether the query carries presigned parameters (`X-Amz-Algorithm`, `X-Amz-Signature` or
/// `X-Amz-Credential`, decoded).
pub(super) fn is_presigned(params: &[Piece<'_>]) -> bool {
    params.iter().any(|p| {
        matches!(
            p.key.as_str(),
            "X-Amz-Algorithm" | "X-Amz-Signature" | "X-Amz-Credential"
        )
    })
}

/// Query mode for a presigned query without an Authorization header; header mode otherwise
/// (both, or neither, are rejected as header-mode requests).
pub(super) fn mode_for(authorizations: usize, presigned: bool) -> Mode {
    if authorizations == 0 && presigned {
        Mode::Query
    } else {
        Mode::Header
    }
}

pub(super) fn malformed_header(base: Answer, s3: bool, message: String, hint: String) -> Answer {
    if s3 {
        base.reject(
            400,
            "AuthorizationHeaderMalformed",
            Point::Stage(Stage::Authorization),
            format!("The authorization header is malformed; {message}"),
        )
    } else {
        base.reject(
            400,
            "IncompleteSignature",
            Point::Stage(Stage::Authorization),
            message,
        )
    }
    .hint(hint)
}

// A rejection is an ordinary outcome here, and built once per request: no need to box it.
#[allow(clippy::result_large_err)]
pub(super) fn header_claim<'r>(
    request: &'r Request,
    config: &Config,
    mut base: Answer,
) -> Result<(Claim<'r>, Answer), Answer> {
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
    let Some(algorithm) = Algorithm::parse(algorithm) else {
        let what = if algorithm == "AWS" {
            "Signature Version 2 (`AWS AKID:signature`)".to_string()
        } else if algorithm.starts_with("AWS4-ECDSA") {
            "Signature Version 4A".to_string()
        } else {
            format!("the algorithm {algorithm:?}")
        };
        return Err(base
            .reject(400, "InvalidArgument", Point::Stage(Stage::Authorization), format!("Unsupported Authorization Type: {what}"))
            .hint("This server verifies AWS4-HMAC-SHA256 (Signature Version 4) and AWS4-ECDSA-P256-SHA256 (Signature Version 4A); the algorithm is case-sensitive.")
            .detail("ArgumentName", "Authorization"));
    };
    let auth = AuthorizationHeader::parse(&value)
        .map_err(|Malformed { message, hint }| malformed_header(base.clone(), s3, message, hint))?;
    base.signature_provided = Some(auth.signature.clone());
    base.signed_headers = Some(auth.signed_headers.clone());
    let scope = Credential::parse_for(algorithm, &auth.credential).map_err(|m| {
        let hint = credential_hint(algorithm, &auth.credential);
        malformed_header(base.clone(), s3, m, hint)
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
    let region_set = match algorithm.is_asymmetric() {
        true => Some(header_region_set(request, &auth.signed_headers, s3, &base)?),
        false => None,
    };
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
                base.reject(403, "AccessDenied", Point::RequestTime, "AWS authentication requires a valid Date or x-amz-date header")
            } else {
                base.reject(400, "IncompleteSignature", Point::RequestTime, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
            }
            .hint(hint));
        }
    };
    let claim = Claim {
        mode: Mode::Header,
        algorithm,
        region_set,
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

fn credential_hint(algorithm: Algorithm, credential: &str) -> String {
    if !algorithm.is_asymmetric() {
        return "Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request, the date being X-Amz-Date's."
            .into();
    }
    let form = "SigV4a: Credential=AKID/YYYYMMDD/SERVICE/aws4_request (no region: the regions are in X-Amz-Region-Set), the date being X-Amz-Date's.";
    if credential.split('/').count() == 5 {
        format!("Known mistake sigv4a-region-in-scope: the scope keeps SigV4's region. {form}")
    } else {
        form.into()
    }
}

/// SigV4a, header mode: the one `X-Amz-Region-Set` header, which must be signed (a region set
/// left out of the signature could be changed on the way).
// A rejection is an ordinary outcome here, and built once per request: no need to box it.
#[allow(clippy::result_large_err)]
fn header_region_set(
    request: &Request,
    signed_headers: &str,
    s3: bool,
    base: &Answer,
) -> Result<String, Answer> {
    let count = request.headers_named(REGION_SET).count();
    let Some(set) = header_text(request, REGION_SET).filter(|_| count == 1) else {
        let message = if count == 0 {
            "a SigV4a (AWS4-ECDSA-P256-SHA256) request needs an X-Amz-Region-Set header"
        } else {
            "the request carries two X-Amz-Region-Set headers"
        };
        return Err(malformed_header(
            base.clone(),
            s3,
            message.into(),
            "Send one X-Amz-Region-Set header (the regions the signature is valid in, comma-separated, or *) and sign it.".into(),
        ));
    };
    if !signed_headers
        .split(';')
        .any(|name| name.eq_ignore_ascii_case(REGION_SET))
    {
        return Err(malformed_header(
            base.clone(),
            s3,
            format!("X-Amz-Region-Set is not in SignedHeaders {signed_headers:?}: SigV4a signs the region set"),
            "Known mistake sigv4a-region-set-not-signed: add x-amz-region-set to the signed headers.".into(),
        ));
    }
    Ok(set)
}

/// The region set's header, lower-cased.
const REGION_SET: &str = "x-amz-region-set";

pub(super) fn query_error(
    base: Answer,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Answer {
    base.reject(
        400,
        "AuthorizationQueryParametersError",
        Point::Stage(Stage::Authorization),
        message,
    )
    .hint(hint)
}

// A rejection is an ordinary outcome here, and built once per request: no need to box it.
#[allow(clippy::result_large_err)]
pub(super) fn query_claim<'r>(
    request: &'r Request,
    params: &[Piece<'_>],
    mut base: Answer,
) -> Result<(Claim<'r>, Answer), Answer> {
    base.provided = Some(String::from_utf8_lossy(&request.target).into_owned());
    let get = |name: &str| -> Result<Option<&str>, Answer> {
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
    let region_set = get(REGION_SET_HEADER)?.map(str::to_string);
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
    let Some(algorithm) = Algorithm::parse(algorithm) else {
        return Err(query_error(
            base,
            format!(
                "X-Amz-Algorithm only supports \"{ALGORITHM}\" and \"{}\", not {algorithm:?}",
                Algorithm::EcdsaP256Sha256.name()
            ),
            "Presign with Signature Version 4 (AWS4-HMAC-SHA256) or 4A (AWS4-ECDSA-P256-SHA256).",
        ));
    };
    let scope = Credential::parse_for(algorithm, credential).map_err(|m| {
        query_error(
            base.clone(),
            format!("Error parsing the X-Amz-Credential parameter; {m}"),
            if algorithm.is_asymmetric() {
                "SigV4a: X-Amz-Credential=AKID%2FYYYYMMDD%2FSERVICE%2Faws4_request, with the regions in X-Amz-Region-Set"
            } else {
                "X-Amz-Credential=AKID%2FYYYYMMDD%2FREGION%2FSERVICE%2Faws4_request"
            },
        )
    })?;
    let region_set = match (algorithm.is_asymmetric(), region_set) {
        (false, _) => None,
        (true, Some(set)) => Some(set),
        (true, None) => {
            return Err(query_error(
                base,
                "Query-string authentication version 4A requires the X-Amz-Region-Set parameter",
                "Presign SigV4a with X-Amz-Region-Set (the regions the URL is valid in, comma-separated, or *).",
            ));
        }
    };
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
        .filter(|p| region_set.is_none() || p.key != REGION_SET_HEADER)
        .map(|p| p.raw)
        .collect();
    let mut stripped = request.clone();
    stripped.target = with_query(request.path(), &own);
    let claim = Claim {
        mode: Mode::Query,
        algorithm,
        region_set,
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

pub(super) fn scope_error(base: Answer, mode: Mode, message: String, hint: String) -> Answer {
    match mode {
        Mode::Header => base.reject(
            400,
            "AuthorizationHeaderMalformed",
            Point::Credential,
            format!("The authorization header is malformed; {message}"),
        ),
        Mode::Query => base.reject(
            400,
            "AuthorizationQueryParametersError",
            Point::Credential,
            format!("Error parsing the X-Amz-Credential parameter; {message}"),
        ),
    }
    .hint(hint)
}
