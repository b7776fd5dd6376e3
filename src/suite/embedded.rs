//! The suite's files compiled into the crate by `build.rs`: in release builds (what `cargo
//! install` makes) and, with the `embedded-suite` feature, in every build. Read them with
//! [`super::MemorySuite::embedded`]; `None` in a debug build without the feature, which reads
//! `suite/` from its source tree instead so that a fixture edit costs no rebuild.

include!(concat!(env!("OUT_DIR"), "/embedded_suite.rs"));
