//! Signs get-vanilla in a loop: a target for profilers (`valgrind --tool=callgrind`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a measuring tool on its own inputs: a panic stops the measurement"
)]
use sigv4_conformance::{Context, Mode, Request, Signer};

fn main() {
    let request = Request::parse(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n").expect("parses");
    let context = Context::from_json(
        br#"{"credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
            "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"}"#,
    )
    .expect("parses");
    let signer = if std::env::args().any(|a| a == "--cached") {
        Signer::new()
    } else {
        Signer::uncached()
    };
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut total = 0usize;
    for _ in 0..n {
        let signed = signer
            .sign(&request, &context, Mode::Header)
            .expect("signs");
        total += signed.signature.as_str().len();
    }
    println!("{total}");
}
