//! The checks of a claim in AWS's order: access key, scope, token, time, S3's rules, the
//! payload hash, then the signature recomputed over what arrived.

use super::*;

pub(super) fn check_claim(
    claim: Claim<'_>,
    arrived: &Request,
    config: &Config,
    signer: &Signer,
    now: Timestamp,
    mut base: Answer,
) -> Outcome {
    let mode = claim.mode;
    let scope = &claim.scope;
    base.service = Some(scope.service.clone());
    let s3 = config.s3_for(Some(&scope.service));
    if !constant_time_eq(scope.access_key.as_bytes(), config.access_key.as_bytes()) {
        return base
            .reject(403, "InvalidAccessKeyId", Point::Credential, "The AWS Access Key Id you provided does not exist in our records.")
            .hint(format!("The request is signed with the access key {:?}; this server knows one access key (given with --access-key).", scope.access_key))
            .detail("AWSAccessKeyId", scope.access_key.clone()).into();
    }
    let amz_date = claim.time.amz_str();
    let amz_day = amz_date.get(..8).unwrap_or_default();
    if scope.date != amz_day {
        return scope_error(
            base,
            mode,
            format!("Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".", scope.date, amz_day),
            "The credential scope's date is X-Amz-Date's date (YYYYMMDD): take both from one reading of the clock, in UTC (a key cached across midnight does this).".into(),
        ).into();
    }
    if let Some(set) = &claim.region_set {
        if !region_set::covers(set, &config.region) {
            let (name, header) = match mode {
                Mode::Header => ("header", "X-Amz-Region-Set header"),
                Mode::Query => ("parameter", "X-Amz-Region-Set query parameter"),
            };
            return scope_error(
                base,
                mode,
                format!("the region set '{set}' does not include this server's region '{}'", config.region),
                format!("Sign for a region set that includes {:?} (or *): the {header} names the regions a SigV4a signature is valid in (the {name} is signed).", config.region),
            )
            .detail("Region", config.region.clone())
            .detail("RegionSet", set.clone()).into();
        }
    } else if scope.region != config.region {
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
                .reject(403, "InvalidAccessKeyId", Point::Credential, "The AWS Access Key Id you provided does not exist in our records: this access key is temporary and the request carries no session token.")
                .hint("Send the session token as X-Amz-Security-Token (a header in header mode, a query parameter of the presigned URL).")
                .detail("AWSAccessKeyId", scope.access_key.clone()).into();
        }
        (None, Some(_)) => {
            return base
                .reject(400, "InvalidToken", Point::Credential, "The provided token is malformed or otherwise invalid: this server's credentials have no session token.")
                .hint("Leave X-Amz-Security-Token out, or start the server with --token.").into();
        }
        (Some(_), Some(_)) => {
            return base
                .reject(400, "InvalidToken", Point::Credential, "The provided token is malformed or otherwise invalid.")
                .hint("X-Amz-Security-Token differs from the session token this server was given (--token).").into();
        }
    }
    let skew = now.unix_seconds() - claim.time.unix_seconds();
    let server_time = now.amz_str().to_string();
    match claim.expires {
        None if skew.abs() > MAX_SKEW_SECONDS => {
            let direction = if skew > 0 { "behind" } else { "ahead of" };
            return base
                .reject(403, "RequestTimeTooSkewed", Point::RequestTime, format!(
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
                .reject(403, "AccessDenied", Point::RequestTime, "Request has expired")
                .hint(format!(
                    "The URL was signed at {amz_date} for {expires} s (X-Amz-Expires), so it expired at {}, {} before the server's time {server_time}: presign a new one.",
                    expiry.amz_str(), duration_text(skew - expires)))
                .detail("X-Amz-Expires", expires.to_string())
                .detail("Expires", expiry.rfc3339())
                .detail("ServerTime", now.rfc3339()).into();
        }
        Some(_) if -skew > MAX_SKEW_SECONDS => {
            return base
                .reject(403, "AccessDenied", Point::RequestTime, "Request is not valid yet")
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
                .reject(403, "AccessDenied", Point::Stage(Stage::CanonicalRequest), "There were headers present in the request which were not signed")
                .hint("S3 requires every x-amz-* header that is sent to be signed: add it to SignedHeaders (or stop sending it).")
                .detail("HeadersNotSigned", unsigned.join(", ")).into();
        }
        if mode == Mode::Header && payload_header.is_none() {
            return base
                .reject(400, "MissingSecurityHeader", Point::PayloadHash, "Your request is missing a required header: x-amz-content-sha256")
                .hint("S3 signs the payload hash in x-amz-content-sha256: send it (the body's hex SHA-256, or UNSIGNED-PAYLOAD) and sign it.")
                .detail("MissingHeaderName", "x-amz-content-sha256").into();
        }
    }
    if let Some(value) = &payload_header {
        // An aws-chunked upload this server decodes as it arrives (serve::chunked): a SigV4
        // request's chunks signed with HMAC, a SigV4a request's with ECDSA (verified under the
        // public key), either's unsigned chunks with a trailing checksum.
        let marker = crate::serve::chunked::streaming_marker(&arrived.headers);
        let asymmetric = claim.algorithm.is_asymmetric();
        if let Some(m) = marker.filter(|m| m.signs_chunks() && m.is_asymmetric() != asymmetric) {
            return base
                .reject(400, "InvalidArgument", Point::PayloadHash, format!("x-amz-content-sha256 {m} signs its chunks with {}, but the request is signed with {}", if m.is_asymmetric() { "SigV4a (AWS4-ECDSA-P256-SHA256)" } else { "SigV4 (AWS4-HMAC-SHA256)" }, claim.algorithm.name()))
                .hint("A SigV4 request streams with STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], a SigV4a request with STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER].")
                .detail("ArgumentName", "x-amz-content-sha256").into();
        }
        let decoded_here = marker.is_some();
        if value.starts_with("STREAMING-") && !decoded_here {
            return base
                .reject(501, "NotImplemented", Point::PayloadHash, format!("A header you provided implies functionality that is not implemented: x-amz-content-sha256 {value} (aws-chunked streaming signatures) is not verified by this server"))
                .hint("Send the body in one piece with its SHA-256 (or UNSIGNED-PAYLOAD) in x-amz-content-sha256.")
                .detail("Header", "x-amz-content-sha256").into();
        }
        let hex = value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex && value != "UNSIGNED-PAYLOAD" && !decoded_here {
            return base
                .reject(400, "InvalidArgument", Point::PayloadHash, format!("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value; got {value:?}"))
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
    context.algorithm = Some(claim.algorithm);
    // SigV4a: the scope has no region; the signer signs the region set as `context.region` (the
    // header as it arrived, in header mode; re-added as the parameter in query mode).
    context.region = claim
        .region_set
        .clone()
        .unwrap_or_else(|| scope.region.clone());
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
                    Point::Stage(Stage::CanonicalRequest),
                    format!("The request cannot be signed: {e}"),
                )
                .into();
        }
    };
    // SigV4a: ECDSA signatures are randomised; the one provided is verified, never compared.
    let right = signature_verifies(&signed_ref, &claim.signature);
    base.canonical_request = Some(signed_ref.canonical_request.to_string());
    base.string_to_sign = Some(signed_ref.string_to_sign.to_string());
    // The reference signs the headers the list names, lower-cased, sorted and merged; the list
    // was checked to be exactly that, so this only guards against a header the signer adds.
    let computed_list = signed_ref.signed_headers().as_str().to_string();
    drop(signed_ref);
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
        let streamed = crate::serve::chunked::is_streaming_upload(&arrived.headers);
        if value != "UNSIGNED-PAYLOAD" && !streamed && !value.eq_ignore_ascii_case(&actual) {
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
                    Point::PayloadHash,
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
