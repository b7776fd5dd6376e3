//! `cargo test`: every case x mode of the suite as its own libtest-mimic trial, named by its id,
//! through the same harness a dependent crate uses for its own signer
//! (`sigv4_conformance::harness`, whose docs list the settings: `SIGV4_SUITE`, `SIGV4_EXPECT`,
//! `SIGV4_OFFICIAL`). Here the signer is the reference, and two settings are this crate's own:
//! - `SIGV4_BLESS=1`: write missing expected files from the reference signer
//!   (`SIGV4_BLESS=overwrite` rewrites them); never when `CI` is set;
//! - `SIGV4_ADAPTER='<command>'`: check a third-party signer through adapter protocol v1 instead
//!   of the reference (`SIGV4_TIMEOUT` seconds per case, default 5).
//!
//! A debug build reads `suite/` from the source tree, so a fixture edit rebuilds nothing. With
//! neither `SIGV4_SUITE` nor `SIGV4_ADAPTER`, the official AWS suites run too, as trials
//! `official/<name>/<id>` (`src/suite/official.rs` finds them; a missing one is one ignored trial
//! that says why). Their copies' own inconsistencies are pinned in
//! `tests/official/<name>.expect.toml`: such a trial is ignored with its reason while it fails as
//! pinned, and fails once it passes or fails elsewhere. `SIGV4_OFFICIAL=0` leaves them out.

use sigv4_conformance::adapter::{Adapter, AdapterConfig};
use sigv4_conformance::harness::Harness;
use sigv4_conformance::suite::bless::BlessMode;
use sigv4_conformance::Reference;
use std::process::ExitCode;
use std::sync::Arc;

/// The harness for the reference signer, or for the adapter named by `SIGV4_ADAPTER`.
fn harness() -> Result<Harness, String> {
    let Some(command) = std::env::var("SIGV4_ADAPTER")
        .ok()
        .filter(|c| !c.trim().is_empty())
    else {
        return Ok(Harness::new(Reference::new()).bless(BlessMode::from_env()));
    };
    let mut config = AdapterConfig::new(command);
    if let Ok(seconds) = std::env::var("SIGV4_TIMEOUT") {
        let seconds: f64 = seconds
            .parse()
            .map_err(|_| format!("SIGV4_TIMEOUT={seconds:?} is not a number of seconds"))?;
        if !(seconds > 0.0 && seconds.is_finite()) {
            return Err(format!("SIGV4_TIMEOUT must be positive, got {seconds}"));
        }
        config.timeout = std::time::Duration::from_secs_f64(seconds);
    }
    let adapter = Adapter::start(config)?;
    if let Some(reason) = adapter.given_up() {
        return Err(format!("the adapter did not start: {reason}"));
    }
    // The official suites are the reference's to pass; bless writes its output only.
    Ok(Harness::shared(Arc::new(adapter)).official(false))
}

fn main() -> ExitCode {
    match harness() {
        Ok(harness) => harness.run(),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
