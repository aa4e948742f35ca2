//! The local MediaConvert API: the 2017-08-29 REST API (CreateJob, GetJob, ListJobs, CancelJob,
//! DescribeEndpoints) as aws-sdk-mediaconvert and the AWS CLI speak it, on 127.0.0.1 only, with
//! SigV4 checked against the same per-install keys as the local S3. Jobs read their input from
//! and write their outputs to the local S3, are transcoded by [`crate::local::mediaconvert`],
//! and are kept on disk under the data dir so they survive a restart.

mod error;
mod jobs;
mod model;
mod routes;
mod runner;
mod sigv4;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, Semaphore};

pub use error::{ApiError, LocalMediaConvertError};
pub use jobs::NewJob;
pub use model::{Job, JobPhase, JobStatus, Timing};
pub use runner::error_codes;
pub use sigv4::SERVICE_NAME;

use crate::config::{self, S3ClientSettings, StaticCredentials};
use crate::limits::{
    LOCAL_MEDIACONVERT_MAX_CONCURRENT_JOBS, LOCAL_MEDIACONVERT_SHUTDOWN_GRACE_MS,
    LOCAL_S3_DEFAULT_REGION,
};
use crate::local::s3::LocalCredentials;

/// Where and how to run the local MediaConvert API.
#[derive(Debug, Clone)]
pub struct LocalMediaConvertConfig {
    /// Data dir of the install: the credentials (shared with the local S3) and `mediaconvert/`.
    pub data_dir: PathBuf,
    /// Loopback address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    pub region: String,
    /// The local S3 jobs read inputs from and write outputs to.
    pub s3_endpoint_url: String,
    /// Jobs transcoding at once; the others wait as SUBMITTED.
    pub max_concurrent_jobs: usize,
}

impl LocalMediaConvertConfig {
    /// Defaults: `127.0.0.1:0`, region `us-east-1`, one job at a time.
    pub fn new(data_dir: impl Into<PathBuf>, s3_endpoint_url: impl Into<String>) -> Self {
        Self {
            data_dir: data_dir.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: LOCAL_S3_DEFAULT_REGION.to_owned(),
            s3_endpoint_url: s3_endpoint_url.into(),
            max_concurrent_jobs: LOCAL_MEDIACONVERT_MAX_CONCURRENT_JOBS,
        }
    }
}

/// Starts local MediaConvert APIs.
pub struct LocalMediaConvert;

impl LocalMediaConvert {
    /// Loads the stored jobs (queueing again those a previous process did not finish) and starts
    /// serving. Refuses any address that is not loopback.
    pub async fn start(
        config: LocalMediaConvertConfig,
    ) -> Result<LocalMediaConvertHandle, LocalMediaConvertError> {
        if !config.bind.ip().is_loopback() {
            return Err(LocalMediaConvertError::NonLoopbackBind { addr: config.bind });
        }
        let data_dir = config.data_dir.clone();
        let credentials =
            tokio::task::spawn_blocking(move || LocalCredentials::load_or_create(&data_dir))
                .await
                .map_err(|e| {
                    LocalMediaConvertError::io("load credentials in", &config.data_dir)(
                        std::io::Error::other(e),
                    )
                })??;
        let s3 = config::s3_client(&S3ClientSettings {
            endpoint_url: Some(config.s3_endpoint_url.clone()),
            region: Some(config.region.clone()),
            profile: None,
            credentials: Some(StaticCredentials {
                access_key_id: credentials.access_key_id.clone(),
                secret_access_key: credentials.secret_access_key.clone(),
            }),
        })
        .await;
        let root = config.data_dir.join("mediaconvert");
        let work_root = root.join("work");
        std::fs::create_dir_all(&work_root)
            .map_err(LocalMediaConvertError::io("create", &work_root))?;
        let files = store::JobFiles::open(root.join("jobs"))?;

        // Bind before resuming jobs: a port conflict must not leave resumed jobs running headless.
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| LocalMediaConvertError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| LocalMediaConvertError::Bind {
                addr: config.bind,
                source,
            })?;

        let runner = runner::Runner {
            s3,
            work_root,
            permits: Arc::new(Semaphore::new(config.max_concurrent_jobs.max(1))),
        };
        let jobs = jobs::Jobs::open(files, config.region.clone(), runner)?;
        let endpoint_url = format!("http://{addr}");
        let ctx = Arc::new(routes::Ctx {
            jobs: Arc::clone(&jobs),
            credentials: credentials.clone(),
            endpoint_url: endpoint_url.clone(),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let service = hyper::service::service_fn(move |req| routes::handle(Arc::clone(&ctx), req));
        let task = tokio::spawn(crate::serve::serve(
            "local MediaConvert",
            listener,
            service,
            stop_rx,
            Duration::from_millis(LOCAL_MEDIACONVERT_SHUTDOWN_GRACE_MS),
        ));
        tracing::info!(%addr, "local MediaConvert API listening");
        Ok(LocalMediaConvertHandle {
            addr,
            endpoint_url,
            region: config.region,
            credentials,
            jobs,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }
}

/// A running local MediaConvert API. Dropping it stops accepting connections and stops running
/// jobs (they resume on the next start); [`shutdown`](Self::shutdown) also waits for them.
pub struct LocalMediaConvertHandle {
    addr: SocketAddr,
    endpoint_url: String,
    region: String,
    credentials: LocalCredentials,
    jobs: Arc<jobs::Jobs>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl LocalMediaConvertHandle {
    /// `http://127.0.0.1:<port>`: the endpoint URL for MediaConvert clients.
    pub fn endpoint_url(&self) -> String {
        self.endpoint_url.clone()
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

    /// Creates a job without going through HTTP (the watch folder's way in).
    pub fn submit(&self, job: NewJob) -> Result<Job, ApiError> {
        self.jobs.create(job)
    }

    /// Stops accepting requests, stops running jobs without finishing them (a restart resumes
    /// them) and waits, up to a grace period, for requests and job tasks to end.
    pub async fn shutdown(mut self) {
        self.stop_all();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.jobs.tasks.close();
        let grace = Duration::from_millis(LOCAL_MEDIACONVERT_SHUTDOWN_GRACE_MS);
        if tokio::time::timeout(grace, self.jobs.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "local MediaConvert: jobs still stopping after the shutdown grace period"
            );
        }
    }

    fn stop_all(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.jobs.shutdown.cancel();
        self.jobs.runner.permits.close();
    }
}

impl Drop for LocalMediaConvertHandle {
    fn drop(&mut self) {
        self.stop_all();
    }
}

