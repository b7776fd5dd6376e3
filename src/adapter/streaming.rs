//! Protocol v1's fields for `aws-chunked` uploads and event streams (an extension: a `result` may
//! carry them, an adapter that cannot expose them leaves them out or skips the case).
//!
//! - `chunk_string_to_sign`: array of strings, each chunk's string to sign, in order;
//! - `chunk_signatures`: array of strings, each chunk's signature, the final empty chunk's last;
//! - `trailer_string_to_sign`, `trailer_signature`: strings;
//! - `encoded_body_base64`: the encoded body on the wire, base64 (stage `encoded_body`);
//! - `event_string_to_sign`: array of strings, each event-stream message's string to sign, in
//!   order, the final empty message's last;
//! - `event_signatures`: array of strings, each event-stream message's signature, in order.

use crate::stage::Stage;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The streaming stage fields of a `result`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct StreamingFields {
    /// Each chunk's string to sign, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_string_to_sign: Option<Vec<String>>,
    /// Each chunk's signature, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_signatures: Option<Vec<String>>,
    /// The trailer's string to sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer_string_to_sign: Option<String>,
    /// The trailer signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer_signature: Option<String>,
    /// The encoded body, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_body_base64: Option<String>,
    /// Each event-stream message's string to sign, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_string_to_sign: Option<Vec<String>>,
    /// Each event-stream message's signature, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_signatures: Option<Vec<String>>,
}

/// How a chain stage's links are joined into one text (the expected file's format): chunk and
/// event strings to sign are separated by an empty line, signatures by a line end.
pub fn link_separator(stage: Stage) -> Option<&'static str> {
    match stage {
        Stage::ChunkStringToSign | Stage::EventStringToSign => Some("\n\n"),
        Stage::ChunkSignatures | Stage::EventSignatures => Some("\n"),
        _ => None,
    }
}

impl StreamingFields {
    /// The stages present, as the bytes the suite's files hold.
    pub fn outputs(&self) -> Vec<(Stage, Vec<u8>)> {
        let mut out = Vec::new();
        for (stage, links) in [
            (Stage::ChunkStringToSign, &self.chunk_string_to_sign),
            (Stage::ChunkSignatures, &self.chunk_signatures),
            (Stage::EventStringToSign, &self.event_string_to_sign),
            (Stage::EventSignatures, &self.event_signatures),
        ] {
            if let (Some(links), Some(separator)) = (links, link_separator(stage)) {
                out.push((stage, links.join(separator).into_bytes()));
            }
        }
        for (stage, text) in [
            (Stage::TrailerStringToSign, &self.trailer_string_to_sign),
            (Stage::TrailerSignature, &self.trailer_signature),
        ] {
            if let Some(text) = text {
                out.push((stage, text.as_bytes().to_vec()));
            }
        }
        if let Some(body) = self
            .encoded_body_base64
            .as_ref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        {
            out.push((Stage::EncodedBody, body));
        }
        out
    }

    /// Sets a streaming stage from its bytes; false for any other stage (or text that is not
    /// UTF-8 where the field is text).
    pub fn set(&mut self, stage: Stage, bytes: &[u8]) -> bool {
        if stage == Stage::EncodedBody {
            self.encoded_body_base64 =
                Some(base64::engine::general_purpose::STANDARD.encode(bytes));
            return true;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        let split = |separator: &str| -> Vec<String> {
            if text.is_empty() {
                Vec::new()
            } else {
                text.split(separator).map(str::to_string).collect()
            }
        };
        match stage {
            Stage::ChunkStringToSign => self.chunk_string_to_sign = Some(split("\n\n")),
            Stage::ChunkSignatures => self.chunk_signatures = Some(split("\n")),
            Stage::EventStringToSign => self.event_string_to_sign = Some(split("\n\n")),
            Stage::EventSignatures => self.event_signatures = Some(split("\n")),
            Stage::TrailerStringToSign => self.trailer_string_to_sign = Some(text.to_string()),
            Stage::TrailerSignature => self.trailer_signature = Some(text.to_string()),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_the_file_format() {
        let json = r#"{"chunk_signatures":["aa","bb","cc"],"chunk_string_to_sign":["A\nB","C\nD"],"trailer_signature":"dd","encoded_body_base64":"MA0KDQo=","event_signatures":["ee","ff"]}"#;
        let fields: StreamingFields = serde_json::from_str(json).unwrap();
        let outputs = fields.outputs();
        assert_eq!(
            outputs,
            vec![
                (Stage::ChunkStringToSign, b"A\nB\n\nC\nD".to_vec()),
                (Stage::ChunkSignatures, b"aa\nbb\ncc".to_vec()),
                (Stage::EventSignatures, b"ee\nff".to_vec()),
                (Stage::TrailerSignature, b"dd".to_vec()),
                (Stage::EncodedBody, b"0\r\n\r\n".to_vec()),
            ]
        );
        let mut back = StreamingFields::default();
        for (stage, bytes) in &outputs {
            assert!(back.set(*stage, bytes));
        }
        assert_eq!(back, fields);
        assert!(!back.set(Stage::Signature, b"x"));
    }
}
