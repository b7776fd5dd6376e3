//! The `SignedHeaders` list, read verbatim as AWS reads it: malformed, not what a signer
//! writes, or exactly right.

use super::*;

/// What is wrong with a `SignedHeaders` (or `X-Amz-SignedHeaders`) list.
#[derive(Debug)]
pub(super) enum ListCheck {
    /// A list the canonical request could hold: lower-case, sorted, once each, `host` included,
    /// every header present.
    Exact,
    /// Not a list of header names at all (an empty entry, a name that is not an HTTP token), or
    /// one no signature can be right for (`authorization` named, `host` not): 400, like the
    /// other malformed authorization parameters.
    Malformed {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
    /// A list no correct signer writes for this request (upper-case, out of order, repeated, a
    /// header the request does not carry): the signature covers the list as written, so it does
    /// not match what this server computes; 403 `SignatureDoesNotMatch`, never a pass.
    Mismatch {
        /// One per problem.
        hints: Vec<String>,
    },
}

/// Checks the list of signed headers as AWS reads it: verbatim. A header name is case-insensitive
/// on the wire, but the list is part of the canonical request, so it must be exactly what a signer
/// writes there.
pub(super) fn check_signed_headers(list: &str, request: &Request, mode: Mode) -> ListCheck {
    let names: Vec<&str> = list.split(';').collect();
    let field = match mode {
        Mode::Header => "SignedHeaders",
        Mode::Query => "X-Amz-SignedHeaders",
    };
    if list.is_empty() || names.iter().any(|n| n.is_empty()) {
        return ListCheck::Malformed {
            message: format!("{field} {list:?} has an empty entry"),
            hint: format!("{field} is the signed header names joined by `;`, e.g. host;x-amz-date: no empty entry, no `;` at either end."),
        };
    }
    if let Some(bad) = names
        .iter()
        .find(|n| !n.bytes().all(crate::request::is_token_byte))
    {
        return ListCheck::Malformed {
            message: format!("{field} names {bad:?}, which is not a header name"),
            hint: format!("{field} holds header names only, joined by `;` without spaces."),
        };
    }
    if names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("authorization"))
    {
        return ListCheck::Malformed {
            message: format!("{field} {list:?} names authorization, which cannot be signed"),
            hint: "The Authorization header carries the signature: it is never one of the signed headers.".into(),
        };
    }
    if !names.iter().any(|n| n.eq_ignore_ascii_case("host")) {
        return ListCheck::Malformed {
            message: format!("'Host' must be a signed header: {field} does not name host"),
            hint: format!(
                "Sign the Host header ({field}=host;...), and every other header signed."
            ),
        };
    }
    let mut hints = Vec::new();
    let mut canonical: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    canonical.sort();
    canonical.dedup();
    if names
        .iter()
        .any(|n| n.bytes().any(|b| b.is_ascii_uppercase()))
    {
        hints.push(format!(
            "{field} {list:?} is not lower-case: the canonical request lists header names in lower case, and the signature covers the list as written."
        ));
    }
    if names.len() != canonical.len() {
        hints.push(format!(
            "{field} {list:?} names a header more than once: the canonical request lists each once (repeated headers are merged into one line)."
        ));
    } else if names
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.to_ascii_lowercase() > b.to_ascii_lowercase()))
    {
        hints.push(format!(
            "{field} {list:?} is not sorted: the canonical request lists header names sorted ({:?}).",
            canonical.join(";")
        ));
    }
    let present: HashSet<String> = request
        .headers
        .iter()
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    let absent: Vec<&str> = names
        .iter()
        .filter(|n| !present.contains(&n.to_ascii_lowercase()))
        .copied()
        .collect();
    if !absent.is_empty() {
        hints.push(format!(
            "{field} names {} but the request that arrived has no such header: it was dropped on the way, or the signer listed a header it did not send.",
            absent.join(", ")
        ));
    }
    if hints.is_empty() {
        ListCheck::Exact
    } else {
        ListCheck::Mismatch { hints }
    }
}
