//! SigV4a's chunk and trailer signatures on the wire: the hex of a DER ECDSA signature varies in
//! length (a P-256 DER signature is 70 to 72 bytes, rarely less), so aws-c-auth pads each chunk
//! and trailer signature on the right with `*` to a fixed 144 characters (the hex of the longest,
//! 72 bytes): `AWS_SIGV4A_SIGNATURE_PADDING_BYTE` and `MAX_ECDSA_P256_SIGNATURE_AS_HEX_LENGTH` in
//! its `source/aws_signing.c`. The seed request's signature is not padded, and the padding is
//! stripped before a signature enters the next string to sign (`aws_trim_padded_sigv4a_signature`).
//!
//! ```text
//! ChunkSignatureOnTheWire = Hex(DER(ECDSA-P256-SHA256(d, StringToSign))) + "*" x (144 - its length)
//! ```
//!
//! So every signed chunk header of a SigV4a upload has the same length, and `Content-Length`
//! depends only on the chunk sizes ([`super::length`]).

use std::borrow::Cow;

/// The padding byte, `*`.
pub const PADDING_BYTE: u8 = b'*';

/// The width of a padded signature: the hex of a 72-byte DER signature.
pub const PADDED_WIDTH: usize = 144;

/// The signature as sent: `hex` padded with `*` to [`PADDED_WIDTH`] (unchanged when it is
/// already as long).
pub fn pad(hex: &str) -> String {
    let mut out = String::with_capacity(PADDED_WIDTH.max(hex.len()));
    out.push_str(hex);
    while out.len() < PADDED_WIDTH {
        out.push(PADDING_BYTE as char);
    }
    out
}

/// The signature without its padding: what the next string to sign holds and what is verified.
pub fn trim_padding(text: &str) -> &str {
    text.trim_end_matches(PADDING_BYTE as char)
}

/// The signature text a chunk header or `x-amz-trailer-signature` carries for a chain signed
/// with ECDSA (`asymmetric`): padded; SigV4's is the signature itself.
pub fn on_the_wire(signature: &str, asymmetric: bool) -> Cow<'_, str> {
    if asymmetric {
        Cow::Owned(pad(signature))
    } else {
        Cow::Borrowed(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_fills_to_144_and_trims_back() {
        let der = "30450220".to_string() + &"ab".repeat(32) + "022100" + &"cd".repeat(32);
        assert_eq!(der.len(), 142);
        let padded = pad(&der);
        assert_eq!(padded.len(), PADDED_WIDTH);
        assert!(padded.ends_with("cd**"));
        assert_eq!(trim_padding(&padded), der);
        assert_eq!(pad(&"a".repeat(144)), "a".repeat(144));
        assert_eq!(on_the_wire("abc", false), "abc");
        assert_eq!(on_the_wire("abc", true).len(), 144);
    }
}
