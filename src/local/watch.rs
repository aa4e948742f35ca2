//! The watch folder: an object created under `inputs/` in the watch bucket starts a job from each
//! `jobs/*.json` template kept in that bucket (as the seeds' S3-triggered pipelines do), or from
//! the default preset when there is none, with outputs under `s3://<media-bucket>/<asset-id>/`. Multipart uploads only announce
//! themselves on completion, so a half-uploaded file never starts anything; the `*.CHUNK<n>`
//! pieces some uploaders write beside the final object are ignored.

use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::mediaconvert::normalize_keys;
use super::mediaconvert_api::{LocalMediaConvertHandle, NewJob};
use super::s3::ObjectCreated;

/// The preset the watch folder uses unless told otherwise.
pub const DEFAULT_PRESET_JSON: &str = include_str!("../../presets/web-ladder.json");

/// Key prefix in the watch bucket that starts jobs.
pub const WATCH_PREFIX: &str = "inputs/";

/// Key prefix in the watch bucket under which job templates (`*.json`) are kept.
pub const TEMPLATES_PREFIX: &str = "jobs/";

/// Role ARN put in watch-folder jobs (the local API checks none, MediaConvert requires one).
const WATCH_ROLE: &str = "arn:aws:iam::000000000000:role/vodstudio-local";

/// What to watch and what to run.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub watch_bucket: String,
    pub media_bucket: String,
    /// A job template (console export: `{"Settings": …}`) or bare settings.
    pub preset: Value,
}

/// True when this new object is a finished input in the watch bucket.
pub fn is_watched(event: &ObjectCreated, config: &WatchConfig) -> bool {
    event.bucket == config.watch_bucket
        && !is_chunk(&event.key)
        && !event.key.ends_with('/')
        && !is_caption_sidecar(&event.key)
        && event.key.strip_prefix(WATCH_PREFIX).is_some_and(|rest| !rest.is_empty())
}

/// `inputs/<asset>/trip.en.srt`: a caption file uploaded beside its source, which the source's
/// job reads; it starts no job of its own.
fn is_caption_sidecar(key: &str) -> bool {
    key.rsplit_once('.')
        .is_some_and(|(_, ext)| crate::presets::captions::CaptionFormat::from_extension(ext).is_some())
}

/// The job an object-created event starts from `preset` (the config's own when `None`), if any.
/// `template` names the `jobs/*.json` template it came from, recorded in the job's metadata.
pub fn job_for(
    event: &ObjectCreated,
    config: &WatchConfig,
    preset: Option<&Value>,
    template: Option<&str>,
) -> Option<NewJob> {
    if !is_watched(event, config) {
        return None;
    }
    let rest = event.key.strip_prefix(WATCH_PREFIX)?;
    // `inputs/<asset-id>/<name>` (what the uploader writes) or `inputs/<name>` (dropped by hand).
    let asset = match rest.split_once('/') {
        Some((asset, _)) if !asset.is_empty() => asset.to_owned(),
        _ => {
            let name = rest.rsplit('/').next().unwrap_or(rest);
            name.rsplit_once('.')
                .map(|(stem, _)| stem)
                .filter(|s| !s.is_empty())
                .unwrap_or(name)
                .to_owned()
        }
    };
    // One casing (the console's PascalCase) whatever the preset used; the engine reads either.
    let preset = normalize_keys(preset.unwrap_or(&config.preset));
    let mut settings = preset.get("Settings").unwrap_or(&preset).clone();
    let input = settings
        .get_mut("Inputs")
        .and_then(|i| i.get_mut(0))
        .and_then(Value::as_object_mut)?;
    input.insert(
        "FileInput".into(),
        Value::String(format!("s3://{}/{}", event.bucket, event.key)),
    );
    redirect_destinations(&mut settings, &config.media_bucket, &asset);
    let mut metadata = Map::new();
    metadata.insert("assetId".into(), Value::String(asset));
    metadata.insert("sourceKey".into(), Value::String(event.key.clone()));
    metadata.insert("app".into(), Value::String("vodstudio-watch".into()));
    if let Some(t) = template {
        metadata.insert("template".into(), Value::String(t.to_owned()));
    }
    Some(NewJob::new(WATCH_ROLE, settings, metadata))
}

/// `name.CHUNK3`: a piece of a chunked upload, not a finished file.
fn is_chunk(key: &str) -> bool {
    key.rsplit_once(".CHUNK")
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Every `Destination` `s3://<any>/<placeholder>/<rest>` becomes `s3://<media>/<asset>/<rest>`.
fn redirect_destinations(value: &mut Value, media_bucket: &str, asset: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "Destination" {
                    if let Value::String(dest) = v {
                        let rest = dest
                            .strip_prefix("s3://")
                            .and_then(|p| p.split_once('/'))
                            .and_then(|(_bucket, path)| path.split_once('/'))
                            .map(|(_placeholder, rest)| rest)
                            .unwrap_or("");
                        *dest = format!("s3://{media_bucket}/{asset}/{rest}");
                    }
                } else {
                    redirect_destinations(v, media_bucket, asset);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| redirect_destinations(v, media_bucket, asset)),
        _ => {}
    }
}

/// The `jobs/*.json` templates in the watch bucket, by key. A template that cannot be read or is
/// not JSON is skipped with an error in the log naming it (the others still run).
async fn templates(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, Value)> {
    let listed = match s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(TEMPLATES_PREFIX)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            tracing::error!(bucket, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "watch folder: cannot list job templates");
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for key in listed
        .contents()
        .iter()
        .filter_map(|o| o.key())
        .filter(|k| k.ends_with(".json"))
    {
        let body = match s3.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => out.body.collect().await.map(|b| b.into_bytes()),
            Err(e) => {
                tracing::error!(key, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "watch folder: cannot read job template");
                continue;
            }
        };
        match body
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            Some(v) => found.push((key.to_owned(), v)),
            None => tracing::error!(key, "watch folder: job template is not valid JSON; skipped"),
        }
    }
    found
}

/// Submits the jobs for each matching event until `stop` fires or the S3 server goes away.
pub(crate) async fn run(
    mut events: broadcast::Receiver<ObjectCreated>,
    s3: aws_sdk_s3::Client,
    mediaconvert: std::sync::Arc<LocalMediaConvertHandle>,
    config: WatchConfig,
    stop: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            e = events.recv() => e,
            _ = stop.cancelled() => return,
        };
        match event {
            Ok(event) if is_watched(&event, &config) => {
                let found = templates(&s3, &config.watch_bucket).await;
                let jobs: Vec<NewJob> = if found.is_empty() {
                    job_for(&event, &config, None, None).into_iter().collect()
                } else {
                    found
                        .iter()
                        .filter_map(|(key, t)| job_for(&event, &config, Some(t), Some(key)))
                        .collect()
                };
                for job in jobs {
                    match mediaconvert.submit(job) {
                        Ok(job) => tracing::info!(
                            job = job.id,
                            key = event.key,
                            "watch folder: job submitted"
                        ),
                        Err(e) => {
                            tracing::error!(key = event.key, error = %e, "watch folder: job not submitted")
                        }
                    }
                }
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "watch folder: fell behind the S3 events; some uploads started no job"
                )
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WatchConfig {
        WatchConfig {
            watch_bucket: "watch".into(),
            media_bucket: "media".into(),
            preset: serde_json::from_str(DEFAULT_PRESET_JSON).expect("preset parses"),
        }
    }

    fn event(bucket: &str, key: &str) -> ObjectCreated {
        ObjectCreated {
            bucket: bucket.into(),
            key: key.into(),
            size_bytes: 1,
            etag: "e".into(),
        }
    }

    #[test]
    fn starts_jobs_only_for_finished_inputs_in_the_watch_bucket() {
        let c = config();
        assert!(job_for(&event("watch", "inputs/a1/trip.mov"), &c, None, None).is_some());
        assert!(job_for(&event("watch", "inputs/trip.mov"), &c, None, None).is_some());
        assert!(job_for(&event("watch", "inputs/a1/trip.mov.CHUNK3"), &c, None, None).is_none());
        assert!(job_for(&event("watch", "inputs/a1/trip.en.SRT"), &c, None, None).is_none());
        assert!(job_for(&event("watch", "other/trip.mov"), &c, None, None).is_none());
        assert!(job_for(&event("media", "inputs/trip.mov"), &c, None, None).is_none());
        assert!(job_for(&event("watch", "inputs/a1/"), &c, None, None).is_none());
    }

    #[test]
    fn fills_in_the_input_and_the_asset_destinations() {
        let job =
            job_for(&event("watch", "inputs/a1/trip.mov"), &config(), None, None).expect("job");
        assert_eq!(
            job.settings["Inputs"][0]["FileInput"],
            "s3://watch/inputs/a1/trip.mov"
        );
        assert_eq!(
            job.settings["OutputGroups"][0]["OutputGroupSettings"]["HlsGroupSettings"]
                ["Destination"],
            "s3://media/a1/hls/"
        );
        assert_eq!(job.user_metadata["assetId"], "a1");
        let by_stem =
            job_for(&event("watch", "inputs/trip.mov"), &config(), None, None).expect("job");
        assert_eq!(by_stem.user_metadata["assetId"], "trip");
    }
}
