//! Preview of transcoded outputs: signed delivery URLs (S3 presigned, CloudFront), HLS/DASH
//! manifest rewriting, and a loopback proxy that serves an asset's outputs to the player.

pub mod rewrite;
pub mod service;
pub mod sign;
pub mod tokens;

pub use service::{PreviewConfig, PreviewError, PreviewHandle, PreviewService};
pub use tokens::PreviewToken;

// These belong in `crate::limits` with the others; they sit here until that file is free to edit.
/// Largest manifest the preview service reads into memory to rewrite.
pub const PREVIEW_MAX_MANIFEST_BYTES: usize = 16 * 1024 * 1024;
/// How long the preview service's shutdown waits for requests in flight.
pub const PREVIEW_SHUTDOWN_GRACE_MS: u64 = 5_000;
