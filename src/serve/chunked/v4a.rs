//! SigV4a `aws-chunked` uploads (`STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]`): the
//! chain starts from the request's own ECDSA signature (already verified), and each chunk and
//! trailer signature is **verified** under the public key derived from the server's secret, never
//! compared: a client's right signatures differ from any the server could compute. Each link's
//! string to sign holds the client's previous signature, its `*` padding stripped.

use super::{Decoder, UploadError, WrongLink};
use crate::request::Request;
use crate::sign::chunked::sigv4a::{PADDED_WIDTH, PADDING_BYTE};
use crate::sign::chunked::{CanonicalTrailers, ChecksumAlgorithm, ChunkChain, StreamingMarker};
use crate::sign::headers::trim_all_text;
use crate::sign::signature::Signature;
use crate::sign::signing_key::SigningKey;
use crate::sign::sigv4a::{ecdsa::VerifyError, Kdf};
use crate::sign::CredentialScope;
use crate::stage::Stage;

/// Whether a chunk header's signature has the shape `marker` sends: 64 hex digits (SigV4), or
/// SigV4a's hex DER signature padded with `*` to at most 144 characters.
pub fn well_formed(marker: StreamingMarker, signature: &str) -> bool {
    if !marker.is_asymmetric() {
        return signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let hex = signature.trim_end_matches(PADDING_BYTE as char);
    signature.len() <= PADDED_WIDTH && !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The signature's shape in a chunk header, for messages.
pub fn signature_shape(marker: StreamingMarker) -> &'static str {
    if marker.is_asymmetric() {
        "<hex DER signature padded with * to 144>"
    } else {
        "<64 hex>"
    }
}

fn why(e: &VerifyError) -> String {
    match e {
        VerifyError::Mismatch => {
            "it does not verify under the public key of the access key over the string to sign shown"
                .to_string()
        }
        other => other.to_string(),
    }
}

/// Verifies the next chunk's signature; the error names the chunk (1-based `index`).
pub fn check_chunk(
    chain: &mut ChunkChain,
    hash: &[u8; 32],
    provided: &str,
    index: usize,
    last: bool,
) -> Result<(), UploadError> {
    let (string_to_sign, verdict) = chain.verify_chunk_hash(hash, provided);
    verdict.map_err(|e| UploadError {
        status: 403,
        code: "SignatureDoesNotMatch",
        stage: Stage::ChunkSignatures,
        chunk: Some(index),
        message: format!(
            "The request signature we calculated does not match the signature you provided: chunk {index}{} (its chunk-signature, SigV4a): {}. Its string to sign is AWS4-ECDSA-P256-SHA256-PAYLOAD, the time, the scope without region, the previous signature without its * padding, the hash of the empty string and the hash of the chunk.",
            if last { ", the final empty chunk" } else { "" },
            why(&e)
        ),
        link: Some(Box::new(WrongLink {
            string_to_sign: string_to_sign.as_str().to_string(),
            signature_provided: Some(provided.to_string()),
        })),
        diagnosis: Vec::new(),
    })
}

/// Verifies the trailer signature (`None`: none was sent) over `trailers` as sent.
pub fn check_trailer(
    chain: &mut ChunkChain,
    trailers: &[(String, String)],
    provided: Option<&str>,
    index: usize,
) -> Result<(), UploadError> {
    let canonical = CanonicalTrailers::new(trailers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let (string_to_sign, verdict) = chain.verify_trailer(&canonical, provided.unwrap_or_default());
    verdict.map_err(|e| UploadError {
        status: 403,
        code: "SignatureDoesNotMatch",
        stage: Stage::TrailerSignature,
        chunk: Some(index),
        message: match provided {
            None => "the trailers carry no x-amz-trailer-signature".to_string(),
            Some(_) => format!(
                "The request signature we calculated does not match the signature you provided: the trailer (x-amz-trailer-signature, SigV4a): {}",
                why(&e)
            ),
        },
        link: Some(Box::new(WrongLink {
            string_to_sign: string_to_sign.as_str().to_string(),
            signature_provided: provided.map(str::to_string),
        })),
        diagnosis: Vec::new(),
    })
}

/// The decoder of a SigV4a upload whose head was verified: the key pair derived from `secret`
/// and the Credential's access key, the scope without region, the seed from `Signature=`.
/// `None` when the head carries no parts to chain from.
pub fn decoder_for(
    request: &Request,
    secret: &crate::context::SecretKey,
    marker: StreamingMarker,
    authorization: &str,
) -> Option<(Decoder, Option<u64>)> {
    // A SigV4 marker on a SigV4a request has no chain (the head is refused before this).
    if marker.signs_chunks() && !marker.is_asymmetric() {
        return None;
    }
    let field = |name: &str| {
        authorization
            .split(name)
            .nth(1)?
            .split([',', ' '])
            .next()
            .filter(|v| !v.is_empty())
    };
    let credential = field("Credential=")?;
    let signature = field("Signature=")?;
    let [access_key, date, service, _] = credential.split('/').collect::<Vec<_>>()[..] else {
        return None;
    };
    if !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let amz_date = request.header("x-amz-date").map(trim_all_text)?;
    let region_set = request
        .header("x-amz-region-set")
        .map(trim_all_text)
        .unwrap_or_default();
    let scope = CredentialScope::without_region(date, &region_set, service).to_string();
    let seed = Signature::from_der_hex(signature.to_ascii_lowercase());
    let pair = Kdf::SPEC.derive(secret, access_key)?;
    let chain = marker
        .signs_chunks()
        .then(|| ChunkChain::ecdsa(&pair, &amz_date, &scope, seed.clone()));
    let trailer = request
        .header("x-amz-trailer")
        .map(trim_all_text)
        .and_then(|name| ChecksumAlgorithm::from_header_name(name.trim()));
    let decoded = request
        .header("x-amz-decoded-content-length")
        .map(trim_all_text)
        .and_then(|v| v.parse().ok());
    // The signing key is used only to explain SigV4 chunk mistakes; SigV4a has none.
    let key = SigningKey::from_bytes(pair.signing_key().to_bytes().into());
    let decoder = Decoder::from_parts(marker, chain, seed, key, &amz_date, scope, trailer);
    Some((decoder, decoded))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{decode_with, signed_upload};
    use super::super::Upload;
    use super::*;
    use crate::context::SecretKey;
    use crate::sign::chunked::body;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// A SigV4a upload signed by the reference: the head as sent and the encoded body.
    fn upload(marker: StreamingMarker, trailers: &[(&str, &str)]) -> (Request, Vec<u8>) {
        let json = format!(
            r#"{{"credentials": {{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "{SECRET}"}},
                "algorithm": "AWS4-ECDSA-P256-SHA256", "region": "us-east-1,us-west-2",
                "service": "s3", "timestamp": "2013-05-24T00:00:00Z",
                "payload_hash": "{marker}", "chunk_size": 8192}}"#
        );
        let (wire, encoded, _) = signed_upload(&json, trailers);
        (wire, encoded)
    }

    fn decode(wire: &Request, body: &[u8], piece: usize) -> Result<Upload, UploadError> {
        decode_with(SECRET, wire, body, piece)
    }

    #[test]
    fn right_sigv4a_uploads_are_accepted_in_any_pieces() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let crc = ChecksumAlgorithm::Crc32c.of(&data);
        for (marker, trailers) in [
            (StreamingMarker::EcdsaSignedPayload, vec![]),
            (
                StreamingMarker::EcdsaSignedPayloadTrailer,
                vec![("x-amz-checksum-crc32c", crc.as_str())],
            ),
            (
                StreamingMarker::UnsignedPayloadTrailer,
                vec![("x-amz-checksum-crc32c", crc.as_str())],
            ),
        ] {
            let (wire, body) = upload(marker, &trailers);
            for piece in [1, 100, 8_192, 1 << 20] {
                let done = decode(&wire, &body, piece).unwrap();
                assert_eq!((done.decoded_length, done.chunks), (20_000, 4), "{marker}");
            }
        }
    }

    #[test]
    fn another_signer_s_chain_is_verified_not_compared() {
        // Chunk signatures of another valid chain: (r, n - s) of each, chained from the one sent.
        let (wire, _) = upload(StreamingMarker::EcdsaSignedPayload, &[]);
        let authorization = wire.header("authorization").map(trim_all_text).unwrap();
        let seed = authorization
            .split("Signature=")
            .nth(1)
            .unwrap()
            .to_string();
        let pair = Kdf::SPEC
            .derive(&SecretKey::new(SECRET), "AKIDEXAMPLE")
            .unwrap();
        let mut chain = ChunkChain::ecdsa(
            &pair,
            "20130524T000000Z",
            "20130524/s3/aws4_request",
            Signature::from_der_hex(seed),
        );
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let mut encoded = Vec::new();
        let mut previous = chain.clone();
        for piece in data.chunks(8_192).chain(std::iter::once(&[][..])) {
            let link = previous.sign_chunk(piece);
            let der = hex::decode(link.signature.as_str()).unwrap();
            let ours = p256::ecdsa::Signature::from_der(&der).unwrap();
            let (r, s) = ours.split_scalars();
            let other = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
            let other = hex::encode(other.to_der().as_bytes());
            assert_ne!(other, link.signature.as_str());
            let hash: [u8; 32] =
                sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(piece))
                    .into();
            assert_eq!(chain.verify_chunk_hash(&hash, &other).1, Ok(()));
            previous = chain.clone();
            body::write_chunk(
                &mut encoded,
                piece,
                Some(&crate::sign::chunked::sigv4a::pad(&other)),
            );
        }
        encoded.extend_from_slice(b"\r\n");
        let done = decode(&wire, &encoded, 1_000).unwrap();
        assert_eq!(done.chunks, 4);
    }

    #[test]
    fn a_changed_byte_names_its_sigv4a_chunk() {
        let (wire, mut body) = upload(StreamingMarker::EcdsaSignedPayload, &[]);
        // A data byte of the second chunk: after the first header (5 + 17 + 144 + 2 bytes), the
        // first chunk's 8,192 bytes and CRLF, and the second header.
        let header = 4 + 17 + 144 + 2;
        body[header + 8_192 + 2 + header + 10] ^= 1;
        let e = decode(&wire, &body, 4_096).unwrap_err();
        assert_eq!(
            (e.status, e.code, e.stage, e.chunk),
            (
                403,
                "SignatureDoesNotMatch",
                Stage::ChunkSignatures,
                Some(2)
            )
        );
        assert!(e.message.contains("chunk 2"), "{}", e.message);
        assert!(e.link.unwrap().string_to_sign.starts_with(
            "AWS4-ECDSA-P256-SHA256-PAYLOAD\n20130524T000000Z\n20130524/s3/aws4_request\n"
        ));
        // A changed trailer: the trailer signature does not verify.
        let crc = "AAAAAA==";
        let (wire, mut body) = upload(
            StreamingMarker::EcdsaSignedPayloadTrailer,
            &[("x-amz-checksum-crc32c", crc)],
        );
        let at = body.windows(8).rposition(|w| w == crc.as_bytes()).unwrap();
        body[at + 5] = b'B';
        let e = decode(&wire, &body, 4_096).unwrap_err();
        assert_eq!(
            (e.stage, e.code),
            (Stage::TrailerSignature, "SignatureDoesNotMatch")
        );
    }

    #[test]
    fn chunk_signatures_have_their_marker_s_shape() {
        let der = "3045".to_string() + &"ab".repeat(69);
        assert!(well_formed(StreamingMarker::EcdsaSignedPayload, &der));
        assert!(well_formed(
            StreamingMarker::EcdsaSignedPayload,
            &crate::sign::chunked::sigv4a::pad(&der)
        ));
        assert!(!well_formed(StreamingMarker::EcdsaSignedPayload, "****"));
        assert!(!well_formed(
            StreamingMarker::EcdsaSignedPayload,
            &"a".repeat(146)
        ));
        assert!(!well_formed(StreamingMarker::SignedPayload, &der));
        assert!(well_formed(StreamingMarker::SignedPayload, &"a".repeat(64)));
    }
}
