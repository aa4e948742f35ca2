//! Sidecar captions: which caption selectors and caption-only outputs the engine accepts
//! (validated with the rest of the settings), and writing them after the media is packaged.
//!
//! The supported subset is what MediaConvert does for sidecar SRT/WebVTT input: a selector with
//! `FileSourceSettings.SourceFile`, and caption-only outputs — WebVTT in HLS groups (a segmented
//! subtitles rendition), TTML in DASH ISO groups (one sidecar file, `CaptionContainerType` RAW).
//! Embedded, burn-in, SCC, teletext and the rest are refused with their JSON path.

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::command::SourceInfo;
use super::error::{EngineError, SettingsError};
use super::json::Node;
use super::model::{
    CaptionDestination, CaptionFormat, CaptionPlan, CaptionSource, GroupKind, JobPlan,
};
use super::vtt;

type Res<T> = Result<T, SettingsError>;

/// Dir (next to the input) where the caller puts the sidecars `plan_job` names.
pub(crate) const SIDECAR_DIR: &str = ".captions";

/// `Inputs[0].CaptionSelectors`: sidecar selectors only. Sidecars are named
/// `<input dir>/.captions/<n>.<srt|vtt>` in selector-name order.
pub(crate) fn selectors(input: &Node<'_>, input_path: &Path) -> Res<Vec<CaptionSource>> {
    let Some(map) = input.object("CaptionSelectors")? else {
        return Ok(Vec::new());
    };
    let serde_json::Value::Object(entries) = map.value else {
        return Ok(Vec::new());
    };
    let dir = input_path
        .parent()
        .map_or_else(|| PathBuf::from(SIDECAR_DIR), |p| p.join(SIDECAR_DIR));
    let mut sources = Vec::with_capacity(entries.len());
    for (i, (name, value)) in entries.iter().enumerate() {
        let node = Node {
            value,
            path: format!("{}.{name}", map.path),
        };
        if !value.is_object() {
            return Err(node.err("must be an object"));
        }
        let ss = node.require("SourceSettings")?;
        for (key, what) in [
            ("AncillarySourceSettings", "ancillary captions"),
            ("DvbSubSourceSettings", "DVB-Sub captions"),
            ("EmbeddedSourceSettings", "embedded captions"),
            ("TeletextSourceSettings", "teletext captions"),
            ("TrackSourceSettings", "IMF track captions"),
            ("WebvttHlsSourceSettings", "WebVTT captions in an HLS input"),
        ] {
            ss.reject(key, what)?;
        }
        ss.require("SourceType")?;
        let format = match ss.enum_of("SourceType", &["SRT", "WEBVTT"])? {
            Some("SRT") => CaptionFormat::Srt,
            _ => CaptionFormat::Webvtt,
        };
        let fss = ss.require("FileSourceSettings")?;
        for (key, what) in [
            ("TimeDelta", "caption time delta"),
            ("Convert608To708", "608 to 708 upconversion"),
            ("Framerate", "caption frame rate"),
            ("UpconvertSTLToTeletext", "STL to teletext"),
        ] {
            fss.reject(key, what)?;
        }
        let url = fss.require("SourceFile")?;
        let url_str = fss.str("SourceFile")?.unwrap_or_default();
        if !url_str.starts_with("s3://") {
            return Err(url.err(format!(
                "{url_str} not supported (only s3:// sidecar files)"
            )));
        }
        let ext = match format {
            CaptionFormat::Srt => "srt",
            CaptionFormat::Webvtt => "vtt",
        };
        sources.push(CaptionSource {
            path: node.path.clone(),
            name: name.clone(),
            url: url_str.to_string(),
            file: dir.join(format!("{}.{ext}", i + 1)),
            format,
        });
    }
    Ok(sources)
}

/// An output's `CaptionDescriptions`: None when it has none. A captioned output must be
/// caption-only with exactly one description, WebVTT in HLS or TTML in DASH.
pub(crate) fn output(
    node: &Node<'_>,
    kind: &GroupKind,
    sources: &[CaptionSource],
) -> Res<Option<CaptionPlan>> {
    let descriptions = node.array("CaptionDescriptions")?;
    let Some(desc) = descriptions.first() else {
        return Ok(None);
    };
    if descriptions.len() > 1 {
        return Err(descriptions[1].err("one caption track per output supported"));
    }
    for key in ["VideoDescription", "AudioDescriptions"] {
        if node.get(key).is_some() {
            return Err(desc.err(format!(
                "captions in an output with {key} (embedded or burn-in) not supported; put \
                 sidecar captions in an output of their own"
            )));
        }
    }
    let selector = desc.require("CaptionSelectorName")?;
    let name = desc.str("CaptionSelectorName")?.unwrap_or_default();
    let source = sources
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| selector.err(format!("no sidecar caption selector named {name:?}")))?;
    let dest = desc.require("DestinationSettings")?;
    dest.require("DestinationType")?;
    let (wanted, settings_key) = match kind {
        GroupKind::HlsGroup { .. } => ("WEBVTT", "WebvttDestinationSettings"),
        GroupKind::DashIsoGroup { .. } => ("TTML", "TtmlDestinationSettings"),
        GroupKind::FileGroup => {
            return Err(desc.err("sidecar captions in FILE groups not supported"));
        }
    };
    let ty = dest.str("DestinationType")?.unwrap_or_default();
    if ty != wanted {
        return Err(SettingsError::new(
            format!("{}.DestinationType", dest.path),
            format!("{ty} not supported in this group (only {wanted})"),
        ));
    }
    if let Some(s) = dest.object(settings_key)? {
        s.enum_of("StylePassthrough", &["DISABLED"])?;
        s.enum_of("Accessibility", &["DISABLED"])?;
    }
    let language = match desc.str("CustomLanguageCode")? {
        Some(code) => Some(code.to_string()),
        None => desc.str("LanguageCode")?.map(str::to_ascii_lowercase),
    };
    if let Some(code) = &language {
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(desc.err(format!("language code {code:?} not supported")));
        }
    }
    let description = desc.str("LanguageDescription")?.map(str::to_string);
    if description
        .as_deref()
        .is_some_and(|d| d.contains(['"', '\n', '\r']))
    {
        return Err(SettingsError::new(
            format!("{}.LanguageDescription", desc.path),
            "quotes and line breaks not supported",
        ));
    }
    Ok(Some(CaptionPlan {
        path: desc.path.clone(),
        source,
        language,
        description,
        destination: match kind {
            GroupKind::HlsGroup { .. } => CaptionDestination::Webvtt,
            _ => CaptionDestination::Ttml,
        },
    }))
}

/// DASH caption outputs: `MpdSettings.CaptionContainerType` must be RAW (one sidecar file).
pub(crate) fn check_mpd_container(cs: Option<&Node<'_>>) -> Res<()> {
    if let Some(mpd) = cs.map(|cs| cs.object("MpdSettings")).transpose()?.flatten() {
        mpd.enum_of("CaptionContainerType", &["RAW"])?;
    }
    Ok(())
}

/// Writes every caption output (after the media is packaged and DASH files are renamed) and
/// adds them to their group's manifest.
pub(crate) async fn write(
    plan: &JobPlan,
    src: SourceInfo,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    for group in &plan.groups {
        let captioned: Vec<_> = group
            .outputs
            .iter()
            .filter_map(|o| o.captions.as_ref().map(|c| (o, c)))
            .collect();
        if captioned.is_empty() {
            continue;
        }
        let mut tracks = Vec::new();
        for (output, caption) in captioned {
            let source = &plan.captions[caption.source];
            let stem = group.output_stem(output);
            match caption.destination {
                CaptionDestination::Webvtt => {
                    let full = group.dir.join(format!("{stem}.full.vtt.tmp"));
                    convert(plan, source, "webvtt", &full, cancel).await?;
                    let text =
                        std::fs::read_to_string(&full).map_err(|e| EngineError::io(&full, &e));
                    let _ = std::fs::remove_file(&full);
                    let cues = vtt::parse(&text?);
                    vtt::write_hls_rendition(group, &stem, &cues, src.duration_s)?;
                }
                CaptionDestination::Ttml => {
                    let file = group.dir.join(format!("{stem}.ttml"));
                    convert(plan, source, "ttml", &file, cancel).await?;
                }
            }
            tracks.push(vtt::Track {
                stem,
                language: caption.language.clone(),
                name: caption
                    .description
                    .clone()
                    .or_else(|| caption.language.clone())
                    .unwrap_or_else(|| output.name_modifier.clone()),
            });
        }
        match group.kind {
            GroupKind::HlsGroup { .. } => vtt::add_to_master(group, &tracks)?,
            GroupKind::DashIsoGroup { .. } => vtt::add_to_mpd(group, &tracks)?,
            GroupKind::FileGroup => {}
        }
    }
    Ok(())
}

/// One ffmpeg run: the sidecar → `format` (`webvtt` or `ttml`) at `to`.
async fn convert(
    plan: &JobPlan,
    source: &CaptionSource,
    format: &str,
    to: &Path,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let args: Vec<std::ffi::OsString> = vec![
        "-hide_banner".into(),
        "-nostdin".into(),
        "-y".into(),
        "-loglevel".into(),
        "warning".into(),
        "-i".into(),
        source.file.clone().into_os_string(),
        "-map".into(),
        "0:s:0".into(),
        "-c:s".into(),
        format.into(),
        "-f".into(),
        format.into(),
        to.as_os_str().to_owned(),
    ];
    super::run::run_ffmpeg(plan, args, "converting the captions of", cancel, |_, _| {}).await?;
    Ok(())
}
