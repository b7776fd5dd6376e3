//! Each catalogued mistake as the one SigV4 step it changes: [`Mistakes`] implements
//! [`Steps`], and every method it overrides falls back to the reference's rule (the trait's
//! default) for the mistakes it does not hold.

use super::mistakes::{Flag, Mistakes, ScopeDate, Variant};
use crate::context::Context;
use crate::request::Header;
use crate::sign::headers::trim_all;
use crate::sign::settings::{
    PathNormalization, PayloadHashSource, PercentEncoding, SessionTokenMode, Settings,
    UNSIGNED_PAYLOAD,
};
use crate::sign::signing_key::{hmac_sha256, DerivedKey};
use crate::sign::steps::{HeaderLine, QueryPair, Reference, Steps};
use crate::sign::{uri, Mode};
use crate::timestamp::Timestamp;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

impl Steps for Mistakes {
    /// `path-not-normalized`, `path-normalized-for-s3`, `path-not-double-encoded`,
    /// `path-double-encoded-for-s3`, `session-token-not-signed`, `unsigned-payload-not-used`.
    fn settings(&self, resolved: Settings, context: &Context) -> Settings {
        let s3 = context.is_s3();
        let mut settings = resolved;
        if self.has(Flag::PathNotNormalized) {
            settings.normalization = PathNormalization::Disabled;
        }
        if self.has(Flag::PathNormalizedForS3) && s3 {
            settings.normalization = PathNormalization::Enabled;
        }
        if self.has(Flag::PathNotDoubleEncoded) {
            settings.encoding = PercentEncoding::Single;
        }
        if self.has(Flag::PathDoubleEncodedForS3) && s3 {
            settings.encoding = PercentEncoding::Double;
        }
        if self.has(Flag::SessionTokenNotSigned)
            && settings.session_token == SessionTokenMode::Signed
        {
            settings.session_token = SessionTokenMode::AddedAfterSigning;
        }
        if self.has(Flag::UnsignedPayloadNotUsed)
            && s3
            && settings.mode == Mode::Query
            && settings.payload == PayloadHashSource::Literal(UNSIGNED_PAYLOAD.to_string())
        {
            settings.payload = PayloadHashSource::BodySha256;
        }
        settings
    }

    /// `timestamp-not-utc`: the local time written as if it were UTC.
    fn request_time(&self, context: &Context) -> Timestamp {
        match self.utc_offset_minutes {
            None => context.timestamp,
            Some(minutes) => {
                Timestamp::from_unix(context.timestamp.unix_seconds() + i64::from(minutes) * 60)
            }
        }
    }

    /// `scope-date-format`: the whole timestamp, or the date with dashes.
    fn scope_date(&self, time: &Timestamp, amz_date: &str) -> String {
        match self.scope_date {
            None => Reference.scope_date(time, amz_date),
            Some(ScopeDate::FullTimestamp) => amz_date.to_string(),
            Some(ScopeDate::Dashed) => time.rfc3339().get(..10).unwrap_or_default().to_string(),
        }
    }

    /// `method-not-uppercase`.
    fn method<'m>(&self, method: &'m str) -> Cow<'m, str> {
        if self.has(Flag::MethodNotUppercase) {
            Cow::Owned(method.to_ascii_lowercase())
        } else {
            Cow::Borrowed(method)
        }
    }

    /// `path-not-encoded`: normalised as the settings say, never encoded.
    fn canonical_uri(&self, wire_path: &[u8], settings: &Settings) -> String {
        if !self.has(Flag::PathNotEncoded) {
            return Reference.canonical_uri(wire_path, settings);
        }
        let normalized = match settings.normalization {
            PathNormalization::Enabled => uri::normalize_path(wire_path),
            PathNormalization::Disabled if wire_path.is_empty() => b"/".to_vec(),
            PathNormalization::Disabled => wire_path.to_vec(),
        };
        String::from_utf8_lossy(&normalized).into_owned()
    }

    /// `query-plus-as-space`.
    fn decode_query(&self, bytes: &[u8]) -> Vec<u8> {
        if self.has(Flag::QueryPlusAsSpace) {
            let spaced: Vec<u8> = bytes
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
            Reference.decode_query(&spaced)
        } else {
            Reference.decode_query(bytes)
        }
    }

    /// `credential-slash-not-encoded`.
    fn encode_query_value(&self, key: &[u8], value: &[u8]) -> String {
        let encoded = Reference.encode_query_value(key, value);
        if self.has(Flag::CredentialSlashNotEncoded) && key == b"X-Amz-Credential" {
            encoded.replace("%2F", "/")
        } else {
            encoded
        }
    }

    /// `query-sorted-as-pairs`, `query-sorted-before-encoding`, `query-values-not-sorted`,
    /// `query-not-sorted`.
    fn sort_query(&self, pairs: &mut [QueryPair]) {
        if self.has(Flag::QuerySortedAsPairs) {
            pairs.sort_by(|a, b| {
                format!("{}={}", a.key, a.value).cmp(&format!("{}={}", b.key, b.value))
            });
        } else if self.has(Flag::QuerySortedBeforeEncoding) {
            pairs.sort_by(|a, b| (&a.raw_key, &a.raw_value).cmp(&(&b.raw_key, &b.raw_value)));
        } else if self.has(Flag::QueryValuesNotSorted) {
            pairs.sort_by(|a, b| a.key.cmp(&b.key));
        } else if !self.has(Flag::QueryNotSorted) {
            Reference.sort_query(pairs);
        }
    }

    /// `query-key-without-equals`.
    fn query_pair(&self, pair: &QueryPair) -> String {
        if self.has(Flag::QueryKeyWithoutEquals) && !pair.has_equals {
            pair.key.clone()
        } else {
            Reference.query_pair(pair)
        }
    }

    /// `percent-encoding-lowercase`.
    fn escapes(&self, encoded: String) -> String {
        if self.has(Flag::PercentEncodingLowercase) {
            lowercase_escapes(&encoded)
        } else {
            encoded
        }
    }

    /// `payload-hash-of-empty-body`.
    fn payload_hash(&self, settings: &Settings, body_sha256: &str) -> String {
        if self.has(Flag::PayloadHashOfEmptyBody) {
            hex::encode(Sha256::digest(b""))
        } else {
            Reference.payload_hash(settings, body_sha256)
        }
    }

    /// `payload-hash-missing`.
    fn payload_line<'h>(&self, hash: &'h str) -> &'h str {
        if self.has(Flag::PayloadHashMissing) {
            ""
        } else {
            hash
        }
    }

    /// `payload-hash-missing:header-kept`.
    fn payload_header<'h>(&self, hash: &'h str, line: &'h str) -> &'h str {
        if self.in_variant(Variant::PayloadHeaderKept) {
            hash
        } else {
            line
        }
    }

    /// `header-name-not-lowercased:own-headers-lowercase`.
    fn added_header_name(&self, name: &'static str) -> Cow<'static, str> {
        if self.in_variant(Variant::OwnHeadersLowercase) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    }

    /// `timestamp-not-utc:date-replaced`: the request's `X-Amz-Date` carries the signer's time.
    fn request_header(&self, header: &Header, amz_date: &str, mode: Mode) -> Option<Header> {
        (mode == Mode::Header && self.in_variant(Variant::DateReplaced) && header.is("x-amz-date"))
            .then(|| Header::new(&header.name, amz_date))
    }

    /// `header-name-not-lowercased`.
    fn header_name(&self, name: &str) -> String {
        if self.has(Flag::HeaderNameNotLowercased) {
            name.to_string()
        } else {
            Reference.header_name(name)
        }
    }

    /// `header-value-not-trimmed` (and `:folds-kept`), `header-value-not-collapsed`,
    /// `folded-values-joined-with-commas`.
    fn header_values(&self, header: &Header) -> Vec<Vec<u8>> {
        header_values(self, header)
    }

    /// `duplicate-headers-not-merged`.
    fn merges_repeated_headers(&self) -> bool {
        !self.has(Flag::DuplicateHeadersNotMerged)
    }

    /// `headers-not-sorted`.
    fn sort_headers(&self, lines: &mut [HeaderLine]) {
        if !self.has(Flag::HeadersNotSorted) {
            Reference.sort_headers(lines);
        }
    }

    /// `canonical-headers-missing-newline`.
    fn header_block_end(&self) -> &'static [u8] {
        if self.has(Flag::CanonicalHeadersMissingNewline) {
            b""
        } else {
            Reference.header_block_end()
        }
    }

    /// `canonical-request-crlf`: every `\n` written as `\r\n`.
    fn line_endings(&self, creq: &mut Vec<u8>, marks: &mut [usize]) {
        if !self.has(Flag::CanonicalRequestCrlf) {
            return;
        }
        for at in marks.iter_mut() {
            *at += creq
                .get(..*at)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        }
        let mut crlf = Vec::with_capacity(creq.len() + 16);
        for &b in creq.iter() {
            if b == b'\n' {
                crlf.push(b'\r');
            }
            crlf.push(b);
        }
        *creq = crlf;
    }

    /// `canonical-request-hash-uppercase`.
    fn hash_hex(&self, hash: &[u8; 32]) -> [u8; 64] {
        let mut hex = Reference.hash_hex(hash);
        if self.has(Flag::CanonicalRequestHashUppercase) {
            hex.make_ascii_uppercase();
        }
        hex
    }

    /// `string-to-sign-trailing-newline`.
    fn end_string_to_sign(&self, sts: &mut Vec<u8>) {
        if self.has(Flag::StringToSignTrailingNewline) {
            sts.push(b'\n');
        }
    }

    /// `secret-missing-aws4-prefix`.
    fn secret_prefix(&self) -> &'static str {
        if self.has(Flag::SecretMissingAws4Prefix) {
            ""
        } else {
            Reference.secret_prefix()
        }
    }

    /// `signing-key-hmac-arguments-swapped`.
    fn key_hmac(&self, key: &[u8], data: &[u8]) -> [u8; 32] {
        if self.has(Flag::SigningKeyHmacArgumentsSwapped) {
            hmac_sha256(data, key)
        } else {
            hmac_sha256(key, data)
        }
    }

    /// `signing-key-hex-chained`.
    fn chain_key(&self, mac: [u8; 32]) -> DerivedKey {
        if self.has(Flag::SigningKeyHexChained) {
            let mut hex = [0u8; 64];
            crate::sign::encoding::hex_fill(&mut hex, &mac);
            DerivedKey::Hex(hex)
        } else {
            DerivedKey::Mac(mac)
        }
    }

    /// `signature-key-hex` (the key is already hex when it was chained as hex).
    fn signature_key<'k>(&self, key: &'k [u8]) -> Cow<'k, [u8]> {
        if self.has(Flag::SignatureKeyHex) && !self.has(Flag::SigningKeyHexChained) {
            Cow::Owned(hex::encode(key).into_bytes())
        } else {
            Cow::Borrowed(key)
        }
    }

    /// `signature-hmac-arguments-swapped`.
    fn signature_hmac(&self, key: &[u8], string_to_sign: &[u8]) -> [u8; 32] {
        if self.has(Flag::SignatureHmacArgumentsSwapped) {
            hmac_sha256(string_to_sign, key)
        } else {
            hmac_sha256(key, string_to_sign)
        }
    }

    /// `signature-base64`, `signature-uppercase-hex`.
    fn signature_text(&self, mac: &[u8; 32], out: &mut [u8; 64]) -> usize {
        if self.has(Flag::SignatureBase64) {
            return base64::engine::general_purpose::STANDARD
                .encode_slice(mac, &mut out[..])
                .unwrap_or(0);
        }
        let len = Reference.signature_text(mac, out);
        if self.has(Flag::SignatureUppercaseHex) {
            out.make_ascii_uppercase();
        }
        len
    }

    /// `signature-base64:raw-in-url`.
    fn signature_in_url(&self, signature: &str) -> String {
        if self.in_variant(Variant::SignatureRawInUrl) {
            signature.to_string()
        } else {
            Reference.signature_in_url(signature)
        }
    }
}

/// Writes `%XY` escapes with lower-case hex.
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

/// A header's values as a signer making `m` writes them.
fn header_values(m: &Mistakes, header: &Header) -> Vec<Vec<u8>> {
    let plain = !m.has(Flag::HeaderValueNotTrimmed)
        && !m.has(Flag::HeaderValueNotCollapsed)
        && (!m.has(Flag::FoldedValuesJoinedWithCommas) || header.continuations.is_empty());
    if plain {
        return Reference.header_values(header);
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
