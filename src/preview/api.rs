//! The player's small JSON API on the preview service, under the same tokens as the media:
//!
//! - `GET /_api/<asset>/<token>/outputs`: every object of the asset with its size and service URL,
//!   which manifests are masters (HLS) or MPDs (DASH), the scrub sprite track, the asset's
//!   `metadata.json`, the source (when granted) and when the token expires.
//! - `GET /_api/<asset>/<token>/link?path=<path>`: a short-lived signed URL of one output (S3
//!   presigned, or CloudFront signed when the profile has a distribution), for "copy signed URL".

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Response, StatusCode};
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use serde_json::{json, Value};

use super::http::{json, read_small, text, Body};
use super::service::{authorize, forbidden, key_under, State, PATH};
use super::sign::{presign_get, CloudFrontSigner, Policy};
use super::tokens::Grant;
use super::{PREVIEW_LINK_TTL_S, PREVIEW_MAX_LISTED_OBJECTS};
use crate::config::{load_cloudfront_signer, KeyringError, Profile, Settings};

/// Where the runner puts the scrub sprite and its WebVTT track, relative to the asset's prefix.
pub const SPRITE_TRACK_PATH: &str = "preview/sprite.vtt";
/// The asset's metadata (probe, plan, outputs), relative to its prefix.
pub const METADATA_PATH: &str = "metadata.json";
/// How many HLS playlists are read to find the masters; more than any ladder has.
const MAX_PLAYLISTS_READ: usize = 64;

/// How "copy signed URL" links are made.
#[derive(Debug, Clone)]
pub enum LinkSigning {
    /// S3 presigned GETs with the service's own S3 client (AWS or the local backend).
    S3Presigned { ttl: Duration },
    /// CloudFront canned-policy URLs on `base_url` (`https://d111.cloudfront.net`), whose origin
    /// is the media bucket.
    CloudFront {
        base_url: String,
        signer: Arc<CloudFrontSigner>,
        ttl: Duration,
    },
}

impl LinkSigning {
    /// CloudFront-signed links when `settings` name a distribution and a key pair whose private
    /// key is in the OS keyring; S3 presigned links when they name none. Blocking (the keyring).
    /// An error means CloudFront was asked for but cannot sign: callers say so and fall back.
    pub fn for_settings(settings: &Settings) -> Result<Self, KeyringError> {
        let Profile::Aws(aws) = &settings.profile else {
            return Ok(Self::default());
        };
        let (Some(domain), Some(key_pair_id)) =
            (&aws.cloudfront_domain, &aws.cloudfront_key_pair_id)
        else {
            return Ok(Self::default());
        };
        let signer = load_cloudfront_signer(key_pair_id)?;
        Ok(Self::CloudFront {
            base_url: if domain.contains("://") {
                domain.clone()
            } else {
                format!("https://{domain}")
            },
            signer: Arc::new(signer),
            ttl: Duration::from_secs(PREVIEW_LINK_TTL_S),
        })
    }

    /// [`LinkSigning::for_settings`] off the async runtime, falling back to S3 presigned links
    /// when CloudFront cannot sign; the second value says why it fell back (for the caller to
    /// tell the user).
    pub async fn for_settings_or_presigned(settings: &Settings) -> (Self, Option<String>) {
        let settings = settings.clone();
        match tokio::task::spawn_blocking(move || Self::for_settings(&settings)).await {
            Ok(Ok(links)) => (links, None),
            Ok(Err(e)) => (Self::default(), Some(e.to_string())),
            Err(e) => (Self::default(), Some(format!("reading the CloudFront key failed: {e}"))),
        }
    }
}

impl Default for LinkSigning {
    fn default() -> Self {
        Self::S3Presigned {
            ttl: Duration::from_secs(PREVIEW_LINK_TTL_S),
        }
    }
}

/// Answers `/_api/<rest>`.
pub(super) async fn handle(state: &State, rest: &str, query: Option<&str>) -> Response<Body> {
    let mut parts = rest.splitn(3, '/');
    let (Some(asset), Some(token), Some(call)) = (parts.next(), parts.next(), parts.next()) else {
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let Some(grant) = authorize(state, asset, token) else {
        return forbidden();
    };
    match call {
        "outputs" => outputs(state, &grant, token).await,
        "link" => {
            let path = query
                .and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "path")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            link(state, &grant, &path).await
        }
        _ => text(StatusCode::NOT_FOUND, "not found"),
    }
}

fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn outputs(state: &State, grant: &Grant, token: &str) -> Response<Body> {
    let via = format!("/{}/{token}/", utf8_percent_encode(&grant.asset_id, PATH));
    let mut files = Vec::new();
    let mut continuation: Option<String> = None;
    loop {
        let page = match state
            .s3
            .list_objects_v2()
            .bucket(&grant.bucket)
            .prefix(&grant.prefix)
            .set_continuation_token(continuation.take())
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(bucket = %grant.bucket, error = %aws_sdk_s3::error::DisplayErrorContext(&e), "preview: listing outputs failed");
                return text(StatusCode::BAD_GATEWAY, "listing the outputs failed");
            }
        };
        for o in page.contents() {
            let Some(path) = o.key().and_then(|k| k.strip_prefix(&grant.prefix)) else {
                continue;
            };
            files.push((path.to_owned(), o.size().unwrap_or(0).max(0) as u64));
        }
        continuation = page.next_continuation_token().map(str::to_owned);
        if continuation.is_none() || files.len() >= PREVIEW_MAX_LISTED_OBJECTS {
            break;
        }
    }
    files.sort();
    let url_of = |path: &str| format!("{via}{}", utf8_percent_encode(path, PATH));
    let mut manifests = Vec::new();
    let mut playlists_read = 0;
    for (path, _) in &files {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".mpd") {
            manifests.push(json!({"format": "dash", "path": path, "url": url_of(path)}));
        } else if lower.ends_with(".m3u8") && playlists_read < MAX_PLAYLISTS_READ {
            playlists_read += 1;
            let key = format!("{}{path}", grant.prefix);
            if read_object(state, &grant.bucket, &key)
                .await
                .is_some_and(|b| String::from_utf8_lossy(&b).contains("#EXT-X-STREAM-INF"))
            {
                manifests.push(json!({"format": "hls", "path": path, "url": url_of(path)}));
            }
        }
    }
    let has = |p: &str| files.iter().any(|(f, _)| f == p);
    let metadata = if has(METADATA_PATH) {
        let key = format!("{}{METADATA_PATH}", grant.prefix);
        read_object(state, &grant.bucket, &key)
            .await
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    } else {
        None
    };
    let source = grant.source.as_ref().map(|(_, key)| {
        json!({
            "name": key.rsplit('/').next().unwrap_or(key),
            "url": format!("/_source/{}/{token}", utf8_percent_encode(&grant.asset_id, PATH)),
        })
    });
    let body = json!({
        "asset": grant.asset_id,
        "expires_at_ms": epoch_ms(grant.expires_at_wall),
        "files": files.iter().map(|(path, size)| json!({
            "path": path,
            "size_bytes": size,
            "url": url_of(path),
        })).collect::<Vec<_>>(),
        "manifests": manifests,
        "sprite_track": has(SPRITE_TRACK_PATH).then(|| url_of(SPRITE_TRACK_PATH)),
        "metadata": metadata,
        "source": source,
    });
    json(StatusCode::OK, &body)
}

/// A small object (a playlist, the metadata) read whole; None when missing, unreadable or large.
async fn read_object(state: &State, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let o = state
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .ok()?;
    read_small(o).await.ok()
}

async fn link(state: &State, grant: &Grant, path: &str) -> Response<Body> {
    let path = percent_decode_str(path).decode_utf8_lossy();
    let Some(key) = key_under(&grant.prefix, &path) else {
        return text(StatusCode::BAD_REQUEST, "bad path");
    };
    // A link never outlives the preview that handed it out.
    let left = grant
        .expires_at_wall
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let signed = match &state.links {
        LinkSigning::S3Presigned { ttl } => {
            let ttl = (*ttl).min(left).max(Duration::from_secs(1));
            let s3_url = format!("s3://{}/{key}", grant.bucket);
            presign_get(&state.s3, &s3_url, ttl)
                .await
                .map(|url| (url, SystemTime::now() + ttl))
        }
        LinkSigning::CloudFront {
            base_url,
            signer,
            ttl,
        } => {
            let ttl = (*ttl).min(left).max(Duration::from_secs(1));
            let expires_at = SystemTime::now() + ttl;
            let url = format!(
                "{}/{}",
                base_url.trim_end_matches('/'),
                utf8_percent_encode(&key, PATH)
            );
            signer
                .signed_url(&url, &Policy::Canned { expires_at })
                .map(|u| (u, expires_at))
        }
    };
    match signed {
        Ok((url, expires_at)) => json(
            StatusCode::OK,
            &json!({"url": url, "expires_at_ms": epoch_ms(expires_at)}),
        ),
        Err(e) => {
            tracing::warn!(key, error = %e, "preview: signing a link failed");
            text(StatusCode::BAD_GATEWAY, "signing the link failed")
        }
    }
}
