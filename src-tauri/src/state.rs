//! State created once at startup and injected into commands with `tauri::State`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use tokio::sync::{mpsc, watch};
use vodstudio::config::LocalEndpoints;
use vodstudio::queue::Store;

use crate::error::Result;
use crate::models::{AppInfo, QueueStatus};
use crate::preview_commands::AppPreview;
use crate::session::Control;

/// What the commands share: the data dir and queue the CLI uses too, and the handle on the
/// queue session (runner or follower) that runs beside the window.
#[derive(Debug)]
pub struct AppState {
    /// Computed once: the version cannot change while running, and libav is initialised here so
    /// the first probe does not pay for it.
    pub info: AppInfo,
    /// The data dir shared with the CLI (settings.json, vodstudio.db, thumbs/, local/).
    pub data_dir: PathBuf,
    /// The queue database.
    pub store: Store,
    /// The queue's status as the header shows it; the session updates it.
    pub status: watch::Sender<QueueStatus>,
    /// Tells the session supervisor to restart (settings changed) or shut down; set in `setup`,
    /// so absent in tests on the mock runtime, where no session runs.
    pub(crate) control: OnceLock<mpsc::UnboundedSender<Control>>,
    /// Set once the app is shutting down, so the second exit request goes through.
    pub(crate) shutting_down: AtomicBool,
    /// The embedded backend's endpoints while the session has it (local profile only).
    pub(crate) local_endpoints: std::sync::Mutex<Option<LocalEndpoints>>,
    /// The preview service, started by the first `open_preview` and stopped with the session
    /// (new settings may mean another backend).
    pub(crate) preview: tokio::sync::Mutex<Option<AppPreview>>,
}

impl AppState {
    /// Builds the state for an app of `version` over `data_dir`: initialises libav and opens
    /// (creating and migrating if needed) the queue database.
    pub fn new(version: String, data_dir: &Path) -> Result<Self> {
        vodstudio::media::init();
        let store = Store::open_in(data_dir)?;
        Ok(AppState {
            info: AppInfo { version, libav: vodstudio::media::libav_version() },
            data_dir: data_dir.to_path_buf(),
            store,
            status: watch::Sender::new(QueueStatus::starting()),
            control: OnceLock::new(),
            shutting_down: AtomicBool::new(false),
            local_endpoints: std::sync::Mutex::new(None),
            preview: tokio::sync::Mutex::new(None),
        })
    }

    /// Asks the session to restart with the saved settings (no-op where no session runs).
    pub fn restart_queue(&self) {
        if let Some(control) = self.control.get() {
            // A closed channel means the app is shutting down: nothing to restart.
            let _ = control.send(Control::Restart);
        }
    }
}
