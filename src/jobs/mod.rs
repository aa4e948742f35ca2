//! MediaConvert jobs: submitting a planned job exactly as the template says (no key dropped by a
//! typed model), tracking it to the end, and finding jobs that a watch-folder automation created.

mod error;
mod submit;
mod track;

pub use error::{FailureKind, PipelineError};
pub use submit::{create_job, request_token, to_wire};
pub use track::{cancel_job, describe_endpoint, find_job_by_input, get_job, JobSnapshot, OutputGroupResult, PollBackoff};
