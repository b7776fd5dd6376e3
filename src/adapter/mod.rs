//! Third-party signers in any language, driven through the JSON-lines adapter protocol v1
//! (`docs/adapter-protocol.md`), and the reference signer served over the same protocol.

pub mod client;
pub mod faulty;
pub mod process;
pub mod protocol;
pub mod reference;
pub mod streaming;

pub use client::{Adapter, AdapterConfig};
