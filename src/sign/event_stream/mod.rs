//! Event-stream message signing (`x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-EVENTS`,
//! HTTP/2 bidirectional streams: Transcribe, Lex, Bedrock, Kinesis `SubscribeToShard`): the
//! request is signed as usual and its signature seeds a chain; then each event is signed at its
//! own time, chained from the previous signature, and wrapped in a message that carries the
//! signature and the time; the stream ends with a signed message whose payload is empty.
//!
//! ```text
//! Signed (seed) ─► DateHeader ─► EventStringToSign ─► event signature ─► SignedMessage
//!               ─► ... ─► final (empty) message
//! ```
//!
//! It is the `aws-chunked` chain ([`crate::sign::chunked`]) with two differences: the hash of the
//! encoded `:date` header stands where a chunk has the hash of the empty string, and each event
//! has its own time (so its own scope date and signing key). Each step is a module:
//! [`date_header`], [`string_to_sign`], [`envelope`]; [`EventChain`] signs link by link and
//! [`EventStream`] holds every stage of one stream.

pub mod date_header;
pub mod envelope;
pub mod string_to_sign;

pub use date_header::DateHeader;
pub use envelope::SignedMessage;
pub use string_to_sign::EventStringToSign;

use super::scope::CredentialScope;
use super::settings::Mode;
use super::signature::Signature;
use super::signing_key::{hmac_sha256, SigningKey};
use super::Signed;
use crate::context::{Context, SecretKey};
use crate::stage::Stage;
use crate::timestamp::Timestamp;

/// One signed event (or the final, empty message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLink {
    /// The event's signing time.
    pub time: Timestamp,
    /// The encoded `:date` header whose hash is signed.
    pub date_header: DateHeader,
    /// The event's string to sign.
    pub string_to_sign: EventStringToSign,
    /// Its signature: `Hex(HMAC-SHA256(kSigning, StringToSign))`, the key of the event's date.
    pub signature: Signature,
    /// The message sent on the wire.
    pub message: SignedMessage,
}

/// The chain of signatures of one event stream: the credentials and the scope's region and
/// service, and the previous signature; it signs one event at a time.
#[derive(Clone)]
pub struct EventChain {
    secret: SecretKey,
    region: String,
    service: String,
    previous: Signature,
}

impl std::fmt::Debug for EventChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventChain")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl EventChain {
    /// A chain that starts at `seed`, the request's signature.
    pub fn new(secret: &SecretKey, region: &str, service: &str, seed: Signature) -> EventChain {
        EventChain {
            secret: secret.clone(),
            region: region.to_string(),
            service: service.to_string(),
            previous: seed,
        }
    }

    /// The chain of a signed request, with the context's credentials and scope.
    pub fn from_signed(signed: &Signed<'_>) -> EventChain {
        EventChain::new(
            &signed.context.credentials.secret_access_key,
            &signed.context.region,
            &signed.context.service,
            signed.signature.clone(),
        )
    }

    /// The signature the next event is chained from.
    pub fn previous(&self) -> &Signature {
        &self.previous
    }

    /// Signs the next event's `payload` at `time` (the final message's payload is `&[]`).
    pub fn sign_event(&mut self, time: Timestamp, payload: &[u8]) -> EventLink {
        let scope_date = time.scope_date();
        let scope = CredentialScope::new(&scope_date, &self.region, &self.service);
        let key = SigningKey::derive(&self.secret, &scope);
        let date_header = DateHeader::new(time);
        let string_to_sign = EventStringToSign::new(
            &time.amz_date(),
            &scope.to_string(),
            self.previous.as_str(),
            &date_header,
            payload,
        );
        let signature = Signature::from_mac(&hmac_sha256(
            key.as_bytes(),
            string_to_sign.as_str().as_bytes(),
        ));
        let message = SignedMessage::new(&date_header, &signature, payload);
        self.previous = signature.clone();
        EventLink {
            time,
            date_header,
            string_to_sign,
            signature,
            message,
        }
    }
}

/// Every stage of one event stream after its seed: the events in order, the final empty
/// message last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStream {
    /// The signed messages in order.
    pub links: Vec<EventLink>,
}

impl EventStream {
    /// Signs `events` (`(time, payload)` in order) from `chain`, then the final empty message at
    /// `end`.
    pub fn new<'a>(
        mut chain: EventChain,
        events: impl IntoIterator<Item = (Timestamp, &'a [u8])>,
        end: Timestamp,
    ) -> EventStream {
        let links = events
            .into_iter()
            .chain(std::iter::once((end, &[][..])))
            .map(|(time, payload)| chain.sign_event(time, payload))
            .collect();
        EventStream { links }
    }

    /// The strings to sign, in order, separated by an empty line (the
    /// `{mode}-event-string-to-sign.txt` format).
    pub fn strings_to_sign(&self) -> String {
        let texts: Vec<&str> = self
            .links
            .iter()
            .map(|l| l.string_to_sign.as_str())
            .collect();
        texts.join("\n\n")
    }

    /// The signatures, one per line, in order (the `{mode}-event-signatures.txt` format).
    pub fn signatures(&self) -> String {
        let texts: Vec<&str> = self.links.iter().map(|l| l.signature.as_str()).collect();
        texts.join("\n")
    }
}

/// The stages of an event stream, as the suite's files hold them.
pub fn stage_outputs(stream: &EventStream) -> Vec<(Stage, Vec<u8>)> {
    vec![
        (
            Stage::EventStringToSign,
            stream.strings_to_sign().into_bytes(),
        ),
        (Stage::EventSignatures, stream.signatures().into_bytes()),
    ]
}

/// Whether a context asks for an event stream's stages in `mode`: it has `event_stream`, signs
/// in header mode, with SigV4 (SigV4a event signing is not modelled).
pub fn applies(context: &Context, mode: Mode) -> bool {
    context.event_stream.is_some() && mode == Mode::Header && !context.algorithm().is_asymmetric()
}

impl Signed<'_> {
    /// The stages of an event stream: present when the case has an `event_stream` and
    /// [`applies`].
    pub fn event_stream(&self) -> Option<EventStream> {
        if !applies(self.context, self.mode()) {
            return None;
        }
        let events = self.context.event_stream.as_ref()?;
        Some(EventStream::new(
            EventChain::from_signed(self),
            events
                .events
                .iter()
                .map(|e| (e.timestamp, e.payload.as_slice())),
            events.end,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;
    use crate::sign::Signer;

    /// aws-c-auth `tests/test_event_signing.c`: service `demo`, the request at
    /// 1981-01-16T06:30:00Z, events `A`, `B`, `C` one second apart, the final empty message at
    /// 06:30:04.
    const PUBLISHED: &str = r#"{
        "credentials": {"access_key_id": "access", "secret_access_key": "secret"},
        "region": "us-east-1", "service": "demo", "timestamp": "1981-01-16T06:30:00Z",
        "normalize": true, "double_uri_encode": false, "sign_body": true,
        "payload_hash": "STREAMING-AWS4-HMAC-SHA256-EVENTS",
        "event_stream": {"events": [
            {"timestamp": "1981-01-16T06:30:01Z", "payload_base64": "QQ=="},
            {"timestamp": "1981-01-16T06:30:02Z", "payload_base64": "Qg=="},
            {"timestamp": "1981-01-16T06:30:03Z", "payload_base64": "Qw=="}],
            "end": "1981-01-16T06:30:04Z"}}"#;

    const REQUEST: &[u8] = b"POST /streaming HTTP/1.1\nhost:demo.us-east-1.amazonaws.com\nContent-Encoding:application/vnd.amazon.eventstream\n\n";

    #[test]
    fn the_published_event_stream() {
        let request = Request::parse(REQUEST).unwrap();
        let context = Context::from_json(PUBLISHED.as_bytes()).unwrap();
        let signed = Signer::new()
            .sign(&request, &context, Mode::Header)
            .unwrap();
        assert_eq!(
            signed.authorization().unwrap().as_str(),
            "AWS4-HMAC-SHA256 Credential=access/19810116/us-east-1/demo/aws4_request, \
             SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date, \
             Signature=e1d8e8c8815e60969f2a34765c9a15945ffc0badbaa4b7e3b163ea19131e949b"
        );
        let stream = signed.event_stream().unwrap();
        assert_eq!(
            stream.signatures(),
            "7aabf85b765e6a4d0d500b6e968657b14726fa3e1eb7e839302728ffd77629a5\n\
             f72aa9642f571d24a6e1ae42f10f073ad9448d8a028b6bcd82da081335adda02\n\
             632af120435b57ec241d8bfbb12e496dfd5e2730a1a02ac0ab6eaa230ae02e9a\n\
             c6f679ddb3af68f5e82f0cf6761244cb2338cf11e7d01a24130aea1b7c17e53e"
        );
        let first = &stream.links[0];
        assert_eq!(
            first.string_to_sign.as_str(),
            format!(
                "AWS4-HMAC-SHA256-PAYLOAD\n19810116T063001Z\n19810116/us-east-1/demo/aws4_request\n\
                 e1d8e8c8815e60969f2a34765c9a15945ffc0badbaa4b7e3b163ea19131e949b\n{}\n{}",
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(first.date_header.as_bytes())),
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"A")),
            )
        );
        assert_eq!(
            first.date_header.to_string(),
            "053a64617465080000005122b46e28"
        );
        // The envelope carries the signature's bytes and the payload last, before the CRC.
        let last = stream.links.last().unwrap();
        let bytes = last.message.as_bytes();
        assert!(hex::encode(bytes).contains(last.signature.as_str()));
        assert_eq!(bytes.len(), 16 + 15 + 20 + 32);
    }

    #[test]
    fn an_empty_stream_signs_the_final_message_only_and_query_mode_has_none() {
        let request = Request::parse(REQUEST).unwrap();
        let json = PUBLISHED.replace(
            r#""events": [
            {"timestamp": "1981-01-16T06:30:01Z", "payload_base64": "QQ=="},
            {"timestamp": "1981-01-16T06:30:02Z", "payload_base64": "Qg=="},
            {"timestamp": "1981-01-16T06:30:03Z", "payload_base64": "Qw=="}],"#,
            "",
        );
        let context = Context::from_json(json.as_bytes()).unwrap();
        let signer = Signer::new();
        let signed = signer.sign(&request, &context, Mode::Header).unwrap();
        let stream = signed.event_stream().unwrap();
        assert_eq!(stream.links.len(), 1);
        assert!(stream.links[0]
            .string_to_sign
            .as_str()
            .ends_with("\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        let query = signer.sign(&request, &context, Mode::Query).unwrap();
        assert!(query.event_stream().is_none());
    }

    #[test]
    fn each_event_is_keyed_by_its_own_date() {
        let secret = SecretKey::new("secret");
        let seed = Signature::from_mac(&[0; 32]);
        let mut chain = EventChain::new(&secret, "us-east-1", "demo", seed);
        let before = chain.sign_event(Timestamp::from_unix(86_399), b"x");
        let after = chain.sign_event(Timestamp::from_unix(86_400), b"x");
        assert!(before
            .string_to_sign
            .as_str()
            .contains("\n19700101/us-east-1/demo/"));
        assert!(after
            .string_to_sign
            .as_str()
            .contains("\n19700102/us-east-1/demo/"));
        assert!(after
            .string_to_sign
            .as_str()
            .contains(before.signature.as_str()));
        assert_eq!(chain.previous(), &after.signature);
    }
}
