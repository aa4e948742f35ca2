//! A job as MediaConvert puts it on the wire (camelCase keys, UPPER_CASE enums, epoch-second
//! timestamps) and as the server keeps it on disk.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
