//! The encoded body on the wire: chunk headers with their signatures, the data, the final empty
//! chunk, the trailers and their signature (formats in [`super::length`]).

use super::length::CHUNK_SIGNATURE_PREFIX;
use super::trailer::TRAILER_SIGNATURE_NAME;

/// Appends one chunk: `hex(size)[;chunk-signature=sig]` CRLF, then the data and CRLF unless it is
/// the final, empty chunk.
pub fn write_chunk(out: &mut Vec<u8>, data: &[u8], signature: Option<&str>) {
    out.extend_from_slice(format!("{:x}", data.len()).as_bytes());
    if let Some(signature) = signature {
        out.extend_from_slice(CHUNK_SIGNATURE_PREFIX.as_bytes());
        out.extend_from_slice(signature.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    if !data.is_empty() {
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends the trailers as sent (`name:value` CRLF each), the trailer signature when there is
/// one, and the closing CRLF.
pub fn write_trailers<'a>(
    out: &mut Vec<u8>,
    trailers: impl IntoIterator<Item = (&'a str, &'a str)>,
    signature: Option<&str>,
) {
    for (name, value) in trailers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(signature) = signature {
        out.extend_from_slice(TRAILER_SIGNATURE_NAME.as_bytes());
        out.push(b':');
        out.extend_from_slice(signature.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_body_as_botocore_writes_it() {
        // botocore's AwsChunkedWrapper: "%x\r\n%s\r\n" per chunk, "0\r\nname:value\r\n\r\n" last.
        let mut out = Vec::new();
        write_chunk(&mut out, b"a", None);
        write_chunk(&mut out, b"", None);
        write_trailers(&mut out, [("x-amz-checksum-crc32c", "wdBDMA==")], None);
        assert_eq!(
            out,
            b"1\r\na\r\n0\r\nx-amz-checksum-crc32c:wdBDMA==\r\n\r\n"
        );
    }

    #[test]
    fn signed_chunks_carry_their_signature() {
        let mut out = Vec::new();
        write_chunk(&mut out, &[b'x'; 17], Some("ab"));
        write_chunk(&mut out, b"", Some("cd"));
        write_trailers(&mut out, [("x-amz-checksum-crc32", "AAAAAA==")], Some("ef"));
        assert_eq!(
            out,
            b"11;chunk-signature=ab\r\nxxxxxxxxxxxxxxxxx\r\n0;chunk-signature=cd\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:ef\r\n\r\n"
        );
    }
}
