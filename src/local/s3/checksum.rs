//! The checksums S3 clients send (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256) and the MD5 behind
//! ETags: computed in one pass while a body streams to disk, then compared with what the request
//! claimed (in headers or aws-chunked trailers).

use std::collections::BTreeMap;

use md5::Digest as _;
use s3s::dto::{Checksum, ChecksumAlgorithm};
use s3s::{s3_error, S3Result};
use serde::{Deserialize, Serialize};

/// One checksum algorithm S3 knows. Ordered so stored maps serialise stably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum Algorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

pub(crate) const ALL_ALGORITHMS: [Algorithm; 5] =
    [Algorithm::Crc32, Algorithm::Crc32c, Algorithm::Crc64Nvme, Algorithm::Sha1, Algorithm::Sha256];

impl Algorithm {
    /// Parses S3's spelling (`CRC32`, `CRC64NVME`, `SHA256`…), case-insensitively.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            ChecksumAlgorithm::CRC32 => Some(Self::Crc32),
            ChecksumAlgorithm::CRC32C => Some(Self::Crc32c),
            ChecksumAlgorithm::CRC64NVME => Some(Self::Crc64Nvme),
            ChecksumAlgorithm::SHA1 => Some(Self::Sha1),
            ChecksumAlgorithm::SHA256 => Some(Self::Sha256),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Crc32 => ChecksumAlgorithm::CRC32,
            Self::Crc32c => ChecksumAlgorithm::CRC32C,
            Self::Crc64Nvme => ChecksumAlgorithm::CRC64NVME,
            Self::Sha1 => ChecksumAlgorithm::SHA1,
            Self::Sha256 => ChecksumAlgorithm::SHA256,
        }
    }

    /// The header (or aws-chunked trailer) carrying this checksum.
    pub(crate) fn header(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// CRC64NVME can only be a full-object checksum; the others default to composite for
    /// multipart uploads (S3's rules).
    pub(crate) fn default_multipart_type(self) -> ChecksumKind {
        match self {
            Self::Crc64Nvme => ChecksumKind::FullObject,
            _ => ChecksumKind::Composite,
        }
    }
}

/// How a multipart object's checksum is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ChecksumKind {
    /// Checksum of the whole object's bytes.
    FullObject,
    /// Checksum of the concatenated binary part checksums, suffixed `-<part count>`.
    Composite,
}

impl ChecksumKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::FullObject => s3s::dto::ChecksumType::FULL_OBJECT,
            Self::Composite => s3s::dto::ChecksumType::COMPOSITE,
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            s3s::dto::ChecksumType::FULL_OBJECT => Some(Self::FullObject),
            s3s::dto::ChecksumType::COMPOSITE => Some(Self::Composite),
            _ => None,
        }
    }
}

/// Checksum values as S3 shows them (base64 of the big-endian digest), by algorithm.
pub(crate) type Checksums = BTreeMap<Algorithm, String>;

enum Hasher {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Crc64Nvme(crc64fast_nvme::Digest),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Hasher {
    fn new(alg: Algorithm) -> Self {
        match alg {
            Algorithm::Crc32 => Self::Crc32(crc32fast::Hasher::new()),
            Algorithm::Crc32c => Self::Crc32c(0),
            Algorithm::Crc64Nvme => Self::Crc64Nvme(crc64fast_nvme::Digest::new()),
            Algorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Crc32(h) => h.update(data),
            Self::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            Self::Crc64Nvme(h) => h.write(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            Self::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Self::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            Self::Crc64Nvme(h) => h.sum64().to_be_bytes().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// MD5 (for the ETag) plus any set of checksum algorithms, fed in one pass.
pub(crate) struct BodyHasher {
    /// `None` where no ETag comes from these bytes (a completed multipart object's ETag is made
    /// from its parts' MD5s), so a 1 GiB completion does not spend seconds on an unused MD5.
    md5: Option<md5::Md5>,
    others: Vec<(Algorithm, Hasher)>,
}

/// What [`BodyHasher`] computed.
pub(crate) struct BodyDigest {
    /// All zeroes when the hasher was made without MD5.
    pub md5: [u8; 16],
    pub checksums: Checksums,
}

impl BodyHasher {
    /// MD5 and the given checksums.
    pub(crate) fn new(algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let mut h = Self::without_md5(algorithms);
        h.md5 = Some(md5::Md5::new());
        h
    }

    /// Only the given checksums.
    pub(crate) fn without_md5(algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let mut others: Vec<(Algorithm, Hasher)> = Vec::new();
        for alg in algorithms {
            if !others.iter().any(|(a, _)| *a == alg) {
                others.push((alg, Hasher::new(alg)));
            }
        }
        Self { md5: None, others }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        if let Some(m) = &mut self.md5 {
            m.update(data);
        }
        for (_, h) in &mut self.others {
            h.update(data);
        }
    }

    pub(crate) fn finalize(self) -> BodyDigest {
        let md5: [u8; 16] = self.md5.map(|m| m.finalize().into()).unwrap_or_default();
        let checksums = self.others.into_iter().map(|(alg, h)| (alg, b64(&h.finalize()))).collect();
        BodyDigest { md5, checksums }
    }
}

/// The checksum of the concatenated binary part checksums, as S3 forms a composite checksum
/// (without the `-N` suffix). `None` if a part value is not valid base64.
pub(crate) fn composite_of(alg: Algorithm, part_values: &[&str]) -> Option<String> {
    let mut h = Hasher::new(alg);
    for v in part_values {
        h.update(&base64_simd::STANDARD.decode_to_vec(v).ok()?);
    }
    Some(b64(&h.finalize()))
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(bytes)
}

/// Checksums a request claims, from its typed fields (s3s has parsed the headers).
pub(crate) fn claimed(c: &Checksum) -> Checksums {
    let mut out = Checksums::new();
    let pairs = [
        (Algorithm::Crc32, &c.checksum_crc32),
        (Algorithm::Crc32c, &c.checksum_crc32c),
        (Algorithm::Crc64Nvme, &c.checksum_crc64nvme),
        (Algorithm::Sha1, &c.checksum_sha1),
        (Algorithm::Sha256, &c.checksum_sha256),
    ];
    for (alg, v) in pairs {
        if let Some(v) = v {
            out.insert(alg, v.clone());
        }
    }
    out
}

/// Adds the checksums sent as aws-chunked trailers (known only once the body has been read).
pub(crate) fn add_trailers(claims: &mut Checksums, trailers: Option<&s3s::TrailingHeaders>) -> S3Result<()> {
    let Some(map) = trailers.and_then(s3s::TrailingHeaders::take) else { return Ok(()) };
    for alg in ALL_ALGORITHMS {
        if let Some(v) = map.get(alg.header()) {
            let v = v
                .to_str()
                .map_err(|_| s3_error!(InvalidArgument, "trailer {} is not ASCII", alg.header()))?;
            claims.insert(alg, v.to_owned());
        }
    }
    Ok(())
}

/// Algorithms a request will send as trailers, from its `x-amz-trailer` header, so they can be
/// hashed while the body streams (the values only arrive after it).
pub(crate) fn announced_trailers(headers: &hyper::HeaderMap) -> Vec<Algorithm> {
    headers
        .get_all("x-amz-trailer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| ALL_ALGORITHMS.into_iter().find(|a| a.header().eq_ignore_ascii_case(name.trim())))
        .collect()
}

/// Every claimed checksum must equal the computed one, else BadDigest (S3's answer).
pub(crate) fn verify(claims: &Checksums, computed: &Checksums) -> S3Result<()> {
    for (alg, claim) in claims {
        match computed.get(alg) {
            Some(actual) if actual == claim => {}
            Some(actual) => {
                return Err(s3_error!(
                    BadDigest,
                    "The {} you specified did not match the calculated checksum (sent {claim}, body has {actual})",
                    alg.as_str()
                ))
            }
            // Only a trailer that `x-amz-trailer` did not announce can get here.
            None => {
                return Err(s3_error!(
                    InvalidRequest,
                    "{} was sent as a trailer without being announced in x-amz-trailer",
                    alg.header()
                ))
            }
        }
    }
    Ok(())
}

/// Checks a `Content-MD5` header against the body's MD5.
pub(crate) fn verify_content_md5(content_md5: Option<&str>, md5: &[u8; 16]) -> S3Result<()> {
    let Some(claim) = content_md5 else { return Ok(()) };
    let claimed = base64_simd::STANDARD
        .decode_to_vec(claim)
        .map_err(|_| s3_error!(InvalidDigest, "Content-MD5 {claim:?} is not base64"))?;
    if claimed.as_slice() != md5 {
        return Err(s3_error!(BadDigest, "The Content-MD5 you specified did not match what we received"));
    }
    Ok(())
}

/// Fills the five checksum fields of an s3s output struct from stored values.
pub(crate) fn to_dto(values: &Checksums) -> Checksum {
    let get = |a| values.get(&a).cloned();
    Checksum {
        checksum_crc32: get(Algorithm::Crc32),
        checksum_crc32c: get(Algorithm::Crc32c),
        checksum_crc64nvme: get(Algorithm::Crc64Nvme),
        checksum_sha1: get(Algorithm::Sha1),
        checksum_sha256: get(Algorithm::Sha256),
        checksum_type: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // "123456789" is the standard check input; values from the CRC catalogue / FIPS 180.
        let mut h = BodyHasher::new(ALL_ALGORITHMS);
        h.update(b"1234");
        h.update(b"56789");
        let d = h.finalize();
        let hex_of = |a| hex::encode(base64_simd::STANDARD.decode_to_vec(&d.checksums[&a]).unwrap_or_default());
        assert_eq!(hex_of(Algorithm::Crc32), "cbf43926");
        assert_eq!(hex_of(Algorithm::Crc32c), "e3069283");
        assert_eq!(hex_of(Algorithm::Crc64Nvme), "ae8b14860a799888");
        assert_eq!(hex_of(Algorithm::Sha1), "f7c3bc1d808e04732adf679965ccc34ca7ae3441");
        assert_eq!(hex::encode(d.md5), "25f9e794323b453885f5181f1b624d0b");
    }

    #[test]
    fn trailer_header_names_are_recognised() {
        let mut h = hyper::HeaderMap::new();
        h.insert("x-amz-trailer", hyper::header::HeaderValue::from_static("x-amz-checksum-crc32c"));
        assert_eq!(announced_trailers(&h), vec![Algorithm::Crc32c]);
    }
}
