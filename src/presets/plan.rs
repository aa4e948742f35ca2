//! Ladder planning: a preset + the probe of a source → the exact CreateJob body for that source.
//!
//! The planner fills in what only the source and the asset decide — the input URL, destinations
//! under `s3://<media bucket>/<asset id>/`, rung sizes (never above the source, in its aspect and
//! orientation), `UserMetadata` — and removes outputs the source cannot feed. Every other key of
//! the preset goes out as it came in.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::captions::{self, CaptionTrack};
use super::groups::{Planner, Source};
use super::Preset;
use crate::media::MediaInfo;

/// `UserMetadata.app` of every job vodstudio plans.
pub const APP_NAME: &str = "vodstudio";
/// Leading path segment of preset destinations that stands for the asset
/// (`s3://media-bucket/ASSET/hls/`).
pub const ASSET_PLACEHOLDER: &str = "ASSET";
/// Smallest picture side a rendition can have (MediaConvert's and the local engine's minimum).
pub const MIN_SIDE_PX: u32 = 32;

/// What to plan for: which asset, where its source is, where its outputs go.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    pub asset_id: &'a str,
    /// The source's file name, for `UserMetadata.source` and messages.
    pub source_name: &'a str,
    /// Where MediaConvert reads the source (`s3://<watch bucket>/inputs/<asset>/<name>`).
    pub input_url: &'a str,
    pub media_bucket: &'a str,
    /// MediaConvert role ARN; the preset's `Role` stays when None.
    pub role: Option<&'a str>,
    /// MediaConvert queue; the preset's `Queue` (or the default queue) when None.
    pub queue: Option<&'a str>,
    /// Sidecar caption files uploaded next to the source; empty for none.
    pub captions: &'a [CaptionTrack],
}

/// The job for one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedJob {
    /// The full CreateJob body in console casing (PascalCase): the preset's keys plus `Role`,
    /// `Queue` (when given), `Settings` with the input, destinations and rungs planned, and
    /// `UserMetadata`.
    pub body: Value,
    /// The preset the body comes from (the audio preset for audio-only sources).
    pub preset: String,
    /// What the job will produce, in output group and output order.
    pub rungs: Vec<Rung>,
    /// What the planner changed or left out, and why.
    pub notes: Vec<String>,
    /// The source has no video, so the audio preset was used.
    pub audio_only: bool,
}

/// One output the job will write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    /// The group's `CustomName`, else `Name`, else its type.
    pub group: String,
    /// `OutputGroupSettings.Type`, e.g. `HLS_GROUP_SETTINGS`.
    pub group_type: String,
    pub name_modifier: Option<String>,
    pub kind: RungKind,
    /// Picture size of video and frame-capture outputs.
    pub width_px: Option<u32>,
    pub height_px: Option<u32>,
    /// `VideoDescription.CodecSettings.Codec`, e.g. `H_264`.
    pub video_codec: Option<String>,
    /// The video's `MaxBitrate` (QVBR, VBR cap) or else `Bitrate`.
    pub video_bitrate_bps: Option<u64>,
    /// `AudioDescriptions[0].CodecSettings.Codec`, e.g. `AAC`, `PASSTHROUGH`.
    pub audio_codec: Option<String>,
    pub audio_bitrate_bps: Option<u64>,
}

/// What an output carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RungKind {
    /// Encoded video (with or without audio).
    Video,
    /// Still images (`FRAME_CAPTURE`).
    FrameCapture,
    /// Audio only.
    Audio,
    /// Sidecar captions (WebVTT or TTML) the planner added for the source's caption files.
    Captions,
    /// Neither (e.g. a captions-only output of the preset), passed on as the preset has it.
    Other,
}

/// A job could not be planned for this source with this preset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{source_name}: has no video or audio stream, so there is nothing to transcode")]
    NoMediaStreams { source_name: String },
    #[error(
        "{source_name}: the picture is {width_px}x{height_px}; renditions need at least \
         {MIN_SIDE_PX} pixels a side"
    )]
    SourceTooSmall {
        source_name: String,
        width_px: u32,
        height_px: u32,
    },
    #[error("preset {preset}: {path}: {reason}; fix the preset or choose another")]
    InvalidPreset {
        preset: String,
        path: String,
        reason: String,
    },
    #[error("preset {preset} produces nothing for {source_name}: {reason}")]
    NothingToProduce {
        preset: String,
        source_name: String,
        reason: String,
    },
    #[error("cannot plan: {0}")]
    InvalidRequest(String),
}

impl PlanError {
    /// A stable, machine-readable name for each kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            PlanError::NoMediaStreams { .. } => "no_media_streams",
            PlanError::SourceTooSmall { .. } => "source_too_small",
            PlanError::InvalidPreset { .. } => "invalid_preset",
            PlanError::NothingToProduce { .. } => "nothing_to_produce",
            PlanError::InvalidRequest(_) => "invalid_request",
        }
    }
}

/// Plans the job for the probed source `info`: `preset` for sources with video, `audio_preset`
/// for sources with audio only. See the module doc for what is filled in.
pub fn plan(
    info: &MediaInfo,
    preset: &Preset,
    audio_preset: &Preset,
    req: &PlanRequest,
) -> Result<PlannedJob, PlanError> {
    check_request(req)?;
    let source = Source::of(info, req.source_name)?;
    let (chosen, audio_only) = if source.size.is_some() {
        (preset, false)
    } else {
        (audio_preset, true)
    };
    let mut planner = Planner {
        preset: &chosen.name,
        source: &source,
        audio_only,
        notes: Vec::new(),
        rungs: Vec::new(),
        req,
        audio_removed: 0,
    };
    if audio_only && chosen.name != preset.name {
        planner.notes.push(format!(
            "{} has no video: planned with preset {} instead of {}",
            req.source_name, chosen.name, preset.name
        ));
    }
    let Value::Object(mut body) = chosen.job.clone() else {
        return Err(planner.invalid("(top level)", "must be a JSON object"));
    };
    let Some(Value::Object(settings)) = body.get_mut("Settings") else {
        return Err(planner.invalid("Settings", "missing or not an object"));
    };
    planner.input(settings)?;
    let Some(Value::Array(groups)) = settings.get_mut("OutputGroups") else {
        return Err(planner.invalid("Settings.OutputGroups", "missing or not an array"));
    };
    let mut kept = Vec::with_capacity(groups.len());
    for (i, group) in std::mem::take(groups).into_iter().enumerate() {
        if let Some(group) = planner.group(i, group)? {
            kept.push(group);
        }
    }
    if kept.is_empty() {
        return Err(PlanError::NothingToProduce {
            preset: chosen.name.clone(),
            source_name: req.source_name.to_string(),
            reason: "none of its outputs apply to this source".into(),
        });
    }
    *groups = kept;
    add_captions(settings, req.captions, audio_only, &mut planner);
    if planner.audio_removed > 0 {
        let n = planner.audio_removed;
        planner.notes.push(format!(
            "{} has no audio: AudioDescriptions removed from {n} output{}",
            req.source_name,
            if n == 1 { "" } else { "s" }
        ));
    }

    let mut metadata = match body.remove("UserMetadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(planner.invalid("UserMetadata", "must be an object")),
    };
    metadata.insert("asset_id".into(), req.asset_id.into());
    metadata.insert("app".into(), APP_NAME.into());
    metadata.insert("source".into(), req.source_name.into());
    body.insert("UserMetadata".into(), Value::Object(metadata));
    if let Some(role) = req.role {
        body.insert("Role".into(), role.into());
    }
    if let Some(queue) = req.queue {
        body.insert("Queue".into(), queue.into());
    }
    Ok(PlannedJob {
        body: Value::Object(body),
        preset: chosen.name.clone(),
        rungs: planner.rungs,
        notes: planner.notes,
        audio_only,
    })
}

/// Adds the sidecar captions to every streaming group (HLS, DASH ISO, CMAF) and their selectors
/// to the input. An audio-only job, or a preset without streaming groups, takes none: its outputs
/// are files, which carry no sidecar.
fn add_captions(
    settings: &mut Map<String, Value>,
    tracks: &[CaptionTrack],
    audio_only: bool,
    planner: &mut Planner<'_>,
) {
    if tracks.is_empty() {
        return;
    }
    let n = tracks.len();
    let files = if n == 1 { "file" } else { "files" };
    if audio_only {
        planner.notes.push(format!(
            "{n} caption {files} left out: audio-only outputs carry no captions"
        ));
        return;
    }
    let mut added = Vec::new();
    if let Some(Value::Array(groups)) = settings.get_mut("OutputGroups") {
        for group in groups.iter_mut() {
            let group_type = group["OutputGroupSettings"]["Type"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let label = group["CustomName"]
                .as_str()
                .or_else(|| group["Name"].as_str())
                .unwrap_or(&group_type)
                .to_string();
            added.extend(captions::add_outputs(group, &label, &group_type, tracks));
        }
    }
    if added.is_empty() {
        planner.notes.push(format!(
            "{n} caption {files} left out: preset {} has no HLS, DASH or CMAF group",
            planner.preset
        ));
        return;
    }
    if let Some(Value::Array(inputs)) = settings.get_mut("Inputs") {
        if let Some(Value::Object(input)) = inputs.first_mut() {
            input.insert("CaptionSelectors".into(), captions::selectors(tracks));
        }
    }
    // Caption rungs follow their group's media rungs, in group order.
    let mut rungs = std::mem::take(&mut planner.rungs);
    rungs.extend(added);
    planner.rungs = sort_rungs_by_group(rungs);
}

/// Stable sort keeping each group's rungs together, in the order groups first appear.
fn sort_rungs_by_group(rungs: Vec<Rung>) -> Vec<Rung> {
    let mut order: Vec<String> = Vec::new();
    for r in &rungs {
        if !order.contains(&r.group) {
            order.push(r.group.clone());
        }
    }
    let mut sorted = rungs;
    sorted.sort_by_key(|r| order.iter().position(|g| *g == r.group));
    sorted
}

/// `s3://any-bucket/ASSET/hls/` → `s3://<media_bucket>/<asset_id>/hls/`; any other path after the
/// bucket is kept under the asset (`s3://b/some/prefix/` → `s3://<media>/<asset>/some/prefix/`).
/// None when `destination` is not an `s3://` URL.
pub fn retarget_destination(
    destination: &str,
    media_bucket: &str,
    asset_id: &str,
) -> Option<String> {
    let rest = destination.strip_prefix("s3://")?;
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return None;
    }
    let path = match path.strip_prefix(ASSET_PLACEHOLDER) {
        Some("") => "",
        Some(after) if after.starts_with('/') => &after[1..],
        _ => path,
    };
    Some(format!(
        "s3://{media_bucket}/{asset_id}/{}",
        path.trim_start_matches('/')
    ))
}

fn check_request(req: &PlanRequest) -> Result<(), PlanError> {
    let bucket_ok = (3..=63).contains(&req.media_bucket.len())
        && req
            .media_bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !bucket_ok {
        return Err(PlanError::InvalidRequest(format!(
            "media bucket {:?} is not a valid S3 bucket name (3–63 lower-case letters, digits, \
             '-' and '.')",
            req.media_bucket
        )));
    }
    let asset_ok = !req.asset_id.is_empty()
        && req
            .asset_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !req.asset_id.starts_with('.');
    if !asset_ok {
        return Err(PlanError::InvalidRequest(format!(
            "asset id {:?} must be letters, digits, '-', '_' and '.' (it names a folder)",
            req.asset_id
        )));
    }
    if req.input_url.is_empty() {
        return Err(PlanError::InvalidRequest("the input URL is empty".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_move_under_the_asset() {
        let r = |d| retarget_destination(d, "media", "a1");
        assert_eq!(
            r("s3://media-bucket/ASSET/hls/").as_deref(),
            Some("s3://media/a1/hls/")
        );
        assert_eq!(
            r("s3://b/ASSET/hls/main").as_deref(),
            Some("s3://media/a1/hls/main")
        );
        assert_eq!(
            r("s3://theirs/some/prefix/").as_deref(),
            Some("s3://media/a1/some/prefix/")
        );
        assert_eq!(
            r("s3://b/ASSETS/x/").as_deref(),
            Some("s3://media/a1/ASSETS/x/")
        );
        assert_eq!(r("s3://b/ASSET").as_deref(), Some("s3://media/a1/"));
        assert_eq!(r("s3://b").as_deref(), Some("s3://media/a1/"));
        assert_eq!(r("/local/dir/"), None);
    }
}
