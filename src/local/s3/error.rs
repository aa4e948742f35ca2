//! Why the embedded S3 server could not start (errors of requests are S3 errors, sent to clients).

use std::net::SocketAddr;
use std::path::PathBuf;

/// A failure to start the embedded S3 server or to set up its data dir.
#[derive(Debug, thiserror::Error)]
pub enum LocalS3Error {
    /// The server only ever listens on loopback: it has no protection meant for a network.
    #[error("refusing to bind the local S3 server to {addr}: only loopback addresses (127.0.0.1, ::1) are allowed")]
    NonLoopbackBind { addr: SocketAddr },

    /// Binding the listening socket failed (port taken, no permission…).
    #[error("bind the local S3 server to {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },

    /// A file or directory of the data dir could not be read or written.
    #[error("{action} \"{}\": {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },

    /// The credentials file exists but is not what this server wrote.
    #[error("read local S3 credentials \"{}\": {source}", path.display())]
    CorruptCredentials { path: PathBuf, source: serde_json::Error },
}

impl LocalS3Error {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { action, path, source }
    }
}

impl LocalS3Error {
    /// A stable, machine-readable name for each kind of failure (used in `--json` output and by the UI).
    pub fn kind(&self) -> &'static str {
        match self {
            LocalS3Error::NonLoopbackBind { .. } => "non_loopback_bind",
            LocalS3Error::Bind { .. } => "bind_failed",
            LocalS3Error::Io { .. } => "io",
            LocalS3Error::CorruptCredentials { .. } => "corrupt_credentials",
        }
    }
}
