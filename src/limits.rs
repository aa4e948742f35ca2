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

/// Region the local S3 server reports unless configured otherwise (it accepts any region's signature).
pub const LOCAL_S3_DEFAULT_REGION: &str = "us-east-1";
/// Local S3 server: minimum size of every multipart part but the last (S3's rule, EntityTooSmall).
pub const LOCAL_S3_MIN_PART_SIZE_BYTES: u64 = 5 * 1024 * 1024;
/// Local S3 server: highest part number S3 accepts.
pub const LOCAL_S3_MAX_PART_NUMBER: i32 = 10_000;
/// Local S3 server: most keys / parts / uploads one list page returns (S3's cap and default).
pub const LOCAL_S3_MAX_LIST_ENTRIES: usize = 1000;
/// Local S3 server: buffer for streaming bodies to and from disk (memory per request stays bounded).
pub const LOCAL_S3_IO_BUFFER_BYTES: usize = 256 * 1024;
/// Local S3 server: object-created events kept for a slow subscriber before it sees `Lagged`.
pub const LOCAL_S3_EVENT_CAPACITY: usize = 1024;
/// Local S3 server: how long shutdown waits for in-flight requests before dropping them.
pub const LOCAL_S3_SHUTDOWN_GRACE_MS: u64 = 10_000;
