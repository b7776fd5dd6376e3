//! `explain`: is this signed request right, and if not, which stage and which known mistake?
//!
//! The verifier of `serve` ([`crate::serve::verify`]), with the access key, scope, session token
//! and clock read from the request itself: the caller supplies only what a request never carries
//! (the secret key, and for a presigned URL its method and the values of its signed headers).
//! So `explain` and `check-request`/`check-url` give one verdict, from one claim parser (the
//! verifier's, [`crate::serve::verify::self_description`]) and one check. The body of an
//! `aws-chunked` request goes through `serve`'s decoder
//! ([`crate::serve::chunked::check_whole_body`]): each chunk and the trailer are checked as
//! `serve` checks them.

use crate::request::Request;
use crate::serve::verify::{self_description, verify_deferred, Answer, Config, Outcome};
use crate::sign::Signer;
use crate::signed_parts::query_param;
use crate::timestamp::Timestamp;
use crate::SecretKey;
use std::time::Duration;

/// What the caller knows beyond the request.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The secret key (required).
    pub secret_access_key: String,
    /// Path normalisation, when the service's default (none for S3) is not what its endpoint
    /// does.
    pub normalize: Option<bool>,
    /// Extra headers a presigned URL's SignedHeaders names (a URL cannot carry their values).
    pub headers: Vec<(String, String)>,
    /// The method of a presigned URL (default GET).
    pub method: Option<String>,
}

/// Why a request cannot be explained: it does not say what it claims (no signature, no
/// credential, no time), so there is nothing to check it against.
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
    /// The verifier's verdict: where it first went wrong, the known mistakes that reproduce the
    /// signature, the reference's canonical request and string to sign (never its signature).
    pub verdict: Answer,
}

impl Explanation {
    /// The text `explain` prints: the verifier's.
    pub fn render(&self) -> String {
        crate::serve::render::text(&self.verdict)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, ExplainError> {
    Err(ExplainError(message.into()))
}

/// The verifier settings and the clock a signed request describes itself with: its own access
/// key, scope and session token, and its own time as the server's clock (so that only the
/// signature is judged, not whether it is still valid now).
pub fn self_described(
    request: &Request,
    known: &Known,
) -> Result<(Config, Timestamp), ExplainError> {
    let reading = Config {
        access_key: String::new(),
        secret: SecretKey::new(String::new()),
        token: None,
        region: String::new(),
        service: None,
        s3: false,
        normalize: known.normalize,
    };
    let claim = self_description(request, &reading).map_err(|answer| {
        ExplainError(match answer.hint {
            Some(hint) => format!("{} ({hint})", answer.message),
            None => answer.message,
        })
    })?;
    let config = Config {
        access_key: claim.access_key,
        secret: SecretKey::new(known.secret_access_key.clone()),
        token: claim.token,
        region: claim.region,
        service: Some(claim.service),
        s3: false,
        normalize: known.normalize,
    };
    Ok((config, claim.time))
}

/// How long `explain` lets the diagnosis search run: a person waiting for one answer can give it
/// more than a server answering many clients gives it.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// Explains a request: verified against its own claim (see [`self_described`]).
pub fn explain(request: &Request, known: &Known) -> Result<Explanation, ExplainError> {
    let (config, time) = self_described(request, known)?;
    let signer = Signer::new();
    let mut verdict = match verify_deferred(request, &config, &signer, time) {
        Outcome::Done(verdict) => verdict,
        Outcome::Explain(explanation) => explanation.run_within(&signer, TIME_LIMIT),
    };
    // An aws-chunked request's body, chunk by chunk, as `serve` decodes it.
    crate::serve::chunked::check_whole_body(request, &config.secret, &mut verdict);
    Ok(Explanation {
        right: verdict.accepted(),
        verdict,
    })
}

/// Explains a raw signed request (a file as sent, or in the suite's `request.txt` form).
pub fn explain_request(bytes: &[u8], known: &Known) -> Result<Explanation, ExplainError> {
    let request = crate::serve::request_from_file(bytes)
        .map_err(|verdict| ExplainError(format!("the request: {}", verdict.message)))?;
    explain(&request, known)
}

/// Explains a presigned URL, used with `known`'s method and headers.
pub fn explain_url(url: &str, known: &Known) -> Result<Explanation, ExplainError> {
    // A URL carries no header values: every signed header but Host must be given.
    let signed = query_param(url.as_bytes(), "X-Amz-SignedHeaders").unwrap_or_default();
    let missing: Vec<&str> = signed
        .split(';')
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("host"))
        .filter(|s| !known.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(s)))
        .collect();
    if let Some(first) = missing.first() {
        let one = missing.len() == 1;
        return err(format!(
            "the URL signs {} {}, whose {} a URL does not carry: give {} with --header, e.g. --header '{first}: VALUE'",
            if one { "the header" } else { "the headers" },
            missing.join(", "),
            if one { "value" } else { "values" },
            if one { "it" } else { "each" },
        ));
    }
    let request = crate::serve::request_from_url(url, known.method.as_deref(), &known.headers)
        .map_err(ExplainError)?;
    explain(&request, known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::Mode;

    fn known() -> Known {
        Known {
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            ..Known::default()
        }
    }

    const SIGNED: &str = "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:tok\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=00\n";

    #[test]
    fn the_request_describes_the_credential_scope_token_and_clock() {
        let request = Request::parse(SIGNED.as_bytes()).unwrap();
        let (config, time) = self_described(&request, &known()).unwrap();
        assert_eq!(config.access_key, "AKIDEXAMPLE");
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.service.as_deref(), Some("service"));
        assert_eq!(config.token.as_deref(), Some("tok"));
        assert_eq!(time.amz_str(), "20150830T123600Z");
        // The verdict judges the signature only: a wrong one is SignatureDoesNotMatch, not a
        // wrong clock or key.
        let explanation = explain(&request, &known()).unwrap();
        assert!(!explanation.right);
        assert_eq!(explanation.verdict.code, "SignatureDoesNotMatch");
    }

    #[test]
    fn a_url_describes_itself_in_its_parameters() {
        let url = "https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
        let request = crate::serve::request_from_url(url, None, &[]).unwrap();
        let (config, time) = self_described(&request, &known()).unwrap();
        assert_eq!(
            (config.access_key.as_str(), config.region.as_str()),
            ("AK", "eu-west-1")
        );
        assert_eq!(time.amz_str(), "20130524T000000Z");
        // Checked at its own time, so never "expired".
        let verdict = explain_url(url, &known()).unwrap().verdict;
        assert_eq!(verdict.code, "SignatureDoesNotMatch");
    }

    #[test]
    fn what_a_request_does_not_say_is_an_error() {
        let no_date = SIGNED.replace("X-Amz-Date:20150830T123600Z\n", "");
        let error = explain_request(no_date.as_bytes(), &known()).unwrap_err();
        assert!(error.0.contains("X-Amz-Date header"), "{error}");
        let sigv2 = "GET / HTTP/1.1\nHost:h\nAuthorization:AWS AK:sig\n";
        let error = explain_request(sigv2.as_bytes(), &known()).unwrap_err();
        assert!(error.0.contains("Signature Version 2"), "{error}");
        let error = explain_url(
            "https://h/?X-Amz-Date=20150830T123600Z&X-Amz-Signature=0",
            &known(),
        )
        .unwrap_err();
        assert!(error.0.contains("X-Amz-Credential"), "{error}");
    }

    #[test]
    fn a_sigv4a_request_describes_its_region_set() {
        let context = crate::Context::from_json(
            br#"{"credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                "algorithm": "AWS4-ECDSA-P256-SHA256", "region": "eu-west-1,us-east-1", "service": "service",
                "timestamp": "2015-08-30T12:36:00Z"}"#,
        )
        .unwrap();
        let request = Request::parse(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n\n").unwrap();
        let signer = Signer::new();
        let header = signer.sign(&request, &context, Mode::Header).unwrap();
        let signed = header.signed_request().to_string();
        let (config, _) =
            self_described(&Request::parse(signed.as_bytes()).unwrap(), &known()).unwrap();
        assert_eq!(config.region, "eu-west-1");
        let explanation = explain_request(signed.as_bytes(), &known()).unwrap();
        assert!(explanation.right, "{:?}", explanation.verdict);
        let url = signer
            .sign(&request, &context, Mode::Query)
            .unwrap()
            .presigned_url()
            .unwrap()
            .as_str()
            .to_string();
        let explanation = explain_url(&url, &known()).unwrap();
        assert!(explanation.right, "{:?}", explanation.verdict);
        let wrong = explain_url(
            &url.replace("Region-Set=eu-west-1", "Region-Set=eu-west-2"),
            &known(),
        )
        .unwrap();
        assert_eq!(wrong.verdict.code, "SignatureDoesNotMatch");
    }
}
