//! Building the aws-sdk clients: the standard AWS credential chain (env, `~/.aws` profiles, SSO,
//! credential processes) or explicit keys, and an optional endpoint for S3-compatible servers.
//! The pipeline gets the same client type either way: only endpoint and credentials differ.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

use crate::limits;

/// Keys given explicitly (from the OS keyring or the local backend's data dir).
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StaticCredentials {
    // The secret never reaches logs, even at debug level.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// How to reach an AWS service (S3 or MediaConvert) or a compatible server.
#[derive(Debug, Clone, Default)]
pub struct S3ClientSettings {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// Region; `None` takes it from the environment/profile (and `us-east-1` if neither says).
    pub region: Option<String>,
    /// A named profile of `~/.aws/config`.
    pub profile: Option<String>,
    /// Explicit keys; `None` uses the standard credential chain.
    pub credentials: Option<StaticCredentials>,
}

impl S3ClientSettings {
    /// A stable name of the endpoint for the queue's records (`""` for AWS itself).
    pub fn endpoint_id(&self) -> String {
        self.endpoint_url.clone().unwrap_or_default()
    }
}

/// The shared SDK configuration for these settings: credentials, region, endpoint, timeouts.
/// SDK retries are off: the callers decide what to retry, and when, from the error's type (so
/// retries do not multiply).
async fn sdk_config(settings: &S3ClientSettings) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(limits::S3_CONNECT_TIMEOUT_MS))
                .operation_attempt_timeout(Duration::from_millis(limits::S3_ATTEMPT_TIMEOUT_MS))
                .build(),
        );
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(creds) = &settings.credentials {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            creds.access_key_id.clone(),
            creds.secret_access_key.clone(),
            None,
            None,
            "vodstudio",
        ));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An S3 client for these settings.
pub async fn s3_client(settings: &S3ClientSettings) -> aws_sdk_s3::Client {
    let sdk = sdk_config(settings).await;
    let mut builder = aws_sdk_s3::config::Builder::from(&sdk);
    if sdk.region().is_none() {
        builder = builder.region(Region::new("us-east-1"));
    }
    // S3-compatible servers on an IP address cannot do virtual-hosted buckets.
    builder = builder.force_path_style(settings.endpoint_url.is_some());
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// A MediaConvert client for the same kind of settings (`endpoint_url`: the MediaConvert
/// endpoint; `None` uses the region's).
pub async fn mediaconvert_client(settings: &S3ClientSettings) -> aws_sdk_mediaconvert::Client {
    let sdk = sdk_config(settings).await;
    let mut builder = aws_sdk_mediaconvert::config::Builder::from(&sdk);
    if sdk.region().is_none() {
        builder = builder.region(aws_sdk_mediaconvert::config::Region::new("us-east-1"));
    }
    aws_sdk_mediaconvert::Client::from_conf(builder.build())
}
