//! Parsing `VideoDescription` and `AudioDescriptions` into the engine's codec plans.

use super::error::SettingsError;
use super::json::Node;
use super::model::{
    AudioCodec, AudioPlan, FrameCapturePlan, Gop, H264Plan, RateControl, Scaling, VideoCodec,
    VideoPlan,
};

type Res<T> = Result<T, SettingsError>;

const MAX_BITRATE_BPS: i64 = 1_152_000_000;
const MAX_DIMENSION_PX: i64 = 8192;

pub(crate) fn video(desc: &Node<'_>) -> Res<VideoPlan> {
    // Features that reshape the picture beyond scaling: refusing beats silently ignoring them.
    desc.reject("VideoPreprocessors", "video preprocessors")?;
    desc.reject("Crop", "cropping")?;
    desc.reject("Position", "positioning")?;
    let width_px = dimension(desc, "Width")?;
    let height_px = dimension(desc, "Height")?;
    let scaling = match desc.enum_of(
        "ScalingBehavior",
        &[
            "DEFAULT",
            "STRETCH_TO_OUTPUT",
            "FIT",
            "FIT_NO_UPSCALE",
            "FILL",
        ],
    )? {
        None | Some("DEFAULT") => Scaling::Default,
        Some("STRETCH_TO_OUTPUT") => Scaling::StretchToOutput,
        Some("FIT") => Scaling::Fit,
        Some("FIT_NO_UPSCALE") => Scaling::FitNoUpscale,
        Some(_) => Scaling::Fill,
    };
    let codec_settings = desc.require("CodecSettings")?;
    let codec = match codec_settings
        .require("Codec")
        .and_then(|_| codec_settings.enum_of("Codec", &["H_264", "FRAME_CAPTURE"]))?
    {
        Some("FRAME_CAPTURE") => VideoCodec::FrameCapture(frame_capture(&codec_settings)?),
        _ => VideoCodec::H264(h264(&codec_settings.require("H264Settings")?)?),
    };
    Ok(VideoPlan {
        path: desc.path.clone(),
        width_px,
        height_px,
        scaling,
        codec,
    })
}

fn dimension(desc: &Node<'_>, key: &str) -> Res<Option<u32>> {
    let Some(px) = desc.int(key, 32, MAX_DIMENSION_PX)? else {
        return Ok(None);
    };
    // 4:2:0 chroma needs even sizes; MediaConvert enforces the same.
    if px % 2 != 0 {
        return Err(desc.require(key)?.err(format!("{px} must be even")));
    }
    Ok(Some(px as u32))
}

fn bitrate(node: &Node<'_>, key: &str) -> Res<Option<u64>> {
    Ok(node.int(key, 1000, MAX_BITRATE_BPS)?.map(|b| b as u64))
}

fn h264(s: &Node<'_>) -> Res<H264Plan> {
    let buffer_bits = s
        .int("HrdBufferSize", 0, MAX_BITRATE_BPS * 2)?
        .filter(|b| *b > 0);
    let buffer_bits = buffer_bits.map(|b| b as u64);
    let rate = match s.enum_of("RateControlMode", &["CBR", "VBR", "QVBR"])? {
        None | Some("CBR") => RateControl::Cbr {
            bitrate_bps: bitrate(s, "Bitrate")?
                .ok_or_else(|| SettingsError::new(format!("{}.Bitrate", s.path), "required"))?,
            buffer_bits,
        },
        Some("VBR") => RateControl::Vbr {
            bitrate_bps: bitrate(s, "Bitrate")?
                .ok_or_else(|| SettingsError::new(format!("{}.Bitrate", s.path), "required"))?,
            max_bitrate_bps: bitrate(s, "MaxBitrate")?,
            buffer_bits,
        },
        Some(_) => {
            let qvbr = s.object("QvbrSettings")?;
            let level = match &qvbr {
                Some(q) => q.int("QvbrQualityLevel", 1, 10)?,
                None => None,
            };
            let fine = match &qvbr {
                Some(q) => q.num("QvbrQualityLevelFineTune")?.unwrap_or(0.0),
                None => 0.0,
            };
            RateControl::Qvbr {
                // MediaConvert's own default when the level is left out.
                quality_level: level.unwrap_or(7) as f64 + fine.clamp(0.0, 0.99),
                // QVBR without a cap would make HLS BANDWIDTH meaningless; MediaConvert
                // requires it too.
                max_bitrate_bps: bitrate(s, "MaxBitrate")?.ok_or_else(|| {
                    SettingsError::new(format!("{}.MaxBitrate", s.path), "required with QVBR")
                })?,
                buffer_bits,
            }
        }
    };
    let gop = match s.num("GopSize")? {
        None => None,
        Some(size) if size <= 0.0 => None,
        Some(size) => match s.enum_of("GopSizeUnits", &["FRAMES", "SECONDS", "AUTO"])? {
            None | Some("FRAMES") => Some(Gop::Frames(size)),
            Some("SECONDS") => Some(Gop::Seconds(size)),
            Some(_) => None,
        },
    };
    let profile = match s.enum_of("CodecProfile", &["BASELINE", "MAIN", "HIGH"])? {
        Some("BASELINE") => Some("baseline"),
        Some("MAIN") => Some("main"),
        Some(_) => Some("high"),
        None => None,
    };
    let level = match s.str("CodecLevel")? {
        None | Some("AUTO") => None,
        Some(l) => Some(parse_level(l).ok_or_else(|| {
            SettingsError::new(
                format!("{}.CodecLevel", s.path),
                format!("{l} not supported"),
            )
        })?),
    };
    let framerate = match s.enum_of("FramerateControl", &["INITIALIZE_FROM_SOURCE", "SPECIFIED"])? {
        Some("SPECIFIED") => Some((
            positive(s, "FramerateNumerator")?,
            positive(s, "FramerateDenominator")?,
        )),
        _ => None,
    };
    s.enum_of("InterlaceMode", &["PROGRESSIVE"])?;
    s.enum_of("Telecine", &["NONE"])?;
    s.enum_of("ParControl", &["INITIALIZE_FROM_SOURCE"])?;
    let scene_change_detect = !matches!(
        s.enum_of(
            "SceneChangeDetect",
            &["ENABLED", "DISABLED", "TRANSITION_DETECTION"]
        )?,
        Some("DISABLED")
    );
    let b_frames = s
        .int("NumberBFramesBetweenReferenceFrames", 0, 7)?
        .map(|b| b as u32);
    // One pass everywhere; the "HQ" levels buy quality with slower x264 presets instead.
    let x264_preset = match s.enum_of(
        "QualityTuningLevel",
        &["SINGLE_PASS", "SINGLE_PASS_HQ", "MULTI_PASS_HQ"],
    )? {
        Some("SINGLE_PASS_HQ") => "fast",
        Some("MULTI_PASS_HQ") => "medium",
        _ => crate::limits::ENGINE_X264_DEFAULT_PRESET,
    };
    Ok(H264Plan {
        rate,
        gop,
        profile,
        level,
        framerate,
        scene_change_detect,
        b_frames,
        x264_preset,
    })
}

fn positive(s: &Node<'_>, key: &str) -> Res<u32> {
    s.int(key, 1, i64::from(i32::MAX))?
        .map(|n| n as u32)
        .ok_or_else(|| SettingsError::new(format!("{}.{key}", s.path), "required"))
}

/// `LEVEL_4_1` → `4.1`, `LEVEL_3` → `3`.
fn parse_level(level: &str) -> Option<String> {
    let rest = level.strip_prefix("LEVEL_")?;
    let valid = [
        "1", "1_1", "1_2", "1_3", "2", "2_1", "2_2", "3", "3_1", "3_2", "4", "4_1", "4_2", "5",
        "5_1", "5_2",
    ];
    valid.contains(&rest).then(|| rest.replace('_', "."))
}

fn frame_capture(codec_settings: &Node<'_>) -> Res<FrameCapturePlan> {
    let s = codec_settings.object("FrameCaptureSettings")?;
    let get = |key: &str, min: i64, max: i64| -> Res<Option<i64>> {
        match &s {
            Some(s) => s.int(key, min, max),
            None => Ok(None),
        }
    };
    let num = get("FramerateNumerator", 1, i64::from(i32::MAX))?.unwrap_or(1) as u32;
    let den = get("FramerateDenominator", 1, i64::from(i32::MAX))?.unwrap_or(1) as u32;
    let max_captures = get("MaxCaptures", 1, 10_000_000)?.map(|n| n as u32);
    let quality = get("Quality", 1, 100)?.unwrap_or(80) as u32;
    Ok(FrameCapturePlan {
        framerate: (num, den),
        max_captures,
        quality,
    })
}

/// `AudioDescriptions`: at most one per output (the engine maps the input's first audio track).
pub(crate) fn audio(output: &Node<'_>) -> Res<Option<AudioPlan>> {
    let descs = output.array("AudioDescriptions")?;
    if descs.len() > 1 {
        return Err(descs[1].err("more than one audio track per output not supported"));
    }
    let Some(desc) = descs.first() else {
        return Ok(None);
    };
    desc.reject("RemixSettings", "channel remixing")?;
    let cs = desc.require("CodecSettings")?;
    cs.require("Codec")?;
    let plan = match cs.enum_of("Codec", &["AAC", "MP3", "PASSTHROUGH"])? {
        // A stream copy has nothing to configure; the container decides whether it fits.
        Some("PASSTHROUGH") => AudioPlan {
            path: desc.path.clone(),
            codec: AudioCodec::Passthrough,
            bitrate_bps: None,
            sample_rate_hz: None,
            channels: None,
            vbr_quality: None,
        },
        Some("MP3") => {
            let s = cs.require("Mp3Settings")?;
            let vbr = matches!(s.enum_of("RateControlMode", &["CBR", "VBR"])?, Some("VBR"));
            AudioPlan {
                path: desc.path.clone(),
                codec: AudioCodec::Mp3,
                bitrate_bps: if vbr { None } else { bitrate(&s, "Bitrate")? },
                sample_rate_hz: s.int("SampleRate", 8000, 48000)?.map(|r| r as u32),
                channels: s.int("Channels", 1, 2)?.map(|c| c as u32),
                vbr_quality: if vbr {
                    s.int("VbrQuality", 0, 9)?.map(|q| q as u32)
                } else {
                    None
                },
            }
        }
        _ => {
            let s = cs.require("AacSettings")?;
            s.enum_of("CodecProfile", &["LC"])?;
            let channels = match s.enum_of(
                "CodingMode",
                &["CODING_MODE_1_0", "CODING_MODE_2_0", "CODING_MODE_5_1"],
            )? {
                Some("CODING_MODE_1_0") => Some(1),
                Some("CODING_MODE_2_0") => Some(2),
                Some(_) => Some(6),
                None => None,
            };
            AudioPlan {
                path: desc.path.clone(),
                codec: AudioCodec::Aac,
                bitrate_bps: bitrate(&s, "Bitrate")?,
                sample_rate_hz: s.int("SampleRate", 8000, 96000)?.map(|r| r as u32),
                channels,
                vbr_quality: None,
            }
        }
    };
    Ok(Some(plan))
}
