//! Probe: what a creator's files contain, checked on generated media of every shape we meet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::media;
use vodstudio::media::{probe, HdrFormat, MediaError, MediaInfo, MediaKind, StreamDetails};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn landscape_mp4_reports_container_streams_and_audio() {
    let m = probe(&media("landscape.mp4")).unwrap();
    assert_eq!(m.kind, MediaKind::Video);
    assert_eq!(m.container, "mp4");
    assert!(m.format_name.contains("mp4"));
    assert!(close(m.duration_s.unwrap(), 10.0, 0.1), "{:?}", m.duration_s);
    assert_eq!(m.size_bytes, std::fs::metadata(media("landscape.mp4")).unwrap().len());
    assert!(m.bit_rate_bps.unwrap() > 100_000);
    let (vs, v) = m.video().unwrap();
    assert_eq!(vs.codec, "h264");
    assert!(vs.profile.is_some());
    assert_eq!((v.width, v.height, v.display_width, v.display_height), (1280, 720, 1280, 720));
    assert_eq!(v.rotation_deg, 0);
    assert_eq!(v.fps_avg, Some(30.0));
    assert_eq!(v.fps_nominal, Some(30.0));
    assert!(!v.variable_frame_rate);
    assert_eq!(v.pixel_format.as_deref(), Some("yuv420p"));
    assert_eq!(v.bit_depth, Some(8));
    assert_eq!(v.hdr, None);
    let (as_, a) = m.audio().unwrap();
    assert_eq!(as_.codec, "aac");
    assert_eq!(as_.profile.as_deref(), Some("LC"));
    assert_eq!(as_.language.as_deref(), Some("eng"));
    assert_eq!((a.channels, a.sample_rate_hz), (2, 48_000));
    assert_eq!(a.channel_layout.as_deref(), Some("stereo"));
}

#[test]
fn rotated_phone_video_reports_display_size_after_rotation() {
    let m = probe(&media("portrait.mp4")).unwrap();
    let (_, v) = m.video().unwrap();
    assert_eq!((v.width, v.height), (1280, 720), "coded size is as stored");
    assert_eq!((v.display_width, v.display_height), (720, 1280), "shown portrait");
    assert!(v.rotation_deg == 90 || v.rotation_deg == 270, "{}", v.rotation_deg);
}

#[test]
fn odd_dimensions_are_reported_exactly() {
    let (_, v) = probe(&media("odd.mp4")).unwrap().video().map(|(s, v)| (s.clone(), v.clone())).unwrap();
    assert_eq!((v.width, v.height), (853, 481));
    assert_eq!(v.pixel_format.as_deref(), Some("yuv444p"));
}

#[test]
fn variable_frame_rate_is_flagged_and_constant_is_not() {
    let m = probe(&media("vfr.mp4")).unwrap();
    let (_, v) = m.video().unwrap();
    assert!(v.variable_frame_rate, "avg {:?} nominal {:?}", v.fps_avg, v.fps_nominal);
    assert!(v.fps_avg.unwrap() < v.fps_nominal.unwrap());
    let m = probe(&media("short.mp4")).unwrap();
    assert!(!m.video().unwrap().1.variable_frame_rate);
}

#[test]
fn audio_only_files_are_kind_audio() {
    let mp3 = probe(&media("audio.mp3")).unwrap();
    assert_eq!((mp3.kind, mp3.container.as_str()), (MediaKind::Audio, "mp3"));
    assert!(mp3.video().is_none());
    assert_eq!(mp3.audio().unwrap().1.channels, 2);
    assert!(close(mp3.duration_s.unwrap(), 5.0, 0.1));
    let wav = probe(&media("audio.wav")).unwrap();
    assert_eq!((wav.kind, wav.container.as_str()), (MediaKind::Audio, "wav"));
    assert_eq!(wav.streams[0].codec, "pcm_s16le");
}

#[test]
fn surround_audio_reports_its_layout() {
    let m = probe(&media("surround.m4a")).unwrap();
    assert_eq!(m.kind, MediaKind::Audio);
    assert_eq!(m.container, "m4a");
    let (_, a) = m.audio().unwrap();
    assert_eq!(a.channels, 6);
    assert!(a.channel_layout.as_deref().unwrap().starts_with("5.1"), "{:?}", a.channel_layout);
}

#[test]
fn hdr10_and_hlg_are_detected_with_bit_depth() {
    let m = probe(&media("hdr10.mp4")).unwrap();
    let (s, v) = m.video().unwrap();
    assert_eq!(s.codec, "hevc");
    assert_eq!((v.hdr, v.bit_depth), (Some(HdrFormat::Hdr10), Some(10)));
    assert_eq!(v.color_primaries.as_deref(), Some("bt2020"));
    assert_eq!(v.color_transfer.as_deref(), Some("smpte2084"));
    let m = probe(&media("hlg.mkv")).unwrap();
    assert_eq!(m.container, "mkv");
    assert_eq!(m.video().unwrap().1.hdr, Some(HdrFormat::Hlg));
}

#[test]
fn subtitle_streams_and_their_languages_are_listed() {
    let m = probe(&media("subs.mkv")).unwrap();
    assert_eq!(m.subtitle_languages(), vec!["fra".to_string(), "ger".to_string()]);
    assert!(m.streams.iter().any(|s| matches!(s.details, StreamDetails::Subtitle) && s.codec == "subrip"));
}

#[test]
fn probe_json_round_trips_with_stable_field_names() {
    let m = probe(&media("landscape.mp4")).unwrap();
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["kind"], "video");
    assert_eq!(json["streams"][0]["type"], "video");
    assert_eq!(json["streams"][0]["display_width"], 1280);
    assert_eq!(json["streams"][1]["type"], "audio");
    assert_eq!(json["streams"][1]["sample_rate_hz"], 48000);
    let back: MediaInfo = serde_json::from_value(json).unwrap();
    assert_eq!(back, m);
}

#[test]
fn bad_inputs_get_a_typed_error_that_names_the_file() {
    let dir = common::tempdir();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (dir.path().join("missing.mp4"), "not_found"),
        (dir.path().to_path_buf(), "is_directory"),
        (media("empty.mp4"), "empty_file"),
        (media("text.mp4"), "not_media"),
        (media("truncated.mp4"), "truncated"),
        (media("image.png"), "still_image"),
        (media("image-renamed.mp4"), "still_image"),
    ];
    for (path, kind) in cases {
        let err: MediaError = probe(&path).expect_err(&format!("{} should fail", path.display()));
        assert_eq!(err.kind(), kind, "{}: {err}", path.display());
        assert!(err.to_string().contains(&path.display().to_string()), "message names the file: {err}");
    }
}
