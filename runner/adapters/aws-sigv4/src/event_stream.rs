//! Event streams: after the request is signed, each event is signed with the crate's
//! `event_stream::sign_message` at the event's time, chained from the previous signature (the
//! request's first), and the stream ends with `event_stream::sign_empty_message`, as the AWS SDK
//! for Rust's event-stream writer does. Turning an event's payload into the crate's `Message` is
//! the translation: the payload of a real event is an encoded event-stream message, which
//! `aws_smithy_eventstream::frame::read_message_from` reads; `sign_message` encodes it again and
//! signs those bytes (a payload that does not come back byte for byte is skipped: the crate has
//! no call that signs raw bytes).

use std::time::SystemTime;

use aws_sigv4::event_stream::{sign_empty_message, sign_message, SigningParams};
use aws_smithy_eventstream::frame::{read_message_from, write_message_to};
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::{Map, Value};

use crate::input::EventStream;

/// The reason the crate cannot sign this stream, if any.
pub fn unsignable(stream: &EventStream) -> Option<String> {
    for (index, event) in stream.events.iter().enumerate() {
        let Ok(message) = read_message_from(&event.payload[..]) else {
            return Some(format!(
                "event {}: its payload is not an event-stream message, and the crate's \
                 sign_message signs a Message it encodes itself (no call signs raw bytes)",
                index + 1
            ));
        };
        let mut again = Vec::new();
        if write_message_to(&message, &mut again).is_err() || again != event.payload {
            return Some(format!(
                "event {}: the crate's Message does not encode the payload back byte for byte, \
                 so sign_message would sign other bytes",
                index + 1
            ));
        }
    }
    None
}

/// Adds `event_signatures` to `stages`, chained from `seed`. `Err` is the crate's refusal.
pub fn sign(
    stream: &EventStream,
    seed: &str,
    identity: &Identity,
    region: &str,
    service: &str,
    stages: &mut Map<String, Value>,
) -> Result<(), String> {
    let params = |time: SystemTime| -> Result<SigningParams<'_>, String> {
        aws_sigv4::sign::v4::SigningParams::builder()
            .identity(identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(())
            .build()
            .map_err(|e| format!("SigningParams: {e}"))
    };
    let mut running = seed.to_string();
    let mut signatures = Vec::new();
    for (index, event) in stream.events.iter().enumerate() {
        let message = read_message_from(&event.payload[..])
            .map_err(|e| format!("event {}: read_message_from: {e}", index + 1))?;
        let output = sign_message(&message, &running, &params(event.time)?)
            .map_err(|e| format!("event {}: sign_message: {e}", index + 1))?;
        running = output.signature().to_string();
        signatures.push(Value::from(running.clone()));
    }
    let output = sign_empty_message(&running, &params(stream.end)?)
        .map_err(|e| format!("sign_empty_message: {e}"))?;
    signatures.push(Value::from(output.signature().to_string()));
    stages.insert("event_signatures".into(), Value::Array(signatures));
    Ok(())
}
