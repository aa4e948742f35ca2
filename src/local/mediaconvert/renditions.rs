//! The distinct encodes a job needs. Outputs asking for the same rendition (same picture filters,
//! same encoder settings) share one encode, which the packaging step then muxes into every output
//! that uses it: a ladder's 720p rung listed in HLS, MP4 and DASH costs one x264 encode, not three.

use super::command::SourceInfo;
use super::model::{
    AudioCodec, AudioPlan, Container, Gop, GroupPlan, H264Plan, JobPlan, OutputPlan, RateControl,
    Scaling, VideoCodec, VideoPlan,
};

/// Frame rate assumed for GOPs in seconds when neither the settings nor the input give one.
const FALLBACK_FPS: f64 = 25.0;

/// One encoder option without its stream specifier: `("crf", "23.2")` becomes `-crf:v:2 23.2`.
pub(crate) type EncoderOption = (&'static str, String);

/// One distinct video encode: a branch of the split filter graph feeding one libx264 encoder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VideoEncode {
    /// Filters from the decoded input to the encoder (frame rate, scaling, pixel format).
    pub chain: String,
    /// Every option that shapes the bitstream, forced keyframes included.
    pub options: Vec<EncoderOption>,
    /// The bitrate libx264 declares on its stream (CBR and VBR targets).
    pub bitrate_bps: Option<u64>,
    /// The cap libx264 exports as the stream's CPB maximum (VBR and QVBR caps, CBR rate).
    pub max_bitrate_bps: Option<u64>,
}

/// One distinct audio encode of the input's first audio track.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AudioEncode {
    pub options: Vec<EncoderOption>,
    /// The bitrate the encoder declares on its stream (none for MP3 VBR).
    pub bitrate_bps: Option<u64>,
}

/// The encodes one packaged output is muxed from (indexes into [`Renditions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sources {
    pub video: Option<usize>,
    pub audio: Option<usize>,
}

/// Every distinct encode of a job, and which outputs use which.
#[derive(Debug, Clone)]
pub(crate) struct Renditions {
    pub videos: Vec<VideoEncode>,
    pub audios: Vec<AudioEncode>,
    /// `sources[group][output]`; `None` for outputs the encode step writes itself (frame
    /// captures and elementary audio: nothing to share, nothing to package).
    pub sources: Vec<Vec<Option<Sources>>>,
}

/// Whether an output is muxed from shared encodes in the packaging step (HLS, DASH, MP4, MOV),
/// rather than written directly by the encode step (RAW: frame captures, elementary audio) or
/// from a caption sidecar.
pub(crate) fn is_packaged(output: &OutputPlan) -> bool {
    // Caption outputs are written from their sidecar after packaging (see `captions`).
    output.container != Container::Raw && output.captions.is_none()
}

impl Renditions {
    /// Finds the distinct encodes of `plan`, in the order outputs first ask for them.
    ///
    /// Keyframes: segmented outputs force them on their group's `SegmentLength` boundaries, so
    /// every rendition cuts segments at the same instants. An unsegmented output (a file) shares
    /// the encode of the first segmented output with otherwise equal settings: a few extra IDR
    /// frames cost a file little, a second encode costs a lot. Segmented outputs with different
    /// segment lengths get distinct encodes: forcing both sets of instants in one encode would
    /// put keyframes mid-segment in both groups and needs a less obvious expression than
    /// `n_forced × length`; ladders rarely mix segment lengths, so the simple rule costs little.
    pub(crate) fn of(plan: &JobPlan, src: SourceInfo) -> Self {
        struct User {
            at: (usize, usize),
            video: Option<(VideoEncode, Option<f64>)>,
            audio: Option<AudioEncode>,
        }
        let mut users = Vec::new();
        let mut sources = Vec::with_capacity(plan.groups.len());
        for (g, group) in plan.groups.iter().enumerate() {
            sources.push(vec![None; group.outputs.len()]);
            for (o, output) in group.outputs.iter().enumerate() {
                if !is_packaged(output) {
                    continue;
                }
                let video = output.video.as_ref().and_then(|v| match &v.codec {
                    VideoCodec::H264(h) => Some((video_encode(v, h, src), segment_length(group))),
                    VideoCodec::FrameCapture(_) => None,
                });
                users.push(User {
                    at: (g, o),
                    video,
                    audio: output.audio.as_ref().map(audio_encode),
                });
            }
        }
        let mut renditions = Renditions {
            videos: Vec::new(),
            audios: Vec::new(),
            sources,
        };
        for user in &users {
            let video = user.video.as_ref().map(|(encode, segment_s)| {
                let segment_s = segment_s.or_else(|| {
                    users.iter().find_map(|u| match &u.video {
                        Some((e, Some(s))) if e == encode => Some(*s),
                        _ => None,
                    })
                });
                let mut encode = encode.clone();
                if let Some(s) = segment_s {
                    encode.options.push((
                        "force_key_frames",
                        format!("expr:gte(t,n_forced*{})", secs(s)),
                    ));
                }
                index_of(&mut renditions.videos, encode)
            });
            let audio = user
                .audio
                .as_ref()
                .map(|a| index_of(&mut renditions.audios, a.clone()));
            renditions.sources[user.at.0][user.at.1] = Some(Sources { video, audio });
        }
        renditions
    }

    /// Whether any output goes through the packaging step.
    pub(crate) fn any_packaged(&self) -> bool {
        self.sources.iter().flatten().any(Option::is_some)
    }
}

fn segment_length(group: &GroupPlan) -> Option<f64> {
    group.kind.segment_length_s().filter(|s| *s > 0.0)
}

fn index_of<T: PartialEq>(items: &mut Vec<T>, item: T) -> usize {
    match items.iter().position(|x| *x == item) {
        Some(i) => i,
        None => {
            items.push(item);
            items.len() - 1
        }
    }
}

/// Seconds as ffmpeg options take them: at most millisecond precision, no trailing zeros.
pub(crate) fn secs(s: f64) -> String {
    format!("{}", (s * 1000.0).round() / 1000.0)
}

/// The libx264 encode for one H.264 output, without forced keyframes (those depend on the
/// groups that share it).
fn video_encode(video: &VideoPlan, h: &H264Plan, src: SourceInfo) -> VideoEncode {
    let mut o: Vec<EncoderOption> = vec![("c", "libx264".into()), ("preset", h.x264_preset.into())];
    if let Some(p) = h.profile {
        o.push(("profile", p.into()));
    }
    if let Some(l) = &h.level {
        o.push(("level", l.clone()));
    }
    let default_buffer = |b: u64| b.saturating_mul(2);
    let (bitrate_bps, max_bitrate_bps) = match h.rate {
        RateControl::Cbr {
            bitrate_bps,
            buffer_bits,
        } => {
            o.push(("b", bitrate_bps.to_string()));
            o.push(("minrate", bitrate_bps.to_string()));
            o.push(("maxrate", bitrate_bps.to_string()));
            let buffer = buffer_bits.unwrap_or(default_buffer(bitrate_bps));
            o.push(("bufsize", buffer.to_string()));
            (Some(bitrate_bps), Some(bitrate_bps))
        }
        RateControl::Vbr {
            bitrate_bps,
            max_bitrate_bps,
            buffer_bits,
        } => {
            o.push(("b", bitrate_bps.to_string()));
            if let Some(max) = max_bitrate_bps {
                o.push(("maxrate", max.to_string()));
                let buffer = buffer_bits.unwrap_or(default_buffer(max));
                o.push(("bufsize", buffer.to_string()));
            }
            (Some(bitrate_bps), max_bitrate_bps)
        }
        RateControl::Qvbr {
            quality_level,
            max_bitrate_bps,
            buffer_bits,
        } => {
            // Quality level 1–10 onto x264's CRF scale: 7 (MediaConvert's web default) ≈ 23,
            // 10 ≈ 16, 1 ≈ 38.
            o.push(("crf", format!("{:.1}", 40.0 - 2.4 * quality_level)));
            o.push(("maxrate", max_bitrate_bps.to_string()));
            let buffer = buffer_bits.unwrap_or(default_buffer(max_bitrate_bps));
            o.push(("bufsize", buffer.to_string()));
            (None, Some(max_bitrate_bps))
        }
    };
    let fps = h
        .framerate
        .map(|(n, d)| f64::from(n) / f64::from(d))
        .or(src.fps)
        .unwrap_or(FALLBACK_FPS);
    match h.gop {
        Some(Gop::Frames(n)) => o.push(("g", (n.round().max(1.0) as u64).to_string())),
        Some(Gop::Seconds(s)) => o.push(("g", ((s * fps).round().max(1.0) as u64).to_string())),
        None => {}
    }
    if !h.scene_change_detect {
        o.push(("sc_threshold", "0".into()));
    }
    if let Some(bf) = h.b_frames {
        o.push(("bf", bf.to_string()));
    }
    VideoEncode {
        chain: video_chain(video),
        options: o,
        bitrate_bps,
        max_bitrate_bps,
    }
}

pub(crate) fn audio_encode(a: &AudioPlan) -> AudioEncode {
    let mut o: Vec<EncoderOption> = vec![(
        "c",
        match a.codec {
            AudioCodec::Aac => "aac",
            AudioCodec::Mp3 => "libmp3lame",
            // The input's packets as they are (the output's container was chosen for them).
            AudioCodec::Passthrough => "copy",
        }
        .into(),
    )];
    if let Some(b) = a.bitrate_bps {
        o.push(("b", b.to_string()));
    }
    if let Some(q) = a.vbr_quality {
        o.push(("q", q.to_string()));
    }
    if let Some(r) = a.sample_rate_hz {
        o.push(("ar", r.to_string()));
    }
    if let Some(c) = a.channels {
        o.push(("ac", c.to_string()));
    }
    AudioEncode {
        options: o,
        bitrate_bps: a.bitrate_bps,
    }
}

/// Frame rate, scaling and pixel format for one video output.
pub(crate) fn video_chain(video: &VideoPlan) -> String {
    let mut filters: Vec<String> = Vec::new();
    match &video.codec {
        VideoCodec::H264(h) => {
            if let Some((n, d)) = h.framerate {
                filters.push(format!("fps={n}/{d}"));
            }
        }
        // Dropping frames before scaling: thumbnails cost one scale per capture, not per frame.
        // MediaConvert captures the first frame, then one every interval; `select` does exactly
        // that, where the `fps` filter shifts the times and writes nothing for a clip shorter than
        // the interval.
        VideoCodec::FrameCapture(c) => {
            let interval_s = f64::from(c.framerate.1) / f64::from(c.framerate.0.max(1));
            filters.push(format!(
                "select='isnan(prev_selected_t)+gte(t-prev_selected_t,{interval_s:.6})'"
            ));
        }
    }
    if let Some(scale) = scale_filter(video.width_px, video.height_px, video.scaling) {
        filters.push(scale);
    }
    if matches!(video.codec, VideoCodec::H264(_)) {
        // 8-bit 4:2:0: what the supported H.264 profiles and every player take.
        filters.push("format=yuv420p".into());
    }
    if filters.is_empty() {
        "null".into()
    } else {
        filters.join(",")
    }
}

fn scale_filter(width: Option<u32>, height: Option<u32>, scaling: Scaling) -> Option<String> {
    let fit = "force_original_aspect_ratio=decrease:force_divisible_by=2";
    Some(match (width, height) {
        (None, None) => return None,
        // One side given: the other follows the source's aspect ratio (rounded to even).
        (Some(w), None) => format!("scale={w}:-2"),
        (None, Some(h)) => format!("scale=-2:{h}"),
        (Some(w), Some(h)) => match scaling {
            Scaling::StretchToOutput => format!("scale={w}:{h},setsar=1"),
            Scaling::Default => {
                format!("scale={w}:{h}:{fit},pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1")
            }
            Scaling::Fit => format!("scale={w}:{h}:{fit},setsar=1"),
            Scaling::FitNoUpscale => {
                format!("scale=w='min({w},iw)':h='min({h},ih)':{fit},setsar=1")
            }
            Scaling::Fill => {
                format!("scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1")
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{json, Value};

    use super::*;
    use crate::local::mediaconvert::plan_job;

    fn preset() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/web-ladder.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    const SRC: SourceInfo = SourceInfo {
        duration_s: 10.0,
        fps: Some(25.0),
    };

    fn renditions(settings: &Value) -> Renditions {
        let plan = plan_job(settings, Path::new("/in/trip.mp4"), Path::new("/out")).unwrap();
        Renditions::of(&plan, SRC)
    }

    fn option<'a>(encode: &'a VideoEncode, name: &str) -> Option<&'a str> {
        encode
            .options
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn web_ladder_encodes_each_rung_once() {
        let r = renditions(&preset());
        // HLS 360/540/720/1080; MP4 720 and DASH 360/720 repeat HLS rungs.
        assert_eq!(r.videos.len(), 4, "{:#?}", r.videos);
        // AAC 96 kb/s and 128 kb/s.
        assert_eq!(r.audios.len(), 2, "{:#?}", r.audios);
        let src = |g: usize, o: usize| r.sources[g][o].unwrap();
        let (hls_360, hls_720) = (src(0, 0), src(0, 2));
        assert_eq!(
            src(1, 0).video,
            hls_720.video,
            "MP4 720p shares the HLS rung"
        );
        assert_eq!(src(1, 0).audio, hls_720.audio);
        assert_eq!(
            src(3, 0).video,
            hls_360.video,
            "DASH 360p shares the HLS rung"
        );
        assert_eq!(
            src(3, 1).video,
            hls_720.video,
            "DASH 720p shares the HLS rung"
        );
        assert_eq!((src(3, 2).video, src(3, 2).audio), (None, hls_720.audio));
        assert_eq!(
            r.sources[2],
            [None],
            "thumbnails are written by the encode step"
        );
        for v in &r.videos {
            assert_eq!(
                option(v, "force_key_frames"),
                Some("expr:gte(t,n_forced*6)")
            );
        }
        assert!(r.any_packaged());
    }

    #[test]
    fn different_settings_or_segment_lengths_are_distinct_encodes() {
        let mut v = preset();
        // The MP4 at a higher quality: no longer the HLS rung.
        v["Settings"]["OutputGroups"][1]["Outputs"][0]["VideoDescription"]["CodecSettings"]
            ["H264Settings"]["QvbrSettings"]["QvbrQualityLevel"] = json!(9);
        // DASH cut every 4 s: its rungs need keyframes HLS does not force.
        v["Settings"]["OutputGroups"][3]["OutputGroupSettings"]["DashIsoGroupSettings"]
            ["SegmentLength"] = json!(4);
        let r = renditions(&v);
        assert_eq!(r.videos.len(), 7, "{:#?}", r.videos);
        let mp4 = &r.videos[r.sources[1][0].unwrap().video.unwrap()];
        assert_eq!(option(mp4, "crf"), Some("18.4"));
        // Alone, a file output forces no keyframes.
        assert_eq!(option(mp4, "force_key_frames"), None);
        let dash = &r.videos[r.sources[3][0].unwrap().video.unwrap()];
        assert_eq!(
            option(dash, "force_key_frames"),
            Some("expr:gte(t,n_forced*4)")
        );
    }

    #[test]
    fn scaling_behaviours_map_to_filters() {
        assert_eq!(scale_filter(None, None, Scaling::Default), None);
        assert_eq!(
            scale_filter(None, Some(360), Scaling::Fill).unwrap(),
            "scale=-2:360"
        );
        assert!(scale_filter(Some(640), Some(480), Scaling::Default)
            .unwrap()
            .contains("pad=640:480"));
        assert!(scale_filter(Some(640), Some(480), Scaling::Fill)
            .unwrap()
            .contains("crop=640:480"));
        assert!(scale_filter(Some(640), Some(480), Scaling::FitNoUpscale)
            .unwrap()
            .contains("min(640,iw)"));
    }
}
