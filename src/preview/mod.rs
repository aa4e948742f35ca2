//! Preview of transcoded outputs: signed delivery URLs (S3 presigned, CloudFront), HLS/DASH
//! manifest rewriting, and a loopback proxy that serves an asset's outputs to the player.

pub mod api;
mod http;
pub mod player;
pub mod rewrite;
pub mod service;
pub mod sign;
pub mod tokens;

pub use api::LinkSigning;
pub use player::PlayerFiles;
pub use service::{PreviewConfig, PreviewError, PreviewHandle, PreviewService};
pub use tokens::PreviewToken;

// These belong in `crate::limits` with the others; they sit here until that file is free to edit.
/// Largest manifest the preview service reads into memory to rewrite.
pub const PREVIEW_MAX_MANIFEST_BYTES: usize = 16 * 1024 * 1024;
/// How long the preview service's shutdown waits for requests in flight.
pub const PREVIEW_SHUTDOWN_GRACE_MS: u64 = 5_000;
/// How long a "copy signed URL" link lives (never longer than the preview itself).
pub const PREVIEW_LINK_TTL_S: u64 = 15 * 60;
/// Most objects the outputs list shows for one asset.
pub const PREVIEW_MAX_LISTED_OBJECTS: usize = 10_000;
/// Longest preview link the CLI hands out.
pub const PREVIEW_MAX_TTL_S: u64 = 12 * 60 * 60;
