//! Upload progress as a stream of snapshots: bytes done and total, a smoothed rate, and an ETA.

use std::time::Instant;

use serde::Serialize;

/// One snapshot of an upload's progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UploadProgress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub parts_done: u32,
    pub parts_total: u32,
    /// Bytes per second over the recent past (bytes already on the server at start excluded).
    pub rate_bytes_per_s: f64,
    /// Seconds left at the current rate, once there is a rate.
    pub eta_s: Option<f64>,
    /// Bytes that were already on the server when this run started (resumed).
    pub bytes_reused: u64,
}

/// Smooths the rate so the ETA does not jump with every part.
pub(crate) struct RateMeter {
    started: Instant,
    last: Instant,
    last_bytes: u64,
    rate: Option<f64>,
}

/// Weight of the newest sample in the moving average.
const RATE_SMOOTHING: f64 = 0.3;

impl RateMeter {
    pub fn new() -> Self {
        let now = Instant::now();
        Self { started: now, last: now, last_bytes: 0, rate: None }
    }

    /// Updates with the bytes sent so far in this run; returns the smoothed rate (bytes/s).
    pub fn update(&mut self, sent_bytes: u64) -> f64 {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        if dt > 0.05 {
            let sample = (sent_bytes.saturating_sub(self.last_bytes)) as f64 / dt;
            self.rate = Some(match self.rate {
                Some(r) => r + RATE_SMOOTHING * (sample - r),
                None => sent_bytes as f64 / now.duration_since(self.started).as_secs_f64().max(1e-3),
            });
            self.last = now;
            self.last_bytes = sent_bytes;
        }
        self.rate.unwrap_or(0.0)
    }
}
