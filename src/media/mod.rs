//! Media core: probing files and taking thumbnails, in-process with libav* through ffmpeg-next.

mod decode;
mod error;
mod ffi;
mod model;
mod probe;
mod thumbnail;

use std::path::Path;
use std::sync::Once;

pub use error::{MediaError, Result};
pub use model::{
    AudioInfo, HdrFormat, MediaInfo, MediaKind, StreamDetails, StreamInfo, VideoInfo,
};
pub use probe::probe;
pub use thumbnail::{poster, sprite, PosterOptions, PosterResult, SpriteOptions, SpriteResult};

/// Initialises libav once per process (quietly: failures reach users as `MediaError`s).
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // ffmpeg_next::init only registers devices on old FFmpeg; it cannot fail on 5.1+.
        let _ = ffmpeg_next::init();
        ffi::quiet_libav_logs();
    });
}

/// The libav* versions this build runs with, e.g. `libavformat 59.27.100`.
pub fn libav_version() -> String {
    let v = ffmpeg_next::format::version();
    format!("libavformat {}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// Opens a file with libavformat and reads its stream info, mapping failures to typed errors.
pub(crate) fn open_input(path: &Path) -> Result<ffmpeg_next::format::context::Input> {
    init();
    ffmpeg_next::format::input(path).map_err(|err| {
        if probe::looks_like_isobmff(path) {
            MediaError::Truncated { path: path.to_path_buf() }
        } else {
            MediaError::NotMedia { path: path.to_path_buf(), detail: err.to_string() }
        }
    })
}
