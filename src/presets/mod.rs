//! Presets: MediaConvert job templates in the JSON the console exports (PascalCase), built in
//! (`presets/*.json`) or imported by the user into `<data dir>/presets/`.
//!
//! A preset keeps every key of the template it came from: only what CreateJob does not take is
//! set apart — the template's own `Name`/`Description`/`Category` (kept as the preset's), and the
//! read-only keys of an exported job (`Arn`, `Status`, `Timing`…).
//!
//! [`plan`] turns a preset and a source's probe into the exact job for that source.

pub mod captions;
mod groups;
mod ladder;
pub mod plan;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

/// Name of the preset used when none is chosen.
pub const DEFAULT_PRESET: &str = "web-ladder";
/// Name of the preset audio-only sources take, whatever preset was chosen.
pub const AUDIO_PRESET: &str = "audio-only";

/// The presets shipped in the binary: (name, the file as the console exports it).
const BUILTIN: &[(&str, &str)] = &[
    ("web-ladder", include_str!("../../presets/web-ladder.json")),
    ("mp4-ladder", include_str!("../../presets/mp4-ladder.json")),
    ("audio-only", include_str!("../../presets/audio-only.json")),
];

/// Sub-directory of the data dir that holds user presets, one `<name>.json` each.
pub const USER_PRESETS_DIR: &str = "presets";

/// `OutputGroupSettings.Type` values MediaConvert knows.
pub const GROUP_TYPES: &[&str] = &[
    "HLS_GROUP_SETTINGS",
    "DASH_ISO_GROUP_SETTINGS",
    "FILE_GROUP_SETTINGS",
    "CMAF_GROUP_SETTINGS",
    "MS_SMOOTH_GROUP_SETTINGS",
];

/// Keys of a job template that CreateJob does not take; the first three become the preset's own.
const TEMPLATE_ONLY_KEYS: &[&str] = &[
    "Name",
    "Description",
    "Category",
    "Type",
    "Arn",
    "CreatedAt",
    "LastUpdated",
];

/// Keys GetJob reports about a job that ran; sending them back would be refused or, for
/// `ClientRequestToken`, would make MediaConvert return the old job instead of a new one.
const JOB_READ_ONLY_KEYS: &[&str] = &[
    "Id",
    "Status",
    "Timing",
    "CurrentPhase",
    "JobPercentComplete",
    "OutputGroupDetails",
    "Messages",
    "Warnings",
    "QueueTransitions",
    "ErrorCode",
    "ErrorMessage",
    "RetryCount",
    "AccelerationStatus",
    "JobEngineVersionUsed",
    "ClientRequestToken",
];

/// Longest preset name accepted.
const MAX_NAME_CHARS: usize = 64;

/// Where a preset comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "path", rename_all = "snake_case")]
pub enum PresetSource {
    Builtin,
    User(PathBuf),
}

/// A job template, with every key a CreateJob body takes kept as exported.
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: String,
    pub description: Option<String>,
    /// The template's `Category`, when it has one.
    pub category: Option<String>,
    pub source: PresetSource,
    /// The console's JSON (PascalCase): `Settings.OutputGroups…` and any other keys, minus the
    /// template-only and read-only keys (see the module doc). Sent unchanged but for what the
    /// planner fills in.
    pub job: Value,
}

impl Preset {
    /// The preset as a console export: `Name`, `Description`, `Category` and the job's keys.
    pub fn to_console_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("Name".into(), Value::String(self.name.clone()));
        if let Some(d) = &self.description {
            out.insert("Description".into(), Value::String(d.clone()));
        }
        if let Some(c) = &self.category {
            out.insert("Category".into(), Value::String(c.clone()));
        }
        if let Value::Object(job) = &self.job {
            out.extend(job.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Value::Object(out)
    }

    /// The output groups in order: (`CustomName`, else `Name`, else the type; type; outputs).
    pub fn groups(&self) -> Vec<GroupSummary> {
        let groups = self.job["Settings"]["OutputGroups"].as_array();
        groups
            .into_iter()
            .flatten()
            .map(|g| {
                let group_type = g["OutputGroupSettings"]["Type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let name = g["CustomName"]
                    .as_str()
                    .or_else(|| g["Name"].as_str())
                    .unwrap_or(&group_type)
                    .to_string();
                GroupSummary {
                    name,
                    group_type,
                    outputs: g["Outputs"].as_array().map_or(0, Vec::len),
                }
            })
            .collect()
    }
}

/// One output group of a preset, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    pub name: String,
    /// `OutputGroupSettings.Type`, e.g. `HLS_GROUP_SETTINGS`.
    pub group_type: String,
    pub outputs: usize,
}

/// A preset could not be found, read, or is not a job template.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error(
        "no preset named {name:?} (available: {}); import a job template with \
         `vodstudio presets import FILE`",
        .available.join(", ")
    )]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("{}: {detail}", .path.display())]
    Io { path: PathBuf, detail: String },
    #[error(
        "{origin}: not JSON ({detail}); a preset is a MediaConvert job template as the console \
         exports it"
    )]
    NotJson { origin: String, detail: String },
    #[error(
        "{origin}: not a MediaConvert job template or job export: {path}: {reason}; export it \
         from the MediaConvert console (Job templates → Export JSON) or with \
         `aws mediaconvert get-job-template`"
    )]
    NotATemplate {
        origin: String,
        path: String,
        reason: String,
    },
    #[error(
        "invalid preset name {name:?}: {reason} (use letters, digits, '-', '_' and '.', at most \
         64 characters)"
    )]
    InvalidName { name: String, reason: String },
    #[error(
        "a preset named {name:?} already exists ({}); choose another name, or delete that file \
         first",
        .path.display()
    )]
    AlreadyExists { name: String, path: PathBuf },
}

impl PresetError {
    /// A stable, machine-readable name for each kind of failure.
    pub fn kind(&self) -> &'static str {
        match self {
            PresetError::NotFound { .. } => "preset_not_found",
            PresetError::Io { .. } => "io",
            PresetError::NotJson { .. } => "not_json",
            PresetError::NotATemplate { .. } => "not_a_template",
            PresetError::InvalidName { .. } => "invalid_name",
            PresetError::AlreadyExists { .. } => "preset_exists",
        }
    }

    fn io(path: &Path, err: &std::io::Error) -> Self {
        PresetError::Io {
            path: path.to_path_buf(),
            detail: err.to_string(),
        }
    }
}

/// The presets shipped with vodstudio, in a fixed order (the default first).
pub fn builtin() -> Vec<Preset> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            let value: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("built-in preset {name} is not JSON: {e}"));
            let mut preset = from_value(value, &format!("built-in preset {name}"))
                .unwrap_or_else(|e| panic!("built-in preset {name} is invalid: {e}"));
            preset.name = (*name).to_string();
            preset.source = PresetSource::Builtin;
            preset
        })
        .collect()
}

/// `<data_dir>/presets`: where imported presets live.
pub fn user_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(USER_PRESETS_DIR)
}

/// Built-in presets, then the user's (`<data_dir>/presets/*.json`, named after their file). A user
/// preset shadows the built-in one of the same name, in its place. A user file that is not a
/// valid preset is skipped with a warning in the log (the others stay usable).
pub fn list(data_dir: &Path) -> Result<Vec<Preset>, PresetError> {
    let mut presets = builtin();
    for path in user_files(data_dir)? {
        let preset = match read_file(&path) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "skipping a preset file that is not a valid preset");
                continue;
            }
        };
        match presets.iter_mut().find(|p| p.name == preset.name) {
            Some(slot) => *slot = preset,
            None => presets.push(preset),
        }
    }
    Ok(presets)
}

/// A preset by name (user presets first, then built-in), or from a file when `name_or_path` is a
/// path (has a `/` or ends with `.json`).
pub fn load(data_dir: &Path, name_or_path: &str) -> Result<Preset, PresetError> {
    let looks_like_path = name_or_path.contains(['/', '\\']) || name_or_path.ends_with(".json");
    if looks_like_path {
        return read_file(Path::new(name_or_path));
    }
    if check_name(name_or_path).is_ok() {
        let path = user_dir(data_dir).join(format!("{name_or_path}.json"));
        if path.is_file() {
            return read_file(&path);
        }
        if let Some(p) = builtin().into_iter().find(|p| p.name == name_or_path) {
            return Ok(p);
        }
    }
    Err(PresetError::NotFound {
        name: name_or_path.to_string(),
        available: list(data_dir)?.into_iter().map(|p| p.name).collect(),
    })
}

/// Checks that `file` is a MediaConvert job template (or a whole job export, `{"Job": {...}}`, or
/// a `get-job-template` answer, `{"JobTemplate": {...}}`) and saves it as a user preset named
/// `name`, else the template's `Name`, else the file's name. Refuses to replace an existing user
/// preset; a user preset may shadow a built-in one.
pub fn import(data_dir: &Path, file: &Path, name: Option<&str>) -> Result<Preset, PresetError> {
    let value = read_json(file)?;
    let mut preset = from_value(value, &file.display().to_string())?;
    let name = match name {
        Some(n) => {
            check_name(n)?;
            n.to_string()
        }
        None => {
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
            let candidate = [Some(preset.name.clone()), stem]
                .into_iter()
                .flatten()
                .map(|n| slug(&n))
                .find(|n| check_name(n).is_ok());
            candidate.ok_or_else(|| PresetError::InvalidName {
                name: preset.name.clone(),
                reason: "the template has no usable name; give one".into(),
            })?
        }
    };
    let dir = user_dir(data_dir);
    let path = dir.join(format!("{name}.json"));
    if path.exists() {
        return Err(PresetError::AlreadyExists { name, path });
    }
    preset.name = name;
    preset.source = PresetSource::User(path.clone());
    std::fs::create_dir_all(&dir).map_err(|e| PresetError::io(&dir, &e))?;
    let mut text = serde_json::to_string_pretty(&preset.to_console_json())
        .map_err(|e| PresetError::io(&path, &std::io::Error::other(e)))?;
    text.push('\n');
    // Written aside and renamed, so a crash never leaves a half preset that `list` would skip.
    let tmp = dir.join(format!(".{}.json.tmp", preset.name));
    std::fs::write(&tmp, text).map_err(|e| PresetError::io(&tmp, &e))?;
    std::fs::rename(&tmp, &path).map_err(|e| PresetError::io(&path, &e))?;
    Ok(preset)
}

fn user_files(data_dir: &Path) -> Result<Vec<PathBuf>, PresetError> {
    let dir = user_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PresetError::io(&dir, &e)),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .filter(|p| {
            let named = p
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| check_name(s).is_ok());
            if !named {
                tracing::warn!(path = %p.display(), "skipping a preset file whose name is not a valid preset name");
            }
            named
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A preset file: named after the file, whatever its `Name` says (the name is how it is found).
fn read_file(path: &Path) -> Result<Preset, PresetError> {
    let mut preset = from_value(read_json(path)?, &path.display().to_string())?;
    if let Some(stem) = path.file_stem() {
        preset.name = stem.to_string_lossy().into_owned();
    }
    preset.source = PresetSource::User(path.to_path_buf());
    Ok(preset)
}

fn read_json(path: &Path) -> Result<Value, PresetError> {
    let text = std::fs::read_to_string(path).map_err(|e| PresetError::io(path, &e))?;
    serde_json::from_str(&text).map_err(|e| PresetError::NotJson {
        origin: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// Unwraps, cleans and validates a template; `origin` names it in errors.
pub fn from_value(value: Value, origin: &str) -> Result<Preset, PresetError> {
    let not_template = |path: &str, reason: &str| PresetError::NotATemplate {
        origin: origin.to_string(),
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let Value::Object(mut top) = value else {
        return Err(not_template("(top level)", "must be a JSON object"));
    };
    // `aws mediaconvert get-job` / `create-job` answers wrap the job; `get-job-template` wraps the
    // template. (A CreateJob body's own `JobTemplate` is a string, not an object.)
    let mut is_job = false;
    if top.len() == 1 {
        if let Some(Value::Object(inner)) = top.get("Job") {
            top = inner.clone();
            is_job = true;
        } else if let Some(Value::Object(inner)) = top.get("JobTemplate") {
            top = inner.clone();
        }
    }
    if !top.contains_key("Settings") && top.contains_key("settings") {
        return Err(not_template(
            "settings",
            "keys are camelCase (the API's wire format); the console and the AWS CLI write \
             PascalCase (Settings, OutputGroups)",
        ));
    }
    let text = |top: &mut Map<String, Value>, key: &str| match top.remove(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    };
    let name = text(&mut top, "Name").unwrap_or_default();
    let description = text(&mut top, "Description");
    let category = text(&mut top, "Category");
    for key in TEMPLATE_ONLY_KEYS.iter().chain(JOB_READ_ONLY_KEYS) {
        top.remove(*key);
    }
    if is_job {
        // The template a job was made from is already merged into its Settings, and its name
        // may not exist where the preset is used.
        top.remove("JobTemplate");
    }
    validate(&top, &not_template)?;
    Ok(Preset {
        name,
        description,
        category,
        source: PresetSource::Builtin,
        job: Value::Object(top),
    })
}

fn validate(
    top: &Map<String, Value>,
    not_template: &dyn Fn(&str, &str) -> PresetError,
) -> Result<(), PresetError> {
    let settings = match top.get("Settings") {
        Some(Value::Object(s)) => s,
        Some(_) => return Err(not_template("Settings", "must be an object")),
        None => return Err(not_template("Settings", "missing")),
    };
    match settings.get("Inputs") {
        None | Some(Value::Null) => {}
        Some(Value::Array(inputs)) if inputs.len() <= 1 => {
            if inputs.iter().any(|i| !i.is_object()) {
                return Err(not_template("Settings.Inputs[0]", "must be an object"));
            }
        }
        Some(Value::Array(_)) => {
            return Err(not_template(
                "Settings.Inputs",
                "more than one input (stitching); vodstudio plans one source file per job",
            ))
        }
        Some(_) => return Err(not_template("Settings.Inputs", "must be an array")),
    }
    let groups = match settings.get("OutputGroups") {
        Some(Value::Array(g)) if !g.is_empty() => g,
        Some(Value::Array(_)) => return Err(not_template("Settings.OutputGroups", "is empty")),
        Some(_) => return Err(not_template("Settings.OutputGroups", "must be an array")),
        None => return Err(not_template("Settings.OutputGroups", "missing")),
    };
    for (i, group) in groups.iter().enumerate() {
        let at = format!("Settings.OutputGroups[{i}]");
        if !group.is_object() {
            return Err(not_template(&at, "must be an object"));
        }
        match group["OutputGroupSettings"]["Type"].as_str() {
            Some(t) if GROUP_TYPES.contains(&t) => {}
            Some(t) => {
                return Err(not_template(
                    &format!("{at}.OutputGroupSettings.Type"),
                    &format!("unknown group type {t} (known: {})", GROUP_TYPES.join(", ")),
                ))
            }
            None => {
                return Err(not_template(
                    &format!("{at}.OutputGroupSettings.Type"),
                    "missing",
                ))
            }
        }
        match group.get("Outputs") {
            Some(Value::Array(o)) if !o.is_empty() && o.iter().all(Value::is_object) => {}
            _ => {
                return Err(not_template(
                    &format!("{at}.Outputs"),
                    "must be a non-empty array of outputs",
                ))
            }
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), PresetError> {
    let invalid = |reason: &str| {
        Err(PresetError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return invalid("empty");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return invalid("too long");
    }
    if name.starts_with('.') {
        return invalid("starts with '.'");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return invalid("has a character other than letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

/// `"My Web Ladder (v2)"` → `"my-web-ladder-v2"`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').trim_start_matches('.');
    out.chars().take(MAX_NAME_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_presets_are_valid_and_named_after_their_files() {
        let names: Vec<String> = builtin().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["web-ladder", "mp4-ladder", "audio-only"]);
        for p in builtin() {
            assert!(p.job.get("Name").is_none() && p.description.is_some());
        }
    }

    #[test]
    fn a_job_export_is_unwrapped_and_its_read_only_keys_dropped() {
        let export = json!({"Job": {
            "Arn": "arn:aws:mediaconvert:us-east-1:1:jobs/1", "Id": "1", "Status": "COMPLETE",
            "Timing": {}, "JobTemplate": "System-Ott_Hls", "Role": "arn:aws:iam::1:role/mc",
            "Priority": 0, "UserMetadata": {"k": "v"},
            "Settings": {"OutputGroups": [{"OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS"},
                "Outputs": [{}]}]}}});
        let p = from_value(export, "job.json").unwrap();
        let mut keys: Vec<&str> = p
            .job
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["Priority", "Role", "Settings", "UserMetadata"]);
    }

    #[test]
    fn not_templates_are_refused_with_the_path() {
        let cases = [
            (json!([1]), "(top level)"),
            (json!({"Settings": {}}), "Settings.OutputGroups"),
            (
                json!({"Settings": {"OutputGroups": [{"OutputGroupSettings": {"Type": "X"}, "Outputs": [{}]}]}}),
                "Settings.OutputGroups[0].OutputGroupSettings.Type",
            ),
            (json!({"settings": {"outputGroups": []}}), "settings"),
        ];
        for (value, path) in cases {
            match from_value(value, "t.json") {
                Err(PresetError::NotATemplate { path: p, .. }) => assert_eq!(p, path),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn slugs_are_valid_names() {
        assert_eq!(slug("My Web Ladder (v2)"), "my-web-ladder-v2");
        assert!(check_name(&slug("  ..x  ")).is_ok());
        assert!(check_name("../etc").is_err());
    }
}
