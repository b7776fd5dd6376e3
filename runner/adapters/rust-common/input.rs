//! The `context` and `request` objects of a protocol v1 `sign` line (see docs/adapter-protocol.md
//! and suite/README.md), read strictly: a missing required key, a wrong type or an unknown key is
//! an error that names the key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// `context.json`, with the suite's defaults left to the caller (they depend on mode and service).
#[derive(Debug)]
pub struct Context {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub token: Option<String>,
    pub region: String,
    pub service: String,
    pub time: SystemTime,
    pub normalize: Option<bool>,
    pub sign_body: Option<bool>,
    pub expiration_in_seconds: Option<i64>,
    pub omit_session_token: bool,
    pub double_uri_encode: Option<bool>,
    /// `payload_hash`, or the official suite's `signed_body_value` (`payload_hash` wins).
    pub payload_hash: Option<String>,
    pub unsigned_headers: Vec<String>,
    /// `algorithm`: true for `AWS4-ECDSA-P256-SHA256` (SigV4a, where `region` is the region set).
    pub sigv4a: bool,
    /// `chunk_size`: an aws-chunked upload, cut every this many bytes.
    pub chunk_size: Option<u64>,
    /// `trailers`: `[name, value]` pairs after the final chunk.
    pub trailers: Vec<(String, String)>,
    /// `streaming`: the body's streaming marker when it is not `payload_hash`.
    pub streaming: Option<String>,
    /// `event_stream`: event-stream messages signed after the request.
    pub event_stream: Option<EventStream>,
}

/// An event of the context's `event_stream`.
#[derive(Debug)]
// Read by the adapters that sign event streams (aws-sigv4); the others only skip such a case.
#[allow(dead_code)]
pub struct Event {
    pub time: SystemTime,
    pub payload: Vec<u8>,
}

/// The context's `event_stream`: the events, then the final empty message's time.
#[derive(Debug)]
// Read by the adapters that sign event streams (aws-sigv4); the others only skip such a case.
#[allow(dead_code)]
pub struct EventStream {
    pub events: Vec<Event>,
    pub end: SystemTime,
}

/// The parsed request fields the adapter uses (`raw` is not needed).
#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

const CONTEXT_KEYS: &[&str] = &[
    "credentials",
    "region",
    "service",
    "timestamp",
    "normalize",
    "sign_body",
    "expiration_in_seconds",
    "omit_session_token",
    "double_uri_encode",
    "payload_hash",
    "signed_body_value",
    "unsigned_headers",
    "algorithm",
    "chunk_size",
    "trailers",
    "streaming",
    "event_stream",
];
const EVENT_STREAM_KEYS: &[&str] = &["events", "end"];
const EVENT_KEYS: &[&str] = &["timestamp", "payload_base64"];
const CREDENTIAL_KEYS: &[&str] = &["access_key_id", "secret_access_key", "token"];
fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{what}: expected an object"))
}

fn reject_unknown(map: &Map<String, Value>, known: &[&str], what: &str) -> Result<(), String> {
    match map.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(format!("{what}: unknown key {key:?}")),
        None => Ok(()),
    }
}

fn string(map: &Map<String, Value>, key: &str, what: &str) -> Result<String, String> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("{what}.{key}: expected a string")),
        None => Err(format!("{what}.{key}: missing")),
    }
}

fn opt_string(map: &Map<String, Value>, key: &str, what: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{what}.{key}: expected a string")),
    }
}

fn opt_bool(map: &Map<String, Value>, key: &str, what: &str) -> Result<Option<bool>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{what}.{key}: expected a boolean")),
    }
}

pub fn parse_context(value: &Value) -> Result<Context, String> {
    let map = object(value, "context")?;
    reject_unknown(map, CONTEXT_KEYS, "context")?;
    let creds = object(
        map.get("credentials")
            .ok_or("context.credentials: missing")?,
        "context.credentials",
    )?;
    reject_unknown(creds, CREDENTIAL_KEYS, "context.credentials")?;
    let timestamp = string(map, "timestamp", "context")?;
    let time = parse_rfc3339(&timestamp)
        .map_err(|e| format!("context.timestamp: {timestamp:?} is not an RFC 3339 time: {e}"))?;
    let expiration_in_seconds = match map.get("expiration_in_seconds") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or("context.expiration_in_seconds: expected an integer")?,
        ),
    };
    let unsigned_headers = match map.get("unsigned_headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or("context.unsigned_headers: expected an array of strings")
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("context.unsigned_headers: expected an array of strings".into()),
    };
    Ok(Context {
        access_key_id: string(creds, "access_key_id", "context.credentials")?,
        secret_access_key: string(creds, "secret_access_key", "context.credentials")?,
        token: opt_string(creds, "token", "context.credentials")?,
        region: string(map, "region", "context")?,
        service: string(map, "service", "context")?,
        time,
        normalize: opt_bool(map, "normalize", "context")?,
        sign_body: opt_bool(map, "sign_body", "context")?,
        expiration_in_seconds,
        omit_session_token: opt_bool(map, "omit_session_token", "context")?.unwrap_or(false),
        double_uri_encode: opt_bool(map, "double_uri_encode", "context")?,
        payload_hash: match opt_string(map, "payload_hash", "context")? {
            Some(hash) => Some(hash),
            None => opt_string(map, "signed_body_value", "context")?,
        },
        unsigned_headers,
        sigv4a: match opt_string(map, "algorithm", "context")?.as_deref() {
            None | Some("AWS4-HMAC-SHA256") => false,
            Some("AWS4-ECDSA-P256-SHA256") => true,
            Some(other) => return Err(format!("context.algorithm: unknown algorithm {other:?}")),
        },
        chunk_size: match map.get("chunk_size") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or("context.chunk_size: expected a positive integer")?,
            ),
        },
        trailers: match map.get("trailers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|pair| match pair.as_array().map(Vec::as_slice) {
                    Some([Value::String(n), Value::String(v)]) => Ok((n.clone(), v.clone())),
                    _ => Err("context.trailers: expected [name, value] pairs of strings"),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("context.trailers: expected an array".into()),
        },
        streaming: opt_string(map, "streaming", "context")?,
        event_stream: match map.get("event_stream") {
            None | Some(Value::Null) => None,
            Some(value) => Some(parse_event_stream(value)?),
        },
    })
}

fn time_of(map: &Map<String, Value>, key: &str, what: &str) -> Result<SystemTime, String> {
    let text = string(map, key, what)?;
    parse_rfc3339(&text).map_err(|e| format!("{what}.{key}: {text:?} is not an RFC 3339 time: {e}"))
}

fn parse_event_stream(value: &Value) -> Result<EventStream, String> {
    let map = object(value, "context.event_stream")?;
    reject_unknown(map, EVENT_STREAM_KEYS, "context.event_stream")?;
    let events = match map.get("events") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let event = object(item, "context.event_stream.events[]")?;
                reject_unknown(event, EVENT_KEYS, "context.event_stream.events[]")?;
                Ok(Event {
                    time: time_of(event, "timestamp", "context.event_stream.events[]")?,
                    payload: decode_base64(&string(
                        event,
                        "payload_base64",
                        "context.event_stream.events[]",
                    )?)?,
                })
            })
            .collect::<Result<_, String>>()?,
        Some(_) => return Err("context.event_stream.events: expected an array".into()),
    };
    Ok(EventStream {
        events,
        end: time_of(map, "end", "context.event_stream")?,
    })
}

pub fn parse_request(value: &Value) -> Result<Request, String> {
    let map = object(value, "request")?;
    // The request object may grow fields (protocol extensions such as `version`): adapters
    // ignore the ones they do not know. Context keys stay strict, as the suite requires.
    let headers = match map.get("headers") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_array().map(Vec::as_slice) {
                Some([Value::String(name), Value::String(value)]) => {
                    Ok((name.clone(), value.clone()))
                }
                _ => Err("request.headers: expected an array of [name, value] string pairs"),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("request.headers: expected an array".into()),
        None => return Err("request.headers: missing".into()),
    };
    let body = match opt_string(map, "body_base64", "request")? {
        Some(text) => decode_base64(&text).map_err(|e| format!("request.body_base64: {e}"))?,
        None => Vec::new(),
    };
    Ok(Request {
        method: string(map, "method", "request")?,
        path: string(map, "path", "request")?,
        query: opt_string(map, "query", "request")?,
        headers,
        body,
    })
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (`T`/`Z` in any case).
pub fn parse_rfc3339(text: &str) -> Result<SystemTime, String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Result<i64, String> {
        let part = b.get(range.clone()).ok_or("too short")?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(format!("expected digits at byte {}", range.start));
        }
        Ok(part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let expect = |at: usize, allowed: &[u8]| -> Result<(), String> {
        match b.get(at) {
            Some(c) if allowed.contains(c) => Ok(()),
            _ => Err(format!(
                "expected one of {:?} at byte {at}",
                String::from_utf8_lossy(allowed)
            )),
        }
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    expect(4, b"-")?;
    expect(7, b"-")?;
    expect(10, b"Tt")?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    expect(13, b":")?;
    expect(16, b":")?;
    let mut at = 19;
    let mut nanos: u32 = 0;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        at = start;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err("empty fraction".into());
        }
        let frac = &text[start..at.min(start + 9)];
        nanos = format!("{frac:0<9}").parse().map_err(|_| "bad fraction")?;
    }
    let offset_seconds = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() => {
            expect(at + 3, b":")?;
            let (oh, om) = (digits(at + 1..at + 3)?, digits(at + 4..at + 6)?);
            if oh > 23 || om > 59 {
                return Err("offset out of range".into());
            }
            let offset = oh * 3600 + om * 60;
            if *sign == b'+' {
                offset
            } else {
                -offset
            }
        }
        _ => {
            return Err(format!(
                "expected Z or an offset at byte {at}, then the end"
            ))
        }
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > month_days[(month - 1) as usize] {
        return Err("date out of range".into());
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("time out of range (leap seconds are not supported)".into());
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_seconds;
    let time = if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    };
    Ok(time + Duration::from_nanos(u64::from(nanos)))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Standard base64 (RFC 4648 §4), padding optional, no whitespace.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let data = text.trim_end_matches('=').as_bytes();
    if data.len() % 4 == 1 || text.len() - data.len() > 2 {
        return Err("invalid base64 length".into());
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = sextet(c).ok_or_else(|| format!("invalid base64 character {:?}", c as char))?;
            acc |= v << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        let t = |s| parse_rfc3339(s).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs());
        assert_eq!(t("2015-08-30T12:36:00Z"), Ok(1_440_938_160));
        assert_eq!(t("2013-05-24T00:00:00Z"), Ok(1_369_353_600));
        assert_eq!(t("2015-08-30T14:36:00+02:00"), Ok(1_440_938_160));
        assert_eq!(t("2015-08-30t12:36:00.999z"), Ok(1_440_938_160));
        assert_eq!(t("2000-02-29T00:00:00Z"), Ok(951_782_400));
        for bad in [
            "2015-08-30 12:36:00Z",
            "2015-02-29T00:00:00Z",
            "2015-08-30T12:36:00",
            "x",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("Zg==").unwrap(), b"f");
        assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_base64("Zm9vYmFy").unwrap(), b"foobar");
        assert!(decode_base64("Z").is_err());
        assert!(decode_base64("Zm9v!").is_err());
    }
}
