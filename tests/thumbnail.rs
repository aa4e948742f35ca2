//! Thumbnails: posters at the right time, upright, with the right aspect and not black; sprites.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ffmpeg, media, tempdir};
use vodstudio::media::{poster, sprite, PosterOptions, SpriteOptions};

/// Mean absolute difference per channel (0–255) of two same-sized pictures.
fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.as_raw().len() as f64
}

fn load(path: &std::path::Path) -> image::RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// ffmpeg's own frame at `at_s` (accurate seek, autorotate on), scaled to `w`x`h`.
fn reference_frame(input: &std::path::Path, at_s: f64, w: u32, h: u32, out: &std::path::Path) -> image::RgbImage {
    let at = format!("{at_s}");
    let scale = format!("scale={w}:{h}:flags=area");
    ffmpeg(&["-ss", &at, "-i", input.to_str().unwrap(), "-frames:v", "1", "-vf", &scale, out.to_str().unwrap()]);
    load(out)
}

#[test]
fn default_poster_is_the_frame_at_7s_matching_ffmpeg() {
    let dir = tempdir();
    let out = dir.path().join("poster.jpg");
    let r = poster(&media("landscape.mp4"), &out, &PosterOptions::default()).unwrap();
    assert_eq!((r.requested_at_s, r.width, r.height), (7.0, 320, 180));
    assert!((r.at_s - 7.0).abs() < 0.04, "{}", r.at_s);
    let ours = load(&out);
    let theirs = reference_frame(&media("landscape.mp4"), 7.0, 320, 180, &dir.path().join("ref.png"));
    let diff = mean_abs_diff(&ours, &theirs);
    assert!(diff < 6.0, "poster differs from ffmpeg's frame at 7 s by {diff}");
}

#[test]
fn rotated_video_poster_is_upright_like_ffmpegs_autorotate() {
    let dir = tempdir();
    let out = dir.path().join("portrait.jpg");
    let r = poster(&media("portrait.mp4"), &out, &PosterOptions { at_s: Some(3.0), ..Default::default() }).unwrap();
    assert_eq!((r.width, r.height), (320, 569), "portrait aspect 720x1280 kept");
    let ours = load(&out);
    let theirs = reference_frame(&media("portrait.mp4"), 3.0, 320, 569, &dir.path().join("ref.png"));
    let diff = mean_abs_diff(&ours, &theirs);
    assert!(diff < 6.0, "rotation differs from ffmpeg's autorotate by {diff}");
    // A wrong rotation direction would be far off (the test pattern is not symmetric).
    let flipped = image::imageops::rotate180(&ours);
    assert!(mean_abs_diff(&flipped, &theirs) > 3.0 * diff.max(1.0));
}

#[test]
fn short_clip_gets_its_middle_frame() {
    let dir = tempdir();
    let r = poster(&media("short.mp4"), &dir.path().join("s.jpg"), &PosterOptions::default()).unwrap();
    assert_eq!(r.requested_at_s, 0.5);
    assert!((r.at_s - 0.5).abs() < 0.04);
}

#[test]
fn black_intro_is_skipped_for_a_real_picture() {
    let dir = tempdir();
    let out = dir.path().join("b.jpg");
    let r = poster(&media("blackintro.mp4"), &out, &PosterOptions::default()).unwrap();
    assert!(r.skipped_black);
    assert!(r.at_s >= 7.99 && r.at_s <= 9.0, "{}", r.at_s);
    let img = load(&out);
    let mean: f64 = img.as_raw().iter().map(|&v| f64::from(v)).sum::<f64>() / img.as_raw().len() as f64;
    assert!(mean > 60.0, "poster is not black (mean {mean})");
    // Asked to keep black frames, it does.
    let kept = poster(&media("blackintro.mp4"), &out, &PosterOptions { avoid_black: false, ..Default::default() }).unwrap();
    assert!(!kept.skipped_black && (kept.at_s - 7.0).abs() < 0.04);
}

#[test]
fn odd_sizes_keep_their_aspect() {
    let dir = tempdir();
    let r = poster(&media("odd.mp4"), &dir.path().join("o.jpg"), &PosterOptions { width_px: 333, ..Default::default() }).unwrap();
    assert_eq!((r.width, r.height), (333, 188)); // 333 * 481 / 853 = 187.8
}

#[test]
fn audio_only_and_broken_files_have_no_poster_and_say_why() {
    let dir = tempdir();
    let out = dir.path().join("x.jpg");
    let err = poster(&media("audio.mp3"), &out, &PosterOptions::default()).unwrap_err();
    assert_eq!(err.kind(), "no_video_stream");
    assert_eq!(poster(&media("truncated.mp4"), &out, &PosterOptions::default()).unwrap_err().kind(), "truncated");
    assert!(!out.exists(), "nothing half-written");
}

#[test]
fn sprite_sheet_and_webvtt_track_cover_the_whole_video() {
    let dir = tempdir();
    let out = dir.path().join("sprite.jpg");
    let opts = SpriteOptions { interval_s: 2.0, tile_width_px: 160, columns: 3 };
    let r = sprite(&media("landscape.mp4"), &out, &opts).unwrap();
    assert_eq!((r.tiles, r.tile_width, r.tile_height), (5, 160, 90));
    let sheet = load(&out);
    assert_eq!(sheet.dimensions(), (3 * 160, 2 * 90));
    let vtt = std::fs::read_to_string(&r.vtt_path).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n"));
    let cues: Vec<&str> = vtt.lines().filter(|l| l.contains("-->")).collect();
    assert_eq!(cues.len(), 5);
    assert_eq!(cues[0], "00:00:00.000 --> 00:00:02.000");
    assert_eq!(cues[4], "00:00:08.000 --> 00:00:10.000");
    assert!(vtt.contains("sprite.jpg#xywh=0,0,160,90"));
    assert!(vtt.contains("sprite.jpg#xywh=160,90,160,90"), "5th tile in row 2, column 2");
    // Tiles differ (the picture moves), so they are real frames, not one repeated.
    let t0 = image::imageops::crop_imm(&sheet, 0, 0, 160, 90).to_image();
    let t4 = image::imageops::crop_imm(&sheet, 160, 90, 160, 90).to_image();
    assert!(mean_abs_diff(&t0, &t4) > 2.0);
}
