//! From file to renditions: presets, ladder planning, job submission and tracking, and the
//! offline batch queue that drives an asset through them.

mod groups;
mod ladder;
pub mod plan;
pub mod presets;
