//! Requests for the probes: a suite case re-targeted at the endpoint, signed by the reference (or
//! by the mistake model making one catalogued mistake), as it goes on the wire.

use super::catalogue::{Place, Subject};
use crate::context::{Context, SecretKey};
use crate::diagnose::model::{self, Case, Mistakes, Times};
use crate::request::{Header, Request};
use crate::sign::{Mode, Signature, Signer, ALGORITHM};
use crate::timestamp::Timestamp;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Where the probes go and who signs them.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port` as the endpoint URL writes it: the `Host` header.
    pub authority: String,
    /// The bucket (path-style).
    pub bucket: String,
    /// The prefix every object the probe touches lives under (ends with `/`).
    pub prefix: String,
    /// The access key.
    pub access_key: String,
    /// Its secret (never printed).
    pub secret: SecretKey,
    /// The session token of temporary credentials.
    pub token: Option<String>,
    /// The scope's region.
    pub region: String,
    /// The scope's service.
    pub service: String,
}

/// A suite case as read: its request and its `context.json`.
#[derive(Debug, Clone)]
pub struct CaseFiles {
    /// The parsed `request.txt`.
    pub request: Request,
    /// `context.json`, whose switches (expiry, payload hash, unsigned headers) the probe keeps.
    pub context: serde_json::Value,
}

/// Reads `suite/CASE/request.txt` and `context.json`.
pub fn load_case(suite: &Path, case: &str) -> Result<CaseFiles, String> {
    let dir = suite.join(case);
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    let request =
        Request::parse(&read("request.txt")?).map_err(|e| format!("{case}/request.txt: {e}"))?;
    let context = serde_json::from_slice(&read("context.json")?)
        .map_err(|e| format!("{case}/context.json: {e}"))?;
    Ok(CaseFiles { request, context })
}

/// The path of a case's request on the endpoint: path-style, objects under the prefix.
pub fn path_on_endpoint(subject: &Subject, case_path: &[u8], target: &Target) -> Vec<u8> {
    let mut path = format!("/{}", target.bucket).into_bytes();
    if subject.place == Place::Bucket {
        return path;
    }
    path.push(b'/');
    path.extend_from_slice(target.prefix.as_bytes());
    match case_path.strip_prefix(b"/") {
        Some(rest) if !rest.is_empty() => path.extend_from_slice(rest),
        _ => path.extend_from_slice(b"probe-object"),
    }
    path
}

/// The case's request aimed at the endpoint: its path under the bucket and prefix, its query,
/// `Host` the endpoint's, every other header and the body as the case has them.
pub fn retarget(subject: &Subject, files: &CaseFiles, target: &Target) -> Request {
    let request = &files.request;
    let mut new_target = path_on_endpoint(subject, request.path(), target);
    if let Some(query) = request.query() {
        new_target.push(b'?');
        new_target.extend_from_slice(query);
    }
    let headers = request
        .headers
        .iter()
        .map(|h| {
            if h.is("host") {
                Header::new(&h.name, &target.authority)
            } else {
                h.clone()
            }
        })
        .collect();
    Request {
        method: request.method.clone(),
        target: new_target,
        version: "HTTP/1.1".to_string(),
        headers,
        body: request.body.clone(),
    }
}

/// The case's context with the endpoint's credentials, region and service, signed at `time`.
/// The case's own switches (expiry, payload hash, unsigned headers) are kept.
pub fn context(files: &CaseFiles, target: &Target, time: Timestamp) -> Result<Context, String> {
    let mut value = files.context.clone();
    let map = value
        .as_object_mut()
        .ok_or_else(|| "context.json is not an object".to_string())?;
    let mut credentials = serde_json::json!({
        "access_key_id": target.access_key,
        "secret_access_key": target.secret.expose(),
    });
    if let (Some(token), Some(c)) = (&target.token, credentials.as_object_mut()) {
        c.insert("token".into(), token.clone().into());
    }
    map.insert("credentials".into(), credentials);
    map.insert("region".into(), target.region.clone().into());
    map.insert("service".into(), target.service.clone().into());
    map.insert("timestamp".into(), time.rfc3339().into());
    Context::from_value(value).map_err(|e| format!("context: {e}"))
}

/// The request as the reference signs it, ready for the wire.
pub fn sign_reference(request: &Request, context: &Context, mode: Mode) -> Result<Request, String> {
    let signed = Signer::uncached()
        .sign(request, context, mode)
        .map_err(|e| e.to_string())?;
    Request::parse(signed.signed_request().as_bytes()).map_err(|e| e.to_string())
}

/// The request as a signer making `mistakes` sends it: the reference's request with the mistake
/// model's Authorization header and `X-Amz-Date` (header mode) or its presigned target (query
/// mode). `None` when the model refuses.
pub fn sign_with_mistakes(
    request: &Request,
    context: &Context,
    mode: Mode,
    mistakes: &Mistakes,
) -> Option<Request> {
    let mut wire = sign_reference(request, context, mode).ok()?;
    let outputs = model::sign(&Case::new(request, context, mode), mistakes)?;
    let carrier = outputs.get(&crate::stage::Stage::carrier(mode))?;
    match mode {
        Mode::Header => {
            let times = Times::of(context, mistakes);
            let authorization = String::from_utf8_lossy(carrier).into_owned();
            set_header(&mut wire, "authorization", &authorization);
            set_header(&mut wire, "x-amz-date", &times.amz);
        }
        Mode::Query => {
            // The user's own path and parameters as given, with the signing parameters the
            // model wrote (`https://host/path?query`): what a signer that made the mistake
            // hands out.
            let url = String::from_utf8_lossy(carrier);
            let (_, model_query) = url.split_once('?')?;
            let reference_query = String::from_utf8_lossy(wire.query().unwrap_or_default());
            let own = reference_query
                .split('&')
                .filter(|p| !p.is_empty() && !is_signing_param(p));
            let signing = model_query.split('&').filter(|p| is_signing_param(p));
            let query: Vec<&str> = own.chain(signing).collect();
            let mut target = wire.path().to_vec();
            target.push(b'?');
            target.extend_from_slice(query.join("&").as_bytes());
            wire.target = target;
        }
    }
    Some(wire)
}

/// `X-Amz-Signature=...` and the other parameters signing adds (any case).
fn is_signing_param(param: &str) -> bool {
    param
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
}

/// Replaces the value of every header named `name` (any case).
pub fn set_header(request: &mut Request, name: &str, value: &str) {
    for h in request.headers.iter_mut().filter(|h| h.is(name)) {
        *h = Header::new(&h.name, value);
    }
}

/// A presigned URL whose `X-Amz-Expires` is `expires`, correctly signed, even where the reference
/// refuses to sign it (over seven days): the reference's canonical request for 604800 seconds
/// with the value replaced, hashed and signed again with the reference's key derivation.
pub fn presign_with_expires(
    request: &Request,
    context: &Context,
    expires: i64,
) -> Result<Request, String> {
    let mut allowed = context.clone();
    allowed.expiration_in_seconds = Some(crate::sign::MAX_EXPIRES);
    let signed = Signer::uncached()
        .sign(request, &allowed, Mode::Query)
        .map_err(|e| e.to_string())?;
    let from = format!("X-Amz-Expires={}", crate::sign::MAX_EXPIRES);
    let to = format!("X-Amz-Expires={expires}");
    let creq = String::from_utf8_lossy(signed.canonical_request.as_bytes()).replace(&from, &to);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{}/{}/{}/aws4_request\n{}",
        signed.amz_date(),
        context.timestamp.scope_date(),
        context.region,
        context.service,
        hex::encode(Sha256::digest(creq.as_bytes()))
    );
    let signature = Signature::for_context(context, string_to_sign.as_bytes());
    let mut wire = Request::parse(signed.signed_request().as_bytes()).map_err(|e| e.to_string())?;
    let old_signature = format!("X-Amz-Signature={}", signed.signature.as_str());
    let new_signature = format!("X-Amz-Signature={}", signature.as_str());
    wire.target = String::from_utf8_lossy(&wire.target)
        .replace(&from, &to)
        .replace(&old_signature, &new_signature)
        .into_bytes();
    Ok(wire)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::catalogue::subject;
    use crate::serve::verify::{verify, Config};

    pub(crate) fn target() -> Target {
        Target {
            authority: "127.0.0.1:9000".into(),
            bucket: "bucket".into(),
            prefix: "p/".into(),
            access_key: "AKIDEXAMPLE".into(),
            secret: SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            token: None,
            region: "us-east-1".into(),
            service: "s3".into(),
        }
    }

    fn suite() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("suite")
    }

    fn config() -> Config {
        Config {
            access_key: "AKIDEXAMPLE".into(),
            secret: SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            token: None,
            region: "us-east-1".into(),
            service: Some("s3".into()),
            s3: true,
            normalize: None,
        }
    }

    #[test]
    fn a_key_goes_under_the_prefix_and_a_listing_to_the_bucket() {
        let t = target();
        let s = subject("s3/get-key-space").unwrap();
        let files = load_case(&suite(), s.case).unwrap();
        let r = retarget(s, &files, &t);
        assert_eq!(r.target, b"/bucket/p/my%20summer%20photo.jpg");
        assert_eq!(r.header("host").unwrap().value, b"127.0.0.1:9000");
        let s = subject("s3/get-list-objects-v2").unwrap();
        let r = retarget(s, &load_case(&suite(), s.case).unwrap(), &t);
        assert!(
            r.target.starts_with(b"/bucket?list-type=2"),
            "{:?}",
            r.target
        );
        let s = subject("v4/get-query-value-plus").unwrap();
        let r = retarget(s, &load_case(&suite(), s.case).unwrap(), &t);
        assert_eq!(r.target, b"/bucket/p/probe-object?lang=c++");
    }

    #[test]
    fn reference_signed_is_accepted_and_a_mistake_refused_by_our_verifier() {
        let t = target();
        let now = Timestamp::now();
        let s = subject("v4/get-query-value-plus").unwrap();
        let files = load_case(&suite(), s.case).unwrap();
        let request = retarget(s, &files, &t);
        let ctx = context(&files, &t, now).unwrap();
        let signer = Signer::new();
        for mode in Mode::ALL {
            let wire = sign_reference(&request, &ctx, mode).unwrap();
            assert!(verify(&wire, &config(), &signer, now).accepted(), "{mode}");
            let m = Mistakes::parse(&["query-plus-as-space".into()]).unwrap();
            let wrong = sign_with_mistakes(&request, &ctx, mode, &m).unwrap();
            assert_eq!(
                verify(&wrong, &config(), &signer, now).code,
                "SignatureDoesNotMatch",
                "{mode}"
            );
        }
    }

    #[test]
    fn a_presigned_url_over_seven_days_is_signed_right_and_refused_for_its_expiry() {
        let t = target();
        let now = Timestamp::now();
        let s = subject("s3/get-object").unwrap();
        let files = load_case(&suite(), s.case).unwrap();
        let request = retarget(s, &files, &t);
        let ctx = context(&files, &t, now).unwrap();
        let wire = presign_with_expires(&request, &ctx, 604_801).unwrap();
        let text = String::from_utf8_lossy(&wire.target).into_owned();
        assert!(text.contains("X-Amz-Expires=604801"), "{text}");
        let verdict = verify(&wire, &config(), &Signer::new(), now);
        assert_eq!(verdict.code, "AuthorizationQueryParametersError");
        // The same construction at the allowed maximum is the reference's own URL.
        let same = presign_with_expires(&request, &ctx, 604_800).unwrap();
        assert!(verify(&same, &config(), &Signer::new(), now).accepted());
    }
}
