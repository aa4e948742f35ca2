//! Probing: what a file contains, read in-process with libavformat (no ffprobe subprocess).

use std::io::Read;
use std::path::Path;

use ffmpeg_next::format::context::Input;
use ffmpeg_next::media::Type as MediaType;
use ffmpeg_next::Rational;

use super::error::{MediaError, Result};
use super::ffi;
use super::model::{
    AudioInfo, HdrFormat, MediaInfo, MediaKind, StreamDetails, StreamInfo, VideoInfo,
};

/// Average and nominal frame rates further apart than this (relative) mean variable frame rate.
const VFR_RELATIVE_TOLERANCE: f64 = 0.015;

/// Probes one file. Blocking (file I/O and demuxing): call it from a blocking thread in async code.
pub fn probe(path: &Path) -> Result<MediaInfo> {
    let size_bytes = preflight(path)?;
    let input = super::open_input(path)?;
    describe(path, &input, size_bytes)
}

/// Checks what the filesystem can tell before libav gets the file, so those failures get a plain
/// answer (libav would say "No such file or directory" or "Invalid data" for all of them).
pub(crate) fn preflight(path: &Path) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| MediaError::io(path, &e))?;
    if meta.is_dir() {
        return Err(MediaError::IsDirectory { path: path.to_path_buf() });
    }
    // Opening catches "permission denied", which metadata alone does not.
    let mut file = std::fs::File::open(path).map_err(|e| MediaError::io(path, &e))?;
    if meta.len() == 0 {
        return Err(MediaError::Empty { path: path.to_path_buf() });
    }
    let mut probe_byte = [0u8; 1];
    file.read(&mut probe_byte).map_err(|e| MediaError::io(path, &e))?;
    Ok(meta.len())
}

/// True when the file starts like an ISO-BMFF (MP4/MOV) file: a box header then `ftyp`/`wide`/`mdat`.
pub(crate) fn looks_like_isobmff(path: &Path) -> bool {
    let mut head = [0u8; 12];
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    if f.read_exact(&mut head).is_err() {
        return false;
    }
    matches!(&head[4..8], b"ftyp" | b"wide" | b"mdat" | b"free" | b"skip")
}

fn seconds(ts: i64, tb: Rational) -> Option<f64> {
    (ts != ffmpeg_next::ffi::AV_NOPTS_VALUE && ts >= 0 && tb.denominator() != 0)
        .then(|| ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator()))
}

fn rate(r: Rational) -> Option<f64> {
    (r.numerator() > 0 && r.denominator() > 0)
        .then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn container_name(format_name: &str, path: &Path, input: &Input) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if format_name.starts_with("mov,") {
        return match input.metadata().get("major_brand").map(str::trim) {
            Some("qt") => "mov".into(),
            Some("M4A") | Some("M4B") => "m4a".into(),
            _ if ext == "mov" => "mov".into(),
            _ => "mp4".into(),
        };
    }
    if format_name.starts_with("matroska") {
        return if ext == "webm" { "webm".into() } else { "mkv".into() };
    }
    format_name.split(',').next().unwrap_or(format_name).to_string()
}

fn describe(path: &Path, input: &Input, size_bytes: u64) -> Result<MediaInfo> {
    let format_name = input.format().name().to_string();
    let mut streams = Vec::new();
    for stream in input.streams() {
        let params = stream.parameters();
        let raw = ffi::raw_params(&params);
        let tb = stream.time_base();
        let meta = stream.metadata();
        let disposition = stream.disposition();
        let details = match params.medium() {
            MediaType::Video => {
                let rotation_deg = ffi::display_rotation_cw(&stream);
                let (sar_num, sar_den) = raw.sar;
                let sar_w = if sar_num > 0 && sar_den > 0 && sar_num != sar_den {
                    (f64::from(raw.width) * f64::from(sar_num) / f64::from(sar_den)).round() as u32
                } else {
                    raw.width
                };
                let (display_width, display_height) = if rotation_deg % 180 == 90 {
                    (raw.height, sar_w)
                } else {
                    (sar_w, raw.height)
                };
                let fps_avg = rate(stream.avg_frame_rate());
                let fps_nominal = rate(stream.rate());
                let variable_frame_rate = match (fps_avg, fps_nominal) {
                    (Some(a), Some(n)) => (a - n).abs() / n > VFR_RELATIVE_TOLERANCE,
                    _ => false,
                };
                let hdr = match raw.color_transfer.as_deref() {
                    Some("smpte2084") => Some(HdrFormat::Hdr10),
                    Some("arib-std-b67") => Some(HdrFormat::Hlg),
                    _ => None,
                };
                StreamDetails::Video(VideoInfo {
                    width: raw.width,
                    height: raw.height,
                    display_width,
                    display_height,
                    rotation_deg,
                    sample_aspect_ratio: (sar_num > 0 && sar_den > 0 && sar_num != sar_den)
                        .then(|| format!("{sar_num}:{sar_den}")),
                    fps_avg: fps_avg.map(round3),
                    fps_nominal: fps_nominal.map(round3),
                    variable_frame_rate,
                    frame_count: (stream.frames() > 0).then_some(stream.frames() as u64),
                    pixel_format: raw.pixel_format.clone(),
                    bit_depth: raw.bit_depth,
                    color_range: raw.color_range.clone(),
                    color_primaries: raw.color_primaries.clone(),
                    color_transfer: raw.color_transfer.clone(),
                    color_space: raw.color_space.clone(),
                    hdr,
                    attached_picture: disposition
                        .contains(ffmpeg_next::format::stream::Disposition::ATTACHED_PIC),
                })
            }
            MediaType::Audio => StreamDetails::Audio(AudioInfo {
                channels: raw.channels,
                channel_layout: raw.channel_layout.clone(),
                sample_rate_hz: raw.sample_rate_hz,
                sample_format: raw.sample_format.clone(),
            }),
            MediaType::Subtitle => StreamDetails::Subtitle,
            MediaType::Attachment => StreamDetails::Attachment,
            _ => StreamDetails::Data,
        };
        if let StreamDetails::Video(v) = &details {
            let single_frame = stream.frames() <= 1;
            let image_demuxer = format_name.ends_with("_pipe") || format_name == "image2";
            if !v.attached_picture && (image_demuxer || (raw.intra_only_image && single_frame)) {
                return Err(MediaError::StillImage { path: path.to_path_buf(), codec: raw.codec_name });
            }
        }
        streams.push(StreamInfo {
            index: stream.index(),
            codec: raw.codec_name.clone(),
            codec_long_name: raw.codec_long_name.clone(),
            profile: raw.profile.clone(),
            language: meta.get("language").filter(|l| !l.is_empty()).map(str::to_string),
            title: meta.get("title").filter(|t| !t.is_empty()).map(str::to_string),
            bit_rate_bps: raw.bit_rate_bps,
            duration_s: seconds(stream.duration(), tb).map(round3),
            default: disposition.contains(ffmpeg_next::format::stream::Disposition::DEFAULT),
            details,
        });
    }

    let has_video = streams
        .iter()
        .any(|s| matches!(&s.details, StreamDetails::Video(v) if !v.attached_picture));
    let has_audio = streams.iter().any(|s| matches!(s.details, StreamDetails::Audio(_)));
    let kind = match (has_video, has_audio) {
        (true, _) => MediaKind::Video,
        (false, true) => MediaKind::Audio,
        (false, false) => return Err(MediaError::NoMediaStreams { path: path.to_path_buf() }),
    };
    let duration_s = seconds(input.duration(), Rational::new(1, ffmpeg_next::ffi::AV_TIME_BASE))
        .map(round3);
    let bit_rate_bps = if input.bit_rate() > 0 {
        Some(input.bit_rate() as u64)
    } else {
        duration_s.filter(|d| *d > 0.0).map(|d| (size_bytes as f64 * 8.0 / d) as u64)
    };
    Ok(MediaInfo {
        path: path.display().to_string(),
        kind,
        container: container_name(&format_name, path, input),
        format_long_name: ffi::format_long_name(input),
        format_name,
        duration_s,
        size_bytes,
        bit_rate_bps,
        streams,
    })
}
