//! The multipart driver: one generic loop that plans, resumes, uploads missing parts with bounded
//! concurrency, records each confirmed part before moving on, completes and verifies.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::error::{S3Failure, S3FailureKind, UploadError};
use super::identity::FileIdentity;
use super::plan::{part_size_for, PartPlan};
use super::progress::{RateMeter, UploadProgress};
use super::s3ops::{composite_crc32c, crc32c_of_range, S3Ops, ServerPart};
use crate::limits;
use crate::queue::{NewUpload, PartRecord, Store, UploadRecord, UploadState};

/// What to upload, and where.
#[derive(Debug, Clone)]
pub struct UploadRequest {
    pub file: PathBuf,
    pub bucket: String,
    pub key: String,
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
}

/// How to upload it.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Parts in flight at once (each streams from disk through one small buffer).
    pub concurrency: usize,
    /// Average upload rate cap, in bytes per second.
    pub bandwidth_limit_bytes_per_s: Option<u64>,
    /// Part size override (at least 5 MiB, S3's minimum); `None` sizes parts from the file.
    pub part_size_bytes: Option<u64>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            concurrency: limits::UPLOAD_DEFAULT_CONCURRENCY,
            bandwidth_limit_bytes_per_s: None,
            part_size_bytes: None,
        }
    }
}

/// Pause and cancel, from any task. Pause keeps what is confirmed; cancel aborts the upload on S3.
#[derive(Debug, Clone, Default)]
pub struct UploadControl {
    pub pause: CancellationToken,
    pub cancel: CancellationToken,
}

/// A finished upload.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UploadOutcome {
    pub record_id: i64,
    pub bucket: String,
    pub key: String,
    pub etag: String,
    pub size_bytes: u64,
    pub parts: u32,
    /// Bytes sent in this run.
    pub bytes_sent: u64,
    /// Bytes already on the server from an earlier run.
    pub bytes_reused: u64,
    /// Why an earlier unfinished upload was dropped and this one started over, if it was.
    pub restarted_because: Option<String>,
}

/// Uploads files to one S3 endpoint, keeping its state in the queue store.
#[derive(Clone)]
pub struct Uploader {
    client: aws_sdk_s3::Client,
    store: Store,
    endpoint_id: String,
}

const KIB: u64 = 1024;

impl Uploader {
    /// `endpoint_id` names the endpoint in the store (see `S3ClientSettings::endpoint_id`).
    pub fn new(client: aws_sdk_s3::Client, store: Store, endpoint_id: impl Into<String>) -> Self {
        Self {
            client,
            store,
            endpoint_id: endpoint_id.into(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Uploads `req.file`, resuming an unfinished upload of the same file to the same key.
    ///
    /// Paused and offline uploads stay resumable (rerun to continue). Any other failure leaves
    /// nothing half-done: the record is marked failed and the server's multipart upload aborted.
    pub async fn upload(
        &self,
        req: &UploadRequest,
        opts: &UploadOptions,
        control: &UploadControl,
        progress: &watch::Sender<UploadProgress>,
    ) -> Result<UploadOutcome, UploadError> {
        let mut current: Option<UploadRecord> = None;
        let result = self.run(req, opts, control, progress, &mut current).await;
        if let (Err(e), Some(rec)) = (&result, &current) {
            if !matches!(
                e,
                UploadError::Paused | UploadError::Offline { .. } | UploadError::Canceled
            ) {
                self.discard(rec, &e.to_string(), UploadState::Failed).await;
            }
        }
        result
    }

    async fn run(
        &self,
        req: &UploadRequest,
        opts: &UploadOptions,
        control: &UploadControl,
        progress: &watch::Sender<UploadProgress>,
        current: &mut Option<UploadRecord>,
    ) -> Result<UploadOutcome, UploadError> {
        let ops = S3Ops {
            client: &self.client,
            bucket: &req.bucket,
            key: &req.key,
        };
        let identity = file_identity(&req.file).await?;
        let file_path = req.file.display().to_string();
        let mut restarted_because = None;

        let existing = self
            .store
            .unfinished_upload_to(&self.endpoint_id, &req.bucket, &req.key)?;
        let mut record = match existing {
            Some(rec) if same_file(&rec, &file_path, &identity) => rec,
            Some(rec) => {
                let why = if rec.file_path == file_path {
                    format!("{file_path} changed since the last attempt, so the upload starts over")
                } else {
                    format!(
                        "a different file ({}) was being uploaded to this key; it was replaced",
                        rec.file_path
                    )
                };
                self.discard(&rec, &why, UploadState::Canceled).await;
                restarted_because = Some(why);
                self.insert_record(req, &file_path, &identity, opts)?
            }
            None => self.insert_record(req, &file_path, &identity, opts)?,
        };
        if record.state == UploadState::Paused {
            // Resumed: under way again (the confirmed parts below are what it continues from).
            self.store
                .set_upload_state(record.id, UploadState::Active, None, None)?;
            record.state = UploadState::Active;
        }
        *current = Some(record.clone());
        let plan = PartPlan::new(record.file_size_bytes, record.part_size_bytes);

        // Which parts the server already has, agreed between our records and ListParts.
        let mut confirmed: BTreeMap<u32, PartRecord> = BTreeMap::new();
        let upload_id = match record.s3_upload_id.clone() {
            None => self.create(&ops, req, &record, control).await?,
            Some(id) => match self.retry(&ops, control, || ops.list_parts(&id)).await {
                Ok(server) => {
                    confirmed = self.reconcile(&record, &req.file, &plan, server).await?;
                    id
                }
                Err(UploadError::S3(f)) if f.kind == S3FailureKind::NoSuchUpload => {
                    let why = "the server no longer has the unfinished upload (expired or aborted), so it starts over".to_string();
                    tracing::info!(key = %req.key, "{why}");
                    restarted_because = Some(why);
                    self.store.clear_parts(record.id)?;
                    self.create(&ops, req, &record, control).await?
                }
                Err(e) => return Err(e),
            },
        };
        record.s3_upload_id = Some(upload_id.clone());
        *current = Some(record.clone());

        let bytes_reused: u64 = confirmed.values().map(|p| p.size_bytes).sum();
        let missing: Vec<u32> = (1..=plan.part_count())
            .filter(|n| !confirmed.contains_key(n))
            .collect();
        let limiter = opts
            .bandwidth_limit_bytes_per_s
            .map(|bps| rate_limiter(bps, record.part_size_bytes));
        let mut meter = RateMeter::new();
        let mut bytes_sent = 0u64;
        let publish = |confirmed: &BTreeMap<u32, PartRecord>, sent: u64, meter: &mut RateMeter| {
            let done: u64 = confirmed.values().map(|p| p.size_bytes).sum();
            let rate = meter.update(sent);
            let left = record.file_size_bytes.saturating_sub(done);
            progress.send_replace(UploadProgress {
                bytes_done: done,
                bytes_total: record.file_size_bytes,
                parts_done: confirmed.len() as u32,
                parts_total: plan.part_count(),
                rate_bytes_per_s: rate,
                eta_s: (rate > 0.0).then(|| left as f64 / rate),
                bytes_reused,
            });
        };
        publish(&confirmed, 0, &mut meter);

        let ctx = PartContext {
            ops: &ops,
            upload_id: &upload_id,
            file: &req.file,
            plan,
            limiter: limiter.as_ref(),
        };
        // Each part is recorded (a synchronous SQLite commit) inside its own slot, so one part's
        // commit never holds up the others or the start of the next.
        let mut in_flight = futures::stream::iter(missing)
            .map(|n| {
                let (ctx, record_id) = (&ctx, record.id);
                async move {
                    let part = self.send_part(ctx, n, control).await?;
                    self.store_part(record_id, &part).await?;
                    Ok::<_, UploadError>(part)
                }
            })
            .buffer_unordered(opts.concurrency.max(1));
        loop {
            tokio::select! {
                biased;
                () = control.cancel.cancelled() => {
                    drop(in_flight);
                    return Err(self.cancel(&record, &ops).await);
                }
                () = control.pause.cancelled() => {
                    self.store.set_upload_state(record.id, UploadState::Paused, None, None)?;
                    return Err(UploadError::Paused);
                }
                next = in_flight.next() => match next {
                    None => break,
                    Some(Ok(part)) => {
                        bytes_sent += part.size_bytes;
                        confirmed.insert(part.part_number, part);
                        publish(&confirmed, bytes_sent, &mut meter);
                    }
                    Some(Err(UploadError::Canceled)) => {
                        drop(in_flight);
                        return Err(self.cancel(&record, &ops).await);
                    }
                    Some(Err(UploadError::Paused)) => {
                        self.store.set_upload_state(record.id, UploadState::Paused, None, None)?;
                        return Err(UploadError::Paused);
                    }
                    Some(Err(e)) => return Err(e),
                }
            }
        }
        drop(in_flight);

        // The file must still be the one we read, or the object would mix two versions.
        if file_identity(&req.file).await? != identity {
            return Err(UploadError::FileChangedDuringUpload {
                path: req.file.clone(),
            });
        }
        let parts: Vec<PartRecord> = confirmed.into_values().collect();
        let etag = match self
            .retry(&ops, control, || ops.complete(&upload_id, &parts))
            .await
        {
            Ok(etag) => etag,
            // Completed in an earlier run that died before recording it: the object is there.
            Err(UploadError::S3(f)) if f.kind == S3FailureKind::NoSuchUpload => String::new(),
            Err(e) => return Err(e),
        };
        let head = self.retry(&ops, control, || ops.head()).await?;
        verify(&head, &record, &parts)?;
        let etag = if etag.is_empty() {
            head.etag.clone()
        } else {
            etag
        };
        self.store
            .set_upload_state(record.id, UploadState::Completed, None, Some(&etag))?;
        // Sweep uploads of ours that a crash left behind in this bucket (best effort).
        match self.abort_orphans(&req.bucket).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(count = ids.len(), bucket = %req.bucket, "aborted orphaned multipart uploads")
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "orphan sweep skipped"),
        }
        Ok(UploadOutcome {
            record_id: record.id,
            bucket: req.bucket.clone(),
            key: req.key.clone(),
            etag,
            size_bytes: record.file_size_bytes,
            parts: plan.part_count(),
            bytes_sent,
            bytes_reused,
            restarted_because,
        })
    }

    /// Aborts an unfinished upload (on S3 too) and marks it canceled.
    pub async fn abort(&self, record_id: i64) -> Result<(), UploadError> {
        let Some(rec) = self.store.upload(record_id)? else {
            return Ok(());
        };
        let ops = S3Ops {
            client: &self.client,
            bucket: &rec.bucket,
            key: &rec.key,
        };
        match self.cancel(&rec, &ops).await {
            UploadError::Canceled => Ok(()),
            other => Err(other),
        }
    }

    /// Aborts multipart uploads on the server that we started and no longer track as unfinished
    /// (left behind by a crash between starting over and aborting), so no orphan parts are
    /// left to pay for. Returns the upload ids it aborted.
    pub async fn abort_orphans(&self, bucket: &str) -> Result<Vec<String>, UploadError> {
        let unfinished: Vec<String> = self
            .store
            .unfinished_uploads()?
            .into_iter()
            .filter_map(|r| r.s3_upload_id)
            .collect();
        let ours = self.store.known_s3_upload_ids(&self.endpoint_id, bucket)?;
        let mut aborted = Vec::new();
        let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
        loop {
            let out = self
                .client
                .list_multipart_uploads()
                .bucket(bucket)
                .set_key_marker(key_marker.clone())
                .set_upload_id_marker(id_marker.clone())
                .send()
                .await
                .map_err(|e| {
                    UploadError::from_failure(
                        S3Failure::from_sdk("ListMultipartUploads", e),
                        bucket,
                    )
                })?;
            for u in out.uploads() {
                let (Some(key), Some(id)) = (u.key(), u.upload_id()) else {
                    continue;
                };
                if ours.contains(id) && !unfinished.iter().any(|x| x == id) {
                    let ops = S3Ops {
                        client: &self.client,
                        bucket,
                        key,
                    };
                    match ops.abort(id).await {
                        Ok(()) => aborted.push(id.to_string()),
                        Err(f) if f.kind == S3FailureKind::NoSuchUpload => {}
                        Err(f) => return Err(UploadError::from_failure(f, bucket)),
                    }
                }
            }
            if out.is_truncated() != Some(true) {
                break;
            }
            key_marker = out.next_key_marker;
            id_marker = out.next_upload_id_marker;
            if key_marker.is_none() && id_marker.is_none() {
                break;
            }
        }
        Ok(aborted)
    }

    fn insert_record(
        &self,
        req: &UploadRequest,
        file_path: &str,
        identity: &FileIdentity,
        opts: &UploadOptions,
    ) -> Result<UploadRecord, UploadError> {
        let part_size_bytes = match opts.part_size_bytes {
            Some(p) => p.max(5 * KIB * KIB),
            None => part_size_for(identity.size_bytes)?,
        };
        Ok(self.store.insert_upload(&NewUpload {
            endpoint: self.endpoint_id.clone(),
            bucket: req.bucket.clone(),
            key: req.key.clone(),
            file_path: file_path.to_string(),
            file_size_bytes: identity.size_bytes,
            file_mtime_ns: identity.mtime_ns,
            file_fingerprint: identity.fingerprint.clone(),
            part_size_bytes,
            checksum_algorithm: "CRC32C".into(),
        })?)
    }

    async fn create(
        &self,
        ops: &S3Ops<'_>,
        req: &UploadRequest,
        record: &UploadRecord,
        control: &UploadControl,
    ) -> Result<String, UploadError> {
        let id = self
            .retry(ops, control, || {
                ops.create(req.content_type.as_deref(), &req.metadata)
            })
            .await?;
        self.store.set_s3_upload_id(record.id, &id)?;
        Ok(id)
    }

    /// Agrees our records with the server's list: a part counts when both have it with the same
    /// ETag; a part only the server has (we died before recording it) counts when its checksum
    /// matches the file's bytes.
    async fn reconcile(
        &self,
        record: &UploadRecord,
        file: &Path,
        plan: &PartPlan,
        server: Vec<ServerPart>,
    ) -> Result<BTreeMap<u32, PartRecord>, UploadError> {
        let ours: HashMap<u32, PartRecord> = self
            .store
            .parts(record.id)?
            .into_iter()
            .map(|p| (p.part_number, p))
            .collect();
        let mut confirmed = BTreeMap::new();
        for sp in server {
            if sp.part_number == 0 || sp.part_number > plan.part_count() {
                continue;
            }
            let expected_len = plan.range(sp.part_number).1;
            if let Some(p) = ours.get(&sp.part_number) {
                if p.etag == sp.etag && sp.size_bytes == expected_len {
                    confirmed.insert(sp.part_number, p.clone());
                }
                continue;
            }
            if sp.size_bytes != expected_len {
                continue;
            }
            let (offset, len) = plan.range(sp.part_number);
            let local = range_checksum(file, offset, len, sp.part_number).await?;
            if sp.checksum.as_deref() == Some(local.as_str()) {
                let part = PartRecord {
                    part_number: sp.part_number,
                    size_bytes: sp.size_bytes,
                    etag: sp.etag,
                    checksum: local,
                };
                self.store_part(record.id, &part).await?;
                confirmed.insert(part.part_number, part);
            }
        }
        Ok(confirmed)
    }

    async fn send_part(
        &self,
        ctx: &PartContext<'_>,
        n: u32,
        control: &UploadControl,
    ) -> Result<PartRecord, UploadError> {
        let (offset, len) = ctx.plan.range(n);
        let checksum = range_checksum(ctx.file, offset, len, n).await?;
        if let Some(limiter) = ctx.limiter {
            let kib = NonZeroU32::new(len.div_ceil(KIB).max(1) as u32).unwrap_or(NonZeroU32::MIN);
            // Capacity is sized for a whole part at creation, so this cannot be refused.
            let _ = limiter.until_n_ready(kib).await;
        }
        let (etag, echoed) = self
            .retry(ctx.ops, control, || {
                ctx.ops
                    .upload_part(ctx.upload_id, n, ctx.file, offset, len, &checksum)
            })
            .await?;
        if let Some(echoed) = echoed.filter(|e| *e != checksum) {
            return Err(UploadError::Verification(format!(
                "part {n}: the server stored checksum {echoed}, the file's bytes give {checksum}"
            )));
        }
        Ok(PartRecord {
            part_number: n,
            size_bytes: len,
            etag,
            checksum,
        })
    }

    /// Runs one request, retrying transient failures with exponential backoff and jitter.
    async fn retry<T, F, Fut>(
        &self,
        ops: &S3Ops<'_>,
        control: &UploadControl,
        mut f: F,
    ) -> Result<T, UploadError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, S3Failure>>,
    {
        let mut attempt = 1;
        loop {
            let failure = tokio::select! {
                biased;
                () = control.cancel.cancelled() => return Err(UploadError::Canceled),
                () = control.pause.cancelled() => return Err(UploadError::Paused),
                res = f() => match res {
                    Ok(v) => return Ok(v),
                    Err(e) => e,
                },
            };
            if !failure.is_transient() {
                return Err(UploadError::from_failure(failure, ops.bucket));
            }
            if attempt >= limits::UPLOAD_RETRY_MAX_ATTEMPTS {
                return Err(UploadError::Offline {
                    attempts: attempt,
                    last: failure,
                });
            }
            let delay = backoff(attempt);
            tracing::debug!(%failure, attempt, delay_ms = delay.as_millis() as u64, "retrying");
            tokio::select! {
                biased;
                () = control.cancel.cancelled() => return Err(UploadError::Canceled),
                () = control.pause.cancelled() => return Err(UploadError::Paused),
                () = tokio::time::sleep(delay) => {}
            }
            attempt += 1;
        }
    }

    async fn store_part(&self, id: i64, part: &PartRecord) -> Result<(), UploadError> {
        let (store, part) = (self.store.clone(), part.clone());
        tokio::task::spawn_blocking(move || store.record_part(id, &part))
            .await
            .map_err(|e| UploadError::Verification(format!("recording a part crashed: {e}")))??;
        Ok(())
    }

    /// Drops an upload we will not finish: aborted on S3 (best effort; `abort_orphans` sweeps
    /// what fails here) and moved to `state` with the reason.
    async fn discard(&self, rec: &UploadRecord, why: &str, state: UploadState) {
        if let Some(id) = &rec.s3_upload_id {
            let ops = S3Ops {
                client: &self.client,
                bucket: &rec.bucket,
                key: &rec.key,
            };
            if let Err(e) = ops.abort(id).await {
                tracing::warn!(error = %e, key = %rec.key, "could not abort the multipart upload; the orphan sweep will retry");
            }
        }
        if let Err(e) = self.store.set_upload_state(rec.id, state, Some(why), None) {
            tracing::warn!(error = %e, "could not record the upload's end");
        }
    }

    async fn cancel(&self, rec: &UploadRecord, ops: &S3Ops<'_>) -> UploadError {
        if let Some(id) = &rec.s3_upload_id {
            // Cancel must not hang on a dead network: try a few times, then leave it to the sweep.
            for attempt in 1..=3 {
                match ops.abort(id).await {
                    Ok(()) => break,
                    Err(f) if f.kind == S3FailureKind::NoSuchUpload => break,
                    Err(f) if f.is_transient() && attempt < 3 => {
                        tokio::time::sleep(backoff(attempt)).await
                    }
                    Err(f) => {
                        tracing::warn!(error = %f, "abort failed; the orphan sweep will retry");
                        break;
                    }
                }
            }
        }
        match self.store.set_upload_state(
            rec.id,
            UploadState::Canceled,
            Some("canceled by the user"),
            None,
        ) {
            Ok(()) => UploadError::Canceled,
            Err(e) => e.into(),
        }
    }
}

struct PartContext<'a> {
    ops: &'a S3Ops<'a>,
    upload_id: &'a str,
    file: &'a Path,
    plan: PartPlan,
    limiter: Option<&'a Arc<DefaultDirectRateLimiter>>,
}

fn same_file(rec: &UploadRecord, path: &str, id: &FileIdentity) -> bool {
    rec.file_path == path
        && rec.file_size_bytes == id.size_bytes
        && rec.file_mtime_ns == id.mtime_ns
        && rec.file_fingerprint == id.fingerprint
}

fn verify(
    head: &super::s3ops::ObjectHead,
    rec: &UploadRecord,
    parts: &[PartRecord],
) -> Result<(), UploadError> {
    if head.size_bytes != rec.file_size_bytes {
        return Err(UploadError::Verification(format!(
            "s3://{}/{} is {} bytes, the file {} bytes",
            rec.bucket, rec.key, head.size_bytes, rec.file_size_bytes
        )));
    }
    if let Some(server) = &head.checksum_crc32c {
        let checksums: Vec<String> = parts.iter().map(|p| p.checksum.clone()).collect();
        // Servers report either the composite form `xxxx-N` or (for one part) the plain CRC.
        let expected = composite_crc32c(&checksums);
        let plain_ok = parts.len() == 1 && server == &parts[0].checksum;
        if !plain_ok && expected.as_deref() != Some(server.as_str()) {
            return Err(UploadError::Verification(format!(
                "s3://{}/{} has CRC32C {server}, the parts give {}",
                rec.bucket,
                rec.key,
                expected.unwrap_or_default()
            )));
        }
    }
    Ok(())
}

fn backoff(attempt: u32) -> Duration {
    let exp =
        limits::UPLOAD_RETRY_BASE_DELAY_MS.saturating_mul(1 << attempt.min(16).saturating_sub(1));
    let capped = exp.min(limits::UPLOAD_RETRY_MAX_DELAY_MS) as f64;
    // Full jitter on half the delay, so many clients retrying at once spread out.
    Duration::from_millis((capped * (0.5 + fastrand::f64() * 0.5)) as u64)
}

fn rate_limiter(bytes_per_s: u64, part_size_bytes: u64) -> Arc<DefaultDirectRateLimiter> {
    let per_s = NonZeroU32::new(bytes_per_s.div_ceil(KIB).clamp(1, u64::from(u32::MAX)) as u32)
        .unwrap_or(NonZeroU32::MIN);
    // A burst of one part: enough for `until_n_ready(part)` to be granted, small enough that the
    // cap holds from the first second (a larger burst would send that much unthrottled).
    let burst = NonZeroU32::new(part_size_bytes.div_ceil(KIB).clamp(1, u64::from(u32::MAX)) as u32)
        .unwrap_or(per_s);
    Arc::new(RateLimiter::direct(
        Quota::per_second(per_s).allow_burst(burst),
    ))
}

async fn file_identity(path: &Path) -> Result<FileIdentity, UploadError> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || FileIdentity::of(&p))
        .await
        .map_err(|e| UploadError::File {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?
        .map_err(|e| UploadError::File {
            path: e.path,
            detail: e.source.to_string(),
        })
}

async fn range_checksum(file: &Path, offset: u64, len: u64, n: u32) -> Result<String, UploadError> {
    let path = file.to_path_buf();
    let err = |detail: String| UploadError::File {
        path: file.to_path_buf(),
        detail,
    };
    tokio::task::spawn_blocking(move || crc32c_of_range(&path, offset, len))
        .await
        .map_err(|e| err(e.to_string()))?
        .map_err(|e| err(format!("part {n}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..20 {
            let d = backoff(attempt).as_millis() as u64;
            let nominal = (limits::UPLOAD_RETRY_BASE_DELAY_MS << (attempt - 1).min(16))
                .min(limits::UPLOAD_RETRY_MAX_DELAY_MS);
            assert!(
                d >= nominal / 2 && d <= nominal,
                "attempt {attempt}: {d} ms vs {nominal}"
            );
        }
    }
}
