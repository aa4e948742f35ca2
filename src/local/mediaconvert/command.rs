//! The two ffmpeg command lines of a job.
//!
//! 1. Encode: ONE process, one decode of the input. A `split` filter graph feeds one libx264
//!    encoder per distinct video rendition ([`Renditions`]); those and the distinct audio encodes
//!    go to one intermediate file. Frame captures and elementary audio outputs, which nothing
//!    shares, are written directly by this process.
//! 2. Package: ONE process stream-copies the intermediate into every HLS group (the hls muxer, one
//!    `var_stream_map` variant per output), DASH group (the dash muxer) and MP4/MOV file.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;

use super::model::{AudioCodec, Container, GroupKind, GroupPlan, JobPlan, OutputPlan, VideoCodec};
use super::renditions::{
    audio_encode, is_packaged, secs, video_chain, EncoderOption, Renditions, Sources,
};

/// What the engine learned about the input before building the command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceInfo {
    pub duration_s: f64,
    /// Average frame rate, when the input declares one.
    pub fps: Option<f64>,
}

/// The intermediate file holding every distinct encode, in the job's scratch dir.
///
/// MP4 keeps what stream copy needs intact: each track's own timescale (exact timestamps), the
/// negative decode times of B-frames and the AAC encoder's priming as edit lists (so packaged MP4
/// and DASH outputs start at 0 exactly as a direct encode's do), and the encoders' global headers
/// (avcC, AudioSpecificConfig: no ADTS). NUT shifts every timestamp to be non-negative (outputs
/// then start 21 ms late with the priming audible) and tags codecs in ways the mp4 muxer refuses;
/// Matroska rounds timestamps to milliseconds; MPEG-TS wraps AAC in ADTS and offsets time.
/// MP4's one cost: the hls muxer reads CODECS only from Annex B parameter sets, hence
/// `h264_mp4toannexb` on HLS video (see [`package`]).
pub(crate) const INTERMEDIATE_FILE: &str = "renditions.mp4";

/// DASH segment names are written with this marker and renamed after ffmpeg finishes, because
/// the dash muxer names files per representation id, not per output.
pub(crate) const DASH_TMP_MARKER: &str = ".vodstudio-rep";

pub(crate) fn dash_tmp_init(base: &str) -> String {
    format!("{base}{DASH_TMP_MARKER}$RepresentationID$_init.mp4")
}

pub(crate) fn dash_tmp_media(base: &str) -> String {
    format!("{base}{DASH_TMP_MARKER}$RepresentationID$_$Number%09d$.mp4")
}

fn start(progress: bool, input: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "warning",
        "-nostats",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    if progress {
        args.extend(["-progress".into(), "pipe:1".into()]);
    }
    args.push("-i".into());
    args.push(input.as_os_str().to_owned());
    args
}

/// The encode step (without the program name). `intermediate` is where the shared encodes go;
/// it is `Some` exactly when `r.any_packaged()`.
pub(crate) fn encode(plan: &JobPlan, r: &Renditions, intermediate: Option<&Path>) -> Vec<OsString> {
    let mut args = start(true, &plan.input);
    // Split branches: the distinct video encodes, then the frame captures in plan order.
    let mut chains: Vec<String> = Vec::new();
    if intermediate.is_some() {
        chains.extend(r.videos.iter().map(|v| v.chain.clone()));
    }
    let direct: Vec<(&GroupPlan, &OutputPlan)> = plan
        .groups
        .iter()
        .flat_map(|g| g.outputs.iter().map(move |o| (g, o)))
        .filter(|(_, o)| !is_packaged(o))
        .collect();
    chains.extend(
        direct
            .iter()
            .filter_map(|(_, o)| o.video.as_ref().map(video_chain)),
    );
    if !chains.is_empty() {
        let mut graph = String::new();
        if chains.len() == 1 {
            graph.push_str("[0:v:0]null[s0];");
        } else {
            let _ = write!(graph, "[0:v:0]split={}", chains.len());
            for i in 0..chains.len() {
                let _ = write!(graph, "[s{i}]");
            }
            graph.push(';');
        }
        for (i, chain) in chains.iter().enumerate() {
            let _ = write!(graph, "[s{i}]{chain}[v{i}];");
        }
        graph.pop();
        args.push("-filter_complex".into());
        args.push(graph.into());
    }

    let mut next_branch = 0usize;
    if let Some(file) = intermediate {
        let mut s = Streams::default();
        for v in &r.videos {
            s.map_video(&format!("[v{next_branch}]"));
            next_branch += 1;
            s.options('v', s.videos - 1, &v.options);
        }
        for a in &r.audios {
            s.map_audio("0:a:0");
            s.options('a', s.audios - 1, &a.options);
        }
        args.extend(s.args);
        args.extend(["-f".into(), "mp4".into(), file.as_os_str().to_owned()]);
    }
    for (group, output) in direct {
        let mut s = Streams::default();
        if output.video.is_some() {
            s.map_video(&format!("[v{next_branch}]"));
            next_branch += 1;
        }
        if let Some(audio) = &output.audio {
            s.map_audio("0:a:0");
            s.options('a', 0, &audio_encode(audio).options);
        }
        args.extend(s.args);
        args.extend(file_muxer(group, output));
    }
    args
}

/// The package step (without the program name): stream copies of the intermediate into every
/// HLS, DASH and MP4/MOV output.
pub(crate) fn package(plan: &JobPlan, r: &Renditions, intermediate: &Path) -> Vec<OsString> {
    let mut args = start(false, intermediate);
    for (group, sources) in plan.groups.iter().zip(&r.sources) {
        let used = || {
            group
                .outputs
                .iter()
                .zip(sources)
                .filter_map(|(o, s)| s.map(|s| (o, s)))
        };
        match group.kind {
            GroupKind::FileGroup => {
                for (output, src) in used() {
                    let mut s = Streams::default();
                    s.map_sources(src);
                    args.extend(s.args);
                    args.extend(["-c".into(), "copy".into()]);
                    args.extend(file_muxer(group, output));
                }
            }
            GroupKind::HlsGroup {
                segment_length_s,
                integer_durations,
                ..
            } => {
                let mut s = Streams::default();
                let mut variants = Vec::new();
                for (output, src) in used() {
                    let (v, a) = s.map_sources(src);
                    let mut entry: Vec<String> = Vec::new();
                    if let Some(v) = v {
                        entry.push(format!("v:{v}"));
                    }
                    if let Some(a) = a {
                        entry.push(format!("a:{a}"));
                    }
                    entry.push(format!("name:{}", output.name_modifier));
                    variants.push(entry.join(","));
                }
                s.declare_bitrates(r, &group.kind);
                args.extend(s.args);
                for a in ["-c", "copy", "-bsf:v", "h264_mp4toannexb"] {
                    args.push(a.into());
                }
                let dir = pattern_escape(&group.dir);
                for a in [
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
                    args.push(a.into());
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
                let mut s = Streams::default();
                // One track per output, in output order: representation ids are output indexes
                // (what `report::rename_dash_segments` relies on).
                for (_, src) in used() {
                    s.map_sources(src);
                }
                s.declare_bitrates(r, &group.kind);
                let sets = match (s.videos > 0, s.audios > 0) {
                    (true, true) => "id=0,streams=v id=1,streams=a",
                    (true, false) => "id=0,streams=v",
                    _ => "id=0,streams=a",
                };
                args.extend(s.args);
                for a in [
                    "-c",
                    "copy",
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
                    args.push(a.into());
                }
                if fragment_length_s > 0.0 && fragment_length_s < segment_length_s {
                    for a in [
                        "-frag_type",
                        "duration",
                        "-frag_duration",
                        &secs(fragment_length_s),
                    ] {
                        args.push(a.into());
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

/// Stream mapping and per-stream options for one ffmpeg output file.
#[derive(Default)]
struct Streams {
    args: Vec<OsString>,
    videos: usize,
    audios: usize,
    /// The encodes mapped, in this file's stream order.
    video_sources: Vec<usize>,
    audio_sources: Vec<usize>,
}

impl Streams {
    fn map_video(&mut self, from: &str) {
        self.args.extend(["-map".into(), from.into()]);
        self.videos += 1;
    }

    fn map_audio(&mut self, from: &str) {
        self.args.extend(["-map".into(), from.into()]);
        self.audios += 1;
    }

    /// Maps an output's encodes from the intermediate (video encode `i` is its `v:i`, audio
    /// encode `j` its `a:j`); returns their indexes among this file's video and audio streams.
    fn map_sources(&mut self, src: Sources) -> (Option<usize>, Option<usize>) {
        let v = src.video.map(|i| {
            self.map_video(&format!("0:v:{i}"));
            self.video_sources.push(i);
            self.videos - 1
        });
        let a = src.audio.map(|i| {
            self.map_audio(&format!("0:a:{i}"));
            self.audio_sources.push(i);
            self.audios - 1
        });
        (v, a)
    }

    fn options(&mut self, kind: char, index: usize, options: &[EncoderOption]) {
        for (name, value) in options {
            self.args.push(format!("-{name}:{kind}:{index}").into());
            self.args.push(value.into());
        }
    }

    /// A copied stream has no encoder to declare its bitrate, and the intermediate's demuxer
    /// reports a measured average instead: restate what the encoder declared, which the hls
    /// muxer turns into BANDWIDTH (libx264's target bitrate, else its CPB cap, so (peak + audio)
    /// × 1.1 for QVBR) and the dash muxer into `bandwidth` (the target bitrate, else measured).
    fn declare_bitrates(&mut self, r: &Renditions, kind: &GroupKind) {
        let hls = matches!(kind, GroupKind::HlsGroup { .. });
        let mut declared: Vec<OsString> = Vec::new();
        for (k, &i) in self.video_sources.iter().enumerate() {
            let v = &r.videos[i];
            let bps = if hls {
                v.bitrate_bps.or(v.max_bitrate_bps)
            } else {
                v.bitrate_bps
            };
            if let Some(bps) = bps {
                declared.extend([format!("-b:v:{k}").into(), bps.to_string().into()]);
            }
        }
        for (k, &i) in self.audio_sources.iter().enumerate() {
            if let Some(bps) = r.audios[i].bitrate_bps {
                declared.extend([format!("-b:a:{k}").into(), bps.to_string().into()]);
            }
        }
        self.args.extend(declared);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::*;
    use crate::local::mediaconvert::plan_job;

    fn preset() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/web-ladder.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    fn value_after<'a>(args: &'a [String], flag: &str) -> &'a str {
        let i = args.iter().position(|a| a == flag).unwrap();
        &args[i + 1]
    }

    #[test]
    fn web_ladder_encodes_four_videos_once_and_packages_them_everywhere() {
        let plan = plan_job(&preset(), Path::new("/in/trip.mp4"), Path::new("/out")).unwrap();
        let src = SourceInfo {
            duration_s: 10.0,
            fps: Some(25.0),
        };
        let r = Renditions::of(&plan, src);
        let scratch = Path::new("/scratch").join(INTERMEDIATE_FILE);

        let enc = strings(&encode(&plan, &r, Some(&scratch)));
        let x264 = enc
            .iter()
            .zip(enc.iter().skip(1))
            .filter(|(flag, value)| flag.starts_with("-c:v:") && *value == "libx264")
            .count();
        assert_eq!(x264, 4, "{enc:?}");
        let aac = enc.iter().filter(|a| a.starts_with("-c:a:")).count();
        assert_eq!(aac, 2, "{enc:?}");
        // Four rungs and the thumbnails, from one decode.
        assert!(value_after(&enc, "-filter_complex").starts_with("[0:v:0]split=5[s0]"));
        assert_eq!(enc.iter().filter(|a| *a == "-i").count(), 1);
        assert!(enc.contains(&scratch.to_string_lossy().into_owned()));
        assert!(enc.iter().any(|a| a.ends_with("trip_thumb.%07d.jpg")));

        let pkg = strings(&package(&plan, &r, &scratch));
        assert_eq!(value_after(&pkg, "-i"), scratch.to_string_lossy());
        assert!(!pkg
            .iter()
            .any(|a| a.contains("libx264") || a == "-filter_complex"));
        assert_eq!(
            value_after(&pkg, "-var_stream_map"),
            "v:0,a:0,name:_360p v:1,a:1,name:_540p v:2,a:2,name:_720p v:3,a:3,name:_1080p"
        );
        // HLS maps encodes 0..3 with their audio; the MP4 and DASH reuse encodes 2 and 0, 2.
        let maps: Vec<&str> = pkg
            .iter()
            .zip(pkg.iter().skip(1))
            .filter(|(flag, _)| *flag == "-map")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            maps,
            [
                "0:v:0", "0:a:0", "0:v:1", "0:a:0", "0:v:2", "0:a:1", "0:v:3", "0:a:1", // HLS
                "0:v:2", "0:a:1", // MP4
                "0:v:0", "0:v:2", "0:a:1", // DASH
            ]
        );
        // BANDWIDTH as the encoder would have declared it: QVBR's cap.
        assert_eq!(value_after(&pkg, "-b:v:3"), "6000000");
        assert!(pkg.iter().any(|a| a.ends_with("trip_720p.mp4")));
        assert!(pkg.iter().any(|a| a.ends_with("trip.mpd")));
    }
}
