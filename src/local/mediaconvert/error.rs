//! What can go wrong planning or running a local MediaConvert job, as types the API can map to
//! MediaConvert's own error codes and statuses.

use std::path::PathBuf;

/// A job's settings ask for something the local engine cannot do (or are malformed).
/// `path` is the JSON path of the offending setting, in PascalCase whatever casing the job used,
/// e.g. `Settings.OutputGroups[0].Outputs[1].VideoDescription.CodecSettings.Codec`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct SettingsError {
    pub path: String,
    pub reason: String,
}

impl SettingsError {
    pub(crate) fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// A stable, machine-readable name (MediaConvert answers these with 400 BadRequest).
    pub fn kind(&self) -> &'static str {
        "invalid_settings"
    }
}

/// A planned job failed to run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("input {}: {source}", .path.display())]
    Input {
        path: PathBuf,
        source: crate::media::MediaError,
    },
    #[error("input {}: has no video stream, but {path_in_settings} needs one", .path.display())]
    InputHasNoVideo {
        path: PathBuf,
        path_in_settings: String,
    },
    #[error("input {}: has no audio stream, but {path_in_settings} needs one", .path.display())]
    InputHasNoAudio {
        path: PathBuf,
        path_in_settings: String,
    },
    #[error(
        "input {}: its audio is {codec}, which {path_in_settings} (PASSTHROUGH into RAW) cannot \
         write without a container; use an MP4 container or encode the audio",
        .path.display()
    )]
    AudioNotPassable {
        path: PathBuf,
        path_in_settings: String,
        codec: String,
    },
    #[error("could not start ffmpeg ({program}): {detail}")]
    Spawn { program: String, detail: String },
    #[error("ffmpeg failed (exit status {status}) {step} {}: {stderr_tail}", .input.display())]
    Ffmpeg {
        /// What the process was doing: `encoding` or `packaging the renditions of`.
        step: &'static str,
        input: PathBuf,
        status: String,
        stderr_tail: String,
    },
    #[error("{}: {detail}", .path.display())]
    Io { path: PathBuf, detail: String },
    #[error("ffmpeg finished but {}: {detail}", .path.display())]
    Output { path: PathBuf, detail: String },
    #[error("job canceled")]
    Canceled,
}

impl EngineError {
    /// A stable, machine-readable name for each kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Input { .. } => "input_unreadable",
            EngineError::InputHasNoVideo { .. } => "input_has_no_video",
            EngineError::InputHasNoAudio { .. } => "input_has_no_audio",
            EngineError::AudioNotPassable { .. } => "audio_not_passable",
            EngineError::Spawn { .. } => "ffmpeg_missing",
            EngineError::Ffmpeg { .. } => "transcode_failed",
            EngineError::Io { .. } => "io",
            EngineError::Output { .. } => "output_invalid",
            EngineError::Canceled => "canceled",
        }
    }

    pub(crate) fn io(path: &std::path::Path, err: &std::io::Error) -> Self {
        EngineError::Io {
            path: path.to_path_buf(),
            detail: err.to_string(),
        }
    }
}
