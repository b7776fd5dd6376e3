//! Reading the parts of a signed request as a client wrote it: the fields of an Authorization
//! header, the parameters of a presigned URL and the signed headers of a canonical request.
//! Shared by `lint`, fixture loading, `explain` and the verifying endpoint.

use crate::sign::encoding::percent_decode;
use crate::sign::query::split_query;

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
}
