//! Following a job: GetJob at a cadence that backs off while nothing changes, the outcome in plain
//! words, ListJobs to find a job a watch-folder automation created, CancelJob, DescribeEndpoints.

use std::time::Duration;

use aws_sdk_mediaconvert::types::{Job, Order};
use serde::{Deserialize, Serialize};

use super::error::{FailureKind, PipelineError};

/// What a poll of the job tells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSnapshot {
    pub id: String,
    /// `SUBMITTED | PROGRESSING | COMPLETE | CANCELED | ERROR`.
    pub status: String,
    /// `PROBING | TRANSCODING | UPLOADING` while progressing.
    pub phase: Option<String>,
    pub percent: Option<f64>,
    pub error_code: Option<i32>,
    pub error_message: Option<String>,
    pub outputs: Vec<OutputGroupResult>,
    /// Every output group's `Destination` (`s3://bucket/prefix/` or `s3://bucket/prefix/base`).
    pub destinations: Vec<String>,
}

/// One output group's outputs, as `outputGroupDetails` gives them (GetJob lists no file names:
/// the files are found under the group's destination).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputGroupResult {
    pub durations_ms: Vec<i32>,
    pub sizes: Vec<(i32, i32)>,
}

impl JobSnapshot {
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "COMPLETE" | "CANCELED" | "ERROR")
    }

    fn from_job(job: &Job) -> Self {
        let outputs = job
            .output_group_details()
            .iter()
            .map(|g| {
                let details = g.output_details();
                OutputGroupResult {
                    durations_ms: details.iter().filter_map(|d| d.duration_in_ms()).collect(),
                    sizes: details
                        .iter()
                        .filter_map(|d| d.video_details())
                        .filter_map(|v| Some((v.width_in_px()?, v.height_in_px()?)))
                        .collect(),
                }
            })
            .collect();
        Self {
            id: job.id().unwrap_or_default().to_owned(),
            status: job.status().map_or_else(|| "SUBMITTED".to_owned(), |s| s.as_str().to_owned()),
            phase: job.current_phase().map(|p| p.as_str().to_owned()),
            percent: job.job_percent_complete().map(f64::from),
            error_code: job.error_code(),
            error_message: job.error_message().map(str::to_owned),
            outputs,
            destinations: destinations(job),
        }
    }

    /// The failure of an ERROR job in plain words, with what to do where the code says it.
    pub fn failure(&self) -> PipelineError {
        let message = self.error_message.as_deref().unwrap_or("no message");
        let advice = match self.error_code {
            Some(1010 | 1030 | 1040 | 1041 | 1042) => " The source could not be read as video: check the file plays, or re-export it.",
            Some(1401 | 1432 | 1433 | 1434) => " MediaConvert could not read the input or write the outputs: check the role's S3 permissions and the bucket names.",
            Some(1020 | 1021 | 1022 | 1550) => " The preset asks for something the source or the service cannot do: check the preset's settings.",
            _ => "",
        };
        let code = self.error_code.map(|c| format!(" (error {c})")).unwrap_or_default();
        PipelineError::new(FailureKind::JobFailed, format!("the transcode failed{code}: {message}.{advice}"))
    }
}

/// The `Destination` of every output group of the job's settings.
fn destinations(job: &Job) -> Vec<String> {
    let Some(settings) = job.settings() else { return Vec::new() };
    settings
        .output_groups()
        .iter()
        .filter_map(|g| g.output_group_settings())
        .filter_map(|s| {
            s.hls_group_settings()
                .and_then(|x| x.destination())
                .or_else(|| s.dash_iso_group_settings().and_then(|x| x.destination()))
                .or_else(|| s.file_group_settings().and_then(|x| x.destination()))
                .or_else(|| s.cmaf_group_settings().and_then(|x| x.destination()))
                .or_else(|| s.ms_smooth_group_settings().and_then(|x| x.destination()))
                .map(str::to_owned)
        })
        .collect()
}

/// GetJob once.
pub async fn get_job(client: &aws_sdk_mediaconvert::Client, id: &str) -> Result<JobSnapshot, PipelineError> {
    let out = client.get_job().id(id).send().await.map_err(|e| PipelineError::from_sdk("GetJob", &e))?;
    out.job()
        .map(JobSnapshot::from_job)
        .ok_or_else(|| PipelineError::new(FailureKind::Other, format!("GetJob {id} answered without a job")))
}

/// CancelJob; a job that already ended is not an error.
pub async fn cancel_job(client: &aws_sdk_mediaconvert::Client, id: &str) -> Result<(), PipelineError> {
    match client.cancel_job().id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = PipelineError::from_sdk("CancelJob", &e);
            if err.kind == FailureKind::BadRequest {
                // 409/400: the job already finished; there is nothing left to cancel.
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// The job whose first input is `input_url`, newest first, among the jobs created at or after
/// `created_after` (seconds since the epoch). Looks through at most `max_pages` pages of ListJobs.
pub async fn find_job_by_input(
    client: &aws_sdk_mediaconvert::Client,
    input_url: &str,
    created_after_s: i64,
    max_pages: usize,
) -> Result<Option<JobSnapshot>, PipelineError> {
    let mut token: Option<String> = None;
    for _ in 0..max_pages {
        let out = client
            .list_jobs()
            .order(Order::Descending)
            .max_results(20)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| PipelineError::from_sdk("ListJobs", &e))?;
        for job in out.jobs() {
            let created = job.created_at().map_or(i64::MAX, |t| t.secs());
            if created < created_after_s {
                // Newest first: everything after this is older still.
                return Ok(None);
            }
            let input = job.settings().and_then(|s| s.inputs().first()).and_then(|i| i.file_input());
            if input == Some(input_url) {
                return Ok(Some(JobSnapshot::from_job(job)));
            }
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// The account's MediaConvert endpoint (accounts created before 2022 used per-account ones).
pub async fn describe_endpoint(client: &aws_sdk_mediaconvert::Client) -> Result<String, PipelineError> {
    #[allow(deprecated)] // still answered by AWS, and needed by accounts that predate the regional endpoints
    let out = client.describe_endpoints().send().await.map_err(|e| PipelineError::from_sdk("DescribeEndpoints", &e))?;
    out.endpoints()
        .iter()
        .find_map(|e| e.url())
        .map(str::to_owned)
        .ok_or_else(|| PipelineError::new(FailureKind::Other, "DescribeEndpoints listed no endpoint"))
}

/// How long to wait between polls: short at first and after every change, growing while the job
/// says the same thing, never above `max` (MediaConvert's own status updates come every 15–60 s).
#[derive(Debug, Clone)]
pub struct PollBackoff {
    min: Duration,
    max: Duration,
    next: Duration,
    last: Option<(String, Option<String>, Option<u32>)>,
}

impl PollBackoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self { min, max, next: min, last: None }
    }

    /// The wait before the next poll, given what this poll saw.
    pub fn after(&mut self, snap: &JobSnapshot) -> Duration {
        let seen = (snap.status.clone(), snap.phase.clone(), snap.percent.map(|p| p as u32));
        if self.last.as_ref() == Some(&seen) {
            self.next = (self.next.mul_f64(1.5)).min(self.max);
        } else {
            self.next = self.min;
            self.last = Some(seen);
        }
        self.next
    }

    /// The wait after a failed poll (endpoint unreachable): doubles up to `max`.
    pub fn after_failure(&mut self) -> Duration {
        self.next = (self.next * 2).min(self.max);
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(status: &str, percent: Option<f64>) -> JobSnapshot {
        JobSnapshot {
            id: "j".into(),
            status: status.into(),
            phase: None,
            percent,
            error_code: None,
            error_message: None,
            outputs: vec![],
            destinations: vec![],
        }
    }

    #[test]
    fn polling_backs_off_while_nothing_changes_and_resets_on_change() {
        let mut b = PollBackoff::new(Duration::from_millis(500), Duration::from_secs(10));
        assert_eq!(b.after(&snap("SUBMITTED", None)), Duration::from_millis(500));
        assert_eq!(b.after(&snap("SUBMITTED", None)), Duration::from_millis(750));
        for _ in 0..20 {
            b.after(&snap("SUBMITTED", None));
        }
        assert_eq!(b.after(&snap("SUBMITTED", None)), Duration::from_secs(10));
        assert_eq!(b.after(&snap("PROGRESSING", Some(10.0))), Duration::from_millis(500));
    }

    #[test]
    fn errors_read_as_plain_words() {
        let mut s = snap("ERROR", None);
        s.error_code = Some(1010);
        s.error_message = Some("Unable to open input file".into());
        let e = s.failure();
        assert_eq!(e.kind, FailureKind::JobFailed);
        assert!(e.message.contains("error 1010") && e.message.contains("check the file plays"), "{}", e.message);
    }
}
