//! Preview of transcoded outputs: signed delivery URLs (S3 presigned, CloudFront), HLS/DASH
//! manifest rewriting, and a loopback proxy that serves an asset's outputs to the player.

pub mod sign;
