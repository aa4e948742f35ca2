//! After ffmpeg: DASH file naming, and the outputs report (paths, durations, sizes) in the shape
//! of MediaConvert's `outputGroupDetails`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::command::{dash_tmp_init, dash_tmp_media, DASH_TMP_MARKER};
use super::error::EngineError;
use super::model::{GroupKind, GroupPlan, JobPlan, OutputPlan, VideoCodec};

/// What a finished job wrote.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobOutputs {
    pub output_group_details: Vec<GroupOutputs>,
}

/// One output group's results (MediaConvert's `outputGroupDetails[]`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupOutputs {
    /// `HLS_GROUP`, `DASH_ISO_GROUP` or `FILE_GROUP`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HLS master playlist or the DASH manifest.
    pub playlist_file_paths: Vec<PathBuf>,
    pub output_details: Vec<OutputDetails>,
}

/// One output's results (MediaConvert's `outputDetails[]`, plus every file it wrote).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputDetails {
    /// What MediaConvert reports: the media file, the HLS media playlist, or the last frame
    /// capture. Empty for DASH outputs (MediaConvert lists only the manifest).
    pub output_file_paths: Vec<PathBuf>,
    /// Every file this output wrote (segments, init segments, playlists, images).
    pub files: Vec<PathBuf>,
    pub duration_in_ms: u64,
    pub size_bytes: u64,
    pub width_in_px: Option<u32>,
    pub height_in_px: Option<u32>,
}

impl JobPlan {
    /// The `s3://` URL a local output path stands for (the inverse of the destination mapping).
    pub fn s3_url_for(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.output_root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(format!("s3://{}", parts.join("/")))
    }
}

/// Renames the dash muxer's per-representation files to MediaConvert-style per-output names
/// (`<base><NameModifier>init.mp4`, `<base><NameModifier>_000000001.mp4`) and points the
/// manifest's templates at them. Representation ids are the output's stream order, which is
/// the order of the group's outputs (one track each).
pub(crate) fn rename_dash_segments(group: &GroupPlan) -> Result<(), EngineError> {
    let mpd_path = group.dir.join(format!("{}.mpd", group.base));
    let mpd = std::fs::read_to_string(&mpd_path).map_err(|e| EngineError::io(&mpd_path, &e))?;
    let (init_tmpl, media_tmpl) = (dash_tmp_init(&group.base), dash_tmp_media(&group.base));
    let mut chunks = mpd.split("<Representation id=\"");
    let mut rewritten = chunks.next().unwrap_or_default().to_string();
    for chunk in chunks {
        let id: usize = chunk
            .split('"')
            .next()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| EngineError::Output {
                path: mpd_path.clone(),
                detail: "unexpected Representation id".into(),
            })?;
        let output = packaged_output(group, id).ok_or_else(|| EngineError::Output {
            path: mpd_path.clone(),
            detail: format!("Representation {id} has no matching output"),
        })?;
        let stem = group.output_stem(output);
        let chunk = chunk
            .replace(&init_tmpl, &format!("{stem}init.mp4"))
            .replace(&media_tmpl, &format!("{stem}_$Number%09d$.mp4"));
        rewritten.push_str("<Representation id=\"");
        rewritten.push_str(&chunk);
    }
    let tmp_prefix = format!("{}{DASH_TMP_MARKER}", group.base);
    for entry in std::fs::read_dir(&group.dir)
        .map_err(|e| EngineError::io(&group.dir, &e))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&tmp_prefix) else {
            continue;
        };
        // rest = "<id>_init.mp4" or "<id>_<number>.mp4"
        let Some((id, tail)) = rest.split_once('_') else {
            continue;
        };
        let Some(output) = id
            .parse::<usize>()
            .ok()
            .and_then(|i| packaged_output(group, i))
        else {
            continue;
        };
        let stem = group.output_stem(output);
        let new_name = if tail == "init.mp4" {
            format!("{stem}init.mp4")
        } else {
            format!("{stem}_{tail}")
        };
        let to = group.dir.join(new_name);
        std::fs::rename(entry.path(), &to).map_err(|e| EngineError::io(&to, &e))?;
    }
    std::fs::write(&mpd_path, rewritten).map_err(|e| EngineError::io(&mpd_path, &e))
}

/// The `id`-th output of the group that the dash muxer packaged (caption outputs are not).
fn packaged_output(group: &GroupPlan, id: usize) -> Option<&OutputPlan> {
    group
        .outputs
        .iter()
        .filter(|o| o.captions.is_none())
        .nth(id)
}

/// Builds the report by looking at what is on disk. Blocking (file system + probing).
pub(crate) fn collect(plan: &JobPlan, input_duration_s: f64) -> Result<JobOutputs, EngineError> {
    let mut groups = Vec::new();
    for group in &plan.groups {
        let listing = list_dir(&group.dir)?;
        let mut details = Vec::new();
        for output in &group.outputs {
            details.push(output_details(group, output, &listing, input_duration_s)?);
        }
        groups.push(GroupOutputs {
            kind: group.kind.details_type(),
            playlist_file_paths: group.manifest_path().into_iter().collect(),
            output_details: details,
        });
    }
    Ok(JobOutputs {
        output_group_details: groups,
    })
}

fn list_dir(dir: &Path) -> Result<Vec<(String, u64)>, EngineError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .map_err(|e| EngineError::io(dir, &e))?
        .flatten()
    {
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        files.push((entry.file_name().to_string_lossy().into_owned(), size));
    }
    files.sort();
    Ok(files)
}

fn output_details(
    group: &GroupPlan,
    output: &OutputPlan,
    listing: &[(String, u64)],
    input_duration_s: f64,
) -> Result<OutputDetails, EngineError> {
    let stem = group.output_stem(output);
    if output.captions.is_some() {
        return caption_details(group, output, listing, input_duration_s);
    }
    let capture =
        matches!(&output.video, Some(v) if matches!(v.codec, VideoCodec::FrameCapture(_)));
    let mine = |name: &str| -> bool {
        match group.kind {
            GroupKind::HlsGroup { .. } => {
                name == format!("{stem}.m3u8")
                    || (name.starts_with(&format!("{stem}_"))
                        && name.ends_with(".ts")
                        && is_numbered(name, &stem, ".ts"))
            }
            GroupKind::DashIsoGroup { .. } => {
                name == format!("{stem}init.mp4") || is_numbered(name, &stem, ".mp4")
            }
            GroupKind::FileGroup if capture => name
                .strip_prefix(&format!("{stem}."))
                .and_then(|r| r.strip_suffix(".jpg"))
                .is_some_and(|n| n.len() == 7 && n.bytes().all(|b| b.is_ascii_digit())),
            GroupKind::FileGroup => name == format!("{stem}.{}", output.extension),
        }
    };
    let files: Vec<(PathBuf, u64)> = listing
        .iter()
        .filter(|(n, _)| mine(n))
        .map(|(n, s)| (group.dir.join(n), *s))
        .collect();
    let missing = || EngineError::Output {
        path: group.dir.join(format!("{stem}.{}", output.extension)),
        detail: "expected output was not written".into(),
    };
    let main: PathBuf = match group.kind {
        GroupKind::HlsGroup { .. } => group.dir.join(format!("{stem}.m3u8")),
        GroupKind::DashIsoGroup { .. } => group.dir.join(format!("{stem}init.mp4")),
        GroupKind::FileGroup if capture => {
            files.last().map(|(p, _)| p.clone()).ok_or_else(missing)?
        }
        GroupKind::FileGroup => group.dir.join(format!("{stem}.{}", output.extension)),
    };
    if !files.iter().any(|(p, _)| *p == main) {
        return Err(missing());
    }
    let (duration_s, width, height) = if capture {
        let dims = image::image_dimensions(&main).ok();
        (input_duration_s, dims.map(|d| d.0), dims.map(|d| d.1))
    } else if matches!(group.kind, GroupKind::DashIsoGroup { .. }) {
        // An init segment alone has no duration: the representation spans the presentation.
        let (w, h) = probe_size(&main);
        (dash_duration(group).unwrap_or(input_duration_s), w, h)
    } else {
        let info = crate::media::probe(&main).map_err(|e| EngineError::Output {
            path: main.clone(),
            detail: e.to_string(),
        })?;
        let (w, h) = info
            .video()
            .map(|(_, v)| (Some(v.width), Some(v.height)))
            .unwrap_or((None, None));
        (info.duration_s.unwrap_or(0.0), w, h)
    };
    let output_file_paths = match group.kind {
        GroupKind::DashIsoGroup { .. } => Vec::new(),
        _ => vec![main],
    };
    Ok(OutputDetails {
        output_file_paths,
        size_bytes: files.iter().map(|(_, s)| s).sum(),
        files: files.into_iter().map(|(p, _)| p).collect(),
        duration_in_ms: (duration_s * 1000.0).round() as u64,
        width_in_px: width,
        height_in_px: height,
    })
}

/// A caption output: the HLS subtitles playlist and its `.vtt` segments, or the DASH sidecar.
fn caption_details(
    group: &GroupPlan,
    output: &OutputPlan,
    listing: &[(String, u64)],
    input_duration_s: f64,
) -> Result<OutputDetails, EngineError> {
    let stem = group.output_stem(output);
    let main = group.dir.join(format!("{stem}.{}", output.extension));
    let hls = matches!(group.kind, GroupKind::HlsGroup { .. });
    let files: Vec<(PathBuf, u64)> = listing
        .iter()
        .filter(|(n, _)| {
            *n == format!("{stem}.{}", output.extension) || (hls && is_numbered(n, &stem, ".vtt"))
        })
        .map(|(n, s)| (group.dir.join(n), *s))
        .collect();
    if !files.iter().any(|(p, _)| *p == main) {
        return Err(EngineError::Output {
            path: main,
            detail: "expected caption output was not written".into(),
        });
    }
    Ok(OutputDetails {
        output_file_paths: if hls { vec![main] } else { Vec::new() },
        size_bytes: files.iter().map(|(_, s)| s).sum(),
        files: files.into_iter().map(|(p, _)| p).collect(),
        duration_in_ms: (input_duration_s * 1000.0).round() as u64,
        width_in_px: None,
        height_in_px: None,
    })
}

/// `<stem>_<digits><ext>`.
fn is_numbered(name: &str, stem: &str, ext: &str) -> bool {
    name.strip_prefix(stem)
        .and_then(|r| r.strip_prefix('_'))
        .and_then(|r| r.strip_suffix(ext))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn probe_size(path: &Path) -> (Option<u32>, Option<u32>) {
    match crate::media::probe(path) {
        Ok(info) => info
            .video()
            .map(|(_, v)| (Some(v.width), Some(v.height)))
            .unwrap_or((None, None)),
        Err(_) => (None, None),
    }
}

/// `mediaPresentationDuration="PT9.8S"` (ffmpeg writes hours/minutes only past 60 s) → seconds.
fn dash_duration(group: &GroupPlan) -> Option<f64> {
    let mpd = std::fs::read_to_string(group.dir.join(format!("{}.mpd", group.base))).ok()?;
    let value = mpd
        .split("mediaPresentationDuration=\"")
        .nth(1)?
        .split('"')
        .next()?;
    let mut rest = value.strip_prefix("PT")?;
    let mut total = 0.0;
    for (unit, factor) in [('H', 3600.0), ('M', 60.0), ('S', 1.0)] {
        if let Some((n, r)) = rest.split_once(unit) {
            total += n.parse::<f64>().ok()? * factor;
            rest = r;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_names() {
        assert!(is_numbered("in_720p_00001.ts", "in_720p", ".ts"));
        assert!(!is_numbered("in_720p_hi_00001.ts", "in_720p", ".ts"));
    }
}
