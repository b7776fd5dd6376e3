//! `aws-chunked` uploads: after the seed request is signed, each chunk is signed with the crate's
//! `sign::v4::sign_chunk` (chained from the previous signature, the seed's first), the final
//! empty chunk too, then the trailers with `sign::v4::sign_trailer`, as a user of the crate who
//! streams a body does. Cutting the payload every `chunk_size` bytes is the translation of the
//! context key; the crate hashes and signs.

use std::time::SystemTime;

use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::http::Headers;
use bytes::Bytes;
use serde_json::{Map, Value};

/// Markers whose chunks carry signatures, and whether trailers are signed after them.
fn signs(marker: &str) -> Option<bool> {
    match marker {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" => Some(false),
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => Some(true),
        _ => None,
    }
}

/// What to sign after the seed.
pub struct Streaming<'a> {
    pub marker: &'a str,
    pub chunk_size: u64,
    pub trailers: &'a [(String, String)],
}

/// Adds `chunk_signatures` (and `trailer_signature`) to `stages`, chained from `seed`. `Err` is
/// the crate's refusal; `Ok(false)` means the marker's chunks are unsigned (nothing to add: the
/// crate does not encode bodies, so an unsigned-trailer upload exposes its seed only).
#[allow(clippy::too_many_arguments)]
pub fn sign(
    streaming: &Streaming<'_>,
    seed: &str,
    identity: &Identity,
    region: &str,
    service: &str,
    time: SystemTime,
    body: &[u8],
    stages: &mut Map<String, Value>,
) -> Result<bool, String> {
    let Some(signs_trailer) = signs(streaming.marker) else {
        return Ok(false);
    };
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(())
        .build()
        .map_err(|e| format!("SigningParams: {e}"))?;
    let step = usize::try_from(streaming.chunk_size.max(1)).unwrap_or(usize::MAX);
    let mut running = seed.to_string();
    let mut signatures = Vec::new();
    for data in body.chunks(step).chain(std::iter::once(&[][..])) {
        let output = v4::sign_chunk(&Bytes::copy_from_slice(data), &running, &params)
            .map_err(|e| format!("sign_chunk: {e}"))?;
        running = output.signature().to_string();
        signatures.push(Value::from(running.clone()));
    }
    stages.insert("chunk_signatures".into(), Value::Array(signatures));
    if signs_trailer {
        let mut headers = Headers::new();
        for (name, value) in streaming.trailers {
            headers
                .try_append(name.clone(), value.clone())
                .map_err(|e| format!("trailer {name:?}: {e}"))?;
        }
        let output = v4::sign_trailer(&headers, &running, &params)
            .map_err(|e| format!("sign_trailer: {e}"))?;
        stages.insert(
            "trailer_signature".into(),
            output.signature().to_string().into(),
        );
    }
    Ok(true)
}
