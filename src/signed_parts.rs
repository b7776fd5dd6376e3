//! Reading the parts of a signed request as a client wrote it: the Authorization header and its
//! credential (strictly, as AWS reads them), single fields of a header or presigned URL, and the
//! signed headers of a canonical request. The one reader for `serve`, `check-request`,
//! `explain`, `lint` and fixture loading.

use crate::sign::encoding::percent_decode;
use crate::sign::query::split_query;
use crate::sign::{Algorithm, ALGORITHM};

/// The parts of a credential: `AKID/YYYYMMDD/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The access key id.
    pub access_key: String,
    /// `YYYYMMDD`.
    pub date: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service.
    pub service: String,
}

const CREDENTIAL_FORM: &str =
    "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"";

impl Credential {
    /// Reads a credential as AWS does; the error is AWS's message with what is wrong.
    pub fn parse(text: &str) -> Result<Credential, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let [akid, date, region, service, terminal] = parts.as_slice() else {
            return Err(format!(
                "{CREDENTIAL_FORM}: {text:?} has {} parts",
                parts.len()
            ));
        };
        if akid.is_empty() || akid.chars().any(char::is_whitespace) {
            return Err(format!(
                "{CREDENTIAL_FORM}: the access key {akid:?} is empty or holds whitespace"
            ));
        }
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{CREDENTIAL_FORM}: the date {date:?} is not YYYYMMDD"
            ));
        }
        if region.is_empty() || service.is_empty() {
            return Err(format!("{CREDENTIAL_FORM}: the region or service is empty"));
        }
        if *terminal != "aws4_request" {
            return Err(format!(
                "{CREDENTIAL_FORM}: it ends with {terminal:?} instead of \"aws4_request\""
            ));
        }
        Ok(Credential {
            access_key: akid.to_string(),
            date: date.to_string(),
            region: region.to_string(),
            service: service.to_string(),
        })
    }

    /// Reads a SigV4a credential, `AKID/YYYYMMDD/service/aws4_request` (no region: the region
    /// set is signed as `X-Amz-Region-Set`); `region` is left empty. Errors as [`Credential::parse`].
    pub fn parse_regionless(text: &str) -> Result<Credential, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let [akid, date, service, terminal] = parts.as_slice() else {
            return Err(format!(
                "{V4A_CREDENTIAL_FORM}: {text:?} has {} parts",
                parts.len()
            ));
        };
        // The same checks as SigV4's, with a placeholder region, reworded for this form.
        Credential::parse(&format!("{akid}/{date}/-/{service}/{terminal}"))
            .map(|c| Credential {
                region: String::new(),
                ..c
            })
            .map_err(|e| {
                e.replace(CREDENTIAL_FORM, V4A_CREDENTIAL_FORM)
                    .replace("the region or service is empty", "the service is empty")
            })
    }

    /// Reads a credential of `algorithm`: [`Credential::parse`] for SigV4,
    /// [`Credential::parse_regionless`] for SigV4a.
    pub fn parse_for(algorithm: Algorithm, text: &str) -> Result<Credential, String> {
        if algorithm.is_asymmetric() {
            Credential::parse_regionless(text)
        } else {
            Credential::parse(text)
        }
    }
}

const V4A_CREDENTIAL_FORM: &str =
    "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/SERVICE/aws4_request\" (SigV4a: no region)";

/// What is malformed in a signature's parameters, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// What is wrong (AWS's message, with our detail).
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// The three components of an `Authorization: AWS4-HMAC-SHA256 ...` header, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    /// `Credential=`.
    pub credential: String,
    /// `SignedHeaders=`, verbatim.
    pub signed_headers: String,
    /// `Signature=`.
    pub signature: String,
}

impl AuthorizationHeader {
    /// Reads the header value (algorithm included) as AWS does: the three components once each, in
    /// any order, separated by commas; nothing else.
    pub fn parse(value: &str) -> Result<AuthorizationHeader, Malformed> {
        let (algorithm, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
        if algorithm.ends_with(',') && algorithm.trim_end_matches(',') == ALGORITHM {
            return Err(malformed(
            format!("the authorization header {value:?} has a comma after the algorithm"),
            "Write `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`: a space, not a comma, follows the algorithm.".into(),
        ));
        }
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for component in rest.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let Some((key, val)) = component.split_once('=') else {
                return Err(malformed(
                format!("the authorization component {component:?} is not a valid key=value pair (missing equal-sign)"),
                "Each component is `Key=value`, separated by commas.".into(),
            ));
            };
            let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => {
                return Err(malformed(
                    format!("the authorization component {other:?} is not Credential, SignedHeaders or Signature"),
                    "The components are Credential=, SignedHeaders= and Signature=, with these exact names.".into(),
                ))
            }
        };
            if slot.is_some() {
                return Err(malformed(
                    format!("the authorization component {key:?} appears twice"),
                    "Give each component once.".into(),
                ));
            }
            *slot = Some(val.trim().to_string());
        }
        match (credential, signed_headers, signature) {
            (Some(credential), Some(signed_headers), Some(signature)) => Ok(AuthorizationHeader {
                credential,
                signed_headers,
                signature,
            }),
            (c, h, s) => {
                let missing: Vec<&str> = [
                    ("Credential", c.is_none()),
                    ("SignedHeaders", h.is_none()),
                    ("Signature", s.is_none()),
                ]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| *n)
                .collect();
                Err(malformed(
                format!(
                    "the authorization header requires three components: Credential, SignedHeaders, and Signature; {} missing",
                    missing.join(", ")
                ),
                "Authorization: AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex digits>".into(),
            ))
            }
        }
    }
}

fn malformed(message: String, hint: String) -> Malformed {
    Malformed { message, hint }
}

/// The value of `key=` inside an Authorization header value (`Credential`, `SignedHeaders`,
/// `Signature`), up to the next `,` or space.
pub fn authorization_field(value: &str, key: &str) -> Option<String> {
    let (_, rest) = value.split_once(&format!("{key}="))?;
    let field = rest.split([',', ' ']).next().unwrap_or(rest);
    Some(field.to_string())
}

/// The percent-decoded value of a query parameter of a URL or request target.
pub fn query_param(url: &[u8], key: &str) -> Option<String> {
    let (_, query) = crate::request::split_once(url, b'?')?;
    split_query(query).find_map(|piece| {
        (percent_decode(piece.key) == key.as_bytes())
            .then(|| String::from_utf8_lossy(&percent_decode(piece.value)).into_owned())
    })
}

/// The signed-headers line of a canonical request (its next to last line), read as if a stray
/// final newline were not there; `None` for a text of fewer than two lines.
pub fn canonical_signed_headers(canonical_request: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(canonical_request);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let mut lines = text.rsplit('\n');
    let _payload_hash = lines.next()?;
    lines.next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_and_parameters() {
        let auth = "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            authorization_field(auth, "Signature").as_deref(),
            Some("abc")
        );
        assert_eq!(
            authorization_field(auth, "SignedHeaders").as_deref(),
            Some("host;x-amz-date")
        );
        assert_eq!(
            authorization_field(auth, "Credential").as_deref(),
            Some("AK/20150830/us-east-1/service/aws4_request")
        );
        assert_eq!(authorization_field(auth, "Nope"), None);
        assert_eq!(
            query_param(
                b"https://h/?a=1&X-Amz-SignedHeaders=host%3Bx",
                "X-Amz-SignedHeaders"
            )
            .as_deref(),
            Some("host;x")
        );
        assert_eq!(query_param(b"https://h/?a", "a").as_deref(), Some(""));
        assert_eq!(query_param(b"https://h/", "a"), None);
    }

    #[test]
    fn the_signed_headers_line_is_the_next_to_last() {
        let creq = b"GET\n/\n\nhost:h\nx-amz-date:d\n\nhost;x-amz-date\ne3b0";
        assert_eq!(
            canonical_signed_headers(creq).as_deref(),
            Some("host;x-amz-date")
        );
        // A stray final newline does not move it.
        let with_newline = [creq.as_slice(), b"\n"].concat();
        assert_eq!(
            canonical_signed_headers(&with_newline).as_deref(),
            Some("host;x-amz-date")
        );
        assert_eq!(canonical_signed_headers(b"one line"), None);
    }

    #[test]
    fn an_authorization_header_is_read_as_aws_reads_it() {
        let auth = AuthorizationHeader::parse(
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab,Credential=AK/20150830/r/s/aws4_request",
        )
        .unwrap();
        assert_eq!(
            (
                auth.credential.as_str(),
                auth.signed_headers.as_str(),
                auth.signature.as_str()
            ),
            ("AK/20150830/r/s/aws4_request", "host", "ab")
        );
        for (bad, says) in [
            (
                "AWS4-HMAC-SHA256, Credential=a, SignedHeaders=h, Signature=s",
                "comma after the algorithm",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=a SignedHeaders=h, Signature=s",
                "missing",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=a, Credential=a, SignedHeaders=h, Signature=s",
                "twice",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=h, Signature=s, Extra=1",
                "not Credential",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=h, Sig",
                "missing equal-sign",
            ),
            ("AWS4-HMAC-SHA256", "SignedHeaders, Signature missing"),
        ] {
            let error = AuthorizationHeader::parse(bad).unwrap_err();
            assert!(error.message.contains(says), "{bad}: {error:?}");
            assert!(!error.hint.is_empty());
        }
    }

    #[test]
    fn a_credential_has_five_parts_and_a_date() {
        let c = Credential::parse("AK/20150830/us-east-1/iam/aws4_request").unwrap();
        assert_eq!(
            (
                c.access_key.as_str(),
                c.date.as_str(),
                c.region.as_str(),
                c.service.as_str()
            ),
            ("AK", "20150830", "us-east-1", "iam")
        );
        for (bad, says) in [
            ("AK/20150830/us-east-1/iam", "4 parts"),
            ("/20150830/r/s/aws4_request", "access key"),
            ("AK/2015-08-30/r/s/aws4_request", "not YYYYMMDD"),
            ("AK/20150830//s/aws4_request", "region or service"),
            ("AK/20150830/r/s/aws4_requests", "instead of"),
        ] {
            let error = Credential::parse(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn a_sigv4a_credential_has_four_parts_and_no_region() {
        let c = Credential::parse_regionless("AK/20150830/iam/aws4_request").unwrap();
        assert_eq!(
            (
                c.access_key.as_str(),
                c.date.as_str(),
                c.region.as_str(),
                c.service.as_str()
            ),
            ("AK", "20150830", "", "iam")
        );
        assert_eq!(
            Credential::parse_for(Algorithm::EcdsaP256Sha256, "AK/20150830/iam/aws4_request"),
            Ok(c)
        );
        for (bad, says) in [
            ("AK/20150830/us-east-1/iam/aws4_request", "5 parts"),
            ("/20150830/s/aws4_request", "access key"),
            ("AK/2015-08-30/s/aws4_request", "not YYYYMMDD"),
            ("AK/20150830//aws4_request", "the service is empty"),
            ("AK/20150830/s/aws4_requests", "instead of"),
        ] {
            let error = Credential::parse_regionless(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
            assert!(error.contains("SigV4a: no region"), "{bad}: {error}");
        }
        assert!(
            Credential::parse_for(Algorithm::HmacSha256, "AK/20150830/iam/aws4_request")
                .unwrap_err()
                .contains("4 parts")
        );
    }
}
