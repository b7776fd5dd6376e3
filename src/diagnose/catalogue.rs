//! The catalogue of known signer mistakes, as data (`catalogue.json`): id, a one-line
//! explanation, the rule it breaks with a link to the AWS documentation or the RFC, the stage
//! where it first shows, and public reports of it.

use serde::Deserialize;
use std::sync::OnceLock;

/// One known mistake.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable id, e.g. `signature-hmac-arguments-swapped`.
    pub id: String,
    /// The stage where it first shows.
    pub stage: String,
    /// One line, addressed to the signer's author.
    pub explanation: String,
    /// The rule it breaks.
    pub rule: String,
    /// Where the rule is written.
    pub link: String,
    /// Public reports of the mistake (`owner/repo#N`, pages).
    pub sources: Vec<String>,
    /// The parameter a search varies, if any (`offset`, `format`).
    #[serde(default)]
    pub parameter: Option<String>,
    /// The algorithm the mistake belongs to when it is not SigV4's (`AWS4-ECDSA-P256-SHA256`:
    /// searched by `diagnose/sigv4a.rs`, not by the SigV4 mistake model).
    #[serde(default)]
    pub algorithm: Option<String>,
}

static CATALOGUE: OnceLock<Vec<Entry>> = OnceLock::new();

/// Every entry, in catalogue order. The data is built into the binary and checked by the tests.
pub fn entries() -> &'static [Entry] {
    CATALOGUE
        .get_or_init(|| serde_json::from_str(include_str!("catalogue.json")).unwrap_or_default())
}

/// The entry with this id.
pub fn entry(id: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.id == id)
}

/// The catalogue as Markdown: what `docs/diagnosis.md` holds (a test keeps them equal).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Known signer mistakes\n\n\
         Generated from `src/diagnose/catalogue.json` by `sigv4-conformance catalogue`; do not edit by hand\n\
         (`cargo test` fails when this file and the data differ).\n\n\
         When a case fails, the diagnosis tries every single mistake below (every UTC offset for\n\
         `timestamp-not-utc`, both wrong formats for `scope-date-format`, and the variants listed\n\
         after the table), then every pair, on the mistake model, and reports those that reproduce the\n\
         signer's output exactly at every stage it exposed. The model is the reference's SigV4 steps\n\
         (`src/sign/steps.rs`) with each mistake overriding the one step it gets wrong\n\
         (`src/diagnose/model/steps.rs`). The Authorization header or the presigned\n\
         URL alone is enough. Mistakes whose trigger is absent from the request (`query-plus-as-space`\n\
         without a `+`) are not tried there.\n\n\
         The search is bounded: a request with more than {headers} signed headers or {bytes} bytes of\n\
         target and headers is not searched (`diagnosis skipped: request too large (...)`), and a search\n\
         stops after {ms} ms of wall-clock time, keeping what it found and saying so.\n\n\
         | id | first shows in | what your signer does | the rule | reported in |\n| --- | --- | --- | --- | --- |\n",
    )
    .replace("{headers}", &super::MAX_SIGNED_HEADERS.to_string())
    .replace("{bytes}", &super::MAX_REQUEST_BYTES.to_string())
    .replace("{ms}", &super::TIME_LIMIT.as_millis().to_string());
    for e in entries() {
        let escape = |t: &str| t.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {} | {} | [{}]({}) | {} |\n",
            e.id,
            e.stage,
            escape(&e.explanation),
            escape(&e.rule),
            e.link,
            escape(&e.sources.join(", "))
        ));
    }
    out.push_str(
        "\n## Variants\n\n\
         Common ways of making a mistake above that show differently. The search tries them too and\n\
         names the mistake; `sigv4-conformance adapter --mistake ID:VARIANT` serves one.\n\n\
         | variant | of | what your signer does |\n| --- | --- | --- |\n",
    );
    for v in super::model::Variant::ALL {
        out.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            v.name(),
            v.of(),
            v.detail().replace('|', "\\|")
        ));
    }
    out
}
