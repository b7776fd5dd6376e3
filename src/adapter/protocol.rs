//! Adapter protocol v1: the JSON-lines messages (see `docs/adapter-protocol.md`).

use crate::implementation::{ImplementationInfo, SignInput};
use crate::request::{Header, Request};
use crate::sign::Mode;
use crate::stage::Stage;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The protocol version this runner speaks.
pub const PROTOCOL: u32 = 1;

/// The longest line either side may write: 16 MiB.
pub const MAX_LINE: usize = 16 << 20;

/// `{"type":"hello","protocol":1}`, the runner's first line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hello {
    /// `hello`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Protocol version.
    pub protocol: u32,
}

impl Hello {
    /// The runner's hello.
    pub fn new() -> Hello {
        Hello {
            kind: "hello".to_string(),
            protocol: PROTOCOL,
        }
    }
}

impl Default for Hello {
    fn default() -> Self {
        Hello::new()
    }
}

/// The adapter's answer to the handshake.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HelloReply {
    /// `hello`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Protocol version; must be 1.
    pub protocol: u32,
    /// Who it is.
    pub implementation: ImplementationInfo,
    /// Modes it supports: `header`, `query`.
    pub modes: Vec<String>,
    /// Stages it can expose.
    pub stages: Vec<String>,
    /// An extension of v1: the algorithms it signs with (`AWS4-HMAC-SHA256`,
    /// `AWS4-ECDSA-P256-SHA256`). Absent: SigV4 only, what v1 meant before the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithms: Option<Vec<String>>,
    /// The signer it delegates to, when the library is a wrapper (an extension of v1, optional;
    /// `implementation.wraps` is read too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wraps: Option<String>,
}

impl HelloReply {
    /// Who the adapter says it is, with a top-level `wraps` carried into the implementation.
    pub fn info(&self) -> ImplementationInfo {
        let mut info = self.implementation.clone();
        if info.wraps.is_none() {
            info.wraps.clone_from(&self.wraps);
        }
        info
    }
}

/// The request fields of a `sign` message: `raw` plus a parse, so adapters need not parse HTTP.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RequestFields {
    /// `request.txt` as text (invalid UTF-8 replaced).
    pub raw: String,
    /// Method as written.
    pub method: String,
    /// Request target as written.
    pub target: String,
    /// The target up to its first `?`.
    pub path: String,
    /// The target after its first `?`, or null.
    pub query: Option<String>,
    /// HTTP version token, e.g. `HTTP/1.1` (an extension of v1: adapters may ignore it).
    #[serde(default = "default_version")]
    pub version: String,
    /// Ordered `[name, value]` pairs; folded continuation lines appended as `"\n"` + the line.
    pub headers: Vec<(String, String)>,
    /// The body, base64.
    pub body_base64: String,
}

fn default_version() -> String {
    "HTTP/1.1".to_string()
}

/// `{"type":"sign", ...}`: one case-mode to sign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SignRequest {
    /// `sign`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Trial id.
    pub id: String,
    /// `header` or `query`.
    pub mode: String,
    /// The case's `context.json` object, verbatim.
    pub context: serde_json::Value,
    /// The request.
    pub request: RequestFields,
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl SignRequest {
    /// The message for one case-mode.
    pub fn from_input(input: &SignInput) -> SignRequest {
        let request = &input.request;
        SignRequest {
            kind: "sign".to_string(),
            id: input.id.clone(),
            mode: input.mode.as_str().to_string(),
            context: input.context_json.clone(),
            request: RequestFields {
                raw: lossy(&input.request_bytes),
                method: request.method.clone(),
                target: lossy(&request.target),
                path: lossy(request.path()),
                query: request.query().map(lossy),
                version: request.version.clone(),
                headers: request
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), lossy(&h.folded_value())))
                    .collect(),
                body_base64: base64::engine::general_purpose::STANDARD.encode(&request.body),
            },
        }
    }

    /// Rebuilds the request from the parsed fields (the serving side of the protocol), exactly:
    /// folded values are split back into their continuation lines.
    pub fn to_request(&self) -> Result<Request, String> {
        let body = base64::engine::general_purpose::STANDARD
            .decode(&self.request.body_base64)
            .map_err(|e| format!("body_base64: {e}"))?;
        let headers = self
            .request
            .headers
            .iter()
            .map(|(name, value)| {
                let mut lines = value.split('\n');
                let first = lines.next().unwrap_or_default();
                Header {
                    name: name.clone(),
                    value: first.as_bytes().to_vec(),
                    continuations: lines.map(|l| l.as_bytes().to_vec()).collect(),
                    line: 0,
                }
            })
            .collect();
        Ok(Request {
            method: self.request.method.clone(),
            target: self.request.target.as_bytes().to_vec(),
            version: self.request.version.clone(),
            headers,
            body,
        })
    }

    /// The mode, if it is one this runner knows.
    pub fn parsed_mode(&self) -> Option<Mode> {
        Mode::parse(&self.mode)
    }
}

/// `{"type":"result", ...}`: the adapter's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct SignResult {
    /// `result`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The id of the request it answers.
    pub id: String,
    /// Canonical request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_request: Option<String>,
    /// String to sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_to_sign: Option<String>,
    /// Signing key, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// Signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Authorization header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// Presigned URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presigned_url: Option<String>,
    /// Signed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_request: Option<String>,
    /// SigV4a: the derived public key, `{"X":"<hex>","Y":"<hex>"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// The adapter cannot express the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// The signer refused the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The stages of an `aws-chunked` upload (an extension of v1).
    #[serde(flatten)]
    pub streaming: super::streaming::StreamingFields,
}

impl SignResult {
    /// The stage fields that are present.
    pub fn stages(&self) -> Vec<(Stage, &str)> {
        [
            (Stage::CanonicalRequest, &self.canonical_request),
            (Stage::StringToSign, &self.string_to_sign),
            (Stage::SigningKey, &self.signing_key),
            (Stage::Signature, &self.signature),
            (Stage::Authorization, &self.authorization),
            (Stage::PresignedUrl, &self.presigned_url),
            (Stage::SignedRequest, &self.signed_request),
            (Stage::PublicKey, &self.public_key),
        ]
        .into_iter()
        .filter_map(|(stage, value)| value.as_deref().map(|v| (stage, v)))
        .collect()
    }

    /// Every stage present, as bytes: the string fields and the streaming ones.
    pub fn outputs(&self) -> Vec<(Stage, Vec<u8>)> {
        let mut out: Vec<(Stage, Vec<u8>)> = self
            .stages()
            .into_iter()
            .map(|(stage, value)| (stage, value.as_bytes().to_vec()))
            .collect();
        out.extend(self.streaming.outputs());
        out
    }

    /// Sets a stage field.
    pub fn set(&mut self, stage: Stage, value: String) {
        let slot = match stage {
            Stage::CanonicalRequest => &mut self.canonical_request,
            Stage::StringToSign => &mut self.string_to_sign,
            Stage::SigningKey => &mut self.signing_key,
            Stage::Signature => &mut self.signature,
            Stage::Authorization => &mut self.authorization,
            Stage::PresignedUrl => &mut self.presigned_url,
            Stage::SignedRequest => &mut self.signed_request,
            Stage::PublicKey => &mut self.public_key,
            Stage::ChunkStringToSign
            | Stage::ChunkSignatures
            | Stage::TrailerStringToSign
            | Stage::TrailerSignature
            | Stage::EncodedBody
            | Stage::EventStringToSign
            | Stage::EventSignatures => {
                self.streaming.set(stage, value.as_bytes());
                return;
            }
        };
        *slot = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;

    fn hello(text: &str) -> HelloReply {
        match serde_json::from_str(text) {
            Ok(h) => h,
            Err(e) => panic!("hello {text}: {e}"),
        }
    }

    #[test]
    fn a_wrapper_names_its_signer_at_the_top_or_in_the_implementation() {
        let implementation = r#""implementation":{"name":"p","version":"1","language":"python"}"#;
        let top = hello(&format!(
            r#"{{"type":"hello","protocol":1,{implementation},"modes":[],"stages":[],"wraps":"botocore"}}"#
        ));
        assert_eq!(top.info().wraps.as_deref(), Some("botocore"));
        let inside = hello(
            r#"{"type":"hello","protocol":1,"implementation":{"name":"p","version":"1","language":"python","wraps":"botocore"},"modes":[],"stages":[]}"#,
        );
        assert_eq!(inside.info().wraps.as_deref(), Some("botocore"));
        let own = hello(&format!(
            r#"{{"type":"hello","protocol":1,{implementation},"modes":[],"stages":[]}}"#
        ));
        assert_eq!(own.info().wraps, None);
        // Reports of a signer that signs itself stay as they were: no `wraps` key at all.
        let json = serde_json::to_string(&own.info()).unwrap_or_default();
        assert_eq!(json, r#"{"name":"p","version":"1","language":"python"}"#);
    }

    #[test]
    fn requests_round_trip_through_the_parsed_fields() {
        let raw =
            b"POST /a b?c=d HTTP/1.1\nHost:h\nX: 1 \n  folded\n\x20\tmore\nX:2\n\n\x00\xffbody";
        let request = Request::parse(raw).unwrap();
        let context = Context::legacy_example(crate::timestamp::Timestamp::from_unix(0));
        let input = SignInput {
            id: "x/header".to_string(),
            mode: Mode::Header,
            request_bytes: raw.to_vec(),
            request: request.clone(),
            context_json: serde_json::json!({"region": "us-east-1"}),
            context,
        };
        let message = SignRequest::from_input(&input);
        assert_eq!(message.request.path, "/a b");
        assert_eq!(message.request.query.as_deref(), Some("c=d"));
        assert_eq!(
            message.request.headers[1],
            ("X".to_string(), " 1 \n  folded\n \tmore".to_string())
        );
        let line = serde_json::to_string(&message).unwrap();
        let back: SignRequest = serde_json::from_str(&line).unwrap();
        assert_eq!(
            back.to_request().unwrap(),
            Request {
                headers: request
                    .headers
                    .iter()
                    .map(|h| Header {
                        line: 0,
                        ..h.clone()
                    })
                    .collect(),
                ..request
            }
        );
    }

    #[test]
    fn results_list_their_stages() {
        let result: SignResult = serde_json::from_str(
            r#"{"type":"result","id":"a","signature":"ab","authorization":"x"}"#,
        )
        .unwrap();
        assert_eq!(
            result.stages(),
            vec![(Stage::Signature, "ab"), (Stage::Authorization, "x")]
        );
    }
}
