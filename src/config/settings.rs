//! The user's settings, shared by the CLI and the app: `<data dir>/settings.json`.
//!
//! No secret is ever stored here: AWS keys come from the standard AWS chain (environment,
//! `~/.aws` profiles, SSO, credential processes) or the OS keyring; the local backend's keys live
//! in its own data dir.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File name of the settings inside the data dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// Buckets the local profile uses on the embedded backend.
pub const LOCAL_WATCH_BUCKET: &str = "vodstudio-watch";
pub const LOCAL_MEDIA_BUCKET: &str = "vodstudio-media";
/// The role ARN sent to the local MediaConvert API (it accepts any; AWS needs a real one).
pub const LOCAL_ROLE_ARN: &str = "arn:aws:iam::000000000000:role/vodstudio-local";
/// Key prefix of uploaded sources in the watch bucket (what watch-folder automations listen on).
pub const INPUT_PREFIX: &str = "inputs/";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct Settings {
    pub profile: Profile,
    /// Preset for newly added files.
    pub preset: String,
    /// Assets processed at once by the queue.
    pub parallel_assets: usize,
    /// Parts of one upload in flight at once.
    pub upload_concurrency: usize,
    /// Average upload rate cap per upload, bytes per second.
    pub bandwidth_limit_bytes_per_s: Option<u64>,
    /// Desktop notifications on job complete / error.
    pub notifications: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            profile: Profile::Local,
            preset: crate::presets::DEFAULT_PRESET.to_owned(),
            parallel_assets: 2,
            upload_concurrency: crate::limits::UPLOAD_DEFAULT_CONCURRENCY,
            bandwidth_limit_bytes_per_s: None,
            notifications: true,
        }
    }
}

/// Which backend the pipeline talks to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Profile {
    /// The embedded local backend, started by the app or the CLI on 127.0.0.1.
    Local,
    /// AWS (or any S3 + MediaConvert compatible endpoints).
    Aws(Box<AwsProfile>),
}

/// How jobs come to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SubmitMode {
    /// vodstudio creates the MediaConvert job itself.
    #[default]
    Direct,
    /// The bucket's own automation creates the job on upload; vodstudio finds it and tracks it.
    WatchFolder,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AwsProfile {
    /// AWS region (default: from the AWS profile/environment).
    pub region: Option<String>,
    /// Named profile of `~/.aws/config` (default: the standard chain).
    pub aws_profile: Option<String>,
    /// Bucket the sources are uploaded to (under `inputs/`).
    pub watch_bucket: String,
    /// Bucket the renditions are written to (under `<asset id>/`).
    pub media_bucket: String,
    /// IAM role MediaConvert assumes (CreateJob's `Role`).
    pub role_arn: String,
    /// MediaConvert queue ARN (default queue when empty).
    pub queue: Option<String>,
    /// S3 endpoint for S3-compatible servers (default: AWS).
    pub s3_endpoint: Option<String>,
    /// MediaConvert endpoint (default: the regional endpoint, or DescribeEndpoints when asked).
    pub mediaconvert_endpoint: Option<String>,
    /// Ask DescribeEndpoints for the account's endpoint (older accounts need it).
    pub describe_endpoints: bool,
    pub mode: SubmitMode,
    /// CloudFront distribution in front of the media bucket (preview), e.g. `d111.cloudfront.net`.
    pub cloudfront_domain: Option<String>,
    pub cloudfront_key_pair_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the settings {} are not valid ({source}); fix or delete the file", .path.display())]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("cannot save the settings {}: {source}", .path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
}

impl SettingsError {
    pub fn kind(&self) -> &'static str {
        match self {
            SettingsError::Read { .. } | SettingsError::Write { .. } => "settings_io",
            SettingsError::Parse { .. } => "settings_corrupt",
            SettingsError::Invalid(_) => "settings_invalid",
        }
    }
}

impl Settings {
    /// The settings in `data_dir` (defaults when there is no file yet).
    pub fn load(data_dir: &Path) -> Result<Self, SettingsError> {
        let path = data_dir.join(SETTINGS_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| SettingsError::Parse { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(SettingsError::Read { path, source }),
        }
    }

    /// Saves atomically (write a temp file, fsync, rename).
    pub fn save(&self, data_dir: &Path) -> Result<(), SettingsError> {
        self.validate()?;
        let path = data_dir.join(SETTINGS_FILE);
        let write = |source| SettingsError::Write { path: path.clone(), source };
        std::fs::create_dir_all(data_dir).map_err(write)?;
        let tmp = data_dir.join(format!(".{SETTINGS_FILE}.tmp"));
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| write(std::io::Error::other(e)))?;
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp).map_err(write)?;
            f.write_all(&bytes).map_err(write)?;
            f.sync_all().map_err(write)?;
        }
        std::fs::rename(&tmp, &path).map_err(write)
    }

    /// Checks what a profile needs before anything is sent.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.parallel_assets == 0 || self.upload_concurrency == 0 {
            return Err(SettingsError::Invalid("parallel assets and upload concurrency must be at least 1".into()));
        }
        if let Profile::Aws(aws) = &self.profile {
            let mut missing = Vec::new();
            if aws.watch_bucket.is_empty() {
                missing.push("watch-bucket");
            }
            if aws.media_bucket.is_empty() && aws.mode == SubmitMode::Direct {
                missing.push("media-bucket");
            }
            if aws.role_arn.is_empty() && aws.mode == SubmitMode::Direct {
                missing.push("role-arn");
            }
            if !missing.is_empty() {
                return Err(SettingsError::Invalid(format!(
                    "the AWS profile needs {}: set them with `vodstudio settings set {}=…`",
                    missing.join(", "),
                    missing[0]
                )));
            }
        }
        Ok(())
    }

    /// Sets one setting from `key=value` as the CLI takes it (`vodstudio settings set`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let num = |v: &str| {
            v.parse::<usize>().map_err(|_| SettingsError::Invalid(format!("{key}: {v:?} is not a whole number")))
        };
        match key {
            "profile" => {
                self.profile = match value {
                    "local" => Profile::Local,
                    "aws" => match &self.profile {
                        Profile::Aws(a) => Profile::Aws(a.clone()),
                        Profile::Local => Profile::Aws(Box::default()),
                    },
                    other => return Err(SettingsError::Invalid(format!("profile: {other:?} is not local or aws"))),
                }
            }
            "preset" => self.preset = value.to_owned(),
            "parallel-assets" => self.parallel_assets = num(value)?,
            "upload-concurrency" => self.upload_concurrency = num(value)?,
            "bandwidth-limit" => {
                self.bandwidth_limit_bytes_per_s = if value.is_empty() || value == "none" {
                    None
                } else {
                    Some(value.parse().map_err(|_| SettingsError::Invalid(format!("{key}: {value:?} is not bytes per second")))?)
                }
            }
            "notifications" => self.notifications = matches!(value, "on" | "true" | "yes" | "1"),
            _ => {
                let Profile::Aws(aws) = &mut self.profile else {
                    return Err(SettingsError::Invalid(format!(
                        "{key} is an AWS profile setting: run `vodstudio settings set profile=aws` first"
                    )));
                };
                match key {
                    "region" => aws.region = opt(value),
                    "aws-profile" => aws.aws_profile = opt(value),
                    "watch-bucket" => aws.watch_bucket = value.to_owned(),
                    "media-bucket" => aws.media_bucket = value.to_owned(),
                    "role-arn" => aws.role_arn = value.to_owned(),
                    "queue" => aws.queue = opt(value),
                    "s3-endpoint" => aws.s3_endpoint = opt(value),
                    "mediaconvert-endpoint" => aws.mediaconvert_endpoint = opt(value),
                    "describe-endpoints" => aws.describe_endpoints = matches!(value, "on" | "true" | "yes" | "1"),
                    "mode" => {
                        aws.mode = match value {
                            "direct" => SubmitMode::Direct,
                            "watch-folder" | "watch" => SubmitMode::WatchFolder,
                            other => {
                                return Err(SettingsError::Invalid(format!("mode: {other:?} is not direct or watch-folder")))
                            }
                        }
                    }
                    "cloudfront-domain" => aws.cloudfront_domain = opt(value),
                    "cloudfront-key-pair-id" => aws.cloudfront_key_pair_id = opt(value),
                    other => return Err(SettingsError::Invalid(format!("unknown setting {other:?}"))),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_save_load_and_validate() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Settings::default());
        let mut s = Settings::default();
        s.set("profile", "aws").unwrap();
        assert!(s.save(dir.path()).is_err(), "an AWS profile without buckets is refused");
        for (k, v) in [("watch-bucket", "w"), ("media-bucket", "m"), ("role-arn", "arn:aws:iam::1:role/r"), ("mode", "watch")] {
            s.set(k, v).unwrap();
        }
        s.save(dir.path()).unwrap();
        let back = Settings::load(dir.path()).unwrap();
        assert_eq!(back, s);
        assert!(matches!(&back.profile, Profile::Aws(a) if a.mode == SubmitMode::WatchFolder));
        assert!(s.set("colour", "blue").is_err());
    }
}
