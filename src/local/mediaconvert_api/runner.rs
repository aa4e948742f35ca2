//! Running one job: fetch the `s3://` input from the local S3 into a work dir, run the engine into
//! a temp output root, upload every output under its destination, report `outputGroupDetails`.
//! Jobs wait for one of a few permits, so only so many ffmpeg processes run at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::jobs::{Jobs, Outcome};
use super::model::JobPhase;
use crate::local::mediaconvert::{
    normalize_keys, plan_job, run_job, EngineError, JobOutputs, JobPlan, SettingsError,
};

/// `errorCode`s of failed jobs (MediaConvert's numbering where it has one).
pub mod error_codes {
    /// The settings ask for something the local engine does not support, or are malformed.
    pub const INVALID_SETTINGS: i32 = 1010;
    /// The input is not a usable media file (unreadable, or lacks a stream the settings need).
    pub const INPUT_UNUSABLE: i32 = 1020;
    /// The input object could not be read from S3.
    pub const INPUT_NOT_FOUND: i32 = 1404;
    /// An output could not be written to S3.
    pub const OUTPUT_WRITE_FAILED: i32 = 1550;
    /// ffmpeg failed, or local I/O did.
    pub const TRANSCODE_FAILED: i32 = 1999;
}

/// Share of `jobPercentComplete` the transcode takes; the upload takes the rest.
const TRANSCODE_PERCENT_SHARE: f64 = 90.0;

/// What every run needs.
pub(crate) struct Runner {
    pub s3: aws_sdk_s3::Client,
    /// `<data_dir>/mediaconvert/work`: one dir per running job, removed when it ends.
    pub work_root: PathBuf,
    pub permits: Arc<Semaphore>,
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("{0}")]
    Settings(#[from] SettingsError),
    #[error("read input {url}: {detail}")]
    Input { url: String, detail: String },
    #[error("{0}")]
    Engine(#[from] EngineError),
    #[error("write output s3://{bucket}/{key}: {detail}")]
    Upload {
        bucket: String,
        key: String,
        detail: String,
    },
    #[error("{}: {detail}", path.display())]
    Io { path: PathBuf, detail: String },
    #[error("canceled")]
    Canceled,
}

impl RunError {
    fn error_code(&self) -> i32 {
        match self {
            RunError::Settings(_) => error_codes::INVALID_SETTINGS,
            RunError::Input { .. } => error_codes::INPUT_NOT_FOUND,
            RunError::Engine(
                EngineError::Input { .. }
                | EngineError::InputHasNoVideo { .. }
                | EngineError::InputHasNoAudio { .. }
                | EngineError::AudioNotPassable { .. },
            ) => error_codes::INPUT_UNUSABLE,
            RunError::Upload { .. } => error_codes::OUTPUT_WRITE_FAILED,
            RunError::Engine(_) | RunError::Io { .. } | RunError::Canceled => {
                error_codes::TRANSCODE_FAILED
            }
        }
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |e| RunError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }
}

/// The task of one job, from waiting for a permit to its final status.
pub(crate) async fn run(jobs: Arc<Jobs>, id: String, cancel: CancellationToken) {
    let permit = tokio::select! {
        permit = Arc::clone(&jobs.runner.permits).acquire_owned() => match permit {
            Ok(permit) => permit,
            Err(_) => return, // semaphore closed: shutting down
        },
        _ = cancel.cancelled() => return,
    };
    let Some(job) = jobs.start(&id) else { return };
    let work = jobs.runner.work_root.join(&id);
    // A previous process may have left this job's work dir half-filled.
    let _ = tokio::fs::remove_dir_all(&work).await;
    let result = execute(&jobs, &id, &job.settings, &work, &cancel).await;
    // A job that failed before fetching its input never made a work dir.
    if let Err(e) = tokio::fs::remove_dir_all(&work)
        .await
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        })
    {
        tracing::warn!(job = id, error = %e, "local MediaConvert: could not remove the work dir");
    }
    drop(permit);
    match result {
        Ok(details) => jobs.finish(&id, Outcome::Complete(details)),
        // Shutdown is not a cancel: the job stays PROGRESSING on disk and is run again next start.
        Err(RunError::Canceled | RunError::Engine(EngineError::Canceled))
            if jobs.shutdown.is_cancelled() => {}
        Err(RunError::Canceled | RunError::Engine(EngineError::Canceled)) => {
            jobs.finish(&id, Outcome::Canceled)
        }
        Err(e) => {
            tracing::info!(job = id, error = %e, "local MediaConvert: job failed");
            jobs.finish(
                &id,
                Outcome::Error {
                    code: e.error_code(),
                    message: e.to_string(),
                },
            );
        }
    }
}

async fn execute(
    jobs: &Jobs,
    id: &str,
    settings: &Value,
    work: &Path,
    cancel: &CancellationToken,
) -> Result<Value, RunError> {
    let url = file_input(settings)?;
    let (bucket, key) = parse_s3_url(&url).ok_or_else(|| SettingsError {
        path: "Settings.Inputs[0].FileInput".into(),
        reason: format!("{url:?} is not an s3://bucket/key URL"),
    })?;
    let name = key
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("input");
    let input = work.join("input").join(name);
    let out_root = work.join("out");
    let plan = plan_job(settings, &input, &out_root)?;

    tokio::select! {
        r = download(&jobs.runner.s3, bucket, key, &input) => r.map_err(|detail| RunError::Input { url: url.clone(), detail })?,
        _ = cancel.cancelled() => return Err(RunError::Canceled),
    }
    // Sidecar captions are fetched like the input, to where the plan expects them.
    for caption in &plan.captions {
        let (bucket, key) = parse_s3_url(&caption.url).ok_or_else(|| SettingsError {
            path: format!(
                "{}.SourceSettings.FileSourceSettings.SourceFile",
                caption.path
            ),
            reason: format!("{:?} is not an s3://bucket/key URL", caption.url),
        })?;
        tokio::select! {
            r = download(&jobs.runner.s3, bucket, key, &caption.file) => r.map_err(|detail| RunError::Input { url: caption.url.clone(), detail })?,
            _ = cancel.cancelled() => return Err(RunError::Canceled),
        }
    }

    jobs.set_phase(id, JobPhase::Transcoding);
    let on_progress = |p: crate::local::mediaconvert::Progress| {
        jobs.set_percent(
            id,
            (p.percent.clamp(0.0, 100.0) * TRANSCODE_PERCENT_SHARE / 100.0) as u32,
        );
    };
    let outputs = run_job(&plan, on_progress, cancel.clone()).await?;

    jobs.set_phase(id, JobPhase::Uploading);
    let files = list_files(&out_root).await?;
    for (n, path) in files.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(RunError::Canceled);
        }
        upload(&jobs.runner.s3, &out_root, path).await?;
        let uploaded = (n + 1) as f64 / files.len() as f64;
        jobs.set_percent(
            id,
            (TRANSCODE_PERCENT_SHARE + uploaded * (100.0 - TRANSCODE_PERCENT_SHARE)) as u32,
        );
    }
    Ok(details_json(&plan, &outputs))
}

/// `Settings.Inputs[0].FileInput`, whatever casing the job used.
fn file_input(settings: &Value) -> Result<String, SettingsError> {
    let normalized = normalize_keys(settings);
    let settings = normalized.get("Settings").unwrap_or(&normalized);
    match settings
        .get("Inputs")
        .and_then(|i| i.get(0))
        .and_then(|i| i.get("FileInput"))
    {
        Some(Value::String(url)) => Ok(url.clone()),
        _ => Err(SettingsError {
            path: "Settings.Inputs[0].FileInput".into(),
            reason: "required: the s3:// URL of the input".into(),
        }),
    }
}

/// `s3://bucket/key` → (bucket, key); both non-empty.
pub(crate) fn parse_s3_url(url: &str) -> Option<(&str, &str)> {
    let (bucket, key) = url.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

async fn download(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    to: &Path,
) -> Result<(), String> {
    if let Some(dir) = to.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("create {}: {e}", dir.display()))?;
    }
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
    let mut body = object.body;
    let mut file = tokio::fs::File::create(to)
        .await
        .map_err(|e| format!("create {}: {e}", to.display()))?;
    while let Some(chunk) = body.try_next().await.map_err(|e| e.to_string())? {
        file.write_all(&chunk)
            .await
            .map_err(|e| format!("write {}: {e}", to.display()))?;
    }
    file.flush()
        .await
        .map_err(|e| format!("write {}: {e}", to.display()))
}

/// Every file under `root`, sorted (playlists then reach S3 in a stable order).
async fn list_files(root: &Path) -> Result<Vec<PathBuf>, RunError> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let mut entries = tokio::fs::read_dir(&dir)
            .await
            .map_err(RunError::io(&dir))?;
        while let Some(entry) = entries.next_entry().await.map_err(RunError::io(&dir))? {
            let kind = entry.file_type().await.map_err(RunError::io(&dir))?;
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `<out_root>/<bucket>/<key…>` goes to `s3://<bucket>/<key…>`.
async fn upload(s3: &aws_sdk_s3::Client, out_root: &Path, path: &Path) -> Result<(), RunError> {
    let rel = path.strip_prefix(out_root).map_err(|e| RunError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let bucket = parts.next().unwrap_or_default();
    let key = parts.collect::<Vec<_>>().join("/");
    let body = ByteStream::from_path(path)
        .await
        .map_err(|e| RunError::Io {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    s3.put_object()
        .bucket(&bucket)
        .key(&key)
        .content_type(content_type(&key))
        .body(body)
        .send()
        .await
        .map_err(|e| RunError::Upload {
            bucket,
            key,
            detail: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
        })?;
    Ok(())
}

/// What players and CDNs expect for each output kind.
pub(crate) fn content_type(key: &str) -> &'static str {
    let ext = key
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mpd" => "application/dash+xml",
        "ts" => "video/mp2t",
        "mp4" | "m4s" | "cmfv" => "video/mp4",
        "m4a" | "cmfa" => "audio/mp4",
        "aac" => "audio/aac",
        "mp3" => "audio/mpeg",
        "mov" => "video/quicktime",
        "jpg" | "jpeg" => "image/jpeg",
        "vtt" => "text/vtt",
        _ => "application/octet-stream",
    }
}

/// `outputGroupDetails` as MediaConvert reports them, with `s3://` paths (plus the playlist and
/// output file paths its job-complete events carry).
fn details_json(plan: &JobPlan, outputs: &JobOutputs) -> Value {
    let url = |p: &PathBuf| {
        plan.s3_url_for(p)
            .unwrap_or_else(|| p.display().to_string())
    };
    let groups: Vec<Value> = outputs
        .output_group_details
        .iter()
        .map(|g| {
            let details: Vec<Value> = g
                .output_details
                .iter()
                .map(|o| {
                    let mut d = json!({
                        "outputFilePaths": o.output_file_paths.iter().map(url).collect::<Vec<_>>(),
                        "durationInMs": o.duration_in_ms,
                    });
                    if let (Some(w), Some(h)) = (o.width_in_px, o.height_in_px) {
                        d["videoDetails"] = json!({ "widthInPx": w, "heightInPx": h });
                    }
                    d
                })
                .collect();
            json!({
                "type": g.kind,
                "playlistFilePaths": g.playlist_file_paths.iter().map(url).collect::<Vec<_>>(),
                "outputDetails": details,
            })
        })
        .collect();
    Value::Array(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls() {
        assert_eq!(parse_s3_url("s3://b/k/x.mp4"), Some(("b", "k/x.mp4")));
        assert_eq!(parse_s3_url("s3://b/"), None);
        assert_eq!(parse_s3_url("https://b/k"), None);
    }

    #[test]
    fn content_types_of_outputs() {
        assert_eq!(
            content_type("a/master.m3u8"),
            "application/vnd.apple.mpegurl"
        );
        assert_eq!(content_type("a/x.MPD"), "application/dash+xml");
        assert_eq!(content_type("a/x_000001.ts"), "video/mp2t");
        assert_eq!(content_type("a/x.jpg"), "image/jpeg");
        assert_eq!(content_type("a/x.m4s"), "video/mp4");
    }
}
