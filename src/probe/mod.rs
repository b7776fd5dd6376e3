//! `probe`: which requests an S3-compatible server accepts that it must reject, and rejects that
//! it must accept.
//!
//! - [`catalogue`]: the probes as data: the suite cases they are built on and the attacks;
//! - [`build`]: a suite case re-targeted at the endpoint and signed (reference or mistake model);
//! - [`tamper`]: changes made after signing;
//! - [`client`]: the HTTP client, loopback-only unless told otherwise, every step bounded;
//! - [`classify`]: accepted or rejected, by S3's error code;
//! - [`report`]: the results as JSON, JUnit XML and Markdown.
//!
//! Every probe's expectation is checked against our own verifier (`serve`'s) before it is sent:
//! a must-accept request is one it accepts, a must-reject request one it refuses, with the code
//! it gives kept as the reason. A mistake that changes nothing on a case is not probed there.

pub mod build;
pub mod catalogue;
pub mod classify;
pub mod client;
pub mod report;
pub mod tamper;

use crate::diagnose::model::{Flag, Mistakes};
use crate::request::Request;
use crate::serve::verify::{verify_deferred, Config, Outcome};
use crate::sign::{Mode, Signer};
use crate::timestamp::Timestamp;
use build::{CaseFiles, Target};
use catalogue::{AttackKind, Subject, ATTACKS, MISTAKE_EXTRAS, SUBJECTS, UNSIGNED_ADDED};
use report::{ProbeResult, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// What the server must do with a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// Accept the signature.
    Accept,
    /// Refuse the request.
    Reject,
}

/// One request to send, and what must become of it.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `KIND/CASE/MODE` (see [`catalogue`]).
    pub id: String,
    /// Accept or reject.
    pub expect: Expect,
    /// What the request is, in a sentence.
    pub what: String,
    /// The code our own verifier refuses it with (must-reject probes).
    pub reference_code: Option<String>,
    /// The request as it goes on the wire.
    pub request: Request,
}

/// A probe that could not be built, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotBuilt {
    /// The probe id.
    pub id: String,
    /// Accept or reject.
    pub expect: Expect,
    /// Why.
    pub reason: String,
}

/// The probes for `target` signed at `now`, in the order they are sent, and those that could not
/// be built (a session-token case without a token).
pub fn plan(suite: &Path, target: &Target, now: Timestamp) -> (Vec<Probe>, Vec<NotBuilt>) {
    let mut planner = Planner {
        suite,
        target,
        now,
        config: verifier_config(target),
        signer: Signer::new(),
        probes: Vec::new(),
        not_built: Vec::new(),
    };
    planner.accepts();
    planner.unsigned_added();
    planner.mistakes();
    planner.attacks();
    (planner.probes, planner.not_built)
}

/// The configuration our own verifier checks the probes with: the endpoint's credentials, S3's
/// rules.
pub fn verifier_config(target: &Target) -> Config {
    Config {
        access_key: target.access_key.clone(),
        secret: target.secret.clone(),
        token: target.token.clone(),
        region: target.region.clone(),
        service: Some(target.service.clone()),
        s3: true,
        normalize: None,
    }
}

struct Planner<'a> {
    suite: &'a Path,
    target: &'a Target,
    now: Timestamp,
    config: Config,
    signer: Signer,
    probes: Vec<Probe>,
    not_built: Vec<NotBuilt>,
}

fn probe_id(kind: &str, case: &str, mode: Mode) -> String {
    format!("{kind}/{case}/{mode}")
}

impl Planner<'_> {
    /// Our verifier's code for `request` (empty when it accepts), without a diagnosis.
    fn reference_code(&self, request: &Request) -> String {
        let verdict = match verify_deferred(request, &self.config, &self.signer, self.now) {
            Outcome::Done(verdict) => verdict,
            Outcome::Explain(explanation) => explanation.skipped("probe planning"),
        };
        verdict.code
    }

    fn usable(&self, subject: &Subject) -> bool {
        !subject.needs_token || self.target.token.is_some()
    }

    fn load(&self, subject: &Subject) -> Result<(CaseFiles, Request), String> {
        let files = build::load_case(self.suite, subject.case)?;
        let request = build::retarget(subject, &files, self.target);
        Ok((files, request))
    }

    fn skip(&mut self, id: String, expect: Expect, reason: impl Into<String>) {
        self.not_built.push(NotBuilt {
            id,
            expect,
            reason: reason.into(),
        });
    }

    /// Adds a probe whose expectation our verifier confirms, or records why not.
    fn push(&mut self, id: String, expect: Expect, what: String, wire: Result<Request, String>) {
        let wire = match wire {
            Ok(wire) => wire,
            Err(e) => return self.skip(id, expect, format!("cannot build: {e}")),
        };
        let code = self.reference_code(&wire);
        match (expect, code.is_empty()) {
            (Expect::Accept, true) | (Expect::Reject, false) => self.probes.push(Probe {
                id,
                expect,
                what,
                reference_code: (!code.is_empty()).then_some(code),
                request: wire,
            }),
            (Expect::Accept, false) => {
                self.skip(id, expect, format!("our own verifier refuses it ({code})"))
            }
            (Expect::Reject, true) => self.skip(id, expect, "our own verifier accepts it"),
        }
    }

    fn signed(&self, subject: &Subject, mode: Mode, time: Timestamp) -> Result<Request, String> {
        let (files, request) = self.load(subject)?;
        let context = build::context(&files, self.target, time)?;
        build::sign_reference(&request, &context, mode)
    }

    fn accepts(&mut self) {
        for subject in SUBJECTS {
            for &mode in subject.modes {
                let id = probe_id("accept", subject.case, mode);
                if !self.usable(subject) {
                    self.skip(id, Expect::Accept, "needs --session-token");
                    continue;
                }
                let what = format!("{}, signed correctly", subject.exercises);
                let wire = self.signed(subject, mode, self.now);
                self.push(id, Expect::Accept, what, wire);
            }
        }
    }

    fn unsigned_added(&mut self) {
        for &(case, mode, name, value) in UNSIGNED_ADDED {
            let id = probe_id("unsigned-header-added", case, mode);
            let Some(subject) = catalogue::subject(case) else {
                continue;
            };
            let what = format!("{}, with {name} added after signing", subject.exercises);
            let wire = self
                .signed(subject, mode, self.now)
                .map(|w| tamper::unsigned_header_added(&w, name, value));
            self.push(id, Expect::Accept, what, wire);
        }
    }

    /// Every catalogued mistake on the first subject, per mode, where it changes the request and
    /// our verifier refuses the result.
    fn mistakes(&mut self) {
        let ids = Flag::ALL
            .iter()
            .map(|f| f.id())
            .chain(MISTAKE_EXTRAS.iter().copied());
        for mistake_id in ids {
            let Ok(mistakes) = Mistakes::parse(&[mistake_id.to_string()]) else {
                continue;
            };
            for mode in Mode::ALL {
                self.first_refused_mistake(mistake_id, &mistakes, mode);
            }
        }
    }

    fn first_refused_mistake(&mut self, mistake_id: &str, mistakes: &Mistakes, mode: Mode) {
        for subject in SUBJECTS.iter().filter(|s| s.modes.contains(&mode)) {
            if !self.usable(subject) {
                continue;
            }
            let Ok((files, request)) = self.load(subject) else {
                continue;
            };
            let Ok(context) = build::context(&files, self.target, self.now) else {
                continue;
            };
            let Ok(reference) = build::sign_reference(&request, &context, mode) else {
                continue;
            };
            let Some(wire) = build::sign_with_mistakes(&request, &context, mode, mistakes) else {
                continue;
            };
            if wire == reference || self.reference_code(&wire).is_empty() {
                continue;
            }
            let kind = format!("mistake/{}", mistake_id.replace('=', "-"));
            let explanation = crate::diagnose::describe(mistakes).explanation;
            let what = format!(
                "{}, signed by a signer that {explanation}",
                subject.exercises
            );
            self.push(
                probe_id(&kind, subject.case, mode),
                Expect::Reject,
                what,
                Ok(wire),
            );
            return;
        }
    }

    fn attacks(&mut self) {
        for attack in ATTACKS {
            let id = probe_id(attack.kind.id(), attack.case, attack.mode);
            let Some(subject) = catalogue::subject(attack.case) else {
                continue;
            };
            let what = format!("{}: {}", subject.exercises, attack.kind.description());
            let wire = self.attack(subject, attack.kind, attack.mode);
            self.push(id, Expect::Reject, what, wire);
        }
    }

    fn attack(&self, subject: &Subject, kind: AttackKind, mode: Mode) -> Result<Request, String> {
        let (files, request) = self.load(subject)?;
        let target = self.target;
        let at = |offset: i64| Timestamp::from_unix(self.now.unix_seconds() + offset);
        let mut context = build::context(&files, target, self.now)?;
        let none = || format!("{} does not apply to {}", kind.id(), subject.case);
        let reference = |context: &crate::Context| build::sign_reference(&request, context, mode);
        match kind {
            AttackKind::SignedHeaderChanged => {
                tamper::signed_header_changed(&files.request, &reference(&context)?)
                    .ok_or_else(none)
            }
            AttackKind::SignedHeaderRemoved => {
                tamper::signed_header_removed(&files.request, &reference(&context)?)
                    .ok_or_else(none)
            }
            AttackKind::QueryParamAdded => Ok(tamper::query_param_added(&reference(&context)?)),
            AttackKind::BodyChanged => Ok(tamper::body_changed(&reference(&context)?)),
            AttackKind::PathReEncoded => {
                tamper::path_re_encoded(&reference(&context)?).ok_or_else(none)
            }
            AttackKind::Expired => {
                let mut old = build::context(&files, target, at(-600))?;
                old.expiration_in_seconds = Some(300);
                reference(&old)
            }
            AttackKind::OverSevenDays => build::presign_with_expires(&request, &context, 604_801),
            AttackKind::SkewPast => reference(&build::context(&files, target, at(-1200))?),
            AttackKind::SkewFuture => reference(&build::context(&files, target, at(1200))?),
            AttackKind::WrongRegion => {
                context.region = if target.region == catalogue::OTHER_REGION {
                    "us-west-2".to_string()
                } else {
                    catalogue::OTHER_REGION.to_string()
                };
                reference(&context)
            }
            AttackKind::WrongService => {
                // Still S3's rules (single encoding, no normalisation, the payload hash header),
                // so that only the scope differs.
                context.service = catalogue::OTHER_SERVICE.to_string();
                context.normalize = Some(false);
                context.double_uri_encode = Some(false);
                context.sign_body = Some(true);
                reference(&context)
            }
            AttackKind::OtherSecret => {
                context.credentials.secret_access_key =
                    crate::SecretKey::new(catalogue::OTHER_SECRET);
                reference(&context)
            }
            AttackKind::UnknownToken => {
                context.credentials.token = Some(catalogue::UNKNOWN_TOKEN.to_string());
                reference(&context)
            }
        }
    }
}

/// Everything a run needs besides the probes.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Where to send them.
    pub endpoint: client::Endpoint,
    /// Who signs, and where objects go.
    pub target: Target,
    /// Each step of each request (connect, answer, body) within this.
    pub timeout: Duration,
}

/// Why a run could not go on: the bucket cannot be had, or the endpoint does not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError(pub String);

/// Sends every probe in order and judges each answer; creates the bucket first when it is
/// missing, and afterwards deletes every object a PUT probe may have created (and the bucket,
/// when this run created it).
pub fn run(
    settings: &RunSettings,
    probes: &[Probe],
    not_built: &[NotBuilt],
) -> Result<Vec<ProbeResult>, SetupError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SetupError(format!("cannot start the HTTP client: {e}")))?;
    runtime.block_on(run_async(settings, probes, not_built))
}

async fn run_async(
    settings: &RunSettings,
    probes: &[Probe],
    not_built: &[NotBuilt],
) -> Result<Vec<ProbeResult>, SetupError> {
    let created = setup_bucket(settings).await?;
    let mut results = Vec::with_capacity(probes.len() + not_built.len());
    for probe in probes {
        let answer = client::send(&settings.endpoint, &probe.request, settings.timeout).await;
        results.push(report::judge(probe, answer));
    }
    for skipped in not_built {
        results.push(ProbeResult::skipped(skipped));
    }
    cleanup(settings, probes, created).await;
    Ok(results)
}

/// A request of our own (setup, cleanup), signed by the reference now in header mode.
fn own_request(target: &Target, method: &str, path: &[u8]) -> Result<Request, String> {
    let mut text = format!("{method} ").into_bytes();
    text.extend_from_slice(path);
    text.extend_from_slice(format!(" HTTP/1.1\nHost:{}\n\n", target.authority).as_bytes());
    let request = Request::parse(&text).map_err(|e| e.to_string())?;
    let files = CaseFiles {
        request: request.clone(),
        context: serde_json::json!({}),
    };
    let context = build::context(&files, target, Timestamp::now())?;
    build::sign_reference(&request, &context, Mode::Header)
}

/// Creates the bucket; `Ok(true)` when this run created it.
async fn setup_bucket(settings: &RunSettings) -> Result<bool, SetupError> {
    let target = &settings.target;
    let path = format!("/{}", target.bucket);
    let request = own_request(target, "PUT", path.as_bytes()).map_err(SetupError)?;
    let answer = client::send(&settings.endpoint, &request, settings.timeout)
        .await
        .map_err(|e| SetupError(format!("{}: {e}", settings.endpoint.authority)))?;
    let code = classify::error_code(&answer.body);
    match (answer.status, code.as_deref()) {
        (200..=299, _) => Ok(true),
        (_, Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")) => Ok(false),
        (status, code) => Err(SetupError(format!(
            "creating the bucket {} (a correctly signed PUT {path}) was answered {status} {}: check \
             the endpoint, the credentials, --region and --bucket",
            target.bucket,
            code.unwrap_or("without an error code")
        ))),
    }
}

/// Deletes the objects PUT probes named (all under the prefix), then the bucket if this run
/// created it. Failures are ignored: the objects may not exist.
async fn cleanup(settings: &RunSettings, probes: &[Probe], created_bucket: bool) {
    let target = &settings.target;
    let under = format!("/{}/{}", target.bucket, target.prefix).into_bytes();
    let paths: BTreeSet<Vec<u8>> = probes
        .iter()
        .filter(|p| p.request.method == "PUT")
        .map(|p| p.request.path().to_vec())
        .filter(|path| path.starts_with(&under))
        .collect();
    for path in &paths {
        if let Ok(request) = own_request(target, "DELETE", path) {
            let _ = client::send(&settings.endpoint, &request, settings.timeout).await;
        }
    }
    if created_bucket {
        let path = format!("/{}", target.bucket);
        if let Ok(request) = own_request(target, "DELETE", path.as_bytes()) {
            let _ = client::send(&settings.endpoint, &request, settings.timeout).await;
        }
    }
}

/// True when the results hold a hole or a false rejection.
pub fn any_finding(results: &[ProbeResult]) -> bool {
    results
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Hole | Verdict::FalseRejection))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(token: Option<&str>) -> Target {
        Target {
            authority: "127.0.0.1:9000".into(),
            bucket: "bucket".into(),
            prefix: "sigv4-conformance-probe/".into(),
            access_key: "AKIDEXAMPLE".into(),
            secret: crate::SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            token: token.map(str::to_string),
            region: "us-east-1".into(),
            service: "s3".into(),
        }
    }

    fn suite() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("suite")
    }

    #[test]
    fn every_probe_is_built_and_confirmed_by_our_verifier() {
        let (probes, not_built) = plan(&suite(), &target(None), Timestamp::now());
        let unexpected: Vec<_> = not_built
            .iter()
            .filter(|n| n.reason != "needs --session-token")
            .collect();
        assert!(unexpected.is_empty(), "{unexpected:#?}");
        let ids: BTreeSet<&str> = probes.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), probes.len(), "probe ids are unique");
        for id in [
            "accept/s3/get-key-plus/header",
            "accept/v4/get-query-value-plus/query",
            "unsigned-header-added/s3/get-object/header",
            "mistake/query-plus-as-space/v4/get-query-value-plus/header",
            "mistake/signature-uppercase-hex/s3/get-object/query",
            "mistake/timestamp-not-utc-120/s3/get-object/header",
            "tamper/body-changed/s3/put-object/header",
            "time/presigned-expired/s3/get-object/query",
            "time/presigned-over-seven-days/s3/get-object/query",
            "credential/other-secret/s3/get-object/header",
        ] {
            assert!(ids.contains(id), "{id} missing from {ids:#?}");
        }
        let codes = |prefix: &str| {
            probes
                .iter()
                .filter(|p| p.id.starts_with(prefix))
                .filter_map(|p| p.reference_code.clone())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            codes("time/skew"),
            ["RequestTimeTooSkewed".to_string()].into()
        );
        assert_eq!(
            codes("tamper/body"),
            ["XAmzContentSHA256Mismatch".to_string()].into()
        );
    }

    #[test]
    fn with_a_session_token_the_token_cases_are_probed_too() {
        let (probes, not_built) = plan(&suite(), &target(Some("T0ken")), Timestamp::now());
        assert!(not_built.is_empty(), "{not_built:#?}");
        assert!(probes
            .iter()
            .any(|p| p.id == "accept/s3/get-object-session-token/query"));
        assert!(probes
            .iter()
            .any(|p| p.id.starts_with("mistake/session-token-not-signed/")));
    }
}
