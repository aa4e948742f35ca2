//! Embedded local backend: servers that stand in for AWS on 127.0.0.1, so the whole pipeline runs
//! with no AWS account through the very same SDK clients (only endpoint and credentials differ).
//!
//! Per DESIGN, no client module of the core imports `local`: only binaries and tests start it.

mod backend;
mod host;
pub mod mediaconvert;
pub mod mediaconvert_api;
pub mod s3;
pub mod watch;

pub use backend::{LocalBackend, LocalBackendConfig, LocalBackendError};
pub use host::{LocalHost, LocalHostError};
