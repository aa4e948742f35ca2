//! Errors of the local MediaConvert API: why the server could not start, and the AWS-style errors
//! sent to clients (the JSON and `x-amzn-ErrorType` header aws-sdk-mediaconvert parses).

use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;

/// A failure to start the local MediaConvert API.
#[derive(Debug, thiserror::Error)]
pub enum LocalMediaConvertError {
    /// Like the local S3, the API has no protection meant for a network.
    #[error("refusing to bind the local MediaConvert API to {addr}: only loopback addresses (127.0.0.1, ::1) are allowed")]
    NonLoopbackBind { addr: SocketAddr },

    #[error("bind the local MediaConvert API to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },

    #[error("{action} \"{}\": {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// A job file of the data dir is not what this server wrote.
    #[error("read local MediaConvert job \"{}\": {source}", path.display())]
    CorruptJob {
        path: PathBuf,
        source: serde_json::Error,
    },

    #[error(transparent)]
    Credentials(#[from] crate::local::s3::LocalS3Error),
}

impl LocalMediaConvertError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }

    /// A stable, machine-readable name for each kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NonLoopbackBind { .. } => "non_loopback_bind",
            Self::Bind { .. } => "bind_failed",
            Self::Io { .. } => "io",
            Self::CorruptJob { .. } => "corrupt_job",
            Self::Credentials(e) => e.kind(),
        }
    }
}

/// An error answered to a client, as MediaConvert spells it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    /// The error type the SDK maps to a variant (`BadRequestException`, `NotFoundException`…).
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequestException",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "NotFoundException",
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            code: "ConflictException",
            message: message.into(),
        }
    }

    /// Authentication failures: the codes AWS's own front end answers for SigV4 problems.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalServerErrorException",
            message: message.into(),
        }
    }

    /// A stable, machine-readable name (the AWS error code).
    pub fn kind(&self) -> &'static str {
        self.code
    }

    /// The response: the code goes both in `x-amzn-ErrorType` and in the body's `__type`, the way
    /// restJson1 services answer, so any SDK finds it.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        let body = serde_json::json!({ "__type": self.code, "message": self.message });
        let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
        *resp.status_mut() = self.status;
        let headers = resp.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(
            "x-amzn-errortype",
            http::HeaderValue::from_static(self.code),
        );
        resp
    }
}
