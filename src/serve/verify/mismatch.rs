//! A wrong signature explained: tampering probes, then the diagnosis search, within a time
//! limit, for the verdict of a 403 `SignatureDoesNotMatch`.

use super::*;

/// A request that differs from `request` only in what `change` does, signed again: whether the
/// signature provided is right for it (compared for SigV4, verified for SigV4a).
pub(super) fn probe(
    signer: &Signer,
    request: &Request,
    context: &Context,
    mode: Mode,
    provided: &str,
    change: impl FnOnce(&mut Request, &mut Context),
) -> bool {
    let (mut request, mut context) = (request.clone(), context.clone());
    change(&mut request, &mut context);
    signer
        .sign(&request, &context, mode)
        .is_ok_and(|s| signature_verifies(&s, provided))
}

/// Whether `provided` is the signature of what `signed` signed: the same bytes for SigV4, a
/// valid ECDSA signature of its string to sign under its public key for SigV4a.
pub(super) fn signature_verifies(signed: &crate::sign::Signed<'_>, provided: &str) -> bool {
    match &signed.key_pair {
        Some(pair) => sigv4a::ecdsa::verify(
            pair.public_key(),
            signed.string_to_sign.as_bytes(),
            provided.as_bytes(),
        )
        .is_ok(),
        None => constant_time_eq(signed.signature.as_str().as_bytes(), provided.as_bytes()),
    }
}

pub(super) fn signature_mismatch(
    base: Answer,
    claim: &Claim<'_>,
    arrived: &Request,
    context: Context,
    list_hints: Vec<String>,
    right_for_list: Option<&str>,
) -> Outcome {
    let mode = claim.mode;
    let request = claim.request.as_ref();
    let provided = claim.signature.as_str();
    let mut names: Vec<String> = request
        .headers
        .iter()
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    names.sort_unstable();
    let absent = claim
        .signed_headers
        .split(';')
        .any(|s| names.binary_search(&s.to_ascii_lowercase()).is_err());
    let mut hints: Vec<String> = list_hints;
    if let Some(list) = right_for_list {
        // The signature is right for the headers the list names that arrived, listed as a signer
        // lists them: the list was changed on the way, or the signer wrote one list and signed
        // another.
        hints.push(format!(
            "The signature is right for SignedHeaders {list:?}, not for the list as sent: the signature covers the list exactly as written, so send exactly the list that was signed."
        ));
    }
    let mut actual = StageOutputs::new();
    actual.insert(Stage::Signature, provided.as_bytes().to_vec());
    match mode {
        Mode::Header => {
            if let Some(auth) = &base.provided {
                actual.insert(Stage::Authorization, auth.as_bytes().to_vec());
            }
        }
        Mode::Query => {
            let host = header_text(arrived, "host").unwrap_or_default();
            let mut url = format!("https://{host}").into_bytes();
            url.extend_from_slice(&arrived.target);
            actual.insert(Stage::PresignedUrl, url);
        }
    }
    Outcome::Explain(Box::new(Mismatch {
        base,
        mode,
        request: request.clone(),
        provided: provided.to_string(),
        actual,
        context,
        hints,
        search: !absent && right_for_list.is_none(),
        access_key: claim.scope.access_key.clone(),
        credential: claim.credential.clone(),
    }))
}

/// The explanation of a wrong signature, still to be worked out: the tampering probes (is the
/// signature right without one of the query parameters, for the host without its port, for an
/// empty body?) and, when none explains it, the diagnosis search over the catalogue's mistakes.
/// Both sign the request again and again: a few milliseconds for a common request, seconds for
/// one with thousands of signed headers, where checking the signature cost one signature. The
/// verdict itself does not depend on it.
#[derive(Debug)]
pub struct Mismatch {
    base: Answer,
    mode: Mode,
    request: Request,
    provided: String,
    actual: StageOutputs,
    context: Context,
    hints: Vec<String>,
    search: bool,
    access_key: String,
    credential: String,
}

impl Mismatch {
    /// The verdict with its explanation: the probes, then the diagnosis search within
    /// [`crate::diagnose::TIME_LIMIT`].
    pub fn run(&self, signer: &Signer) -> Answer {
        self.run_within(signer, crate::diagnose::TIME_LIMIT)
    }

    /// [`Mismatch::run`] with another time limit for the search (wall-clock: a command run by
    /// hand can give it more than a server answering many clients).
    pub fn run_within(&self, signer: &Signer, limit: std::time::Duration) -> Answer {
        let (mode, request, provided, context) = (
            self.mode,
            &self.request,
            self.provided.as_str(),
            &self.context,
        );
        let mut hints = self.hints.clone();
        // What changed on the way: cheap probes of common tampering, tried first (a request
        // that a probe explains was changed after signing, so no signer mistake needs to be
        // searched for).
        let before = hints.len();
        if let Some(query) = request.query() {
            let own = pieces(query);
            if own.len() <= 16 {
                for (i, piece) in own.iter().enumerate() {
                    let rest: Vec<&[u8]> = own
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, p)| p.raw)
                        .collect();
                    let target = with_query(request.path(), &rest);
                    if probe(signer, request, context, mode, provided, |r, _| {
                        r.target = target;
                    }) {
                        hints.push(format!(
                            "The signature is right for the request without the query parameter {:?}: it was added after signing.",
                            piece.key
                        ));
                        break;
                    }
                }
            }
        }
        if let Some(host) = header_text(request, "host") {
            if let Some((bare, _port)) = host.rsplit_once(':').filter(|(h, p)| {
                !h.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
            }) {
                if probe(signer, request, context, mode, provided, |r, _| {
                    for h in r.headers.iter_mut().filter(|h| h.is("host")) {
                        *h = crate::request::Header::new("Host", bare);
                    }
                }) {
                    hints.push(format!(
                        "The signature is right for Host {bare:?}, but the request arrived with Host {host:?}: sign the Host header exactly as it is sent, port included (a proxy or a verifier rebuilding the host does this)."
                    ));
                }
            }
        }
        let empty_body = String::from_utf8_lossy(EMPTY_SHA256).into_owned();
        if context.payload_hash.is_none()
            && !request.body.is_empty()
            && probe(signer, request, context, mode, provided, |_, c| {
                c.payload_hash = Some(empty_body)
            })
        {
            hints.push(format!(
                "The signature is right for an empty body, but {} bytes arrived: the signer hashed no body (a streamed body, or one added after signing).",
                request.body.len()
            ));
        }
        let explained = hints.len() > before;
        let diagnosis = if self.search && !explained {
            let input = SignInput {
                id: format!("serve/{mode}"),
                mode,
                request_bytes: Vec::new(),
                request: request.clone(),
                context_json: serde_json::Value::Null,
                context: context.clone(),
            };
            diagnose_within(&input, &self.actual, limit)
        } else {
            Vec::new()
        };
        self.verdict(hints, diagnosis, None)
    }

    /// The verdict without its explanation (neither probes nor search), saying why in the hint
    /// and in a `DiagnosisSkipped` element.
    pub fn skipped(&self, why: &str) -> Answer {
        self.verdict(self.hints.clone(), Vec::new(), Some(why))
    }

    fn verdict(
        &self,
        mut hints: Vec<String>,
        diagnosis: Vec<Diagnosis>,
        skipped: Option<&str>,
    ) -> Answer {
        let provided = self.provided.as_str();
        let message = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
        // A search that was skipped or stopped (a request too large, out of time) names no
        // mistake: it says so in a hint instead.
        let incomplete = diagnosis
            .iter()
            .find(|d| d.is_incomplete())
            .map(|d| d.explanation.clone());
        let named = diagnosis.iter().find(|d| !d.is_incomplete());
        let first = if let Some(d) = named {
            Point::parse(&d.stage).unwrap_or(Point::Stage(Stage::CanonicalRequest))
        } else if self.context.algorithm().is_asymmetric() {
            let der = hex::decode(provided).ok();
            let is_der = der
                .as_deref()
                .is_some_and(|d| p256::ecdsa::Signature::from_der(d).is_ok());
            if is_der {
                Point::Stage(Stage::CanonicalRequest)
            } else {
                hints.push(format!(
                    "The signature provided ({} characters) is not a hex-encoded DER ECDSA signature: SigV4a writes the signature as the hex of its ASN.1 DER encoding.",
                    provided.len()
                ));
                Point::Stage(Stage::Signature)
            }
        } else if provided.len() != 64
            || !provided
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            hints.push(format!(
                "The signature provided is not 64 lower-case hex digits ({} characters): the final HMAC is hex-encoded in lower case.",
                provided.len()
            ));
            Point::Stage(Stage::Signature)
        } else {
            Point::Stage(Stage::CanonicalRequest)
        };
        if let Some(d) = named {
            hints.insert(
                0,
                format!("Known mistake {}: {}.", d.mutation, d.explanation),
            );
        }
        if let Some(why) = skipped {
            hints.push(format!(
                "Diagnosis skipped: {why}. The verdict stands; send the request again later, or check it with `sigv4-conformance check-request`, for the known mistakes that explain it."
            ));
        } else if let Some(incomplete) = incomplete.filter(|_| hints.is_empty()) {
            hints.push(format!("{incomplete}."));
        } else if hints.is_empty() {
            hints.push(
                "No known signer mistake reproduces this signature, so the request that arrived is probably not the one that was signed: a signed header, the path, the query or the body changed on the way (or the secret key differs). Compare the client's canonical request with CanonicalRequest.".to_string(),
            );
        }
        let mut verdict = self
            .base
            .clone()
            .reject(403, "SignatureDoesNotMatch", first, message)
            .hint(hints.join(" "));
        verdict.diagnosis = diagnosis;
        if let Some(why) = skipped {
            verdict = verdict.detail("DiagnosisSkipped", why);
        }
        verdict
            .detail("AWSAccessKeyId", self.access_key.clone())
            .detail("Credential", self.credential.clone())
    }
}
