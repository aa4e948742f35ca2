//! The queue's persistent store: one SQLite database in the data dir, shared by the CLI and the
//! app, holding every asset's state and every upload's confirmed parts.

mod add;
mod assets;
mod lock;
mod notify;
pub mod runner;
pub mod scrub;
mod signals;
pub mod sidecars;
mod store;
mod uploads;

pub use add::{add_paths, collect_files, AddOutcome, AddResult, MEDIA_EXTENSIONS};
pub use assets::{new_asset_id, AssetLookupError, AssetRecord, AssetState, NewAsset, PauseError, RemoveError};
pub use lock::{RunLock, RunLockError, RUN_LOCK_FILE};
pub use signals::{AssetUpload, BackendReach, RunnerSignals};
pub use notify::DesktopNotifier;
pub use sidecars::Sidecar;
pub use store::{Store, StoreError};
pub use uploads::{NewUpload, PartRecord, UploadRecord, UploadState};

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "vodstudio.db";
