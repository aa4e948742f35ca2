//! State created once at startup and injected into commands with `tauri::State`.

use crate::models::AppInfo;

/// Facts fixed for the life of the process. Later this holds the queue handle and the backend
/// clients; commands get it injected rather than reaching for globals.
#[derive(Debug)]
pub struct AppState {
    /// Computed once: the version cannot change while running, and libav is initialised here so
    /// the first probe does not pay for it.
    pub info: AppInfo,
}

impl AppState {
    /// Builds the state for an app of `version`, initialising libav.
    pub fn new(version: String) -> Self {
        vodstudio::media::init();
        AppState {
            info: AppInfo {
                version,
                libav: vodstudio::media::libav_version(),
            },
        }
    }
}
