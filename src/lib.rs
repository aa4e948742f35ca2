//! vodstudio core: everything the CLI and the desktop app share — media probing and thumbnails,
//! (later) uploads, presets, jobs, preview and the offline queue. Nothing here knows about Tauri.

pub mod config;
pub mod jobs;
pub mod limits;
pub mod local;
pub mod media;
pub mod presets;
pub mod preview;
pub mod queue;
mod serve;
pub mod upload;
