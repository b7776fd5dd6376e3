//! `context.json` -> [`Context`]: credentials, scope, time and the switches of one case.
//!
//! The keys are the official AWS signing test suite's, plus documented extensions for what the
//! official suite cannot express (`double_uri_encode`, `payload_hash`, `unsigned_headers`, the
//! streaming keys `chunk_size`, `trailers`, `streaming` and `event_stream`). An
//! unknown key is an error that names it, so a typo never silently changes what is signed.

use crate::sign::Algorithm;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A secret access key. Its `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(transparent)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a secret key.
    pub fn new(secret: impl Into<String>) -> SecretKey {
        SecretKey(secret.into())
    }

    /// The secret, for key derivation only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// `credentials`: who signs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// `access_key_id`.
    pub access_key_id: String,
    /// `secret_access_key`.
    pub secret_access_key: SecretKey,
    /// `token`: a session token, sent as `X-Amz-Security-Token`.
    #[serde(default)]
    pub token: Option<String>,
}

/// One case's `context.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// `credentials`.
    pub credentials: Credentials,
    /// `region`, the scope's region.
    pub region: String,
    /// `service`, the scope's service; `s3` switches on the S3 rules.
    pub service: String,
    /// `timestamp`: the signing time (RFC 3339).
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub timestamp: Timestamp,
    /// `normalize`: remove dot segments and collapse `//` in the path (default true; never for S3).
    #[serde(default)]
    pub normalize: Option<bool>,
    /// `sign_body`: add a signed `x-amz-content-sha256` header, in header mode only (default
    /// false; true for S3). No effect in query mode.
    #[serde(default)]
    pub sign_body: Option<bool>,
    /// `expiration_in_seconds`: `X-Amz-Expires` in query mode (default 3600).
    #[serde(default)]
    pub expiration_in_seconds: Option<i64>,
    /// `omit_session_token`: add the session token after signing instead of signing it.
    #[serde(default)]
    pub omit_session_token: Option<bool>,
    /// Extension `double_uri_encode`: encode the path twice (default true; false for S3).
    #[serde(default)]
    pub double_uri_encode: Option<bool>,
    /// Extension `payload_hash`: a literal for the canonical request's payload hash.
    #[serde(default)]
    pub payload_hash: Option<String>,
    /// `signed_body_value`: the official suite's name for a literal payload hash (`UNSIGNED-PAYLOAD`);
    /// the same as `payload_hash`, which wins when both are given.
    #[serde(default)]
    pub signed_body_value: Option<String>,
    /// Extension `unsigned_headers`: header names (any case) left out of signing.
    #[serde(default)]
    pub unsigned_headers: Vec<String>,
    /// Extension `algorithm`: `AWS4-HMAC-SHA256` (SigV4, the default) or
    /// `AWS4-ECDSA-P256-SHA256` (SigV4a, where `region` is the region set). A case folder with a
    /// `public-key.json` and no `algorithm` is read as SigV4a (see [`Algorithm`]).
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
    /// Extension `chunk_size`: send the body `aws-chunked` in chunks of this many bytes (with a
    /// streaming `payload_hash`); see [`crate::sign::chunked`].
    #[serde(default)]
    pub chunk_size: Option<u64>,
    /// Extension `trailers`: `[name, value]` pairs sent after the final chunk, in order.
    #[serde(default)]
    pub trailers: Vec<(String, String)>,
    /// Extension `streaming`: the streaming marker the body is sent with, when it is not the
    /// seed's payload hash (aws-c-auth's trailer test signs a seed with
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` and then a trailer).
    #[serde(default)]
    pub streaming: Option<String>,
    /// Extension `event_stream`: event-stream messages signed after the request, chained from
    /// its signature (header mode); see [`crate::sign::event_stream`].
    #[serde(default)]
    pub event_stream: Option<EventStreamContext>,
    /// Not a context key: S3's rules whatever `service` says (a verifier started with `--s3`
    /// checks an S3-compatible endpoint whose scope may name another service).
    #[serde(skip)]
    pub s3_rules: bool,
}

/// `event_stream`: the events sent after the request, then the final empty message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventStreamContext {
    /// `events`: the events in order (may be empty: the stream is then its final message only).
    #[serde(default)]
    pub events: Vec<Event>,
    /// `end`: the signing time of the final, empty message (RFC 3339).
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub end: Timestamp,
}

/// One event of an `event_stream`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// `timestamp`: the event's signing time (RFC 3339, whole seconds), written to its `:date`
    /// header in milliseconds.
    #[serde(deserialize_with = "deserialize_timestamp")]
    pub timestamp: Timestamp,
    /// `payload_base64`: the signed payload, base64 (for a real stream, the encoded inner
    /// event-stream message).
    #[serde(rename = "payload_base64", deserialize_with = "deserialize_base64")]
    pub payload: Vec<u8>,
}

fn deserialize_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    use base64::Engine;
    let text = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|e| serde::de::Error::custom(format!("payload_base64 {text:?}: {e}")))
}

fn deserialize_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(d)?;
    Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
}

/// Why a `context.json` could not be read, with the line and column serde_json reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextError {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for ContextError {}

impl From<serde_json::Error> for ContextError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json appends " at line L column C"; keep the message without it.
        let text = e.to_string();
        let message = match text.rsplit_once(" at line ") {
            Some((message, _)) => message.to_string(),
            None => text,
        };
        ContextError {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

impl Context {
    /// Parses the bytes of a `context.json`.
    pub fn from_json(bytes: &[u8]) -> Result<Context, ContextError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// Parses a JSON value (an adapter request's `context`).
    pub fn from_value(value: serde_json::Value) -> Result<Context, ContextError> {
        Ok(serde_json::from_value(value)?)
    }

    /// The documented example context of the older AWS suite layout, which has no
    /// `context.json`: `AKIDEXAMPLE`, `us-east-1`, service `service`, normalised.
    pub fn legacy_example(timestamp: Timestamp) -> Context {
        Context {
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".to_string(),
                secret_access_key: SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                token: None,
            },
            region: "us-east-1".to_string(),
            service: "service".to_string(),
            timestamp,
            normalize: Some(true),
            sign_body: None,
            expiration_in_seconds: None,
            omit_session_token: None,
            double_uri_encode: None,
            payload_hash: None,
            signed_body_value: None,
            unsigned_headers: Vec::new(),
            algorithm: None,
            chunk_size: None,
            trailers: Vec::new(),
            streaming: None,
            event_stream: None,
            s3_rules: false,
        }
    }

    /// The literal payload hash, from `payload_hash` or the official `signed_body_value`.
    pub fn payload_literal(&self) -> Option<&str> {
        self.payload_hash
            .as_deref()
            .or(self.signed_body_value.as_deref())
    }

    /// The signing algorithm: `algorithm`, SigV4 when it is absent.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm.unwrap_or_default()
    }

    /// True when the S3 rules apply: service `s3`, or [`Context::s3_rules`].
    pub fn is_s3(&self) -> bool {
        self.s3_rules || self.service == "s3"
    }

    /// `X-Amz-Expires` in query mode: `expiration_in_seconds`, or 3600 when it is not given.
    pub fn expires(&self) -> i64 {
        self.expiration_in_seconds.unwrap_or(3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"{
    "credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "secret", "token": "tok"},
    "region": "us-east-1",
    "service": "service",
    "timestamp": "2015-08-30T12:36:00Z",
    "normalize": false,
    "expiration_in_seconds": 60,
    "unsigned_headers": ["User-Agent"]
}"#;

    #[test]
    fn parses_official_keys_and_extensions() {
        let c = Context::from_json(BASE.as_bytes()).unwrap();
        assert_eq!(c.credentials.token.as_deref(), Some("tok"));
        assert_eq!(c.normalize, Some(false));
        assert_eq!(c.expiration_in_seconds, Some(60));
        assert_eq!(c.unsigned_headers, vec!["User-Agent"]);
        assert_eq!(c.timestamp.amz_date(), "20150830T123600Z");
    }

    #[test]
    fn event_stream_is_read_strictly() {
        let with = |events: &str| {
            BASE.replace(
                "\"unsigned_headers\"",
                &format!("\"event_stream\": {events},\n\"unsigned_headers\""),
            )
        };
        let c = Context::from_json(
            with(r#"{"events": [{"timestamp": "2015-08-30T12:36:01Z", "payload_base64": "AP8="}], "end": "2015-08-30T12:36:02Z"}"#)
                .as_bytes(),
        )
        .unwrap();
        let stream = c.event_stream.unwrap();
        assert_eq!(stream.events[0].payload, [0, 255]);
        assert_eq!(stream.end.amz_date(), "20150830T123602Z");
        for (events, want) in [
            (r#"{"end": "2015-08-30T12:36:02Z"}"#, None),
            (r#"{"events": []}"#, Some("missing field `end`")),
            (
                r#"{"events": [{"timestamp": "2015-08-30T12:36:01Z", "payload_base64": "%%"}], "end": "2015-08-30T12:36:02Z"}"#,
                Some("payload_base64 \"%%\""),
            ),
            (
                r#"{"events": [{"time": "2015-08-30T12:36:01Z"}], "end": "2015-08-30T12:36:02Z"}"#,
                Some("unknown field `time`"),
            ),
        ] {
            match (Context::from_json(with(events).as_bytes()), want) {
                (Ok(c), None) => assert!(c.event_stream.unwrap().events.is_empty()),
                (Err(e), Some(want)) => assert!(e.message.contains(want), "{e}"),
                (other, _) => panic!("{events}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let c = Context::from_json(BASE.as_bytes()).unwrap();
        assert!(!format!("{c:?}").contains("secret\""));
        assert!(format!("{c:?}").contains("<redacted>"));
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let cases = [
            (
                BASE.replace("\"normalize\"", "\"normalise\""),
                "unknown field `normalise`",
                6,
            ),
            (
                BASE.replace("\"token\"", "\"session\""),
                "unknown field `session`",
                2,
            ),
            (
                BASE.replace("2015-08-30T12:36:00Z", "yesterday"),
                "timestamp \"yesterday\"",
                5,
            ),
            (
                BASE.replace("\"region\": \"us-east-1\",", ""),
                "missing field `region`",
                0,
            ),
            (BASE.replace("false", "\"no\""), "invalid type", 6),
        ];
        for (json, want, line) in cases {
            let err = Context::from_json(json.as_bytes()).unwrap_err();
            assert!(err.message.contains(want), "{err}");
            if line > 0 {
                assert_eq!(err.line, line, "{err}");
            }
        }
    }
}
