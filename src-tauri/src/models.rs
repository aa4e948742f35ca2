//! Payloads the commands return and the events they emit that are the shell's own (the asset,
//! settings and media models come from the core).

use serde::Serialize;
use vodstudio::media::{MediaInfo, StreamDetails};
use vodstudio::queue::{AssetRecord, AssetState, BackendReach};

use crate::error::AppError;

/// What the app is: shown in the header, and attached to bug reports.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    /// The app's version (from Cargo.toml), e.g. `0.1.0`.
    pub version: String,
    /// The libav* build the media core runs with, e.g. `libavformat 59.27.100`.
    pub libav: String,
}

/// What a library card shows of the source: the probe, summarised once here rather than
/// shipping the whole probe of every asset on every update.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct MediaSummary {
    pub duration_s: Option<f64>,
    /// Display size (after rotation) of the first video stream.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// e.g. `h264 · aac`.
    pub codecs: String,
}

impl MediaSummary {
    /// The summary of a stored probe (`None` when the asset has not been probed).
    pub fn from_probe_json(json: Option<&str>) -> Option<Self> {
        let info: MediaInfo = serde_json::from_str(json?).ok()?;
        let video = info.streams.iter().find_map(|s| match &s.details {
            StreamDetails::Video(v) => Some((s, v)),
            _ => None,
        });
        let audio = info.streams.iter().find(|s| matches!(s.details, StreamDetails::Audio(_)));
        let codecs: Vec<&str> = video.map(|(s, _)| s.codec.as_str()).into_iter().chain(audio.map(|s| s.codec.as_str())).collect();
        Some(Self {
            duration_s: info.duration_s,
            width: video.map(|(_, v)| v.display_width),
            height: video.map(|(_, v)| v.display_height),
            codecs: codecs.join(" · "),
        })
    }
}

/// Live upload figures only the running queue knows (the database has bytes, not rates).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct UploadRate {
    pub rate_bytes_per_s: f64,
    /// Seconds left at the current rate.
    pub eta_s: Option<f64>,
}

/// One asset as the library shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AssetView {
    pub asset: AssetRecord,
    pub media: Option<MediaSummary>,
    /// Present while this process uploads the asset.
    pub upload: Option<UploadRate>,
}

impl AssetView {
    pub fn new(asset: AssetRecord, upload: Option<UploadRate>) -> Self {
        let media = MediaSummary::from_probe_json(asset.probe_json.as_deref());
        let upload = upload.filter(|_| asset.state == AssetState::Uploading);
        Self { asset, media, upload }
    }
}

/// Which assets `list_assets` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AssetFilter {
    All,
    /// Not yet complete, failed or canceled.
    Active,
    Complete,
    Failed,
    Canceled,
    Paused,
}

impl AssetFilter {
    pub fn matches(self, state: AssetState) -> bool {
        match self {
            AssetFilter::All => true,
            AssetFilter::Active => !state.is_terminal(),
            AssetFilter::Complete => state == AssetState::Complete,
            AssetFilter::Failed => state == AssetState::Failed,
            AssetFilter::Canceled => state == AssetState::Canceled,
            AssetFilter::Paused => state == AssetState::Paused,
        }
    }
}

/// Who works through the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum QueueRole {
    /// Not started yet (or stopped for a settings change).
    Starting,
    /// This app runs the queue.
    Runner,
    /// Another process (e.g. `vodstudio run`) runs it; the app shows its progress.
    Follower,
    /// The queue could not start: see `error`.
    Stopped,
}

/// The queue and the backend, as the header shows them.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct QueueStatus {
    pub role: QueueRole,
    /// "local" or "aws".
    pub backend: Option<String>,
    pub reach: BackendReach,
    /// Why the queue is stopped.
    pub error: Option<AppError>,
}

impl QueueStatus {
    pub fn starting() -> Self {
        Self { role: QueueRole::Starting, backend: None, reach: BackendReach::Unknown, error: None }
    }
}

/// Assets that changed since the last event, batched (at most a few events a second, whatever
/// the number of uploads), and the ids of those removed.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct QueueChanged {
    pub assets: Vec<AssetView>,
    pub removed: Vec<String>,
}

/// The queue's status changed (role, backend reachability).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct QueueStatusChanged(pub QueueStatus);

/// Whether AWS keys are in the OS keyring: all the UI ever learns of them.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CredentialsStatus {
    pub stored: bool,
}
