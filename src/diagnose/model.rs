//! The mistake model: a plain SigV4 signer in which every step can make one of the catalogued
//! mistakes.
//!
//! It is built from the reference signer's own stage functions (URI encoding, normalisation, query
//! parsing, Trimall, HMAC, hex) and written for clarity, not speed. With no mistake it produces the
//! reference's output byte for byte on every case of the suite (a test checks this), so a mistake
//! switched on here is a mutation of the reference pipeline and nothing else.

use crate::context::Context;
use crate::implementation::StageOutputs;
use crate::request::{Header, Request};
use crate::sign::encoding::{hex_fill, percent_decode, uri_encode};
use crate::sign::headers::{trim_all, trim_all_text};
use crate::sign::query::split_query;
use crate::sign::settings::{
    PathNormalization, PayloadHashSource, PercentEncoding, SessionTokenMode, Settings,
    UNSIGNED_PAYLOAD,
};
use crate::sign::signing_key::hmac_sha256;
use crate::sign::{uri, Mode, ALGORITHM, MAX_EXPIRES};
use crate::stage::Stage;
use crate::timestamp::Timestamp;
use base64::Engine;
use sha2::{Digest, Sha256};

/// A mistake without a parameter. The ids are the catalogue's (`catalogue.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Flag {
    MethodNotUppercase,
    PathNotNormalized,
    PathNormalizedForS3,
    PathNotDoubleEncoded,
    PathDoubleEncodedForS3,
    PathNotEncoded,
    PercentEncodingLowercase,
    QueryNotSorted,
    QuerySortedAsPairs,
    QuerySortedBeforeEncoding,
    QueryValuesNotSorted,
    QueryKeyWithoutEquals,
    QueryPlusAsSpace,
    CredentialSlashNotEncoded,
    HeaderNameNotLowercased,
    HeaderValueNotTrimmed,
    HeaderValueNotCollapsed,
    HeadersNotSorted,
    DuplicateHeadersNotMerged,
    FoldedValuesJoinedWithCommas,
    CanonicalHeadersMissingNewline,
    CanonicalRequestCrlf,
    PayloadHashMissing,
    PayloadHashOfEmptyBody,
    UnsignedPayloadNotUsed,
    SessionTokenNotSigned,
    StringToSignTrailingNewline,
    CanonicalRequestHashUppercase,
    SecretMissingAws4Prefix,
    SigningKeyHmacArgumentsSwapped,
    SigningKeyHexChained,
    SignatureKeyHex,
    SignatureHmacArgumentsSwapped,
    SignatureUppercaseHex,
    SignatureBase64,
}

impl Flag {
    /// Every flag, in catalogue order.
    pub const ALL: [Flag; 35] = [
        Flag::MethodNotUppercase,
        Flag::PathNotNormalized,
        Flag::PathNormalizedForS3,
        Flag::PathNotDoubleEncoded,
        Flag::PathDoubleEncodedForS3,
        Flag::PathNotEncoded,
        Flag::PercentEncodingLowercase,
        Flag::QueryNotSorted,
        Flag::QuerySortedAsPairs,
        Flag::QuerySortedBeforeEncoding,
        Flag::QueryValuesNotSorted,
        Flag::QueryKeyWithoutEquals,
        Flag::QueryPlusAsSpace,
        Flag::CredentialSlashNotEncoded,
        Flag::HeaderNameNotLowercased,
        Flag::HeaderValueNotTrimmed,
        Flag::HeaderValueNotCollapsed,
        Flag::HeadersNotSorted,
        Flag::DuplicateHeadersNotMerged,
        Flag::FoldedValuesJoinedWithCommas,
        Flag::CanonicalHeadersMissingNewline,
        Flag::CanonicalRequestCrlf,
        Flag::PayloadHashMissing,
        Flag::PayloadHashOfEmptyBody,
        Flag::UnsignedPayloadNotUsed,
        Flag::SessionTokenNotSigned,
        Flag::StringToSignTrailingNewline,
        Flag::CanonicalRequestHashUppercase,
        Flag::SecretMissingAws4Prefix,
        Flag::SigningKeyHmacArgumentsSwapped,
        Flag::SigningKeyHexChained,
        Flag::SignatureKeyHex,
        Flag::SignatureHmacArgumentsSwapped,
        Flag::SignatureUppercaseHex,
        Flag::SignatureBase64,
    ];

    /// The catalogue id.
    pub fn id(&self) -> &'static str {
        match self {
            Flag::MethodNotUppercase => "method-not-uppercase",
            Flag::PathNotNormalized => "path-not-normalized",
            Flag::PathNormalizedForS3 => "path-normalized-for-s3",
            Flag::PathNotDoubleEncoded => "path-not-double-encoded",
            Flag::PathDoubleEncodedForS3 => "path-double-encoded-for-s3",
            Flag::PathNotEncoded => "path-not-encoded",
            Flag::PercentEncodingLowercase => "percent-encoding-lowercase",
            Flag::QueryNotSorted => "query-not-sorted",
            Flag::QuerySortedAsPairs => "query-sorted-as-pairs",
            Flag::QuerySortedBeforeEncoding => "query-sorted-before-encoding",
            Flag::QueryValuesNotSorted => "query-values-not-sorted",
            Flag::QueryKeyWithoutEquals => "query-key-without-equals",
            Flag::QueryPlusAsSpace => "query-plus-as-space",
            Flag::CredentialSlashNotEncoded => "credential-slash-not-encoded",
            Flag::HeaderNameNotLowercased => "header-name-not-lowercased",
            Flag::HeaderValueNotTrimmed => "header-value-not-trimmed",
            Flag::HeaderValueNotCollapsed => "header-value-not-collapsed",
            Flag::HeadersNotSorted => "headers-not-sorted",
            Flag::DuplicateHeadersNotMerged => "duplicate-headers-not-merged",
            Flag::FoldedValuesJoinedWithCommas => "folded-values-joined-with-commas",
            Flag::CanonicalHeadersMissingNewline => "canonical-headers-missing-newline",
            Flag::CanonicalRequestCrlf => "canonical-request-crlf",
            Flag::PayloadHashMissing => "payload-hash-missing",
            Flag::PayloadHashOfEmptyBody => "payload-hash-of-empty-body",
            Flag::UnsignedPayloadNotUsed => "unsigned-payload-not-used",
            Flag::SessionTokenNotSigned => "session-token-not-signed",
            Flag::StringToSignTrailingNewline => "string-to-sign-trailing-newline",
            Flag::CanonicalRequestHashUppercase => "canonical-request-hash-uppercase",
            Flag::SecretMissingAws4Prefix => "secret-missing-aws4-prefix",
            Flag::SigningKeyHmacArgumentsSwapped => "signing-key-hmac-arguments-swapped",
            Flag::SigningKeyHexChained => "signing-key-hex-chained",
            Flag::SignatureKeyHex => "signature-key-hex",
            Flag::SignatureHmacArgumentsSwapped => "signature-hmac-arguments-swapped",
            Flag::SignatureUppercaseHex => "signature-uppercase-hex",
            Flag::SignatureBase64 => "signature-base64",
        }
    }

    fn bit(&self) -> u64 {
        1 << (*self as u32)
    }

    /// False when the mistake cannot change anything on this case, in any company: what it
    /// acts on is absent (an upper-case method for `method-not-uppercase`, a `+` in the query
    /// for `query-plus-as-space`, ...). The search skips it there; true when in doubt.
    pub fn can_show_on(&self, case: &Case<'_>) -> bool {
        let (request, context, mode) = (case.request, case.context, case.mode);
        let query = request.query().unwrap_or_default();
        let query_mode = mode == Mode::Query;
        match self {
            Flag::MethodNotUppercase => request.method.bytes().any(|b| b.is_ascii_uppercase()),
            Flag::PathNormalizedForS3 | Flag::PathDoubleEncodedForS3 => context.is_s3(),
            Flag::QueryNotSorted
            | Flag::QuerySortedAsPairs
            | Flag::QuerySortedBeforeEncoding
            | Flag::QueryValuesNotSorted => query_mode || split_query(query).nth(1).is_some(),
            Flag::QueryKeyWithoutEquals => split_query(query).any(|p| !p.has_equals()),
            Flag::QueryPlusAsSpace => query.contains(&b'+'),
            Flag::CredentialSlashNotEncoded => {
                query_mode || query.windows(16).any(|w| w == b"X-Amz-Credential")
            }
            Flag::HeaderNameNotLowercased => {
                mode == Mode::Header
                    || request
                        .headers
                        .iter()
                        .any(|h| h.name.bytes().any(|b| b.is_ascii_uppercase()))
            }
            Flag::DuplicateHeadersNotMerged => request
                .headers
                .iter()
                .enumerate()
                .any(|(i, h)| request.headers[i + 1..].iter().any(|o| o.is(&h.name))),
            Flag::FoldedValuesJoinedWithCommas => {
                request.headers.iter().any(|h| !h.continuations.is_empty())
            }
            Flag::UnsignedPayloadNotUsed => context.is_s3() && query_mode,
            Flag::SessionTokenNotSigned => context.credentials.token.is_some(),
            _ => true,
        }
    }
}

/// How a wrong scope date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeDate {
    /// The whole `X-Amz-Date` (`20150830T123600Z`).
    FullTimestamp,
    /// With dashes (`2015-08-30`).
    Dashed,
}

/// A common way of making a catalogued mistake that shows differently: the search tries each
/// with its mistake, and names the mistake (the variant is a detail of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// `header-name-not-lowercased`: the headers the signer adds itself (`x-amz-date`, the token,
    /// `x-amz-content-sha256`) are written in lower case, not as `X-Amz-Date`.
    OwnHeadersLowercase,
    /// `header-value-not-trimmed`: a folded value keeps its line breaks and the continuation
    /// lines' leading whitespace as they are (`a\n  b`), instead of a space per fold.
    FoldsKept,
    /// `payload-hash-missing`: the signed `x-amz-content-sha256` header the signer adds still
    /// carries the body's hash; only the canonical request's last line is empty.
    PayloadHeaderKept,
    /// `signature-base64`: the base64 signature sits raw in the presigned URL (`+`, `/`, `=`
    /// unencoded).
    SignatureRawInUrl,
    /// `timestamp-not-utc`: the signer writes its own (local) `X-Amz-Date` over the one the
    /// request already carries, and signs that.
    DateReplaced,
}

impl Variant {
    /// Every variant.
    pub const ALL: [Variant; 5] = [
        Variant::OwnHeadersLowercase,
        Variant::FoldsKept,
        Variant::PayloadHeaderKept,
        Variant::SignatureRawInUrl,
        Variant::DateReplaced,
    ];

    /// The name after `:` in `--mistake ID:VARIANT`.
    pub fn name(&self) -> &'static str {
        match self {
            Variant::OwnHeadersLowercase => "own-headers-lowercase",
            Variant::FoldsKept => "folds-kept",
            Variant::PayloadHeaderKept => "header-kept",
            Variant::SignatureRawInUrl => "raw-in-url",
            Variant::DateReplaced => "date-replaced",
        }
    }

    /// The catalogue id of the mistake it is a variant of.
    pub fn of(&self) -> &'static str {
        match self {
            Variant::OwnHeadersLowercase => Flag::HeaderNameNotLowercased.id(),
            Variant::FoldsKept => Flag::HeaderValueNotTrimmed.id(),
            Variant::PayloadHeaderKept => Flag::PayloadHashMissing.id(),
            Variant::SignatureRawInUrl => Flag::SignatureBase64.id(),
            Variant::DateReplaced => "timestamp-not-utc",
        }
    }

    /// What the variant adds to the mistake's explanation.
    pub fn detail(&self) -> &'static str {
        match self {
            Variant::OwnHeadersLowercase => {
                "the headers it adds itself are in lower case (`x-amz-date`)"
            }
            Variant::FoldsKept => "a folded value keeps its line breaks as they are",
            Variant::PayloadHeaderKept => {
                "the x-amz-content-sha256 header it signs still carries the body's hash"
            }
            Variant::SignatureRawInUrl => {
                "the base64 signature sits in the presigned URL without percent-encoding"
            }
            Variant::DateReplaced => {
                "it writes its own X-Amz-Date over the one the request carries"
            }
        }
    }

    /// Whether the variant can show differently from its mistake on this case: what it changes
    /// is there (the search skips it otherwise).
    pub fn shows_on(&self, case: &Case<'_>) -> bool {
        let request = case.request;
        let header = case.mode == Mode::Header;
        match self {
            Variant::OwnHeadersLowercase => {
                header
                    && (request.header("x-amz-date").is_none()
                        || (case.context.credentials.token.is_some()
                            && request.header("x-amz-security-token").is_none()))
            }
            Variant::FoldsKept => request.headers.iter().any(|h| !h.continuations.is_empty()),
            Variant::PayloadHeaderKept => {
                request.header("x-amz-content-sha256").is_none()
                    && Settings::resolve(case.context, case.mode, None).sign_body
            }
            Variant::SignatureRawInUrl => !header,
            Variant::DateReplaced => header && request.header("x-amz-date").is_some(),
        }
    }

    /// The flag it needs, if it is a variant of a flag.
    fn flag(&self) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.id() == self.of())
    }

    fn bit(&self) -> u8 {
        1 << (*self as u32)
    }
}

/// A set of mistakes: flags, a UTC offset written as if it were UTC, a wrong scope date format,
/// and the variants they are made in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mistakes {
    flags: u64,
    variants: u8,
    /// `timestamp-not-utc`: the local time's offset from UTC, in minutes.
    pub utc_offset_minutes: Option<i32>,
    /// `scope-date-format`.
    pub scope_date: Option<ScopeDate>,
}

impl Mistakes {
    /// No mistake: the reference.
    pub fn none() -> Mistakes {
        Mistakes::default()
    }

    /// One flag.
    pub fn flag(flag: Flag) -> Mistakes {
        Mistakes {
            flags: flag.bit(),
            ..Mistakes::default()
        }
    }

    /// `timestamp-not-utc` with this offset from UTC, in minutes.
    pub fn utc_offset(minutes: i32) -> Mistakes {
        Mistakes {
            utc_offset_minutes: Some(minutes),
            ..Mistakes::default()
        }
    }

    /// `scope-date-format` with this wrong format.
    pub fn scope_date(format: ScopeDate) -> Mistakes {
        Mistakes {
            scope_date: Some(format),
            ..Mistakes::default()
        }
    }

    /// These mistakes made in this variant; `None` when the variant is not of one of them.
    pub fn with_variant(&self, variant: Variant) -> Option<Mistakes> {
        let applies = match variant.flag() {
            Some(flag) => self.has(flag),
            None => self.utc_offset_minutes.is_some(),
        };
        applies.then(|| Mistakes {
            variants: self.variants | variant.bit(),
            ..*self
        })
    }

    /// Whether the mistakes are made in this variant.
    pub fn in_variant(&self, variant: Variant) -> bool {
        self.variants & variant.bit() != 0
    }

    /// The variants the mistakes are made in.
    pub fn variants(&self) -> impl Iterator<Item = Variant> + '_ {
        Variant::ALL.into_iter().filter(|v| self.in_variant(*v))
    }

    /// The same mistakes made the catalogue's way (no variant).
    pub fn without_variants(&self) -> Mistakes {
        Mistakes {
            variants: 0,
            ..*self
        }
    }

    /// Parses catalogue ids: flags by id, `timestamp-not-utc=MINUTES`, `scope-date-format=full`
    /// or `scope-date-format=dashed`, each optionally followed by `:VARIANT` (see [`Variant`]).
    pub fn parse(ids: &[String]) -> Result<Mistakes, String> {
        let mut m = Mistakes::none();
        for id in ids
            .iter()
            .flat_map(|i| i.split(','))
            .filter(|i| !i.is_empty())
        {
            let (id, variant) = id.split_once(':').map_or((id, None), |(i, v)| (i, Some(v)));
            let (name, value) = id.split_once('=').map_or((id, None), |(n, v)| (n, Some(v)));
            let one = match (name, value) {
                ("timestamp-not-utc", Some(v)) => {
                    Mistakes::utc_offset(v.parse().map_err(|_| format!("{id}: minutes expected"))?)
                }
                ("scope-date-format", Some("full")) => {
                    Mistakes::scope_date(ScopeDate::FullTimestamp)
                }
                ("scope-date-format", Some("dashed")) => Mistakes::scope_date(ScopeDate::Dashed),
                (name, None) => {
                    Mistakes::flag(Flag::ALL.into_iter().find(|f| f.id() == name).ok_or_else(
                        || format!("unknown mistake {name:?} (see docs/diagnosis.md)"),
                    )?)
                }
                _ => {
                    return Err(format!(
                        "{id}: timestamp-not-utc=MINUTES or scope-date-format=full|dashed"
                    ))
                }
            };
            let one = match variant {
                None => one,
                Some(v) => {
                    let known = Variant::ALL.into_iter().filter(|k| k.of() == name);
                    let names = known.clone().map(|k| k.name()).collect::<Vec<_>>();
                    known
                        .into_iter()
                        .find(|k| k.name() == v)
                        .and_then(|k| one.with_variant(k))
                        .ok_or_else(|| {
                            if names.is_empty() {
                                format!("{name} has no variant")
                            } else {
                                format!("{name}:{v}: the variants are {}", names.join(", "))
                            }
                        })?
                }
            };
            m = m
                .combine(&one)
                .ok_or_else(|| format!("{id} is given twice"))?;
        }
        Ok(m)
    }

    /// Whether the flag is on.
    pub fn has(&self, flag: Flag) -> bool {
        self.flags & flag.bit() != 0
    }

    /// The flags that are on.
    pub fn flags(&self) -> impl Iterator<Item = Flag> + '_ {
        Flag::ALL.into_iter().filter(|f| self.has(*f))
    }

    /// Both sets together, or `None` when they share a mistake or set the same parameter.
    pub fn combine(&self, other: &Mistakes) -> Option<Mistakes> {
        if (self.utc_offset_minutes.is_some() && other.utc_offset_minutes.is_some())
            || (self.scope_date.is_some() && other.scope_date.is_some())
            || self.flags & other.flags != 0
        {
            return None;
        }
        Some(Mistakes {
            flags: self.flags | other.flags,
            variants: self.variants | other.variants,
            utc_offset_minutes: self.utc_offset_minutes.or(other.utc_offset_minutes),
            scope_date: self.scope_date.or(other.scope_date),
        })
    }

    /// The part of the mistakes the canonical request (and the rest of [`Canonical`]) depends
    /// on. In header mode the time reaches the canonical request only through the signer's own
    /// `X-Amz-Date` ([`Canonical::creq_at`]), so the UTC offset and the scope date are left out.
    pub fn canonical_part(&self, mode: Mode) -> Mistakes {
        let later = [
            Flag::StringToSignTrailingNewline,
            Flag::CanonicalRequestHashUppercase,
            Flag::SecretMissingAws4Prefix,
            Flag::SigningKeyHmacArgumentsSwapped,
            Flag::SigningKeyHexChained,
            Flag::SignatureKeyHex,
            Flag::SignatureHmacArgumentsSwapped,
            Flag::SignatureUppercaseHex,
            Flag::SignatureBase64,
        ];
        let mut part = Mistakes {
            variants: self.variants & !Variant::SignatureRawInUrl.bit(),
            ..*self
        };
        for flag in later {
            part.flags &= !flag.bit();
        }
        if mode == Mode::Header {
            part.utc_offset_minutes = None;
            part.scope_date = None;
        }
        part
    }

    /// These mistakes with the time of `other` (its UTC offset and scope date format).
    pub fn with_time_of(&self, other: &Mistakes) -> Mistakes {
        Mistakes {
            utc_offset_minutes: other.utc_offset_minutes,
            scope_date: other.scope_date,
            ..*self
        }
    }

    /// How many mistakes the set holds.
    pub fn count(&self) -> u32 {
        self.flags.count_ones()
            + u32::from(self.utc_offset_minutes.is_some())
            + u32::from(self.scope_date.is_some())
    }
}

/// What the model needs of a case, computed once for many runs.
pub struct Case<'a> {
    /// The request.
    pub request: &'a Request,
    /// The context.
    pub context: &'a Context,
    /// The mode.
    pub mode: Mode,
    body_sha256: String,
}

impl<'a> Case<'a> {
    /// Prepares a case (hashes the body once).
    pub fn new(request: &'a Request, context: &'a Context, mode: Mode) -> Case<'a> {
        Case {
            request,
            context,
            mode,
            body_sha256: hex::encode(Sha256::digest(&request.body)),
        }
    }
}

/// `key=value` pieces of a query before encoding: decoded key and value, and whether it had `=`.
struct RawParam {
    key: Vec<u8>,
    value: Vec<u8>,
    has_equals: bool,
}

fn lowercase_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_percent = 0;
    for c in text.chars() {
        if c == '%' {
            after_percent = 2;
            out.push(c);
        } else if after_percent > 0 {
            after_percent -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn hmac(key: &[u8], message: &[u8], swapped: bool) -> [u8; 32] {
    if swapped {
        hmac_sha256(message, key)
    } else {
        hmac_sha256(key, message)
    }
}

/// A header value in the canonical block, and whether it is the signer's own `X-Amz-Date`.
type OwnValue = (Vec<u8>, bool);

fn header_value(header: &Header, m: &Mistakes) -> Vec<Vec<u8>> {
    let plain = !m.has(Flag::HeaderValueNotTrimmed)
        && !m.has(Flag::HeaderValueNotCollapsed)
        && (!m.has(Flag::FoldedValuesJoinedWithCommas) || header.continuations.is_empty());
    if plain {
        return vec![trim_all(header)];
    }
    let single = |value: &[u8], continuations: &[Vec<u8>]| -> Vec<u8> {
        let h = Header {
            name: String::new(),
            value: value.to_vec(),
            continuations: continuations.to_vec(),
            line: 0,
        };
        if m.has(Flag::HeaderValueNotTrimmed) && m.in_variant(Variant::FoldsKept) {
            h.folded_value()
        } else if m.has(Flag::HeaderValueNotTrimmed) {
            let mut raw = h.value.clone();
            for c in &h.continuations {
                raw.push(b' ');
                raw.extend_from_slice(c);
            }
            raw
        } else if m.has(Flag::HeaderValueNotCollapsed) {
            let mut raw = h.value.clone();
            for c in &h.continuations {
                raw.push(b' ');
                raw.extend_from_slice(c.trim_ascii());
            }
            raw.trim_ascii().to_vec()
        } else {
            trim_all(&h)
        }
    };
    if m.has(Flag::FoldedValuesJoinedWithCommas) && !header.continuations.is_empty() {
        std::iter::once(single(&header.value, &[]))
            .chain(header.continuations.iter().map(|c| single(c, &[])))
            .collect()
    } else {
        vec![single(&header.value, &header.continuations)]
    }
}

/// The time a signer making `m` writes: `X-Amz-Date`, the scope's date, the scope and the
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Times {
    /// `X-Amz-Date`.
    pub amz: String,
    /// The scope's date.
    pub scope_date: String,
    /// `DATE/REGION/SERVICE/aws4_request`.
    pub scope: String,
    /// `AKID/` and the scope.
    pub credential: String,
}

impl Times {
    /// The time of `context` as a signer making `m` writes it.
    pub fn of(context: &Context, m: &Mistakes) -> Times {
        let time = Timestamp::from_unix(
            context.timestamp.unix_seconds() + i64::from(m.utc_offset_minutes.unwrap_or(0)) * 60,
        );
        let amz = time.amz_date();
        let scope_date = match m.scope_date {
            None => amz.get(..8).unwrap_or_default().to_string(),
            Some(ScopeDate::FullTimestamp) => amz.clone(),
            Some(ScopeDate::Dashed) => time.rfc3339().get(..10).unwrap_or_default().to_string(),
        };
        let scope = format!(
            "{scope_date}/{}/{}/aws4_request",
            context.region, context.service
        );
        let credential = format!("{}/{scope}", context.credentials.access_key_id);
        Times {
            amz,
            scope_date,
            scope,
            credential,
        }
    }
}

/// What signing makes before any hashing: the canonical request, and what the final output
/// needs besides the signature.
#[derive(Debug, Clone)]
pub struct Canonical {
    /// The canonical request.
    pub creq: Vec<u8>,
    /// Where the value of the `X-Amz-Date` header the signer writes itself starts in `creq`.
    date_at: Vec<usize>,
    /// The signed headers, as the canonical request lists them.
    pub signed_headers: String,
    /// Query mode: the parameters as the presigned URL writes them, signature excepted.
    url_params: Vec<String>,
    /// Query mode: the token the presigned URL carries after signing, if any.
    token_after: Option<String>,
    /// Query mode: `https://host/path`.
    url_base: String,
}

impl Canonical {
    /// The canonical request with `amz` as the value of the `X-Amz-Date` header the signer writes
    /// itself. In header mode that header is the only place the time reaches the canonical
    /// request, so this is the canonical request of the same mistakes at another time (the
    /// search tries every UTC offset this way).
    pub fn creq_at(&self, amz: &str) -> Vec<u8> {
        let mut creq = self.creq.clone();
        for &at in &self.date_at {
            if let Some(slot) = creq.get_mut(at..at + amz.len()) {
                slot.copy_from_slice(amz.as_bytes());
            }
        }
        creq
    }

    /// Whether [`Canonical::creq_at`] may be used: the time reaches the canonical request only
    /// through the signer's own `X-Amz-Date` header.
    pub fn movable_in_time(&self, mode: Mode) -> bool {
        mode == Mode::Header
    }
}

/// Signs `case` making the mistakes `m`; `None` when the model refuses (no Host, expiry out of
/// range). Gives every stage but the signed request.
pub fn sign(case: &Case<'_>, m: &Mistakes) -> Option<StageOutputs> {
    let canonical = canonical(case, m)?;
    Some(finish(case, m, &canonical, &canonical.creq))
}

/// The canonical request of `case` made with the mistakes `m`, and what the final output needs
/// besides the signature; `None` when the model refuses (no Host, expiry out of range).
pub fn canonical(case: &Case<'_>, m: &Mistakes) -> Option<Canonical> {
    let (request, context, mode) = (case.request, case.context, case.mode);
    let s3 = context.is_s3();
    let host = request.header("host")?;
    let s3_header = if s3 {
        request.header("x-amz-content-sha256").map(trim_all_text)
    } else {
        None
    };
    let mut settings = Settings::resolve(context, mode, s3_header.as_deref());
    if m.has(Flag::PathNotNormalized) {
        settings.normalization = PathNormalization::Disabled;
    }
    if m.has(Flag::PathNormalizedForS3) && s3 {
        settings.normalization = PathNormalization::Enabled;
    }
    if m.has(Flag::PathNotDoubleEncoded) {
        settings.encoding = PercentEncoding::Single;
    }
    if m.has(Flag::PathDoubleEncodedForS3) && s3 {
        settings.encoding = PercentEncoding::Double;
    }
    if m.has(Flag::SessionTokenNotSigned) && settings.session_token == SessionTokenMode::Signed {
        settings.session_token = SessionTokenMode::AddedAfterSigning;
    }
    let mut payload = match &settings.payload {
        PayloadHashSource::BodySha256 => case.body_sha256.clone(),
        PayloadHashSource::Literal(literal) => literal.clone(),
    };
    if m.has(Flag::UnsignedPayloadNotUsed)
        && s3
        && mode == Mode::Query
        && payload == UNSIGNED_PAYLOAD
    {
        payload = case.body_sha256.clone();
    }
    if m.has(Flag::PayloadHashOfEmptyBody) {
        payload = hex::encode(Sha256::digest(b""));
    }
    // The x-amz-content-sha256 header the signer adds.
    let payload_header = payload.clone();
    if m.has(Flag::PayloadHashMissing) {
        payload.clear();
    }

    let Times {
        amz, credential, ..
    } = Times::of(context, m);

    // Headers to sign: the request's and the ones signing adds.
    let mut added: Vec<Header> = Vec::new();
    let own = |name: &str| {
        if m.in_variant(Variant::OwnHeadersLowercase) {
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        }
    };
    if mode == Mode::Header && request.header("x-amz-date").is_none() {
        added.push(Header::new(&own("X-Amz-Date"), &amz));
    }
    if settings.sign_body && request.header("x-amz-content-sha256").is_none() {
        let value = if m.in_variant(Variant::PayloadHeaderKept) {
            &payload_header
        } else {
            &payload
        };
        added.push(Header::new(&own("x-amz-content-sha256"), value));
    }
    let token = context.credentials.token.as_deref();
    if let (Mode::Header, Some(token), SessionTokenMode::Signed) =
        (mode, token, settings.session_token)
    {
        if request.header("x-amz-security-token").is_none() {
            added.push(Header::new(&own("X-Amz-Security-Token"), token));
        }
    }
    // `date-replaced`: the request's X-Amz-Date carries the signer's own time.
    let replaced_date: Vec<Header> = if mode == Mode::Header && m.in_variant(Variant::DateReplaced)
    {
        request
            .headers
            .iter()
            .filter(|h| h.is("x-amz-date"))
            .map(|h| Header::new(&h.name, &amz))
            .collect()
    } else {
        Vec::new()
    };
    let is_signed =
        |h: &&Header| !h.is("authorization") && !context.unsigned_headers.iter().any(|u| h.is(u));
    let mut replaced = replaced_date.iter();
    let signed: Vec<&Header> = request
        .headers
        .iter()
        .map(|h| {
            if h.is("x-amz-date") {
                replaced.next().unwrap_or(h)
            } else {
                h
            }
        })
        .chain(&added)
        .filter(is_signed)
        .collect();
    // Lines: name, then each value and whether it is the signer's own X-Amz-Date.
    let own_date = |h: &Header| {
        mode == Mode::Header
            && h.is("x-amz-date")
            && (added.iter().any(|a| std::ptr::eq(a, h))
                || replaced_date.iter().any(|r| std::ptr::eq(r, h)))
    };
    let mut lines: Vec<(String, Vec<OwnValue>)> = Vec::new();
    let mut line_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let merged = !m.has(Flag::DuplicateHeadersNotMerged);
    for header in signed {
        let name = if m.has(Flag::HeaderNameNotLowercased) {
            header.name.clone()
        } else {
            header.name.to_ascii_lowercase()
        };
        let mine = own_date(header);
        let values = header_value(header, m).into_iter().map(|v| (v, mine));
        let existing = if merged {
            line_of.get(&name.to_ascii_lowercase()).copied()
        } else {
            None
        };
        match existing {
            Some(i) => lines[i].1.extend(values),
            None => {
                line_of.insert(name.to_ascii_lowercase(), lines.len());
                lines.push((name, values.collect()));
            }
        }
    }
    if !m.has(Flag::HeadersNotSorted) {
        if m.has(Flag::HeaderNameNotLowercased) {
            lines.sort_by(|a, b| a.0.cmp(&b.0));
        } else {
            lines.sort_by_key(|line| line.0.to_ascii_lowercase());
        }
    }
    let signed_headers = lines
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let mut block = Vec::new();
    let mut date_in_block = Vec::new();
    for (name, values) in &lines {
        block.extend_from_slice(name.as_bytes());
        block.push(b':');
        for (i, (value, mine)) in values.iter().enumerate() {
            if i > 0 {
                block.push(b',');
            }
            if *mine {
                date_in_block.push(block.len());
            }
            block.extend_from_slice(value);
        }
        block.push(b'\n');
    }

    // Query: the request's parameters, then (query mode) the signed X-Amz-* ones.
    let mut raw: Vec<RawParam> = split_query(request.query().unwrap_or_default())
        .map(|piece| {
            let (k, v, has_equals) = (piece.key, piece.value, piece.has_equals());
            let decode = |bytes: &[u8]| {
                if m.has(Flag::QueryPlusAsSpace) {
                    let spaced: Vec<u8> = bytes
                        .iter()
                        .map(|&b| if b == b'+' { b' ' } else { b })
                        .collect();
                    percent_decode(&spaced)
                } else {
                    percent_decode(bytes)
                }
            };
            RawParam {
                key: decode(k),
                value: decode(v),
                has_equals,
            }
        })
        .collect();
    if mode == Mode::Query {
        let expires = context.expires();
        if !(1..=MAX_EXPIRES).contains(&expires) {
            return None;
        }
        let mut auth = vec![
            ("X-Amz-Algorithm", ALGORITHM.to_string()),
            ("X-Amz-Credential", credential.clone()),
            ("X-Amz-Date", amz.clone()),
            ("X-Amz-Expires", expires.to_string()),
            ("X-Amz-SignedHeaders", signed_headers.clone()),
        ];
        if let (Some(token), SessionTokenMode::Signed) = (token, settings.session_token) {
            auth.push(("X-Amz-Security-Token", token.to_string()));
        }
        raw.extend(auth.into_iter().map(|(k, v)| RawParam {
            key: k.as_bytes().to_vec(),
            value: v.into_bytes(),
            has_equals: true,
        }));
    }
    let encode_value = |p: &RawParam| {
        let value = uri_encode(&p.value, false);
        if m.has(Flag::CredentialSlashNotEncoded) && p.key == b"X-Amz-Credential" {
            value.replace("%2F", "/")
        } else {
            value
        }
    };
    let mut encoded: Vec<(String, String, bool, &RawParam)> = raw
        .iter()
        .map(|p| (uri_encode(&p.key, false), encode_value(p), p.has_equals, p))
        .collect();
    if m.has(Flag::QuerySortedAsPairs) {
        encoded.sort_by(|a, b| format!("{}={}", a.0, a.1).cmp(&format!("{}={}", b.0, b.1)));
    } else if m.has(Flag::QuerySortedBeforeEncoding) {
        encoded.sort_by(|a, b| (&a.3.key, &a.3.value).cmp(&(&b.3.key, &b.3.value)));
    } else if m.has(Flag::QueryValuesNotSorted) {
        encoded.sort_by(|a, b| a.0.cmp(&b.0));
    } else if !m.has(Flag::QueryNotSorted) {
        encoded.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    }
    let pair = |(k, v, has_equals, _): &(String, String, bool, &RawParam)| {
        if m.has(Flag::QueryKeyWithoutEquals) && !has_equals {
            k.clone()
        } else {
            format!("{k}={v}")
        }
    };
    let mut query = encoded.iter().map(pair).collect::<Vec<_>>().join("&");

    let mut canonical_uri = if m.has(Flag::PathNotEncoded) {
        let path = request.path();
        let normalized = match settings.normalization {
            PathNormalization::Enabled => uri::normalize_path(path),
            PathNormalization::Disabled if path.is_empty() => b"/".to_vec(),
            PathNormalization::Disabled => path.to_vec(),
        };
        String::from_utf8_lossy(&normalized).into_owned()
    } else {
        uri::canonical_uri(request.path(), settings.normalization, settings.encoding)
    };
    if m.has(Flag::PercentEncodingLowercase) {
        canonical_uri = lowercase_escapes(&canonical_uri);
        query = lowercase_escapes(&query);
    }
    let method = if m.has(Flag::MethodNotUppercase) {
        request.method.to_ascii_lowercase()
    } else {
        request.method.clone()
    };

    let mut creq = Vec::new();
    for line in [method.as_str(), canonical_uri.as_str(), query.as_str()] {
        creq.extend_from_slice(line.as_bytes());
        creq.push(b'\n');
    }
    let mut date_at: Vec<usize> = date_in_block.iter().map(|at| at + creq.len()).collect();
    creq.extend_from_slice(&block);
    if !m.has(Flag::CanonicalHeadersMissingNewline) {
        creq.push(b'\n');
    }
    creq.extend_from_slice(signed_headers.as_bytes());
    creq.push(b'\n');
    creq.extend_from_slice(payload.as_bytes());
    if m.has(Flag::CanonicalRequestCrlf) {
        for at in &mut date_at {
            *at += creq[..*at].iter().filter(|&&b| b == b'\n').count();
        }
        let mut crlf = Vec::with_capacity(creq.len() + 16);
        for &b in &creq {
            if b == b'\n' {
                crlf.push(b'\r');
            }
            crlf.push(b);
        }
        creq = crlf;
    }

    let (mut url_params, mut token_after, mut url_base) = (Vec::new(), None, String::new());
    if mode == Mode::Query {
        // URLs are compared by meaning, so the order of the parameters is free.
        url_params = encoded.iter().map(pair).collect();
        if let (Some(token), SessionTokenMode::AddedAfterSigning) = (token, settings.session_token)
        {
            token_after = Some(format!(
                "X-Amz-Security-Token={}",
                uri_encode(token.as_bytes(), false)
            ));
        }
        let path = crate::sign::encoding::encode_path_for_wire(request.path());
        url_base = format!("https://{}{path}", trim_all_text(host));
    }
    Some(Canonical {
        creq,
        date_at,
        signed_headers,
        url_params,
        token_after,
        url_base,
    })
}

/// The string to sign of a signer making `m` at `times`, over a canonical request's hash.
pub fn string_to_sign(m: &Mistakes, times: &Times, creq_hash: &[u8; 32]) -> String {
    let mut out = Vec::new();
    write_string_to_sign(&mut out, m, times, creq_hash);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`string_to_sign`], written into `out` (cleared first).
pub fn write_string_to_sign(out: &mut Vec<u8>, m: &Mistakes, times: &Times, creq_hash: &[u8; 32]) {
    let mut hash = [0u8; 64];
    hex_fill(&mut hash, creq_hash);
    if m.has(Flag::CanonicalRequestHashUppercase) {
        hash.make_ascii_uppercase();
    }
    out.clear();
    for part in [
        ALGORITHM.as_bytes(),
        b"\n",
        times.amz.as_bytes(),
        b"\n",
        times.scope.as_bytes(),
        b"\n",
        &hash,
    ] {
        out.extend_from_slice(part);
    }
    if m.has(Flag::StringToSignTrailingNewline) {
        out.push(b'\n');
    }
}

/// The mistakes that change the signing key, and nothing else: with the scope's date, what
/// the key depends on.
pub fn key_mistakes(m: &Mistakes) -> Mistakes {
    let key_flags = [
        Flag::SecretMissingAws4Prefix,
        Flag::SigningKeyHmacArgumentsSwapped,
        Flag::SigningKeyHexChained,
    ];
    let mut k = Mistakes::none();
    for flag in key_flags.into_iter().filter(|f| m.has(*f)) {
        k.flags |= flag.bit();
    }
    k
}

/// The signing key a signer making `m` derives for `scope_date`.
pub fn signing_key(context: &Context, m: &Mistakes, scope_date: &str) -> Vec<u8> {
    let swapped = m.has(Flag::SigningKeyHmacArgumentsSwapped);
    let prefix = if m.has(Flag::SecretMissingAws4Prefix) {
        ""
    } else {
        "AWS4"
    };
    let mut key =
        format!("{prefix}{}", context.credentials.secret_access_key.expose()).into_bytes();
    let steps = [
        scope_date,
        &context.region,
        &context.service,
        "aws4_request",
    ];
    for step in steps {
        let next = hmac(&key, step.as_bytes(), swapped);
        key = if m.has(Flag::SigningKeyHexChained) {
            hex::encode(next).into_bytes()
        } else {
            next.to_vec()
        };
    }
    key
}

/// The MAC a signer making `m` computes with `key` over `sts`, before it writes it as text.
pub fn signature_mac(m: &Mistakes, key: &[u8], sts: &[u8]) -> [u8; 32] {
    let hex_key;
    let signature_key = if m.has(Flag::SignatureKeyHex) && !m.has(Flag::SigningKeyHexChained) {
        hex_key = hex::encode(key).into_bytes();
        &hex_key[..]
    } else {
        key
    };
    hmac(
        signature_key,
        sts,
        m.has(Flag::SignatureHmacArgumentsSwapped),
    )
}

/// The signature a signer making `m` computes with `key` over `sts`, as it writes it.
pub fn signature(m: &Mistakes, key: &[u8], sts: &str) -> String {
    let raw_signature = signature_mac(m, key, sts.as_bytes());
    if m.has(Flag::SignatureBase64) {
        base64::engine::general_purpose::STANDARD.encode(raw_signature)
    } else if m.has(Flag::SignatureUppercaseHex) {
        hex::encode(raw_signature).to_ascii_uppercase()
    } else {
        hex::encode(raw_signature)
    }
}

/// The final output (the Authorization header or the presigned URL) carrying `signature`.
pub fn final_output(
    mode: Mode,
    m: &Mistakes,
    times: &Times,
    canonical: &Canonical,
    signature: &str,
) -> Vec<u8> {
    match mode {
        Mode::Header => format!(
            "{ALGORITHM} Credential={}, SignedHeaders={}, Signature={signature}",
            times.credential, canonical.signed_headers
        )
        .into_bytes(),
        Mode::Query => {
            let mut params = canonical.url_params.clone();
            if m.in_variant(Variant::SignatureRawInUrl) {
                params.push(format!("X-Amz-Signature={signature}"));
            } else {
                params.push(format!(
                    "X-Amz-Signature={}",
                    uri_encode(signature.as_bytes(), false)
                ));
            }
            params.extend(canonical.token_after.clone());
            format!("{}?{}", canonical.url_base, params.join("&")).into_bytes()
        }
    }
}

/// Every stage but the signed request, from a canonical request made with `m` (`creq`, which
/// is `canonical.creq` or that request at the signer's own time).
pub fn finish(case: &Case<'_>, m: &Mistakes, canonical: &Canonical, creq: &[u8]) -> StageOutputs {
    let times = Times::of(case.context, m);
    let sts = string_to_sign(m, &times, &Sha256::digest(creq).into());
    let key = signing_key(case.context, m, &times.scope_date);
    let signature = signature(m, &key, &sts);
    let mut out = StageOutputs::new();
    out.insert(Stage::CanonicalRequest, creq.to_vec());
    out.insert(Stage::StringToSign, sts.into_bytes());
    out.insert(Stage::SigningKey, hex::encode(&key).into_bytes());
    out.insert(
        Stage::carrier(case.mode),
        final_output(case.mode, m, &times, canonical, &signature),
    );
    out.insert(Stage::Signature, signature.into_bytes());
    out
}
