//! Resumable multipart uploads to S3 (or any S3-compatible endpoint): part planning, file
//! identity, the driver that uploads, records, resumes and completes, and its errors.

mod driver;
mod error;
mod identity;
mod plan;
mod progress;
mod s3ops;

pub use driver::{UploadControl, UploadOptions, UploadOutcome, UploadRequest, Uploader};
pub use error::{S3Failure, S3FailureKind, UploadError};
pub use identity::{FileIdentity, IdentityError};
pub use plan::{part_size_for, PartPlan, PlanError};
pub use progress::UploadProgress;
