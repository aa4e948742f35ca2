//! What can go wrong reading a media file, as types the CLI and the UI can act on.

use std::path::{Path, PathBuf};

/// A media file could not be probed or decoded. Every variant names the file; the message says
/// what went wrong and, where there is one, what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{}: no such file", .path.display())]
    NotFound { path: PathBuf },
    #[error("{}: permission denied (check the file's permissions)", .path.display())]
    PermissionDenied { path: PathBuf },
    #[error("{}: is a directory, not a media file", .path.display())]
    IsDirectory { path: PathBuf },
    #[error("{}: file is empty (0 bytes)", .path.display())]
    Empty { path: PathBuf },
    #[error("{}: not a video or audio file ffmpeg can read ({detail})", .path.display())]
    NotMedia { path: PathBuf, detail: String },
    #[error(
        "{}: file is truncated or unfinished (its MP4/MOV index, the 'moov' box, is missing); \
         re-copy or re-export it",
        .path.display()
    )]
    Truncated { path: PathBuf },
    #[error("{}: is a still image ({codec}), not a video or audio file", .path.display())]
    StillImage { path: PathBuf, codec: String },
    #[error("{}: contains no video or audio stream", .path.display())]
    NoMediaStreams { path: PathBuf },
    #[error("{}: has no video stream to take a thumbnail from", .path.display())]
    NoVideoStream { path: PathBuf },
    #[error("{}: could not decode a frame at {at_s:.3} s: {detail}", .path.display())]
    Decode { path: PathBuf, at_s: f64, detail: String },
    #[error("{}: {detail}", .path.display())]
    Io { path: PathBuf, detail: String },
    #[error("invalid request: {0}")]
    InvalidArgument(String),
}

/// A stable, machine-readable name for each kind of failure (used in `--json` output and by the UI).
impl MediaError {
    pub fn kind(&self) -> &'static str {
        match self {
            MediaError::NotFound { .. } => "not_found",
            MediaError::PermissionDenied { .. } => "permission_denied",
            MediaError::IsDirectory { .. } => "is_directory",
            MediaError::Empty { .. } => "empty_file",
            MediaError::NotMedia { .. } => "not_media",
            MediaError::Truncated { .. } => "truncated",
            MediaError::StillImage { .. } => "still_image",
            MediaError::NoMediaStreams { .. } => "no_media_streams",
            MediaError::NoVideoStream { .. } => "no_video_stream",
            MediaError::Decode { .. } => "decode_failed",
            MediaError::Io { .. } => "io",
            MediaError::InvalidArgument(_) => "invalid_argument",
        }
    }

    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        let path = path.to_path_buf();
        match err.kind() {
            std::io::ErrorKind::NotFound => MediaError::NotFound { path },
            std::io::ErrorKind::PermissionDenied => MediaError::PermissionDenied { path },
            _ => MediaError::Io { path, detail: err.to_string() },
        }
    }
}

pub type Result<T, E = MediaError> = std::result::Result<T, E>;
