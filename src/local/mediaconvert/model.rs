//! The planned job: what the engine will produce, parsed and validated from the settings JSON.
//! Everything here is decided before ffmpeg starts; nothing depends on the input's contents.

use std::path::PathBuf;

use serde::Serialize;

/// A validated job, ready to run.
#[derive(Debug, Clone, Serialize)]
pub struct JobPlan {
    /// The local file that replaces `Settings.Inputs[0].FileInput`.
    pub input: PathBuf,
    pub output_root: PathBuf,
    pub groups: Vec<GroupPlan>,
    /// `Settings.Inputs[0].CaptionSelectors` with a sidecar file, in selector-name order.
    pub captions: Vec<CaptionSource>,
}

/// A caption selector reading a sidecar file (`FileSourceSettings.SourceFile`).
#[derive(Debug, Clone, Serialize)]
pub struct CaptionSource {
    /// JSON path of the selector, e.g. `Settings.Inputs[0].CaptionSelectors.Captions Selector 1`.
    pub path: String,
    /// The selector's name, which `CaptionDescriptions[].CaptionSelectorName` refers to.
    pub name: String,
    /// `FileSourceSettings.SourceFile` as written (`s3://bucket/key`).
    pub url: String,
    /// Where the caller puts the sidecar before `run_job` (next to the input).
    pub file: PathBuf,
    pub format: CaptionFormat,
}

/// `SourceSettings.SourceType` of a sidecar the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaptionFormat {
    Srt,
    Webvtt,
}

/// A caption-only output's `CaptionDescriptions[0]`.
#[derive(Debug, Clone, Serialize)]
pub struct CaptionPlan {
    /// JSON path of the description.
    pub path: String,
    /// Index into [`JobPlan::captions`].
    pub source: usize,
    /// `CustomLanguageCode`, else `LanguageCode` in lower case (what manifests carry).
    pub language: Option<String>,
    /// `LanguageDescription`: the name players show.
    pub description: Option<String>,
    pub destination: CaptionDestination,
}

/// `DestinationSettings.DestinationType` the engine writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaptionDestination {
    /// Segmented WebVTT with its own media playlist (HLS groups).
    Webvtt,
    /// One sidecar TTML file in its own AdaptationSet (DASH ISO groups).
    Ttml,
}

/// One entry of `Settings.OutputGroups`.
#[derive(Debug, Clone, Serialize)]
pub struct GroupPlan {
    /// JSON path, e.g. `Settings.OutputGroups[2]`.
    pub path: String,
    /// `CustomName` or `Name`, when the settings give one.
    pub name: Option<String>,
    pub kind: GroupKind,
    /// The group's `Destination` as written (`s3://bucket/prefix/` or `s3://bucket/prefix/base`).
    pub destination: String,
    /// Where that destination lives under the output root: `<root>/<bucket>/<prefix>`.
    pub dir: PathBuf,
    /// Base file name: the destination's file part, else the input's name without extension.
    pub base: String,
    pub outputs: Vec<OutputPlan>,
}

/// The kind of output group, with the packaging settings the engine honours.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupKind {
    HlsGroup {
        segment_length_s: f64,
        min_segment_length_s: f64,
        integer_durations: bool,
    },
    DashIsoGroup {
        segment_length_s: f64,
        fragment_length_s: f64,
    },
    FileGroup,
}

impl GroupKind {
    /// The `type` MediaConvert reports in `outputGroupDetails`.
    pub fn details_type(&self) -> &'static str {
        match self {
            GroupKind::HlsGroup { .. } => "HLS_GROUP",
            GroupKind::DashIsoGroup { .. } => "DASH_ISO_GROUP",
            GroupKind::FileGroup => "FILE_GROUP",
        }
    }

    /// Segment length of segmented groups (keyframes are forced on its multiples).
    pub fn segment_length_s(&self) -> Option<f64> {
        match self {
            GroupKind::HlsGroup {
                segment_length_s, ..
            }
            | GroupKind::DashIsoGroup {
                segment_length_s, ..
            } => Some(*segment_length_s),
            GroupKind::FileGroup => None,
        }
    }
}

/// One entry of a group's `Outputs`.
#[derive(Debug, Clone, Serialize)]
pub struct OutputPlan {
    /// JSON path, e.g. `Settings.OutputGroups[0].Outputs[1]`.
    pub path: String,
    pub name_modifier: String,
    pub container: Container,
    /// File extension without the dot (`mp4`, `m3u8`, `jpg`, `mp3`…). Empty for a RAW
    /// passthrough output without `Extension` until `run_job` knows the input's audio codec.
    pub extension: String,
    pub video: Option<VideoPlan>,
    pub audio: Option<AudioPlan>,
    /// Set on caption-only outputs (which have neither video nor audio).
    pub captions: Option<CaptionPlan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Container {
    M3u8,
    Mpd,
    Mp4,
    Mov,
    /// No container: elementary audio (MP3, ADTS AAC) or frame-capture JPEGs.
    Raw,
}

/// `VideoDescription`.
#[derive(Debug, Clone, Serialize)]
pub struct VideoPlan {
    pub path: String,
    pub width_px: Option<u32>,
    pub height_px: Option<u32>,
    pub scaling: Scaling,
    pub codec: VideoCodec,
}

/// `ScalingBehavior`: how the picture meets the output size when the aspect ratios differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scaling {
    /// Fit inside, then pad to the exact output size (letterbox / pillarbox).
    Default,
    StretchToOutput,
    /// Fit inside; the output takes the fitted size (no padding).
    Fit,
    /// As `Fit`, but never larger than the input.
    FitNoUpscale,
    /// Cover the output size, crop the overflow.
    Fill,
}

#[derive(Debug, Clone, Serialize)]
pub enum VideoCodec {
    H264(H264Plan),
    FrameCapture(FrameCapturePlan),
}

#[derive(Debug, Clone, Serialize)]
pub struct H264Plan {
    pub rate: RateControl,
    pub gop: Option<Gop>,
    /// x264 profile name (`baseline`, `main`, `high`); None lets x264 choose.
    pub profile: Option<&'static str>,
    /// Level as x264 spells it (`4.1`); None is AUTO.
    pub level: Option<String>,
    /// Output frame rate (numerator, denominator); None follows the source.
    pub framerate: Option<(u32, u32)>,
    pub scene_change_detect: bool,
    pub b_frames: Option<u32>,
    /// x264 preset chosen from `QualityTuningLevel`.
    pub x264_preset: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Gop {
    Frames(f64),
    Seconds(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum RateControl {
    Cbr {
        bitrate_bps: u64,
        buffer_bits: Option<u64>,
    },
    Vbr {
        bitrate_bps: u64,
        max_bitrate_bps: Option<u64>,
        buffer_bits: Option<u64>,
    },
    /// Quality-defined VBR: a quality level 1–10 (fine-tuned by a fraction) under a bitrate cap.
    Qvbr {
        quality_level: f64,
        max_bitrate_bps: u64,
        buffer_bits: Option<u64>,
    },
}

impl RateControl {
    /// The bitrate a player should budget for (what HLS `BANDWIDTH` is derived from).
    pub fn peak_bps(&self) -> u64 {
        match *self {
            RateControl::Cbr { bitrate_bps, .. } => bitrate_bps,
            RateControl::Vbr {
                bitrate_bps,
                max_bitrate_bps,
                ..
            } => max_bitrate_bps.unwrap_or(bitrate_bps),
            RateControl::Qvbr {
                max_bitrate_bps, ..
            } => max_bitrate_bps,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FrameCapturePlan {
    /// Captures per second as a fraction (numerator, denominator).
    pub framerate: (u32, u32),
    pub max_captures: Option<u32>,
    /// JPEG quality 1–100.
    pub quality: u32,
}

/// `AudioDescriptions[0]`.
#[derive(Debug, Clone, Serialize)]
pub struct AudioPlan {
    pub path: String,
    pub codec: AudioCodec,
    pub bitrate_bps: Option<u64>,
    pub sample_rate_hz: Option<u32>,
    pub channels: Option<u32>,
    /// MP3 VBR quality 0–9 (replaces the bitrate).
    pub vbr_quality: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AudioCodec {
    Aac,
    Mp3,
    /// The input's audio, copied untouched (no decode, no encode).
    Passthrough,
}

/// Input audio codecs (libavcodec names) a RAW passthrough output can carry without a container,
/// with the extension (and so the ffmpeg muxer) each one gets.
pub(crate) const RAW_PASSTHROUGH_EXTENSIONS: &[(&str, &str)] = &[
    ("mp3", "mp3"),
    ("aac", "aac"),
    ("ac3", "ac3"),
    ("eac3", "eac3"),
    ("flac", "flac"),
];
