//! Differential fuzzing: generated requests against any signer, divergences shrunk to fixtures.

pub mod campaign;
pub mod generate;
pub mod shrink;
pub mod write;
