//! Sidecar caption files: `trip.srt`, `trip.vtt` or `trip.en.srt` beside `trip.mp4` (same stem,
//! same folder, any case of extension) belong to that source instead of being queued.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::presets::captions::CaptionFormat;

/// A caption file attached to an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    pub path: PathBuf,
    /// From a language suffix (`trip.en.srt` → `en`).
    pub language: Option<String>,
    pub format: CaptionFormat,
}

impl Sidecar {
    /// The file's name, which it keeps in S3 next to the source.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| "captions".into(), |n| n.to_string_lossy().into_owned())
    }
}

/// Whether `name` looks like a caption file (`.srt` or `.vtt`, any case).
pub fn is_caption_file_name(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| CaptionFormat::from_extension(ext).is_some())
}

/// For a caption file name, the stems of the sources it may belong to with the language each
/// reading gives: `trip.en.srt` → [(`trip.en`, None), (`trip`, Some("en"))].
pub fn owner_stems(name: &str) -> Vec<(String, Option<String>)> {
    let Some((rest, ext)) = name.rsplit_once('.') else {
        return Vec::new();
    };
    if CaptionFormat::from_extension(ext).is_none() || rest.is_empty() {
        return Vec::new();
    }
    let mut stems = vec![(rest.to_string(), None)];
    if let Some((stem, lang)) = rest.rsplit_once('.') {
        if !stem.is_empty() && is_language_code(lang) {
            stems.push((stem.to_string(), Some(lang.to_ascii_lowercase())));
        }
    }
    stems
}

/// `en`, `eng`, `pt-BR`: two or three letters, optionally a region or script subtag.
fn is_language_code(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The sidecars beside `media`, in name order.
pub fn sidecars_for(media: &Path) -> Vec<Sidecar> {
    let (Some(dir), Some(stem)) = (media.parent(), media.file_stem()) else {
        return Vec::new();
    };
    let stem = stem.to_string_lossy();
    // `trip.mp4` has the parent "", which read_dir does not take for the current dir.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<Sidecar> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (_, language) = owner_stems(&name).into_iter().find(|(s, _)| *s == stem)?;
            let ext = name.rsplit_once('.').map(|(_, x)| x.to_string())?;
            Some(Sidecar {
                path: e.path(),
                language,
                format: CaptionFormat::from_extension(&ext)?,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_languages() {
        assert_eq!(owner_stems("trip.SRT"), vec![("trip".into(), None)]);
        assert_eq!(
            owner_stems("trip.en.vtt"),
            vec![("trip.en".into(), None), ("trip".into(), Some("en".into()))]
        );
        assert_eq!(owner_stems("trip.mp4"), vec![]);
        assert!(is_caption_file_name("a.Vtt"));
    }

    #[test]
    fn sidecars_are_found_beside_the_source() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "clip.mp4",
            "clip.en.srt",
            "clip.VTT",
            "clipper.srt",
            "other.srt",
        ] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let found = sidecars_for(&dir.path().join("clip.mp4"));
        let names: Vec<(String, Option<String>)> = found
            .iter()
            .map(|s| (s.file_name(), s.language.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("clip.VTT".into(), None),
                ("clip.en.srt".into(), Some("en".into()))
            ]
        );
        assert_eq!(found[0].format, CaptionFormat::Webvtt);
    }
}
