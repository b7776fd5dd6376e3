//! One event's string to sign.
//!
//! ```text
//! StringToSign = "AWS4-HMAC-SHA256-PAYLOAD" + '\n' + EventDateTime + '\n' + CredentialScope + '\n'
//!              + PreviousSignature + '\n' + Hex(SHA256(DateHeader)) + '\n' + Hex(SHA256(Payload))
//! EventSignature = Hex(HMAC-SHA256(kSigning(EventDate), StringToSign))
//! ```
//!
//! The first line is the chunk's ([`crate::sign::chunked::CHUNK_ALGORITHM`]); where a chunk has
//! the hash of the empty string, an event has the hash of its encoded `:date` header
//! ([`super::DateHeader`]). The time, the scope and the key are the event's own, and the previous
//! signature is the request's (the seed) for the first event
//! (<https://docs.aws.amazon.com/transcribe/latest/dg/how-streaming.html>, aws-c-auth
//! `source/aws_signing.c`, the aws-sigv4 crate's `event_stream.rs`).

use super::date_header::DateHeader;
use crate::sign::chunked::CHUNK_ALGORITHM;
use crate::sign::encoding::hex_fill;
use sha2::{Digest, Sha256};
use std::fmt;

/// An event's string to sign (see the module's formula).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStringToSign(String);

fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = [0u8; 64];
    hex_fill(&mut hex, &Sha256::digest(bytes));
    String::from_utf8_lossy(&hex).into_owned()
}

impl EventStringToSign {
    /// Builds it; `scope` is the credential scope's text for the event's date.
    pub fn new(
        amz_date: &str,
        scope: &str,
        previous: &str,
        date_header: &DateHeader,
        payload: &[u8],
    ) -> EventStringToSign {
        let lines = [
            CHUNK_ALGORITHM,
            amz_date,
            scope,
            previous,
            &sha256_hex(date_header.as_bytes()),
            &sha256_hex(payload),
        ];
        EventStringToSign(lines.join("\n"))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventStringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
