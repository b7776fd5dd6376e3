//! The signing time, for libraries that read the clock themselves and offer no public way to set
//! it (reqsign's `RequestSigner::with_time` and object_store's `AwsAuthorizer` date exist only
//! under `cfg(test)`). The adapter runs under libfaketime (Debian package `libfaketime`), which
//! answers `clock_gettime` with the time in the `FAKETIME` environment variable, read again on
//! every call (`FAKETIME_NO_CACHE=1`). [`ensure`] re-executes the adapter with the library
//! preloaded; [`set`] freezes the clock at a case's timestamp.

use std::env;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::SystemTime;

const PRELOADED: &str = "SIGV4_ADAPTER_FAKETIME";

/// Where Debian installs libfaketime, per architecture.
fn library() -> Option<PathBuf> {
    let lib = std::fs::read_dir("/usr/lib").ok()?;
    lib.filter_map(Result::ok)
        .map(|dir| dir.path().join("faketime/libfaketime.so.1"))
        .find(|path| path.is_file())
}

/// Re-executes this program with libfaketime preloaded, unless that was done already. Returns
/// an error (and keeps running without a settable clock) when the library is missing.
pub fn ensure() -> Result<(), String> {
    if env::var_os(PRELOADED).is_some() {
        return Ok(());
    }
    let lib = library().ok_or(
        "libfaketime.so.1 not found under /usr/lib/*/faketime/ (apt-get install libfaketime)",
    )?;
    let exe = env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let error = Command::new(exe)
        .args(env::args_os().skip(1))
        .env("LD_PRELOAD", lib)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("FAKETIME", "2000-01-01 00:00:00")
        .env("TZ", "UTC")
        .env(PRELOADED, "1")
        .exec();
    Err(format!("re-executing under libfaketime: {error}"))
}

/// Freezes the process clock at `time` (whole seconds, UTC) and checks that it took.
pub fn set(time: SystemTime) -> Result<(), String> {
    if env::var_os(PRELOADED).is_none() {
        return Err("no settable clock: libfaketime is not preloaded".into());
    }
    let stamp = jiff::Timestamp::try_from(time).map_err(|e| format!("timestamp: {e}"))?;
    env::set_var("FAKETIME", stamp.strftime("%Y-%m-%d %H:%M:%S").to_string());
    let now = jiff::Timestamp::now().as_second();
    if now != stamp.as_second() {
        return Err(format!(
            "libfaketime did not set the clock (it reads {now}, wanted {})",
            stamp.as_second()
        ));
    }
    Ok(())
}
