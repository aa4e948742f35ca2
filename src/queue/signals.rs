//! What a running queue tells whoever watches it in-process (the app): live upload rates, and
//! whether the backend is reachable. The database holds the durable progress (bytes done, job
//! percent) that every process sees; these are the parts that only the running process knows.

use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::upload::UploadProgress;

/// How many upload snapshots a slow subscriber may fall behind before it skips to the newest.
const UPLOAD_SIGNAL_BACKLOG: usize = 256;

/// One upload snapshot of one asset.
#[derive(Debug, Clone)]
pub struct AssetUpload {
    pub asset_id: String,
    pub progress: UploadProgress,
}

/// The backend as the runner last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BackendReach {
    /// Nothing has talked to the backend yet.
    Unknown,
    /// The last call reached it.
    Online,
    /// The last call could not reach it; work waits with backoff and resumes by itself.
    Offline { reason: String },
}

/// The sending ends, owned by the runner; cheap to clone.
#[derive(Debug, Clone)]
pub struct RunnerSignals {
    uploads: broadcast::Sender<AssetUpload>,
    reach: watch::Sender<BackendReach>,
}

impl Default for RunnerSignals {
    fn default() -> Self {
        Self { uploads: broadcast::channel(UPLOAD_SIGNAL_BACKLOG).0, reach: watch::Sender::new(BackendReach::Unknown) }
    }
}

impl RunnerSignals {
    /// Upload snapshots from now on (rate and ETA included).
    pub fn subscribe_uploads(&self) -> broadcast::Receiver<AssetUpload> {
        self.uploads.subscribe()
    }

    /// The backend's reachability, current value first.
    pub fn subscribe_reach(&self) -> watch::Receiver<BackendReach> {
        self.reach.subscribe()
    }

    pub(crate) fn upload(&self, asset_id: &str, progress: &UploadProgress) {
        // No subscriber is fine: the CLI runs without one.
        let _ = self.uploads.send(AssetUpload { asset_id: asset_id.to_owned(), progress: progress.clone() });
    }

    pub(crate) fn set_reach(&self, reach: BackendReach) {
        self.reach.send_if_modified(|current| {
            let changed = *current != reach;
            *current = reach;
            changed
        });
    }
}
