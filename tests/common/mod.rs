//! Pieces shared by the integration tests (each test crate includes this with `mod common;`).

pub mod server;
