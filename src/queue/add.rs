//! Adding files to the queue, as the CLI's `add` and the app's drop zone both do: folders are
//! walked for media file names, every file is probed (with a poster) and queued once.

use std::path::{Path, PathBuf};

use futures::StreamExt as _;
use serde::Serialize;

use super::runner::probe_and_poster;
use super::{sidecars, NewAsset, Store};

/// File name extensions taken from folders (files named one by one are probed whatever their name).
pub const MEDIA_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "mxf", "mts", "m2ts", "ts", "mpg", "mpeg", "wmv", "flv", "3gp", "mp3",
    "m4a", "aac", "wav", "flac", "ogg", "opus", "aif", "aiff",
];

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AddOutcome {
    Added,
    /// The same path is already in flight: its asset is reused.
    AlreadyQueued,
    /// A caption sidecar, attached to the source of the same name beside it (`reason` names it).
    Captions,
    /// Not queued; `reason` says why.
    Skipped,
}

/// One file `add` looked at.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AddResult {
    pub path: String,
    /// The asset id (added or already queued).
    pub id: Option<String>,
    pub outcome: AddOutcome,
    pub reason: Option<String>,
}

impl AddResult {
    fn skipped(path: String, reason: impl Into<String>) -> Self {
        Self { path, id: None, outcome: AddOutcome::Skipped, reason: Some(reason.into()) }
    }
}

/// The files named by `paths`: files as given, folders walked (sorted) for media extensions.
/// Caption files in folders are reported as the captions of the source beside them (queuing the
/// source attaches them), or skipped when no source shares their stem.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<AddResult>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut captions = Vec::new();
    for p in paths {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let ext = e.path().extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
                    if MEDIA_EXTENSIONS.contains(&ext.as_str()) {
                        files.push(e.into_path());
                    } else if sidecars::is_caption_file_name(&e.file_name().to_string_lossy()) {
                        captions.push(e.into_path());
                    } else if !e.file_name().to_string_lossy().starts_with('.') {
                        skipped.push(AddResult::skipped(e.path().display().to_string(), "not a video or audio file name"));
                    }
                }
                Ok(_) => {}
                Err(e) => skipped.push(AddResult::skipped(
                    e.path().map(|p| p.display().to_string()).unwrap_or_default(),
                    e.to_string(),
                )),
            }
        }
    }
    for caption in captions {
        let name = caption.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let owner = sidecars::owner_stems(&name).into_iter().find_map(|(stem, _)| {
            files
                .iter()
                .find(|f| f.parent() == caption.parent() && f.file_stem().is_some_and(|s| s.to_string_lossy() == stem))
        });
        skipped.push(match owner {
            Some(media) => AddResult {
                path: caption.display().to_string(),
                id: None,
                outcome: AddOutcome::Captions,
                reason: Some(format!(
                    "captions for {}",
                    media.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
                )),
            },
            None => AddResult::skipped(
                caption.display().to_string(),
                "a caption file with no video or audio file of the same name beside it",
            ),
        });
    }
    (files, skipped)
}

/// Probes and queues the files and folders in `paths` with `preset`; returns what happened to
/// each file, skipped ones included (with the reason). Files that are not media are not kept.
pub async fn add_paths(store: &Store, data_dir: &Path, paths: &[PathBuf], preset: &str) -> Vec<AddResult> {
    let (files, mut results) = collect_files(paths);
    let added: Vec<AddResult> = futures::stream::iter(files)
        .map(|file| add_file(store, data_dir, file, preset))
        .buffered(crate::limits::probe_concurrency())
        .collect()
        .await;
    results.extend(added);
    results
}

async fn add_file(store: &Store, data_dir: &Path, file: PathBuf, preset: &str) -> AddResult {
    let shown = file.display().to_string();
    let abs = std::path::absolute(&file).unwrap_or(file);
    let meta = match std::fs::metadata(&abs) {
        Ok(m) => m,
        Err(e) => return AddResult::skipped(shown, format!("cannot read it: {e}")),
    };
    let name = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "source".into());
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    let new = NewAsset {
        source_path: abs.display().to_string(),
        source_name: name,
        size_bytes: meta.len(),
        mtime_ns,
        preset: preset.to_owned(),
    };
    let (rec, fresh) = match store.add_asset(&new) {
        Ok(r) => r,
        Err(e) => return AddResult::skipped(shown, e.to_string()),
    };
    // Sidecars found now are what the asset takes (a re-add refreshes them).
    if let Err(e) = store.set_asset_captions(&rec.id, &sidecars::sidecars_for(&abs)) {
        return AddResult::skipped(shown, e.to_string());
    }
    if !fresh {
        return AddResult { path: shown, id: Some(rec.id), outcome: AddOutcome::AlreadyQueued, reason: None };
    }
    match probe_and_poster(data_dir, &rec.id, &abs).await {
        Ok((json, poster)) => match store.set_asset_probed(&rec.id, &json, poster.as_deref()) {
            Ok(_) => AddResult { path: shown, id: Some(rec.id), outcome: AddOutcome::Added, reason: None },
            Err(e) => AddResult::skipped(shown, e.to_string()),
        },
        Err(e) => {
            // Not media: nothing to keep in the queue.
            if let Err(err) = store.remove_asset(&rec.id) {
                tracing::warn!("could not drop {} from the queue: {err}", rec.id);
            }
            AddResult::skipped(shown, format!("{}; vodstudio takes video and audio files", e.message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_for_media_names_and_files_taken_as_given() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.MOV", "sub/a.mp4", "notes.txt", ".hidden"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let single = dir.path().join("notes.txt");
        let (files, skipped) = collect_files(&[dir.path().to_path_buf(), single.clone()]);
        assert_eq!(files, vec![dir.path().join("b.MOV"), dir.path().join("sub/a.mp4"), single]);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(skipped[0].outcome, AddOutcome::Skipped);
    }
}
