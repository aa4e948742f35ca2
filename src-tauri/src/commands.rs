//! Tauri commands: each parses its arguments, calls one core function and maps the error.
//! Every command here must also be listed in build.rs (its permission) and in `lib.rs`
//! (`collect_commands!`), and granted in capabilities/default.json.

use std::path::PathBuf;

use tauri::State;
use vodstudio::media::MediaInfo;

use crate::error::{Error, Result};
use crate::models::AppInfo;
use crate::state::AppState;

/// The app's version and the libav build it runs with.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.info.clone()
}

/// Probes a media file: container, duration, streams (see the core's `MediaInfo`).
#[tauri::command]
#[specta::specta]
pub async fn probe_file(path: PathBuf) -> Result<MediaInfo> {
    // Probing reads the file and demuxes headers: blocking work that must stay off the async
    // runtime the IPC handlers share.
    let task = format!("probe of {}", path.display());
    tokio::task::spawn_blocking(move || vodstudio::media::probe(&path))
        .await
        .map_err(|err| Error::worker(task, &err))?
        .map_err(Error::from)
}
