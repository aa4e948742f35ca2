//! Commands over the settings (settings.json in the data dir, shared with the CLI), the AWS keys
//! in the OS keyring, and the connection test.

use tauri::State;
use vodstudio::config::{Backend, Profile, Settings, StaticCredentials};
use vodstudio::local::LocalHost;

use crate::error::{Error, Result};
use crate::models::CredentialsStatus;
use crate::state::AppState;

/// The saved settings (defaults when none are saved yet).
#[tauri::command]
#[specta::specta]
pub fn get_settings(state: State<'_, AppState>) -> Result<Settings> {
    Ok(Settings::load(&state.data_dir)?)
}

/// Validates and saves the settings, then restarts the queue with them.
#[tauri::command]
#[specta::specta]
pub fn save_settings(state: State<'_, AppState>, settings: Settings) -> Result<Settings> {
    settings.save(&state.data_dir)?;
    state.restart_queue();
    Ok(settings)
}

/// Whether AWS keys are stored in the OS keyring (`keyring_unavailable` when there is none).
#[tauri::command]
#[specta::specta]
pub async fn credentials_status() -> Result<CredentialsStatus> {
    let stored = blocking("reading the OS keyring", vodstudio::config::keyring_credentials_stored).await??;
    Ok(CredentialsStatus { stored })
}

/// Stores an AWS access key pair in the OS keyring. The secret goes no further: it is not
/// logged, saved elsewhere or ever sent back.
#[tauri::command]
#[specta::specta]
pub async fn store_credentials(access_key_id: String, secret_access_key: String) -> Result<CredentialsStatus> {
    let creds = StaticCredentials { access_key_id, secret_access_key };
    blocking("writing to the OS keyring", move || vodstudio::config::store_keyring_credentials(&creds)).await??;
    Ok(CredentialsStatus { stored: true })
}

/// Removes the stored AWS keys.
#[tauri::command]
#[specta::specta]
pub async fn delete_credentials() -> Result<CredentialsStatus> {
    blocking("writing to the OS keyring", vodstudio::config::delete_keyring_credentials).await??;
    Ok(CredentialsStatus { stored: false })
}

/// Connects with `settings` (saved or not) and checks both endpoints: the error's kind and
/// message say what is wrong (`credentials`, `access_denied`, `not_found`, `offline`, …).
#[tauri::command]
#[specta::specta]
pub async fn test_connection(state: State<'_, AppState>, settings: Settings) -> Result<()> {
    // On the local profile: the embedded backend this app (or another process) runs.
    let local = match settings.profile {
        Profile::Local => Some(LocalHost::start_or_join(&state.data_dir).await?),
        Profile::Aws(_) => None,
    };
    let checked = async {
        let backend = Backend::connect(&settings, local.as_ref().map(|l| &l.endpoints)).await?;
        backend.check().await
    }
    .await;
    if let Some(local) = local {
        local.shutdown().await;
    }
    Ok(checked?)
}

async fn blocking<T: Send + 'static>(task: &str, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::worker(task, &e))
}
