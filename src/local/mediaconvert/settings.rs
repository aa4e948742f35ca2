//! `plan_job`: from a job's settings JSON (console PascalCase or wire camelCase) to a validated
//! [`JobPlan`], with MediaConvert's destination mapping and file naming.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::captions;
use super::codecs;
use super::error::SettingsError;
use super::json::{normalize_keys, Node};
use super::model::{
    CaptionSource, Container, GroupKind, GroupPlan, JobPlan, OutputPlan, VideoCodec,
    RAW_PASSTHROUGH_EXTENSIONS,
};
use crate::limits;

type Res<T> = Result<T, SettingsError>;

/// Validates `settings` and plans the job. `settings` may be a console export
/// (`{"Settings": {...}}`), a CreateJob wire body (`{"settings": {...}, "role": ...}`), or the
/// bare settings object (`{"Inputs": [...], "OutputGroups": [...]}`). `input` replaces
/// `Settings.Inputs[0].FileInput`; destinations `s3://bucket/prefix/` map to
/// `<output_root>/bucket/prefix/`. No file is touched.
pub fn plan_job(settings: &Value, input: &Path, output_root: &Path) -> Res<JobPlan> {
    let normalized = normalize_keys(settings);
    let settings = normalized.get("Settings").unwrap_or(&normalized);
    let root = Node::root(settings, "Settings");
    if !settings.is_object() {
        return Err(root.err("must be an object"));
    }
    for (key, what) in [
        ("AvailBlanking", "avail blanking"),
        ("MotionImageInserter", "motion image inserter"),
        ("KantarWatermark", "Kantar watermarking"),
    ] {
        root.reject(key, what)?;
    }
    let captions = check_inputs(&root, input)?;

    let base_from_input = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            SettingsError::new("Settings.Inputs[0].FileInput", "input has no file name")
        })?;

    let group_nodes = root.array("OutputGroups")?;
    if group_nodes.is_empty() {
        return Err(SettingsError::new(
            "Settings.OutputGroups",
            "at least one output group required",
        ));
    }
    let mut groups = Vec::with_capacity(group_nodes.len());
    for node in &group_nodes {
        groups.push(group(node, &base_from_input, output_root, &captions)?);
    }
    check_unique_files(&groups)?;
    Ok(JobPlan {
        input: input.to_path_buf(),
        output_root: output_root.to_path_buf(),
        groups,
        captions,
    })
}

fn check_inputs(root: &Node<'_>, input_path: &Path) -> Res<Vec<CaptionSource>> {
    let inputs = root.array("Inputs")?;
    match inputs.len() {
        1 => {}
        0 => return Err(SettingsError::new("Settings.Inputs", "one input required")),
        _ => return Err(inputs[1].err("more than one input (stitching) not supported")),
    }
    let input = &inputs[0];
    for (key, what) in [
        ("InputClippings", "input clipping"),
        ("ImageInserter", "image inserter"),
        ("Crop", "input cropping"),
        ("Position", "input positioning"),
        ("VideoOverlays", "video overlays"),
        ("SupplementalImps", "supplemental IMPs"),
    ] {
        input.reject(key, what)?;
    }
    captions::selectors(input, input_path)
}

fn group(
    node: &Node<'_>,
    input_base: &str,
    output_root: &Path,
    captions: &[CaptionSource],
) -> Res<GroupPlan> {
    node.reject("AutomatedEncodingSettings", "automated ABR")?;
    let ogs = node.require("OutputGroupSettings")?;
    ogs.require("Type")?;
    let ty = ogs.enum_of(
        "Type",
        &[
            "HLS_GROUP_SETTINGS",
            "DASH_ISO_GROUP_SETTINGS",
            "FILE_GROUP_SETTINGS",
        ],
    )?;
    let (kind, settings) = match ty {
        Some("HLS_GROUP_SETTINGS") => {
            let s = ogs.require("HlsGroupSettings")?;
            common_packaging(&s)?;
            s.enum_of("SegmentControl", &["SEGMENTED_FILES"])?;
            s.enum_of("DirectoryStructure", &["SINGLE_DIRECTORY"])?;
            s.enum_of("OutputSelection", &["MANIFESTS_AND_SEGMENTS"])?;
            s.enum_of("StreamInfResolution", &["INCLUDE"])?;
            let integer = s.enum_of("ManifestDurationFormat", &["FLOATING_POINT", "INTEGER"])?;
            let kind = GroupKind::HlsGroup {
                segment_length_s: seconds(&s, "SegmentLength")?
                    .unwrap_or(limits::ENGINE_HLS_DEFAULT_SEGMENT_S),
                min_segment_length_s: seconds(&s, "MinSegmentLength")?.unwrap_or(0.0),
                integer_durations: integer == Some("INTEGER"),
            };
            (kind, s)
        }
        Some("DASH_ISO_GROUP_SETTINGS") => {
            let s = ogs.require("DashIsoGroupSettings")?;
            common_packaging(&s)?;
            s.enum_of("SegmentControl", &["SEGMENTED_FILES"])?;
            let kind = GroupKind::DashIsoGroup {
                segment_length_s: seconds(&s, "SegmentLength")?
                    .unwrap_or(limits::ENGINE_DASH_DEFAULT_SEGMENT_S),
                fragment_length_s: seconds(&s, "FragmentLength")?
                    .unwrap_or(limits::ENGINE_DASH_DEFAULT_FRAGMENT_S),
            };
            (kind, s)
        }
        _ => (GroupKind::FileGroup, ogs.require("FileGroupSettings")?),
    };
    let destination = settings.require("Destination")?;
    let destination_url = settings.str("Destination")?.unwrap_or_default();
    let (dir, base) = map_destination(&destination, destination_url, input_base, output_root)?;

    let output_nodes = node.array("Outputs")?;
    if output_nodes.is_empty() {
        return Err(SettingsError::new(
            format!("{}.Outputs", node.path),
            "at least one output required",
        ));
    }
    let mut outputs = Vec::with_capacity(output_nodes.len());
    for out in &output_nodes {
        outputs.push(output(out, &kind, output_nodes.len(), captions)?);
    }
    if outputs.iter().all(|o| o.captions.is_some()) {
        return Err(SettingsError::new(
            format!("{}.Outputs", node.path),
            "a group of caption outputs alone not supported (captions join video or audio)",
        ));
    }
    let name = match node.str("CustomName")? {
        Some(n) => Some(n.to_string()),
        None => node.str("Name")?.map(str::to_string),
    };
    Ok(GroupPlan {
        path: node.path.clone(),
        name,
        kind,
        destination: destination_url.to_string(),
        dir,
        base,
        outputs,
    })
}

/// Packaging features shared by HLS and DASH that change what is written.
fn common_packaging(s: &Node<'_>) -> Res<()> {
    s.reject("Encryption", "encryption (DRM)")?;
    s.reject("AdditionalManifests", "additional manifests")?;
    s.reject("BaseUrl", "BaseUrl")?;
    Ok(())
}

fn seconds(s: &Node<'_>, key: &str) -> Res<Option<f64>> {
    match s.num(key)? {
        Some(v) if !(0.0..=86_400.0).contains(&v) => Err(SettingsError::new(
            format!("{}.{key}", s.path),
            format!("{v} out of range 0..=86400"),
        )),
        other => Ok(other),
    }
}

/// `s3://bucket/a/b/` → (`<root>/bucket/a/b`, input base); `s3://bucket/a/main` →
/// (`<root>/bucket/a`, `main`). Every component is checked so the result stays under the root.
fn map_destination(
    node: &Node<'_>,
    url: &str,
    input_base: &str,
    output_root: &Path,
) -> Res<(PathBuf, String)> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| node.err(format!("{url} not supported (only s3:// destinations)")))?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty()
        || !bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        || bucket.starts_with('.')
    {
        return Err(node.err(format!("{url}: invalid bucket name")));
    }
    let (prefix, base) = match key.rsplit_once('/') {
        _ if key.is_empty() => ("", input_base.to_string()),
        Some((prefix, "")) => (prefix, input_base.to_string()),
        Some((prefix, base)) => (prefix, base.to_string()),
        None => ("", key.to_string()),
    };
    let mut dir = output_root.join(bucket);
    let parts = if prefix.is_empty() {
        Vec::new()
    } else {
        prefix.split('/').collect()
    };
    for part in parts {
        if part.is_empty() || part == "." || part == ".." || part.contains(['\\', '%']) {
            return Err(node.err(format!("{url}: invalid path component {part:?}")));
        }
        dir.push(part);
    }
    // ffmpeg's muxers read `%` (segment numbers, %v) and `$` (DASH templates) in file names as
    // patterns, and the DASH manifest embeds the name in XML.
    if base.contains(['%', '$', '\\', '&', '<', '>', '"', '\'']) || base == "." || base == ".." {
        return Err(node.err(format!("base file name {base:?} has a character the engine cannot name files with (% $ & < > \" ' \\)")));
    }
    Ok((dir, base))
}

fn output(
    node: &Node<'_>,
    kind: &GroupKind,
    outputs_in_group: usize,
    sources: &[CaptionSource],
) -> Res<OutputPlan> {
    node.reject("Preset", "output presets (put the settings inline)")?;
    let captions = captions::output(node, kind, sources)?;
    let name_modifier = node.str("NameModifier")?.unwrap_or_default().to_string();
    let nm_node = || node.get("NameModifier").unwrap_or_else(|| node.clone());
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.+=@~".contains(c);
    if !name_modifier.chars().all(allowed) {
        return Err(nm_node().err(format!(
            "{name_modifier:?}: only letters, digits and _-.+=@~ supported"
        )));
    }
    let segmented = !matches!(kind, GroupKind::FileGroup);
    if segmented
        && name_modifier.is_empty()
        && (outputs_in_group > 1 || matches!(kind, GroupKind::HlsGroup { .. }))
    {
        // Without it the media playlist / segments of outputs would share one name (and an HLS
        // media playlist would overwrite the master).
        return Err(SettingsError::new(
            format!("{}.NameModifier", node.path),
            "required in HLS and multi-output DASH groups",
        ));
    }

    let cs = node.object("ContainerSettings")?;
    let container_name = match &cs {
        Some(cs) => cs.str("Container")?,
        None => None,
    };
    let container_path = match &cs {
        Some(cs) => format!("{}.Container", cs.path),
        None => format!("{}.ContainerSettings.Container", node.path),
    };
    let unsupported =
        |c: &str| SettingsError::new(container_path.clone(), format!("{c} not supported"));
    let container = match (kind, container_name) {
        (GroupKind::HlsGroup { .. }, None | Some("M3U8")) => Container::M3u8,
        (GroupKind::DashIsoGroup { .. }, None | Some("MPD")) => Container::Mpd,
        (GroupKind::FileGroup, Some("MP4")) => Container::Mp4,
        (GroupKind::FileGroup, Some("MOV")) => Container::Mov,
        (GroupKind::FileGroup, Some("RAW")) => Container::Raw,
        (GroupKind::FileGroup, None) => return Err(SettingsError::new(container_path, "required")),
        (_, Some(c)) => return Err(unsupported(c)),
    };
    if captions.is_some() {
        captions::check_mpd_container(cs.as_ref())?;
        return Ok(OutputPlan {
            path: node.path.clone(),
            name_modifier,
            container,
            extension: if container == Container::Mpd {
                "ttml"
            } else {
                "m3u8"
            }
            .to_string(),
            video: None,
            audio: None,
            captions,
        });
    }

    let video = match node.object("VideoDescription")? {
        Some(desc) => Some(codecs::video(&desc)?),
        None => None,
    };
    let audio = codecs::audio(node)?;
    let codec_path = |v: &super::model::VideoPlan| format!("{}.CodecSettings.Codec", v.path);
    let is_capture = matches!(&video, Some(v) if matches!(v.codec, VideoCodec::FrameCapture(_)));
    if let Some(v) = &video {
        if is_capture && container != Container::Raw {
            return Err(SettingsError::new(
                codec_path(v),
                "FRAME_CAPTURE needs a FILE group with container RAW",
            ));
        }
        if !is_capture && container == Container::Raw {
            return Err(SettingsError::new(
                container_path,
                "RAW with H_264 video not supported",
            ));
        }
    }
    if is_capture && audio.is_some() {
        return Err(SettingsError::new(
            format!("{}.AudioDescriptions", node.path),
            "frame capture outputs carry no audio",
        ));
    }
    if video.is_none() && audio.is_none() {
        return Err(node.err("output has neither VideoDescription nor AudioDescriptions"));
    }
    if container == Container::Mpd && video.is_some() && audio.is_some() {
        // MediaConvert's rule too: a DASH representation carries one track.
        return Err(SettingsError::new(
            format!("{}.AudioDescriptions", node.path),
            "DASH outputs carry video or audio, not both (use separate outputs)",
        ));
    }
    let default_ext = match (container, &audio) {
        (Container::M3u8, _) => "m3u8",
        (Container::Mpd, _) => "mp4",
        (Container::Mp4, _) => "mp4",
        (Container::Mov, _) => "mov",
        (Container::Raw, _) if is_capture => "jpg",
        (Container::Raw, Some(a)) if a.codec == super::model::AudioCodec::Mp3 => "mp3",
        // Named after the input's codec, which only run_job's probe knows.
        (Container::Raw, Some(a)) if a.codec == super::model::AudioCodec::Passthrough => "",
        (Container::Raw, _) => "aac",
    };
    let extension = match node.str("Extension")? {
        Some(ext) if matches!(kind, GroupKind::FileGroup) && !is_capture => {
            let ext = ext.trim_start_matches('.');
            if ext.is_empty() || !ext.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(SettingsError::new(
                    format!("{}.Extension", node.path),
                    format!("{ext:?} not supported"),
                ));
            }
            ext.to_string()
        }
        _ => default_ext.to_string(),
    };
    Ok(OutputPlan {
        path: node.path.clone(),
        name_modifier,
        container,
        extension,
        video,
        audio,
        captions: None,
    })
}

/// Two outputs writing the same file would silently clobber each other: refuse.
fn check_unique_files(groups: &[GroupPlan]) -> Res<()> {
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    for g in groups {
        let mut claims: Vec<(PathBuf, String)> = Vec::new();
        match g.kind {
            GroupKind::HlsGroup { .. } => {
                claims.push((g.dir.join(format!("{}.m3u8", g.base)), g.path.clone()))
            }
            GroupKind::DashIsoGroup { .. } => {
                claims.push((g.dir.join(format!("{}.mpd", g.base)), g.path.clone()))
            }
            GroupKind::FileGroup => {}
        }
        for o in &g.outputs {
            let stem = format!("{}{}", g.base, o.name_modifier);
            let path = format!("{}.NameModifier", o.path);
            if o.extension.is_empty() {
                // RAW passthrough: any of the names the input's codec may give it.
                for (_, ext) in RAW_PASSTHROUGH_EXTENSIONS {
                    claims.push((g.dir.join(format!("{stem}.{ext}")), path.clone()));
                }
            } else {
                claims.push((g.dir.join(format!("{stem}.{}", o.extension)), path));
            }
        }
        for (file, path) in claims {
            if let Some(other) = seen.insert(file.clone(), path.clone()) {
                return Err(SettingsError::new(
                    path,
                    format!("writes {} which {other} also writes", file.display()),
                ));
            }
        }
    }
    Ok(())
}

/// The paths and names the engine writes, as MediaConvert names them.
impl GroupPlan {
    /// HLS master playlist `<base>.m3u8` or DASH manifest `<base>.mpd`.
    pub fn manifest_path(&self) -> Option<PathBuf> {
        match self.kind {
            GroupKind::HlsGroup { .. } => Some(self.dir.join(format!("{}.m3u8", self.base))),
            GroupKind::DashIsoGroup { .. } => Some(self.dir.join(format!("{}.mpd", self.base))),
            GroupKind::FileGroup => None,
        }
    }

    /// `<base><NameModifier>`: the prefix of every file an output writes.
    pub fn output_stem(&self, output: &OutputPlan) -> String {
        format!("{}{}", self.base, output.name_modifier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn preset() -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/web-ladder.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// What aws-sdk-mediaconvert puts on the wire: camelCase members, same enum values.
    fn camel(v: &Value, keep: bool) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let key = if keep {
                            k.clone()
                        } else {
                            k[..1].to_lowercase() + &k[1..]
                        };
                        (key, camel(v, k == "AudioSelectors"))
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|v| camel(v, false)).collect()),
            other => other.clone(),
        }
    }

    fn plan(v: &Value) -> Res<JobPlan> {
        plan_job(v, Path::new("/in/trip.mov"), Path::new("/out"))
    }

    #[test]
    fn console_and_wire_casing_give_the_same_plan() {
        let console = plan(&preset()).unwrap();
        let wire_body = json!({"role": "arn:aws:iam::1:role/x", "settings": camel(&preset()["Settings"], false)});
        let wire = plan(&wire_body).unwrap();
        assert_eq!(
            serde_json::to_value(&console).unwrap(),
            serde_json::to_value(&wire).unwrap()
        );

        let hls = &console.groups[0];
        assert_eq!(hls.dir, Path::new("/out/media-bucket/ASSET/hls"));
        assert_eq!(hls.base, "trip");
        assert_eq!(
            hls.manifest_path().unwrap(),
            Path::new("/out/media-bucket/ASSET/hls/trip.m3u8")
        );
        assert_eq!(
            hls.kind,
            GroupKind::HlsGroup {
                segment_length_s: 6.0,
                min_segment_length_s: 0.0,
                integer_durations: false
            }
        );
        let rung = &hls.outputs[3];
        assert_eq!(hls.output_stem(rung), "trip_1080p");
        let video = rung.video.as_ref().unwrap();
        assert_eq!((video.width_px, video.height_px), (Some(1920), Some(1080)));
        let VideoCodec::H264(h264) = &video.codec else {
            panic!("not H.264")
        };
        assert_eq!(h264.gop, Some(super::super::model::Gop::Seconds(2.0)));
        assert_eq!(h264.rate.peak_bps(), 6_000_000);
        assert_eq!(
            console.groups[3].kind,
            GroupKind::DashIsoGroup {
                segment_length_s: 6.0,
                fragment_length_s: 2.0
            }
        );
    }

    #[test]
    fn destination_with_a_file_name_sets_the_base() {
        let mut v = preset();
        v["Settings"]["OutputGroups"][1]["OutputGroupSettings"]["FileGroupSettings"]
            ["Destination"] = json!("s3://b/x/main");
        let p = plan(&v).unwrap();
        assert_eq!(
            (p.groups[1].dir.as_path(), p.groups[1].base.as_str()),
            (Path::new("/out/b/x"), "main")
        );
    }

    #[test]
    fn bad_settings_name_their_path() {
        let cases = [
            ("/Settings/OutputGroups/0/OutputGroupSettings/HlsGroupSettings/Destination", json!("s3://b/../../etc/"),
             "Settings.OutputGroups[0].OutputGroupSettings.HlsGroupSettings.Destination"),
            ("/Settings/OutputGroups/0/OutputGroupSettings/Type", json!("CMAF_GROUP_SETTINGS"),
             "Settings.OutputGroups[0].OutputGroupSettings.Type"),
            ("/Settings/OutputGroups/0/Outputs/0/VideoDescription/CodecSettings/H264Settings/RateControlMode", json!("ABR"),
             "Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings.RateControlMode"),
            ("/Settings/OutputGroups/0/Outputs/1/NameModifier", json!("_360p"),
             "Settings.OutputGroups[0].Outputs[1].NameModifier"),
            ("/Settings/OutputGroups/3/Outputs/0/AudioDescriptions", json!([{"CodecSettings": {"Codec": "AAC", "AacSettings": {}}}]),
             "Settings.OutputGroups[3].Outputs[0].AudioDescriptions"),
            ("/Settings/OutputGroups/0/Outputs/0/VideoDescription/Width", json!(641),
             "Settings.OutputGroups[0].Outputs[0].VideoDescription.Width"),
        ];
        for (pointer, value, path) in cases {
            let mut v = preset();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            v.pointer_mut(parent).unwrap()[key] = value;
            let err = plan(&v).unwrap_err();
            assert_eq!(err.path, path, "{pointer}: {err}");
        }
    }

    #[test]
    fn audio_passthrough_is_a_stream_copy_named_when_the_input_is_known() {
        let mut v = preset();
        v["Settings"]["OutputGroups"][1]["Outputs"][0] = json!({"NameModifier": "_a",
            "ContainerSettings": {"Container": "RAW"},
            "AudioDescriptions": [{"CodecSettings": {"Codec": "PASSTHROUGH"}}]});
        let p = plan(&v).unwrap();
        let out = &p.groups[1].outputs[0];
        assert_eq!(
            out.audio.as_ref().map(|a| a.codec),
            Some(super::super::model::AudioCodec::Passthrough)
        );
        assert_eq!(out.extension, "");
        v["Settings"]["OutputGroups"][1]["Outputs"][0]["AudioDescriptions"][0]["CodecSettings"]
            ["Codec"] = json!("OPUS");
        assert_eq!(plan(&v).unwrap_err().to_string(),
            "Settings.OutputGroups[1].Outputs[0].AudioDescriptions[0].CodecSettings.Codec: OPUS not supported");
    }

    #[test]
    fn output_changing_features_are_refused_and_metadata_is_ignored() {
        let mut v = preset();
        v["Settings"]["OutputGroups"][1]["Outputs"][0]["VideoDescription"]["VideoPreprocessors"] =
            json!({"Deinterlacer": {}});
        assert_eq!(plan(&v).unwrap_err().to_string(),
            "Settings.OutputGroups[1].Outputs[0].VideoDescription.VideoPreprocessors: video preprocessors not supported");
        let mut v = preset();
        let h264 = &mut v["Settings"]["OutputGroups"][1]["Outputs"][0]["VideoDescription"]
            ["CodecSettings"]["H264Settings"];
        h264["UnregisteredSeiTimecode"] = json!("DISABLED");
        h264["Slices"] = json!(1);
        v["Settings"]["OutputGroups"][1]["Outputs"][0]["VideoDescription"]["AfdSignaling"] =
            json!("NONE");
        v["Settings"]["OutputGroups"][1]["Outputs"][0]["ContainerSettings"]["Mp4Settings"]
            ["CslgAtom"] = json!("INCLUDE");
        plan(&v).unwrap();
    }
}
