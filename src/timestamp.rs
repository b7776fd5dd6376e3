//! Signing time: RFC 3339 in, SigV4's `YYYYMMDD'T'HHMMSS'Z'` (always UTC) out.
//!
//! A hand-written parser: the format is small and fixed, and the signer must never read the
//! clock or a time zone (local time instead of UTC is one of the classic signer mistakes). Only
//! the tool around it reads the clock, with [`Timestamp::now`]: report times and the verifying
//! server.

use std::fmt;

/// An instant in UTC, to the second. Its `X-Amz-Date` text is formatted once, when it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    seconds: i64,
    amz: [u8; 16],
}

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    /// The text that was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timestamp {:?} is not RFC 3339 (`2015-08-30T12:36:00Z`): {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for TimestampError {}

/// Days from 1970-01-01 to the given civil date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn number(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0i64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(i64::from(b - b'0'))
    })
}

impl Timestamp {
    /// Parses RFC 3339 (`2015-08-30T12:36:00Z`, `2015-08-30T14:36:00+02:00`, fractions of a
    /// second are dropped). An offset other than `Z` is converted to UTC.
    pub fn parse_rfc3339(input: &str) -> Result<Timestamp, TimestampError> {
        let err = |reason| TimestampError {
            input: input.to_string(),
            reason,
        };
        let b = input.as_bytes();
        if b.len() < 20 {
            return Err(err("too short"));
        }
        // The fixed-width `YYYY-MM-DDTHH:MM:SS`, then the fraction and the offset.
        let Some((head, rest)) = b.split_first_chunk::<19>() else {
            return Err(err("too short"));
        };
        if head[4] != b'-'
            || head[7] != b'-'
            || !matches!(head[10], b'T' | b't')
            || head[13] != b':'
            || head[16] != b':'
        {
            return Err(err(
                "expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset",
            ));
        }
        let field =
            |digits: &[u8]| number(digits).ok_or(err("a date or time field is not a number"));
        let (year, month, day) = (
            field(&head[0..4])?,
            field(&head[5..7])?,
            field(&head[8..10])?,
        );
        let (hour, minute, second) = (
            field(&head[11..13])?,
            field(&head[14..16])?,
            field(&head[17..19])?,
        );
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(err("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(err("no such time of day"));
        }
        let mut rest = rest;
        if let Some((b'.', fraction)) = rest.split_first() {
            let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(err("a '.' must be followed by fractional seconds"));
            }
            rest = fraction.get(digits..).unwrap_or_default();
        }
        let offset = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let hours = number(&[*h1, *h2]).ok_or(err("bad offset"))?;
                let minutes = number(&[*m1, *m2]).ok_or(err("bad offset"))?;
                if hours > 23 || minutes > 59 {
                    return Err(err("bad offset"));
                }
                let total = hours * 3600 + minutes * 60;
                if *sign == b'+' {
                    total
                } else {
                    -total
                }
            }
            _ => return Err(err("expected Z or an offset such as +00:00 after the time")),
        };
        let seconds =
            days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
        // An offset can carry 9999-12-31 or 0000-01-01 across a year that X-Amz-Date's four
        // digits cannot write.
        if !(0..=9999).contains(&civil_parts(seconds).0) {
            return Err(err("in UTC it falls outside the years 0000 to 9999"));
        }
        Ok(Timestamp::from_unix(seconds))
    }

    /// The system clock, to the second (never used by the signer: a case's time is its
    /// context's).
    pub fn now() -> Timestamp {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_unix(seconds)
    }

    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    pub fn from_unix(seconds: i64) -> Timestamp {
        let mut amz = [b'0'; 16];
        if let Some(bytes) = format_amz(seconds).as_bytes().get(..16) {
            amz.copy_from_slice(bytes);
        }
        Timestamp { seconds, amz }
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` without allocating (years outside 0..=9999 are cut to 16
    /// characters here; use [`Timestamp::amz_date`] for them).
    pub fn amz_str(&self) -> &str {
        // Only ASCII digits, 'T' and 'Z' were written.
        std::str::from_utf8(&self.amz).unwrap_or_default()
    }

    /// Parses SigV4's basic format `20150830T123600Z`.
    pub fn parse_amz(input: &str) -> Result<Timestamp, TimestampError> {
        let b = input.as_bytes();
        let err = |reason| TimestampError {
            input: input.to_string(),
            reason,
        };
        if !input.is_ascii() || b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z')
        {
            return Err(err("expected YYYYMMDDTHHMMSSZ"));
        }
        let part = |range: std::ops::Range<usize>| input.get(range).unwrap_or_default();
        let rfc = format!(
            "{}-{}-{}T{}:{}:{}Z",
            part(0..4),
            part(4..6),
            part(6..8),
            part(9..11),
            part(11..13),
            part(13..15)
        );
        Timestamp::parse_rfc3339(&rfc).map_err(|e| err(e.reason))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        self.seconds
    }

    /// `YYYYMMDD'T'HHMMSS'Z'`, the `X-Amz-Date` format.
    pub fn amz_date(&self) -> String {
        format_amz(self.seconds)
    }

    /// `YYYYMMDD`, the date of the credential scope.
    pub fn scope_date(&self) -> String {
        let (y, m, d, ..) = civil_parts(self.seconds);
        format!("{y:04}{m:02}{d:02}")
    }

    /// RFC 3339 in UTC, `2015-08-30T12:36:00Z`.
    pub fn rfc3339(&self) -> String {
        let (y, mo, d, h, mi, s) = civil_parts(self.seconds);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// Year, month, day, hour, minute and second (UTC) of `seconds` after the epoch.
fn civil_parts(seconds: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = seconds.div_euclid(86400);
    let secs = seconds.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `YYYYMMDD'T'HHMMSS'Z'` of `seconds` after the epoch (years outside 0..=9999 keep their
/// digits).
fn format_amz(seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = civil_parts(seconds);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

impl fmt::Display for Timestamp {
    /// Writes the `X-Amz-Date` format, `20150830T123600Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.amz_date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let cases = [
            ("2015-08-30T12:36:00Z", "20150830T123600Z", "20150830"),
            ("2015-08-30T14:36:00+02:00", "20150830T123600Z", "20150830"),
            ("2015-08-30T23:59:59.999Z", "20150830T235959Z", "20150830"),
            ("2016-01-01T00:30:00+01:00", "20151231T233000Z", "20151231"),
            ("2016-02-29T12:00:00Z", "20160229T120000Z", "20160229"),
            ("1970-01-01T00:00:00Z", "19700101T000000Z", "19700101"),
            ("2013-05-24T00:00:00Z", "20130524T000000Z", "20130524"),
            ("9999-12-31T23:00:00+02:00", "99991231T210000Z", "99991231"),
        ];
        for (input, amz, date) in cases {
            let t = Timestamp::parse_rfc3339(input).unwrap();
            assert_eq!(t.amz_date(), amz, "{input}");
            assert_eq!(t.scope_date(), date, "{input}");
            assert_eq!(Timestamp::parse_amz(amz).unwrap(), t);
            assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339()).unwrap(), t);
        }
        // Beyond year 9999 (an expiry computed from a late time) the year keeps its digits.
        let late = Timestamp::from_unix(253_402_300_800);
        assert_eq!(late.amz_date(), "100000101T000000Z");
        assert_eq!(late.scope_date(), "100000101");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "2015-08-30",
            "2015-08-30 12:36:00Z",
            "2015-08-30T12:36:00",
            "2015-02-29T12:36:00Z",
            "2015-13-01T12:36:00Z",
            "2015-08-30T24:00:00Z",
            "2015-08-30T12:36:00+0200",
            "2015-08-30T12:36:00.Z",
            "20150830T123600Z",
            "２015-08-30T12:36:00Z",
            "9999-12-31T23:00:00-02:00",
            "0000-01-01T00:30:00+01:00",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
        for bad in ["2015083OT123600Z", "２0150830T12360Z", "20150830T1236000"] {
            assert!(Timestamp::parse_amz(bad).is_err(), "{bad}");
        }
    }
}
