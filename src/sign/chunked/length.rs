//! The lengths of an `aws-chunked` upload: `x-amz-decoded-content-length` is the payload's
//! length; `Content-Length` is the encoded body's, every chunk header, signature, CRLF and
//! trailer included (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html>).
//!
//! ```text
//! signed chunk    hex(size) + ";chunk-signature=" + signature + CRLF + data + CRLF
//! unsigned chunk  hex(size) + CRLF + data + CRLF
//! final chunk     the same with size 0 and no data (and no CRLF after the missing data)
//! trailers        name + ":" + value + CRLF each, then "x-amz-trailer-signature:" + signature
//!                 + CRLF when signed
//! end             CRLF
//! ```
//!
//! A signature is 64 hex digits (SigV4), or 144 characters for SigV4a: the hex of the DER
//! signature padded with `*` ([`super::sigv4a`]), so a SigV4a upload's length does not depend
//! on its signatures. (aws-c-auth's SigV4a trailer integration test sends 1 byte with a CRC32C
//! trailer in 535 bytes.)

use super::marker::StreamingMarker;
use super::sigv4a::PADDED_WIDTH;
use super::trailer::TRAILER_SIGNATURE_NAME;

/// The length of a signature as a chunk header or the trailer signature carries it: 64 hex
/// digits (SigV4), or 144 padded characters (SigV4a).
pub fn signature_width(marker: StreamingMarker) -> u64 {
    if marker.is_asymmetric() {
        PADDED_WIDTH as u64
    } else {
        64
    }
}

/// `;chunk-signature=`.
pub const CHUNK_SIGNATURE_PREFIX: &str = ";chunk-signature=";

/// The number of lower-case hex digits of `n` (at least one).
pub fn hex_digits(n: u64) -> u64 {
    u64::from((64 - n.leading_zeros()).div_ceil(4).max(1))
}

/// The sizes of the chunks of a payload of `decoded` bytes cut every `chunk_size` bytes: full
/// chunks, then the rest when there is one; the final empty chunk is not included.
pub fn chunk_sizes(decoded: u64, chunk_size: u64) -> impl Iterator<Item = u64> {
    let step = chunk_size.max(1);
    let full = decoded / step;
    let rest = decoded % step;
    std::iter::repeat_n(step, usize::try_from(full).unwrap_or(usize::MAX))
        .chain((rest > 0).then_some(rest))
}

/// The encoded length of one chunk of `size` bytes (the final chunk has size 0) whose header
/// carries a signature of `signature` characters (0: unsigned).
pub fn chunk_length(size: u64, signature: u64) -> u64 {
    let extension = if signature > 0 {
        CHUNK_SIGNATURE_PREFIX.len() as u64 + signature
    } else {
        0
    };
    let header = hex_digits(size) + extension + 2;
    let data = if size == 0 { 0 } else { size + 2 };
    header + data
}

/// The `Content-Length` of an upload of `decoded` payload bytes in chunks of `chunk_size`,
/// with `trailers` (`[name, value]` as sent) after the final chunk.
pub fn encoded_length<'a>(
    marker: StreamingMarker,
    decoded: u64,
    chunk_size: u64,
    trailers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> u64 {
    let signed = if marker.signs_chunks() {
        signature_width(marker)
    } else {
        0
    };
    let chunks: u64 = chunk_sizes(decoded, chunk_size)
        .map(|size| chunk_length(size, signed))
        .sum();
    let mut trailer: u64 = 0;
    if marker.has_trailer() {
        trailer = trailers
            .into_iter()
            .map(|(name, value)| (name.len() + 1 + value.len() + 2) as u64)
            .sum();
        if marker.signs_trailer() {
            trailer += (TRAILER_SIGNATURE_NAME.len() + 1 + 2) as u64 + signature_width(marker);
        }
    }
    chunks + chunk_length(0, signed) + trailer + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_example_is_66824_bytes() {
        // AWS S3 docs: 66,560 bytes in chunks of 65,536, 1,024 and 0: Content-Length 66,824.
        assert_eq!(
            chunk_sizes(66_560, 65_536).collect::<Vec<_>>(),
            [65_536, 1_024]
        );
        assert_eq!(
            encoded_length(StreamingMarker::SignedPayload, 66_560, 65_536, []),
            66_824
        );
    }

    #[test]
    fn sigv4a_signatures_are_144_characters_on_the_wire() {
        // aws-c-auth tests/test_chunked_signing.c, sigv4a_trailing_header_integration_test: "a"
        // in one chunk, the final chunk, x-amz-checksum-crc32c:wdBDMA== and the trailer
        // signature, each signature padded: Content-Length 535.
        assert_eq!(
            encoded_length(
                StreamingMarker::EcdsaSignedPayloadTrailer,
                1,
                65_536,
                [("x-amz-checksum-crc32c", "wdBDMA==")]
            ),
            535
        );
        // The S3 documentation's 66,560 bytes: each of the three headers 80 bytes longer.
        assert_eq!(
            encoded_length(StreamingMarker::EcdsaSignedPayload, 66_560, 65_536, []),
            66_824 + 3 * 80
        );
    }

    #[test]
    fn hex_digits_and_sizes() {
        for (n, digits) in [
            (0, 1),
            (1, 1),
            (15, 1),
            (16, 2),
            (0x10000, 5),
            (u64::MAX, 16),
        ] {
            assert_eq!(hex_digits(n), digits, "{n}");
            assert_eq!(hex_digits(n), format!("{n:x}").len() as u64);
        }
        assert_eq!(chunk_sizes(0, 8_192).count(), 0);
        assert_eq!(
            chunk_sizes(16_384, 8_192).collect::<Vec<_>>(),
            [8_192, 8_192]
        );
        assert_eq!(chunk_sizes(8_193, 8_192).collect::<Vec<_>>(), [8_192, 1]);
        // botocore's unsigned encoding of "a" with a CRC32C trailer, as bytes:
        // "1\r\na\r\n0\r\nx-amz-checksum-crc32c:wdBDMA==\r\n\r\n" is 43 bytes.
        assert_eq!(
            encoded_length(
                StreamingMarker::UnsignedPayloadTrailer,
                1,
                65_536,
                [("x-amz-checksum-crc32c", "wdBDMA==")]
            ),
            43
        );
    }
}
