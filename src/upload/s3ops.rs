//! The multipart contract on aws-sdk-s3 — create, upload part, list parts, complete, abort, head —
//! each returning our own types, so the driver never touches SDK error plumbing.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};

use super::error::S3Failure;
use crate::limits::{UPLOAD_LIST_PARTS_PAGE, UPLOAD_STREAM_BUFFER_BYTES};
use crate::queue::PartRecord;

/// A part as the server lists it.
#[derive(Debug, Clone)]
pub(crate) struct ServerPart {
    pub part_number: u32,
    pub size_bytes: u64,
    pub etag: String,
    pub checksum: Option<String>,
}

/// What HeadObject says of a finished object.
#[derive(Debug, Clone)]
pub(crate) struct ObjectHead {
    pub size_bytes: u64,
    pub etag: String,
    pub checksum_crc32c: Option<String>,
}

pub(crate) struct S3Ops<'a> {
    pub client: &'a aws_sdk_s3::Client,
    pub bucket: &'a str,
    pub key: &'a str,
}

impl S3Ops<'_> {
    pub async fn create(&self, content_type: Option<&str>, metadata: &[(String, String)]) -> Result<String, S3Failure> {
        let mut req = self
            .client
            .create_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .checksum_algorithm(ChecksumAlgorithm::Crc32C);
        if let Some(ct) = content_type {
            req = req.content_type(ct);
        }
        for (k, v) in metadata {
            req = req.metadata(k, v);
        }
        let out = req.send().await.map_err(|e| S3Failure::from_sdk("CreateMultipartUpload", e))?;
        out.upload_id.ok_or_else(|| missing("CreateMultipartUpload", "UploadId"))
    }

    /// Uploads bytes `offset..offset+len` of `file` as part `part_number`, streamed from disk
    /// (memory per part in flight is one small buffer, whatever the part size).
    pub async fn upload_part(
        &self,
        upload_id: &str,
        part_number: u32,
        file: &Path,
        offset: u64,
        len: u64,
        checksum_crc32c: &str,
    ) -> Result<(String, Option<String>), S3Failure> {
        let op = format!("UploadPart {part_number}");
        let body = ByteStream::read_from()
            .path(file)
            .offset(offset)
            .length(Length::Exact(len))
            .buffer_size(UPLOAD_STREAM_BUFFER_BYTES)
            .build()
            .await
            .map_err(|e| S3Failure {
                operation: op.clone(),
                kind: super::error::S3FailureKind::Other,
                code: None,
                status: None,
                message: format!("cannot read {}: {e}", file.display()),
            })?;
        let out = self
            .client
            .upload_part()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(upload_id)
            .part_number(part_number as i32)
            .content_length(len as i64)
            .checksum_crc32_c(checksum_crc32c)
            .body(body)
            .customize()
            // The part's CRC32C header, which the server verifies (BadDigest otherwise), already
            // guards the bytes end to end; signing the payload too would cost a SHA-256 pass over
            // every byte for no added integrity. Headers, including that checksum, stay signed.
            .disable_payload_signing()
            .send()
            .await
            .map_err(|e| S3Failure::from_sdk(op.clone(), e))?;
        let etag = out.e_tag.ok_or_else(|| missing(&op, "ETag"))?;
        Ok((etag, out.checksum_crc32_c))
    }

    /// Every part the server holds, across pages.
    pub async fn list_parts(&self, upload_id: &str) -> Result<Vec<ServerPart>, S3Failure> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(self.bucket)
                .key(self.key)
                .upload_id(upload_id)
                .max_parts(UPLOAD_LIST_PARTS_PAGE)
                .set_part_number_marker(marker.clone())
                .send()
                .await
                .map_err(|e| S3Failure::from_sdk("ListParts", e))?;
            for p in out.parts() {
                let (Some(n), Some(etag)) = (p.part_number, p.e_tag.clone()) else { continue };
                parts.push(ServerPart {
                    part_number: n.max(0) as u32,
                    size_bytes: p.size.unwrap_or(0).max(0) as u64,
                    etag,
                    checksum: p.checksum_crc32_c.clone(),
                });
            }
            match (out.is_truncated.unwrap_or(false), out.next_part_number_marker) {
                (true, Some(next)) if Some(&next) != marker.as_ref() => marker = Some(next),
                _ => break,
            }
        }
        Ok(parts)
    }

    pub async fn complete(&self, upload_id: &str, parts: &[PartRecord]) -> Result<String, S3Failure> {
        let completed: Vec<CompletedPart> = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(p.part_number as i32)
                    .e_tag(&p.etag)
                    .checksum_crc32_c(&p.checksum)
                    .build()
            })
            .collect();
        let out = self
            .client
            .complete_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build())
            .send()
            .await
            .map_err(|e| S3Failure::from_sdk("CompleteMultipartUpload", e))?;
        Ok(out.e_tag.unwrap_or_default())
    }

    pub async fn abort(&self, upload_id: &str) -> Result<(), S3Failure> {
        self.client
            .abort_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| S3Failure::from_sdk("AbortMultipartUpload", e))?;
        Ok(())
    }

    pub async fn head(&self) -> Result<ObjectHead, S3Failure> {
        let out = self
            .client
            .head_object()
            .bucket(self.bucket)
            .key(self.key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| S3Failure::from_sdk("HeadObject", e))?;
        Ok(ObjectHead {
            size_bytes: out.content_length.unwrap_or(0).max(0) as u64,
            etag: out.e_tag.unwrap_or_default(),
            checksum_crc32c: out.checksum_crc32_c,
        })
    }
}

fn missing(op: &str, what: &str) -> S3Failure {
    S3Failure {
        operation: op.to_string(),
        kind: super::error::S3FailureKind::Other,
        code: None,
        status: None,
        message: format!("the server's answer has no {what}"),
    }
}

/// CRC32C of bytes `offset..offset+len` of `file`, read in small chunks. Blocking.
pub(crate) fn crc32c_of_range(file: &Path, offset: u64, len: u64) -> std::io::Result<String> {
    let mut f = std::fs::File::open(file)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut reader = f.take(len);
    let mut buf = vec![0u8; UPLOAD_STREAM_BUFFER_BYTES];
    let (mut crc, mut read) = (0u32, 0u64);
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        crc = crc32c::crc32c_append(crc, &buf[..n]);
        read += n as u64;
    }
    if read != len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("expected {len} bytes at offset {offset}, the file has {read}: it shrank"),
        ));
    }
    Ok(base64_simd::STANDARD.encode_to_string(crc.to_be_bytes()))
}

/// CRC32C of `data` as S3 writes it: base64 of the big-endian 4 bytes.
pub(crate) fn crc32c_b64(data: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(crc32c::crc32c(data).to_be_bytes())
}

/// The composite checksum S3 reports for a multipart object: CRC32C over the parts' raw CRC32Cs,
/// then `-<parts>`.
pub(crate) fn composite_crc32c(part_checksums: &[String]) -> Option<String> {
    let mut raw = Vec::with_capacity(part_checksums.len() * 4);
    for c in part_checksums {
        raw.extend(base64_simd::STANDARD.decode_to_vec(c).ok()?);
    }
    Some(format!("{}-{}", crc32c_b64(&raw), part_checksums.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_published_check_value() {
        // CRC-32C of "123456789" is 0xE3069283.
        assert_eq!(crc32c_b64(b"123456789"), base64_simd::STANDARD.encode_to_string([0xE3, 0x06, 0x92, 0x83]));
    }

    #[test]
    fn range_checksum_equals_the_in_memory_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        assert_eq!(crc32c_of_range(&path, 1000, 600_000).unwrap(), crc32c_b64(&data[1000..601_000]));
        assert!(crc32c_of_range(&path, 900_000, 200_000).is_err(), "past the end");
    }

    #[test]
    fn composite_checksum_has_the_part_count() {
        let parts = vec![crc32c_b64(b"a"), crc32c_b64(b"b")];
        let c = composite_crc32c(&parts).unwrap();
        assert!(c.ends_with("-2"));
        assert!(composite_crc32c(&["not base64!".into()]).is_none());
    }
}
