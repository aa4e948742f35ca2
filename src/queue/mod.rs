//! The queue's persistent store: one SQLite database in the data dir, shared by the CLI and the
//! app, holding every asset's state and every upload's confirmed parts.

mod assets;
mod notify;
pub mod runner;
pub mod sidecars;
mod store;
mod uploads;

pub use assets::{new_asset_id, AssetLookupError, AssetRecord, AssetState, NewAsset};
pub use notify::DesktopNotifier;
pub use sidecars::Sidecar;
pub use store::{Store, StoreError};
pub use uploads::{NewUpload, PartRecord, UploadRecord, UploadState};

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "vodstudio.db";
