//! Presets: MediaConvert job templates in the JSON the console exports (PascalCase), built in
//! (`presets/*.json`) or imported by the user into `<data dir>/presets/`.

use std::path::PathBuf;

/// Name of the preset used when none is chosen.
pub const DEFAULT_PRESET: &str = "web-ladder";
/// Name of the preset audio-only sources take, whatever preset was chosen.
pub const AUDIO_PRESET: &str = "audio-only";

/// Where a preset comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresetSource {
    Builtin,
    User(PathBuf),
}

/// A job template, exactly as exported (every key kept).
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: String,
    pub description: Option<String>,
    pub source: PresetSource,
    /// The console's JSON (PascalCase): `Settings.OutputGroups…` and any other keys.
    pub job: serde_json::Value,
}
