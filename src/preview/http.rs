//! HTTP plumbing shared by the preview service's routes: content types by extension, streamed and
//! small bodies, and S3 errors mapped to statuses.

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectError;
use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;

use super::PREVIEW_MAX_MANIFEST_BYTES;

pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(super) type Body = UnsyncBoxBody<Bytes, BoxError>;

pub(super) fn s3_error(
    bucket: &str,
    key: &str,
    e: SdkError<GetObjectError, aws_smithy_runtime_api::http::Response>,
) -> Response<Body> {
    let status = match &e {
        SdkError::ServiceError(se) => se.raw().status().as_u16(),
        _ => 0,
    };
    match status {
        404 => text(StatusCode::NOT_FOUND, "not found"),
        416 => text(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable"),
        _ => {
            tracing::warn!(bucket, key, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "preview: GetObject failed");
            text(StatusCode::BAD_GATEWAY, "fetching from storage failed")
        }
    }
}

/// What an object is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Hls,
    Dash,
    Ts,
    Mp4,
    Vtt,
    Jpeg,
    Png,
    Json,
    QuickTime,
    Matroska,
    Mp3,
    Other,
}

impl Kind {
    pub(super) fn of(key: &str) -> Self {
        let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("m3u8") => Self::Hls,
            Some("mpd") => Self::Dash,
            Some("ts") => Self::Ts,
            Some("mp4" | "m4s" | "m4v" | "cmfv" | "cmfa") => Self::Mp4,
            Some("vtt") => Self::Vtt,
            Some("jpg" | "jpeg") => Self::Jpeg,
            Some("png") => Self::Png,
            Some("json") => Self::Json,
            Some("mov") => Self::QuickTime,
            Some("mkv" | "webm") => Self::Matroska,
            Some("mp3") => Self::Mp3,
            _ => Self::Other,
        }
    }

    pub(super) fn is_manifest(self) -> bool {
        matches!(self, Self::Hls | Self::Dash)
    }

    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::Hls => "application/vnd.apple.mpegurl",
            Self::Dash => "application/dash+xml",
            Self::Ts => "video/mp2t",
            Self::Mp4 => "video/mp4",
            Self::Vtt => "text/vtt",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Json => "application/json",
            Self::QuickTime => "video/quicktime",
            Self::Matroska => "video/x-matroska",
            Self::Mp3 => "audio/mpeg",
            Self::Other => "application/octet-stream",
        }
    }
}

/// The object's bytes as they arrive from S3, chunk by chunk: memory stays bounded by the HTTP
/// client's buffers, whatever the object's size.
pub(super) fn stream_body(body: aws_sdk_s3::primitives::ByteStream) -> Body {
    let chunks = futures::stream::unfold(Some(body), |state| async move {
        let mut body = state?;
        match body.try_next().await {
            Ok(Some(bytes)) => Some((Ok(Frame::data(bytes)), Some(body))),
            Ok(None) => None,
            Err(e) => Some((Err(Box::new(e) as BoxError), None)),
        }
    });
    StreamBody::new(chunks).boxed_unsync()
}

pub(super) fn full(s: String) -> Body {
    bytes(s)
}

pub(super) fn bytes(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|e| match e {}).boxed_unsync()
}

/// A JSON body with its content type; `no-store`, since what the API answers carries tokens.
pub(super) fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(full(value.to_string()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Why a small object (a manifest, the metadata) could not be read whole.
#[derive(Debug)]
pub(super) enum SmallReadError {
    /// Larger than [`PREVIEW_MAX_MANIFEST_BYTES`]: not read further.
    TooBig,
    Failed(String),
}

/// An object's body read whole, refusing (early, by its length when S3 gives one) anything over
/// [`PREVIEW_MAX_MANIFEST_BYTES`], so memory stays bounded whatever the bucket holds.
pub(super) async fn read_small(
    object: aws_sdk_s3::operation::get_object::GetObjectOutput,
) -> Result<Vec<u8>, SmallReadError> {
    if object
        .content_length
        .is_some_and(|n| n > PREVIEW_MAX_MANIFEST_BYTES as i64)
    {
        return Err(SmallReadError::TooBig);
    }
    let mut body = object.body;
    let mut bytes = Vec::new();
    while let Some(chunk) = body
        .try_next()
        .await
        .map_err(|e| SmallReadError::Failed(e.to_string()))?
    {
        if bytes.len() + chunk.len() > PREVIEW_MAX_MANIFEST_BYTES {
            return Err(SmallReadError::TooBig);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

pub(super) fn empty() -> Body {
    Empty::new().map_err(|e| match e {}).boxed_unsync()
}

pub(super) fn text(status: StatusCode, msg: &'static str) -> Response<Body> {
    let mut r = Response::new(full(format!("{msg}\n")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        let cases = [
            ("a/hls/x.m3u8", "application/vnd.apple.mpegurl"),
            ("a/dash/x.mpd", "application/dash+xml"),
            ("a/hls/x_00001.ts", "video/mp2t"),
            ("a/x.mp4", "video/mp4"),
            ("a/dash/chunk-0-00001.m4s", "video/mp4"),
            ("a/captions.vtt", "text/vtt"),
            ("a/poster.JPG", "image/jpeg"),
            ("a/blob", "application/octet-stream"),
        ];
        for (key, ct) in cases {
            assert_eq!(Kind::of(key).content_type(), ct, "{key}");
        }
    }
}
