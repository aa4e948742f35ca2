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
    std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 4)
        .clamp(4, 32)
}

/// Largest sidecar caption file uploaded with a source (sent in one PutObject; real caption
/// files are kilobytes, so anything near this is not a caption file).
pub const SIDECAR_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Smallest part we upload (S3's own minimum is 5 MiB; 8 MiB matches the AWS CLI's default).
pub const UPLOAD_MIN_PART_SIZE_BYTES: u64 = 8 * 1024 * 1024;
/// S3's largest part.
pub const UPLOAD_MAX_PART_SIZE_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// S3's most parts in one multipart upload.
pub const UPLOAD_MAX_PARTS: u64 = 10_000;
/// S3's largest object.
pub const UPLOAD_MAX_OBJECT_SIZE_BYTES: u64 = 5 * 1024 * 1024 * 1024 * 1024;
/// Bytes hashed from each end of a file to recognise it again (with its size and mtime).
pub const UPLOAD_FINGERPRINT_EDGE_BYTES: u64 = 1024 * 1024;
/// Parts uploaded at once by default.
pub const UPLOAD_DEFAULT_CONCURRENCY: usize = 6;
/// Read buffer for streaming a part from disk and for checksumming it (memory in flight is a few
/// of these per part, whatever the part size). tokio's File runs each read on the blocking pool:
/// 256 KiB cost 4,096 hand-offs per GiB; 1 MiB saved ~12 % client CPU but lifted peak RSS of a
/// 5 GiB upload to a fast server from 61 to 87 MiB; 512 KiB keeps most of the gain at 72 MiB.
pub const UPLOAD_STREAM_BUFFER_BYTES: usize = 512 * 1024;
/// Retries of one failing request before the upload waits for the network (backoff doubles).
pub const UPLOAD_RETRY_MAX_ATTEMPTS: u32 = 12;
pub const UPLOAD_RETRY_BASE_DELAY_MS: u64 = 250;
pub const UPLOAD_RETRY_MAX_DELAY_MS: u64 = 15_000;
/// Parts listed per ListParts page.
pub const UPLOAD_LIST_PARTS_PAGE: i32 = 1000;

/// Time to open a TCP connection to S3.
pub const S3_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// Longest single S3 request (one part upload on a slow link included).
pub const S3_ATTEMPT_TIMEOUT_MS: u64 = 300_000;

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
/// Local S3 server: received body bytes hashed and written to disk at once (two such batches per
/// request in memory at most).
pub const LOCAL_S3_WRITE_BATCH_BYTES: usize = 1024 * 1024;
/// Local S3 server: object-created events kept for a slow subscriber before it sees `Lagged`.
pub const LOCAL_S3_EVENT_CAPACITY: usize = 1024;
/// Local S3 server: how long shutdown waits for in-flight requests before dropping them.
pub const LOCAL_S3_SHUTDOWN_GRACE_MS: u64 = 10_000;

/// Local MediaConvert API: jobs transcoding at once (each is one multi-threaded ffmpeg process).
pub const LOCAL_MEDIACONVERT_MAX_CONCURRENT_JOBS: usize = 1;
/// Local MediaConvert API: largest request body accepted (job settings are a few KB).
pub const LOCAL_MEDIACONVERT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Local MediaConvert API: ListJobs page size when `maxResults` is absent, and its cap (MediaConvert's).
pub const LOCAL_MEDIACONVERT_LIST_PAGE: usize = 20;
/// Local MediaConvert API: how long shutdown waits for in-flight requests and job tasks.
pub const LOCAL_MEDIACONVERT_SHUTDOWN_GRACE_MS: u64 = 10_000;

/// Local MediaConvert engine: x264 preset for `QualityTuningLevel` SINGLE_PASS (and unset).
pub const ENGINE_X264_DEFAULT_PRESET: &str = "veryfast";
/// Local MediaConvert engine: MediaConvert's default HLS `SegmentLength` (seconds).
pub const ENGINE_HLS_DEFAULT_SEGMENT_S: f64 = 10.0;
/// Local MediaConvert engine: MediaConvert's default DASH `SegmentLength` (seconds).
pub const ENGINE_DASH_DEFAULT_SEGMENT_S: f64 = 30.0;
/// Local MediaConvert engine: MediaConvert's default DASH `FragmentLength` (seconds).
pub const ENGINE_DASH_DEFAULT_FRAGMENT_S: f64 = 2.0;
/// Local MediaConvert engine: share of a job's progress (percent) for encoding; stream-copying
/// the renditions into their outputs takes the rest (about 3% of the time on the web ladder).
pub const ENGINE_ENCODE_PERCENT_SHARE: f64 = 98.0;
/// Local MediaConvert engine: ffmpeg stderr lines kept to explain a failure.
pub const ENGINE_STDERR_TAIL_LINES: usize = 12;

/// Planning: media bucket outputs go to when none is configured (`vodstudio plan`).
pub const DEFAULT_MEDIA_BUCKET: &str = "vodstudio-media";
/// Planning: watch bucket sources are uploaded to when none is configured (`vodstudio plan`).
pub const DEFAULT_WATCH_BUCKET: &str = "vodstudio-watch";
