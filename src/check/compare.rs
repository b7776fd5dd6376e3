//! How one stage's output is compared with its expected value.
//!
//! Every stage is compared byte for byte, except three whose text has free choices:
//! - an Authorization header is right when its algorithm and its components, in order, are the
//!   same; the whitespace after each separating comma is free (AWS's S3 documentation writes
//!   `,` alone in its aws-chunked example and `, ` elsewhere; S3 accepts both);
//! - a presigned URL is right when its host, its percent-decoded path (normalised first when the
//!   case normalises) and the multiset of its percent-decoded query parameters equal the expected
//!   ones, and its `X-Amz-Signature` is the same text; parameter order and optional encoding do
//!   not matter;
//! - a signed request is compared as a request: method and version exactly, the target like a
//!   presigned URL, header lines as a multiset in which the order of repeated names is kept, and
//!   the body byte for byte.

use super::asymmetric::SignatureCheck;
use crate::implementation::SignInput;
use crate::request::Request;
use crate::sign::encoding::percent_decode;
use crate::sign::query::split_query;
use crate::sign::sigv4a::PublicKey;
use crate::sign::uri::normalize_path;
use crate::sign::{Mode, PathNormalization, Settings};
use crate::stage::Stage;

/// What a comparison needs to know about the case.
#[derive(Debug, Clone, Copy)]
pub struct Comparison<'a> {
    /// The case normalises its path (so URLs are compared after normalisation).
    pub normalize: bool,
    /// The mode of the trial.
    pub mode: Mode,
    /// The request time, `YYYYMMDD'T'HHMMSS'Z'`.
    pub amz_date: &'a str,
    /// SigV4a: how signatures are verified (`None`: compared, as SigV4's are).
    pub signatures: Option<&'a SignatureCheck>,
}

impl Comparison<'_> {
    /// What comparing the outputs of `input` needs: its mode, its time, and whether its path is
    /// normalised (as the signer's settings resolve it).
    pub fn for_input(input: &SignInput) -> Comparison<'_> {
        Comparison {
            normalize: Settings::resolve(&input.context, input.mode, None).normalization
                == PathNormalization::Enabled,
            mode: input.mode,
            amz_date: input.context.timestamp.amz_str(),
            signatures: None,
        }
    }
}

/// Whether `actual` is right for `stage`.
pub fn stage_matches(stage: Stage, expected: &[u8], actual: &[u8], how: &Comparison<'_>) -> bool {
    if let (Some(check), true) = (how.signatures, stage.carries_signature()) {
        if check.verify(stage, actual).is_err() {
            return false;
        }
        let masked = check.masked(stage, expected, actual);
        let plain = Comparison {
            signatures: None,
            ..*how
        };
        return stage == Stage::Signature || stage_matches(stage, expected, &masked, &plain);
    }
    if expected == actual {
        return true;
    }
    match stage {
        Stage::PublicKey => public_keys_match(expected, actual),
        Stage::Authorization => authorizations_match(expected, actual),
        Stage::PresignedUrl => urls_match(expected, actual, how.normalize),
        Stage::SignedRequest => requests_match(expected, actual, how),
        _ => false,
    }
}

/// An Authorization header value written one way: the algorithm, one space, then its components
/// as separated by commas, each after the first without the optional whitespace that follows its
/// comma, joined with `, `. Nothing else is free: a value with no space after its algorithm is
/// kept as it is (a comma there is a mistake), and whitespace at the end stays.
pub fn authorization_canonical(value: &[u8]) -> Vec<u8> {
    let Some(space) = value.iter().position(|&b| b == b' ') else {
        return value.to_vec();
    };
    let (algorithm, components) = value.split_at(space);
    let mut out = algorithm.to_vec();
    out.push(b' ');
    let components = components.get(1..).unwrap_or_default();
    for (i, component) in components.split(|&b| b == b',').enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        let start = match i {
            0 => 0,
            _ => component
                .iter()
                .position(|&b| b != b' ' && b != b'\t')
                .unwrap_or(component.len()),
        };
        out.extend_from_slice(component.get(start..).unwrap_or_default());
    }
    out
}

/// Authorization headers that mean the same ([`authorization_canonical`]).
pub fn authorizations_match(expected: &[u8], actual: &[u8]) -> bool {
    authorization_canonical(expected) == authorization_canonical(actual)
}

/// Public keys (`{"X":..,"Y":..}`) that are the same point, however their hex is written.
fn public_keys_match(expected: &[u8], actual: &[u8]) -> bool {
    match (PublicKey::from_json(expected), PublicKey::from_json(actual)) {
        (Ok(e), Ok(a)) => e == a,
        _ => false,
    }
}

/// The parts of a URL or request target that matter.
#[derive(Debug, PartialEq, Eq)]
struct UrlParts {
    host: Vec<u8>,
    path: Vec<u8>,
    params: Vec<(Vec<u8>, Vec<u8>)>,
    signature: Option<Vec<u8>>,
}

fn url_parts(url: &[u8], normalize: bool) -> UrlParts {
    let rest = url
        .strip_prefix(b"https://")
        .or_else(|| url.strip_prefix(b"http://"));
    let (host, target) = match rest {
        Some(rest) => {
            let end = rest
                .iter()
                .position(|&b| b == b'/' || b == b'?')
                .unwrap_or(rest.len());
            let (host, target) = rest.split_at_checked(end).unwrap_or((rest, &[]));
            (host.to_ascii_lowercase(), target)
        }
        None => (Vec::new(), url),
    };
    let (path, query) = crate::request::split_once(target, b'?').unwrap_or((target, &[]));
    let mut path = percent_decode(path);
    if path.is_empty() {
        path.push(b'/');
    }
    if normalize {
        path = normalize_path(&path);
    }
    let mut signature = None;
    let mut params: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for piece in split_query(query) {
        let key = percent_decode(piece.key);
        if key == b"X-Amz-Signature" {
            signature = Some(piece.value.to_vec());
        }
        params.push((key, percent_decode(piece.value)));
    }
    params.sort();
    UrlParts {
        host,
        path,
        params,
        signature,
    }
}

/// Presigned URLs (or request targets) that mean the same.
pub fn urls_match(expected: &[u8], actual: &[u8], normalize: bool) -> bool {
    url_parts(expected, normalize) == url_parts(actual, normalize)
}

/// The value without optional whitespace (spaces and tabs) at either end; a `\r` stays.
fn trim_ows(value: &[u8]) -> &[u8] {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !ows(b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or_default()
}

/// Header lines grouped by lower-case name: (name as written, folded value) in arrival order.
type HeaderGroups = Vec<(String, Vec<(String, Vec<u8>)>)>;

/// Signed requests that mean the same. Optional whitespace around a header value is not part of it
/// (RFC 7230 section 3.2.4; the older AWS layout writes `Authorization: AWS4-...`). In query mode
/// the official suite's files carry an unsigned `X-Amz-Date` header line besides the
/// `X-Amz-Date` parameter; an expected one equal to the request time is not required of the
/// signer.
fn requests_match(expected: &[u8], actual: &[u8], how: &Comparison<'_>) -> bool {
    let normalize = how.normalize;
    let (Ok(e), Ok(a)) = (Request::parse(expected), Request::parse(actual)) else {
        return false;
    };
    if e.method != a.method || e.version != a.version || e.body != a.body {
        return false;
    }
    if !urls_match(&e.target, &a.target, normalize) {
        return false;
    }
    // Headers grouped by lower-case name, each group in its order of appearance.
    let groups = |r: &Request| {
        let mut lines: HeaderGroups = Vec::new();
        for h in &r.headers {
            let key = h.name.to_ascii_lowercase();
            let value = trim_ows(&h.folded_value()).to_vec();
            let value = if key == "authorization" {
                authorization_canonical(&value)
            } else {
                value
            };
            let line = (h.name.clone(), value);
            match lines.iter_mut().find(|(k, _)| *k == key) {
                Some((_, group)) => group.push(line),
                None => lines.push((key, vec![line])),
            }
        }
        lines.sort_by(|x, y| x.0.cmp(&y.0));
        lines
    };
    let mut expected_groups = groups(&e);
    let actual_groups = groups(&a);
    if how.mode == Mode::Query && !actual_groups.iter().any(|(name, _)| name == "x-amz-date") {
        expected_groups.retain(|(name, lines)| {
            !(name == "x-amz-date"
                && lines
                    .iter()
                    .all(|(_, value)| value.as_slice() == how.amz_date.as_bytes()))
        });
    }
    expected_groups == actual_groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorizations_compare_with_free_whitespace_after_commas_only() {
        let spaced =
            b"AWS4-HMAC-SHA256 Credential=A/d/r/s/aws4_request, SignedHeaders=host, Signature=ab";
        let tight =
            b"AWS4-HMAC-SHA256 Credential=A/d/r/s/aws4_request,SignedHeaders=host,Signature=ab";
        assert!(authorizations_match(spaced, tight));
        let how = Comparison {
            normalize: false,
            mode: Mode::Header,
            amz_date: "20150830T123600Z",
            signatures: None,
        };
        assert!(stage_matches(Stage::Authorization, spaced, tight, &how));
        // A comma after the algorithm, another order, another signature: not the same.
        for wrong in [
            &b"AWS4-HMAC-SHA256,Credential=A/d/r/s/aws4_request, SignedHeaders=host, Signature=ab"
                [..],
            b"AWS4-HMAC-SHA256 SignedHeaders=host, Credential=A/d/r/s/aws4_request, Signature=ab",
            b"AWS4-HMAC-SHA256 Credential=A/d/r/s/aws4_request, SignedHeaders=host, Signature=AB",
            b"AWS4-HMAC-SHA256 Credential=A/d/r/s/aws4_request, SignedHeaders=host, Signature=ab ",
            b"AWS4-HMAC-SHA256  Credential=A/d/r/s/aws4_request, SignedHeaders=host, Signature=ab",
        ] {
            assert!(!stage_matches(Stage::Authorization, spaced, wrong, &how));
        }
    }

    #[test]
    fn urls_compare_by_meaning() {
        let base = "https://h/a%20b?X-Amz-Date=1&b=x%2Fy&X-Amz-Signature=ab";
        let cases: &[(&str, bool, bool)] = &[
            (base, false, true),
            (
                "https://h/a%20b?b=x/y&X-Amz-Signature=ab&X-Amz-Date=1",
                false,
                true,
            ),
            (
                "https://H/a b?X-Amz-Date=1&b=x%2fy&X-Amz-Signature=ab",
                false,
                true,
            ),
            (
                "https://h/a%20b?X-Amz-Date=1&b=x%2Fy&X-Amz-Signature=AB",
                false,
                false,
            ),
            (
                "https://h/a%20b?X-Amz-Date=1&b=x%2Fy&X-Amz-Signature=ab&b=x%2Fy",
                false,
                false,
            ),
            (
                "https://h/a%20b?X-Amz-Date=1&b=x%2Fy &X-Amz-Signature=ab",
                false,
                false,
            ),
            (
                "https://g/a%20b?X-Amz-Date=1&b=x%2Fy&X-Amz-Signature=ab",
                false,
                false,
            ),
            (
                "https://h/x/../a%20b?X-Amz-Date=1&b=x%2Fy&X-Amz-Signature=ab",
                true,
                true,
            ),
            (
                "https://h/x/../a%20b?X-Amz-Date=1&b=x%2Fy&X-Amz-Signature=ab",
                false,
                false,
            ),
        ];
        for (other, normalize, want) in cases {
            assert_eq!(
                urls_match(base.as_bytes(), other.as_bytes(), *normalize),
                *want,
                "{other}"
            );
        }
    }

    #[test]
    fn signed_requests_compare_as_requests() {
        let base = "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost:h\nX:1\nX:2\nY:3\n\nbody";
        let cases: &[(&str, bool)] = &[
            (base, true),
            (
                "GET /?X-Amz-Signature=ab&a=1 HTTP/1.1\nY:3\nHost:h\nX:1\nX:2\n\nbody",
                true,
            ),
            (
                "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost:h\nX:2\nX:1\nY:3\n\nbody",
                false,
            ),
            (
                "GET /?a=1&X-Amz-Signature=ab HTTP/1.1
Host:h 
X:1
X:2
Y:3

body",
                true,
            ),
            (
                "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nhost:h\nX:1\nX:2\nY:3\n\nbody",
                false,
            ),
            (
                "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost:h\nX:1\nX:2\nY:3\n\nbody\n",
                false,
            ),
            (
                "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost:h\r\nX:1\nX:2\nY:3\n\nbody",
                false,
            ),
            (
                "PUT /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost:h\nX:1\nX:2\nY:3\n\nbody",
                false,
            ),
        ];
        let how = Comparison {
            normalize: false,
            mode: Mode::Header,
            amz_date: "20150830T123600Z",
            signatures: None,
        };
        for (other, want) in cases {
            assert_eq!(
                stage_matches(
                    Stage::SignedRequest,
                    base.as_bytes(),
                    other.as_bytes(),
                    &how
                ),
                *want,
                "{other:?}"
            );
        }
        // Optional whitespace around values; the official suite's unsigned X-Amz-Date line in
        // query mode (only when it is the request time, and only in query mode).
        let spaced = "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost: h\nX:1\nX:\t2 \nY:3\n\nbody";
        assert!(stage_matches(
            Stage::SignedRequest,
            spaced.as_bytes(),
            base.as_bytes(),
            &how
        ));
        let with_date = base.replace("Y:3\n", "Y:3\nX-Amz-Date:20150830T123600Z\n");
        let query = Comparison {
            mode: Mode::Query,
            ..how
        };
        assert!(stage_matches(
            Stage::SignedRequest,
            with_date.as_bytes(),
            base.as_bytes(),
            &query
        ));
        assert!(!stage_matches(
            Stage::SignedRequest,
            with_date.as_bytes(),
            base.as_bytes(),
            &how
        ));
        let other_date = with_date.replace("123600Z", "123601Z");
        assert!(!stage_matches(
            Stage::SignedRequest,
            other_date.as_bytes(),
            base.as_bytes(),
            &query
        ));
    }
}
