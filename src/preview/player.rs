//! The player page's files (the `ui/` build), as the preview service serves them at `/player/`.
//!
//! Release builds embed the built files (`ui/dist`) in the binary, debug builds read them from
//! `ui/dist` at run time (so a rebuilt page shows without recompiling), and tests may point at
//! any folder. Either way the service only sees a lookup by path.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use http::{header, HeaderValue, Response, StatusCode};

use super::http::{text, Body};

/// The player page inside the build folder.
pub const PLAYER_PAGE: &str = "player.html";

/// The page's Content-Security-Policy: its own scripts and styles only, media from the service
/// (through MSE `blob:` URLs), requests to the service only. `frame-ancestors` follows.
const PLAYER_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'none'";

/// The CSP for a service whose page may be framed by `frame_ancestors` (the app's own origins),
/// or by nothing at all.
fn player_csp(frame_ancestors: &[String]) -> String {
    // Origins come from our own configuration, but a stray `;` or space would open the policy.
    let ancestors: Vec<&str> = frame_ancestors
        .iter()
        .map(String::as_str)
        .filter(|o| !o.is_empty() && !o.contains([';', ' ', ',', '\'']))
        .collect();
    if ancestors.is_empty() {
        format!("{PLAYER_CSP}; frame-ancestors 'none'")
    } else {
        format!("{PLAYER_CSP}; frame-ancestors {}", ancestors.join(" "))
    }
}

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

/// The `ui/` build, as `npm run build` leaves it.
#[derive(rust_embed::RustEmbed)]
#[folder = "ui/dist/"]
#[allow_missing = true]
struct BuiltPlayer;

impl PlayerFiles {
    /// The player page built into this binary (the CLI's and the app's).
    pub fn embedded() -> Self {
        Self::new(|path| BuiltPlayer::get(path).map(|f| f.data))
    }

    /// False when the binary was built before the page (`npm run build` in ui/).
    pub fn embedded_is_built() -> bool {
        BuiltPlayer::get(PLAYER_PAGE).is_some()
    }

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

/// Answers `/player/<path>`; the page may be framed by `frame_ancestors` only.
pub(super) fn serve(
    files: Option<&PlayerFiles>,
    path: &str,
    frame_ancestors: &[String],
) -> Response<Body> {
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
        if let Ok(csp) = HeaderValue::from_str(&player_csp(frame_ancestors)) {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
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
        let page = serve(Some(&files), "", &[]);
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("connect-src 'self'"));
        let js = serve(Some(&files), "assets/p.js", &[]);
        assert_eq!(
            js.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            serve(Some(&files), "../secret", &[]).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            serve(Some(&files), "assets/x.js", &[]).status(),
            StatusCode::NOT_FOUND
        );
        let unbuilt = PlayerFiles::new(|_| None);
        assert_eq!(
            serve(Some(&unbuilt), "", &[]).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(serve(None, "", &[]).status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn only_the_named_origins_may_frame_the_page() {
        let files = PlayerFiles::new(|_| Some(Cow::Borrowed(b"<html>".as_slice())));
        let csp = |ancestors: &[String]| {
            serve(Some(&files), "", ancestors).headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert!(csp(&[]).ends_with("frame-ancestors 'none'"), "{}", csp(&[]));
        let app = csp(&["tauri://localhost".into(), "http://tauri.localhost".into()]);
        assert!(
            app.ends_with("frame-ancestors tauri://localhost http://tauri.localhost"),
            "{app}"
        );
        // Anything that could add a directive or a source is dropped, not passed through.
        let sneaky = csp(&["https://a.example; script-src *".into(), "* data:".into()]);
        assert!(sneaky.ends_with("frame-ancestors 'none'"), "{sneaky}");
        assert_eq!(sneaky.matches("script-src").count(), 1, "{sneaky}");
    }
}
