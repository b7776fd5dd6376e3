//! Bless: write missing expected files from the reference signer, so new cases are cheap.
//!
//! A blessed case still needs its provenance: independent signers must confirm it (see
//! `suite/README.md`). Never runs when `CI` is set.

use super::fixture::Fixture;
use crate::implementation::StageOutputs;
use crate::stage::Stage;
use std::path::PathBuf;

/// What bless may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlessMode {
    /// Write nothing.
    Off,
    /// Write expected files that are missing.
    Missing,
    /// Rewrite every expected file.
    Overwrite,
}

impl BlessMode {
    /// From `SIGV4_BLESS` (`1` writes missing files, `overwrite` rewrites them), never when `CI`
    /// is set.
    pub fn from_env() -> BlessMode {
        if std::env::var_os("CI").is_some() {
            return BlessMode::Off;
        }
        match std::env::var("SIGV4_BLESS").as_deref() {
            Ok("overwrite") => BlessMode::Overwrite,
            Ok("") | Ok("0") | Err(_) => BlessMode::Off,
            Ok(_) => BlessMode::Missing,
        }
    }
}

/// The stages bless writes: every native stage file but the signing key.
const BLESSED: [Stage; 13] = [
    Stage::CanonicalRequest,
    Stage::StringToSign,
    Stage::Signature,
    Stage::Authorization,
    Stage::PresignedUrl,
    Stage::SignedRequest,
    Stage::PublicKey,
    Stage::ChunkStringToSign,
    Stage::ChunkSignatures,
    Stage::TrailerStringToSign,
    Stage::TrailerSignature,
    Stage::EventStringToSign,
    Stage::EventSignatures,
];

/// Writes the reference outputs of a native case-mode's missing (or all) stage files; returns the
/// files written. Does nothing for a case that expects a refusal.
pub fn bless(
    fixture: &Fixture,
    outputs: &StageOutputs,
    mode: BlessMode,
) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if mode == BlessMode::Off || fixture.expected.error.is_some() {
        return Ok(written);
    }
    for stage in BLESSED
        .into_iter()
        .filter(|s| s.applies_to(fixture.input.mode))
    {
        let path = fixture.dir.join(stage.file_name(fixture.input.mode));
        let present = fixture
            .expected
            .stages
            .get(&stage)
            .is_some_and(|e| !e.derived);
        if present && mode != BlessMode::Overwrite {
            continue;
        }
        if let Some(bytes) = outputs.get(&stage) {
            // Never through a symbolic link or into a FIFO: only the case's own files.
            crate::files::write_regular(&path, bytes)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            written.push(path);
        }
    }
    Ok(written)
}
