//! The one error type commands return. It crosses IPC as `{ kind, message }` so the UI can act on
//! the kind ("file is not a video", "retry") and show the message, instead of parsing a string.

use serde::{Serialize, Serializer};
use vodstudio::media::MediaError;

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
}

impl Error {
    /// The stable kind name sent to the UI. Media kinds pass through unchanged so the CLI's
    /// `--json` errors and the app's errors use the same vocabulary.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Media(err) => err.kind(),
            Error::Worker { .. } => "worker_failed",
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
#[derive(Debug, Clone, Serialize, specta::Type)]
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
