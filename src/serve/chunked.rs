//! `aws-chunked` uploads: the body is decoded as it arrives, each chunk's signature checked at
//! its end against the chain of the seed (the request's own signature, already verified), the
//! final chunk, the trailers and their signature, and a trailing checksum against the payload.
//! Memory per upload is bounded: chunk data is hashed as it passes, only a chunk header or a
//! trailer line is kept ([`MAX_LINE`], [`MAX_TRAILERS`]). A wrong chunk is answered with its
//! index and stage; no answer holds a signature the server computed.

use crate::diagnose::chunked::{decoded_length_mistake, describe, ChunkMistake};
use crate::diagnose::Diagnosis;
use crate::request::{Header, Request};
use crate::sign::chunked::{
    body, CanonicalTrailers, ChecksumAlgorithm, ChecksumHasher, ChunkChain, ChunkStringToSign,
    StreamingMarker,
};
use crate::sign::headers::trim_all_text;
use crate::sign::signature::Signature;
use crate::sign::signing_key::SigningKey;
use crate::sign::CredentialScope;
use crate::stage::Stage;
use sha2::{Digest, Sha256};

mod v4a;

/// The longest chunk header or trailer line kept (`hex;chunk-signature=<64 hex>` is 90 bytes).
pub const MAX_LINE: usize = 4096;
/// The most bytes of trailers kept.
pub const MAX_TRAILERS: usize = 16 * 1024;
/// The largest upload decoded: 5 GiB, S3's limit for one PUT.
pub const MAX_UPLOAD: u64 = 5 << 30;

/// The streaming marker of a request sent `aws-chunked`, if it is one this server verifies.
pub fn streaming_marker(headers: &[Header]) -> Option<StreamingMarker> {
    let value = headers
        .iter()
        .find(|h| h.is("x-amz-content-sha256"))
        .map(trim_all_text)?;
    StreamingMarker::parse(&value)
}

/// Whether a head announces an `aws-chunked` upload this server decodes as it arrives (and so
/// is not held to the body limit).
pub fn is_streaming_upload(headers: &[Header]) -> bool {
    streaming_marker(headers).is_some()
}

/// Why an upload was refused: what the client is told, naming the chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadError {
    /// HTTP status.
    pub status: u16,
    /// AWS's error code.
    pub code: &'static str,
    /// The stage: `chunk_signatures`, `trailer_signature`, `encoded_body`.
    pub stage: Stage,
    /// The 1-based index of the chunk, when one is at fault.
    pub chunk: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// The wrong link of the chain, when a signature is wrong.
    pub link: Option<Box<WrongLink>>,
    /// The known mistakes that reproduce the client's signature.
    pub diagnosis: Vec<Diagnosis>,
}

impl UploadError {
    fn malformed(chunk: usize, message: impl Into<String>) -> UploadError {
        UploadError {
            status: 400,
            code: "IncompleteBody",
            stage: Stage::EncodedBody,
            chunk: Some(chunk),
            message: message.into(),
            link: None,
            diagnosis: Vec::new(),
        }
    }
}

/// A link of the chain whose signature is wrong: a chunk or the trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongLink {
    /// The reference's string to sign for it (never its signature).
    pub string_to_sign: String,
    /// The signature the client sent for it (`chunk-signature` or `x-amz-trailer-signature`),
    /// when it sent one.
    pub signature_provided: Option<String>,
}

/// What a verified upload carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Chunks, the final empty one included.
    pub chunks: usize,
    /// Payload bytes.
    pub decoded_length: u64,
    /// Trailers as sent (the trailer signature left out).
    pub trailers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Data,
    DataEnd,
    Trailers,
    Done,
}

/// The decoder of one upload's body, fed as it arrives.
pub struct Decoder {
    marker: StreamingMarker,
    chain: Option<ChunkChain>,
    seed: Signature,
    key: SigningKey,
    amz_date: String,
    scope: String,
    state: State,
    line: Vec<u8>,
    index: usize,
    remaining: u64,
    provided: Option<String>,
    hasher: Sha256,
    decoded: u64,
    received: u64,
    checksum: Option<(ChecksumAlgorithm, ChecksumHasher)>,
    trailers: Vec<(String, String)>,
    trailer_bytes: usize,
    trailer_signature: Option<String>,
}

/// The seed of an upload: what its chain starts from.
pub struct Seed<'a> {
    /// The signing key of the request's scope.
    pub key: SigningKey,
    /// `X-Amz-Date`.
    pub amz_date: &'a str,
    /// The scope's date, region and service.
    pub scope: CredentialScope<'a>,
    /// The request's signature (verified).
    pub signature: &'a str,
}

impl Decoder {
    /// A decoder for an upload sent with `marker`, chained from `seed`; `expected_checksum` is
    /// the algorithm `x-amz-trailer` announces, computed over the payload as it passes.
    pub fn new(
        marker: StreamingMarker,
        seed: Seed<'_>,
        trailer: Option<ChecksumAlgorithm>,
    ) -> Option<Decoder> {
        let scope = seed.scope.to_string();
        let signature = Signature::parse_hex(seed.signature)?;
        let chain = marker
            .signs_chunks()
            .then(|| ChunkChain::new(&seed.key, seed.amz_date, &scope, signature.clone()));
        Some(Decoder::from_parts(
            marker,
            chain,
            signature,
            seed.key,
            seed.amz_date,
            scope,
            trailer,
        ))
    }

    /// A decoder whose chain (`None` when chunks are unsigned) is already made.
    fn from_parts(
        marker: StreamingMarker,
        chain: Option<ChunkChain>,
        seed: Signature,
        key: SigningKey,
        amz_date: &str,
        scope: String,
        trailer: Option<ChecksumAlgorithm>,
    ) -> Decoder {
        Decoder {
            marker,
            chain,
            seed,
            key,
            amz_date: amz_date.to_string(),
            scope,
            state: State::Header,
            line: Vec::new(),
            index: 1,
            remaining: 0,
            provided: None,
            hasher: Sha256::new(),
            decoded: 0,
            received: 0,
            checksum: trailer.map(|a| (a, a.hasher())),
            trailers: Vec::new(),
            trailer_bytes: 0,
            trailer_signature: None,
        }
    }

    /// Feeds the next bytes of the body.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), UploadError> {
        self.received += bytes.len() as u64;
        if self.received > MAX_UPLOAD {
            return Err(UploadError {
                status: 400,
                code: "EntityTooLarge",
                stage: Stage::EncodedBody,
                chunk: Some(self.index),
                message: format!("the upload is over {MAX_UPLOAD} bytes"),
                link: None,
                diagnosis: Vec::new(),
            });
        }
        while !bytes.is_empty() {
            match self.state {
                State::Data => {
                    let take = usize::try_from(self.remaining)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let (data, rest) = bytes.split_at(take);
                    // Unsigned chunks are not hashed: only their checksum is checked.
                    if self.chain.is_some() {
                        self.hasher.update(data);
                    }
                    if let Some((_, c)) = &mut self.checksum {
                        c.update(data);
                    }
                    self.decoded += take as u64;
                    self.remaining -= take as u64;
                    bytes = rest;
                    if self.remaining == 0 {
                        self.state = State::DataEnd;
                    }
                }
                State::Done => {
                    return Err(UploadError::malformed(
                        self.index,
                        "bytes after the end of the aws-chunked body",
                    ))
                }
                State::Header | State::DataEnd | State::Trailers => {
                    let (line, rest) = match bytes.iter().position(|&b| b == b'\n') {
                        Some(at) => bytes.split_at(at + 1),
                        None => (bytes, &[][..]),
                    };
                    bytes = rest;
                    self.line.extend_from_slice(line);
                    if self.line.len() > MAX_LINE {
                        return Err(UploadError::malformed(
                            self.index,
                            format!("a chunk header or trailer line is over {MAX_LINE} bytes"),
                        ));
                    }
                    if self.line.ends_with(b"\n") {
                        let line = std::mem::take(&mut self.line);
                        self.on_line(&line)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn on_line(&mut self, line: &[u8]) -> Result<(), UploadError> {
        let Some(text) = line.strip_suffix(b"\r\n") else {
            return Err(UploadError::malformed(
                self.index,
                "a chunk header, chunk data or trailer line does not end with CRLF",
            ));
        };
        match self.state {
            State::DataEnd if text.is_empty() => self.end_chunk(),
            State::DataEnd => Err(UploadError::malformed(
                self.index,
                format!("chunk {} holds more bytes than its header says", self.index),
            )),
            State::Header => self.on_header(text),
            State::Trailers if text.is_empty() => self.end_trailers(),
            State::Trailers => self.on_trailer(text),
            State::Data | State::Done => Ok(()),
        }
    }

    fn on_header(&mut self, text: &[u8]) -> Result<(), UploadError> {
        let text = String::from_utf8_lossy(text);
        let (size, signature) = match text.split_once(';') {
            Some((size, extension)) => (size, Some(extension)),
            None => (&*text, None),
        };
        let bad = || {
            UploadError::malformed(
                self.index,
                format!(
                    "chunk {} header {text:?} is not hex-size[;chunk-signature={}]",
                    self.index,
                    v4a::signature_shape(self.marker)
                ),
            )
        };
        let size = u64::from_str_radix(size, 16).map_err(|_| bad())?;
        self.provided = match (self.marker.signs_chunks(), signature) {
            (true, Some(extension)) => {
                let sig = extension.strip_prefix("chunk-signature=").ok_or_else(bad)?;
                if !v4a::well_formed(self.marker, sig) {
                    return Err(bad());
                }
                Some(sig.to_string())
            }
            (true, None) => {
                return Err(UploadError {
                    status: 403,
                    code: "SignatureDoesNotMatch",
                    stage: Stage::ChunkSignatures,
                    chunk: Some(self.index),
                    message: format!(
                        "chunk {} carries no chunk-signature, and {} signs every chunk",
                        self.index, self.marker
                    ),
                    link: None,
                    diagnosis: Vec::new(),
                })
            }
            (false, _) => None,
        };
        self.remaining = size;
        self.hasher = Sha256::new();
        if size == 0 {
            self.end_chunk()
        } else {
            self.state = State::Data;
            Ok(())
        }
    }

    /// The end of a chunk's data (or the final chunk's header): its signature checked.
    fn end_chunk(&mut self) -> Result<(), UploadError> {
        let hash: [u8; 32] = std::mem::take(&mut self.hasher).finalize().into();
        let last = self.remaining == 0 && self.state == State::Header;
        if self.marker.is_asymmetric() {
            if let (Some(chain), Some(provided)) = (&mut self.chain, &self.provided) {
                v4a::check_chunk(chain, &hash, provided, self.index, last)?;
            }
        } else if let (Some(chain), Some(provided)) = (&mut self.chain, &self.provided) {
            let previous = chain.previous().clone();
            let link = chain.sign_chunk_hash(&hash);
            if !constant_time_eq(link.signature.as_str().as_bytes(), provided.as_bytes()) {
                let diagnosis = self.chunk_mistakes(&previous, &hash, provided);
                return Err(UploadError {
                    status: 403,
                    code: "SignatureDoesNotMatch",
                    stage: Stage::ChunkSignatures,
                    chunk: Some(self.index),
                    message: format!(
                        "The request signature we calculated does not match the signature you provided: chunk {}{} (its chunk-signature)",
                        self.index,
                        if last { ", the final empty chunk" } else { "" }
                    ),
                    link: Some(Box::new(WrongLink {
                        string_to_sign: link.string_to_sign.as_str().to_string(),
                        signature_provided: Some(provided.clone()),
                    })),
                    diagnosis,
                });
            }
        }
        // After the final chunk: the trailers, if any, and the closing CRLF.
        self.state = if last {
            State::Trailers
        } else {
            self.index += 1;
            State::Header
        };
        Ok(())
    }

    /// The chunk mistakes that give the client's signature for this link.
    fn chunk_mistakes(
        &self,
        previous: &Signature,
        hash: &[u8; 32],
        provided: &str,
    ) -> Vec<Diagnosis> {
        let mac = self.key.keyed_mac();
        let hex_hash = hex::encode(hash);
        let candidates = [
            (
                ChunkMistake::ChainedFromSeed,
                ChunkStringToSign::from_hash(&self.amz_date, &self.scope, self.seed.as_str(), hash)
                    .as_str()
                    .to_string(),
            ),
            (
                ChunkMistake::EmptyHashOmitted,
                format!(
                    "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{previous}\n{hex_hash}",
                    self.amz_date, self.scope
                ),
            ),
        ];
        candidates
            .into_iter()
            .filter(|(_, text)| {
                Signature::from_mac(&mac.sign(text.as_bytes())).as_str() == provided
            })
            .map(|(m, _)| describe(m.id(), Some(&format!("from chunk {}", self.index))))
            .collect()
    }

    fn on_trailer(&mut self, text: &[u8]) -> Result<(), UploadError> {
        self.trailer_bytes += text.len();
        if self.trailer_bytes > MAX_TRAILERS || !self.marker.has_trailer() {
            return Err(UploadError::malformed(
                self.index,
                if self.marker.has_trailer() {
                    format!("the trailers are over {MAX_TRAILERS} bytes")
                } else {
                    format!(
                        "{} sends no trailers, but a line follows the final chunk",
                        self.marker
                    )
                },
            ));
        }
        let text = String::from_utf8_lossy(text);
        let Some((name, value)) = text.split_once(':') else {
            return Err(UploadError::malformed(
                self.index,
                format!("trailer line {text:?} is not name:value"),
            ));
        };
        if name.eq_ignore_ascii_case(body_trailer_signature()) {
            self.trailer_signature = Some(value.trim().to_string());
        } else {
            self.trailers.push((name.to_string(), value.to_string()));
        }
        Ok(())
    }

    fn end_trailers(&mut self) -> Result<(), UploadError> {
        self.state = State::Done;
        if self.marker.is_asymmetric() {
            if let (true, Some(chain)) = (self.marker.signs_trailer(), &mut self.chain) {
                v4a::check_trailer(
                    chain,
                    &self.trailers,
                    self.trailer_signature.as_deref(),
                    self.index,
                )?;
            }
        } else if let (true, Some(chain)) = (self.marker.signs_trailer(), &mut self.chain) {
            let pairs = self.trailers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
            let canonical = CanonicalTrailers::new(pairs);
            let previous = chain.previous().clone();
            let link = chain.sign_trailer(canonical);
            let provided = self.trailer_signature.clone().unwrap_or_default();
            if !constant_time_eq(link.signature.as_str().as_bytes(), provided.as_bytes()) {
                let mut diagnosis = Vec::new();
                // Hashed as sent: name:value CRLF, in order, case kept.
                let mut wire = Vec::new();
                body::write_trailers(
                    &mut wire,
                    self.trailers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                    None,
                );
                wire.truncate(wire.len().saturating_sub(2));
                let text = format!(
                    "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{previous}\n{}",
                    self.amz_date,
                    self.scope,
                    hex::encode(Sha256::digest(&wire))
                );
                if Signature::from_mac(&self.key.keyed_mac().sign(text.as_bytes())).as_str()
                    == provided
                {
                    diagnosis.push(describe(ChunkMistake::TrailerNotCanonicalised.id(), None));
                }
                return Err(UploadError {
                    status: 403,
                    code: "SignatureDoesNotMatch",
                    stage: Stage::TrailerSignature,
                    chunk: Some(self.index),
                    message: if self.trailer_signature.is_none() {
                        "the trailers carry no x-amz-trailer-signature".to_string()
                    } else {
                        "The request signature we calculated does not match the signature you provided: the trailer (x-amz-trailer-signature)".to_string()
                    },
                    link: Some(Box::new(WrongLink {
                        string_to_sign: link.string_to_sign.as_str().to_string(),
                        signature_provided: self.trailer_signature.clone(),
                    })),
                    diagnosis,
                });
            }
        }
        if let Some((algorithm, hasher)) = self.checksum.take() {
            let name = algorithm.header_name();
            let sent = self
                .trailers
                .iter()
                .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string());
            let computed = hasher.finish();
            match sent {
                None => {
                    return Err(UploadError::malformed(
                        self.index,
                        format!("x-amz-trailer announces {name}, but no such trailer arrived"),
                    ))
                }
                Some(sent) if sent != computed => {
                    return Err(UploadError {
                        status: 400,
                        code: "BadDigest",
                        stage: Stage::EncodedBody,
                        chunk: None,
                        message: format!(
                            "The {name} you specified did not match the calculated checksum: sent {sent}, the payload's is {computed}"
                        ),
                        link: None,
                        diagnosis: Vec::new(),
                    })
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The end of the body: the upload, or why it is incomplete or its length is wrong.
    pub fn finish(self, decoded_header: Option<u64>) -> Result<Upload, UploadError> {
        if self.state != State::Done {
            return Err(UploadError::malformed(
                self.index,
                format!(
                    "the body ended inside chunk {} (before the final chunk and its closing CRLF)",
                    self.index
                ),
            ));
        }
        if let Some(header) = decoded_header {
            if let Some(d) = decoded_length_mistake(header, self.decoded) {
                return Err(UploadError {
                    status: 400,
                    code: "IncompleteBody",
                    stage: Stage::EncodedBody,
                    chunk: None,
                    message: d.explanation.clone(),
                    link: None,
                    diagnosis: vec![d],
                });
            }
        }
        Ok(Upload {
            chunks: self.index,
            decoded_length: self.decoded,
            trailers: self.trailers,
        })
    }
}

fn body_trailer_signature() -> &'static str {
    crate::sign::chunked::trailer::TRAILER_SIGNATURE_NAME
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The decoder for a request whose head was verified: its seed from the Authorization header,
/// the key from `secret`. `None` when the head carries no parts to chain from.
pub fn decoder_for(
    request: &Request,
    secret: &crate::context::SecretKey,
) -> Option<(Decoder, Option<u64>)> {
    let marker = streaming_marker(&request.headers)?;
    let authorization = request.header("authorization").map(trim_all_text)?;
    if authorization.starts_with(crate::sign::Algorithm::EcdsaP256Sha256.name()) {
        return v4a::decoder_for(request, secret, marker, &authorization);
    }
    let credential = authorization
        .split("Credential=")
        .nth(1)?
        .split([',', ' '])
        .next()?;
    let signature = authorization
        .split("Signature=")
        .nth(1)?
        .split([',', ' '])
        .next()?;
    let parts: Vec<&str> = credential.split('/').collect();
    let [_, date, region, service, _] = parts.as_slice() else {
        return None;
    };
    let amz_date = request.header("x-amz-date").map(trim_all_text)?;
    let scope = CredentialScope::new(date, region, service);
    let key = SigningKey::derive(secret, &scope);
    let trailer = request
        .header("x-amz-trailer")
        .map(trim_all_text)
        .and_then(|name| ChecksumAlgorithm::from_header_name(name.trim()));
    let decoded = request
        .header("x-amz-decoded-content-length")
        .map(trim_all_text)
        .and_then(|v| v.parse().ok());
    let decoder = Decoder::new(
        marker,
        Seed {
            key,
            amz_date: &amz_date,
            scope,
            signature,
        },
        trailer,
    )?;
    Some((decoder, decoded))
}

/// Reads an upload's body frame by frame into `decoder` (each frame within `timeout` of the
/// one before, or of the start), then finishes it.
pub async fn read_body<B>(
    mut decoder: Decoder,
    decoded: Option<u64>,
    mut body: B,
    timeout: std::time::Duration,
) -> Result<Upload, UploadError>
where
    B: hyper::body::Body + Unpin,
    B::Data: bytes::Buf,
{
    use bytes::Buf;
    use std::future::Future;
    use std::task::Poll;
    // One timer for the whole body, moved on only when it fires: each frame just notes when it
    // arrived. (A timeout per frame registered and cancelled a timer for every frame, thousands
    // per upload.)
    let mut last = tokio::time::Instant::now();
    let mut sleep = std::pin::pin!(tokio::time::sleep_until(last + timeout));
    loop {
        let next = std::future::poll_fn(|cx| {
            if let Poll::Ready(frame) = std::pin::Pin::new(&mut body).poll_frame(cx) {
                return Poll::Ready(Some(frame));
            }
            while sleep.as_mut().poll(cx).is_ready() {
                let deadline = last + timeout;
                if deadline <= sleep.deadline() {
                    return Poll::Ready(None);
                }
                sleep.as_mut().reset(deadline);
            }
            Poll::Pending
        })
        .await;
        last = tokio::time::Instant::now();
        match next {
            None => {
                return Err(UploadError::malformed(
                    decoder.index,
                    format!(
                        "no part of the body arrived for {} s",
                        timeout.as_secs_f64()
                    ),
                ))
            }
            Some(None) => break,
            Some(Some(Err(_))) => {
                return Err(UploadError::malformed(
                    decoder.index,
                    "the connection was closed before the body ended",
                ))
            }
            Some(Some(Ok(frame))) => {
                if let Ok(mut data) = frame.into_data() {
                    while data.has_remaining() {
                        let piece = data.chunk();
                        let n = piece.len();
                        decoder.feed(piece)?;
                        data.advance(n);
                    }
                }
            }
        }
    }
    decoder.finish(decoded)
}

/// The verdict on an upload whose seed was accepted: still accepted with what it carried, or
/// refused naming the chunk and the stage.
pub fn apply(verdict: &mut super::Answer, result: Result<Upload, UploadError>) {
    match result {
        Ok(upload) => {
            verdict.details.push(("Chunks", upload.chunks.to_string()));
            verdict
                .details
                .push(("DecodedContentLength", upload.decoded_length.to_string()));
        }
        Err(e) => {
            verdict.status = e.status;
            verdict.code = e.code.to_string();
            verdict.stage = Some(crate::stage::DivergencePoint::Stage(e.stage));
            verdict.message = e.message;
            verdict.fault = Some(if e.status == 403 {
                crate::check::Fault::Divergence
            } else {
                crate::check::Fault::Signer
            });
            if let Some(chunk) = e.chunk {
                verdict.details.push(("Chunk", chunk.to_string()));
            }
            // The wrong link is a chunk or the trailer, not the request: its string to sign and
            // the signature sent for it, and no canonical request (the seed's was right).
            if let Some(link) = e.link {
                verdict.string_to_sign = Some(link.string_to_sign);
                verdict.canonical_request = None;
                verdict.signature_provided = link.signature_provided;
            }
            verdict.hint = Some(match e.stage {
                Stage::ChunkSignatures => "Each chunk's string to sign is AWS4-HMAC-SHA256-PAYLOAD, the time, the scope, the previous signature (the seed's for chunk 1), the hash of the empty string and the hash of the chunk; compare yours with StringToSign.".to_string(),
                Stage::TrailerSignature => "The trailer's string to sign is AWS4-HMAC-SHA256-TRAILER, the time, the scope, the final chunk's signature and the hash of the trailers as lower-case name:value lines, sorted.".to_string(),
                _ => "An aws-chunked body is hex-size[;chunk-signature=sig] CRLF, the data, CRLF, ..., the final 0-size chunk, the trailers and a closing CRLF; x-amz-decoded-content-length is the payload's length.".to_string(),
            });
            verdict.diagnosis = e.diagnosis;
        }
    }
}

/// The verdict on a request whose whole body is at hand (a request file: `check-request`,
/// `explain`): when `verdict` accepted the head of an `aws-chunked` upload, the body is fed
/// through the same [`Decoder`] `serve` feeds as it arrives, and a wrong chunk, trailer or
/// encoding turns the verdict into `serve`'s answer for it. Any other verdict is left as it is.
pub fn check_whole_body(
    request: &Request,
    secret: &crate::context::SecretKey,
    verdict: &mut super::Answer,
) {
    if !verdict.accepted() || !is_streaming_upload(&request.headers) {
        return;
    }
    match decoder_for(request, secret) {
        None => unseeded(verdict),
        Some((mut decoder, decoded)) => {
            let result = decoder
                .feed(&request.body)
                .and_then(|()| decoder.finish(decoded));
            apply(verdict, result);
        }
    }
}

/// The verdict when an accepted head's Authorization cannot seed a chain.
pub fn unseeded(verdict: &mut super::Answer) {
    verdict.status = 400;
    verdict.code = "InvalidRequest".to_string();
    verdict.stage = Some(crate::stage::DivergencePoint::Stage(Stage::ChunkSignatures));
    verdict.message = "an aws-chunked upload needs an Authorization header and X-Amz-Date to chain its chunks from".to_string();
    verdict.fault = Some(crate::check::Fault::Signer);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::sign::{Mode, Signer};

    /// An upload of 20,000 bytes (with `trailers` declared) signed by the reference under
    /// `context_json`: the head as sent (its body left empty: it streams), the encoded body, and
    /// the context. The SigV4a tests (`v4a.rs`) sign theirs with it too.
    pub(super) fn signed_upload(
        context_json: &str,
        trailers: &[(&str, &str)],
    ) -> (Request, Vec<u8>, Context) {
        let mut raw = b"PUT /bucket/key HTTP/1.1\nHost:s3.amazonaws.com\nContent-Encoding:aws-chunked\nx-amz-decoded-content-length:20000\n".to_vec();
        if let Some((name, _)) = trailers.first() {
            raw.extend_from_slice(format!("x-amz-trailer:{name}\n").as_bytes());
        }
        raw.extend_from_slice(b"\n");
        raw.extend((0..20_000u32).map(|i| (i % 251) as u8));
        let mut context = Context::from_json(context_json.as_bytes()).unwrap();
        context.trailers = trailers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let request = Request::parse(&raw).unwrap();
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        let encoded = signed.chunked().unwrap().encoded_body;
        // The request as it goes on the wire: the signed head, an empty body (it streams).
        let mut wire = Request::parse(signed.signed_request().as_bytes()).unwrap();
        wire.body.clear();
        (wire, encoded, context)
    }

    /// Decodes `body` fed in pieces of `piece` bytes, as a server with `secret` does.
    pub(super) fn decode_with(
        secret: &str,
        wire: &Request,
        body: &[u8],
        piece: usize,
    ) -> Result<Upload, UploadError> {
        let (mut decoder, decoded) =
            decoder_for(wire, &crate::context::SecretKey::new(secret)).unwrap();
        for part in body.chunks(piece) {
            decoder.feed(part)?;
        }
        decoder.finish(decoded)
    }

    fn upload(
        marker: StreamingMarker,
        chunk: u64,
        trailers: &[(&str, &str)],
    ) -> (Request, Vec<u8>, Context) {
        let json = format!(
            r#"{{"credentials": {{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "secret"}},
                "region": "us-east-1", "service": "s3", "timestamp": "2013-05-24T00:00:00Z",
                "payload_hash": "{marker}", "chunk_size": {chunk}}}"#
        );
        signed_upload(&json, trailers)
    }

    fn decode(wire: &Request, body: &[u8], piece: usize) -> Result<Upload, UploadError> {
        decode_with("secret", wire, body, piece)
    }

    #[test]
    fn right_uploads_are_accepted_in_any_pieces() {
        let crc = ChecksumAlgorithm::Crc32
            .of(&(0..20_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>());
        for (marker, trailers) in [
            (StreamingMarker::SignedPayload, vec![]),
            (
                StreamingMarker::SignedPayloadTrailer,
                vec![("x-amz-checksum-crc32", crc.as_str())],
            ),
            (
                StreamingMarker::UnsignedPayloadTrailer,
                vec![("x-amz-checksum-crc32", crc.as_str())],
            ),
        ] {
            let (wire, body, _) = upload(marker, 8_192, &trailers);
            for piece in [1, 7, 100, 8_192, 1 << 20] {
                let done = decode(&wire, &body, piece).unwrap();
                assert_eq!(done.decoded_length, 20_000, "{marker} {piece}");
                assert_eq!(done.chunks, 4);
            }
        }
    }

    /// A body whose frames arrive one every `gap`, then none (`stall`) or the end.
    struct Paced {
        frames: std::collections::VecDeque<bytes::Bytes>,
        gap: std::time::Duration,
        wait: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
        stall: bool,
    }

    impl hyper::body::Body for Paced {
        type Data = bytes::Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>>
        {
            use std::future::Future;
            let gap = self.gap;
            let wait = self
                .wait
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(gap)));
            if wait.as_mut().poll(cx).is_pending() {
                return std::task::Poll::Pending;
            }
            self.wait = None;
            match self.frames.pop_front() {
                Some(frame) => std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(frame)))),
                None if self.stall => std::task::Poll::Pending,
                None => std::task::Poll::Ready(None),
            }
        }
    }

    #[test]
    fn the_read_timeout_runs_from_the_last_frame() {
        let (wire, body, _) = upload(StreamingMarker::SignedPayload, 8_192, &[]);
        let pieces = |body: &[u8]| -> std::collections::VecDeque<bytes::Bytes> {
            body.chunks(body.len() / 6 + 1)
                .map(bytes::Bytes::copy_from_slice)
                .collect()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let secret = crate::context::SecretKey::new("secret");
        let timeout = std::time::Duration::from_millis(150);
        let gap = std::time::Duration::from_millis(60);
        // Frames 60 ms apart: longer than 150 ms in all, each within 150 ms of the one before.
        let (decoder, decoded) = decoder_for(&wire, &secret).unwrap();
        let paced = Paced {
            frames: pieces(&body),
            gap,
            wait: None,
            stall: false,
        };
        let done = runtime.block_on(read_body(decoder, decoded, paced, timeout));
        assert_eq!(done.unwrap().decoded_length, 20_000);
        // The same, but the last piece never comes: refused once 150 ms pass without a frame.
        let (decoder, decoded) = decoder_for(&wire, &secret).unwrap();
        let mut frames = pieces(&body);
        frames.pop_back();
        // The last frame arrives after `arrived`; the refusal 150 ms after it.
        let arrived = gap * u32::try_from(frames.len()).unwrap();
        let stalled = Paced {
            frames,
            gap,
            wait: None,
            stall: true,
        };
        let started = std::time::Instant::now();
        let e = runtime
            .block_on(read_body(decoder, decoded, stalled, timeout))
            .unwrap_err();
        assert!(
            e.message
                .starts_with("no part of the body arrived for 0.15 s"),
            "{e:?}"
        );
        assert!(
            started.elapsed() >= arrived + timeout,
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_body_at_hand_is_checked_as_it_would_arrive() {
        let (mut wire, body, _) = upload(StreamingMarker::SignedPayload, 8_192, &[]);
        let config = crate::serve::Config {
            access_key: "AKIDEXAMPLE".to_string(),
            secret: crate::context::SecretKey::new("secret"),
            token: None,
            region: "us-east-1".to_string(),
            service: Some("s3".to_string()),
            s3: true,
            normalize: None,
        };
        let now = crate::timestamp::Timestamp::parse_rfc3339("2013-05-24T00:00:00Z").unwrap();
        let check = |request: &Request| {
            let mut verdict = crate::serve::verify(request, &config, &Signer::new(), now);
            assert!(verdict.accepted(), "{verdict:?}");
            check_whole_body(request, &config.secret, &mut verdict);
            verdict
        };
        wire.body = body.clone();
        let right = check(&wire);
        assert!(right.accepted(), "{right:?}");
        assert!(right.details.contains(&("Chunks", "4".to_string())));
        // A data byte of the second chunk: its link is wrong, with its own string to sign and
        // the signature sent for it, and no canonical request (a chunk has none).
        let at = body.windows(2).position(|w| w == b"\r\n").unwrap() + 2 + 8_192 + 2 + 90 + 10;
        wire.body[at] ^= 1;
        let wrong = check(&wire);
        assert_eq!(
            (wrong.status, wrong.code.as_str()),
            (403, "SignatureDoesNotMatch")
        );
        assert!(wrong.details.contains(&("Chunk", "2".to_string())));
        let second = String::from_utf8_lossy(&body)
            .split(";chunk-signature=")
            .nth(2)
            .map(|s| s[..64].to_string());
        assert_eq!(wrong.signature_provided, second);
        assert_eq!(wrong.canonical_request, None);
        assert!(wrong
            .string_to_sign
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256-PAYLOAD\n"));
        // Cut short: the body that is at hand ends inside a chunk.
        wire.body = body[..body.len() - 5].to_vec();
        assert_eq!(check(&wire).code, "IncompleteBody");
    }

    #[test]
    fn a_changed_byte_names_its_chunk_and_a_wrong_checksum_is_bad_digest() {
        let (wire, mut body, _) = upload(StreamingMarker::SignedPayload, 8_192, &[]);
        // A data byte of the second chunk (after the first chunk's header and 8,192 bytes).
        let at = body.windows(2).position(|w| w == b"\r\n").unwrap() + 2 + 8_192 + 2 + 90 + 10;
        body[at] ^= 1;
        let e = decode(&wire, &body, 1_000).unwrap_err();
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
        let sts = e.link.unwrap().string_to_sign;
        assert!(sts.starts_with("AWS4-HMAC-SHA256-PAYLOAD\n"));

        let (wire, body, _) = upload(
            StreamingMarker::UnsignedPayloadTrailer,
            8_192,
            &[("x-amz-checksum-crc32", "AAAAAA==")],
        );
        let e = decode(&wire, &body, 4_096).unwrap_err();
        assert_eq!((e.code, e.stage), ("BadDigest", Stage::EncodedBody));
        // Cut short.
        let (wire, body, _) = upload(StreamingMarker::SignedPayload, 8_192, &[]);
        let e = decode(&wire, &body[..body.len() - 5], 4_096).unwrap_err();
        assert_eq!(e.code, "IncompleteBody");
    }
}
