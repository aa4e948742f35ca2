//! Buckets and single-request objects: put (streamed, checksummed), get (ranges), head, copy,
//! delete and listing.

use std::time::SystemTime;

use s3s::dto::*;
use s3s::{s3_error, S3Request, S3Response, S3Result};
use tokio::sync::broadcast;

use super::body::receive_body;
use super::checksum::{self, Algorithm, BodyHasher, ChecksumKind, Checksums};
use super::listing;
use super::store::{internal, ObjectAttrs, ObjectMeta, Store};
use super::ObjectCreated;
use crate::limits::LOCAL_S3_MAX_LIST_ENTRIES;

/// The `s3s::S3` backend: state on disk plus the event channel.
pub(crate) struct Backend {
    pub(crate) store: Store,
    pub(crate) events: broadcast::Sender<ObjectCreated>,
}

/// The five `checksum_*` fields of an s3s input, as a `Checksum` (inputs share the field names).
macro_rules! claimed_checksums {
    ($input:expr) => {
        $crate::local::s3::checksum::claimed(&s3s::dto::Checksum {
            checksum_crc32: $input.checksum_crc32.clone(),
            checksum_crc32c: $input.checksum_crc32c.clone(),
            checksum_crc64nvme: $input.checksum_crc64nvme.clone(),
            checksum_sha1: $input.checksum_sha1.clone(),
            checksum_sha256: $input.checksum_sha256.clone(),
            checksum_type: None,
        })
    };
}
pub(crate) use claimed_checksums;

/// Algorithms to hash for a body: those claimed in headers, announced as trailers, or declared.
pub(crate) fn algorithms_for(
    claims: &Checksums,
    headers: &hyper::HeaderMap,
    declared: Option<&ChecksumAlgorithm>,
) -> S3Result<Vec<Algorithm>> {
    let mut algs: Vec<Algorithm> = claims.keys().copied().collect();
    algs.extend(checksum::announced_trailers(headers));
    if let Some(d) = declared {
        algs.push(parse_algorithm(d.as_str())?);
    }
    Ok(algs)
}

pub(crate) fn parse_algorithm(s: &str) -> S3Result<Algorithm> {
    Algorithm::parse(s).ok_or_else(|| s3_error!(InvalidRequest, "unsupported checksum algorithm {s:?}"))
}

pub(crate) fn etag(hex: &str) -> ETag {
    ETag::Strong(hex.to_owned())
}

fn attrs_of(
    content_type: Option<String>,
    content_encoding: Option<String>,
    content_disposition: Option<String>,
    content_language: Option<String>,
    cache_control: Option<String>,
    metadata: Option<Metadata>,
) -> ObjectAttrs {
    ObjectAttrs {
        content_type,
        content_encoding,
        content_disposition,
        content_language,
        cache_control,
        user_metadata: metadata.unwrap_or_default().into_iter().collect(),
    }
}

pub(crate) fn upload_attrs(input: &CreateMultipartUploadInput) -> ObjectAttrs {
    attrs_of(
        input.content_type.clone(),
        input.content_encoding.clone(),
        input.content_disposition.clone(),
        input.content_language.clone(),
        input.cache_control.clone(),
        input.metadata.clone(),
    )
}

fn user_metadata(attrs: &ObjectAttrs) -> Option<Metadata> {
    (!attrs.user_metadata.is_empty()).then(|| attrs.user_metadata.clone().into_iter().collect())
}

/// Checksum fields S3 shows for a stored object, only when the client asked (`x-amz-checksum-mode:
/// ENABLED`) and the whole object is returned.
fn shown_checksums(meta: &ObjectMeta, mode: Option<&ChecksumMode>, whole: bool) -> Checksum {
    if !whole || mode.is_none_or(|m| !m.as_str().eq_ignore_ascii_case(ChecksumMode::ENABLED)) {
        return Checksum::default();
    }
    let mut c = checksum::to_dto(&meta.checksums);
    c.checksum_type = meta.checksum_kind.map(|k| ChecksumType::from(k.as_str().to_owned()));
    c
}

impl Backend {
    pub(crate) fn publish(&self, bucket: &str, meta: &ObjectMeta) {
        // No subscriber is fine: the event is a notification, not a queue of record.
        let _ = self.events.send(ObjectCreated {
            bucket: bucket.to_owned(),
            key: meta.key.clone(),
            size_bytes: meta.size_bytes,
            etag: meta.etag.clone(),
        });
    }

    pub(crate) async fn create_bucket_impl(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.store.create_bucket(&req.input.bucket).await?;
        let output = CreateBucketOutput { location: Some(format!("/{}", req.input.bucket)) };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn list_buckets_impl(&self) -> S3Result<S3Response<ListBucketsOutput>> {
        let buckets = self
            .store
            .list_buckets()
            .await?
            .into_iter()
            .map(|(name, created)| Bucket { name: Some(name), creation_date: Some(created.into()), bucket_region: None })
            .collect();
        Ok(S3Response::new(ListBucketsOutput { buckets: Some(buckets), ..Default::default() }))
    }

    pub(crate) async fn put_object_impl(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let input = req.input;
        self.store.require_bucket(&input.bucket).await?;
        let mut claims = claimed_checksums!(input);
        let mut algs = algorithms_for(&claims, &req.headers, input.checksum_algorithm.as_ref())?;
        // S3 gives every object a checksum: CRC64NVME when the client sent none.
        algs.push(Algorithm::Crc64Nvme);
        let (tmp, size_bytes, digest) = receive_body(&self.store, input.body, BodyHasher::new(algs)).await?;
        checksum::add_trailers(&mut claims, req.trailing_headers.as_ref())?;
        checksum::verify(&claims, &digest.checksums)?;
        checksum::verify_content_md5(input.content_md5.as_deref(), &digest.md5)?;
        if let Some(declared) = &input.checksum_algorithm {
            let alg = parse_algorithm(declared.as_str())?;
            claims.entry(alg).or_insert_with(|| digest.checksums.get(&alg).cloned().unwrap_or_default());
        }
        if claims.is_empty() {
            claims.extend(digest.checksums.get_key_value(&Algorithm::Crc64Nvme).map(|(a, v)| (*a, v.clone())));
        }
        let meta = ObjectMeta {
            key: input.key,
            size_bytes,
            etag: hex::encode(digest.md5),
            last_modified: SystemTime::now(),
            attrs: attrs_of(
                input.content_type,
                input.content_encoding,
                input.content_disposition,
                input.content_language,
                input.cache_control,
                input.metadata,
            ),
            checksums: claims,
            checksum_kind: Some(ChecksumKind::FullObject),
            parts_count: None,
            part_sizes_bytes: Vec::new(),
            data_file: String::new(),
            part_files: Vec::new(),
        };
        self.store.commit_object(&input.bucket, meta.clone(), tmp).await?;
        self.publish(&input.bucket, &meta);
        let c = checksum::to_dto(&meta.checksums);
        let output = PutObjectOutput {
            e_tag: Some(etag(&meta.etag)),
            checksum_crc32: c.checksum_crc32,
            checksum_crc32c: c.checksum_crc32c,
            checksum_crc64nvme: c.checksum_crc64nvme,
            checksum_sha1: c.checksum_sha1,
            checksum_sha256: c.checksum_sha256,
            checksum_type: Some(ChecksumType::from(ChecksumKind::FullObject.as_str().to_owned())),
            size: i64::try_from(size_bytes).ok(),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn get_object_impl(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        let object = self.store.pin_object(&input.bucket, &input.key).await?;
        let meta = object.meta.clone();
        let (start, len, content_range) = match (&input.range, input.part_number) {
            (Some(_), Some(_)) => return Err(s3_error!(InvalidRequest, "Cannot specify both Range header and partNumber")),
            (None, None) => (0, meta.size_bytes, None),
            (Some(range), None) => {
                let r = range.check(meta.size_bytes)?;
                (r.start, r.end - r.start, Some(content_range(r.start, r.end, meta.size_bytes)))
            }
            (None, Some(n)) => {
                let r = part_range(&meta, n)?;
                (r.start, r.end - r.start, Some(content_range(r.start, r.end, meta.size_bytes)))
            }
        };
        let stream = object.stream(start, len).await?;
        let c = shown_checksums(&meta, input.checksum_mode.as_ref(), len == meta.size_bytes);
        let output = GetObjectOutput {
            body: Some(StreamingBlob::wrap(stream)),
            content_length: Some(i64::try_from(len).map_err(|e| internal("object size", e))?),
            content_range,
            accept_ranges: Some("bytes".to_owned()),
            last_modified: Some(meta.last_modified.into()),
            e_tag: Some(etag(&meta.etag)),
            content_type: meta.attrs.content_type.clone(),
            content_encoding: meta.attrs.content_encoding.clone(),
            content_disposition: meta.attrs.content_disposition.clone(),
            content_language: meta.attrs.content_language.clone(),
            cache_control: meta.attrs.cache_control.clone(),
            metadata: user_metadata(&meta.attrs),
            parts_count: meta.parts_count.and_then(|n| i32::try_from(n).ok()),
            checksum_crc32: c.checksum_crc32,
            checksum_crc32c: c.checksum_crc32c,
            checksum_crc64nvme: c.checksum_crc64nvme,
            checksum_sha1: c.checksum_sha1,
            checksum_sha256: c.checksum_sha256,
            checksum_type: c.checksum_type,
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn head_object_impl(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = req.input;
        let Some(meta) = self.store.object_meta(&input.bucket, &input.key).await? else {
            self.store.require_bucket(&input.bucket).await?;
            return Err(s3_error!(NoSuchKey, "The specified key does not exist: {}", input.key));
        };
        let (len, content_range) = match input.part_number {
            Some(n) => {
                let r = part_range(&meta, n)?;
                (r.end - r.start, Some(content_range(r.start, r.end, meta.size_bytes)))
            }
            None => (meta.size_bytes, None),
        };
        let c = shown_checksums(&meta, input.checksum_mode.as_ref(), content_range.is_none());
        let output = HeadObjectOutput {
            content_length: Some(i64::try_from(len).map_err(|e| internal("object size", e))?),
            content_range,
            accept_ranges: Some("bytes".to_owned()),
            last_modified: Some(meta.last_modified.into()),
            e_tag: Some(etag(&meta.etag)),
            content_type: meta.attrs.content_type.clone(),
            content_encoding: meta.attrs.content_encoding.clone(),
            content_disposition: meta.attrs.content_disposition.clone(),
            content_language: meta.attrs.content_language.clone(),
            cache_control: meta.attrs.cache_control.clone(),
            metadata: user_metadata(&meta.attrs),
            parts_count: meta.parts_count.and_then(|n| i32::try_from(n).ok()),
            checksum_crc32: c.checksum_crc32,
            checksum_crc32c: c.checksum_crc32c,
            checksum_crc64nvme: c.checksum_crc64nvme,
            checksum_sha1: c.checksum_sha1,
            checksum_sha256: c.checksum_sha256,
            checksum_type: c.checksum_type,
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn copy_object_impl(&self, req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        let input = req.input;
        let CopySource::Bucket { bucket: src_bucket, key: src_key, .. } = &input.copy_source else {
            return Err(s3_error!(NotImplemented, "copy from access points or outposts"));
        };
        self.store.require_bucket(&input.bucket).await?;
        // The copy shares the source's data files (links, no bytes copied); pinned meanwhile, so
        // an overwrite of the source cannot delete them before they are linked.
        let src = self.store.pin_object(src_bucket, src_key).await?;
        let sources: Vec<_> = src.files.iter().map(|(path, _)| path.clone()).collect();
        let replace = input.metadata_directive.as_ref().is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
        let attrs = if replace {
            attrs_of(
                input.content_type,
                input.content_encoding,
                input.content_disposition,
                input.content_language,
                input.cache_control,
                input.metadata,
            )
        } else {
            src.meta.attrs.clone()
        };
        let meta = ObjectMeta { key: input.key, last_modified: SystemTime::now(), attrs, ..src.meta.clone() };
        self.store.commit_linked(&input.bucket, meta.clone(), &sources, None).await?;
        drop(src);
        self.publish(&input.bucket, &meta);
        let result = CopyObjectResult {
            e_tag: Some(etag(&meta.etag)),
            last_modified: Some(meta.last_modified.into()),
            ..Default::default()
        };
        Ok(S3Response::new(CopyObjectOutput { copy_object_result: Some(result), ..Default::default() }))
    }

    pub(crate) async fn delete_objects_impl(&self, req: S3Request<DeleteObjectsInput>) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let input = req.input;
        self.store.require_bucket(&input.bucket).await?;
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for obj in input.delete.objects {
            match self.store.delete_object(&input.bucket, &obj.key).await {
                Ok(()) => deleted.push(DeletedObject { key: Some(obj.key), ..Default::default() }),
                Err(e) => errors.push(Error {
                    key: Some(obj.key),
                    code: Some(e.code().as_str().to_owned()),
                    message: e.message().map(str::to_owned),
                    version_id: None,
                }),
            }
        }
        let quiet = input.delete.quiet.unwrap_or(false);
        let output = DeleteObjectsOutput {
            deleted: (!quiet).then_some(deleted),
            errors: (!errors.is_empty()).then_some(errors),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn list_objects_v2_impl(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let input = req.input;
        let objects = self.store.list_objects(&input.bucket).await?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = usize::try_from(input.max_keys.unwrap_or(1000)).unwrap_or(0).min(LOCAL_S3_MAX_LIST_ENTRIES);
        let after = match &input.continuation_token {
            Some(t) => Some(
                listing::token_resume(t)
                    .ok_or_else(|| s3_error!(InvalidArgument, "The continuation token provided is incorrect"))?,
            ),
            None => input.start_after.clone(),
        };
        let page = listing::objects_page(&objects, &prefix, input.delimiter.as_deref(), after.as_deref(), max);
        let next = page.truncated.then(|| page.entries.last().map(|e| listing::token_for(e.name()))).flatten();
        let enc = listing::KeyEncoding::of(input.encoding_type.as_ref());
        let (contents, prefixes) = split_entries(page.entries, &enc);
        let output = ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: enc.apply_opt(input.prefix),
            delimiter: enc.apply_opt(input.delimiter),
            max_keys: Some(i32::try_from(max).unwrap_or(1000)),
            key_count: Some(i32::try_from(contents.len() + prefixes.len()).unwrap_or(i32::MAX)),
            is_truncated: Some(page.truncated),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            start_after: enc.apply_opt(input.start_after),
            encoding_type: input.encoding_type,
            contents: (!contents.is_empty()).then_some(contents),
            common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    pub(crate) async fn list_objects_v1_impl(&self, req: S3Request<ListObjectsInput>) -> S3Result<S3Response<ListObjectsOutput>> {
        let input = req.input;
        let objects = self.store.list_objects(&input.bucket).await?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = usize::try_from(input.max_keys.unwrap_or(1000)).unwrap_or(0).min(LOCAL_S3_MAX_LIST_ENTRIES);
        let page = listing::objects_page(&objects, &prefix, input.delimiter.as_deref(), input.marker.as_deref(), max);
        let enc = listing::KeyEncoding::of(input.encoding_type.as_ref());
        let next = page.truncated.then(|| page.entries.last().map(|e| enc.apply(e.name()))).flatten();
        let (contents, prefixes) = split_entries(page.entries, &enc);
        let output = ListObjectsOutput {
            name: Some(input.bucket),
            prefix: enc.apply_opt(input.prefix),
            delimiter: enc.apply_opt(input.delimiter),
            marker: enc.apply_opt(input.marker),
            next_marker: next,
            max_keys: Some(i32::try_from(max).unwrap_or(1000)),
            is_truncated: Some(page.truncated),
            encoding_type: input.encoding_type,
            contents: (!contents.is_empty()).then_some(contents),
            common_prefixes: (!prefixes.is_empty()).then_some(prefixes),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }
}

fn content_range(start: u64, end: u64, size_bytes: u64) -> String {
    // An empty object's only "part" is empty too; S3 still answers with a well-formed header.
    format!("bytes {start}-{}/{size_bytes}", end.saturating_sub(1).max(start))
}

/// Byte range of part `n` of an object (a single-PUT object has exactly one part).
fn part_range(meta: &ObjectMeta, n: i32) -> S3Result<std::ops::Range<u64>> {
    let sizes: &[u64] = if meta.part_sizes_bytes.is_empty() { std::slice::from_ref(&meta.size_bytes) } else { &meta.part_sizes_bytes };
    let index = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)).filter(|i| *i < sizes.len());
    let Some(index) = index else {
        // s3s has no named code for this one: build S3's own (416 InvalidPartNumber).
        let mut err = s3s::S3Error::with_message(
            s3s::S3ErrorCode::Custom("InvalidPartNumber".into()),
            format!("The requested partnumber {n} is not satisfiable ({} parts)", sizes.len()),
        );
        err.set_status_code(hyper::StatusCode::RANGE_NOT_SATISFIABLE);
        return Err(err);
    };
    let start: u64 = sizes[..index].iter().sum();
    Ok(start..start + sizes[index])
}

fn split_entries(entries: Vec<listing::Entry<'_>>, enc: &listing::KeyEncoding) -> (Vec<Object>, Vec<CommonPrefix>) {
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for e in entries {
        match e {
            listing::Entry::Object(o) => contents.push(Object {
                key: Some(enc.apply(&o.key)),
                size: i64::try_from(o.size_bytes).ok(),
                e_tag: Some(etag(&o.etag)),
                last_modified: Some(o.last_modified.into()),
                storage_class: Some(ObjectStorageClass::from_static(ObjectStorageClass::STANDARD)),
                checksum_algorithm: Some(o.checksums.keys().map(|a| ChecksumAlgorithm::from(a.as_str().to_owned())).collect()),
                checksum_type: o.checksum_kind.map(|k| ChecksumType::from(k.as_str().to_owned())),
                ..Default::default()
            }),
            listing::Entry::Prefix(p) => prefixes.push(CommonPrefix { prefix: Some(enc.apply(&p)) }),
        }
    }
    (contents, prefixes)
}
