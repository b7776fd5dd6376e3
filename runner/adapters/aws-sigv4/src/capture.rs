//! Capture of the texts aws-sigv4 writes to `tracing` at TRACE level while it signs.
//!
//! aws-sigv4 1.6.4 (`src/http_request/sign.rs`) emits, on the signing thread:
//! - header mode: `trace!(canonical_request = %creq.redacted())`;
//! - query mode: `trace!(canonical_request = %creq.redacted(), string_to_sign = %sts, ...)`.
//!
//! A minimal `Subscriber` keeps those two fields in a thread-local slot. The adapter signs on one
//! thread, and events are dispatched synchronously on the thread that emits them, so the slot holds
//! exactly the texts of the last `sign()` call made on this thread.

use std::cell::RefCell;
use std::fmt;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// What the last `sign()` call traced.
#[derive(Debug, Default)]
pub struct Captured {
    /// `canonical_request` as traced: sensitive header values replaced by
    /// `** redacted (length=N) **`.
    pub canonical_request: Option<String>,
    /// `string_to_sign` (traced in query mode only).
    pub string_to_sign: Option<String>,
}

thread_local! {
    static SLOT: RefCell<Captured> = RefCell::new(Captured::default());
}

/// Empties the slot before a `sign()` call.
pub fn clear() {
    SLOT.with(|slot| *slot.borrow_mut() = Captured::default());
}

/// Takes what was captured since the last [`clear`].
pub fn take() -> Captured {
    SLOT.with(|slot| std::mem::take(&mut *slot.borrow_mut()))
}

/// Installs the capturing subscriber as the global default. Returns false if another subscriber
/// was installed first (then nothing is captured and the adapter exposes no traced stage).
pub fn install() -> bool {
    tracing::subscriber::set_global_default(CaptureSubscriber).is_ok()
}

/// Listens to the `aws_sigv4` crate only.
struct CaptureSubscriber;

fn is_aws_sigv4(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    target == "aws_sigv4" || target.starts_with("aws_sigv4::")
}

impl Subscriber for CaptureSubscriber {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_aws_sigv4(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_aws_sigv4(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, _span: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _span: &span::Id, _values: &span::Record<'_>) {}

    fn record_follows_from(&self, _span: &span::Id, _follows: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut visitor = FieldVisitor::default();
        event.record(&mut visitor);
        if visitor.canonical_request.is_none() && visitor.string_to_sign.is_none() {
            return;
        }
        SLOT.with(|slot| {
            // try_borrow_mut: never panic inside the signer, even if re-entered.
            if let Ok(mut slot) = slot.try_borrow_mut() {
                if visitor.canonical_request.is_some() {
                    slot.canonical_request = visitor.canonical_request;
                }
                if visitor.string_to_sign.is_some() {
                    slot.string_to_sign = visitor.string_to_sign;
                }
            }
        });
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}

#[derive(Default)]
struct FieldVisitor {
    canonical_request: Option<String>,
    string_to_sign: Option<String>,
}

impl FieldVisitor {
    fn slot(&mut self, field: &Field) -> Option<&mut Option<String>> {
        match field.name() {
            "canonical_request" => Some(&mut self.canonical_request),
            "string_to_sign" => Some(&mut self.string_to_sign),
            _ => None,
        }
    }
}

impl Visit for FieldVisitor {
    // `%value` fields arrive here; their Debug impl is the value's Display. Other fields
    // (e.g. the `?request` of the first trace) are never formatted.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if let Some(slot) = self.slot(field) {
            *slot = Some(format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(slot) = self.slot(field) {
            *slot = Some(value.to_owned());
        }
    }
}
