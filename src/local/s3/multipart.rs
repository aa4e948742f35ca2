//! Multipart uploads with S3's contract, which a resumable uploader depends on: parts listed
//! sorted and paginated with their ETags and checksums; Complete checks every part (InvalidPart,
//! InvalidPartOrder, EntityTooSmall); unknown, aborted or completed ids are NoSuchUpload.

use std::collections::BTreeMap;
use std::time::SystemTime;

use md5::Digest as _;
use s3s::dto::*;
use s3s::{s3_error, S3Request, S3Response, S3Result};
use tokio::io::AsyncReadExt as _;

use super::checksum::{self, Algorithm, BodyHasher, ChecksumKind};
use super::listing;
use super::body::receive_body;
use super::objects::{algorithms_for, claimed_checksums, etag, parse_algorithm, upload_attrs, Backend};
use super::store::{internal, no_such_upload, ObjectMeta, PartMeta, UploadMeta};
use crate::limits::{LOCAL_S3_IO_BUFFER_BYTES, LOCAL_S3_MAX_LIST_ENTRIES, LOCAL_S3_MAX_PART_NUMBER, LOCAL_S3_MIN_PART_SIZE_BYTES};

fn kind_dto(kind: Option<ChecksumKind>) -> Option<ChecksumType> {
    kind.map(|k| ChecksumType::from(k.as_str().to_owned()))
}

fn alg_dto(alg: Option<Algorithm>) -> Option<ChecksumAlgorithm> {
    alg.map(|a| ChecksumAlgorithm::from(a.as_str().to_owned()))
}

/// Strips the quotes clients keep around ETags.
fn bare_etag(e: &ETag) -> &str {
    e.value().trim_matches('"')
}

impl Backend {
    /// The upload, checked to belong to this bucket and key (S3 answers NoSuchUpload otherwise).
    async fn upload_for(&self, bucket: &str, key: &str, upload_id: &str) -> S3Result<UploadMeta> {
        let upload = self.store.upload(upload_id).await?;
        if upload.bucket != bucket || upload.key != key {
            return Err(no_such_upload(upload_id));
        }
        Ok(upload)
    }

    pub(crate) async fn create_multipart_upload_impl(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let input = req.input;
        self.store.require_bucket(&input.bucket).await?;
        let algorithm = input.checksum_algorithm.as_ref().map(|a| parse_algorithm(a.as_str())).transpose()?;
        let requested_kind = match &input.checksum_type {
            Some(t) => Some(
                ChecksumKind::parse(t.as_str())
                    .ok_or_else(|| s3_error!(InvalidRequest, "unknown checksum type {:?}", t.as_str()))?,
            ),
            None => None,
        };
        let kind = match (algorithm, requested_kind) {
            (None, Some(_)) => {
                return Err(s3_error!(InvalidRequest, "x-amz-checksum-type requires x-amz-checksum-algorithm"))
            }
            (None, None) => None,
            (Some(a), None) => Some(a.default_multipart_type()),
            // S3's rules: SHA checksums cannot be combined into a full-object one, CRC64NVME can
            // only be full-object.
            (Some(a @ (Algorithm::Sha1 | Algorithm::Sha256)), Some(ChecksumKind::FullObject))
            | (Some(a @ Algorithm::Crc64Nvme), Some(ChecksumKind::Composite)) => {
                return Err(s3_error!(
                    InvalidRequest,
                    "checksum type {} is not supported for {}",
                    requested_kind.map_or("", |k| k.as_str()),
                    a.as_str()
                ))
            }
            (Some(_), Some(k)) => Some(k),
        };
        let upload = UploadMeta {
            upload_id: uuid::Uuid::new_v4().simple().to_string(),
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            initiated: SystemTime::now(),
            attrs: upload_attrs(&input),
            checksum_algorithm: algorithm,
            checksum_kind: kind,
        };
        self.store.create_upload(&upload).await?;
        let output = CreateMultipartUploadOutput {
            bucket: Some(upload.bucket),
            key: Some(upload.key),
            upload_id: Some(upload.upload_id),
            checksum_algorithm: alg_dto(algorithm),
            checksum_type: kind_dto(kind),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn upload_part_impl(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        let input = req.input;
        if !(1..=LOCAL_S3_MAX_PART_NUMBER).contains(&input.part_number) {
            return Err(s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and {LOCAL_S3_MAX_PART_NUMBER}, inclusive (got {})",
                input.part_number
            ));
        }
        let upload = self.upload_for(&input.bucket, &input.key, &input.upload_id).await?;
        let mut claims = claimed_checksums!(input);
        let mut algs = algorithms_for(&claims, &req.headers, input.checksum_algorithm.as_ref())?;
        // The upload's own algorithm is always kept per part: Complete needs it.
        algs.extend(upload.checksum_algorithm);
        let (tmp, size_bytes, digest) = receive_body(&self.store, input.body, BodyHasher::new(algs)).await?;
        checksum::add_trailers(&mut claims, req.trailing_headers.as_ref())?;
        checksum::verify(&claims, &digest.checksums)?;
        checksum::verify_content_md5(input.content_md5.as_deref(), &digest.md5)?;
        if let Some(alg) = upload.checksum_algorithm {
            claims.entry(alg).or_insert_with(|| digest.checksums.get(&alg).cloned().unwrap_or_default());
        }
        let part = PartMeta {
            part_number: u32::try_from(input.part_number).map_err(|e| internal("part number", e))?,
            size_bytes,
            etag: hex::encode(digest.md5),
            last_modified: SystemTime::now(),
            checksums: claims,
            data_file: String::new(),
        };
        self.store.commit_part(&input.upload_id, part.clone(), tmp).await?;
        let c = checksum::to_dto(&part.checksums);
        let output = UploadPartOutput {
            e_tag: Some(etag(&part.etag)),
            checksum_crc32: c.checksum_crc32,
            checksum_crc32c: c.checksum_crc32c,
            checksum_crc64nvme: c.checksum_crc64nvme,
            checksum_sha1: c.checksum_sha1,
            checksum_sha256: c.checksum_sha256,
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn list_parts_impl(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        let input = req.input;
        let upload = self.upload_for(&input.bucket, &input.key, &input.upload_id).await?;
        let marker = input.part_number_marker.unwrap_or(0);
        let max = usize::try_from(input.max_parts.unwrap_or(1000)).unwrap_or(0).min(LOCAL_S3_MAX_LIST_ENTRIES);
        let mut rest: Vec<PartMeta> = self
            .store
            .list_parts(&input.upload_id)
            .await?
            .into_iter()
            .filter(|p| i64::from(p.part_number) > i64::from(marker))
            .collect();
        let truncated = max > 0 && rest.len() > max;
        rest.truncate(max);
        let next_marker = rest.last().and_then(|p| i32::try_from(p.part_number).ok());
        let parts = rest
            .iter()
            .map(|p| {
                let c = checksum::to_dto(&p.checksums);
                Part {
                    part_number: i32::try_from(p.part_number).ok(),
                    e_tag: Some(etag(&p.etag)),
                    size: i64::try_from(p.size_bytes).ok(),
                    last_modified: Some(p.last_modified.into()),
                    checksum_crc32: c.checksum_crc32,
                    checksum_crc32c: c.checksum_crc32c,
                    checksum_crc64nvme: c.checksum_crc64nvme,
                    checksum_sha1: c.checksum_sha1,
                    checksum_sha256: c.checksum_sha256,
                }
            })
            .collect();
        let output = ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(input.upload_id),
            part_number_marker: input.part_number_marker,
            next_part_number_marker: next_marker,
            max_parts: Some(i32::try_from(max).unwrap_or(1000)),
            is_truncated: Some(truncated),
            parts: Some(parts),
            checksum_algorithm: alg_dto(upload.checksum_algorithm),
            checksum_type: kind_dto(upload.checksum_kind),
            storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn list_multipart_uploads_impl(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let input = req.input;
        self.store.require_bucket(&input.bucket).await?;
        let mut uploads = self.store.list_uploads().await?;
        uploads.retain(|u| u.bucket == input.bucket);
        let max = usize::try_from(input.max_uploads.unwrap_or(1000)).unwrap_or(0).min(LOCAL_S3_MAX_LIST_ENTRIES);
        let (page, truncated) = listing::uploads_page(
            uploads,
            input.prefix.as_deref().unwrap_or(""),
            input.key_marker.as_deref(),
            input.upload_id_marker.as_deref(),
            max,
        );
        let (next_key, next_id) = match page.last().filter(|_| truncated) {
            Some(u) => (Some(u.key.clone()), Some(u.upload_id.clone())),
            None => (None, None),
        };
        let list = page
            .into_iter()
            .map(|u| MultipartUpload {
                key: Some(u.key),
                upload_id: Some(u.upload_id),
                initiated: Some(u.initiated.into()),
                checksum_algorithm: alg_dto(u.checksum_algorithm),
                checksum_type: kind_dto(u.checksum_kind),
                storage_class: Some(StorageClass::from_static(StorageClass::STANDARD)),
                ..Default::default()
            })
            .collect();
        let output = ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: input.prefix,
            key_marker: input.key_marker,
            upload_id_marker: input.upload_id_marker,
            next_key_marker: next_key,
            next_upload_id_marker: next_id,
            max_uploads: Some(i32::try_from(max).unwrap_or(1000)),
            is_truncated: Some(truncated),
            uploads: Some(list),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn abort_multipart_upload_impl(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = req.input;
        self.upload_for(&input.bucket, &input.key, &input.upload_id).await?;
        if !self.store.remove_upload(&input.upload_id).await? {
            return Err(no_such_upload(&input.upload_id));
        }
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    pub(crate) async fn complete_multipart_upload_impl(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = req.input;
        let upload = self.upload_for(&input.bucket, &input.key, &input.upload_id).await?;
        let requested = input.multipart_upload.as_ref().and_then(|m| m.parts.as_deref()).unwrap_or_default();
        if requested.is_empty() {
            return Err(s3_error!(InvalidRequest, "You must specify at least one part"));
        }
        let stored: BTreeMap<u32, PartMeta> =
            self.store.list_parts(&input.upload_id).await?.into_iter().map(|p| (p.part_number, p)).collect();
        let chosen = check_requested_parts(requested, &stored)?;

        // The object is the parts' files themselves (linked on commit, never copied); only a
        // full-object checksum needs their bytes read (CRC64NVME by default when the upload
        // declared none, as S3 does).
        let full_alg = match (upload.checksum_algorithm, upload.checksum_kind) {
            (Some(a), Some(ChecksumKind::FullObject)) => Some(a),
            (None, _) => Some(Algorithm::Crc64Nvme),
            _ => None,
        };
        let mut paths = Vec::with_capacity(chosen.len());
        for part in &chosen {
            paths.push(self.store.part_data_path(&input.upload_id, part)?);
        }
        let size_bytes: u64 = chosen.iter().map(|p| p.size_bytes).sum();
        let mut hasher = BodyHasher::without_md5(full_alg);
        if full_alg.is_some() {
            let mut buf = vec![0u8; LOCAL_S3_IO_BUFFER_BYTES];
            for path in &paths {
                let mut file = tokio::fs::File::open(path).await.map_err(|e| internal("open part data", e))?;
                loop {
                    let n = file.read(&mut buf).await.map_err(|e| internal("read part data", e))?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
            }
        }
        let whole = hasher.finalize();

        if let Some(expected) = input.mpu_object_size {
            if u64::try_from(expected).ok() != Some(size_bytes) {
                return Err(s3_error!(
                    InvalidRequest,
                    "x-amz-mp-object-size {expected} does not match the parts' total {size_bytes}"
                ));
            }
        }

        // ETag: MD5 of the concatenated binary part MD5s, then `-<part count>`.
        let mut etag_md5 = md5::Md5::new();
        for part in &chosen {
            etag_md5.update(hex::decode(&part.etag).map_err(|e| internal("stored part ETag", e))?);
        }
        let count = chosen.len();
        let object_etag = format!("{}-{count}", hex::encode(etag_md5.finalize()));

        let mut checksums = checksum::Checksums::new();
        let kind = upload.checksum_kind.unwrap_or(ChecksumKind::FullObject);
        match (kind, upload.checksum_algorithm) {
            (ChecksumKind::Composite, Some(alg)) => {
                let values: Vec<&str> = chosen
                    .iter()
                    .map(|p| {
                        p.checksums.get(&alg).map(String::as_str).ok_or_else(|| {
                            s3_error!(InvalidPart, "part {} was uploaded without a {} checksum", p.part_number, alg.as_str())
                        })
                    })
                    .collect::<S3Result<_>>()?;
                let value = checksum::composite_of(alg, &values)
                    .ok_or_else(|| s3_error!(InternalError, "stored part checksum is not base64"))?;
                checksums.insert(alg, format!("{value}-{count}"));
            }
            _ => checksums.extend(whole.checksums),
        }
        // A whole-object checksum the client sent with Complete must match ours.
        for (alg, claim) in claimed_checksums!(input) {
            let ours = checksums.get(&alg).map(|v| v.split('-').next().unwrap_or(v));
            if ours != Some(claim.split('-').next().unwrap_or(&claim)) {
                return Err(s3_error!(BadDigest, "The {} you specified for the object did not match", alg.as_str()));
            }
        }

        let meta = ObjectMeta {
            key: upload.key.clone(),
            size_bytes,
            etag: object_etag,
            last_modified: SystemTime::now(),
            attrs: upload.attrs.clone(),
            checksums,
            checksum_kind: Some(kind),
            parts_count: u32::try_from(count).ok(),
            part_sizes_bytes: chosen.iter().map(|p| p.size_bytes).collect(),
            data_file: String::new(),
            part_files: Vec::new(),
        };
        self.store.commit_linked(&input.bucket, meta.clone(), &paths, Some(&input.upload_id)).await?;
        self.publish(&input.bucket, &meta);

        let c = checksum::to_dto(&meta.checksums);
        let output = CompleteMultipartUploadOutput {
            bucket: Some(input.bucket.clone()),
            key: Some(meta.key.clone()),
            location: Some(format!("/{}/{}", input.bucket, meta.key)),
            e_tag: Some(etag(&meta.etag)),
            checksum_crc32: c.checksum_crc32,
            checksum_crc32c: c.checksum_crc32c,
            checksum_crc64nvme: c.checksum_crc64nvme,
            checksum_sha1: c.checksum_sha1,
            checksum_sha256: c.checksum_sha256,
            checksum_type: kind_dto(Some(kind)),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }
}

/// Validates the part list of a Complete request against the stored parts, in S3's order of
/// checks, and returns the chosen parts in order.
fn check_requested_parts<'a>(requested: &[CompletedPart], stored: &'a BTreeMap<u32, PartMeta>) -> S3Result<Vec<&'a PartMeta>> {
    let mut chosen: Vec<&PartMeta> = Vec::with_capacity(requested.len());
    let mut previous: Option<i32> = None;
    for p in requested {
        let number = p.part_number.ok_or_else(|| s3_error!(InvalidPart, "a part in the list has no PartNumber"))?;
        if previous.is_some_and(|prev| number <= prev) {
            return Err(s3_error!(
                InvalidPartOrder,
                "The list of parts was not in ascending order: part {number} follows part {}",
                previous.unwrap_or_default()
            ));
        }
        previous = Some(number);
        let part = u32::try_from(number)
            .ok()
            .and_then(|n| stored.get(&n))
            .ok_or_else(|| s3_error!(InvalidPart, "One or more of the specified parts could not be found: part {number} was never uploaded"))?;
        match &p.e_tag {
            Some(e) if bare_etag(e) == part.etag => {}
            Some(e) => {
                return Err(s3_error!(
                    InvalidPart,
                    "part {number}: ETag {:?} does not match the uploaded part's ETag \"{}\"",
                    bare_etag(e),
                    part.etag
                ))
            }
            None => return Err(s3_error!(InvalidPart, "part {number} has no ETag")),
        }
        for (alg, claim) in claimed_checksums!(p) {
            if part.checksums.get(&alg) != Some(&claim) {
                return Err(s3_error!(InvalidPart, "part {number}: {} checksum does not match the uploaded part", alg.as_str()));
            }
        }
        chosen.push(part);
    }
    if let Some((_, all_but_last)) = chosen.split_last() {
        if let Some(small) = all_but_last.iter().find(|p| p.size_bytes < LOCAL_S3_MIN_PART_SIZE_BYTES) {
            return Err(s3_error!(
                EntityTooSmall,
                "Your proposed upload is smaller than the minimum allowed size: part {} is {} bytes, parts but the last must be at least {LOCAL_S3_MIN_PART_SIZE_BYTES}",
                small.part_number,
                small.size_bytes
            ));
        }
    }
    Ok(chosen)
}
