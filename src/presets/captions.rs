//! Sidecar captions in a planned job, the way MediaConvert takes them: one caption selector per
//! sidecar file on the input, and one caption-only output per track in each streaming group —
//! WebVTT in HLS and CMAF groups, TTML (one RAW sidecar file) in DASH ISO groups, where
//! MediaConvert does not write WebVTT from sidecar input (see the user guide's "Supported input
//! captions, within sidecar files" tables).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::plan::{Rung, RungKind};

/// A sidecar caption file of the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionTrack {
    /// Where MediaConvert reads it (`s3://<watch bucket>/inputs/<asset>/<name>`).
    pub url: String,
    /// Language code from the file name (`trip.en.srt` → `en`), if any.
    pub language: Option<String>,
    pub format: CaptionFormat,
}

/// The sidecar's format (`SourceSettings.SourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptionFormat {
    Srt,
    Webvtt,
}

impl CaptionFormat {
    /// The format of a file with this extension (any case), if it is one vodstudio attaches.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "srt" => Some(CaptionFormat::Srt),
            "vtt" => Some(CaptionFormat::Webvtt),
            _ => None,
        }
    }

    fn source_type(self) -> &'static str {
        match self {
            CaptionFormat::Srt => "SRT",
            CaptionFormat::Webvtt => "WEBVTT",
        }
    }
}

/// `Captions Selector <n>`, as the console names them.
pub fn selector_name(index: usize) -> String {
    format!("Captions Selector {}", index + 1)
}

/// `Inputs[0].CaptionSelectors` for the tracks.
pub(super) fn selectors(tracks: &[CaptionTrack]) -> Value {
    let mut map = Map::new();
    for (i, t) in tracks.iter().enumerate() {
        map.insert(
            selector_name(i),
            json!({"SourceSettings": {
                "SourceType": t.format.source_type(),
                "FileSourceSettings": {"SourceFile": t.url},
            }}),
        );
    }
    Value::Object(map)
}

/// Appends one caption-only output per track to a streaming group; returns the rungs added.
/// Groups of other types are left alone (MediaConvert writes sidecar captions there differently,
/// and the player reads only HLS and DASH).
pub(super) fn add_outputs(
    group: &mut Value,
    label: &str,
    group_type: &str,
    tracks: &[CaptionTrack],
) -> Vec<Rung> {
    let (container, destination) = match group_type {
        "HLS_GROUP_SETTINGS" => (json!({"Container": "M3U8"}), webvtt()),
        "CMAF_GROUP_SETTINGS" => (json!({"Container": "CMFC"}), webvtt()),
        "DASH_ISO_GROUP_SETTINGS" => (
            json!({"Container": "MPD", "MpdSettings": {"CaptionContainerType": "RAW"}}),
            json!({"DestinationType": "TTML", "TtmlDestinationSettings": {"StylePassthrough": "DISABLED"}}),
        ),
        _ => return Vec::new(),
    };
    let Some(Value::Array(outputs)) = group.get_mut("Outputs") else {
        return Vec::new();
    };
    let mut used: HashSet<String> = outputs
        .iter()
        .filter_map(|o| o["NameModifier"].as_str().map(str::to_string))
        .collect();
    let mut rungs = Vec::new();
    for (i, t) in tracks.iter().enumerate() {
        let base = match &t.language {
            Some(l) => format!("_captions_{l}"),
            None => "_captions".to_string(),
        };
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        used.insert(name.clone());
        let mut description = json!({
            "CaptionSelectorName": selector_name(i),
            "LanguageDescription": language_name(t.language.as_deref()),
            "DestinationSettings": destination,
        });
        if let Some(l) = &t.language {
            // `LanguageCode` is an enum of upper-case ISO 639-2 codes (ENG); streaming outputs
            // take any RFC 5646 code here, which is what the file name gives.
            description["CustomLanguageCode"] = json!(l);
        }
        outputs.push(json!({
            "NameModifier": name,
            "ContainerSettings": container,
            "CaptionDescriptions": [description],
        }));
        rungs.push(Rung {
            group: label.to_string(),
            group_type: group_type.to_string(),
            name_modifier: Some(name),
            kind: RungKind::Captions,
            width_px: None,
            height_px: None,
            video_codec: None,
            video_bitrate_bps: None,
            audio_codec: None,
            audio_bitrate_bps: None,
        });
    }
    rungs
}

fn webvtt() -> Value {
    json!({"DestinationType": "WEBVTT", "WebvttDestinationSettings": {}})
}

/// What a player shows for a track: the language's English name for common codes, else the code.
pub fn language_name(code: Option<&str>) -> String {
    let Some(code) = code else {
        return "Captions".into();
    };
    let primary = code.split('-').next().unwrap_or(code).to_ascii_lowercase();
    let name = match primary.as_str() {
        "en" | "eng" => "English",
        "fr" | "fra" | "fre" => "French",
        "es" | "spa" => "Spanish",
        "de" | "deu" | "ger" => "German",
        "it" | "ita" => "Italian",
        "pt" | "por" => "Portuguese",
        "nl" | "nld" | "dut" => "Dutch",
        "ja" | "jpn" => "Japanese",
        "zh" | "zho" | "chi" => "Chinese",
        "ko" | "kor" => "Korean",
        "ru" | "rus" => "Russian",
        "ar" | "ara" => "Arabic",
        _ => return code.to_string(),
    };
    name.to_string()
}
