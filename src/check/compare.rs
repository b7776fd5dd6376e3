//! How one stage's output is compared with its expected value.
//!
//! Every stage is compared byte for byte, except two whose text has free choices:
//! - a presigned URL is right when its host, its percent-decoded path (normalised first when the
//!   case normalises) and the multiset of its percent-decoded query parameters equal the expected
//!   ones, and its `X-Amz-Signature` is the same text; parameter order and optional encoding do
//!   not matter;
//! - a signed request is compared as a request: method and version exactly, the target like a
//!   presigned URL, header lines as a multiset in which the order of repeated names is kept, and
//!   the body byte for byte.

use crate::request::Request;
use crate::sign::encoding::percent_decode;
use crate::sign::uri::normalize_path;
use crate::stage::Stage;

/// Whether `actual` is right for `stage`; `Err` says how it differs when the difference is not
/// visible in a plain diff.
pub fn stage_matches(stage: Stage, expected: &[u8], actual: &[u8], normalize: bool) -> bool {
    if expected == actual {
        return true;
    }
    match stage {
        Stage::PresignedUrl => urls_match(expected, actual, normalize),
        Stage::SignedRequest => requests_match(expected, actual, normalize),
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
            (rest[..end].to_ascii_lowercase(), &rest[end..])
        }
        None => (Vec::new(), url),
    };
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, &b""[..]),
    };
    let mut path = percent_decode(path);
    if path.is_empty() {
        path.push(b'/');
    }
    if normalize {
        path = normalize_path(&path);
    }
    let mut signature = None;
    let mut params: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for piece in query.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (key, value) = match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        let key = percent_decode(key);
        if key == b"X-Amz-Signature" {
            signature = Some(value.to_vec());
        }
        params.push((key, percent_decode(value)));
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

/// Header lines grouped by lower-case name: (name as written, folded value) in arrival order.
type HeaderGroups = Vec<(String, Vec<(String, Vec<u8>)>)>;

fn requests_match(expected: &[u8], actual: &[u8], normalize: bool) -> bool {
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
            let line = (h.name.clone(), h.folded_value());
            match lines.iter_mut().find(|(k, _)| *k == key) {
                Some((_, group)) => group.push(line),
                None => lines.push((key, vec![line])),
            }
        }
        lines.sort_by(|x, y| x.0.cmp(&y.0));
        lines
    };
    groups(&e) == groups(&a)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                "GET /?a=1&X-Amz-Signature=ab HTTP/1.1\nHost:h \nX:1\nX:2\nY:3\n\nbody",
                false,
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
        for (other, want) in cases {
            assert_eq!(
                stage_matches(
                    Stage::SignedRequest,
                    base.as_bytes(),
                    other.as_bytes(),
                    false
                ),
                *want,
                "{other:?}"
            );
        }
    }
}
