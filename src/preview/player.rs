//! The player page's files (the `ui/` build), as the preview service serves them at `/player/`.
//!
//! The core does not embed them itself: the CLI embeds the built files in its binary, tests and
//! development read them from `ui/dist`. Either way the service only sees a lookup by path.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use http::{header, HeaderValue, Response, StatusCode};

use super::http::{text, Body};

/// The player page inside the build folder.
pub const PLAYER_PAGE: &str = "player.html";

/// The page's Content-Security-Policy: its own scripts and styles only, media from the service
/// (through MSE `blob:` URLs), requests to the service only.
const PLAYER_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

type Lookup = dyn Fn(&str) -> Option<Cow<'static, [u8]>> + Send + Sync;

/// A lookup of the player's files by path relative to the build folder (`player.html`,
/// `assets/player-1a2b.js`).
#[derive(Clone)]
pub struct PlayerFiles(Arc<Lookup>);

impl std::fmt::Debug for PlayerFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlayerFiles")
    }
}

impl PlayerFiles {
    /// Files from `lookup` (e.g. embedded in the binary).
    pub fn new(
        lookup: impl Fn(&str) -> Option<Cow<'static, [u8]>> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(lookup))
    }

    /// Files read from `dir` at each request (a `ui/dist` build folder).
    pub fn from_dir(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self::new(move |path| std::fs::read(dir.join(path)).ok().map(Cow::Owned))
    }

    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        (self.0)(path)
    }
}

/// Answers `/player/<path>`.
pub(super) fn serve(files: Option<&PlayerFiles>, path: &str) -> Response<Body> {
    let Some(files) = files else {
        return text(
            StatusCode::NOT_FOUND,
            "this preview service has no player page",
        );
    };
    let path = if path.is_empty() { PLAYER_PAGE } else { path };
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\'))
    {
        return text(StatusCode::BAD_REQUEST, "bad path");
    }
    let Some(bytes) = files.get(path) else {
        if path == PLAYER_PAGE {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the player page is not built: run `npm run build` in ui/ (scripts/setup.sh does), then rebuild vodstudio",
            );
        }
        return text(StatusCode::NOT_FOUND, "not found");
    };
    let body = match bytes {
        Cow::Borrowed(b) => bytes::Bytes::from_static(b),
        Cow::Owned(v) => bytes::Bytes::from(v),
    };
    let mut resp = Response::new(super::http::bytes(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if path == PLAYER_PAGE {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PLAYER_CSP),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    resp
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json" | "map") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_page_with_its_policy_and_refuses_escapes() {
        let files = PlayerFiles::new(|p| match p {
            "player.html" => Some(Cow::Borrowed(b"<html>".as_slice())),
            "assets/p.js" => Some(Cow::Borrowed(b"1".as_slice())),
            _ => None,
        });
        let page = serve(Some(&files), "");
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("connect-src 'self'"));
        let js = serve(Some(&files), "assets/p.js");
        assert_eq!(
            js.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            serve(Some(&files), "../secret").status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            serve(Some(&files), "assets/x.js").status(),
            StatusCode::NOT_FOUND
        );
        let unbuilt = PlayerFiles::new(|_| None);
        assert_eq!(
            serve(Some(&unbuilt), "").status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(serve(None, "").status(), StatusCode::NOT_FOUND);
    }
}
