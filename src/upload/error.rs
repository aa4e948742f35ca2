//! Upload failures as types: what went wrong, and whether trying again can help.

use std::path::PathBuf;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use crate::queue::StoreError;

/// Why an S3 request failed, in the terms the driver acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3FailureKind {
    /// Connection refused/reset, timeout, 5xx, throttling: try again after a pause.
    Transient,
    /// Wrong, unknown or expired keys: nothing will work until the user fixes them.
    Credentials,
    AccessDenied,
    NoSuchBucket,
    /// The multipart upload id is unknown to the server (expired, aborted or completed).
    NoSuchUpload,
    /// The server computed a different checksum than we sent.
    BadDigest,
    /// A part listed at completion does not match what the server holds.
    InvalidPart,
    Other,
}

/// One failed S3 request, with what the server said.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: {}{}", .message, .code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct S3Failure {
    pub operation: String,
    pub kind: S3FailureKind,
    pub code: Option<String>,
    pub status: Option<u16>,
    pub message: String,
}

impl S3Failure {
    /// Classifies an SDK error by its type, HTTP status and S3 error code — never by its text.
    pub fn from_sdk<E, R>(operation: impl Into<String>, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HasStatus,
    {
        let operation = operation.into();
        let (kind, code, status, message) = match &err {
            SdkError::DispatchFailure(e) => {
                (S3FailureKind::Transient, None, None, format!("cannot reach the server: {}", e.as_connector_error().map_or_else(|| source_chain(&err), |c| source_chain(c))))
            }
            SdkError::TimeoutError(_) => (S3FailureKind::Transient, None, None, "request timed out".into()),
            SdkError::ResponseError(e) => {
                (S3FailureKind::Transient, None, e.raw().status(), "the server's answer was cut off or unreadable".into())
            }
            SdkError::ConstructionFailure(_) => {
                (S3FailureKind::Other, None, None, format!("could not build the request: {}", source_chain(&err)))
            }
            SdkError::ServiceError(e) => {
                let status = e.raw().status();
                let code = e.err().code().map(str::to_string);
                let message = e.err().message().map(str::to_string).unwrap_or_else(|| e.err().to_string());
                (classify(code.as_deref(), status), code, status, message)
            }
            _ => (S3FailureKind::Other, None, None, source_chain(&err)),
        };
        Self { operation, kind, code, status, message }
    }

    pub fn is_transient(&self) -> bool {
        self.kind == S3FailureKind::Transient
    }
}

fn classify(code: Option<&str>, status: Option<u16>) -> S3FailureKind {
    match code {
        Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken" | "InvalidToken"
            | "TokenRefreshRequired" | "AuthorizationHeaderMalformed") => S3FailureKind::Credentials,
        Some("AccessDenied" | "AllAccessDisabled" | "AccountProblem") => S3FailureKind::AccessDenied,
        Some("NoSuchBucket") => S3FailureKind::NoSuchBucket,
        Some("NoSuchUpload") => S3FailureKind::NoSuchUpload,
        Some("BadDigest" | "InvalidDigest" | "XAmzContentSHA256Mismatch") => S3FailureKind::BadDigest,
        Some("InvalidPart" | "InvalidPartOrder") => S3FailureKind::InvalidPart,
        Some("SlowDown" | "RequestTimeout" | "InternalError" | "ServiceUnavailable" | "RequestTimeTooSkewed") => {
            S3FailureKind::Transient
        }
        _ => match status {
            Some(s) if s >= 500 || s == 429 || s == 408 => S3FailureKind::Transient,
            Some(403) => S3FailureKind::AccessDenied,
            _ => S3FailureKind::Other,
        },
    }
}

fn source_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

/// Lets the classifier read the HTTP status of whatever response type the SDK hands back.
pub trait HasStatus {
    fn status(&self) -> Option<u16>;
}

impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

/// Why an upload stopped.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("cannot read {}: {detail}", .path.display())]
    File { path: PathBuf, detail: String },
    #[error("{0}")]
    Plan(#[from] super::PlanError),
    #[error("{} changed while it was being uploaded; run the upload again to start over", .path.display())]
    FileChangedDuringUpload { path: PathBuf },
    #[error("S3 rejected the credentials: {0}. Check the access key and secret (or the AWS profile)")]
    Credentials(S3Failure),
    #[error("access denied: {0}. The credentials lack permission for this bucket or key")]
    AccessDenied(S3Failure),
    #[error("no such bucket {bucket:?}: create it or pick another")]
    NoSuchBucket { bucket: String },
    #[error("the network or the server is unavailable after {attempts} attempts: {last}")]
    Offline { attempts: u32, last: S3Failure },
    #[error("{0}")]
    S3(S3Failure),
    #[error("the uploaded object does not match the file: {0}")]
    Verification(String),
    #[error("upload paused")]
    Paused,
    #[error("upload canceled")]
    Canceled,
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl UploadError {
    /// A stable name for the failure (for `--json` and the UI).
    pub fn kind(&self) -> &'static str {
        match self {
            UploadError::File { .. } => "file",
            UploadError::Plan(_) => "too_large",
            UploadError::FileChangedDuringUpload { .. } => "file_changed",
            UploadError::Credentials(_) => "credentials",
            UploadError::AccessDenied(_) => "access_denied",
            UploadError::NoSuchBucket { .. } => "no_such_bucket",
            UploadError::Offline { .. } => "offline",
            UploadError::S3(_) => "s3",
            UploadError::Verification(_) => "verification",
            UploadError::Paused => "paused",
            UploadError::Canceled => "canceled",
            UploadError::Store(_) => "store",
        }
    }

    /// True when the same upload can succeed later without the user changing anything.
    pub fn is_retryable_later(&self) -> bool {
        matches!(self, UploadError::Offline { .. } | UploadError::Paused)
    }

    /// Maps a request failure the driver does not handle itself.
    pub(crate) fn from_failure(f: S3Failure, bucket: &str) -> Self {
        match f.kind {
            S3FailureKind::Credentials => UploadError::Credentials(f),
            S3FailureKind::AccessDenied => UploadError::AccessDenied(f),
            S3FailureKind::NoSuchBucket => UploadError::NoSuchBucket { bucket: bucket.to_string() },
            _ => UploadError::S3(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_map_to_kinds() {
        assert_eq!(classify(Some("SignatureDoesNotMatch"), Some(403)), S3FailureKind::Credentials);
        assert_eq!(classify(Some("InvalidAccessKeyId"), Some(403)), S3FailureKind::Credentials);
        assert_eq!(classify(Some("NoSuchUpload"), Some(404)), S3FailureKind::NoSuchUpload);
        assert_eq!(classify(Some("SlowDown"), Some(503)), S3FailureKind::Transient);
        assert_eq!(classify(None, Some(502)), S3FailureKind::Transient);
        assert_eq!(classify(None, Some(403)), S3FailureKind::AccessDenied);
        assert_eq!(classify(Some("NoSuchBucket"), Some(404)), S3FailureKind::NoSuchBucket);
        assert_eq!(classify(None, Some(400)), S3FailureKind::Other);
    }
}
