//! # sigv4-conformance
//!
//! A reference AWS Signature Version 4 signer whose every stage is a public type, and the
//! conformance suite runner built on it.
//!
//! ```
//! use sigv4_conformance::{Context, Mode, Request, Signer};
//!
//! let request = Request::parse(b"GET / HTTP/1.1\nHost:example.amazonaws.com\n").unwrap();
//! let context = Context::from_json(br#"{
//!     "credentials": {"access_key_id": "AKIDEXAMPLE",
//!                     "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
//!     "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"
//! }"#).unwrap();
//! let signed = Signer::new().sign(&request, &context, Mode::Header).unwrap();
//! println!("{}", signed.canonical_request);
//! assert_eq!(
//!     signed.canonical_request.to_string(),
//!     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
//!      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
//! );
//! assert_eq!(
//!     signed.signature.to_string(),
//!     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
//! );
//! ```

// Unit tests may panic: a panic is a failed test. (The `[lints]` table in Cargo.toml keeps the
// library's own input handling panic-free.)
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::panic,
    )
)]

pub mod context;
pub mod request;
pub mod sign;
pub mod signed_parts;
pub mod timestamp;

pub use context::{Context, Credentials, SecretKey};
pub use implementation::{
    Implementation, ImplementationInfo, Reference, SignInput, SignOutcome, StageOutputs,
};
pub use request::{Header, Request};
pub use sign::{Mode, SignError, Signed, Signer};
pub use stage::Stage;
pub use timestamp::Timestamp;
pub mod adapter;
pub mod check;
pub mod diagnose;
pub mod explain;
pub mod files;
pub mod fuzz;
#[cfg(feature = "harness")]
pub mod harness;
pub mod implementation;
pub mod lint;
pub mod probe;
pub mod report;
pub mod run;
pub mod serve;
pub mod stage;
pub mod suite;
