//! The whole local backend in one call: the S3 server, the MediaConvert API pointed at it (both
//! signed with the same per-install keys), and optionally the watch folder between them. Used by
//! `vodstudio local serve`, the desktop app and the tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::mediaconvert_api::{
    LocalMediaConvert, LocalMediaConvertConfig, LocalMediaConvertError, LocalMediaConvertHandle,
};
use super::s3::{LocalS3, LocalS3Config, LocalS3Error, LocalS3Handle};
use super::watch::{self, WatchConfig};

/// Where to run the local backend.
#[derive(Debug, Clone)]
pub struct LocalBackendConfig {
    pub data_dir: PathBuf,
    /// Port of the S3 server on 127.0.0.1 (0: any free port).
    pub s3_port: u16,
    /// Port of the MediaConvert API on 127.0.0.1 (0: any free port).
    pub mediaconvert_port: u16,
    /// Start jobs for uploads into a watch bucket.
    pub watch: Option<WatchConfig>,
}

impl LocalBackendConfig {
    /// Free ports, no watch folder.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            s3_port: 0,
            mediaconvert_port: 0,
            watch: None,
        }
    }
}

/// Why the local backend could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalBackendError {
    #[error(transparent)]
    S3(#[from] LocalS3Error),
    #[error(transparent)]
    MediaConvert(#[from] LocalMediaConvertError),
}

impl LocalBackendError {
    /// A stable, machine-readable name for each kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::S3(e) => e.kind(),
            Self::MediaConvert(e) => e.kind(),
        }
    }
}

/// A running local backend.
pub struct LocalBackend {
    pub s3: LocalS3Handle,
    pub mediaconvert: Arc<LocalMediaConvertHandle>,
    watch_stop: CancellationToken,
    watch_task: Option<tokio::task::JoinHandle<()>>,
}

impl LocalBackend {
    /// Starts S3, then the MediaConvert API against it, then the watch folder if configured.
    pub async fn start(config: LocalBackendConfig) -> Result<Self, LocalBackendError> {
        let s3 = LocalS3::start(LocalS3Config {
            bind: SocketAddr::from(([127, 0, 0, 1], config.s3_port)),
            ..LocalS3Config::new(&config.data_dir)
        })
        .await?;
        let mediaconvert = LocalMediaConvert::start(LocalMediaConvertConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], config.mediaconvert_port)),
            region: s3.region().to_owned(),
            ..LocalMediaConvertConfig::new(&config.data_dir, s3.endpoint_url())
        })
        .await?;
        let mediaconvert = Arc::new(mediaconvert);
        let watch_stop = CancellationToken::new();
        let watch_s3 = crate::config::s3_client(&crate::config::S3ClientSettings {
            endpoint_url: Some(s3.endpoint_url()),
            region: Some(s3.region().to_owned()),
            profile: None,
            credentials: Some(crate::config::StaticCredentials {
                access_key_id: s3.credentials().access_key_id.clone(),
                secret_access_key: s3.credentials().secret_access_key.clone(),
            }),
        })
        .await;
        let watch_task = config.watch.map(|watch_config| {
            tokio::spawn(watch::run(
                s3.subscribe(),
                watch_s3,
                Arc::clone(&mediaconvert),
                watch_config,
                watch_stop.clone(),
            ))
        });
        Ok(Self {
            s3,
            mediaconvert,
            watch_stop,
            watch_task,
        })
    }

    /// Stops the watch folder, then MediaConvert (its running jobs resume on the next start),
    /// then S3, waiting for each.
    pub async fn shutdown(mut self) {
        self.watch_stop.cancel();
        if let Some(task) = self.watch_task.take() {
            let _ = task.await;
        }
        match Arc::try_unwrap(self.mediaconvert) {
            Ok(mediaconvert) => mediaconvert.shutdown().await,
            // Someone still holds a handle: dropping ours stops it without waiting.
            Err(shared) => drop(shared),
        }
        self.s3.shutdown().await;
    }
}
