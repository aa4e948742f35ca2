//! The scheduler: drives every unfinished asset through its states with bounded concurrency.
//!
//! Each step starts from what the database says and records its result before the next one
//! starts, so a kill -9 anywhere resumes from the last recorded state: the upload from its
//! confirmed parts, a submitted job by tracking it (its request token makes a replayed CreateJob
//! return the same job). A step that cannot reach the endpoints leaves the asset waiting, with the
//! reason shown, and tries again with backoff; one asset failing never stops the others.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{AssetRecord, AssetState, BackendReach, RunnerSignals, Store, StoreError};
use crate::config::{Backend, Settings, SubmitMode, INPUT_PREFIX};
use crate::jobs::{self, FailureKind, JobSnapshot, PipelineError, PollBackoff};
use crate::upload::{
    UploadControl, UploadError, UploadOptions, UploadProgress, UploadRequest, Uploader,
};

/// Shows a desktop notification (or does nothing where there is no desktop).
pub trait Notifier: Send + Sync {
    fn notify(&self, title: &str, body: &str);
}

/// No notifications.
pub struct Silent;

impl Notifier for Silent {
    fn notify(&self, _: &str, _: &str) {}
}

/// Longest wait between two attempts of a step that could not reach the endpoints.
const WAIT_MAX: Duration = Duration::from_secs(15);
/// How often a running step looks for a cancel or a pause made by another process.
const CANCEL_POLL: Duration = Duration::from_millis(400);
/// How long a watch-folder upload waits for the bucket's automation to create the job.
const WATCH_FOLDER_JOB_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What to process.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only these assets (`process`); `None`: the whole queue.
    pub only: Option<HashSet<String>>,
    /// Return once nothing is left to do (else keep watching the queue for new work).
    pub exit_when_idle: bool,
}

/// How the assets of a run ended.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunSummary {
    pub complete: usize,
    pub failed: usize,
    pub canceled: usize,
    /// Paused by the user (`vodstudio resume ID` continues them).
    pub paused: usize,
    /// Still unfinished (the run was stopped).
    pub unfinished: usize,
}

/// Everything a run needs.
#[derive(Clone)]
pub struct Runner {
    store: Store,
    backend: Arc<Backend>,
    settings: Settings,
    data_dir: PathBuf,
    notifier: Arc<dyn Notifier>,
    signals: RunnerSignals,
}

/// How one step ended, when not with success.
enum StepError {
    /// Cannot go on now (offline, or waiting for a watch-folder job): wait, then try again.
    /// `offline`: because the backend could not be reached.
    Wait { why: String, offline: bool },
    Failed(PipelineError),
    Canceled,
    /// The run is stopping; the asset keeps its state for the next run.
    Stopped,
}

impl From<PipelineError> for StepError {
    fn from(e: PipelineError) -> Self {
        if e.is_offline() {
            StepError::Wait { why: e.message, offline: true }
        } else {
            StepError::Failed(e)
        }
    }
}

impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        StepError::Failed(e.into())
    }
}

impl Runner {
    pub fn new(store: Store, backend: Backend, settings: Settings, data_dir: &Path, notifier: Arc<dyn Notifier>) -> Self {
        Self {
            store,
            backend: Arc::new(backend),
            settings,
            data_dir: data_dir.to_path_buf(),
            notifier,
            signals: RunnerSignals::default(),
        }
    }

    /// Live upload rates and the backend's reachability, for an in-process view (the app).
    pub fn signals(&self) -> &RunnerSignals {
        &self.signals
    }

    /// Processes the queue until it is idle (with `exit_when_idle`) or `stop` fires.
    pub async fn run(
        &self,
        opts: RunOptions,
        stop: CancellationToken,
    ) -> Result<RunSummary, StoreError> {
        let permits = Arc::new(Semaphore::new(self.settings.parallel_assets.max(1)));
        let mut active: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            active.retain(|_, h| !h.is_finished());
            // Paused assets wait for the user, not for the runner: an idle queue of paused
            // assets is done.
            let pending: Vec<AssetRecord> = self
                .store
                .active_assets()?
                .into_iter()
                .filter(|a| opts.only.as_ref().is_none_or(|only| only.contains(&a.id)))
                .collect();
            for asset in &pending {
                if active.contains_key(&asset.id) {
                    continue;
                }
                let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                    break;
                };
                seen.insert(asset.id.clone());
                let runner = self.clone();
                let id = asset.id.clone();
                let stop = stop.clone();
                active.insert(
                    asset.id.clone(),
                    tokio::spawn(async move {
                        runner.drive(&id, stop).await;
                        drop(permit);
                    }),
                );
            }
            if pending.is_empty() && active.is_empty() && opts.exit_when_idle {
                break;
            }
            tokio::select! {
                () = stop.cancelled() => {
                    for (_, h) in active.drain() {
                        let _ = h.await;
                    }
                    break;
                }
                () = tokio::time::sleep(Duration::from_millis(300)) => {}
            }
        }
        let mut summary = RunSummary::default();
        let ids: HashSet<String> = opts.only.unwrap_or(seen);
        for id in ids {
            match self.store.asset(&id)?.map(|a| a.state) {
                Some(AssetState::Complete) => summary.complete += 1,
                Some(AssetState::Failed) => summary.failed += 1,
                Some(AssetState::Canceled) => summary.canceled += 1,
                Some(AssetState::Paused) => summary.paused += 1,
                Some(_) => summary.unfinished += 1,
                None => {}
            }
        }
        Ok(summary)
    }

    /// One asset, step by step, until it ends, is paused, or the run stops.
    async fn drive(&self, id: &str, stop: CancellationToken) {
        let cancel = CancellationToken::new();
        // Fires on the user's pause of this asset, and with `stop`: either way a running upload
        // stops and keeps its confirmed parts (the multipart upload is not aborted).
        let pause = stop.child_token();
        let watcher = self.watch_for_cancel(id, cancel.clone(), pause.clone());
        let mut wait = Duration::from_millis(500);
        loop {
            if pause.is_cancelled() {
                // Paused (or the run stops). Even if resumed since, end here: the run loop starts
                // a fresh drive, whose tokens have not fired.
                break;
            }
            let asset = match self.store.asset(id) {
                Ok(Some(a)) if !a.state.is_terminal() => a,
                _ => break,
            };
            let step = match asset.state {
                AssetState::Added => self.probe(&asset).await,
                AssetState::Probed | AssetState::Uploading => {
                    self.upload(&asset, &cancel, &pause).await
                }
                AssetState::Uploaded => self.submit(&asset).await,
                AssetState::Submitted | AssetState::Transcoding => {
                    self.track(&asset, &cancel, &stop).await
                }
                _ => break,
            };
            match step {
                Ok(()) => {
                    // The probe runs offline; every other step that succeeded reached the backend.
                    if asset.state != AssetState::Added {
                        self.signals.set_reach(BackendReach::Online);
                    }
                    wait = Duration::from_millis(500);
                    if asset.waiting.is_some() {
                        let _ = self.store.set_asset_waiting(id, None);
                    }
                }
                Err(StepError::Wait { why, offline }) => {
                    tracing::info!(asset = id, "waiting: {why}");
                    if offline {
                        self.signals.set_reach(BackendReach::Offline { reason: why.clone() });
                    }
                    let _ = self.store.set_asset_waiting(id, Some(&why));
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = cancel.cancelled() => {}
                        () = pause.cancelled() => {}
                        () = tokio::time::sleep(wait) => {}
                    }
                    wait = (wait * 2).min(WAIT_MAX);
                }
                Err(StepError::Failed(e)) => {
                    tracing::warn!(asset = id, "failed in {}: {}", asset.state, e.message);
                    if let Ok(true) =
                        self.store
                            .set_asset_failed(id, asset.state, e.kind.as_str(), &e.message)
                    {
                        if e.kind == FailureKind::JobFailed {
                            self.notifier.notify(
                                &format!("Transcode failed: {}", asset.source_name),
                                &e.message,
                            );
                        }
                    }
                    break;
                }
                Err(StepError::Canceled | StepError::Stopped) => break,
            }
        }
        watcher.abort();
    }

    /// Fires `cancel` when the asset is canceled in the database, `pause` when it is paused (by
    /// this or another process). The step under way notices; the drive loop then reads the new
    /// state and ends.
    fn watch_for_cancel(
        &self,
        id: &str,
        cancel: CancellationToken,
        pause: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let store = self.store.clone();
        let id = id.to_owned();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(CANCEL_POLL).await;
                match store.asset(&id) {
                    Ok(Some(a)) if a.state == AssetState::Canceled => {
                        cancel.cancel();
                        return;
                    }
                    Ok(Some(a)) if a.state == AssetState::Paused => {
                        pause.cancel();
                        return;
                    }
                    _ => {}
                }
            }
        })
    }

    /// `added → probed`: the probe and a poster, in-process. Works offline.
    async fn probe(&self, asset: &AssetRecord) -> Result<(), StepError> {
        let (probe_json, poster) =
            probe_and_poster(&self.data_dir, &asset.id, Path::new(&asset.source_path)).await?;
        self.store
            .set_asset_probed(&asset.id, &probe_json, poster.as_deref())?;
        Ok(())
    }

    /// `probed → uploading → uploaded`: plan the job, then the resumable upload. `pause` (the
    /// user's pause or the run's stop) leaves the upload resumable from its confirmed parts.
    async fn upload(
        &self,
        asset: &AssetRecord,
        cancel: &CancellationToken,
        pause: &CancellationToken,
    ) -> Result<(), StepError> {
        let key = format!("{INPUT_PREFIX}{}/{}", asset.id, asset.source_name);
        if asset.plan_json.is_none() {
            let planned = match self.backend.mode {
                SubmitMode::Direct => self.plan(asset, &key)?,
                // The bucket's automation chooses the job; there is nothing to plan here.
                SubmitMode::WatchFolder => json!({
                    "preset": Value::Null, "rungs": [], "audio_only": false,
                    "notes": ["the watch folder's automation creates the job"],
                }),
            };
            self.store.set_asset_planned(
                &asset.id,
                &planned.to_string(),
                &self.backend.watch_bucket,
                &key,
            )?;
        }
        // A quick look at S3 first: without it an unreachable endpoint would cost the upload
        // driver's whole retry budget before the asset shows as waiting.
        self.backend.check_s3().await?;
        self.signals.set_reach(BackendReach::Online);
        // Before the source: a watch folder's automation starts on the source's arrival.
        self.upload_sidecars(asset).await?;
        let path = PathBuf::from(&asset.source_path);
        let size = std::fs::metadata(&path)
            .map_err(|e| {
                StepError::Failed(PipelineError::new(
                    FailureKind::Local,
                    format!(
                        "cannot read {}: {e}; was it moved or deleted?",
                        path.display()
                    ),
                ))
            })?
            .len();
        if !self.store.set_asset_uploading(&asset.id, size)? {
            // Paused or canceled since it was read: the drive loop reads which, and stops.
            return Ok(());
        }

        let uploader = Uploader::new(
            self.backend.s3.clone(),
            self.store.clone(),
            self.backend.endpoint_id.clone(),
        );
        let req = UploadRequest {
            file: path,
            bucket: self.backend.watch_bucket.clone(),
            key,
            content_type: None,
            metadata: vec![("asset-id".into(), asset.id.clone())],
        };
        let opts = UploadOptions {
            concurrency: self.settings.upload_concurrency.max(1),
            bandwidth_limit_bytes_per_s: self.settings.bandwidth_limit_bytes_per_s,
            part_size_bytes: None,
        };
        let control = UploadControl {
            pause: pause.child_token(),
            cancel: cancel.child_token(),
        };
        let (tx, mut rx) = tokio::sync::watch::channel(UploadProgress::default());
        let store = self.store.clone();
        let id = asset.id.clone();
        let signals = self.signals.clone();
        let progress = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let p = rx.borrow_and_update().clone();
                signals.upload(&id, &p);
                let _ = store.set_asset_upload_progress(&id, None, p.bytes_done, p.bytes_total);
                // At most a few writes a second, whatever the part rate.
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        let result = uploader.upload(&req, &opts, &control, &tx).await;
        drop(tx);
        let _ = progress.await;
        match result {
            Ok(outcome) => {
                self.store
                    .set_asset_uploaded(&asset.id, outcome.record_id)?;
                Ok(())
            }
            Err(UploadError::Canceled) => Err(StepError::Canceled),
            Err(UploadError::Paused) if cancel.is_cancelled() => Err(StepError::Canceled),
            // The user's pause or the run's stop: the asset keeps its state (paused or uploading).
            Err(UploadError::Paused) => Err(StepError::Stopped),
            Err(e @ UploadError::Offline { .. }) => Err(StepError::Wait { why: e.to_string(), offline: true }),
            Err(e) => {
                let kind = match e.kind() {
                    "credentials" => FailureKind::Credentials,
                    "access_denied" => FailureKind::AccessDenied,
                    "no_such_bucket" => FailureKind::NotFound,
                    "file" | "file_changed" | "store" => FailureKind::Local,
                    _ => FailureKind::Other,
                };
                Err(StepError::Failed(PipelineError::new(
                    kind,
                    format!("upload: {e}"),
                )))
            }
        }
    }

    /// Puts the asset's sidecar caption files next to its source, `inputs/<asset>/<name>`, in
    /// one PutObject each (they are small; see `limits::SIDECAR_MAX_BYTES`).
    async fn upload_sidecars(&self, asset: &AssetRecord) -> Result<(), StepError> {
        use crate::presets::captions::CaptionFormat;
        let failed = |kind: FailureKind, msg: String| StepError::Failed(PipelineError::new(kind, msg));
        for sidecar in asset.sidecars() {
            let name = sidecar.file_name();
            let bytes = tokio::fs::read(&sidecar.path).await.map_err(|e| {
                failed(FailureKind::Local, format!("cannot read captions {}: {e}; was it moved or deleted?", sidecar.path.display()))
            })?;
            let max = crate::limits::SIDECAR_MAX_BYTES;
            if bytes.len() as u64 > max {
                let msg = format!("captions {name:?} are {} bytes; caption files of up to {} MiB are uploaded", bytes.len(), max >> 20);
                return Err(failed(FailureKind::Local, msg));
            }
            let content_type = match sidecar.format {
                CaptionFormat::Srt => "application/x-subrip",
                CaptionFormat::Webvtt => "text/vtt",
            };
            self.backend
                .s3
                .put_object()
                .bucket(&self.backend.watch_bucket)
                .key(format!("{INPUT_PREFIX}{}/{name}", asset.id))
                .content_type(content_type)
                .metadata("asset-id", &asset.id)
                .body(bytes.into())
                .send()
                .await
                .map_err(|e| failed(FailureKind::Other, format!("upload captions {name:?}: {}", aws_sdk_s3::error::DisplayErrorContext(e))))?;
        }
        Ok(())
    }

    /// The planned job for an asset (stored as JSON; the body is what CreateJob sends).
    fn plan(&self, asset: &AssetRecord, key: &str) -> Result<Value, StepError> {
        use crate::presets::{self, plan};
        let bad = |kind: FailureKind, msg: String| StepError::Failed(PipelineError::new(kind, msg));
        let info: crate::media::MediaInfo = asset
            .probe_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or_else(|| {
                bad(
                    FailureKind::Local,
                    "the asset has no probe: retry it".into(),
                )
            })?;
        let preset = presets::load(&self.data_dir, &asset.preset)
            .map_err(|e| bad(FailureKind::BadRequest, e.to_string()))?;
        let audio = presets::load(&self.data_dir, presets::AUDIO_PRESET)
            .map_err(|e| bad(FailureKind::BadRequest, e.to_string()))?;
        let input_url = format!("s3://{}/{key}", self.backend.watch_bucket);
        let captions: Vec<presets::captions::CaptionTrack> = asset
            .sidecars()
            .into_iter()
            .map(|s| presets::captions::CaptionTrack {
                url: format!("s3://{}/{INPUT_PREFIX}{}/{}", self.backend.watch_bucket, asset.id, s.file_name()),
                language: s.language,
                format: s.format,
            })
            .collect();
        let req = plan::PlanRequest {
            asset_id: &asset.id,
            source_name: &asset.source_name,
            input_url: &input_url,
            media_bucket: &self.backend.media_bucket,
            role: Some(&self.backend.role_arn),
            queue: self.backend.queue.as_deref(),
            captions: &captions,
        };
        let planned = plan::plan(&info, &preset, &audio, &req)
            .map_err(|e| bad(FailureKind::NotMedia, e.to_string()))?;
        serde_json::to_value(&planned).map_err(|e| bad(FailureKind::Other, e.to_string()))
    }

    /// `uploaded → submitted`: CreateJob (direct) or finding the job the watch folder created.
    async fn submit(&self, asset: &AssetRecord) -> Result<(), StepError> {
        let planned: Value = asset
            .plan_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or_else(|| {
                StepError::Failed(PipelineError::new(
                    FailureKind::Local,
                    "the asset has no plan: retry it",
                ))
            })?;
        let input_url = format!(
            "s3://{}/{}",
            asset
                .input_bucket
                .as_deref()
                .unwrap_or(&self.backend.watch_bucket),
            asset.input_key.as_deref().unwrap_or_default()
        );
        match self.backend.mode {
            SubmitMode::Direct => {
                let body = &planned["body"];
                let token = jobs::request_token(&asset.id, &asset.preset, body, asset.job_attempt);
                let job_id = jobs::create_job(&self.backend.mediaconvert, body, &token).await?;
                self.store.set_asset_submitted(&asset.id, &job_id)?;
                Ok(())
            }
            SubmitMode::WatchFolder => {
                // Jobs created before the upload finished cannot be for it (a minute of slack for
                // clock skew between this machine and the service).
                // When the source arrived: its upload's completion, not the asset's last update,
                // which a pause and resume (or a wait) move on past the job's creation.
                let uploaded_at_ms = asset
                    .upload_id
                    .and_then(|u| self.store.upload(u).ok().flatten())
                    .map_or(asset.updated_at_ms, |u| u.updated_at_ms);
                let since_s = uploaded_at_ms / 1000 - 60;
                match jobs::find_job_by_input(&self.backend.mediaconvert, &input_url, since_s, 5).await? {
                    Some(job) => {
                        self.store.set_asset_submitted(&asset.id, &job.id)?;
                        Ok(())
                    }
                    None if super::store::now_ms() - uploaded_at_ms > WATCH_FOLDER_JOB_TIMEOUT.as_millis() as i64 => {
                        Err(StepError::Failed(PipelineError::new(
                            FailureKind::NotFound,
                            format!(
                                "no MediaConvert job appeared for {input_url} in {} minutes: check the watch bucket's automation (its trigger and logs)",
                                WATCH_FOLDER_JOB_TIMEOUT.as_secs() / 60
                            ),
                        )))
                    }
                    None => Err(StepError::Wait {
                        why: format!("waiting for the watch folder to start a job for {input_url}"),
                        offline: false,
                    }),
                }
            }
        }
    }

    /// `submitted → transcoding → complete | failed | canceled`: GetJob until the job ends.
    async fn track(
        &self,
        asset: &AssetRecord,
        cancel: &CancellationToken,
        stop: &CancellationToken,
    ) -> Result<(), StepError> {
        let Some(job_id) = asset.job_id.clone() else {
            return Err(StepError::Failed(PipelineError::new(
                FailureKind::Local,
                "the asset has no job id: retry it",
            )));
        };
        let mut backoff = PollBackoff::new(self.backend.poll_min, self.backend.poll_max);
        loop {
            let snap = jobs::get_job(&self.backend.mediaconvert, &job_id).await?;
            self.signals.set_reach(BackendReach::Online);
            let percent = snap.percent.or((snap.status == "COMPLETE").then_some(100.0));
            match snap.status.as_str() {
                "COMPLETE" => {
                    let outputs = self.finish(asset, &snap).await?;
                    if self
                        .store
                        .set_asset_complete(&asset.id, &outputs.to_string())?
                    {
                        self.notifier.notify(
                            &format!("Ready: {}", asset.source_name),
                            &format!(
                                "{} renditions written",
                                outputs["files"].as_array().map_or(0, Vec::len)
                            ),
                        );
                    }
                    return Ok(());
                }
                "ERROR" => return Err(StepError::Failed(snap.failure())),
                "CANCELED" => {
                    self.store.set_asset_canceled(&asset.id)?;
                    return Err(StepError::Canceled);
                }
                status => {
                    self.store.set_asset_job_progress(
                        &asset.id,
                        status,
                        snap.phase.as_deref(),
                        percent,
                    )?;
                }
            }
            let pause = backoff.after(&snap);
            tokio::select! {
                () = cancel.cancelled() => {
                    jobs::cancel_job(&self.backend.mediaconvert, &job_id).await.map_err(StepError::Failed)?;
                    return Err(StepError::Canceled);
                }
                () = stop.cancelled() => return Err(StepError::Stopped),
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// A complete job's outputs (listed under the job's destinations) and the metadata JSON
    /// written beside them: probe + plan + outputs, one per asset.
    async fn finish(&self, asset: &AssetRecord, snap: &JobSnapshot) -> Result<Value, StepError> {
        let planned: Value = asset
            .plan_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or(Value::Null);
        // (bucket, key prefix) of each destination; a destination ending in a base name lists
        // the files that start with it.
        let mut prefixes: Vec<(String, String)> = snap
            .destinations
            .iter()
            .filter_map(|d| d.strip_prefix("s3://"))
            .filter_map(|d| d.split_once('/'))
            .map(|(b, k)| (b.to_owned(), k.to_owned()))
            .collect();
        prefixes.sort();
        prefixes.dedup();
        let mut files = Vec::new();
        for (bucket, prefix) in &prefixes {
            let mut token: Option<String> = None;
            loop {
                let out = self
                    .backend
                    .s3
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_continuation_token(token.take())
                    .send()
                    .await
                    .map_err(|e| PipelineError::from_sdk("ListObjectsV2 (outputs)", &e))?;
                for o in out.contents() {
                    let key = o.key().unwrap_or_default();
                    if key.ends_with("/metadata.json") {
                        continue;
                    }
                    let url = format!("s3://{bucket}/{key}");
                    if !files.iter().any(|f: &Value| f["url"] == url.as_str()) {
                        files.push(json!({ "url": url, "size_bytes": o.size().unwrap_or(0) }));
                    }
                }
                match out.next_continuation_token() {
                    Some(t) => token = Some(t.to_owned()),
                    None => break,
                }
            }
        }
        let outputs = json!({ "job_id": snap.id, "groups": snap.outputs, "files": files });
        // Beside the outputs: in the directory all destinations share (`<media>/<asset>/` for
        // the presets' layout).
        let Some(mut home) = common_dir(&prefixes) else {
            return Ok(outputs);
        };
        let asset_home = format!("{}/", asset.id);
        if home.1.starts_with(&asset_home) {
            // The asset's own folder, even when one group is all there is (audio only).
            home.1 = asset_home;
        }
        let probe: Value = asset
            .probe_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or(Value::Null);
        let metadata = json!({
            "app": "vodstudio",
            "version": env!("CARGO_PKG_VERSION"),
            "asset_id": asset.id,
            "source": { "name": asset.source_name, "size_bytes": asset.size_bytes, "input": format!("s3://{}/{}", asset.input_bucket.as_deref().unwrap_or_default(), asset.input_key.as_deref().unwrap_or_default()) },
            "probe": probe,
            "plan": { "preset": planned["preset"], "rungs": planned["rungs"], "notes": planned["notes"] },
            "outputs": outputs,
        });
        let body = serde_json::to_vec_pretty(&metadata)
            .map_err(|e| PipelineError::new(FailureKind::Other, e.to_string()))?;
        self.backend
            .s3
            .put_object()
            .bucket(&home.0)
            .key(format!("{}metadata.json", home.1))
            .content_type("application/json")
            .body(body.into())
            .send()
            .await
            .map_err(|e| PipelineError::from_sdk("PutObject metadata.json", &e))?;
        super::scrub::publish(
            &self.backend.s3,
            &self.data_dir,
            &asset.id,
            &home.0,
            &home.1,
        )
        .await?;
        Ok(outputs)
    }
}

/// The deepest directory (bucket, `dir/` or empty) that holds every prefix, if they share a bucket.
fn common_dir(prefixes: &[(String, String)]) -> Option<(String, String)> {
    let (bucket, first) = prefixes.first()?;
    if prefixes.iter().any(|(b, _)| b != bucket) {
        return None;
    }
    let mut dir = first
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    while !prefixes.iter().all(|(_, p)| p.starts_with(&dir)) {
        dir = dir
            .trim_end_matches('/')
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
    }
    Some((bucket.clone(), dir))
}

/// Probes `path` and writes its poster to `<data_dir>/thumbs/<id>.jpg` (video only); returns the
/// probe JSON and the poster path. A file that is not media fails with `not_media`.
pub async fn probe_and_poster(
    data_dir: &Path,
    id: &str,
    path: &Path,
) -> Result<(String, Option<String>), PipelineError> {
    let path = path.to_path_buf();
    let thumbs = data_dir.join("thumbs");
    let data_dir = data_dir.to_path_buf();
    let id = id.to_owned();
    tokio::task::spawn_blocking(move || {
        let info = crate::media::probe(&path).map_err(|e| {
            let kind = if path.exists() {
                FailureKind::NotMedia
            } else {
                FailureKind::Local
            };
            // The media error names the file already.
            PipelineError::new(kind, e.to_string())
        })?;
        let json = serde_json::to_string(&info)
            .map_err(|e| PipelineError::new(FailureKind::Other, e.to_string()))?;
        let mut poster = None;
        if info.video().is_some() {
            let out = thumbs.join(format!("{id}.jpg"));
            let made = std::fs::create_dir_all(&thumbs)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    crate::media::poster(&path, &out, &Default::default())
                        .map_err(|e| e.to_string())
                });
            match made {
                Ok(_) => poster = Some(out.to_string_lossy().into_owned()),
                // A poster is a nicety: the asset goes on without one.
                Err(e) => tracing::warn!("no poster for {}: {e}", path.display()),
            }
            if let Some(duration_s) = info.duration_s.filter(|d| *d > 0.0) {
                super::scrub::make(&data_dir, &id, &path, duration_s);
            }
        }
        Ok((json, poster))
    })
    .await
    .map_err(|e| PipelineError::new(FailureKind::Other, e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::common_dir;

    fn p(b: &str, k: &str) -> (String, String) {
        (b.to_owned(), k.to_owned())
    }

    #[test]
    fn metadata_goes_in_the_directory_the_outputs_share() {
        let preset = [
            p("media", "a1/hls/"),
            p("media", "a1/mp4/"),
            p("media", "a1/thumbs/trip"),
        ];
        assert_eq!(common_dir(&preset), Some(p("media", "a1/")));
        assert_eq!(
            common_dir(&[p("media", "a1/hls/")]),
            Some(p("media", "a1/hls/"))
        );
        assert_eq!(
            common_dir(&[p("media", "x/"), p("media", "y/")]),
            Some(p("media", ""))
        );
        assert_eq!(common_dir(&[p("m1", "a/"), p("m2", "a/")]), None);
        assert_eq!(common_dir(&[]), None);
    }
}
