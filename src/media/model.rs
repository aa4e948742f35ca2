//! The probe result: a stable, documented JSON shape (see docs/probe-json.md).

use serde::{Deserialize, Serialize};

/// What a file is, for the pipeline: something with moving pictures, or sound only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Video,
    Audio,
}

/// Everything vodstudio knows about a media file after probing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MediaInfo {
    /// The path as given.
    pub path: String,
    pub kind: MediaKind,
    /// Short container name: `mp4`, `mov`, `m4a`, `mkv`, `webm`, `mp3`, `wav`, `avi`, `mpegts`…
    pub container: String,
    /// ffmpeg's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format_name: String,
    pub format_long_name: Option<String>,
    pub duration_s: Option<f64>,
    pub size_bytes: u64,
    pub bit_rate_bps: Option<u64>,
    pub streams: Vec<StreamInfo>,
}

/// One stream of the container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StreamInfo {
    pub index: usize,
    pub codec: String,
    pub codec_long_name: Option<String>,
    pub profile: Option<String>,
    pub language: Option<String>,
    pub title: Option<String>,
    pub bit_rate_bps: Option<u64>,
    pub duration_s: Option<f64>,
    pub default: bool,
    #[serde(flatten)]
    pub details: StreamDetails,
}

/// Per-type facts; serialised with a `type` tag (`video`, `audio`, `subtitle`, `data`, `attachment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamDetails {
    Video(VideoInfo),
    Audio(AudioInfo),
    Subtitle,
    Data,
    Attachment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VideoInfo {
    /// Coded size, as stored.
    pub width: u32,
    pub height: u32,
    /// Size as shown: sample aspect ratio applied, then rotation.
    pub display_width: u32,
    pub display_height: u32,
    /// Clockwise rotation a player applies (0, 90, 180, 270), from the display matrix.
    pub rotation_deg: u32,
    /// Sample (pixel) aspect ratio as `num:den`, when not square.
    pub sample_aspect_ratio: Option<String>,
    /// Average frame rate over the stream.
    pub fps_avg: Option<f64>,
    /// Nominal (base) frame rate the timestamps are built on.
    pub fps_nominal: Option<f64>,
    /// True when frames are not evenly spaced (average and nominal rates differ).
    pub variable_frame_rate: bool,
    pub frame_count: Option<u64>,
    pub pixel_format: Option<String>,
    pub bit_depth: Option<u32>,
    pub color_range: Option<String>,
    pub color_primaries: Option<String>,
    pub color_transfer: Option<String>,
    pub color_space: Option<String>,
    /// `hdr10` (PQ transfer) or `hlg`; absent for SDR.
    pub hdr: Option<HdrFormat>,
    /// Cover art (an attached picture) rather than moving video.
    pub attached_picture: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum HdrFormat {
    Hdr10,
    Hlg,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AudioInfo {
    pub channels: u32,
    /// e.g. `mono`, `stereo`, `5.1(side)`.
    pub channel_layout: Option<String>,
    pub sample_rate_hz: u32,
    pub sample_format: Option<String>,
}

impl MediaInfo {
    /// The main video stream: the first that is real video, not cover art.
    pub fn video(&self) -> Option<(&StreamInfo, &VideoInfo)> {
        self.streams.iter().find_map(|s| match &s.details {
            StreamDetails::Video(v) if !v.attached_picture => Some((s, v)),
            _ => None,
        })
    }

    /// The main audio stream (the default one if marked, else the first).
    pub fn audio(&self) -> Option<(&StreamInfo, &AudioInfo)> {
        let audio = || {
            self.streams.iter().filter_map(|s| match &s.details {
                StreamDetails::Audio(a) => Some((s, a)),
                _ => None,
            })
        };
        audio().find(|(s, _)| s.default).or_else(|| audio().next())
    }

    /// Languages of the subtitle streams, in stream order (`und` when untagged).
    pub fn subtitle_languages(&self) -> Vec<String> {
        self.streams
            .iter()
            .filter(|s| matches!(s.details, StreamDetails::Subtitle))
            .map(|s| s.language.clone().unwrap_or_else(|| "und".into()))
            .collect()
    }
}
