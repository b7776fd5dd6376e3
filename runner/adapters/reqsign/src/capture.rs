//! reqsign logs the string to sign it computed (`debug!("calculated string to sign: ...")` in
//! `sign_request.rs`); a small `log` logger keeps the last one.

use std::sync::Mutex;

static LAST: Mutex<Option<String>> = Mutex::new(None);
const PREFIX: &str = "calculated string to sign: ";

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let text = record.args().to_string();
        if let Some(sts) = text.strip_prefix(PREFIX) {
            if let Ok(mut last) = LAST.lock() {
                *last = Some(sts.to_owned());
            }
        }
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture;

/// Installs the logger; false when another one is installed.
pub fn install() -> bool {
    log::set_logger(&LOGGER)
        .map(|()| log::set_max_level(log::LevelFilter::Debug))
        .is_ok()
}

/// Forgets the last string to sign (call before signing).
pub fn clear() {
    if let Ok(mut last) = LAST.lock() {
        *last = None;
    }
}

/// The string to sign logged since the last `clear`.
pub fn take() -> Option<String> {
    LAST.lock().ok().and_then(|mut last| last.take())
}
