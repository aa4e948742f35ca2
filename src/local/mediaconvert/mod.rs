//! A MediaConvert-compatible transcoding engine on the ffmpeg CLI: a job's `Settings` (console
//! PascalCase or wire camelCase) become one ffmpeg process that decodes the input once and
//! encodes each distinct rendition once, then one that stream-copies those encodes into every
//! output group as MediaConvert lays it out under the group's `Destination`.
//!
//! [`plan_job`] validates the settings without touching any file (an unsupported setting fails
//! with its JSON path); [`run_job`] runs the plan with progress and cancellation and reports
//! what was written, in the shape of MediaConvert's `outputGroupDetails`.
//! The supported subset is documented in `docs/local-engine.md`.

mod captions;
mod codecs;
mod command;
mod error;
mod json;
mod model;
mod renditions;
mod report;
mod run;
mod settings;
mod vtt;

pub use error::{EngineError, SettingsError};
pub use json::normalize_keys;
pub(crate) use json::USER_NAMED_MAPS;
pub use model::{
    AudioCodec, AudioPlan, CaptionDestination, CaptionFormat, CaptionPlan, CaptionSource,
    Container, FrameCapturePlan, Gop, GroupKind, GroupPlan, H264Plan, JobPlan, OutputPlan,
    RateControl, Scaling, VideoCodec, VideoPlan,
};
pub use run::{run_job, GroupOutputs, JobOutputs, OutputDetails, Progress, SCRATCH_DIR_PREFIX};
pub use settings::plan_job;
