//! Resumable multipart uploads to S3 (or any S3-compatible endpoint): part planning, file
//! identity, and (next) the driver that uploads, records, resumes and completes.

mod identity;
mod plan;

pub use identity::{FileIdentity, IdentityError};
pub use plan::{part_size_for, PartPlan, PlanError};
