//! The scrub track: a sprite sheet of small frames and the WebVTT track that maps times to its
//! tiles, made from the local source during the probe step and published beside the outputs
//! (`<media>/<asset>/preview/`), where the preview player reads it for thumbnail scrubbing.
//!
//! MediaConvert has no sprite-sheet output that both backends share, so vodstudio makes the one
//! track itself; it is small (one JPEG, one text file) and works for AWS and the local backend.

use std::path::{Path, PathBuf};

use crate::jobs::{FailureKind, PipelineError};
use crate::limits;
use crate::media::{sprite, SpriteOptions};

/// Sprite and track names, locally (in the asset's scrub folder) and under `preview/` remotely;
/// the track refers to the sheet by this name.
const SHEET: &str = "sprite.jpg";
const TRACK: &str = "sprite.vtt";

/// `<data_dir>/thumbs/<id>-scrub/`: where the asset's sheet and track are made.
pub fn scrub_dir(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("thumbs").join(format!("{id}-scrub"))
}

/// Makes the sheet and track for a source of `duration_s`. Blocking; a failure is logged and
/// the asset goes on without scrubbing.
pub fn make(data_dir: &Path, id: &str, source: &Path, duration_s: f64) {
    let dir = scrub_dir(data_dir, id);
    // About 120 tiles whatever the length: one a second for short clips, one every 10 s at most
    // (the sprite itself widens the interval to stay under its tile cap).
    let interval_s = (duration_s / 120.0).clamp(1.0, 10.0);
    let opts = SpriteOptions {
        interval_s,
        tile_width_px: limits::SPRITE_DEFAULT_TILE_WIDTH_PX,
        columns: limits::SPRITE_COLUMNS,
    };
    let made = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| sprite(source, &dir.join(SHEET), &opts).map_err(|e| e.to_string()));
    if let Err(e) = made {
        tracing::warn!("no scrub track for {}: {e}", source.display());
        // A half-written pair must not be published.
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Uploads the sheet and track (when made) to `s3://bucket/<home>preview/`.
pub async fn publish(
    s3: &aws_sdk_s3::Client,
    data_dir: &Path,
    id: &str,
    bucket: &str,
    home: &str,
) -> Result<(), PipelineError> {
    let dir = scrub_dir(data_dir, id);
    if !dir.join(TRACK).is_file() || !dir.join(SHEET).is_file() {
        return Ok(());
    }
    for (name, content_type) in [(SHEET, "image/jpeg"), (TRACK, "text/vtt")] {
        let body = aws_sdk_s3::primitives::ByteStream::from_path(dir.join(name))
            .await
            .map_err(|e| PipelineError::new(FailureKind::Local, format!("read {name}: {e}")))?;
        s3.put_object()
            .bucket(bucket)
            .key(format!("{home}preview/{name}"))
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| PipelineError::from_sdk("PutObject (scrub track)", &e))?;
    }
    Ok(())
}
