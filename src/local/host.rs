//! One local backend per data dir, whoever needs it first: the CLI and the app share the data dir,
//! so the first process starts the backend and holds `backend.lock`; the others read
//! `backend.json` (its endpoints) and talk to it as clients. When the owner exits, the next
//! process to need it takes over.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::s3::LocalCredentials;
use super::{LocalBackend, LocalBackendConfig, LocalBackendError};
use crate::config::{LocalEndpoints, StaticCredentials};

const LOCK_FILE: &str = "backend.lock";
const ENDPOINTS_FILE: &str = "backend.json";

#[derive(Debug, Serialize, Deserialize)]
struct Published {
    pid: u32,
    s3_url: String,
    mediaconvert_url: String,
    region: String,
}

/// The local backend as this process sees it.
pub struct LocalHost {
    pub endpoints: LocalEndpoints,
    /// Set when this process runs the servers (dropping the lock lets another take over).
    owned: Option<(LocalBackend, File)>,
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalHostError {
    #[error(transparent)]
    Start(#[from] LocalBackendError),
    #[error("cannot use the local backend's data dir {}: {detail}", .path.display())]
    Io { path: PathBuf, detail: String },
    #[error("another vodstudio process runs the local backend but did not publish its address in time; try again")]
    NotPublished,
}

impl LocalHostError {
    pub fn kind(&self) -> &'static str {
        match self {
            LocalHostError::Start(e) => e.kind(),
            LocalHostError::Io { .. } => "local_backend_io",
            LocalHostError::NotPublished => "local_backend_busy",
        }
    }
}

impl LocalHost {
    /// The local backend under `<data_dir>/local`: started here, or joined if another process
    /// runs it.
    pub async fn start_or_join(data_dir: &Path) -> Result<Self, LocalHostError> {
        let dir = data_dir.join("local");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |e: std::io::Error| LocalHostError::Io { path, detail: e.to_string() }
        };
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::options().create(true).truncate(false).write(true).open(&lock_path).map_err(io(&lock_path))?;
        let install_id = format!("local:{}", dir.canonicalize().unwrap_or_else(|_| dir.clone()).display());
        match lock.try_lock() {
            Ok(()) => {
                let backend = LocalBackend::start(LocalBackendConfig::new(&dir)).await?;
                let published = Published {
                    pid: std::process::id(),
                    s3_url: backend.s3.endpoint_url(),
                    mediaconvert_url: backend.mediaconvert.endpoint_url(),
                    region: backend.s3.region().to_owned(),
                };
                let path = dir.join(ENDPOINTS_FILE);
                let tmp = dir.join(format!(".{ENDPOINTS_FILE}.tmp"));
                let bytes = serde_json::to_vec_pretty(&published).map_err(|e| io(&path)(std::io::Error::other(e)))?;
                std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
                std::fs::rename(&tmp, &path).map_err(io(&path))?;
                let creds = backend.s3.credentials();
                let endpoints = LocalEndpoints {
                    s3_url: published.s3_url,
                    mediaconvert_url: published.mediaconvert_url,
                    region: published.region,
                    credentials: StaticCredentials {
                        access_key_id: creds.access_key_id.clone(),
                        secret_access_key: creds.secret_access_key.clone(),
                    },
                    install_id,
                };
                Ok(Self { endpoints, owned: Some((backend, lock)), dir })
            }
            Err(_) => {
                // The owner publishes right after binding; give it a moment if it just started.
                let path = dir.join(ENDPOINTS_FILE);
                for _ in 0..50 {
                    if let Some(p) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<Published>(&b).ok()) {
                        let creds = LocalCredentials::load_or_create(&dir).map_err(|e| LocalHostError::Io {
                            path: dir.clone(),
                            detail: e.to_string(),
                        })?;
                        let endpoints = LocalEndpoints {
                            s3_url: p.s3_url,
                            mediaconvert_url: p.mediaconvert_url,
                            region: p.region,
                            credentials: StaticCredentials {
                                access_key_id: creds.access_key_id,
                                secret_access_key: creds.secret_access_key,
                            },
                            install_id,
                        };
                        return Ok(Self { endpoints, owned: None, dir });
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(LocalHostError::NotPublished)
            }
        }
    }

    /// True when this process runs the servers.
    pub fn is_owner(&self) -> bool {
        self.owned.is_some()
    }

    /// Stops the servers if this process runs them (running jobs resume on the next start).
    pub async fn shutdown(self) {
        if let Some((backend, lock)) = self.owned {
            let _ = std::fs::remove_file(self.dir.join(ENDPOINTS_FILE));
            backend.shutdown().await;
            drop(lock);
        }
    }
}
