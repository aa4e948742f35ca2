//! A job as MediaConvert puts it on the wire (camelCase keys, UPPER_CASE enums, epoch-second
//! timestamps) and as the server keeps it on disk.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::local::mediaconvert::USER_NAMED_MAPS;

/// Request members of CreateJob that MediaConvert echoes in the job unchanged.
pub(crate) const ECHOED_MEMBERS: &[&str] = &[
    "accelerationSettings",
    "billingTagsSource",
    "hopDestinations",
    "jobEngineVersion",
    "jobTemplate",
    "priority",
    "simulateReserveQueue",
    "statusUpdateInterval",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Submitted,
    Progressing,
    Complete,
    Canceled,
    Error,
}

impl JobStatus {
    /// No transition leaves a terminal status.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Canceled | Self::Error)
    }

    /// The wire spelling (`PROGRESSING`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "SUBMITTED",
            Self::Progressing => "PROGRESSING",
            Self::Complete => "COMPLETE",
            Self::Canceled => "CANCELED",
            Self::Error => "ERROR",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(Value::String(s.to_owned())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobPhase {
    Probing,
    Transcoding,
    Uploading,
}

/// `timing`: epoch seconds (fractional), as the SDK reads them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<f64>,
}

/// A job, exactly as GetJob answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub arn: String,
    pub created_at: f64,
    pub status: JobStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_phase: Option<JobPhase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_percent_complete: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub timing: Timing,
    pub role: String,
    pub queue: String,
    pub settings: Value,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub user_metadata: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    /// What the engine wrote, with `s3://` paths (MediaConvert's shape, plus the file lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_group_details: Option<Value>,
    /// The [`ECHOED_MEMBERS`] the request had.
    #[serde(flatten)]
    pub echoed: Map<String, Value>,
}

/// A job file on disk: the job and its creation order (ListJobs sorts and pages on it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredJob {
    pub seq: u64,
    pub job: Job,
}

/// Seconds since the epoch, with milliseconds.
pub(crate) fn now_epoch_s() -> f64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    ms as f64 / 1000.0
}

/// Settings in wire casing (camelCase member names), whatever casing the job was sent in:
/// MediaConvert echoes camelCase, and the SDKs only read that. Keys of user-named maps
/// (`audioSelectors` names…) are data and stay as written.
pub(crate) fn wire_keys(settings: &Value) -> Value {
    fn convert(value: &Value, user_named: bool) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, child)| {
                        let pascal = upper_first(key);
                        let child = convert(child, USER_NAMED_MAPS.contains(&pascal.as_str()));
                        (
                            if user_named {
                                key.clone()
                            } else {
                                lower_first(key)
                            },
                            child,
                        )
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| convert(v, false)).collect()),
            other => other.clone(),
        }
    }
    convert(settings, false)
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_echoed_in_wire_casing() {
        let console = serde_json::json!({"Inputs": [{"FileInput": "s3://b/k", "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}}}],
            "OutputGroups": [{"Outputs": [{"VideoDescription": {"CodecSettings": {"H264Settings": {"GopSize": 2}}}}]}]});
        let wire = wire_keys(&console);
        assert_eq!(wire["inputs"][0]["fileInput"], "s3://b/k");
        assert_eq!(
            wire["inputs"][0]["audioSelectors"]["Audio Selector 1"]["defaultSelection"],
            "DEFAULT"
        );
        assert_eq!(
            wire["outputGroups"][0]["outputs"][0]["videoDescription"]["codecSettings"]
                ["h264Settings"]["gopSize"],
            2
        );
        assert_eq!(wire_keys(&wire), wire, "wire casing is kept");
    }
}
