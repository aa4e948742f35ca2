//! Posters (one well-chosen frame) and sprite sheets with a WebVTT track for scrub previews.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::{GenericImage, RgbImage};
use serde::Serialize;

use super::decode::VideoDecoder;
use super::error::{MediaError, Result};
use crate::limits;

/// What poster to take.
#[derive(Debug, Clone)]
pub struct PosterOptions {
    /// Wanted time; `None` means the default (7 s, or the middle of a shorter clip).
    pub at_s: Option<f64>,
    pub width_px: u32,
    /// Look up to [`limits::THUMBNAIL_BLACK_SEARCH_S`] further for a frame that is not black.
    pub avoid_black: bool,
}

impl Default for PosterOptions {
    fn default() -> Self {
        Self { at_s: None, width_px: limits::THUMBNAIL_DEFAULT_WIDTH_PX, avoid_black: true }
    }
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct PosterResult {
    pub path: PathBuf,
    pub requested_at_s: f64,
    /// Time of the frame actually used (later than requested when a black frame was skipped).
    pub at_s: f64,
    pub width: u32,
    pub height: u32,
    pub skipped_black: bool,
}

/// The time a poster is taken at: the wanted time, clamped into the clip (a clip shorter than
/// the wanted time gives its middle frame).
fn clamp_time(wanted_s: Option<f64>, duration_s: Option<f64>) -> f64 {
    let wanted = wanted_s.unwrap_or(limits::THUMBNAIL_DEFAULT_AT_S).max(0.0);
    match duration_s {
        Some(d) if d > 0.0 && wanted >= d => d / 2.0,
        _ => wanted,
    }
}

/// Mean luma (BT.601, 0–255) of a small RGB picture.
fn mean_luma(img: &RgbImage) -> f64 {
    let n = (img.width() as usize * img.height() as usize).max(1);
    let sum: f64 = img
        .pixels()
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .sum();
    sum / n as f64
}

fn write_jpeg(img: &RgbImage, out: &Path) -> Result<()> {
    let io_err = |e: std::io::Error| MediaError::Io {
        path: out.to_path_buf(),
        detail: format!("cannot write: {e}"),
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    // Write beside the target then rename: a crash never leaves a half JPEG under the real name.
    let tmp = out.with_extension("jpg.part");
    let file = std::fs::File::create(&tmp).map_err(io_err)?;
    let mut w = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut w, limits::THUMBNAIL_JPEG_QUALITY)
        .encode_image(img)
        .map_err(|e| MediaError::Io { path: out.to_path_buf(), detail: format!("cannot encode JPEG: {e}") })?;
    w.flush().map_err(io_err)?;
    drop(w);
    std::fs::rename(&tmp, out).map_err(io_err)
}

/// Writes a poster JPEG of `input` to `out`. Blocking.
pub fn poster(input: &Path, out: &Path, opts: &PosterOptions) -> Result<PosterResult> {
    if opts.width_px < 16 || opts.width_px > 7680 {
        return Err(MediaError::InvalidArgument(format!(
            "thumbnail width must be between 16 and 7680 pixels, not {}",
            opts.width_px
        )));
    }
    let mut dec = VideoDecoder::open(input)?;
    let requested_at_s = clamp_time(opts.at_s, dec.duration_s());
    let first = dec.frame_at(requested_at_s)?;
    let mut chosen = (first.at_s, dec.render_rgb(&first.frame, opts.width_px)?);
    let mut skipped_black = false;
    if opts.avoid_black && mean_luma(&chosen.1) < limits::THUMBNAIL_BLACK_MEAN_LUMA {
        // Walk forward frame by frame; keep the brightest seen in case all are dark.
        let mut best_luma = mean_luma(&chosen.1);
        let until = first.at_s + limits::THUMBNAIL_BLACK_SEARCH_S;
        while let Some(next) = dec.next_frame()? {
            if next.at_s > until {
                break;
            }
            let img = dec.render_rgb(&next.frame, opts.width_px)?;
            let luma = mean_luma(&img);
            if luma > best_luma {
                best_luma = luma;
                chosen = (next.at_s, img);
                skipped_black = true;
            }
            if luma >= limits::THUMBNAIL_BLACK_MEAN_LUMA {
                break;
            }
        }
    }
    write_jpeg(&chosen.1, out)?;
    Ok(PosterResult {
        path: out.to_path_buf(),
        requested_at_s,
        at_s: (chosen.0 * 1000.0).round() / 1000.0,
        width: chosen.1.width(),
        height: chosen.1.height(),
        skipped_black,
    })
}

/// What sprite to make.
#[derive(Debug, Clone)]
pub struct SpriteOptions {
    pub interval_s: f64,
    pub tile_width_px: u32,
    pub columns: u32,
}

impl Default for SpriteOptions {
    fn default() -> Self {
        Self {
            interval_s: limits::SPRITE_DEFAULT_INTERVAL_S,
            tile_width_px: limits::SPRITE_DEFAULT_TILE_WIDTH_PX,
            columns: limits::SPRITE_COLUMNS,
        }
    }
}

/// What was written: the sheet, and the WebVTT track that maps times to its tiles.
#[derive(Debug, Clone, Serialize)]
pub struct SpriteResult {
    pub image_path: PathBuf,
    pub vtt_path: PathBuf,
    pub tiles: u32,
    pub interval_s: f64,
    pub tile_width: u32,
    pub tile_height: u32,
}

fn vtt_time(s: f64) -> String {
    let ms = (s * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000)
}

/// Writes a sprite sheet JPEG to `out` and its WebVTT track beside it (`out` with `.vtt`).
/// One tile every `interval_s` (widened to stay under [`limits::SPRITE_MAX_TILES`]). Blocking.
pub fn sprite(input: &Path, out: &Path, opts: &SpriteOptions) -> Result<SpriteResult> {
    if opts.interval_s.is_nan() || opts.interval_s <= 0.0 || opts.tile_width_px < 16 || opts.columns == 0 {
        return Err(MediaError::InvalidArgument(
            "sprite interval must be positive, tile width at least 16 px, columns at least 1".into(),
        ));
    }
    let mut dec = VideoDecoder::open(input)?;
    let duration = dec.duration_s().unwrap_or(0.0);
    let mut interval = opts.interval_s;
    if duration / interval > f64::from(limits::SPRITE_MAX_TILES) {
        interval = duration / f64::from(limits::SPRITE_MAX_TILES);
    }
    let tiles = ((duration / interval).ceil() as u32).max(1);
    let (dw, dh) = dec.display_size();
    let tile_w = opts.tile_width_px;
    let tile_h = ((f64::from(tile_w) * f64::from(dh) / f64::from(dw.max(1))).round() as u32).max(2);
    let columns = opts.columns.min(tiles);
    let rows = tiles.div_ceil(columns);
    let mut sheet = RgbImage::new(columns * tile_w, rows * tile_h);
    let mut vtt = String::from("WEBVTT\n\n");
    let image_name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for i in 0..tiles {
        let start = f64::from(i) * interval;
        let end = (start + interval).min(duration.max(start + interval.min(1.0)));
        // Sample a little into each span so a cut on the boundary does not show the previous shot.
        let frame = dec.frame_at((start + interval.min(1.0) * 0.1).min((duration - 0.05).max(0.0)))?;
        let mut tile = dec.render_rgb(&frame.frame, tile_w)?;
        if tile.height() != tile_h {
            tile = image::imageops::resize(&tile, tile_w, tile_h, image::imageops::FilterType::Triangle);
        }
        let (x, y) = ((i % columns) * tile_w, (i / columns) * tile_h);
        sheet.copy_from(&tile, x, y).map_err(|e| MediaError::Io {
            path: out.to_path_buf(),
            detail: format!("cannot place tile {i}: {e}"),
        })?;
        vtt.push_str(&format!(
            "{} --> {}\n{image_name}#xywh={x},{y},{tile_w},{tile_h}\n\n",
            vtt_time(start),
            vtt_time(end)
        ));
    }
    write_jpeg(&sheet, out)?;
    let vtt_path = out.with_extension("vtt");
    std::fs::write(&vtt_path, vtt).map_err(|e| MediaError::Io {
        path: vtt_path.clone(),
        detail: format!("cannot write: {e}"),
    })?;
    Ok(SpriteResult {
        image_path: out.to_path_buf(),
        vtt_path,
        tiles,
        interval_s: interval,
        tile_width: tile_w,
        tile_height: tile_h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_time_is_seven_seconds_clamped_to_the_middle_of_short_clips() {
        assert_eq!(clamp_time(None, Some(60.0)), 7.0);
        assert_eq!(clamp_time(None, Some(3.0)), 1.5);
        assert_eq!(clamp_time(Some(2.0), Some(3.0)), 2.0);
        assert_eq!(clamp_time(Some(10.0), None), 10.0);
        assert_eq!(clamp_time(Some(-1.0), Some(3.0)), 0.0);
    }

    #[test]
    fn vtt_times_are_hh_mm_ss_mmm() {
        assert_eq!(vtt_time(0.0), "00:00:00.000");
        assert_eq!(vtt_time(3725.5), "01:02:05.500");
    }
}
