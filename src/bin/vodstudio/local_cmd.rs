//! `vodstudio local serve`: the embedded local backend as a standalone server, for any S3 client
//! (aws-sdk, boto3, the AWS CLI) and for running the CLI against it.

use std::path::PathBuf;
use std::process::ExitCode;

use vodstudio::config::{self, S3ClientSettings, StaticCredentials};
use vodstudio::local::watch::{WatchConfig, DEFAULT_PRESET_JSON};
use vodstudio::local::{LocalBackend, LocalBackendConfig};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Serve the local backend on 127.0.0.1 until Ctrl-C; prints the environment clients need.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Where the backend keeps its data (default: `local/` in the vodstudio data dir).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// S3 port on 127.0.0.1 (default: a free port).
    #[arg(long, default_value_t = 0)]
    s3_port: u16,
    /// MediaConvert API port on 127.0.0.1 (default: a free port).
    #[arg(long, default_value_t = 0)]
    mediaconvert_port: u16,
    /// Start a job (presets/web-ladder.json) for every upload under `inputs/` of this bucket…
    #[arg(long, value_name = "BUCKET", requires = "media_bucket")]
    watch_bucket: Option<String>,
    /// …with outputs under `s3://<this bucket>/<asset-id>/`.
    #[arg(long, value_name = "BUCKET", requires = "watch_bucket")]
    media_bucket: Option<String>,
    /// Buckets to create if missing (repeatable), e.g. --bucket watch --bucket media.
    #[arg(long = "bucket", value_name = "NAME")]
    buckets: Vec<String>,
}

pub async fn run(args: Args, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let Action::Serve(serve) = args.action;
    let dir = serve.data.unwrap_or_else(|| data_dir.join("local"));
    let watch = match (serve.watch_bucket, serve.media_bucket) {
        (Some(watch_bucket), Some(media_bucket)) => {
            Some(WatchConfig { watch_bucket, media_bucket, preset: serde_json::from_str(DEFAULT_PRESET_JSON)? })
        }
        _ => None,
    };
    let backend = LocalBackend::start(LocalBackendConfig {
        s3_port: serve.s3_port,
        mediaconvert_port: serve.mediaconvert_port,
        watch,
        ..LocalBackendConfig::new(&dir)
    })
    .await?;
    let s3 = &backend.s3;
    let c = s3.credentials();
    if !serve.buckets.is_empty() {
        // Buckets are made through the S3 API itself, as any client would.
        let client = config::s3_client(&S3ClientSettings {
            endpoint_url: Some(s3.endpoint_url()),
            region: Some(s3.region().to_string()),
            profile: None,
            credentials: Some(StaticCredentials {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: c.secret_access_key.clone(),
            }),
        })
        .await;
        for bucket in &serve.buckets {
            if let Err(e) = client.create_bucket().bucket(bucket).send().await {
                let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&e).unwrap_or_default().to_string();
                anyhow::ensure!(
                    code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists",
                    "cannot create bucket {bucket}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                );
            }
        }
    }
    // Shell lines the AWS CLI, boto3 and this CLI understand (`eval "$(vodstudio local serve)"`
    // style: values never need quoting, keys are hex).
    println!("AWS_ACCESS_KEY_ID={}", c.access_key_id);
    println!("AWS_SECRET_ACCESS_KEY={}", c.secret_access_key);
    println!("AWS_REGION={}", s3.region());
    // AWS CLI v1 and older boto3 read only this one.
    println!("AWS_DEFAULT_REGION={}", s3.region());
    println!("AWS_ENDPOINT_URL_S3={}", s3.endpoint_url());
    println!("AWS_ENDPOINT_URL_MEDIACONVERT={}", backend.mediaconvert.endpoint_url());
    eprintln!("local backend ready (data in {}); Ctrl-C stops it", dir.display());
    shutdown_signal().await?;
    eprintln!("stopping…");
    backend.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what service managers and `kill` send): both stop the servers gracefully.
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
