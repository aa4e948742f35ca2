//! The embedded S3-compatible server: our own backend of the `s3s` crate, served with hyper on
//! 127.0.0.1 only, SigV4-checked with per-install keys, state kept on disk under the data dir.
//! Any S3 client (aws-sdk-s3 with `force_path_style(true)`, boto3, the AWS CLI with
//! `--endpoint-url`) can use it; it behaves like S3 where a resumable uploader depends on it
//! (multipart listing and completion rules, checksums, NoSuchUpload).

mod body;
mod checksum;
mod credentials;
mod error;
mod listing;
mod meta;
mod multipart;
mod objects;
mod pins;
mod reader;
mod service;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, oneshot};

pub use credentials::{LocalCredentials, CREDENTIALS_FILE_NAME};
pub use error::LocalS3Error;

use crate::limits::{LOCAL_S3_DEFAULT_REGION, LOCAL_S3_EVENT_CAPACITY, LOCAL_S3_SHUTDOWN_GRACE_MS};

/// Where and how to run the local S3 server.
#[derive(Debug, Clone)]
pub struct LocalS3Config {
    /// Data dir of the install: credentials file and the `s3/` state live here.
    pub data_dir: PathBuf,
    /// Loopback address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Region clients should sign for (any region's signature is accepted).
    pub region: String,
}

impl LocalS3Config {
    /// Defaults: `127.0.0.1:0`, region `us-east-1`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: LOCAL_S3_DEFAULT_REGION.to_owned(),
        }
    }
}

/// Published after a successful PutObject, CopyObject or CompleteMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectCreated {
    pub bucket: String,
    pub key: String,
    pub size_bytes: u64,
    /// ETag without quotes.
    pub etag: String,
}

/// Starts local S3 servers.
pub struct LocalS3;

impl LocalS3 {
    /// Opens the state under `config.data_dir`, loads or creates the credentials and starts
    /// serving. Refuses any address that is not loopback.
    pub async fn start(config: LocalS3Config) -> Result<LocalS3Handle, LocalS3Error> {
        if !config.bind.ip().is_loopback() {
            return Err(LocalS3Error::NonLoopbackBind { addr: config.bind });
        }
        let data_dir = config.data_dir.clone();
        let credentials =
            tokio::task::spawn_blocking(move || LocalCredentials::load_or_create(&data_dir))
                .await
                .map_err(|e| {
                    LocalS3Error::io("load credentials in", &config.data_dir)(
                        std::io::Error::other(e),
                    )
                })??;
        let root = config.data_dir.join("s3");
        let store = store::Store::open(root.clone())
            .await
            .map_err(LocalS3Error::io("open the S3 store in", &root))?;
        let (events, _) = broadcast::channel(LOCAL_S3_EVENT_CAPACITY);
        let backend = objects::Backend {
            store,
            events: events.clone(),
        };

        let mut builder = s3s::service::S3ServiceBuilder::new(backend);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
        ));
        let service = builder.build();

        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| LocalS3Error::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| LocalS3Error::Bind {
            addr: config.bind,
            source,
        })?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(crate::serve::serve(
            "local S3",
            listener,
            service,
            stop_rx,
            Duration::from_millis(LOCAL_S3_SHUTDOWN_GRACE_MS),
        ));
        tracing::info!(%addr, "local S3 server listening");
        Ok(LocalS3Handle {
            addr,
            region: config.region,
            credentials: Arc::new(credentials),
            events,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }
}

/// A running local S3 server. Dropping it stops accepting connections; call
/// [`shutdown`](Self::shutdown) to also wait for requests in flight.
pub struct LocalS3Handle {
    addr: SocketAddr,
    region: String,
    credentials: Arc<LocalCredentials>,
    events: broadcast::Sender<ObjectCreated>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl LocalS3Handle {
    /// `http://127.0.0.1:<port>`: the endpoint URL for S3 clients (use path-style addressing).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn credentials(&self) -> &LocalCredentials {
        &self.credentials
    }

    /// Object-created events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ObjectCreated> {
        self.events.subscribe()
    }

    /// Stops accepting connections and waits (up to a grace period) for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LocalS3Handle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
