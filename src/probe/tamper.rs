//! Changes made to a correctly signed request after signing, as a proxy, a cache or an attacker
//! would make them. Each returns `None` when the request has nothing it could change.

use crate::request::{Header, Request};

/// The first header of the case's own (other than `Host`): the one a tamper changes or removes.
/// Every header of a suite request is signed unless the case says otherwise.
fn own_header(case: &Request) -> Option<&Header> {
    case.headers.iter().find(|h| !h.is("host"))
}

/// The value of the case's first own header changed (`-changed` appended).
pub fn signed_header_changed(case: &Request, wire: &Request) -> Option<Request> {
    let name = own_header(case)?.name.clone();
    let mut out = wire.clone();
    let header = out.headers.iter_mut().find(|h| h.is(&name))?;
    let mut value = header.folded_value();
    value.extend_from_slice(b"-changed");
    *header = Header::new(&name, &String::from_utf8_lossy(&value));
    Some(out)
}

/// The case's first own header removed.
pub fn signed_header_removed(case: &Request, wire: &Request) -> Option<Request> {
    let name = own_header(case)?.name.clone();
    let mut out = wire.clone();
    let before = out.headers.len();
    out.headers.retain(|h| !h.is(&name));
    (out.headers.len() < before).then_some(out)
}

/// `x-probe-added=1` appended to the query.
pub fn query_param_added(wire: &Request) -> Request {
    let mut out = wire.clone();
    out.target
        .push(if wire.query().is_some() { b'&' } else { b'?' });
    out.target.extend_from_slice(b"x-probe-added=1");
    out
}

/// The body's first byte changed (same length), or one byte added to an empty body.
pub fn body_changed(wire: &Request) -> Request {
    let mut out = wire.clone();
    match out.body.first_mut() {
        Some(first) => *first = if *first == b'X' { b'Y' } else { b'X' },
        None => out.body.push(b'X'),
    }
    out
}

/// The path's first `%` encoded again (`%20` -> `%2520`): the request now names another key.
pub fn path_re_encoded(wire: &Request) -> Option<Request> {
    let at = wire.path().iter().position(|&b| b == b'%')?;
    let mut out = wire.clone();
    let mut target = wire.target.get(..=at)?.to_vec();
    target.extend_from_slice(b"25");
    target.extend_from_slice(wire.target.get(at + 1..)?);
    out.target = target;
    Some(out)
}

/// An unsigned header added after signing (a proxy's `X-Forwarded-For`, a client's
/// `User-Agent`).
pub fn unsigned_header_added(wire: &Request, name: &str, value: &str) -> Request {
    let mut out = wire.clone();
    out.headers.push(Header::new(name, value));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> Request {
        Request::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn each_tamper_changes_what_it_says() {
        let case = request("PUT /k HTTP/1.1\nHost:h\nContent-Type:image/png\n\nbody");
        let wire = request(
            "PUT /b/my%20key?a=1 HTTP/1.1\nHost:h\nContent-Type:image/png\nAuthorization:x\n\nbody",
        );
        let changed = signed_header_changed(&case, &wire).unwrap();
        assert_eq!(
            changed.header("content-type").unwrap().value,
            b"image/png-changed"
        );
        let removed = signed_header_removed(&case, &wire).unwrap();
        assert!(removed.header("content-type").is_none());
        assert_eq!(
            query_param_added(&wire).target,
            b"/b/my%20key?a=1&x-probe-added=1"
        );
        assert_eq!(body_changed(&wire).body, b"Xody");
        assert_eq!(path_re_encoded(&wire).unwrap().target, b"/b/my%2520key?a=1");
        let plain = request("GET /k HTTP/1.1\nHost:h\n\n");
        assert!(signed_header_changed(&plain, &plain).is_none());
        assert!(path_re_encoded(&plain).is_none());
        assert_eq!(query_param_added(&plain).target, b"/k?x-probe-added=1");
    }
}
