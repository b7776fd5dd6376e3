//! The catalogued mistakes the model can make: [`Flag`]s, the [`Variant`]s they are made in, a
//! UTC offset and a wrong scope date format, and [`Mistakes`], a set of them.

use super::Case;
use crate::sign::query::split_query;
use crate::sign::settings::Settings;
use crate::sign::Mode;

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
            Flag::DuplicateHeadersNotMerged => request.headers.iter().enumerate().any(|(i, h)| {
                let later = request.headers.get(i + 1..).unwrap_or_default();
                later.iter().any(|o| o.is(&h.name))
            }),
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

    /// The part of the mistakes the canonical request (and the rest of [`Canonical`](super::Canonical)) depends
    /// on. In header mode the time reaches the canonical request only through the signer's own
    /// `X-Amz-Date` ([`Canonical::creq_at`](super::Canonical::creq_at)), so the UTC offset and the scope date are left out.
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
