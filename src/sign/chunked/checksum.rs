//! The flexible checksums an `aws-chunked` upload sends as a trailer (`x-amz-checksum-*`):
//! base64 of the big-endian checksum of the decoded payload.
//!
//! CRC32 (ISO-HDLC), CRC32C (Castagnoli, iSCSI) and CRC64NVME come from the `crc` crate's
//! catalogue (the same parameters the AWS SDKs use); SHA-256 from `sha2`.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;

static CRC32: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);
static CRC32C: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);
static CRC64NVME: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_NVME);

/// A checksum algorithm S3 accepts in a trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    /// `x-amz-checksum-crc32`: CRC-32/ISO-HDLC (zlib's), 4 bytes.
    Crc32,
    /// `x-amz-checksum-crc32c`: CRC-32C (Castagnoli), 4 bytes.
    Crc32c,
    /// `x-amz-checksum-crc64nvme`: CRC-64/NVME, 8 bytes; the SDKs' default since 2025.
    Crc64Nvme,
    /// `x-amz-checksum-sha256`: SHA-256, 32 bytes.
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every algorithm.
    pub const ALL: [ChecksumAlgorithm; 4] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha256,
    ];

    /// The trailer (and header) name, lower case.
    pub fn header_name(&self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The algorithm a header name (any case) names.
    pub fn from_header_name(name: &str) -> Option<ChecksumAlgorithm> {
        ChecksumAlgorithm::ALL
            .into_iter()
            .find(|a| a.header_name().eq_ignore_ascii_case(name))
    }

    /// A running checksum, for a payload that arrives in pieces.
    pub fn hasher(&self) -> ChecksumHasher {
        ChecksumHasher(match self {
            ChecksumAlgorithm::Crc32 => Running::Crc32(CRC32.digest()),
            ChecksumAlgorithm::Crc32c => Running::Crc32c(CRC32C.digest()),
            ChecksumAlgorithm::Crc64Nvme => Running::Crc64(CRC64NVME.digest()),
            ChecksumAlgorithm::Sha256 => Running::Sha256(Sha256::new()),
        })
    }

    /// The trailer value of `payload`: base64 of the big-endian checksum.
    pub fn of(&self, payload: &[u8]) -> String {
        let mut hasher = self.hasher();
        hasher.update(payload);
        hasher.finish()
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_name())
    }
}

enum Running {
    Crc32(crc::Digest<'static, u32, crc::Table<16>>),
    Crc32c(crc::Digest<'static, u32, crc::Table<16>>),
    Crc64(crc::Digest<'static, u64, crc::Table<16>>),
    Sha256(Sha256),
}

/// A checksum being computed (see [`ChecksumAlgorithm::hasher`]).
pub struct ChecksumHasher(Running);

impl ChecksumHasher {
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            Running::Crc32(d) | Running::Crc32c(d) => d.update(bytes),
            Running::Crc64(d) => d.update(bytes),
            Running::Sha256(d) => d.update(bytes),
        }
    }

    /// The trailer value: base64 of the big-endian checksum.
    pub fn finish(self) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        match self.0 {
            Running::Crc32(d) | Running::Crc32c(d) => engine.encode(d.finalize().to_be_bytes()),
            Running::Crc64(d) => engine.encode(d.finalize().to_be_bytes()),
            Running::Sha256(d) => engine.encode(d.finalize()),
        }
    }
}

impl fmt::Debug for ChecksumHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChecksumHasher")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_values() {
        // aws-c-auth tests/test_chunked_signing.c: the CRC32C of "a" is `wdBDMA==`; the check
        // values of the CRC catalogue ("123456789"); the SHA-256 of nothing.
        let cases: &[(ChecksumAlgorithm, &[u8], &str)] = &[
            (ChecksumAlgorithm::Crc32c, b"a", "wdBDMA=="),
            (ChecksumAlgorithm::Crc32, b"123456789", "y/Q5Jg=="),
            (ChecksumAlgorithm::Crc32c, b"123456789", "4waSgw=="),
            (ChecksumAlgorithm::Crc64Nvme, b"123456789", "rosUhgp5mIg="),
            (
                ChecksumAlgorithm::Sha256,
                b"",
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            ),
        ];
        for (algorithm, payload, want) in cases {
            assert_eq!(algorithm.of(payload), *want, "{algorithm}");
        }
    }

    #[test]
    fn running_equals_whole_and_names_round_trip() {
        let payload: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        for algorithm in ChecksumAlgorithm::ALL {
            let mut hasher = algorithm.hasher();
            for piece in payload.chunks(8_191) {
                hasher.update(piece);
            }
            assert_eq!(hasher.finish(), algorithm.of(&payload));
            assert_eq!(
                ChecksumAlgorithm::from_header_name(&algorithm.header_name().to_uppercase()),
                Some(algorithm)
            );
        }
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-md5"),
            None
        );
    }
}
