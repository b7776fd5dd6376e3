//! What the runner checks: a signer behind one trait, the reference and adapters alike.

use crate::context::Context;
use crate::request::Request;
use crate::sign::{Algorithm, Mode, Signed, Signer};
use crate::stage::Stage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who an implementation is: the protocol's `implementation` object.
///
/// Made with [`ImplementationInfo::new`] outside this crate (`#[non_exhaustive]`: a field added
/// later, such as `wraps`, does not break a signer written against an earlier version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct ImplementationInfo {
    /// Name, e.g. `botocore`.
    pub name: String,
    /// Version.
    pub version: String,
    /// Language.
    pub language: String,
    /// The signer this implementation delegates to, when it is a wrapper (`"wraps"` in the
    /// adapter's hello): its results are that signer's, so it is not an independent
    /// implementation. Absent (and left out of reports) for an implementation that signs itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wraps: Option<String>,
}

impl ImplementationInfo {
    /// An implementation that signs itself: its name, version and language.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        language: impl Into<String>,
    ) -> ImplementationInfo {
        ImplementationInfo {
            name: name.into(),
            version: version.into(),
            language: language.into(),
            wraps: None,
        }
    }
}

/// One case-mode to sign.
#[derive(Debug, Clone)]
pub struct SignInput {
    /// The case id with its mode, e.g. `v4/get-vanilla/header`.
    pub id: String,
    /// The mode.
    pub mode: Mode,
    /// The bytes of `request.txt`.
    pub request_bytes: Vec<u8>,
    /// The parsed request.
    pub request: Request,
    /// The case's `context.json` object, verbatim.
    pub context_json: serde_json::Value,
    /// The parsed context.
    pub context: Context,
}

/// What a signer produced for each stage it exposes.
pub type StageOutputs = BTreeMap<Stage, Vec<u8>>;

/// The outcome of asking a signer to sign one case-mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutcome {
    /// It signed; these are the stages it exposed.
    Signed(StageOutputs),
    /// It cannot express this input (not a pass, not a failure).
    Skipped(String),
    /// It refused the input: `name` is the stable error name when the signer has one.
    Refused {
        /// Stable error name (the reference signer's), if any.
        name: Option<String>,
        /// Human-readable message.
        message: String,
    },
    /// It broke: crashed, hung, or answered something that is not the protocol. Carries what it
    /// wrote and the tail of its stderr.
    Broken(String),
    /// The runner could not give the signer this input (a request over the adapter protocol's
    /// line cap): not the signer's fault, and not a divergence. Carries why.
    Unsendable(String),
}

/// A signer the runner can check.
pub trait Implementation: Send + Sync {
    /// Who it is.
    fn info(&self) -> ImplementationInfo;
    /// The modes it supports.
    fn modes(&self) -> Vec<Mode>;
    /// The stages it can expose.
    fn stages(&self) -> Vec<Stage>;
    /// The algorithms it signs with; cases of another are skipped with that reason. SigV4 only
    /// unless it says more.
    fn algorithms(&self) -> Vec<Algorithm> {
        vec![Algorithm::HmacSha256]
    }
    /// Signs one case-mode.
    fn sign(&self, input: &SignInput) -> SignOutcome;
    /// Signs many case-modes; outcomes in input order. Adapters keep several in flight.
    fn sign_many(&self, inputs: &[&SignInput]) -> Vec<SignOutcome> {
        inputs.iter().map(|input| self.sign(input)).collect()
    }
    /// What happened during the run that no verdict carries (an adapter restarted without
    /// blame, answers ignored), one sentence each.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The project's reference signer behind [`Implementation`].
#[derive(Default)]
pub struct Reference {
    signer: Signer,
}

impl Reference {
    /// A reference implementation with its own key cache.
    pub fn new() -> Reference {
        Reference::default()
    }

    /// The underlying signer.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }
}

/// Every stage of a reference signature, as bytes.
pub fn stage_outputs(signed: &Signed) -> StageOutputs {
    let mut out = StageOutputs::new();
    out.insert(
        Stage::CanonicalRequest,
        signed.canonical_request.as_bytes().to_vec(),
    );
    out.insert(
        Stage::StringToSign,
        signed.string_to_sign.as_str().as_bytes().to_vec(),
    );
    out.insert(
        Stage::SigningKey,
        signed.signing_key.to_string().into_bytes(),
    );
    out.insert(
        Stage::Signature,
        signed.signature.as_str().as_bytes().to_vec(),
    );
    if let Some(a) = &signed.authorization() {
        out.insert(Stage::Authorization, a.as_str().as_bytes().to_vec());
    }
    if let Some(u) = &signed.presigned_url() {
        out.insert(Stage::PresignedUrl, u.as_str().as_bytes().to_vec());
    }
    out.insert(
        Stage::SignedRequest,
        signed.signed_request().as_bytes().to_vec(),
    );
    if let Some(pair) = &signed.key_pair {
        out.insert(Stage::SigningKey, pair.private_hex().into_bytes());
        out.insert(Stage::PublicKey, pair.public_key().to_string().into_bytes());
    }
    if let Some(upload) = signed.chunked() {
        out.extend(crate::sign::chunked::stage_outputs(&upload));
    }
    if let Some(stream) = signed.event_stream() {
        out.extend(crate::sign::event_stream::stage_outputs(&stream));
    }
    out
}

impl Implementation for Reference {
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: "sigv4-conformance reference".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            language: "rust".to_string(),
            wraps: None,
        }
    }

    fn modes(&self) -> Vec<Mode> {
        Mode::ALL.to_vec()
    }

    fn stages(&self) -> Vec<Stage> {
        Stage::ALL.to_vec()
    }

    fn algorithms(&self) -> Vec<Algorithm> {
        Algorithm::ALL.to_vec()
    }

    fn sign(&self, input: &SignInput) -> SignOutcome {
        match self.signer.sign(&input.request, &input.context, input.mode) {
            Ok(signed) => SignOutcome::Signed(stage_outputs(&signed)),
            Err(e) => SignOutcome::Refused {
                name: Some(e.name().to_string()),
                message: e.to_string(),
            },
        }
    }
}
