//! Where vodstudio keeps its state (one data dir shared by the CLI and the app) and how it reaches
//! AWS or an S3-compatible endpoint.

mod aws;
mod backend;
mod settings;

pub use aws::{mediaconvert_client, s3_client, S3ClientSettings, StaticCredentials};
pub use backend::{Backend, LocalEndpoints};
pub use settings::{
    AwsProfile, Profile, Settings, SettingsError, SubmitMode, INPUT_PREFIX, LOCAL_MEDIA_BUCKET, LOCAL_ROLE_ARN,
    LOCAL_WATCH_BUCKET, SETTINGS_FILE,
};

use std::path::PathBuf;

/// Environment variable that overrides the data dir (tests, portable installs).
pub const DATA_DIR_ENV: &str = "VODSTUDIO_DATA_DIR";

/// The data dir: `$VODSTUDIO_DATA_DIR`, else the platform's data dir (`~/.local/share/vodstudio`
/// on Linux), else `./.vodstudio` when the platform has no home directory.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "vodstudio")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".vodstudio"))
}
