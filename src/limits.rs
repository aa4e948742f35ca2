//! Limits and defaults in one place, so a reader can find every tunable number of the core.

/// Default poster time: creators' seed pipelines take the frame at 7 s.
pub const THUMBNAIL_DEFAULT_AT_S: f64 = 7.0;
/// Default poster width in pixels (height follows the display aspect ratio).
pub const THUMBNAIL_DEFAULT_WIDTH_PX: u32 = 320;
/// How far past the requested time we look for a frame that is not (near) black.
pub const THUMBNAIL_BLACK_SEARCH_S: f64 = 2.0;
/// Mean luma (0–255) under which a frame counts as near-black.
pub const THUMBNAIL_BLACK_MEAN_LUMA: f64 = 24.0;
/// JPEG quality of posters and sprite sheets.
pub const THUMBNAIL_JPEG_QUALITY: u8 = 85;

/// Default interval between sprite tiles.
pub const SPRITE_DEFAULT_INTERVAL_S: f64 = 5.0;
/// Default sprite tile width in pixels.
pub const SPRITE_DEFAULT_TILE_WIDTH_PX: u32 = 160;
/// Tiles per sprite row.
pub const SPRITE_COLUMNS: u32 = 10;
/// Upper bound on tiles in one sprite sheet; the interval grows to stay under it.
pub const SPRITE_MAX_TILES: u32 = 300;
/// When the next wanted frame is at most this far ahead, decoding forward beats a seek.
pub const DECODE_FORWARD_INSTEAD_OF_SEEK_S: f64 = 3.0;

/// Files probed at once by `probe` with many inputs (each probe is mostly I/O-bound header reads).
pub fn probe_concurrency() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 4).clamp(4, 32)
}

/// Local MediaConvert engine: x264 preset for `QualityTuningLevel` SINGLE_PASS (and unset).
pub const ENGINE_X264_DEFAULT_PRESET: &str = "veryfast";
/// Local MediaConvert engine: MediaConvert's default HLS `SegmentLength` (seconds).
pub const ENGINE_HLS_DEFAULT_SEGMENT_S: f64 = 10.0;
/// Local MediaConvert engine: MediaConvert's default DASH `SegmentLength` (seconds).
pub const ENGINE_DASH_DEFAULT_SEGMENT_S: f64 = 30.0;
/// Local MediaConvert engine: MediaConvert's default DASH `FragmentLength` (seconds).
pub const ENGINE_DASH_DEFAULT_FRAGMENT_S: f64 = 2.0;
/// Local MediaConvert engine: ffmpeg stderr lines kept to explain a failure.
pub const ENGINE_STDERR_TAIL_LINES: usize = 12;
