//! The preview service: a loopback HTTP server that serves one asset's outputs to the player at
//! `/<asset>/<token>/<path>`, fetching each object from S3 and rewriting HLS/DASH manifests so that
//! every URI in them comes back through the service with the same token. It also serves the player
//! page itself (`/player/`), the asset's outputs list and signed links (`/_api/…`, see `api.rs`),
//! and the source file for comparison (`/_source/<asset>/<token>`).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use tokio::sync::oneshot;
use url::Url;

use super::api::{self, LinkSigning};
use super::http::{
    empty, full, read_small, s3_error, stream_body, text, Body, Kind, SmallReadError,
};
use super::player::{self, PlayerFiles};
use super::rewrite::{rewrite_dash, rewrite_hls, ResolvedUri};
use super::tokens::{Grant, PreviewToken, TokenStore};
use super::PREVIEW_SHUTDOWN_GRACE_MS;
use crate::queue::AssetRecord;

/// The characters `url` percent-encodes in a path, so keys we encode compare equal to paths it
/// resolves.
pub(super) const PATH: &AsciiSet = &CONTROLS
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
    /// Origins allowed to show the player page in a frame (the app's own pages). Empty: none.
    pub frame_ancestors: Vec<String>,
    /// The player page's files, served at `/player/`; None: the service serves media only.
    pub player: Option<PlayerFiles>,
    /// How "copy signed URL" links are signed.
    pub links: LinkSigning,
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
            frame_ancestors: config.frame_ancestors,
            player: config.player,
            links: config.links,
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

    /// Like [`PreviewHandle::issue_token`], also letting the player read the source object
    /// `s3://source_bucket/source_key` (at `/_source/<asset>/<token>`) to compare with renditions.
    pub fn issue_token_with_source(
        &self,
        asset_id: &str,
        bucket: &str,
        prefix: &str,
        source: Option<(String, String)>,
        ttl: Duration,
    ) -> PreviewToken {
        self.state
            .tokens
            .issue_with_source(asset_id, bucket, prefix, source, ttl)
    }

    /// A token for a queued asset: its outputs under `s3://<media_bucket>/<id>/` (where the
    /// planner puts them) and its uploaded source, for `ttl`.
    pub fn issue_asset_token(
        &self,
        asset: &AssetRecord,
        media_bucket: &str,
        ttl: Duration,
    ) -> PreviewToken {
        let source = asset.input_bucket.clone().zip(asset.input_key.clone());
        self.issue_token_with_source(
            &asset.id,
            media_bucket,
            &format!("{}/", asset.id),
            source,
            ttl,
        )
    }

    /// The player page for `asset_id` with `token` (in the URL fragment, so it never reaches a
    /// server log or a `Referer` header).
    pub fn player_url(&self, asset_id: &str, token: &PreviewToken) -> String {
        format!(
            "{}/player/#asset={}&token={}",
            self.url(),
            utf8_percent_encode(asset_id, PATH),
            token
        )
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

pub(super) struct State {
    pub(super) s3: aws_sdk_s3::Client,
    pub(super) tokens: TokenStore,
    allowed_origins: Vec<String>,
    frame_ancestors: Vec<String>,
    player: Option<PlayerFiles>,
    pub(super) links: LinkSigning,
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
    if path == "player" {
        // The player's files are linked relative to its folder: it must be loaded as `/player/`.
        return redirect("/player/");
    }
    if let Some(rest) = path.strip_prefix("player/") {
        return player::serve(state.player.as_ref(), rest, &state.frame_ancestors);
    }
    if let Some(rest) = path.strip_prefix("_api/") {
        return api::handle(state, rest, req.uri.query()).await;
    }
    if let Some(rest) = path.strip_prefix("_source/") {
        return source(state, rest, req).await;
    }
    media(state, path, req).await
}

/// The grant of `token` for the (percent-encoded) `asset` path segment; None answers 403.
pub(super) fn authorize(state: &State, asset: &str, token: &str) -> Option<Grant> {
    let asset = percent_decode_str(asset).decode_utf8_lossy();
    state
        .tokens
        .check(token, &asset, Instant::now())
        .inspect_err(|refusal| tracing::debug!(?refusal, asset = %asset, "preview token refused"))
        .ok()
}

/// The one answer to a refused token: all refusals look alike, so a prober learns nothing.
pub(super) fn forbidden() -> Response<Body> {
    text(StatusCode::FORBIDDEN, "preview link is invalid or expired")
}

/// `/_source/<asset>/<token>`: the asset's source file, when the token grants it.
async fn source(state: &State, path: &str, req: &http::request::Parts) -> Response<Body> {
    let Some((asset, token)) = path.split_once('/') else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let Some(grant) = authorize(state, asset, token) else {
        return forbidden();
    };
    let Some((bucket, key)) = grant.source else {
        return text(StatusCode::NOT_FOUND, "no source for this preview");
    };
    object(state, &bucket, &key, Kind::of(&key), req).await
}

/// `/<asset>/<token>/<path>`: an output of the asset, manifests rewritten.
async fn media(state: &State, path: &str, req: &http::request::Parts) -> Response<Body> {
    let mut parts = path.splitn(3, '/');
    let (Some(asset), Some(token), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let Some(grant) = authorize(state, asset, token) else {
        return forbidden();
    };
    let Ok(rest) = percent_decode_str(rest).decode_utf8() else {
        return text(StatusCode::BAD_REQUEST, "path is not UTF-8");
    };
    let Some(key) = key_under(&grant.prefix, &rest) else {
        return text(StatusCode::BAD_REQUEST, "bad path");
    };
    let kind = Kind::of(&key);
    if !kind.is_manifest() {
        return object(state, &grant.bucket, &key, kind, req).await;
    }
    let fetched = match state
        .s3
        .get_object()
        .bucket(&grant.bucket)
        .key(&key)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) => return s3_error(&grant.bucket, &key, e),
    };
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
    manifest(fetched, &base, kind, map, &key).await
}

/// `prefix` + `rest`, provided no segment of `rest` could climb out of the prefix.
pub(super) fn key_under(prefix: &str, rest: &str) -> Option<String> {
    if rest.is_empty()
        || rest
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    Some(format!("{prefix}{rest}"))
}

/// One object streamed as S3 gives it, the request's range passed through (206).
async fn object(
    state: &State,
    bucket: &str,
    key: &str,
    kind: Kind,
    req: &http::request::Parts,
) -> Response<Body> {
    let range = req.headers.get(header::RANGE).and_then(|r| r.to_str().ok());
    let object = match state
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_range(range.map(str::to_owned))
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) => return s3_error(bucket, key, e),
    };
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

fn redirect(to: &'static str) -> Response<Body> {
    let mut r = Response::new(empty());
    *r.status_mut() = StatusCode::FOUND;
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    r
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
    let bytes = match read_small(object).await {
        Ok(b) => b,
        Err(SmallReadError::TooBig) => {
            return text(
                StatusCode::BAD_GATEWAY,
                "manifest is larger than the preview service reads",
            )
        }
        Err(SmallReadError::Failed(e)) => {
            tracing::warn!(key, error = %e, "preview: reading manifest failed");
            return text(StatusCode::BAD_GATEWAY, "reading the manifest failed");
        }
    };
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
