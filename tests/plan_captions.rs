//! Sidecar captions in planned jobs: the MediaConvert JSON for HLS, DASH ISO and CMAF groups,
//! and no change at all without captions or for audio-only sources.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::media;
use serde_json::{json, Value};
use vodstudio::media::probe;
use vodstudio::presets::captions::{CaptionFormat, CaptionTrack};
use vodstudio::presets::plan::{plan, PlanRequest, PlannedJob, RungKind};
use vodstudio::presets::{self, Preset};

fn builtin(name: &str) -> Preset {
    presets::builtin()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
}

fn plan_for(file: &str, preset: &Preset, captions: &[CaptionTrack]) -> PlannedJob {
    let path = media(file);
    let info = probe(&path).unwrap();
    let req = PlanRequest {
        asset_id: "a1",
        source_name: file,
        input_url: "s3://watch/inputs/a1/src",
        media_bucket: "media",
        role: None,
        queue: None,
        captions,
    };
    plan(&info, preset, &builtin("audio-only"), &req).unwrap()
}

fn english() -> Vec<CaptionTrack> {
    vec![CaptionTrack {
        url: "s3://watch/inputs/a1/landscape.en.srt".into(),
        language: Some("en".into()),
        format: CaptionFormat::Srt,
    }]
}

fn group<'a>(body: &'a Value, ty: &str) -> &'a Value {
    body["Settings"]["OutputGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["OutputGroupSettings"]["Type"] == ty)
        .unwrap()
}

#[test]
fn captions_add_a_selector_and_one_caption_output_per_streaming_group() {
    let web = builtin("web-ladder");
    let without = plan_for("landscape.mp4", &web, &[]);
    let with = plan_for("landscape.mp4", &web, &english());

    assert_eq!(
        with.body["Settings"]["Inputs"][0]["CaptionSelectors"],
        json!({"Captions Selector 1": {"SourceSettings": {
            "SourceType": "SRT",
            "FileSourceSettings": {"SourceFile": "s3://watch/inputs/a1/landscape.en.srt"}}}})
    );
    let hls = group(&with.body, "HLS_GROUP_SETTINGS");
    assert_eq!(
        hls["Outputs"].as_array().unwrap().last().unwrap(),
        &json!({
            "NameModifier": "_captions_en",
            "ContainerSettings": {"Container": "M3U8"},
            "CaptionDescriptions": [{
                "CaptionSelectorName": "Captions Selector 1",
                "CustomLanguageCode": "en",
                "LanguageDescription": "English",
                "DestinationSettings": {"DestinationType": "WEBVTT", "WebvttDestinationSettings": {}}
            }]
        })
    );
    let dash = group(&with.body, "DASH_ISO_GROUP_SETTINGS");
    assert_eq!(
        dash["Outputs"].as_array().unwrap().last().unwrap(),
        &json!({
            "NameModifier": "_captions_en",
            "ContainerSettings": {"Container": "MPD", "MpdSettings": {"CaptionContainerType": "RAW"}},
            "CaptionDescriptions": [{
                "CaptionSelectorName": "Captions Selector 1",
                "CustomLanguageCode": "en",
                "LanguageDescription": "English",
                "DestinationSettings": {"DestinationType": "TTML",
                    "TtmlDestinationSettings": {"StylePassthrough": "DISABLED"}}
            }]
        })
    );
    // File groups (MP4, thumbnails) are unchanged.
    let files = |p: &PlannedJob| -> Vec<Value> {
        p.body["Settings"]["OutputGroups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["OutputGroupSettings"]["Type"] == "FILE_GROUP_SETTINGS")
            .cloned()
            .collect()
    };
    assert_eq!(files(&with), files(&without));

    // Every other key is as planned without captions.
    let mut stripped = with.body.clone();
    stripped["Settings"]["Inputs"][0]
        .as_object_mut()
        .unwrap()
        .remove("CaptionSelectors");
    for g in stripped["Settings"]["OutputGroups"].as_array_mut().unwrap() {
        g["Outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o.get("CaptionDescriptions").is_none());
    }
    assert_eq!(stripped, without.body);

    let captions: Vec<_> = with
        .rungs
        .iter()
        .filter(|r| r.kind == RungKind::Captions)
        .map(|r| (r.group_type.as_str(), r.name_modifier.as_deref()))
        .collect();
    assert_eq!(
        captions,
        [
            ("HLS_GROUP_SETTINGS", Some("_captions_en")),
            ("DASH_ISO_GROUP_SETTINGS", Some("_captions_en"))
        ]
    );
    assert_eq!(with.rungs.len(), without.rungs.len() + 2);
}

#[test]
fn cmaf_groups_take_webvtt_and_unnamed_tracks_get_distinct_names() {
    let mut web = builtin("web-ladder");
    web.job["Settings"]["OutputGroups"][0]["OutputGroupSettings"] = json!({
        "Type": "CMAF_GROUP_SETTINGS",
        "CmafGroupSettings": {"Destination": "s3://media-bucket/ASSET/cmaf/", "SegmentLength": 6}
    });
    let tracks = vec![
        CaptionTrack {
            url: "s3://w/a.vtt".into(),
            language: None,
            format: CaptionFormat::Webvtt,
        },
        CaptionTrack {
            url: "s3://w/a.srt".into(),
            language: None,
            format: CaptionFormat::Srt,
        },
    ];
    let p = plan_for("landscape.mp4", &web, &tracks);
    let cmaf = group(&p.body, "CMAF_GROUP_SETTINGS");
    let outs = cmaf["Outputs"].as_array().unwrap();
    let names: Vec<&str> = outs[outs.len() - 2..]
        .iter()
        .map(|o| o["NameModifier"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["_captions", "_captions_2"]);
    assert_eq!(
        outs[outs.len() - 1]["ContainerSettings"],
        json!({"Container": "CMFC"})
    );
    assert_eq!(
        outs[outs.len() - 1]["CaptionDescriptions"][0]["DestinationSettings"]["DestinationType"],
        "WEBVTT"
    );
    assert_eq!(
        outs[outs.len() - 1]["CaptionDescriptions"][0]["CaptionSelectorName"],
        "Captions Selector 2"
    );
    assert!(outs[outs.len() - 1]["CaptionDescriptions"][0]
        .get("CustomLanguageCode")
        .is_none());
    assert_eq!(
        p.body["Settings"]["Inputs"][0]["CaptionSelectors"]["Captions Selector 1"]
            ["SourceSettings"]["SourceType"],
        "WEBVTT"
    );
}

#[test]
fn audio_only_sources_and_file_only_presets_take_no_captions() {
    let audio = plan_for("audio.mp3", &builtin("web-ladder"), &english());
    assert!(audio.audio_only);
    assert_eq!(
        audio.body,
        plan_for("audio.mp3", &builtin("web-ladder"), &[]).body
    );
    assert!(
        audio
            .notes
            .iter()
            .any(|n| n.contains("caption file left out")),
        "{:?}",
        audio.notes
    );
    assert!(audio.rungs.iter().all(|r| r.kind != RungKind::Captions));

    let mp4 = plan_for("landscape.mp4", &builtin("mp4-ladder"), &english());
    assert_eq!(
        mp4.body,
        plan_for("landscape.mp4", &builtin("mp4-ladder"), &[]).body
    );
    assert!(
        mp4.notes
            .iter()
            .any(|n| n.contains("has no HLS, DASH or CMAF group")),
        "{:?}",
        mp4.notes
    );
}
