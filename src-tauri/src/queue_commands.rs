//! Commands over the queue: add files and folders, list, retry, cancel, pause, resume, remove. Each parses its
//! arguments, calls one core function and maps the error; the running session (runner or the
//! other process's) notices every change in the database.

use std::path::PathBuf;

use tauri::State;
use vodstudio::config::Settings;
use vodstudio::queue::{AddResult, AssetState};

use crate::error::{Error, Result};
use crate::models::{AssetFilter, AssetView, QueueStatus};
use crate::state::AppState;

/// Probes and queues files, and the video and audio files in folders (with the settings'
/// preset unless one is given). Returns what happened to each file, skipped ones included.
#[tauri::command]
#[specta::specta]
pub async fn add_paths(state: State<'_, AppState>, paths: Vec<PathBuf>, preset: Option<String>) -> Result<Vec<AddResult>> {
    let preset = match preset {
        Some(p) => p,
        None => Settings::load(&state.data_dir)?.preset,
    };
    // A bad preset fails here, once, rather than on every file at upload time.
    vodstudio::presets::load(&state.data_dir, &preset)?;
    Ok(vodstudio::queue::add_paths(&state.store, &state.data_dir, &paths, &preset).await)
}

/// The assets matching `filter`, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn list_assets(state: State<'_, AppState>, filter: AssetFilter) -> Result<Vec<AssetView>> {
    let store = state.store.clone();
    let assets = tokio::task::spawn_blocking(move || store.assets())
        .await
        .map_err(|e| Error::worker("listing the queue", &e))??;
    Ok(assets.into_iter().filter(|a| filter.matches(a.state)).map(|a| AssetView::new(a, None)).collect())
}

/// Sends a failed or canceled asset back into the queue; returns the state it resumes from.
#[tauri::command]
#[specta::specta]
pub fn retry_asset(state: State<'_, AppState>, id: String) -> Result<AssetState> {
    let asset = state.store.find_asset(&id)?;
    state.store.retry_asset(&asset.id)?.ok_or(Error::WrongState {
        id: asset.id,
        state: asset.state,
        hint: "only failed or canceled assets can be retried",
    })
}

/// Cancels an unfinished asset: the runner stops its upload or cancels its job.
#[tauri::command]
#[specta::specta]
pub fn cancel_asset(state: State<'_, AppState>, id: String) -> Result<()> {
    let asset = state.store.find_asset(&id)?;
    if state.store.set_asset_canceled(&asset.id)? {
        Ok(())
    } else {
        Err(Error::WrongState { id: asset.id, state: asset.state, hint: "it has already finished" })
    }
}

/// Pauses an asset whose transcode job is not submitted yet: the runner stops its upload within
/// a second, keeping the parts sent. Once the job is submitted it fails with `not_pausable`
/// (MediaConvert jobs cannot be paused: cancel instead).
#[tauri::command]
#[specta::specta]
pub fn pause_asset(state: State<'_, AppState>, id: String) -> Result<()> {
    let asset = state.store.find_asset(&id)?;
    state.store.pause_asset(&asset.id)?;
    Ok(())
}

/// Resumes a paused asset; returns the state it goes back to (an upload continues from the
/// parts already sent).
#[tauri::command]
#[specta::specta]
pub fn resume_asset(state: State<'_, AppState>, id: String) -> Result<AssetState> {
    let asset = state.store.find_asset(&id)?;
    Ok(state.store.resume_asset(&asset.id)?.state)
}

/// Forgets a complete, failed or canceled asset and its poster (outputs stay where they are).
#[tauri::command]
#[specta::specta]
pub fn remove_asset(state: State<'_, AppState>, id: String) -> Result<()> {
    state.store.remove_finished_asset(&id)?;
    Ok(())
}

/// Who runs the queue and whether the backend is reachable (then `QueueStatusChanged` events).
#[tauri::command]
#[specta::specta]
pub fn queue_status(state: State<'_, AppState>) -> QueueStatus {
    state.status.borrow().clone()
}
