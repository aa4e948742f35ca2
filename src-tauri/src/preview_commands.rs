//! Preview inside the app: the core's loopback preview service, started on first use and kept
//! for the session, serves the player page and a complete asset's outputs with a short-lived
//! token, exactly as `vodstudio preview` does. The window shows that page in a frame: the player
//! (shaka-player, media, signed links) runs in the service's origin, apart from the app's own
//! page and its IPC, and the service lets only the app's origins frame it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tauri::State;
use vodstudio::config::{Backend, LocalEndpoints, Profile, Settings};
use vodstudio::preview::{LinkSigning, PlayerFiles, PreviewConfig, PreviewHandle, PreviewService};
use vodstudio::queue::AssetState;

use crate::error::{Error, Result};
use crate::state::AppState;

/// How long an in-app preview link works. Reopening the preview issues a fresh one.
pub const APP_PREVIEW_TTL: Duration = Duration::from_secs(2 * 3600);

/// The origins the app's own pages are served from (Linux and macOS, then Windows and Android):
/// the only pages that may frame the player.
const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// The player page for one asset.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PreviewLink {
    /// `http://127.0.0.1:<port>/player/#asset=…&token=…` (the token in the fragment never
    /// reaches a log or a `Referer`).
    pub url: String,
    pub asset: String,
    /// The source's file name, for the view's title.
    pub source_name: String,
    /// When the token stops working (ms since the Unix epoch).
    pub expires_at_ms: f64,
}

/// The running preview service, and the media bucket its tokens name.
#[derive(Debug)]
pub struct AppPreview {
    handle: PreviewHandle,
    media_bucket: String,
}

impl AppPreview {
    /// Stops the service (settings changed, or the app quits).
    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

/// A link for the player view to play the complete asset `id`, valid for two hours.
#[tauri::command]
#[specta::specta]
pub async fn open_preview(state: State<'_, AppState>, id: String) -> Result<PreviewLink> {
    let asset = state.store.find_asset(&id)?;
    if asset.state != AssetState::Complete {
        return Err(Error::WrongState {
            id: asset.id,
            state: asset.state,
            hint: "only complete assets have renditions to preview",
        });
    }
    let mut slot = state.preview.lock().await;
    let preview = match slot.take() {
        Some(running) => slot.insert(running),
        None => {
            let local = state.local_endpoints.lock().map(|l| l.clone()).unwrap_or_default();
            slot.insert(start(&state, local.as_ref()).await?)
        }
    };
    let token = preview.handle.issue_asset_token(&asset, &preview.media_bucket, APP_PREVIEW_TTL);
    let expires_at = SystemTime::now() + APP_PREVIEW_TTL;
    Ok(PreviewLink {
        url: preview.handle.player_url(&asset.id, &token),
        asset: asset.id,
        source_name: asset.source_name,
        expires_at_ms: expires_at
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0),
    })
}

/// Starts the preview service over the profile's S3: the embedded backend the session started or
/// joined, or AWS.
async fn start(state: &AppState, local: Option<&LocalEndpoints>) -> Result<AppPreview> {
    let frame_ancestors = APP_ORIGINS.iter().map(|o| (*o).to_owned()).collect();
    let settings = Settings::load(&state.data_dir)?;
    if matches!(settings.profile, Profile::Local) && local.is_none() {
        return Err(Error::PreviewUnavailable(
            "the local backend is not running yet; try again in a moment".into(),
        ));
    }
    let backend = Backend::connect(&settings, local).await?;
    let (links, fallback) = LinkSigning::for_settings_or_presigned(&settings).await;
    if let Some(why) = fallback {
        tracing::warn!("copied preview links are S3 presigned URLs, not CloudFront: {why}");
    }
    let handle = PreviewService::start_with(
        backend.s3.clone(),
        PreviewConfig {
            bind_port: 0,
            frame_ancestors,
            player: Some(PlayerFiles::embedded()),
            links,
            ..PreviewConfig::default()
        },
    )
    .await
    .map_err(|e| Error::PreviewUnavailable(e.to_string()))?;
    tracing::info!(url = %handle.url(), "preview service started");
    Ok(AppPreview {
        handle,
        media_bucket: backend.media_bucket,
    })
}
