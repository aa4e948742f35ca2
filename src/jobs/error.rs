//! Pipeline failures as types: the queue acts on the kind (wait for the network, fail the asset,
//! ask for credentials), the user reads the message.

use aws_sdk_mediaconvert::config::http::HttpResponse;
use aws_sdk_mediaconvert::error::{ProvideErrorMetadata, SdkError};

/// What kind of failure, in the terms the queue and the UI act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The endpoint cannot be reached (or answered 5xx / throttled): wait and try again.
    Offline,
    /// Keys missing, wrong or expired.
    Credentials,
    AccessDenied,
    /// The request was refused as invalid (settings, preset, role…).
    BadRequest,
    NotFound,
    /// The file is not something the pipeline can work with.
    NotMedia,
    /// The job ran and failed.
    JobFailed,
    /// Local trouble (disk, database).
    Local,
    Other,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Offline => "offline",
            FailureKind::Credentials => "credentials",
            FailureKind::AccessDenied => "access_denied",
            FailureKind::BadRequest => "bad_request",
            FailureKind::NotFound => "not_found",
            FailureKind::NotMedia => "not_media",
            FailureKind::JobFailed => "job_failed",
            FailureKind::Local => "local",
            FailureKind::Other => "other",
        }
    }
}

/// One failure of a pipeline step.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct PipelineError {
    pub kind: FailureKind,
    pub message: String,
}

impl PipelineError {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    pub fn is_offline(&self) -> bool {
        self.kind == FailureKind::Offline
    }

    /// Classifies an AWS SDK error (MediaConvert or S3) by its type, HTTP status and error code.
    pub fn from_sdk<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let chain = |e: &dyn std::error::Error| {
            let mut s = e.to_string();
            let mut cur = e.source();
            while let Some(c) = cur {
                s.push_str(": ");
                s.push_str(&c.to_string());
                cur = c.source();
            }
            s
        };
        match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Self::new(
                FailureKind::Offline,
                format!("{operation}: cannot reach the endpoint ({})", chain(err)),
            ),
            SdkError::ServiceError(e) => {
                let code = e.err().code().unwrap_or_default().to_owned();
                let message = e.err().message().map(str::to_owned).unwrap_or_else(|| e.err().to_string());
                let status = Some(e.raw().status().as_u16());
                let kind = match (code.as_str(), status) {
                    ("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "UnrecognizedClientException"
                    | "InvalidSignatureException" | "ExpiredToken" | "ExpiredTokenException"
                    | "InvalidClientTokenId" | "MissingAuthenticationToken", _) => FailureKind::Credentials,
                    ("AccessDenied" | "AccessDeniedException" | "ForbiddenException", _) | (_, Some(403)) => {
                        FailureKind::AccessDenied
                    }
                    ("TooManyRequestsException" | "ThrottlingException" | "SlowDown", _) | (_, Some(429)) => {
                        FailureKind::Offline
                    }
                    (_, Some(s)) if s >= 500 => FailureKind::Offline,
                    ("NotFoundException" | "NoSuchBucket" | "NoSuchKey", _) | (_, Some(404)) => FailureKind::NotFound,
                    (_, Some(400 | 409 | 422)) => FailureKind::BadRequest,
                    _ => FailureKind::Other,
                };
                let code = if code.is_empty() { String::new() } else { format!(" ({code})") };
                Self::new(kind, format!("{operation}: {message}{code}"))
            }
            other => Self::new(FailureKind::Other, format!("{operation}: {}", chain(other))),
        }
    }
}

impl From<crate::queue::StoreError> for PipelineError {
    fn from(e: crate::queue::StoreError) -> Self {
        Self::new(FailureKind::Local, e.to_string())
    }
}
