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
         `timestamp-not-utc`, both wrong formats for `scope-date-format`), then every pair, on the\n\
         mistake model, and reports those that reproduce the signer's output exactly at every stage it\n\
         exposed. The Authorization header or the presigned URL alone is enough.\n\n\
         | id | first shows in | what your signer does | the rule | reported in |\n| --- | --- | --- | --- | --- |\n",
    );
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
    out
}
