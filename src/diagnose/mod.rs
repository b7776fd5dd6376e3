//! Diagnosis: which known mistakes reproduce a signer's wrong output.
//!
//! For a failing case, every single mistake of the catalogue, then every pair, is applied to the
//! mistake model ([`model`]: the reference's SigV4 steps, each mistake overriding one of them)
//! and compared with what the signer exposed, at every stage it exposed
//! (the Authorization header or the presigned URL alone is enough). The mistakes that reproduce it
//! exactly are reported, singles before pairs.

pub mod catalogue;
pub mod chunked;
pub mod event_stream;
pub mod model;
pub mod sigv4a;

use crate::check::compare::{stage_matches, Comparison};
use crate::implementation::{SignInput, StageOutputs};
use crate::request::Header;

use crate::sign::encoding::percent_decode;
use crate::sign::query::split_query;
use crate::sign::steps::Steps;
use crate::sign::{Mode, ALGORITHM};
use crate::stage::Stage;
use model::{Canonical, Case, Flag, Mistakes, ScopeDate, Times, Variant};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// One diagnosis: a known mistake (or a pair) that reproduces the signer's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The catalogue id, or two ids joined by ` + `.
    pub mutation: String,
    /// What the signer does wrong.
    pub explanation: String,
    /// The stage where it first shows.
    pub stage: String,
    /// The catalogue ids of the mistakes, one each (`mutation` joins them with ` + `); empty for
    /// the entry that says the search did not run to its end.
    #[serde(default)]
    pub mistakes: Vec<String>,
}

/// The UTC offsets tried for `timestamp-not-utc`, in minutes: every whole hour from -12 to +14
/// and the common half and quarter hours.
pub const UTC_OFFSETS: [i32; 31] = [
    -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 60, 120,
    180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 540, 570, 600, 660,
];

fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("UTC{sign}{}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

/// Every single mistake the search tries.
pub fn singles() -> Vec<Mistakes> {
    let mut all: Vec<Mistakes> = Flag::ALL.into_iter().map(Mistakes::flag).collect();
    all.extend(UTC_OFFSETS.iter().map(|&o| Mistakes::utc_offset(o)));
    all.extend([ScopeDate::FullTimestamp, ScopeDate::Dashed].map(Mistakes::scope_date));
    all
}

/// The explanation with the case's detail: a parameterised entry says what the parameter is in
/// its last parenthesis (`(the time is off by your UTC offset)`), which the detail replaces, so
/// the text never carries two parentheses side by side.
fn with_detail(explanation: &str, detail: &str) -> String {
    match (explanation.rfind('('), explanation.rfind(')')) {
        (Some(open), Some(close)) if open < close => format!(
            "{}({detail}){}",
            explanation.get(..open).unwrap_or_default(),
            explanation.get(close + 1..).unwrap_or_default()
        ),
        _ => format!("{explanation} ({detail})"),
    }
}

fn describe_one(
    ids: &mut Vec<String>,
    explanations: &mut Vec<String>,
    stages: &mut Vec<String>,
    id: &str,
    detail: Option<String>,
) {
    let entry = catalogue::entry(id);
    ids.push(id.to_string());
    let text = entry.map(|e| e.explanation.clone()).unwrap_or_default();
    explanations.push(match detail {
        Some(detail) => with_detail(&text, &detail),
        None => text,
    });
    stages.push(entry.map(|e| e.stage.clone()).unwrap_or_default());
}

/// The diagnosis entry of a set of mistakes.
pub fn describe(m: &Mistakes) -> Diagnosis {
    let (mut ids, mut explanations, mut stages) = (Vec::new(), Vec::new(), Vec::new());
    for flag in m.flags() {
        describe_one(&mut ids, &mut explanations, &mut stages, flag.id(), None);
    }
    if let Some(offset) = m.utc_offset_minutes {
        describe_one(
            &mut ids,
            &mut explanations,
            &mut stages,
            "timestamp-not-utc",
            Some(format!(
                "the time is off by your UTC offset, {}",
                offset_text(offset)
            )),
        );
    }
    if let Some(format) = m.scope_date {
        let detail = match format {
            ScopeDate::FullTimestamp => "the full X-Amz-Date",
            ScopeDate::Dashed => "with dashes, YYYY-MM-DD",
        };
        describe_one(
            &mut ids,
            &mut explanations,
            &mut stages,
            "scope-date-format",
            Some(detail.to_string()),
        );
    }
    for variant in m.variants() {
        if let Some(i) = ids.iter().position(|id| id == variant.of()) {
            if let Some(text) = explanations.get_mut(i) {
                *text = format!("{text}; {}", variant.detail());
            }
        }
    }
    let order = |s: &str| Stage::parse(s).map(|s| s as usize).unwrap_or(usize::MAX);
    let stage = stages
        .iter()
        .min_by_key(|s| order(s))
        .cloned()
        .unwrap_or_default();
    Diagnosis {
        mutation: ids.join(" + "),
        explanation: explanations.join("; and "),
        stage,
        mistakes: ids,
    }
}

/// The most signed headers a request may have for the search to run: a real request signs a
/// handful; thousands make every model run slow.
pub const MAX_SIGNED_HEADERS: usize = 100;

/// The most bytes of request target and header lines the search examines.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// How long one search may take, wall-clock. On a request within the size bounds it takes a
/// few milliseconds (a few tens at the bounds); the limit keeps a slow machine bounded too.
pub const TIME_LIMIT: Duration = Duration::from_millis(250);

/// Why a search did not run to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The request is beyond [`MAX_SIGNED_HEADERS`] or [`MAX_REQUEST_BYTES`].
    TooLarge(String),
    /// The search ran out of time; what it found so far is kept.
    OutOfTime(Duration),
}

impl Stop {
    /// Says why, for a message.
    pub fn reason(&self) -> String {
        match self {
            Stop::TooLarge(what) => format!("diagnosis skipped: request too large ({what})"),
            Stop::OutOfTime(limit) => format!(
                "diagnosis stopped after {} ms, its time limit: the mistakes not tried yet are not ruled out",
                limit.as_millis()
            ),
        }
    }
}

/// The mistakes that reproduce the signer's output, and whether the search stopped early.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Singles, else pairs.
    pub found: Vec<Mistakes>,
    /// Set when the search did not try everything.
    pub stopped: Option<Stop>,
}

/// The mutation id of the entry that says the diagnosis was skipped or stopped.
pub const NOT_SEARCHED: &str = "diagnosis-incomplete";

impl Diagnosis {
    /// The entry saying the search did not run to its end, and why.
    pub fn incomplete(stop: &Stop) -> Diagnosis {
        Diagnosis {
            mutation: NOT_SEARCHED.to_string(),
            explanation: stop.reason(),
            stage: String::new(),
            mistakes: Vec::new(),
        }
    }

    /// Whether this entry says the search did not run to its end (it names no mistake).
    pub fn is_incomplete(&self) -> bool {
        self.mutation == NOT_SEARCHED
    }
}

/// The signer's final output, taken apart once for the search's quick rejections.
enum Carrier {
    /// The Authorization header.
    Authorization(Vec<u8>),
    /// The presigned URL's parameters, percent-decoded.
    Url(Vec<(Vec<u8>, Vec<u8>)>),
    /// Not exposed.
    None,
}

impl Carrier {
    fn url_has(&self, key: &[u8], value: &[u8]) -> bool {
        match self {
            Carrier::Url(params) => params.iter().any(|(k, v)| k == key && v == value),
            _ => true,
        }
    }
}

/// What a diagnosis compares: the model's case, the stages the signer exposed, and how.
pub struct Target<'a> {
    case: Case<'a>,
    actual: &'a StageOutputs,
    exposed: Vec<Stage>,
    how: Comparison<'a>,
    carrier: Carrier,
}

/// The time of a set of mistakes, with what the search derives from it once.
struct TimeEntry {
    times: Times,
    /// `AWS4-HMAC-SHA256 Credential=...,  SignedHeaders=`.
    auth_prefix: Vec<u8>,
    /// The index of its scope date in [`Memo::days`].
    day: usize,
}

/// Work the search shares between the mistakes it tries: times, canonical requests by the
/// mistakes they depend on, their hashes, signing keys.
#[derive(Default)]
struct Memo {
    times: HashMap<(Option<i32>, Option<ScopeDate>), Rc<TimeEntry>>,
    days: Vec<String>,
    canonical: HashMap<Mistakes, Option<Rc<Canonical>>>,
    hashes: HashMap<Mistakes, [u8; 32]>,
    keys: HashMap<(Mistakes, usize), Rc<Vec<u8>>>,
    sts: Vec<u8>,
}

/// One tried set of mistakes, computed as far as needed.
struct Run {
    time: Rc<TimeEntry>,
    canonical: Rc<Canonical>,
    hash: [u8; 32],
}

/// The signature text of the MAC `mac` as a signer making `m` writes it, into `out`.
fn signature_text<'b>(m: &Mistakes, mac: &[u8; 32], out: &'b mut [u8; 64]) -> &'b [u8] {
    let len = m.signature_text(mac, out);
    out.get(..len).unwrap_or_default()
}

/// The length of the signature text of a signer making `m`.
fn signature_len(m: &Mistakes) -> usize {
    m.signature_text(&[0; 32], &mut [0; 64])
}

impl<'a> Target<'a> {
    /// Prepares the comparison of `actual` (what the signer exposed) for `input`.
    pub fn new(input: &'a SignInput, actual: &'a StageOutputs) -> Target<'a> {
        let case = Case::new(&input.request, &input.context, input.mode);
        let how = Comparison::for_input(input);
        // The stages both sides have, final outputs first: they reject a wrong guess soonest.
        let exposed: Vec<Stage> = [
            Stage::Authorization,
            Stage::PresignedUrl,
            Stage::Signature,
            Stage::StringToSign,
            Stage::CanonicalRequest,
            Stage::SigningKey,
        ]
        .into_iter()
        .filter(|s| actual.contains_key(s))
        .collect();
        let carrier = match (input.mode, actual.get(&Stage::carrier(input.mode))) {
            (Mode::Header, Some(auth)) => Carrier::Authorization(auth.clone()),
            (Mode::Query, Some(url)) => {
                let query = url
                    .iter()
                    .position(|&b| b == b'?')
                    .map_or(&b""[..], |i| url.get(i + 1..).unwrap_or_default());
                Carrier::Url(
                    split_query(query)
                        .map(|p| (percent_decode(p.key), percent_decode(p.value)))
                        .collect(),
                )
            }
            _ => Carrier::None,
        };
        Target {
            case,
            actual,
            exposed,
            how,
            carrier,
        }
    }

    /// Whether the model making `mistakes` gives exactly what the signer exposed.
    pub fn reproduced_by(&self, mistakes: &Mistakes) -> bool {
        let Some(out) = model::sign(&self.case, mistakes) else {
            return false;
        };
        self.reproduces(&out)
    }

    fn reproduces(&self, out: &StageOutputs) -> bool {
        !self.exposed.is_empty()
            && self
                .exposed
                .iter()
                .all(|stage| match (out.get(stage), self.actual.get(stage)) {
                    (Some(model), Some(signer)) => stage_matches(*stage, signer, model, &self.how),
                    _ => false,
                })
    }

    /// The single mistakes, else the pairs, that reproduce the signer's output.
    pub fn search(&self) -> Vec<Mistakes> {
        self.search_up_to(2)
    }

    /// The single mistakes that reproduce the signer's output, and when none does and
    /// `max_mistakes` is 2, the pairs.
    pub fn search_up_to(&self, max_mistakes: u32) -> Vec<Mistakes> {
        self.search_within(max_mistakes, TIME_LIMIT).found
    }

    /// Why the request is too large to search, if it is.
    fn too_large(&self) -> Option<Stop> {
        let request = self.case.request;
        let unsigned = &self.case.context.unsigned_headers;
        let is_signed = |h: &&Header| !h.is("authorization") && !unsigned.iter().any(|u| h.is(u));
        let signed = request.headers.iter().filter(is_signed).count();
        let bytes = request.target.len()
            + request
                .headers
                .iter()
                .filter(is_signed)
                .map(|h| {
                    h.name.len()
                        + h.value.len()
                        + h.continuations.iter().map(Vec::len).sum::<usize>()
                })
                .sum::<usize>();
        if signed > MAX_SIGNED_HEADERS {
            Some(Stop::TooLarge(format!(
                "{signed} signed headers; the search examines at most {MAX_SIGNED_HEADERS}"
            )))
        } else if bytes > MAX_REQUEST_BYTES {
            Some(Stop::TooLarge(format!(
                "{bytes} bytes of target and headers; the search examines at most {MAX_REQUEST_BYTES}"
            )))
        } else {
            None
        }
    }

    /// [`Target::search_up_to`], giving up after `limit` (what was found is kept) and on a
    /// request too large to search.
    ///
    /// The search shares work between the mistakes it tries: a canonical request is built once
    /// for the mistakes it depends on (in header mode every UTC offset reuses it), its hash and
    /// the signing keys are kept, and a guess is dropped as soon as a part of the final output
    /// it already knows (the credential, the date, the signed headers, the form of the
    /// signature) differs from the signer's. A guess that survives to the end is confirmed on
    /// the whole model.
    pub fn search_within(&self, max_mistakes: u32, limit: Duration) -> Search {
        if let Some(stop) = self.too_large() {
            return Search {
                found: Vec::new(),
                stopped: Some(stop),
            };
        }
        let deadline = Instant::now() + limit;
        let mut memo = Memo::default();
        let Some(reference) = self.outputs(&mut memo, &Mistakes::none()) else {
            return Search::default();
        };
        let changes = |out: &StageOutputs| {
            self.exposed
                .iter()
                .any(|stage| out.get(stage) != reference.get(stage))
        };
        let mut search = Search::default();
        let mut effective = Vec::new();
        for single in singles_for(&self.case) {
            if Instant::now() > deadline {
                search.stopped = Some(Stop::OutOfTime(limit));
                return search;
            }
            if self.shows_another_time(&mut memo, &single) {
                // It changes what the final output shows: no need to build it to know.
                if self.may_reproduce(&mut memo, &single) && self.reproduced_by(&single) {
                    search.found.push(single);
                }
                effective.push(single);
                continue;
            }
            let Some(out) = self.outputs(&mut memo, &single) else {
                continue;
            };
            if !changes(&out) {
                continue;
            }
            if self.reproduces(&out) {
                search.found.push(single);
            }
            effective.push(single);
        }
        if search.found.is_empty() && max_mistakes >= 2 {
            for (i, a) in effective.iter().enumerate() {
                if Instant::now() > deadline {
                    search.stopped = Some(Stop::OutOfTime(limit));
                    return search;
                }
                for b in effective.get(i + 1..).unwrap_or_default() {
                    if let Some(both) = a.combine(b) {
                        if self.may_reproduce(&mut memo, &both) && self.reproduced_by(&both) {
                            search.found.push(both);
                        }
                    }
                }
            }
        }
        // A variant that shows here as its mistake does is that mistake: keep it once.
        let found = search.found.clone();
        search
            .found
            .retain(|m| m.without_variants() == *m || !found.contains(&m.without_variants()));
        search
    }

    /// The time of `m`, shared with every set of mistakes with the same.
    fn time(&self, memo: &mut Memo, m: &Mistakes) -> Rc<TimeEntry> {
        let Memo { times, days, .. } = memo;
        times
            .entry((m.utc_offset_minutes, m.scope_date))
            .or_insert_with(|| {
                let times = Times::of(self.case.context, m);
                let auth_prefix = format!(
                    "{ALGORITHM} Credential={}, SignedHeaders=",
                    times.credential
                )
                .into_bytes();
                let day = match days.iter().position(|d| *d == times.scope_date) {
                    Some(day) => day,
                    None => {
                        days.push(times.scope_date.clone());
                        days.len() - 1
                    }
                };
                Rc::new(TimeEntry {
                    times,
                    auth_prefix,
                    day,
                })
            })
            .clone()
    }

    /// Whether the final output the signer exposed shows another time (the date of a presigned
    /// URL, the credential's scope) for `m` than for no mistake: then `m` changes it.
    fn shows_another_time(&self, memo: &mut Memo, m: &Mistakes) -> bool {
        let (time, reference) = (self.time(memo, m), self.time(memo, &Mistakes::none()));
        let (a, b) = (&time.times, &reference.times);
        match self.carrier {
            Carrier::Authorization(_) => a.credential != b.credential,
            Carrier::Url(_) => a.credential != b.credential || a.amz != b.amz,
            Carrier::None => false,
        }
    }

    /// The canonical request (and its hash) of `m`, shared with every set of mistakes that
    /// builds the same one.
    fn run(&self, memo: &mut Memo, m: &Mistakes) -> Option<Run> {
        let mode = self.case.mode;
        let time = self.time(memo, m);
        let part = m.canonical_part(mode);
        let canonical = memo
            .canonical
            .entry(part)
            .or_insert_with(|| model::canonical(&self.case, &part).map(Rc::new))
            .clone()?;
        let hash = *memo
            .hashes
            .entry(part.with_time_of(m))
            .or_insert_with(|| match mode {
                Mode::Header => Sha256::digest(canonical.creq_at(&time.times.amz)).into(),
                Mode::Query => Sha256::digest(&canonical.creq).into(),
            });
        Some(Run {
            time,
            canonical,
            hash,
        })
    }

    /// The canonical request of a run: in header mode, at the run's own time.
    fn creq_of(&self, run: &Run) -> Vec<u8> {
        match self.case.mode {
            Mode::Header => run.canonical.creq_at(&run.time.times.amz),
            Mode::Query => run.canonical.creq.clone(),
        }
    }

    fn key(&self, memo: &mut Memo, m: &Mistakes, time: &TimeEntry) -> Rc<Vec<u8>> {
        let k = model::key_mistakes(m);
        memo.keys
            .entry((k, time.day))
            .or_insert_with(|| {
                Rc::new(model::signing_key(
                    self.case.context,
                    &k,
                    &time.times.scope_date,
                ))
            })
            .clone()
    }

    /// Every stage the model gives for `m`, with the shared work.
    fn outputs(&self, memo: &mut Memo, m: &Mistakes) -> Option<StageOutputs> {
        let run = self.run(memo, m)?;
        let times = &run.time.times;
        let sts = model::string_to_sign(m, times, &run.hash);
        let key = self.key(memo, m, &run.time);
        let signature = model::signature(m, &key, &sts);
        let mut out = StageOutputs::new();
        out.insert(Stage::CanonicalRequest, self.creq_of(&run));
        out.insert(Stage::StringToSign, sts.into_bytes());
        out.insert(Stage::SigningKey, hex::encode(&*key).into_bytes());
        out.insert(
            Stage::carrier(self.case.mode),
            model::final_output(self.case.mode, m, times, &run.canonical, &signature),
        );
        out.insert(Stage::Signature, signature.into_bytes());
        Some(out)
    }

    /// False when `m` cannot reproduce what the signer exposed; true when it may (the whole
    /// model then decides). Checks what is cheap first and allocates little.
    fn may_reproduce(&self, memo: &mut Memo, m: &Mistakes) -> bool {
        let time = self.time(memo, m);
        let times = &time.times;
        let envelope = match &self.carrier {
            Carrier::Authorization(auth) => auth.starts_with(&time.auth_prefix),
            Carrier::Url(_) => {
                self.carrier.url_has(b"X-Amz-Date", times.amz.as_bytes())
                    && self
                        .carrier
                        .url_has(b"X-Amz-Credential", times.credential.as_bytes())
            }
            Carrier::None => true,
        };
        let signature_len = signature_len(m);
        let url_signatures = || match &self.carrier {
            Carrier::Url(params) => params
                .iter()
                .filter(|(k, _)| k == b"X-Amz-Signature")
                .map(|(_, v)| v.as_slice())
                .collect(),
            _ => Vec::new(),
        };
        let form = match &self.carrier {
            Carrier::Url(_) => url_signatures().iter().any(|v| v.len() == signature_len),
            _ => true,
        } && self
            .actual
            .get(&Stage::Signature)
            .is_none_or(|shown| shown.len() == signature_len);
        if !envelope || !form {
            return false;
        }
        let Some(run) = self.run(memo, m) else {
            return false;
        };
        let signed_headers = run.canonical.signed_headers.as_bytes();
        // The Authorization header: what follows the signed headers is the signature.
        let mut auth_signature: Option<&[u8]> = None;
        let headers_agree = match &self.carrier {
            Carrier::Authorization(auth) => {
                let rest = auth.get(time.auth_prefix.len()..).unwrap_or_default();
                if let Some(after) = rest.strip_prefix(signed_headers) {
                    auth_signature = after.strip_prefix(b", Signature=");
                }
                auth_signature.is_some_and(|s| s.len() == signature_len)
            }
            Carrier::Url(_) => self.carrier.url_has(b"X-Amz-SignedHeaders", signed_headers),
            Carrier::None => true,
        };
        if !headers_agree {
            return false;
        }
        if self
            .actual
            .get(&Stage::CanonicalRequest)
            .is_some_and(|shown| *shown != self.creq_of(&run))
        {
            return false;
        }
        let mut sts = std::mem::take(&mut memo.sts);
        model::write_string_to_sign(&mut sts, m, times, &run.hash);
        let key = self.key(memo, m, &time);
        let mut text = [0u8; 64];
        let agrees = self
            .actual
            .get(&Stage::StringToSign)
            .is_none_or(|shown| *shown == sts)
            && self
                .actual
                .get(&Stage::SigningKey)
                .is_none_or(|shown| *shown == hex::encode(&*key).as_bytes())
            && {
                let mac = model::signature_mac(m, &key, &sts);
                let signature = signature_text(m, &mac, &mut text);
                auth_signature.is_none_or(|s| s == signature)
                    && (!matches!(self.carrier, Carrier::Url(_))
                        || url_signatures().contains(&signature))
                    && self
                        .actual
                        .get(&Stage::Signature)
                        .is_none_or(|shown| *shown == signature)
            };
        memo.sts = sts;
        agrees
    }
}

/// The single mistakes the search tries on `case`: [`singles`] but those that cannot show there,
/// and the variants that can show differently there.
fn singles_for(case: &Case<'_>) -> Vec<Mistakes> {
    let base: Vec<Mistakes> = singles()
        .into_iter()
        .filter(|m| m.flags().all(|f| f.can_show_on(case)))
        .collect();
    let mut all = base.clone();
    for variant in Variant::ALL.into_iter().filter(|v| v.shows_on(case)) {
        all.extend(base.iter().filter_map(|m| m.with_variant(variant)));
    }
    all
}

/// Searches the catalogue for the single mistakes, else the pairs, that reproduce `actual` at
/// every stage the signer exposed. Best first; empty when no known mistake reproduces it. A
/// request too large to search, or a search out of time, ends the list with an entry that says
/// so ([`Diagnosis::is_incomplete`]).
pub fn diagnose(input: &SignInput, actual: &StageOutputs) -> Vec<Diagnosis> {
    diagnose_within(input, actual, TIME_LIMIT)
}

/// [`diagnose`] with another time limit. The limit is wall-clock time, so on a machine short of
/// CPU a search may stop early (and say so); a test of what the search names gives it room.
pub fn diagnose_within(
    input: &SignInput,
    actual: &StageOutputs,
    limit: Duration,
) -> Vec<Diagnosis> {
    if input.context.algorithm().is_asymmetric() {
        return sigv4a::diagnose(input, actual);
    }
    if let Some(found) = chunked::diagnose(input, actual) {
        return found;
    }
    if let Some(found) = event_stream::diagnose(input, actual) {
        return found;
    }
    let search = Target::new(input, actual).search_within(2, limit);
    let mut found: Vec<Diagnosis> = Vec::new();
    for d in search.found.iter().map(describe) {
        if !found.iter().any(|f| f.mutation == d.mutation) {
            found.push(d);
        }
    }
    found.extend(search.stopped.as_ref().map(Diagnosis::incomplete));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{self, Fixture};

    fn fixtures() -> Vec<Fixture> {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite");
        crate::run::list_trials(&[root])
            .unwrap()
            .iter()
            .map(|t| suite::load(&t.case, t.mode).unwrap())
            .filter(|f| f.expected.error.is_none())
            .collect()
    }

    /// A few pairs of every fixture, spread over the whole list (deterministic).
    fn some_pairs(singles: &[Mistakes], seed: usize) -> Vec<Mistakes> {
        let n = singles.len();
        (0..12)
            .filter_map(|i| {
                let a = (seed * 7 + i * 13) % n;
                let b = (seed * 11 + i * 29 + 1) % n;
                singles[a].combine(&singles[b])
            })
            .collect()
    }

    fn final_only(out: &StageOutputs, mode: Mode) -> StageOutputs {
        let stage = Stage::carrier(mode);
        out.iter()
            .filter(|(s, _)| **s == stage)
            .map(|(s, v)| (*s, v.clone()))
            .collect()
    }

    #[test]
    fn shared_work_gives_what_the_model_gives() {
        for (i, f) in fixtures().iter().enumerate() {
            let none = StageOutputs::new();
            let target = Target::new(&f.input, &none);
            let mut memo = Memo::default();
            let mut all: Vec<Mistakes> = singles_for(&target.case);
            all.extend(some_pairs(&all.clone(), i));
            for m in all {
                let direct = model::sign(&target.case, &m);
                let shared = target.outputs(&mut memo, &m);
                assert_eq!(direct, shared, "{} {m:?}", f.input.id);
            }
        }
    }

    #[test]
    fn a_mistake_skipped_as_absent_changes_nothing() {
        for f in fixtures() {
            let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
            let reference = model::sign(&case, &Mistakes::none());
            for flag in Flag::ALL.into_iter().filter(|f| !f.can_show_on(&case)) {
                assert_eq!(
                    model::sign(&case, &Mistakes::flag(flag)),
                    reference,
                    "{} {}",
                    f.input.id,
                    flag.id()
                );
            }
            let singles = singles();
            for variant in Variant::ALL.into_iter().filter(|v| !v.shows_on(&case)) {
                for m in singles.iter().filter_map(|m| m.with_variant(variant)) {
                    assert_eq!(
                        model::sign(&case, &m),
                        model::sign(&case, &m.without_variants()),
                        "{} {m:?}",
                        f.input.id
                    );
                }
            }
        }
    }

    /// The quick rejections never reject what the whole model reproduces.
    #[test]
    fn quick_rejections_keep_every_mistake_that_reproduces() {
        for (i, f) in fixtures().iter().enumerate() {
            let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
            let singles = singles_for(&case);
            let mut tried = some_pairs(&singles, i);
            tried.extend(singles.iter().skip(i % 5).step_by(5));
            for m in tried {
                let Some(out) = model::sign(&case, &m) else {
                    continue;
                };
                for exposed in [out.clone(), final_only(&out, f.input.mode)] {
                    let target = Target::new(&f.input, &exposed);
                    let mut memo = Memo::default();
                    assert!(
                        target.may_reproduce(&mut memo, &m),
                        "{} {m:?} {:?}",
                        f.input.id,
                        exposed.keys().collect::<Vec<_>>()
                    );
                }
            }
        }
    }

    #[test]
    fn in_header_mode_the_time_moves_only_the_signers_own_date() {
        for f in fixtures().iter().filter(|f| f.input.mode == Mode::Header) {
            let case = Case::new(&f.input.request, &f.input.context, f.input.mode);
            for base in [
                Mistakes::none(),
                Mistakes::flag(Flag::CanonicalRequestCrlf),
                Mistakes::flag(Flag::HeaderNameNotLowercased),
                Mistakes::flag(Flag::DuplicateHeadersNotMerged),
            ] {
                if model::canonical(&case, &base).is_none() {
                    continue;
                }
                for offset in [-720, 330, 660] {
                    let mut ms = vec![base.combine(&Mistakes::utc_offset(offset)).unwrap()];
                    ms.extend(ms[0].with_variant(Variant::DateReplaced));
                    for m in ms {
                        let moved = model::canonical(&case, &m.canonical_part(Mode::Header))
                            .unwrap()
                            .creq_at(&Times::of(case.context, &m).amz);
                        let direct = model::canonical(&case, &m).unwrap().creq;
                        assert_eq!(moved, direct, "{} {m:?}", f.input.id);
                    }
                }
            }
        }
    }

    #[test]
    fn a_request_too_large_is_skipped_and_says_so() {
        let mut raw = String::from("GET / HTTP/1.1\nHost:example.amazonaws.com\n");
        for i in 0..3500 {
            raw.push_str(&format!("X-H-{i:04}:v{i}\n"));
        }
        let fixture = fixtures().into_iter().next().unwrap();
        let mut input = fixture.input;
        input.mode = Mode::Header;
        input.request = crate::Request::parse(raw.as_bytes()).unwrap();
        let mut exposed = StageOutputs::new();
        exposed.insert(
            Stage::Authorization,
            b"AWS4-HMAC-SHA256 Credential=x".to_vec(),
        );
        // Skipped by size before any model run: the entry says so (not a wall-clock bound,
        // which a loaded machine would break).
        let found = diagnose(&input, &exposed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].is_incomplete());
        assert!(
            found[0]
                .explanation
                .starts_with("diagnosis skipped: request too large (3501 signed headers"),
            "{}",
            found[0].explanation
        );
        // Bytes count too: one header of 20 KB.
        let raw = format!("GET / HTTP/1.1\nHost:h\nX-Big:{}\n", "a".repeat(20_000));
        input.request = crate::Request::parse(raw.as_bytes()).unwrap();
        let found = diagnose(&input, &exposed);
        assert!(
            found[0].explanation.contains("bytes of target and headers"),
            "{found:?}"
        );
    }

    #[test]
    fn a_search_out_of_time_keeps_what_it_found_and_says_so() {
        let f = fixtures().into_iter().next().unwrap();
        let mut garbage = StageOutputs::new();
        garbage.insert(Stage::carrier(f.input.mode), b"nothing".to_vec());
        let target = Target::new(&f.input, &garbage);
        let search = target.search_within(2, Duration::ZERO);
        assert_eq!(search.stopped, Some(Stop::OutOfTime(Duration::ZERO)));
        assert!(search.stopped.unwrap().reason().contains("not ruled out"));
    }
}
