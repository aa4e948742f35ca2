//! The one error type commands return. It crosses IPC as `{ kind, message }` so the UI can act on
//! the kind ("file is not a video", "retry") and show the message, instead of parsing a string.

use serde::{Serialize, Serializer};
use vodstudio::config::{KeyringError, SettingsError};
use vodstudio::jobs::PipelineError;
use vodstudio::local::LocalHostError;
use vodstudio::media::MediaError;
use vodstudio::presets::PresetError;
use vodstudio::queue::{
    AssetLookupError, AssetState, PauseError, RemoveError, RunLockError, StoreError,
};

/// A command failed. Each variant keeps the core's typed error; [`Error::kind`] is the stable,
/// machine-readable name the UI matches on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Probing or decoding a media file failed (the core's kinds: `not_found`, `not_media`, …).
    #[error(transparent)]
    Media(#[from] MediaError),
    /// A blocking worker panicked or was cancelled before it answered (a bug, or shutdown).
    #[error("{task} did not finish: {detail}")]
    Worker { task: String, detail: String },
    /// The queue database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Lookup(#[from] AssetLookupError),
    #[error(transparent)]
    Remove(#[from] RemoveError),
    /// Pause or resume refused (`not_pausable` once the job is submitted, `asset_finished`,
    /// `not_paused`).
    #[error(transparent)]
    Pause(#[from] PauseError),
    /// The asset is not in a state the action applies to.
    #[error("{id} is {state}: {hint}")]
    WrongState { id: String, state: AssetState, hint: &'static str },
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Preset(#[from] PresetError),
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// Reaching or using the backend failed (kinds: `offline`, `credentials`, `access_denied`, …).
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    LocalHost(#[from] LocalHostError),
    #[error(transparent)]
    RunLock(#[from] RunLockError),
    /// The preview service could not start (the reason says why).
    #[error("the preview cannot start: {0}")]
    PreviewUnavailable(String),
}

impl Error {
    /// The stable kind name sent to the UI. Media kinds pass through unchanged so the CLI's
    /// `--json` errors and the app's errors use the same vocabulary.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Media(err) => err.kind(),
            Error::Worker { .. } => "worker_failed",
            Error::Store(err) => err.kind(),
            Error::Lookup(AssetLookupError::Store(err)) => err.kind(),
            Error::Lookup(_) => "asset_not_found",
            Error::Remove(err) => err.kind(),
            Error::Pause(err) => err.kind(),
            Error::WrongState { .. } => "wrong_state",
            Error::Settings(err) => err.kind(),
            Error::Preset(err) => err.kind(),
            Error::Keyring(err) => err.kind(),
            Error::Pipeline(err) => err.kind.as_str(),
            Error::LocalHost(err) => err.kind(),
            Error::RunLock(_) => "store_unavailable",
            Error::PreviewUnavailable(_) => "preview_unavailable",
        }
    }

    pub(crate) fn worker(task: impl Into<String>, err: &tokio::task::JoinError) -> Self {
        Error::Worker {
            task: task.into(),
            detail: err.to_string(),
        }
    }
}

/// What the UI receives for every failed command.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AppError {
    /// Stable machine-readable kind, e.g. `not_found`, `not_media`, `worker_failed`.
    pub kind: String,
    /// One line for people: what failed and with what.
    pub message: String,
}

impl From<&Error> for AppError {
    fn from(err: &Error) -> Self {
        AppError {
            kind: err.kind().to_owned(),
            message: err.to_string(),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AppError::from(self).serialize(serializer)
    }
}

// The wire shape is `AppError`, so that is the type the generated bindings must name.
impl specta::Type for Error {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        AppError::definition(types)
    }
}

/// Result of a command.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn serialises_with_the_core_kind_and_the_full_message() {
        let err = Error::from(MediaError::NotFound {
            path: PathBuf::from("/videos/trip.mov"),
        });
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "not_found");
        assert_eq!(json["message"], "/videos/trip.mov: no such file");
        assert_eq!(
            json.as_object().unwrap().len(),
            2,
            "only kind and message cross IPC: {json}"
        );
    }
}
