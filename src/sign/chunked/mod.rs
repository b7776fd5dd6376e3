//! Streaming uploads (`Content-Encoding: aws-chunked`): the seed request is signed as usual with
//! a [streaming marker](StreamingMarker) as its payload hash; then each chunk's signature is
//! chained from the previous one (the seed's for the first), the final chunk is empty, and
//! trailing headers, if any, are signed from the final chunk's signature.
//!
//! ```text
//! Signed (seed) ─► ChunkStringToSign ─► chunk signature ─► ... ─► final (empty) chunk
//!               ─► CanonicalTrailers ─► TrailerStringToSign ─► trailer signature
//!               ─► encoded body (chunk headers, data, trailers)
//! ```
//!
//! Each step is a module: [`marker`], [`chunk`], [`trailer`], [`body`], [`length`] and, for the
//! trailing checksums, [`checksum`]. A [`ChunkChain`] signs link by link, so a server can verify
//! a body as it arrives; [`ChunkedUpload`] is every stage of one upload.

pub mod body;
pub mod checksum;
pub mod chunk;
pub mod length;
pub mod marker;
pub mod trailer;

pub use checksum::{ChecksumAlgorithm, ChecksumHasher};
pub use chunk::{ChunkStringToSign, CHUNK_ALGORITHM};
pub use marker::StreamingMarker;
pub use trailer::{CanonicalTrailers, TrailerStringToSign, TRAILER_ALGORITHM};

use super::settings::{Mode, PayloadHashSource};
use super::signature::Signature;
use super::signing_key::{KeyedMac, SigningKey};
use super::Signed;
use sha2::{Digest, Sha256};

/// One signed chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkLink {
    /// The chunk's string to sign.
    pub string_to_sign: ChunkStringToSign,
    /// Its signature: `Hex(HMAC-SHA256(kSigning, StringToSign))`.
    pub signature: Signature,
}

/// The signed trailers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailerLink {
    /// The canonical trailers.
    pub canonical: CanonicalTrailers,
    /// The trailer's string to sign.
    pub string_to_sign: TrailerStringToSign,
    /// Its signature.
    pub signature: Signature,
}

/// The chain of signatures of one upload: it holds the signing key, the request time, the
/// credential scope and the previous signature, and signs one link at a time.
#[derive(Clone)]
pub struct ChunkChain {
    mac: KeyedMac,
    amz_date: String,
    scope: String,
    previous: Signature,
}

impl std::fmt::Debug for ChunkChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkChain")
            .field("amz_date", &self.amz_date)
            .field("scope", &self.scope)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl ChunkChain {
    /// A chain that starts at `seed`, the seed request's signature; `scope` is the credential
    /// scope's text, `amz_date` the request time (`YYYYMMDD'T'HHMMSS'Z'`).
    pub fn new(key: &SigningKey, amz_date: &str, scope: &str, seed: Signature) -> ChunkChain {
        ChunkChain {
            mac: key.keyed_mac(),
            amz_date: amz_date.to_string(),
            scope: scope.to_string(),
            previous: seed,
        }
    }

    /// The chain of a signed seed request.
    pub fn from_signed(signed: &Signed<'_>) -> ChunkChain {
        ChunkChain::new(
            &signed.signing_key,
            signed.amz_date(),
            &signed.scope.to_string(),
            signed.signature.clone(),
        )
    }

    /// The signature the next link is chained from.
    pub fn previous(&self) -> &Signature {
        &self.previous
    }

    /// Signs the next chunk (the final chunk is `&[]`).
    pub fn sign_chunk(&mut self, data: &[u8]) -> ChunkLink {
        self.sign_chunk_hash(&Sha256::digest(data).into())
    }

    /// Signs the next chunk given its data's SHA-256, for data hashed as it arrives.
    pub fn sign_chunk_hash(&mut self, chunk_sha256: &[u8; 32]) -> ChunkLink {
        let string_to_sign = ChunkStringToSign::from_hash(
            &self.amz_date,
            &self.scope,
            self.previous.as_str(),
            chunk_sha256,
        );
        let signature = Signature::from_mac(&self.mac.sign(string_to_sign.as_str().as_bytes()));
        self.previous = signature.clone();
        ChunkLink {
            string_to_sign,
            signature,
        }
    }

    /// Signs the trailers, chained from the final chunk's signature. The trailer signature ends
    /// the chain.
    pub fn sign_trailer(&mut self, canonical: CanonicalTrailers) -> TrailerLink {
        let string_to_sign = TrailerStringToSign::new(
            &self.amz_date,
            &self.scope,
            self.previous.as_str(),
            &canonical,
        );
        let signature = Signature::from_mac(&self.mac.sign(string_to_sign.as_str().as_bytes()));
        self.previous = signature.clone();
        TrailerLink {
            canonical,
            string_to_sign,
            signature,
        }
    }
}

/// Every stage of one `aws-chunked` upload after its seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkedUpload {
    /// How the body is sent.
    pub marker: StreamingMarker,
    /// The chunk size the payload was cut with.
    pub chunk_size: u64,
    /// The payload's length: `x-amz-decoded-content-length`.
    pub decoded_length: u64,
    /// The signed chunks in order, the final empty one last (none when chunks are unsigned).
    pub chunks: Vec<ChunkLink>,
    /// The signed trailers (only with [`StreamingMarker::SignedPayloadTrailer`]).
    pub trailer: Option<TrailerLink>,
    /// The encoded body on the wire; its length is the `Content-Length`.
    pub encoded_body: Vec<u8>,
}

impl ChunkedUpload {
    /// Cuts `payload` every `chunk_size` bytes and signs the chunks (when the marker signs them)
    /// from `chain`, then the trailers; trailers are sent only when the marker has them.
    pub fn new(
        marker: StreamingMarker,
        mut chain: ChunkChain,
        payload: &[u8],
        chunk_size: u64,
        trailers: &[(String, String)],
    ) -> ChunkedUpload {
        let step = usize::try_from(chunk_size.max(1)).unwrap_or(usize::MAX);
        let mut encoded = Vec::with_capacity(payload.len() + 256);
        let mut chunks = Vec::new();
        for data in payload.chunks(step).chain(std::iter::once(&[][..])) {
            let signature = marker.signs_chunks().then(|| {
                let link = chain.sign_chunk(data);
                let text = link.signature.as_str().to_string();
                chunks.push(link);
                text
            });
            body::write_chunk(&mut encoded, data, signature.as_deref());
        }
        let pairs = || trailers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let trailer = marker
            .signs_trailer()
            .then(|| chain.sign_trailer(CanonicalTrailers::new(pairs())));
        if marker.has_trailer() {
            body::write_trailers(
                &mut encoded,
                pairs(),
                trailer.as_ref().map(|t| t.signature.as_str()),
            );
        } else {
            encoded.extend_from_slice(b"\r\n");
        }
        ChunkedUpload {
            marker,
            chunk_size,
            decoded_length: payload.len() as u64,
            chunks,
            trailer,
            encoded_body: encoded,
        }
    }

    /// The chunks' strings to sign, in order, separated by an empty line (the
    /// `{mode}-chunk-string-to-sign.txt` format).
    pub fn chunk_strings_to_sign(&self) -> String {
        let texts: Vec<&str> = self
            .chunks
            .iter()
            .map(|c| c.string_to_sign.as_str())
            .collect();
        texts.join("\n\n")
    }

    /// The chunk signatures, one per line, in order (the `{mode}-chunk-signatures.txt` format).
    pub fn chunk_signatures(&self) -> String {
        let texts: Vec<&str> = self.chunks.iter().map(|c| c.signature.as_str()).collect();
        texts.join("\n")
    }

    /// The `Content-Length` of the encoded body.
    pub fn content_length(&self) -> u64 {
        self.encoded_body.len() as u64
    }
}

/// The stages of an upload, as the suite's files hold them: only those it has (no chunk stages
/// for unsigned chunks, no trailer stages without a signed trailer).
pub fn stage_outputs(upload: &ChunkedUpload) -> Vec<(crate::stage::Stage, Vec<u8>)> {
    use crate::stage::Stage;
    let mut out = Vec::new();
    if upload.marker.signs_chunks() {
        out.push((
            Stage::ChunkStringToSign,
            upload.chunk_strings_to_sign().into_bytes(),
        ));
        out.push((
            Stage::ChunkSignatures,
            upload.chunk_signatures().into_bytes(),
        ));
    }
    if let Some(trailer) = &upload.trailer {
        out.push((
            Stage::TrailerStringToSign,
            trailer.string_to_sign.as_str().as_bytes().to_vec(),
        ));
        out.push((
            Stage::TrailerSignature,
            trailer.signature.as_str().as_bytes().to_vec(),
        ));
    }
    out.push((Stage::EncodedBody, upload.encoded_body.clone()));
    out
}

impl Signed<'_> {
    /// The payload an upload sends in chunks: the request's body as `request.txt` holds it.
    pub fn payload(&self) -> &[u8] {
        &self.request.body
    }

    /// The trailers an upload sends after its final chunk (`[name, value]`, as sent).
    pub fn trailers(&self) -> &[(String, String)] {
        &self.context.trailers
    }

    /// The streaming stages of an `aws-chunked` upload: present when the case has a
    /// `chunk_size`, signs in header mode, and its `streaming` marker (by default its payload
    /// hash) is a SigV4 streaming marker.
    pub fn chunked(&self) -> Option<ChunkedUpload> {
        let chunk_size = self.context.chunk_size?;
        let literal = match (&self.context.streaming, &self.settings.payload) {
            (Some(marker), _) => marker.as_str(),
            (None, PayloadHashSource::Literal(literal)) => literal.as_str(),
            (None, PayloadHashSource::BodySha256) => return None,
        };
        let marker = StreamingMarker::parse(literal)?;
        if self.mode() != Mode::Header {
            return None;
        }
        Some(ChunkedUpload::new(
            marker,
            ChunkChain::from_signed(self),
            &self.request.body,
            chunk_size,
            &self.context.trailers,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::request::Request;
    use crate::sign::Signer;

    /// The AWS S3 documentation's chunked upload example ("Signature calculations for the
    /// Authorization header: transferring payload in multiple chunks"), as aws-c-auth's
    /// tests/test_chunked_signing.c reproduces it: 66,560 bytes of `a` in chunks of 65,536,
    /// 1,024 and 0 bytes; its trailer test signs `first:1st`, `second:2nd`, `third:3rd` after
    /// the final chunk.
    fn published(trailers: &str) -> (Request, Context) {
        let mut raw = b"PUT /examplebucket/chunkObject.txt HTTP/1.1\nHost:s3.amazonaws.com\nx-amz-storage-class:REDUCED_REDUNDANCY\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:66560\nContent-Length:66824\n\n".to_vec();
        raw.extend(std::iter::repeat_n(b'a', 66_560));
        let json = format!(
            r#"{{"credentials": {{"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
                "region": "us-east-1", "service": "s3", "timestamp": "2013-05-24T00:00:00Z",
                "payload_hash": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "chunk_size": 65536{trailers}}}"#
        );
        (
            Request::parse(&raw).unwrap(),
            Context::from_json(json.as_bytes()).unwrap(),
        )
    }

    #[test]
    fn the_published_chunked_example() {
        let (request, context) = published("");
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        assert_eq!(
            signed.authorization().unwrap().as_str(),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        );
        let upload = signed.chunked().unwrap();
        assert_eq!(
            upload.chunk_signatures(),
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\n\
             0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\n\
             b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
        );
        // The page's first chunk string to sign.
        assert_eq!(
            upload.chunks[0].string_to_sign.as_str(),
            "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a"
        );
        assert_eq!(upload.content_length(), 66_824);
        assert_eq!(
            upload.content_length(),
            length::encoded_length(upload.marker, 66_560, 65_536, [])
        );
        let body = &upload.encoded_body;
        assert!(body.starts_with(b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\naaaa"));
        assert!(body.ends_with(b"a\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"));
        assert!(upload.trailer.is_none());
    }

    #[test]
    fn the_published_trailer_signature() {
        let (request, context) = published("");
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let mut chain = ChunkChain::from_signed(&signed);
        for data in [&[b'a'; 65_536][..], &[b'a'; 1_024][..], &[][..]] {
            chain.sign_chunk(data);
        }
        let link = chain.sign_trailer(CanonicalTrailers::new([
            ("first", "1st"),
            ("second", "2nd"),
            ("third", "3rd"),
        ]));
        assert_eq!(
            link.signature.as_str(),
            "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c"
        );
        assert_eq!(
            link.string_to_sign.as_str(),
            "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\n\
             83d8f190334fb741bc8daf73c891689d320bd8017756bc730c540021ed48001f"
        );
    }

    #[test]
    fn unsigned_trailer_sends_the_checksum_only() {
        let (request, mut context) = published("");
        context.payload_hash = Some(StreamingMarker::UnsignedPayloadTrailer.as_str().into());
        context.trailers = vec![(
            "x-amz-checksum-crc32".into(),
            ChecksumAlgorithm::Crc32.of(&request.body),
        )];
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let upload = signed.chunked().unwrap();
        assert!(upload.chunks.is_empty() && upload.trailer.is_none());
        let trailer = format!(
            "0\r\nx-amz-checksum-crc32:{}\r\n\r\n",
            context.trailers[0].1
        );
        assert!(upload.encoded_body.ends_with(trailer.as_bytes()));
        assert!(upload.encoded_body.starts_with(b"10000\r\naaa"));
        assert_eq!(
            upload.content_length(),
            length::encoded_length(
                upload.marker,
                66_560,
                65_536,
                [("x-amz-checksum-crc32", context.trailers[0].1.as_str())]
            )
        );
        // No streaming stages without a chunk size, in query mode, or without a marker.
        context.chunk_size = None;
        assert!(Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap()
            .chunked()
            .is_none());
    }

    #[test]
    fn signed_trailer_lengths_agree() {
        let (request, mut context) = published("");
        context.payload_hash = Some(StreamingMarker::SignedPayloadTrailer.as_str().into());
        context.chunk_size = Some(8_192);
        context.trailers = vec![(
            "x-amz-checksum-crc64nvme".into(),
            ChecksumAlgorithm::Crc64Nvme.of(&request.body),
        )];
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let upload = signed.chunked().unwrap();
        // 66,560 = 8 full chunks of 8,192 and 1,024, plus the final chunk.
        assert_eq!(upload.chunks.len(), 10);
        assert!(upload.trailer.is_some());
        let pairs = context
            .trailers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        assert_eq!(
            upload.content_length(),
            length::encoded_length(upload.marker, 66_560, 8_192, pairs)
        );
    }
}
