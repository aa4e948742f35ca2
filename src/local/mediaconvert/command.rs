//! The ffmpeg command line for a planned job: ONE process, one decode of the input, a `split`
//! filter graph feeding every video rendition, HLS groups through the hls muxer (one
//! `var_stream_map` variant per output), DASH groups through the dash muxer, file outputs as
//! plain output files.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;

use super::model::{
    AudioCodec, AudioPlan, Container, Gop, GroupKind, GroupPlan, H264Plan, JobPlan, OutputPlan,
    RateControl, Scaling, VideoCodec, VideoPlan,
};

/// What the engine learned about the input before building the command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceInfo {
    pub duration_s: f64,
    /// Average frame rate, when the input declares one.
    pub fps: Option<f64>,
}

/// Frame rate assumed for GOPs in seconds when neither the settings nor the input give one.
const FALLBACK_FPS: f64 = 25.0;

/// DASH segment names are written with this marker and renamed after ffmpeg finishes, because
/// the dash muxer names files per representation id, not per output.
pub(crate) const DASH_TMP_MARKER: &str = ".vodstudio-rep";

pub(crate) fn dash_tmp_init(base: &str) -> String {
    format!("{base}{DASH_TMP_MARKER}$RepresentationID$_init.mp4")
}

pub(crate) fn dash_tmp_media(base: &str) -> String {
    format!("{base}{DASH_TMP_MARKER}$RepresentationID$_$Number%09d$.mp4")
}

/// Builds the argument list (without the program name).
pub(crate) fn build(plan: &JobPlan, src: SourceInfo) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "warning",
        "-nostats",
        "-progress",
        "pipe:1",
        "-i",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.push(plan.input.clone().into_os_string());

    // One filter chain per video output, all fed by one split of the decoded input.
    let videos: Vec<(&GroupPlan, &VideoPlan)> = plan
        .groups
        .iter()
        .flat_map(|g| {
            g.outputs
                .iter()
                .filter_map(move |o| o.video.as_ref().map(|v| (g, v)))
        })
        .collect();
    if !videos.is_empty() {
        let mut graph = String::new();
        if videos.len() == 1 {
            graph.push_str("[0:v:0]null[s0];");
        } else {
            let _ = write!(graph, "[0:v:0]split={}", videos.len());
            for i in 0..videos.len() {
                let _ = write!(graph, "[s{i}]");
            }
            graph.push(';');
        }
        for (i, (_, video)) in videos.iter().enumerate() {
            let _ = write!(graph, "[s{i}]{}[v{i}];", video_chain(video));
        }
        graph.pop();
        args.push("-filter_complex".into());
        args.push(graph.into());
    }

    let mut next_video = 0usize;
    for group in &plan.groups {
        match group.kind {
            GroupKind::FileGroup => {
                for output in &group.outputs {
                    let mut a = Streams::default();
                    a.map(output, &mut next_video, group, src);
                    args.extend(a.args);
                    args.extend(file_muxer(group, output));
                }
            }
            GroupKind::HlsGroup {
                segment_length_s,
                integer_durations,
                ..
            } => {
                let mut a = Streams::default();
                let mut variants = Vec::new();
                for output in &group.outputs {
                    let (v, au) = a.map(output, &mut next_video, group, src);
                    let mut entry: Vec<String> = Vec::new();
                    if let Some(v) = v {
                        entry.push(format!("v:{v}"));
                    }
                    if let Some(au) = au {
                        entry.push(format!("a:{au}"));
                    }
                    entry.push(format!("name:{}", output.name_modifier));
                    variants.push(entry.join(","));
                }
                args.extend(a.args);
                let dir = pattern_escape(&group.dir);
                for s in [
                    "-f",
                    "hls",
                    "-hls_time",
                    &secs(segment_length_s),
                    "-hls_playlist_type",
                    "vod",
                    "-hls_list_size",
                    "0",
                    "-start_number",
                    "1",
                    "-hls_segment_type",
                    "mpegts",
                ] {
                    args.push(s.into());
                }
                if integer_durations {
                    args.extend(["-hls_flags".into(), "round_durations".into()]);
                }
                args.push("-hls_segment_filename".into());
                args.push(format!("{dir}/{}%v_%05d.ts", group.base).into());
                args.push("-master_pl_name".into());
                args.push(format!("{}.m3u8", group.base).into());
                args.push("-var_stream_map".into());
                args.push(variants.join(" ").into());
                args.push(
                    group
                        .dir
                        .join(format!("{}%v.m3u8", group.base))
                        .into_os_string(),
                );
            }
            GroupKind::DashIsoGroup {
                segment_length_s,
                fragment_length_s,
            } => {
                let mut a = Streams::default();
                for output in &group.outputs {
                    a.map(output, &mut next_video, group, src);
                }
                let sets = match (a.videos > 0, a.audios > 0) {
                    (true, true) => "id=0,streams=v id=1,streams=a",
                    (true, false) => "id=0,streams=v",
                    _ => "id=0,streams=a",
                };
                args.extend(a.args);
                for s in [
                    "-f",
                    "dash",
                    "-seg_duration",
                    &secs(segment_length_s),
                    "-use_template",
                    "1",
                    "-use_timeline",
                    "1",
                    "-single_file",
                    "0",
                    "-dash_segment_type",
                    "mp4",
                    "-adaptation_sets",
                    sets,
                ] {
                    args.push(s.into());
                }
                if fragment_length_s > 0.0 && fragment_length_s < segment_length_s {
                    for s in [
                        "-frag_type",
                        "duration",
                        "-frag_duration",
                        &secs(fragment_length_s),
                    ] {
                        args.push(s.into());
                    }
                }
                args.push("-init_seg_name".into());
                args.push(dash_tmp_init(&group.base).into());
                args.push("-media_seg_name".into());
                args.push(dash_tmp_media(&group.base).into());
                args.push(
                    group
                        .dir
                        .join(format!("{}.mpd", group.base))
                        .into_os_string(),
                );
            }
        }
    }
    args
}

fn secs(s: f64) -> String {
    format!("{}", (s * 1000.0).round() / 1000.0)
}

/// `%` is a pattern character in ffmpeg's segment and image file names.
fn pattern_escape(path: &Path) -> String {
    path.to_string_lossy().replace('%', "%%")
}

fn file_muxer(group: &GroupPlan, output: &OutputPlan) -> Vec<OsString> {
    let stem = group.output_stem(output);
    let file = |ext: &str| group.dir.join(format!("{stem}.{ext}")).into_os_string();
    let mut args: Vec<OsString> = Vec::new();
    let capture = output.video.as_ref().and_then(|v| match &v.codec {
        VideoCodec::FrameCapture(c) => Some(*c),
        VideoCodec::H264(_) => None,
    });
    match (output.container, capture) {
        (_, Some(c)) => {
            if let Some(max) = c.max_captures {
                args.extend(["-frames:v".into(), max.to_string().into()]);
            }
            // One image per selected frame: the image2 muxer would otherwise pad the gaps with
            // copies to keep a constant frame rate.
            args.extend(["-fps_mode".into(), "passthrough".into()]);
            // JPEG quality 1–100 onto mjpeg's qscale 31 (worst) … 2 (best).
            let q = 2 + ((100 - c.quality.min(100)) * 29 + 49) / 99;
            args.extend([
                "-q:v".into(),
                q.to_string().into(),
                "-f".into(),
                "image2".into(),
            ]);
            args.extend(["-start_number".into(), "0".into()]);
            args.push(format!("{}/{stem}.%07d.jpg", pattern_escape(&group.dir)).into());
        }
        (Container::Mp4 | Container::Mov, None) => {
            let format = if output.container == Container::Mov {
                "mov"
            } else {
                "mp4"
            };
            // MediaConvert's default MoovPlacement is PROGRESSIVE_DOWNLOAD: index first.
            args.extend([
                "-movflags".into(),
                "+faststart".into(),
                "-f".into(),
                format.into(),
            ]);
            args.push(file(&output.extension));
        }
        _ => {
            let format = match output.audio.as_ref().map(|a| a.codec) {
                Some(AudioCodec::Mp3) => Some("mp3"),
                // A copied stream: ffmpeg picks the muxer from the extension, which run_job
                // chose from the input's codec.
                Some(AudioCodec::Passthrough) => None,
                _ => Some("adts"),
            };
            if let Some(format) = format {
                args.extend(["-f".into(), format.into()]);
            }
            args.push(file(&output.extension));
        }
    }
    args
}

/// Stream mapping and per-stream encoder options for one ffmpeg output file.
#[derive(Default)]
struct Streams {
    args: Vec<OsString>,
    videos: usize,
    audios: usize,
}

impl Streams {
    /// Maps an output's video (the next filter-graph label) and audio; returns their indexes
    /// among this output file's video and audio streams.
    fn map(
        &mut self,
        output: &OutputPlan,
        next_video: &mut usize,
        group: &GroupPlan,
        src: SourceInfo,
    ) -> (Option<usize>, Option<usize>) {
        let mut v_index = None;
        if let Some(video) = &output.video {
            let i = self.videos;
            self.push(["-map".into(), format!("[v{next_video}]")]);
            *next_video += 1;
            if let VideoCodec::H264(h) = &video.codec {
                self.h264(i, h, group.kind.segment_length_s(), src);
            }
            self.videos += 1;
            v_index = Some(i);
        }
        let mut a_index = None;
        if let Some(audio) = &output.audio {
            let i = self.audios;
            self.push(["-map".into(), "0:a:0".into()]);
            self.audio(i, audio);
            self.audios += 1;
            a_index = Some(i);
        }
        (v_index, a_index)
    }

    fn push<const N: usize>(&mut self, items: [String; N]) {
        self.args.extend(items.into_iter().map(OsString::from));
    }

    fn opt(&mut self, name: &str, stream: &str, value: impl ToString) {
        self.push([format!("-{name}:{stream}"), value.to_string()]);
    }

    fn h264(&mut self, i: usize, h: &H264Plan, segment_s: Option<f64>, src: SourceInfo) {
        let s = format!("v:{i}");
        self.opt("c", &s, "libx264");
        self.opt("preset", &s, h.x264_preset);
        if let Some(p) = h.profile {
            self.opt("profile", &s, p);
        }
        if let Some(l) = &h.level {
            self.opt("level", &s, l);
        }
        let default_buffer = |b: u64| b.saturating_mul(2);
        match h.rate {
            RateControl::Cbr {
                bitrate_bps,
                buffer_bits,
            } => {
                self.opt("b", &s, bitrate_bps);
                self.opt("minrate", &s, bitrate_bps);
                self.opt("maxrate", &s, bitrate_bps);
                self.opt(
                    "bufsize",
                    &s,
                    buffer_bits.unwrap_or(default_buffer(bitrate_bps)),
                );
            }
            RateControl::Vbr {
                bitrate_bps,
                max_bitrate_bps,
                buffer_bits,
            } => {
                self.opt("b", &s, bitrate_bps);
                if let Some(max) = max_bitrate_bps {
                    self.opt("maxrate", &s, max);
                    self.opt("bufsize", &s, buffer_bits.unwrap_or(default_buffer(max)));
                }
            }
            RateControl::Qvbr {
                quality_level,
                max_bitrate_bps,
                buffer_bits,
            } => {
                // Quality level 1–10 onto x264's CRF scale: 7 (MediaConvert's web default) ≈ 23,
                // 10 ≈ 16, 1 ≈ 38.
                self.opt("crf", &s, format!("{:.1}", 40.0 - 2.4 * quality_level));
                self.opt("maxrate", &s, max_bitrate_bps);
                self.opt(
                    "bufsize",
                    &s,
                    buffer_bits.unwrap_or(default_buffer(max_bitrate_bps)),
                );
            }
        }
        let fps = h
            .framerate
            .map(|(n, d)| f64::from(n) / f64::from(d))
            .or(src.fps)
            .unwrap_or(FALLBACK_FPS);
        match h.gop {
            Some(Gop::Frames(n)) => self.opt("g", &s, n.round().max(1.0) as u64),
            Some(Gop::Seconds(secs)) => self.opt("g", &s, (secs * fps).round().max(1.0) as u64),
            None => {}
        }
        if let Some(seg) = segment_s.filter(|s| *s > 0.0) {
            // Every rendition cuts its segments at the same instants, so ABR switching is clean
            // and each segment lasts SegmentLength.
            self.opt(
                "force_key_frames",
                &s,
                format!("expr:gte(t,n_forced*{})", secs(seg)),
            );
        }
        if !h.scene_change_detect {
            self.opt("sc_threshold", &s, 0);
        }
        if let Some(bf) = h.b_frames {
            self.opt("bf", &s, bf);
        }
    }

    fn audio(&mut self, i: usize, a: &AudioPlan) {
        let s = format!("a:{i}");
        match a.codec {
            AudioCodec::Aac => self.opt("c", &s, "aac"),
            AudioCodec::Mp3 => self.opt("c", &s, "libmp3lame"),
            AudioCodec::Passthrough => self.opt("c", &s, "copy"),
        }
        if let Some(b) = a.bitrate_bps {
            self.opt("b", &s, b);
        }
        if let Some(q) = a.vbr_quality {
            self.opt("q", &s, q);
        }
        if let Some(r) = a.sample_rate_hz {
            self.opt("ar", &s, r);
        }
        if let Some(c) = a.channels {
            self.opt("ac", &s, c);
        }
    }
}

/// Frame rate, scaling and pixel format for one video output.
fn video_chain(video: &VideoPlan) -> String {
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
            filters.push(format!("select='isnan(prev_selected_t)+gte(t-prev_selected_t,{interval_s:.6})'"));
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
    use super::*;

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
