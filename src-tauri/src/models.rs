//! Payloads the commands return that are the shell's own (the media model comes from the core).

use serde::Serialize;

/// What the app is: shown in the header, and attached to bug reports.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    /// The app's version (from Cargo.toml), e.g. `0.1.0`.
    pub version: String,
    /// The libav* build the media core runs with, e.g. `libavformat 59.27.100`.
    pub libav: String,
}
