//! The backend the pipeline talks to, built from the settings: the same aws-sdk S3 and
//! MediaConvert clients for AWS and for the embedded local backend — only endpoints, credentials
//! and the profile's names differ.

use std::time::Duration;

use super::aws::{mediaconvert_client, s3_client, S3ClientSettings, StaticCredentials};
use super::settings::{
    Profile, Settings, SubmitMode, LOCAL_MEDIA_BUCKET, LOCAL_ROLE_ARN, LOCAL_WATCH_BUCKET,
};
use crate::jobs::{FailureKind, PipelineError};

/// Where a running local backend listens (given by whoever started it: the CLI or the app).
#[derive(Debug, Clone)]
pub struct LocalEndpoints {
    pub s3_url: String,
    pub mediaconvert_url: String,
    pub region: String,
    pub credentials: StaticCredentials,
    /// Stable name of this local install (its ports change between starts, its data does not).
    pub install_id: String,
}

/// Connected clients plus what the profile says about buckets, role and mode.
#[derive(Debug, Clone)]
pub struct Backend {
    pub s3: aws_sdk_s3::Client,
    pub mediaconvert: aws_sdk_mediaconvert::Client,
    /// Names the S3 endpoint in upload records (resume finds its parts by it).
    pub endpoint_id: String,
    pub watch_bucket: String,
    pub media_bucket: String,
    pub role_arn: String,
    pub queue: Option<String>,
    pub mode: SubmitMode,
    /// Shortest and longest wait between two GetJob polls.
    pub poll_min: Duration,
    pub poll_max: Duration,
    /// "local" or "aws".
    pub label: &'static str,
    /// Create the buckets if missing (the local backend starts empty).
    pub create_buckets: bool,
}

impl Backend {
    /// Clients for the profile in `settings`. The local profile needs the running backend's
    /// endpoints.
    pub async fn connect(settings: &Settings, local: Option<&LocalEndpoints>) -> Result<Self, PipelineError> {
        settings.validate().map_err(|e| PipelineError::new(FailureKind::BadRequest, e.to_string()))?;
        match &settings.profile {
            Profile::Local => {
                let Some(local) = local else {
                    return Err(PipelineError::new(FailureKind::Other, "the local backend is not running"));
                };
                let client = |url: &str| S3ClientSettings {
                    endpoint_url: Some(url.to_owned()),
                    region: Some(local.region.clone()),
                    profile: None,
                    credentials: Some(local.credentials.clone()),
                };
                Ok(Self {
                    s3: s3_client(&client(&local.s3_url)).await,
                    mediaconvert: mediaconvert_client(&client(&local.mediaconvert_url)).await,
                    endpoint_id: local.install_id.clone(),
                    watch_bucket: LOCAL_WATCH_BUCKET.into(),
                    media_bucket: LOCAL_MEDIA_BUCKET.into(),
                    role_arn: LOCAL_ROLE_ARN.into(),
                    queue: None,
                    mode: SubmitMode::Direct,
                    poll_min: Duration::from_millis(250),
                    poll_max: Duration::from_secs(2),
                    label: "local",
                    create_buckets: true,
                })
            }
            Profile::Aws(aws) => {
                let s3_settings = S3ClientSettings {
                    endpoint_url: aws.s3_endpoint.clone(),
                    region: aws.region.clone(),
                    profile: aws.aws_profile.clone(),
                    credentials: None,
                };
                let mut mc_settings = S3ClientSettings { endpoint_url: aws.mediaconvert_endpoint.clone(), ..s3_settings.clone() };
                let mut mediaconvert = mediaconvert_client(&mc_settings).await;
                if aws.describe_endpoints && aws.mediaconvert_endpoint.is_none() {
                    let url = crate::jobs::describe_endpoint(&mediaconvert).await?;
                    mc_settings.endpoint_url = Some(url);
                    mediaconvert = mediaconvert_client(&mc_settings).await;
                }
                Ok(Self {
                    s3: s3_client(&s3_settings).await,
                    mediaconvert,
                    endpoint_id: s3_settings.endpoint_id(),
                    watch_bucket: aws.watch_bucket.clone(),
                    media_bucket: aws.media_bucket.clone(),
                    role_arn: aws.role_arn.clone(),
                    queue: aws.queue.clone(),
                    mode: aws.mode,
                    poll_min: Duration::from_secs(2),
                    poll_max: Duration::from_secs(20),
                    label: "aws",
                    create_buckets: false,
                })
            }
        }
    }

    /// Checks both endpoints with the cheapest calls that prove access: HeadBucket on the watch
    /// bucket and ListJobs (one result).
    pub async fn check(&self) -> Result<(), PipelineError> {
        self.check_s3().await?;
        self.mediaconvert
            .list_jobs()
            .max_results(1)
            .send()
            .await
            .map_err(|e| PipelineError::from_sdk("MediaConvert ListJobs", &e))?;
        Ok(())
    }

    /// HeadBucket on the watch bucket, after creating the buckets where the backend wants it.
    pub async fn check_s3(&self) -> Result<(), PipelineError> {
        if self.create_buckets {
            for bucket in [&self.watch_bucket, &self.media_bucket] {
                if self.s3.head_bucket().bucket(bucket).send().await.is_err() {
                    if let Err(e) = self.s3.create_bucket().bucket(bucket).send().await {
                        let err = PipelineError::from_sdk(&format!("CreateBucket {bucket}"), &e);
                        // Another process may have created it in between.
                        if err.kind != FailureKind::BadRequest {
                            return Err(err);
                        }
                    }
                }
            }
        }
        self.s3
            .head_bucket()
            .bucket(&self.watch_bucket)
            .send()
            .await
            .map_err(|e| PipelineError::from_sdk(&format!("S3 bucket {}", self.watch_bucket), &e))?;
        Ok(())
    }
}
