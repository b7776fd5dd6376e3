//! Canonical URI: the path, normalised (RFC 3986 section 5.2.4) and URI-encoded.

use super::encoding::{encode_path_once_into, uri_encode_into};
use super::settings::{PathNormalization, PercentEncoding};
use std::borrow::Cow;
use std::fmt;

/// The canonical request's second line, e.g. `/example%2520space/`: a view into the canonical
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalUri<'a>(pub(crate) &'a str);

impl CanonicalUri<'_> {
    /// The text of the line.
    pub fn as_str(&self) -> &str {
        self.0
    }
}

impl fmt::Display for CanonicalUri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Appends the canonical URI of the path as it appears on the wire.
///
/// `CanonicalURI = URIEncode(normalize(path))` for every service but S3, where the wire path is
/// signed in its (single) encoded form and never normalised.
pub fn write_canonical_uri(
    out: &mut Vec<u8>,
    wire_path: &[u8],
    normalization: PathNormalization,
    encoding: PercentEncoding,
) {
    let path: Cow<'_, [u8]> = match normalization {
        PathNormalization::Enabled if is_normal(wire_path) => Cow::Borrowed(wire_path),
        PathNormalization::Enabled => Cow::Owned(normalize_path(wire_path)),
        PathNormalization::Disabled if wire_path.is_empty() => Cow::Borrowed(b"/"),
        PathNormalization::Disabled => Cow::Borrowed(wire_path),
    };
    match encoding {
        PercentEncoding::Double => uri_encode_into(out, &path, true),
        PercentEncoding::Single => encode_path_once_into(out, &path),
    }
}

/// The canonical URI as a string.
pub fn canonical_uri(
    wire_path: &[u8],
    normalization: PathNormalization,
    encoding: PercentEncoding,
) -> String {
    let mut out = Vec::with_capacity(wire_path.len() + 8);
    write_canonical_uri(&mut out, wire_path, normalization, encoding);
    String::from_utf8_lossy(&out).into_owned()
}

/// True when [`normalize_path`] would return the path unchanged: absolute, no empty, `.` or
/// `..` segment (a trailing slash is kept by normalisation).
fn is_normal(path: &[u8]) -> bool {
    let Some(rest) = path.strip_prefix(b"/") else {
        return false;
    };
    let mut segments = rest.split(|&b| b == b'/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if segment == b"." || segment == b".." || (segment.is_empty() && !last) {
            return false;
        }
    }
    true
}

/// RFC 3986 section 5.2.4 "Remove Dot Segments", with empty segments (`//`) collapsed as SigV4
/// requires. The result is absolute and keeps a trailing slash when the input ends in `/`, `/.`
/// or `/..`.
pub fn normalize_path(path: &[u8]) -> Vec<u8> {
    let mut segments: Vec<&[u8]> = Vec::new();
    for segment in path.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            b".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing = path.ends_with(b"/") || path.ends_with(b"/.") || path.ends_with(b"/..");
    let mut out = Vec::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push(b'/');
        out.extend_from_slice(segment);
    }
    if out.is_empty() || trailing {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_rfc_3986() {
        let cases: &[(&str, &str)] = &[
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/example/.", "/example/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/a/b/../c/./d", "/a/c/d"),
            ("/../../a", "/a"),
            ("/.hidden/..x/", "/.hidden/..x/"),
            ("relative/path", "/relative/path"),
            ("/example space/", "/example space/"),
        ];
        for (input, want) in cases {
            let got = normalize_path(input.as_bytes());
            assert_eq!(String::from_utf8_lossy(&got), *want, "{input:?}");
            // The fast path never skips a path that normalisation would change.
            if is_normal(input.as_bytes()) {
                assert_eq!(got, input.as_bytes(), "{input:?}");
            }
        }
        for normal in ["/", "/a", "/a/", "/a/b.c/..d/", "/.x"] {
            assert!(is_normal(normal.as_bytes()), "{normal}");
        }
    }

    #[test]
    fn canonical_uri_by_service_rules() {
        use PathNormalization::*;
        use PercentEncoding::*;
        let cases: &[(&str, PathNormalization, PercentEncoding, &str)] = &[
            ("/example space/", Enabled, Double, "/example%20space/"),
            ("/example%20space/", Enabled, Double, "/example%2520space/"),
            ("/example%20space/", Disabled, Single, "/example%20space/"),
            ("/ሴ", Enabled, Double, "/%E1%88%B4"),
            ("/a//b/../c", Disabled, Single, "/a//b/../c"),
            ("/a//b/../c", Enabled, Double, "/a/c"),
            ("/test$file.text", Disabled, Single, "/test%24file.text"),
            ("/-._~0-9A-Za-z", Enabled, Double, "/-._~0-9A-Za-z"),
            ("", Disabled, Single, "/"),
        ];
        for (path, n, e, want) in cases {
            assert_eq!(canonical_uri(path.as_bytes(), *n, *e), *want, "{path:?}");
        }
    }
}
