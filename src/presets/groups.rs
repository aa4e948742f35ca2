//! The planner's work on one preset for one source: the input, then each output group — which
//! outputs the source can feed, at what size, under which name and destination.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::ladder::{self, Size};
use super::plan::{retarget_destination, PlanError, PlanRequest, Rung, RungKind, MIN_SIDE_PX};
use super::GROUP_TYPES;
use crate::media::MediaInfo;

/// What planning needs to know of the source.
pub(super) struct Source<'a> {
    pub name: &'a str,
    /// Display size; None when there is no video.
    pub size: Option<Size>,
    pub has_audio: bool,
    pub audio_codec: Option<&'a str>,
}

impl<'a> Source<'a> {
    pub fn of(info: &'a MediaInfo, name: &'a str) -> Result<Self, PlanError> {
        let size = info.video().map(|(_, v)| {
            if v.display_width > 0 && v.display_height > 0 {
                Size::new(v.display_width, v.display_height)
            } else {
                Size::new(v.width, v.height)
            }
        });
        let audio = info.audio();
        if size.is_none() && audio.is_none() {
            return Err(PlanError::NoMediaStreams {
                source_name: name.to_string(),
            });
        }
        if let Some(s) = size.filter(|s| s.short() < MIN_SIDE_PX) {
            return Err(PlanError::SourceTooSmall {
                source_name: name.to_string(),
                width_px: s.width_px,
                height_px: s.height_px,
            });
        }
        Ok(Source {
            name,
            size,
            has_audio: audio.is_some(),
            audio_codec: audio.map(|(s, _)| s.codec.as_str()),
        })
    }
}

/// Plans one preset for one source, collecting notes and rungs as it goes.
pub(super) struct Planner<'a> {
    pub preset: &'a str,
    pub source: &'a Source<'a>,
    pub audio_only: bool,
    pub notes: Vec<String>,
    pub rungs: Vec<Rung>,
    pub req: &'a PlanRequest<'a>,
    /// Outputs whose `AudioDescriptions` were removed (the source has no audio).
    pub audio_removed: usize,
}

/// An output as the planner sees it.
struct Output {
    value: Value,
    video: Option<Video>,
    has_audio: bool,
    /// Its `AudioDescriptions` were removed (the source has no audio).
    audio_removed: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum VideoKind {
    Encode,
    Capture,
}

#[derive(Clone, Copy)]
struct Video {
    kind: VideoKind,
    width_px: Option<u32>,
    height_px: Option<u32>,
}

impl Output {
    fn new(value: Value) -> Self {
        let desc = &value["VideoDescription"];
        let video = desc.is_object().then(|| Video {
            kind: if desc["CodecSettings"]["Codec"] == "FRAME_CAPTURE" {
                VideoKind::Capture
            } else {
                VideoKind::Encode
            },
            width_px: dimension(&desc["Width"]),
            height_px: dimension(&desc["Height"]),
        });
        let has_audio = value["AudioDescriptions"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        Output {
            value,
            video,
            has_audio,
            audio_removed: false,
        }
    }

    fn name_modifier(&self) -> Option<&str> {
        self.value["NameModifier"].as_str()
    }

    /// `_720p`, or `#2` for an output without a name modifier.
    fn label(&self, index: usize) -> String {
        self.name_modifier()
            .map_or_else(|| format!("#{}", index + 1), str::to_string)
    }

    fn set_size(&mut self, size: Size) {
        let desc = &mut self.value["VideoDescription"];
        desc["Width"] = json!(size.width_px);
        desc["Height"] = json!(size.height_px);
    }
}

fn dimension(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok())
}

impl Planner<'_> {
    pub fn invalid(&self, path: &str, reason: &str) -> PlanError {
        PlanError::InvalidPreset {
            preset: self.preset.to_string(),
            path: path.to_string(),
            reason: reason.to_string(),
        }
    }

    /// `Inputs[0].FileInput` = the source; a preset without inputs gets one.
    pub fn input(&mut self, settings: &mut Map<String, Value>) -> Result<(), PlanError> {
        let inputs = settings
            .entry("Inputs")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(inputs) = inputs else {
            return Err(self.invalid("Settings.Inputs", "must be an array"));
        };
        if inputs.len() > 1 {
            return Err(self.invalid(
                "Settings.Inputs",
                "more than one input (stitching); vodstudio plans one source file per job",
            ));
        }
        if inputs.is_empty() {
            let mut input = json!({});
            if self.source.has_audio {
                input["AudioSelectors"] =
                    json!({"Audio Selector 1": {"DefaultSelection": "DEFAULT"}});
            }
            inputs.push(input);
            self.notes.push(
                "the preset has no input settings: one input added (default audio track)".into(),
            );
        }
        let Value::Object(input) = &mut inputs[0] else {
            return Err(self.invalid("Settings.Inputs[0]", "must be an object"));
        };
        input.insert("FileInput".into(), self.req.input_url.into());
        if !self.source.has_audio {
            // No output takes audio any more, and a selector with nothing to select can fail the
            // job.
            for key in ["AudioSelectors", "AudioSelectorGroups"] {
                if input.remove(key).is_some() {
                    self.notes.push(format!(
                        "{} has no audio: Settings.Inputs[0].{key} removed",
                        self.source.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Plans one output group; None when nothing of it applies to the source.
    pub fn group(&mut self, i: usize, mut group: Value) -> Result<Option<Value>, PlanError> {
        let at = format!("Settings.OutputGroups[{i}]");
        if !group.is_object() {
            return Err(self.invalid(&at, "must be an object"));
        }
        let group_type = match group["OutputGroupSettings"]["Type"].as_str() {
            Some(t) if GROUP_TYPES.contains(&t) => t.to_string(),
            _ => {
                return Err(self.invalid(
                    &format!("{at}.OutputGroupSettings.Type"),
                    "missing or not a known group type",
                ))
            }
        };
        let label = group["CustomName"]
            .as_str()
            .or_else(|| group["Name"].as_str())
            .unwrap_or(&group_type)
            .to_string();
        let Some(Value::Array(values)) = group.get_mut("Outputs").map(std::mem::take) else {
            return Err(self.invalid(&format!("{at}.Outputs"), "missing or not an array"));
        };
        let mut outputs = Vec::with_capacity(values.len());
        for (j, value) in values.into_iter().enumerate() {
            if !value.is_object() {
                return Err(self.invalid(&format!("{at}.Outputs[{j}]"), "must be an object"));
            }
            if let Some(out) = self.streams(&label, j, Output::new(value)) {
                outputs.push(out);
            }
        }
        if let Some(size) = self.source.size {
            self.ladder(&label, &mut outputs, size);
        }
        if self.audio_only && group_type == "FILE_GROUP_SETTINGS" {
            for out in &mut outputs {
                self.passthrough(&label, out);
            }
        }
        if outputs.is_empty() {
            self.notes.push(format!(
                "{label} group removed: none of its outputs apply to {}",
                self.source.name
            ));
            return Ok(None);
        }
        fill_name_modifiers(&mut outputs, &group_type, self.source.size);
        for out in &outputs {
            self.rungs
                .push(rung(&label, &group_type, out, self.source.size));
            self.audio_removed += usize::from(out.audio_removed);
        }
        group["Outputs"] = Value::Array(outputs.into_iter().map(|o| o.value).collect());
        self.destination(&at, &label, &group_type, &mut group)?;
        Ok(Some(group))
    }

    /// Drops what the source cannot feed: video outputs of an audio source, audio of a silent
    /// video (and its audio-only outputs).
    fn streams(&mut self, label: &str, j: usize, mut out: Output) -> Option<Output> {
        let name = out.label(j);
        if out.video.is_some() && self.source.size.is_none() {
            self.notes.push(format!(
                "{label} {name} dropped: {} has no video",
                self.source.name
            ));
            return None;
        }
        if out.has_audio && !self.source.has_audio {
            if out.video.is_none() {
                self.notes.push(format!(
                    "{label} {name} dropped: {} has no audio",
                    self.source.name
                ));
                return None;
            }
            if let Value::Object(o) = &mut out.value {
                o.remove("AudioDescriptions");
            }
            out.has_audio = false;
            out.audio_removed = true;
        }
        Some(out)
    }

    /// Sizes the group's rungs for the source: rungs above it are dropped (all of them above it:
    /// the smallest stays, at the source's size); kept rungs and frame captures take its aspect
    /// and orientation.
    fn ladder(&mut self, label: &str, outputs: &mut Vec<Output>, src: Size) {
        let short_sides: Vec<Option<u32>> = outputs
            .iter()
            .map(|o| match o.video {
                Some(v) => ladder::rung_short_side(v.width_px, v.height_px, src),
                None => None,
            })
            .collect();
        let encodes: Vec<usize> = (0..outputs.len())
            .filter(|&j| {
                short_sides[j].is_some()
                    && outputs[j]
                        .video
                        .is_some_and(|v| v.kind == VideoKind::Encode)
            })
            .collect();
        let fits = |j: usize| short_sides[j].is_some_and(|s| s <= src.short());
        // A source below every rung still gets one: the smallest, at its own size.
        let rescue = if !encodes.is_empty() && !encodes.iter().any(|&j| fits(j)) {
            encodes.iter().copied().min_by_key(|&j| short_sides[j])
        } else {
            None
        };
        let mut drop = vec![false; outputs.len()];
        for (j, out) in outputs.iter_mut().enumerate() {
            let (Some(video), Some(short)) = (out.video, short_sides[j]) else {
                continue;
            };
            let from = describe(video);
            let name = out.label(j);
            let size = match video.kind {
                VideoKind::Encode if rescue == Some(j) => {
                    let size = ladder::fit(src.short(), src);
                    self.notes.push(format!(
                        "{label} {name}: {from} → {size}, the size of the {src} source, which is \
                         smaller than every rung of the group"
                    ));
                    out.set_size(size);
                    continue;
                }
                VideoKind::Encode if !fits(j) => {
                    self.notes.push(format!(
                        "{label} {name} ({from}) dropped: above the {src} source"
                    ));
                    drop[j] = true;
                    continue;
                }
                _ => ladder::fit(short, src),
            };
            if Some(size.width_px) != video.width_px || Some(size.height_px) != video.height_px {
                self.notes.push(format!(
                    "{label} {name}: {from} → {size} to follow the {src} source"
                ));
            }
            out.set_size(size);
        }
        let mut j = 0;
        outputs.retain(|_| {
            j += 1;
            !drop[j - 1]
        });
    }

    /// An MP3 source's audio-only file outputs copy it untouched instead of re-encoding it.
    fn passthrough(&mut self, label: &str, out: &mut Output) {
        let single = out.value["AudioDescriptions"]
            .as_array()
            .is_some_and(|a| a.len() == 1);
        if self.source.audio_codec != Some("mp3") || out.video.is_some() || !single {
            return;
        }
        let was = out.value["AudioDescriptions"][0]["CodecSettings"]["Codec"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        out.value["AudioDescriptions"][0]["CodecSettings"] = json!({"Codec": "PASSTHROUGH"});
        out.value["ContainerSettings"] = json!({"Container": "RAW"});
        out.value["Extension"] = json!("mp3");
        self.notes.push(format!(
            "{label} {}: the MP3 source is passed through untouched (PASSTHROUGH, .mp3) instead \
             of encoded to {was}",
            out.label(0)
        ));
    }

    /// The group's `Destination` moves under `s3://<media bucket>/<asset id>/`.
    fn destination(
        &mut self,
        at: &str,
        label: &str,
        group_type: &str,
        group: &mut Value,
    ) -> Result<(), PlanError> {
        let key = settings_key(group_type);
        let path = format!("{at}.OutputGroupSettings.{key}.Destination");
        let settings = &mut group["OutputGroupSettings"][key];
        if settings.is_null() {
            *settings = json!({});
        }
        let Value::Object(settings) = settings else {
            return Err(self.invalid(
                &format!("{at}.OutputGroupSettings.{key}"),
                "must be an object",
            ));
        };
        let (bucket, asset) = (self.req.media_bucket, self.req.asset_id);
        let destination = match settings.get("Destination") {
            None | Some(Value::Null) => {
                let dir = default_dir(label, group_type);
                let d = format!("s3://{bucket}/{asset}/{dir}/");
                self.notes
                    .push(format!("{label} has no destination: writing to {d}"));
                d
            }
            Some(Value::String(d)) => retarget_destination(d, bucket, asset)
                .ok_or_else(|| self.invalid(&path, &format!("{d} is not an s3:// URL")))?,
            Some(_) => return Err(self.invalid(&path, "must be a string")),
        };
        settings.insert("Destination".into(), destination.into());
        Ok(())
    }
}

/// `1280x720`, `height 720`, `width 1280`, `source size`.
fn describe(v: Video) -> String {
    match (v.width_px, v.height_px) {
        (Some(w), Some(h)) => format!("{w}x{h}"),
        (Some(w), None) => format!("width {w}"),
        (None, Some(h)) => format!("height {h}"),
        (None, None) => "source size".into(),
    }
}

fn settings_key(group_type: &str) -> &'static str {
    match group_type {
        "HLS_GROUP_SETTINGS" => "HlsGroupSettings",
        "DASH_ISO_GROUP_SETTINGS" => "DashIsoGroupSettings",
        "CMAF_GROUP_SETTINGS" => "CmafGroupSettings",
        "MS_SMOOTH_GROUP_SETTINGS" => "MsSmoothGroupSettings",
        _ => "FileGroupSettings",
    }
}

/// Folder for a group without a destination: its custom name when that makes a folder name,
/// else one for its type.
fn default_dir(label: &str, group_type: &str) -> String {
    let slug: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    if !slug.is_empty() && label != group_type {
        return slug.to_string();
    }
    match group_type {
        "HLS_GROUP_SETTINGS" => "hls",
        "DASH_ISO_GROUP_SETTINGS" => "dash",
        "CMAF_GROUP_SETTINGS" => "cmaf",
        "MS_SMOOTH_GROUP_SETTINGS" => "mss",
        _ => "files",
    }
    .to_string()
}

/// Outputs sharing a group need distinct `NameModifier`s (MediaConvert requires them in
/// streaming groups and in file groups with several outputs): the planner names those without
/// one `_<short side>p`, `_thumb` or `_audio`.
fn fill_name_modifiers(outputs: &mut [Output], group_type: &str, size: Option<Size>) {
    if outputs.len() < 2 && group_type == "FILE_GROUP_SETTINGS" {
        return;
    }
    let mut used: HashSet<String> = outputs
        .iter()
        .filter_map(|o| o.name_modifier().map(str::to_string))
        .collect();
    for out in outputs.iter_mut().filter(|o| o.name_modifier().is_none()) {
        let short = |v: &Value| {
            let (w, h) = (dimension(&v["Width"]), dimension(&v["Height"]));
            w.zip(h)
                .map(|(w, h)| w.min(h))
                .or(h)
                .or(size.map(Size::short))
        };
        let base = match out.video {
            Some(v) if v.kind == VideoKind::Capture => "_thumb".to_string(),
            Some(_) => short(&out.value["VideoDescription"])
                .map_or_else(|| "_video".into(), |s| format!("_{s}p")),
            None if out.has_audio => "_audio".to_string(),
            None => "_out".to_string(),
        };
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        used.insert(name.clone());
        out.value["NameModifier"] = name.into();
    }
}

fn rung(group: &str, group_type: &str, out: &Output, source: Option<Size>) -> Rung {
    let v = &out.value;
    let desc = &v["VideoDescription"];
    let (width_px, height_px) = match out.video {
        Some(_) => match (dimension(&desc["Width"]), dimension(&desc["Height"])) {
            (None, None) => (source.map(|s| s.width_px), source.map(|s| s.height_px)),
            other => other,
        },
        None => (None, None),
    };
    let audio = &v["AudioDescriptions"][0]["CodecSettings"];
    Rung {
        group: group.to_string(),
        group_type: group_type.to_string(),
        name_modifier: out.name_modifier().map(str::to_string),
        kind: match out.video {
            Some(v) if v.kind == VideoKind::Capture => RungKind::FrameCapture,
            Some(_) => RungKind::Video,
            None if out.has_audio => RungKind::Audio,
            None => RungKind::Other,
        },
        width_px,
        height_px,
        video_codec: out
            .video
            .and_then(|_| desc["CodecSettings"]["Codec"].as_str().map(str::to_string)),
        video_bitrate_bps: out
            .video
            .and_then(|_| bitrate(&desc["CodecSettings"], true)),
        audio_codec: audio["Codec"].as_str().map(str::to_string),
        audio_bitrate_bps: bitrate(audio, false),
    }
}

/// The bitrate in a `CodecSettings`' codec-specific member (`H264Settings`, `AacSettings`…):
/// `MaxBitrate` first when `peak`, else `Bitrate`.
fn bitrate(codec_settings: &Value, peak: bool) -> Option<u64> {
    let Value::Object(members) = codec_settings else {
        return None;
    };
    members
        .iter()
        .filter(|(k, v)| k.ends_with("Settings") && v.is_object())
        .find_map(|(_, s)| {
            let max = if peak { s["MaxBitrate"].as_u64() } else { None };
            max.or_else(|| s["Bitrate"].as_u64())
        })
}
