//! Requests that stress every SigV4 rule, generated from a seed.
//!
//! Not random bytes: each part is drawn from classes of values that signers get wrong (reserved
//! and unreserved characters, valid and invalid `%`-escapes, UTF-8, spaces, `+`, `//`, dot
//! segments, repeated and empty query keys, mixed-case and duplicate headers, inner and outer
//! whitespace, folded lines, binary bodies, S3 and other services, session tokens, timestamps at
//! day and year boundaries, both modes). Weights favour the edge cases. Case `i` of seed `s`
//! depends on `(s, i)` only, so shards and parallel jobs draw disjoint, reproducible slices.
#![allow(
    clippy::indexing_slicing,
    reason = "draws from this module's own non-empty tables into JSON objects it built, never from input"
)]

use crate::context::Context;
use crate::request::Request;
use crate::sign::Mode;

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of case `index` of campaign `seed`.
    pub fn for_case(seed: u64, index: u64) -> Rng {
        let mut rng = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, weighted: `(weight, item)`.
    pub fn weighted<T: Copy>(&mut self, items: &[(u64, T)]) -> T {
        let total: u64 = items.iter().map(|(w, _)| w).sum();
        let mut pick = self.below(total);
        for (weight, item) in items {
            if pick < *weight {
                return *item;
            }
            pick -= weight;
        }
        items[0].1
    }

    /// One of `items`, uniformly.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// `last` again with probability `percent`, else a new pick from `items`, which becomes
    /// `last` (so repeated query keys and header names come up often).
    pub fn repeat_or_pick<T: Copy>(&mut self, last: &mut T, percent: u64, items: &[T]) -> T {
        if !self.chance(percent) {
            *last = self.pick(items);
        }
        *last
    }
}

/// One generated case: what a fixture folder holds.
#[derive(Debug, Clone)]
pub struct GeneratedCase {
    /// Position in the campaign.
    pub index: u64,
    /// The bytes of `request.txt`.
    pub request_bytes: Vec<u8>,
    /// The `context.json` object.
    pub context_json: serde_json::Value,
    /// The mode.
    pub mode: Mode,
}

impl GeneratedCase {
    /// The parsed request and context (the generator only writes valid ones).
    pub fn parse(&self) -> Option<(Request, Context)> {
        let request = Request::parse(&self.request_bytes).ok()?;
        let context = Context::from_value(self.context_json.clone()).ok()?;
        Some((request, context))
    }
}

const WORDS: &[&str] = &[
    "a",
    "example",
    "photos",
    "2015",
    "file.txt",
    "x-y_z~1",
    "Z",
    "data",
    "index.html",
];
const RESERVED: &[&str] = &[
    "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "[", "]",
];
const ESCAPES: &[&str] = &[
    "%20",
    "%2F",
    "%2f",
    "%7E",
    "%41",
    "%25",
    "%3A",
    "%2B",
    "%E1%88%B4",
    "%zz",
    "%",
    "%2",
];
const UTF8: &[&str] = &["é", "ሴ", "日本", "😀", "ß"];

/// A path segment from one class of characters.
fn segment(rng: &mut Rng, s3: bool) -> String {
    let class = rng.weighted(&[
        (6, 0),
        (3, 1),
        (3, 2),
        (2, 3),
        (2, 4),
        (1, 5),
        (2, 6),
        (2, 7),
    ]);
    match class {
        0 => rng.pick(WORDS).to_string(),
        1 => format!(
            "{}{}{}",
            rng.pick(WORDS),
            rng.pick(RESERVED),
            rng.pick(WORDS)
        ),
        2 => format!("{}{}", rng.pick(WORDS), rng.pick(ESCAPES)),
        3 => rng.pick(UTF8).to_string(),
        4 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
        5 if !s3 => String::new(),
        5 => "+".to_string(),
        6 => ".".to_string(),
        _ => "..".to_string(),
    }
}

fn path(rng: &mut Rng, s3: bool) -> String {
    let count = rng.weighted(&[(2, 0), (4, 1), (3, 2), (2, 3), (1, 5)]);
    let mut path = String::new();
    for _ in 0..count {
        path.push('/');
        path.push_str(&segment(rng, s3));
    }
    if path.is_empty() || rng.chance(20) {
        path.push('/');
    }
    if rng.chance(8) {
        // A doubled slash somewhere.
        path.insert(0, '/');
    }
    path
}

const KEYS: &[&str] = &[
    "a",
    "Param",
    "param",
    "Param-1",
    "q",
    "q.parser",
    "list-type",
    "prefix",
    "ids",
    "A",
    "aa",
    "ሴ",
    "%E1%88%B4",
    "p%20q",
];
const VALUES: &[&str] = &[
    "1", "value", "Value", "b c", "b%20c", "e+f", "x=y", "a%26b", "*", "~", "%7E", "%2f", "ሴ", "",
    "a/b", "%zz",
];

fn query(rng: &mut Rng) -> Option<String> {
    let count = rng.weighted(&[(4, 0), (4, 1), (3, 2), (2, 3), (1, 5)]);
    if count == 0 {
        return rng.chance(5).then(String::new);
    }
    let mut pieces = Vec::new();
    let mut last_key = "a";
    for _ in 0..count {
        let key = rng.repeat_or_pick(&mut last_key, 20, KEYS);
        let piece = match rng.weighted(&[(8, 0), (1, 1), (1, 2), (1, 3)]) {
            0 => format!("{key}={}", rng.pick(VALUES)),
            1 => key.to_string(),
            2 => format!("={}", rng.pick(VALUES)),
            _ => format!("{key}="),
        };
        pieces.push(piece);
    }
    Some(pieces.join("&"))
}

const NAMES: &[&str] = &[
    "My-Header",
    "my-header",
    "X-Amz-Meta-Test",
    "x-amz-meta-test-two",
    "Content-Type",
    "X-Custom",
    "x-empty",
    "Range",
    "User-Agent",
];
const HEADER_VALUES: &[&str] = &[
    "value",
    "a b",
    "a   b   c",
    "\"a   b\"",
    " padded ",
    "\tx\t",
    "",
    "application/json",
    "bytes=0-9",
    "日本",
];

fn headers(rng: &mut Rng, out: &mut String) {
    let count = rng.weighted(&[(3, 0), (4, 1), (3, 2), (2, 3), (1, 4)]);
    let mut last = "My-Header";
    for _ in 0..count {
        let name = rng.repeat_or_pick(&mut last, 15, NAMES);
        let value = rng.pick(HEADER_VALUES);
        let space = if rng.chance(30) { " " } else { "" };
        out.push_str(&format!("{name}:{space}{value}\n"));
        if rng.chance(8) {
            // Obsolete line folding.
            out.push_str(&format!(
                "{}{}\n",
                rng.pick(&["  ", "\t", " "]),
                rng.pick(&["more", "two  words"])
            ));
        }
    }
}

fn body(rng: &mut Rng) -> Vec<u8> {
    match rng.weighted(&[(6, 0), (2, 1), (1, 2), (1, 3)]) {
        0 => Vec::new(),
        1 => b"Param1=value1&Param2=value2".to_vec(),
        2 => b"{\"key\": \"value\", \"n\": 1}\n".to_vec(),
        _ => (0..rng.below(64) + 1)
            .map(|_| rng.below(256) as u8)
            .collect(),
    }
}

fn timestamp(rng: &mut Rng) -> String {
    rng.pick(&[
        "2015-08-30T12:36:00Z",
        "2015-08-30T23:59:59Z",
        "2015-08-31T00:00:00Z",
        "2015-12-31T23:59:59Z",
        "2016-01-01T00:00:00Z",
        "2016-02-29T12:00:00Z",
        "2013-05-24T00:00:00Z",
        "2026-11-24T15:04:05Z",
    ])
    .to_string()
}

/// Case `index` of campaign `seed`.
pub fn generate(seed: u64, index: u64) -> GeneratedCase {
    let mut rng = Rng::for_case(seed, index);
    let (service, region, host) = rng.weighted(&[
        (5, ("service", "us-east-1", "example.amazonaws.com")),
        (4, ("s3", "us-east-1", "examplebucket.s3.amazonaws.com")),
        (1, ("s3", "eu-west-1", "localhost:9000")),
        (
            1,
            (
                "execute-api",
                "us-west-2",
                "abc123.execute-api.us-west-2.amazonaws.com",
            ),
        ),
        (1, ("iam", "us-east-1", "iam.amazonaws.com")),
        (
            1,
            (
                "es",
                "ap-southeast-2",
                "search-d.ap-southeast-2.es.amazonaws.com:443",
            ),
        ),
        (
            1,
            (
                "lambda",
                "us-gov-west-1",
                "lambda.us-gov-west-1.amazonaws.com",
            ),
        ),
    ]);
    let s3 = service == "s3";
    let mode = if rng.chance(45) {
        Mode::Query
    } else {
        Mode::Header
    };
    let method = rng.weighted(&[
        (8, "GET"),
        (3, "POST"),
        (2, "PUT"),
        (1, "DELETE"),
        (1, "HEAD"),
        (1, "PATCH"),
        (1, "OPTIONS"),
    ]);
    let mut target = path(&mut rng, s3);
    if let Some(q) = query(&mut rng) {
        target.push('?');
        target.push_str(&q);
    }
    let mut head = format!("{method} {target} HTTP/1.1\nHost:{host}\n");
    headers(&mut rng, &mut head);
    let body = body(&mut rng);
    let mut request_bytes = head.into_bytes();
    if !body.is_empty() {
        request_bytes.push(b'\n');
        request_bytes.extend_from_slice(&body);
    }
    let mut credentials = serde_json::json!({
        "access_key_id": "AKIDEXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    });
    let token = rng.chance(20);
    if token {
        credentials["token"] = serde_json::Value::String(
            rng.pick(&["AQoDYXdzEJr//token+==", "simpletoken"])
                .to_string(),
        );
    }
    let mut context = serde_json::json!({
        "credentials": credentials,
        "region": region,
        "service": service,
        "timestamp": timestamp(&mut rng),
    });
    if !s3 {
        context["normalize"] = serde_json::Value::Bool(rng.chance(75));
    }
    if rng.chance(15) {
        context["sign_body"] = serde_json::Value::Bool(!s3 || mode == Mode::Header);
    }
    if token && rng.chance(25) {
        context["omit_session_token"] = serde_json::Value::Bool(true);
    }
    if mode == Mode::Query {
        let expires: i64 = rng.weighted(&[(5, 3600), (1, 1), (1, 604_800), (1, 86_400), (1, 60)]);
        context["expiration_in_seconds"] = serde_json::Value::from(expires);
    }
    GeneratedCase {
        index,
        request_bytes,
        context_json: context,
        mode,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_always_signable() {
        let signer = crate::sign::Signer::new();
        let mut modes = [0; 2];
        for index in 0..3000 {
            let a = generate(7, index);
            let b = generate(7, index);
            assert_eq!(a.request_bytes, b.request_bytes);
            assert_eq!(a.context_json, b.context_json);
            let (request, context) = a.parse().unwrap_or_else(|| {
                panic!(
                    "case {index} does not parse: {:?}",
                    String::from_utf8_lossy(&a.request_bytes)
                )
            });
            signer
                .sign(&request, &context, a.mode)
                .unwrap_or_else(|e| panic!("case {index}: {e}"));
            modes[a.mode as usize] += 1;
        }
        assert!(modes.iter().all(|&n| n > 800), "{modes:?}");
        assert_ne!(generate(7, 1).request_bytes, generate(8, 1).request_bytes);
    }
}
