//! Ladder planning: a preset + the probe of a source → the exact CreateJob body for that source.
