//! The preview service: a loopback HTTP server that serves one asset's outputs to the player at
//! `/<asset>/<token>/<path>`, fetching each object from S3 and rewriting HLS/DASH manifests so that
//! every URI in them comes back through the service with the same token.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_object::GetObjectError;
use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use tokio::sync::oneshot;
use url::Url;

use super::rewrite::{rewrite_dash, rewrite_hls, ResolvedUri};
use super::tokens::{PreviewToken, TokenStore};
use super::{PREVIEW_MAX_MANIFEST_BYTES, PREVIEW_SHUTDOWN_GRACE_MS};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The characters `url` percent-encodes in a path, so keys we encode compare equal to paths it
/// resolves.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Why the preview service could not start.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The loopback port is taken or not allowed.
    #[error("preview service: bind 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// How the preview service runs.
#[derive(Debug, Clone, Default)]
pub struct PreviewConfig {
    /// Loopback port; 0 picks a free one.
    pub bind_port: u16,
    /// Origins (e.g. the app's `tauri://localhost`) allowed to read responses cross-origin. Empty:
    /// no CORS headers at all.
    pub allowed_origins: Vec<String>,
}

/// Entry point of the preview service.
pub struct PreviewService;

impl PreviewService {
    /// Serves on `127.0.0.1:bind_port` (0: any free port) with `s3`'s endpoint and credentials.
    pub async fn start(
        s3: aws_sdk_s3::Client,
        bind_port: u16,
    ) -> Result<PreviewHandle, PreviewError> {
        Self::start_with(
            s3,
            PreviewConfig {
                bind_port,
                ..PreviewConfig::default()
            },
        )
        .await
    }

    /// Like [`PreviewService::start`], with CORS origins.
    pub async fn start_with(
        s3: aws_sdk_s3::Client,
        config: PreviewConfig,
    ) -> Result<PreviewHandle, PreviewError> {
        let port = config.bind_port;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| PreviewError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| PreviewError::Bind { port, source })?;
        let state = Arc::new(State {
            s3,
            tokens: TokenStore::default(),
            allowed_origins: config.allowed_origins,
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&state), stopped));
        Ok(PreviewHandle {
            addr,
            state,
            stop: Some(stop),
            task,
        })
    }
}

/// A running preview service. Dropping it without [`PreviewHandle::shutdown`] stops accepting
/// connections but does not wait for requests in flight.
pub struct PreviewHandle {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for PreviewHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviewHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

impl PreviewHandle {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A token that lets the player read `s3://bucket/prefix…` as `/<asset_id>/<token>/…` for `ttl`.
    pub fn issue_token(
        &self,
        asset_id: &str,
        bucket: &str,
        prefix: &str,
        ttl: Duration,
    ) -> PreviewToken {
        self.state.tokens.issue(asset_id, bucket, prefix, ttl)
    }

    /// Withdraws `token` before its expiry.
    pub fn revoke_token(&self, token: &PreviewToken) {
        self.state.tokens.revoke(token);
    }

    /// The service URL of `path` (relative to the token's prefix, e.g. `hls/trip.m3u8`).
    pub fn playback_url(&self, asset_id: &str, token: &PreviewToken, path: &str) -> String {
        format!(
            "{}/{}/{}/{}",
            self.url(),
            utf8_percent_encode(asset_id, PATH),
            token,
            utf8_percent_encode(path.trim_start_matches('/'), PATH)
        )
    }

    /// Stops accepting connections and waits (boundedly) for requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // The server task may already be gone; then there is nothing to stop.
            let _ = stop.send(());
        }
        if let Err(e) = (&mut self.task).await {
            tracing::warn!(error = %e, "preview service task ended abnormally");
        }
    }
}

impl Drop for PreviewHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

struct State {
    s3: aws_sdk_s3::Client,
    tokens: TokenStore,
    allowed_origins: Vec<String>,
}

/// The preview service on the core's shared accept loop.
async fn serve(listener: tokio::net::TcpListener, state: Arc<State>, stop: oneshot::Receiver<()>) {
    let service = hyper::service::service_fn(move |req| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(handle(&state, req).await) }
    });
    let grace = Duration::from_millis(PREVIEW_SHUTDOWN_GRACE_MS);
    crate::serve::serve("preview service", listener, service, stop, grace).await;
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<Body> {
    // Only the head matters (GET and HEAD have no body); the parts are Sync, the body is not.
    let (req, _body) = req.into_parts();
    let origin = req
        .headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| state.allowed_origins.iter().any(|a| a == o))
        .map(str::to_owned);
    let mut resp = match req.method {
        Method::OPTIONS if origin.is_some() => {
            let mut r = Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            let h = r.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("range"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            r
        }
        Method::GET | Method::HEAD => {
            let head = req.method == Method::HEAD;
            let mut r = get(state, &req).await;
            if head {
                *r.body_mut() = empty();
            }
            r
        }
        _ => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    };
    if let Some(origin) = origin {
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(header::VARY, HeaderValue::from_static("origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("content-length, content-range, accept-ranges"),
        );
    }
    resp
}

async fn get(state: &State, req: &http::request::Parts) -> Response<Body> {
    let path = req.uri.path().trim_start_matches('/');
    let mut parts = path.splitn(3, '/');
    let (Some(asset), Some(token), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let asset = percent_decode_str(asset).decode_utf8_lossy();
    let grant = match state.tokens.check(token, &asset, Instant::now()) {
        Ok(g) => g,
        Err(refusal) => {
            tracing::debug!(?refusal, asset = %asset, "preview token refused");
            return text(StatusCode::FORBIDDEN, "preview link is invalid or expired");
        }
    };
    let Ok(rest) = percent_decode_str(rest).decode_utf8() else {
        return text(StatusCode::BAD_REQUEST, "path is not UTF-8");
    };
    // The key must stay under the grant's prefix: no segment may climb out of it.
    if rest.is_empty()
        || rest
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return text(StatusCode::BAD_REQUEST, "bad path");
    }
    let key = format!("{}{rest}", grant.prefix);
    let kind = Kind::of(&key);
    let range = req
        .headers
        .get(header::RANGE)
        .and_then(|r| r.to_str().ok())
        .filter(|_| !kind.is_manifest());
    let object = match state
        .s3
        .get_object()
        .bucket(&grant.bucket)
        .key(&key)
        .set_range(range.map(str::to_owned))
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) => return s3_error(&grant.bucket, &key, e),
    };
    if kind.is_manifest() {
        let own = format!(
            "s3://{}/{}",
            grant.bucket,
            utf8_percent_encode(&grant.prefix, PATH)
        );
        let base = format!("s3://{}/{}", grant.bucket, utf8_percent_encode(&key, PATH));
        let Ok(base) = Url::parse(&base) else {
            return text(StatusCode::BAD_REQUEST, "bad path");
        };
        let via = format!("/{}/{token}/", utf8_percent_encode(&grant.asset_id, PATH));
        let map = |u: &ResolvedUri| match u.resolved.strip_prefix(&own) {
            Some(rest) => format!("{via}{rest}"),
            None => u.original.to_owned(),
        };
        return manifest(object, &base, kind, map, &key).await;
    }
    let content_length = object.content_length;
    let content_range = object.content_range.clone();
    let e_tag = object.e_tag.clone();
    let status = if content_range.is_some() && range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut resp = Response::new(stream_body(object.body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.content_type()),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(len) = content_length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Some(v) = content_range
        .as_deref()
        .and_then(|r| HeaderValue::from_str(r).ok())
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    if let Some(v) = e_tag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
        h.insert(header::ETAG, v);
    }
    resp
}

/// Reads a manifest whole (bounded: manifests are small, and rewriting needs all of it) and serves
/// it rewritten.
async fn manifest(
    object: aws_sdk_s3::operation::get_object::GetObjectOutput,
    base: &Url,
    kind: Kind,
    map: impl Fn(&ResolvedUri) -> String,
    key: &str,
) -> Response<Body> {
    let too_big = || {
        text(
            StatusCode::BAD_GATEWAY,
            "manifest is larger than the preview service reads",
        )
    };
    if object
        .content_length
        .is_some_and(|n| n > PREVIEW_MAX_MANIFEST_BYTES as i64)
    {
        return too_big();
    }
    let mut body = object.body;
    let mut bytes = Vec::new();
    loop {
        match body.try_next().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > PREVIEW_MAX_MANIFEST_BYTES {
                    return too_big();
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(key, error = %e, "preview: reading manifest failed");
                return text(StatusCode::BAD_GATEWAY, "reading the manifest failed");
            }
        }
    }
    let Ok(text_body) = String::from_utf8(bytes) else {
        return text(StatusCode::BAD_GATEWAY, "manifest is not UTF-8");
    };
    let rewritten = match kind {
        Kind::Hls => rewrite_hls(&text_body, base, map),
        _ => match rewrite_dash(&text_body, base, map) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(key, error = %e, "preview: MPD rewrite failed");
                return text(StatusCode::BAD_GATEWAY, "manifest is not well-formed");
            }
        },
    };
    let mut resp = Response::new(full(rewritten));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.content_type()),
    );
    // Manifests carry the token; they must not outlive it in a cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn s3_error(
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
enum Kind {
    Hls,
    Dash,
    Ts,
    Mp4,
    Vtt,
    Jpeg,
    Other,
}

impl Kind {
    fn of(key: &str) -> Self {
        let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("m3u8") => Self::Hls,
            Some("mpd") => Self::Dash,
            Some("ts") => Self::Ts,
            Some("mp4" | "m4s" | "m4v" | "cmfv" | "cmfa") => Self::Mp4,
            Some("vtt") => Self::Vtt,
            Some("jpg" | "jpeg") => Self::Jpeg,
            _ => Self::Other,
        }
    }

    fn is_manifest(self) -> bool {
        matches!(self, Self::Hls | Self::Dash)
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Hls => "application/vnd.apple.mpegurl",
            Self::Dash => "application/dash+xml",
            Self::Ts => "video/mp2t",
            Self::Mp4 => "video/mp4",
            Self::Vtt => "text/vtt",
            Self::Jpeg => "image/jpeg",
            Self::Other => "application/octet-stream",
        }
    }
}

/// The object's bytes as they arrive from S3, chunk by chunk: memory stays bounded by the HTTP
/// client's buffers, whatever the object's size.
fn stream_body(body: aws_sdk_s3::primitives::ByteStream) -> Body {
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

fn full(s: String) -> Body {
    Full::new(Bytes::from(s))
        .map_err(|e| match e {})
        .boxed_unsync()
}

fn empty() -> Body {
    Empty::new().map_err(|e| match e {}).boxed_unsync()
}

fn text(status: StatusCode, msg: &'static str) -> Response<Body> {
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
