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
//! Each step is a module: [`marker`], [`chunk`], [`trailer`], [`body`], [`length`], for the
//! trailing checksums [`checksum`], and for SigV4a's padded signatures [`sigv4a`]. A SigV4a seed
//! request (`AWS4-ECDSA-P256-SHA256`) with a SigV4a marker chains its links with ECDSA
//! (deterministic RFC 6979 nonces in the reference, like its request signatures). A [`ChunkChain`] signs link by link, so a server can verify
//! a body as it arrives; [`ChunkedUpload`] is every stage of one upload.

pub mod body;
pub mod checksum;
pub mod chunk;
pub mod length;
pub mod marker;
pub mod sigv4a;
pub mod trailer;

pub use checksum::{ChecksumAlgorithm, ChecksumHasher};
pub use chunk::{ChunkStringToSign, CHUNK_ALGORITHM, ECDSA_CHUNK_ALGORITHM};
pub use marker::StreamingMarker;
pub use trailer::{
    CanonicalTrailers, TrailerStringToSign, ECDSA_TRAILER_ALGORITHM, TRAILER_ALGORITHM,
};

use super::settings::{Mode, PayloadHashSource};
use super::signature::Signature;
use super::signing_key::{KeyedMac, SigningKey};
use super::sigv4a::{ecdsa, KeyPair};
use super::Signed;
use sha2::{Digest, Sha256};

/// One signed chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkLink {
    /// The chunk's string to sign.
    pub string_to_sign: ChunkStringToSign,
    /// Its signature: `Hex(HMAC-SHA256(kSigning, StringToSign))`, or SigV4a's hex DER ECDSA
    /// signature without padding ([`sigv4a::pad`] gives it as sent).
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

/// What signs the links of a chain.
#[derive(Clone)]
enum LinkKey {
    /// SigV4: HMAC-SHA256 with the signing key.
    Hmac(KeyedMac),
    /// SigV4a: ECDSA P-256 with the derived key pair.
    Ecdsa(Box<KeyPair>),
}

impl LinkKey {
    fn sign(&self, string_to_sign: &str) -> Signature {
        match self {
            LinkKey::Hmac(mac) => Signature::from_mac(&mac.sign(string_to_sign.as_bytes())),
            LinkKey::Ecdsa(pair) => {
                Signature::from_der_hex(ecdsa::sign(pair, string_to_sign.as_bytes()))
            }
        }
    }

    fn chunk_algorithm(&self) -> &'static str {
        match self {
            LinkKey::Hmac(_) => CHUNK_ALGORITHM,
            LinkKey::Ecdsa(_) => ECDSA_CHUNK_ALGORITHM,
        }
    }

    fn trailer_algorithm(&self) -> &'static str {
        match self {
            LinkKey::Hmac(_) => TRAILER_ALGORITHM,
            LinkKey::Ecdsa(_) => ECDSA_TRAILER_ALGORITHM,
        }
    }
}

/// The chain of signatures of one upload: it holds the signing key (SigV4) or key pair
/// (SigV4a), the request time, the credential scope and the previous signature, and signs one
/// link at a time.
#[derive(Clone)]
pub struct ChunkChain {
    key: LinkKey,
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
            key: LinkKey::Hmac(key.keyed_mac()),
            amz_date: amz_date.to_string(),
            scope: scope.to_string(),
            previous: seed,
        }
    }

    /// A SigV4a chain: links signed with ECDSA under `pair`; `scope` is the scope without
    /// region, `seed` the seed request's signature (not padded).
    pub fn ecdsa(pair: &KeyPair, amz_date: &str, scope: &str, seed: Signature) -> ChunkChain {
        ChunkChain {
            key: LinkKey::Ecdsa(Box::new(pair.clone())),
            amz_date: amz_date.to_string(),
            scope: scope.to_string(),
            previous: seed,
        }
    }

    /// The chain of a signed seed request: ECDSA when it was signed with SigV4a.
    pub fn from_signed(signed: &Signed<'_>) -> ChunkChain {
        let (amz_date, scope) = (signed.amz_date(), signed.scope.to_string());
        let seed = signed.signature.clone();
        match &signed.key_pair {
            Some(pair) => ChunkChain::ecdsa(pair, amz_date, &scope, seed),
            None => ChunkChain::new(&signed.signing_key, amz_date, &scope, seed),
        }
    }

    /// Whether the links are signed with ECDSA (SigV4a).
    pub fn is_asymmetric(&self) -> bool {
        matches!(self.key, LinkKey::Ecdsa(_))
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
        let string_to_sign = ChunkStringToSign::with_algorithm(
            self.key.chunk_algorithm(),
            &self.amz_date,
            &self.scope,
            self.previous.as_str(),
            chunk_sha256,
        );
        let signature = self.key.sign(string_to_sign.as_str());
        self.previous = signature.clone();
        ChunkLink {
            string_to_sign,
            signature,
        }
    }

    /// Verifies `provided`, a chunk signature as sent (SigV4a's `*` padding allowed), as the
    /// next link given the chunk data's SHA-256: `Ok` when it verifies under the chain's public
    /// key (SigV4a) or equals the signature computed (SigV4). The chain goes on from the
    /// provided signature: two right ECDSA signatures differ, and the client chains from its own.
    pub fn verify_chunk_hash(
        &mut self,
        chunk_sha256: &[u8; 32],
        provided: &str,
    ) -> (ChunkStringToSign, Result<(), ecdsa::VerifyError>) {
        let string_to_sign = ChunkStringToSign::with_algorithm(
            self.key.chunk_algorithm(),
            &self.amz_date,
            &self.scope,
            self.previous.as_str(),
            chunk_sha256,
        );
        let verdict = self.verify(string_to_sign.as_str(), provided);
        (string_to_sign, verdict)
    }

    /// Verifies `provided`, a trailer signature as sent, as [`verify_chunk_hash`] does a chunk's.
    ///
    /// [`verify_chunk_hash`]: ChunkChain::verify_chunk_hash
    pub fn verify_trailer(
        &mut self,
        canonical: &CanonicalTrailers,
        provided: &str,
    ) -> (TrailerStringToSign, Result<(), ecdsa::VerifyError>) {
        let string_to_sign = TrailerStringToSign::with_algorithm(
            self.key.trailer_algorithm(),
            &self.amz_date,
            &self.scope,
            self.previous.as_str(),
            canonical,
        );
        let verdict = self.verify(string_to_sign.as_str(), provided);
        (string_to_sign, verdict)
    }

    fn verify(&mut self, string_to_sign: &str, provided: &str) -> Result<(), ecdsa::VerifyError> {
        let provided = sigv4a::trim_padding(provided);
        let verdict = match &self.key {
            LinkKey::Ecdsa(pair) => ecdsa::verify(
                pair.public_key(),
                string_to_sign.as_bytes(),
                provided.as_bytes(),
            ),
            LinkKey::Hmac(_) => {
                let computed = self.key.sign(string_to_sign);
                if computed.as_str() == provided {
                    Ok(())
                } else {
                    Err(ecdsa::VerifyError::Mismatch)
                }
            }
        };
        self.previous = match &self.key {
            LinkKey::Ecdsa(_) => Signature::from_der_hex(provided.to_string()),
            LinkKey::Hmac(_) => Signature::parse_hex(provided)
                .unwrap_or_else(|| Signature::from_der_hex(provided.to_string())),
        };
        verdict
    }

    /// Signs the trailers, chained from the final chunk's signature. The trailer signature ends
    /// the chain.
    pub fn sign_trailer(&mut self, canonical: CanonicalTrailers) -> TrailerLink {
        let string_to_sign = TrailerStringToSign::with_algorithm(
            self.key.trailer_algorithm(),
            &self.amz_date,
            &self.scope,
            self.previous.as_str(),
            &canonical,
        );
        let signature = self.key.sign(string_to_sign.as_str());
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
        let asymmetric = marker.is_asymmetric();
        let mut encoded = Vec::with_capacity(payload.len() + 256);
        let mut chunks = Vec::new();
        for data in payload.chunks(step).chain(std::iter::once(&[][..])) {
            let signature = marker.signs_chunks().then(|| {
                let link = chain.sign_chunk(data);
                let text = sigv4a::on_the_wire(link.signature.as_str(), asymmetric).into_owned();
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
            let signature = trailer
                .as_ref()
                .map(|t| sigv4a::on_the_wire(t.signature.as_str(), asymmetric));
            body::write_trailers(&mut encoded, pairs(), signature.as_deref());
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

    /// The chunk signatures as sent, one per line, in order (the
    /// `{mode}-chunk-signatures.txt` format; SigV4a's padded with `*`).
    pub fn chunk_signatures(&self) -> String {
        let asymmetric = self.marker.is_asymmetric();
        let texts: Vec<_> = self
            .chunks
            .iter()
            .map(|c| sigv4a::on_the_wire(c.signature.as_str(), asymmetric))
            .collect();
        texts.join("\n")
    }

    /// The trailer signature as sent (SigV4a's padded with `*`).
    pub fn trailer_signature(&self) -> Option<String> {
        let asymmetric = self.marker.is_asymmetric();
        self.trailer
            .as_ref()
            .map(|t| sigv4a::on_the_wire(t.signature.as_str(), asymmetric).into_owned())
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
            upload.trailer_signature().unwrap_or_default().into_bytes(),
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
    /// hash) is a streaming marker of its algorithm (an ECDSA marker for SigV4a, an HMAC one for
    /// SigV4; the unsigned-trailer marker for both).
    pub fn chunked(&self) -> Option<ChunkedUpload> {
        let chunk_size = self.context.chunk_size?;
        let literal = match (&self.context.streaming, &self.settings.payload) {
            (Some(marker), _) => marker.as_str(),
            (None, PayloadHashSource::Literal(literal)) => literal.as_str(),
            (None, PayloadHashSource::BodySha256) => return None,
        };
        let marker = StreamingMarker::parse(literal)?;
        let asymmetric = self.key_pair.is_some();
        if self.mode() != Mode::Header
            || (marker.signs_chunks() && marker.is_asymmetric() != asymmetric)
        {
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

    /// aws-c-auth tests/test_chunked_signing.c's SigV4a request: the published one with
    /// `X-Amz-Region-Set: us-east-1` and a SigV4a marker (`x-amz-trailer` with the trailer test).
    fn published_v4a(marker: StreamingMarker) -> (Request, Context) {
        let trailer = if marker.has_trailer() {
            "x-amz-trailer:first,second,third\n"
        } else {
            ""
        };
        let mut raw = format!("PUT /examplebucket/chunkObject.txt HTTP/1.1\nHost:s3.amazonaws.com\nx-amz-storage-class:REDUCED_REDUNDANCY\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:66560\nContent-Length:66824\n{trailer}X-Amz-Region-Set:us-east-1\n\n").into_bytes();
        raw.extend(std::iter::repeat_n(b'a', 66_560));
        let json = format!(
            r#"{{"credentials": {{"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
                "algorithm": "AWS4-ECDSA-P256-SHA256", "region": "us-east-1", "service": "s3",
                "timestamp": "2013-05-24T00:00:00Z", "payload_hash": "{marker}", "chunk_size": 65536}}"#
        );
        let mut context = Context::from_json(json.as_bytes()).unwrap();
        if marker.has_trailer() {
            context.trailers = [("first", "1st"), ("second", "2nd"), ("third", "3rd")]
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .to_vec();
        }
        (Request::parse(&raw).unwrap(), context)
    }

    /// aws-c-auth's fixed pieces of a SigV4a chunk string to sign: before the previous
    /// signature, and after it for chunks of 65,536 `a`, 1,024 `a` and the final empty chunk.
    const V4A_CHUNK_PRE: &str =
        "AWS4-ECDSA-P256-SHA256-PAYLOAD\n20130524T000000Z\n20130524/s3/aws4_request\n";
    const V4A_CHUNK_POST: [&str; 3] = [
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nbf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a",
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a",
        "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ];

    /// The public key aws-c-auth verifies its SigV4a chunk and trailer signatures with
    /// (`s_chunked_test_ecc_pub_x`, `_y`): the one derived from the example credentials.
    fn published_public_key() -> crate::sign::sigv4a::PublicKey {
        let json = br#"{"X": "18b7d04643359f6ec270dcbab8dce6d169d66ddc9778c75cfb08dfdb701637ab",
                        "Y": "fa36b35e4fe67e3112261d2e17a956ef85b06e44712d2850bcd3c2161e9993f2"}"#;
        crate::sign::sigv4a::PublicKey::from_json(json).unwrap()
    }

    #[test]
    fn the_published_sigv4a_chunk_chain() {
        let (request, context) = published_v4a(StreamingMarker::EcdsaSignedPayload);
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let public = published_public_key();
        assert_eq!(signed.key_pair.as_ref().unwrap().public_key(), &public);
        // aws-c-auth's s_chunked_expected_canonical_request_cursor.
        assert_eq!(
            signed.canonical_request.to_string(),
            "PUT\n/examplebucket/chunkObject.txt\n\ncontent-encoding:aws-chunked\ncontent-length:66824\nhost:s3.amazonaws.com\nx-amz-content-sha256:STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD\nx-amz-date:20130524T000000Z\nx-amz-decoded-content-length:66560\nx-amz-region-set:us-east-1\nx-amz-storage-class:REDUCED_REDUNDANCY\n\ncontent-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-region-set;x-amz-storage-class\nSTREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
        );
        let upload = signed.chunked().unwrap();
        assert_eq!(upload.chunks.len(), 3);
        let mut previous = signed.signature.as_str().to_string();
        for (link, post) in upload.chunks.iter().zip(V4A_CHUNK_POST) {
            let expected = format!("{V4A_CHUNK_PRE}{previous}{post}");
            assert_eq!(link.string_to_sign.as_str(), expected);
            // Verified, as aws-c-auth does (aws_validate_v4a_authorization_value).
            assert_eq!(
                ecdsa::verify(
                    &public,
                    expected.as_bytes(),
                    link.signature.as_str().as_bytes()
                ),
                Ok(())
            );
            previous = link.signature.as_str().to_string();
        }
        // On the wire each signature is padded to 144 characters; unpadded in the next link.
        for line in upload.chunk_signatures().lines() {
            assert_eq!(line.len(), sigv4a::PADDED_WIDTH);
            assert!(!sigv4a::trim_padding(line).contains('*'));
        }
        assert_eq!(
            upload.content_length(),
            length::encoded_length(upload.marker, 66_560, 65_536, [])
        );
        let first = sigv4a::pad(upload.chunks[0].signature.as_str());
        assert!(upload
            .encoded_body
            .starts_with(format!("10000;chunk-signature={first}\r\naaa").as_bytes()));
        // Deterministic (RFC 6979): the same chain every time.
        assert_eq!(signed.chunked().unwrap(), upload);
    }

    #[test]
    fn the_published_sigv4a_trailer() {
        let (request, context) = published_v4a(StreamingMarker::EcdsaSignedPayloadTrailer);
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        // aws-c-auth's s_chunked_expected_trailing_headers_canonical_request_cursor.
        assert!(signed.canonical_request.to_string().ends_with("x-amz-storage-class:REDUCED_REDUNDANCY\nx-amz-trailer:first,second,third\n\ncontent-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-region-set;x-amz-storage-class;x-amz-trailer\nSTREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"));
        let upload = signed.chunked().unwrap();
        let trailer = upload.trailer.as_ref().unwrap();
        let last = upload.chunks.last().unwrap().signature.as_str();
        let expected = format!("AWS4-ECDSA-P256-SHA256-TRAILER\n20130524T000000Z\n20130524/s3/aws4_request\n{last}\n83d8f190334fb741bc8daf73c891689d320bd8017756bc730c540021ed48001f");
        assert_eq!(trailer.string_to_sign.as_str(), expected);
        let public = published_public_key();
        let sent = upload.trailer_signature().unwrap();
        assert_eq!(sent.len(), sigv4a::PADDED_WIDTH);
        assert_eq!(
            ecdsa::verify(
                &public,
                expected.as_bytes(),
                sigv4a::trim_padding(&sent).as_bytes()
            ),
            Ok(())
        );
        let tail = format!(
            "first:1st\r\nsecond:2nd\r\nthird:3rd\r\nx-amz-trailer-signature:{sent}\r\n\r\n"
        );
        assert!(upload.encoded_body.ends_with(tail.as_bytes()));
        assert_eq!(
            upload.content_length(),
            length::encoded_length(
                upload.marker,
                66_560,
                65_536,
                context
                    .trailers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
            )
        );
    }

    #[test]
    fn a_sigv4a_chain_verifies_another_signers_links_and_goes_on_from_them() {
        let (request, context) = published_v4a(StreamingMarker::EcdsaSignedPayloadTrailer);
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let upload = signed.chunked().unwrap();
        let mut verifier = ChunkChain::from_signed(&signed);
        let sent: Vec<String> = upload
            .chunk_signatures()
            .lines()
            .map(String::from)
            .collect();
        for (data, provided) in [&[b'a'; 65_536][..], &[b'a'; 1_024][..], &[][..]]
            .into_iter()
            .zip(&sent)
        {
            let hash: [u8; 32] = Sha256::digest(data).into();
            assert_eq!(verifier.verify_chunk_hash(&hash, provided).1, Ok(()));
        }
        let canonical = upload.trailer.as_ref().unwrap().canonical.clone();
        let trailer = upload.trailer_signature().unwrap();
        assert_eq!(verifier.verify_trailer(&canonical, &trailer).1, Ok(()));
        // A changed chunk does not verify.
        let mut verifier = ChunkChain::from_signed(&signed);
        let hash: [u8; 32] = Sha256::digest(b"b").into();
        assert_eq!(
            verifier.verify_chunk_hash(&hash, &sent[0]).1,
            Err(ecdsa::VerifyError::Mismatch)
        );
    }

    #[test]
    fn a_marker_of_the_other_algorithm_has_no_chain() {
        let (request, mut context) = published_v4a(StreamingMarker::EcdsaSignedPayload);
        context.payload_hash = Some(StreamingMarker::SignedPayload.as_str().into());
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        assert!(signed.chunked().is_none());
        let (request, mut context) = published("");
        context.payload_hash = Some(StreamingMarker::EcdsaSignedPayload.as_str().into());
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        assert!(signed.chunked().is_none());
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
