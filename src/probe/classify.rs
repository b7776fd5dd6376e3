//! Telling "accepted" from "rejected" by the answer: S3's error code decides, and the rule that
//! decided is kept for the report.

use serde::{Deserialize, Serialize};

/// What the server did with a probe's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// It accepted the signature (the operation may still have failed later: `NoSuchKey`).
    Accepted,
    /// It refused the request for its authentication.
    Rejected,
    /// Neither can be told (an unknown code, a server error, no answer).
    Inconclusive,
}

/// Codes S3 answers when authentication fails: the signature, its form, its credential, its
/// time, its payload hash; and the refusals of a request it cannot read.
pub const REJECTION_CODES: &[&str] = &[
    "SignatureDoesNotMatch",
    "AccessDenied",
    "AuthorizationHeaderMalformed",
    "AuthorizationQueryParametersError",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "RequestTimeTooSkewed",
    "RequestExpired",
    "MissingSecurityHeader",
    "MissingAuthenticationToken",
    "InvalidSecurity",
    "XAmzContentSHA256Mismatch",
    "BadDigest",
    "HeadersNotSigned",
    "SignatureVersionNotSupported",
    "UnsignedHeaders",
    "AllAccessDisabled",
    // Refusals of a malformed request, made before the operation: S3 uses them for an auth
    // mechanism it cannot read (two at once, a signature it cannot parse).
    "InvalidRequest",
    "InvalidArgument",
];

/// Codes S3 answers only after the signature was accepted: the operation itself failed.
/// (`NotImplemented` and `MethodNotAllowed` are not here: a server may answer them before it
/// looks at the signature, so they tell nothing.)
pub const AFTER_AUTH_CODES: &[&str] = &[
    "NoSuchKey",
    "NoSuchBucket",
    "NoSuchUpload",
    "NoSuchVersion",
    "BucketAlreadyOwnedByYou",
    "BucketNotEmpty",
    "InvalidRange",
    "PreconditionFailed",
    "NotModified",
];

/// The answer to a request of `method`, and the rule that gave it (`code SignatureDoesNotMatch`,
/// `status 200`, ...).
pub fn classify(method: &str, status: u16, code: Option<&str>) -> (Answer, String) {
    if let Some(code) = code {
        if REJECTION_CODES.contains(&code) {
            return (
                Answer::Rejected,
                format!("code {code}: refused before the operation"),
            );
        }
        if AFTER_AUTH_CODES.contains(&code) {
            return (
                Answer::Accepted,
                format!("code {code}: answered after a valid signature"),
            );
        }
        if (200..400).contains(&status) {
            return (Answer::Accepted, format!("status {status}"));
        }
        return (
            Answer::Inconclusive,
            format!("code {code} (status {status}): not an authentication error S3 names"),
        );
    }
    match status {
        200..=399 => (Answer::Accepted, format!("status {status}")),
        // A HEAD answer has no body: its status is all there is.
        404 if method == "HEAD" => (
            Answer::Accepted,
            "status 404 to HEAD (no body): no such key".to_string(),
        ),
        401 | 403 => (
            Answer::Rejected,
            format!("status {status} without an S3 error code: refused"),
        ),
        _ => (
            Answer::Inconclusive,
            format!("status {status} without an S3 error code"),
        ),
    }
}

/// The `<Code>` of an S3 XML error body, or the `code`/`__type` of a JSON one.
pub fn error_code(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    if let Some(start) = text.find("<Code>") {
        let rest = text.get(start + "<Code>".len()..)?;
        let end = rest.find("</Code>")?;
        let code = rest.get(..end)?.trim();
        return (!code.is_empty()).then(|| code.to_string());
    }
    let json: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    ["Code", "code", "__type"]
        .iter()
        .find_map(|k| json.get(k).and_then(|v| v.as_str()))
        .map(|c| c.rsplit('#').next().unwrap_or(c).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_decides_then_the_status() {
        let table: &[(u16, Option<&str>, Answer)] = &[
            (403, Some("SignatureDoesNotMatch"), Answer::Rejected),
            (400, Some("AuthorizationHeaderMalformed"), Answer::Rejected),
            (403, Some("RequestTimeTooSkewed"), Answer::Rejected),
            (400, Some("ExpiredToken"), Answer::Rejected),
            (404, Some("NoSuchKey"), Answer::Accepted),
            (200, None, Answer::Accepted),
            (204, None, Answer::Accepted),
            (403, None, Answer::Rejected),
            (500, Some("InternalError"), Answer::Inconclusive),
            (400, Some("InvalidRequest"), Answer::Rejected),
            (400, Some("SomethingElse"), Answer::Inconclusive),
            (501, Some("NotImplemented"), Answer::Inconclusive),
            (502, None, Answer::Inconclusive),
        ];
        for (status, code, want) in table {
            assert_eq!(
                classify("GET", *status, *code).0,
                *want,
                "{status} {code:?}"
            );
        }
        assert_eq!(classify("HEAD", 404, None).0, Answer::Accepted);
        assert_eq!(classify("GET", 404, None).0, Answer::Inconclusive);
    }

    #[test]
    fn codes_are_read_from_xml_and_json() {
        let xml =
            b"<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>m</Message></Error>";
        assert_eq!(error_code(xml).as_deref(), Some("NoSuchKey"));
        assert_eq!(
            error_code(br#"{"__type":"com.amazon#AccessDenied"}"#).as_deref(),
            Some("AccessDenied")
        );
        assert_eq!(error_code(b"").as_deref(), None);
        assert_eq!(error_code(b"<Error><Code></Code></Error>").as_deref(), None);
    }
}
