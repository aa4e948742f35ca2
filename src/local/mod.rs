//! The embedded local backend: services that stand in for AWS on 127.0.0.1 (started only by
//! binaries and tests, never imported by client modules of the core).

pub mod mediaconvert;
