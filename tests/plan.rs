//! Ladder planning on real files (probed with the real probe), the `plan` command, and the
//! audio-only preset run through the local engine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use common::{ffmpeg, media, ok, tempdir, vodstudio};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use vodstudio::local::mediaconvert::{plan_job, run_job};
use vodstudio::media::{self, MediaInfo};
use vodstudio::presets::plan::{plan, PlanError, PlanRequest, PlannedJob, RungKind};
use vodstudio::presets::{self, Preset};

const ASSET: &str = "asset-1";
const MEDIA: &str = "media";
const ROLE: &str = "arn:aws:iam::123456789012:role/MediaConvert";

/// Sources this suite needs beyond the shared fixtures, made once per test binary.
fn extra(name: &str) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap();
    let path = DIR.get_or_init(tempdir).path().join(name);
    if path.exists() {
        return path;
    }
    let o = path.to_str().unwrap();
    let video = |size: &str| format!("testsrc2=size={size}:rate=5:duration=1");
    let x264 = [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
    ];
    match name {
        "4k.mp4" => {
            ffmpeg(&[&["-f", "lavfi", "-i", &video("3840x2160")][..], &x264, &[o]].concat())
        }
        "tall.mp4" => {
            ffmpeg(&[&["-f", "lavfi", "-i", &video("1080x1920")][..], &x264, &[o]].concat())
        }
        "480p.mp4" => ffmpeg(
            &[
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    &video("640x480"),
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=duration=1",
                ][..],
                &x264,
                &["-c:a", "aac", "-shortest", o],
            ]
            .concat(),
        ),
        "subtitles-only.mkv" => {
            let srt = path.with_extension("srt");
            std::fs::write(&srt, "1\n00:00:00,000 --> 00:00:01,000\nHello\n\n").unwrap();
            ffmpeg(&[
                "-i",
                srt.to_str().unwrap(),
                "-c:s",
                "srt",
                "-f",
                "matroska",
                o,
            ]);
        }
        other => panic!("unknown extra media {other}"),
    }
    path
}

fn builtin(name: &str) -> Preset {
    presets::builtin()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
}

fn input_url(file: &Path) -> String {
    format!(
        "s3://watch/inputs/{ASSET}/{}",
        file.file_name().unwrap().to_str().unwrap()
    )
}

fn plan_with(file: &Path, preset: &Preset) -> Result<PlannedJob, PlanError> {
    let info = media::probe(file).unwrap();
    let name = file.file_name().unwrap().to_str().unwrap();
    let url = input_url(file);
    let req = PlanRequest {
        asset_id: ASSET,
        source_name: name,
        input_url: &url,
        media_bucket: MEDIA,
        role: Some(ROLE),
        queue: None,
        captions: &[],
    };
    plan(&info, preset, &builtin("audio-only"), &req)
}

fn plan_for(file: &Path, preset: &str) -> PlannedJob {
    plan_with(file, &builtin(preset)).unwrap()
}

/// (NameModifier, Width, Height) of the video outputs of the group with this CustomName.
fn sizes(job: &PlannedJob, group: &str) -> Vec<(String, u64, u64)> {
    let groups = job.body["Settings"]["OutputGroups"].as_array().unwrap();
    let g = groups
        .iter()
        .find(|g| g["CustomName"] == group)
        .unwrap_or_else(|| panic!("no group {group}"));
    g["Outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["VideoDescription"].is_object())
        .map(|o| {
            let v = &o["VideoDescription"];
            (
                o["NameModifier"].as_str().unwrap().to_string(),
                v["Width"].as_u64().unwrap(),
                v["Height"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn s(name: &str, w: u64, h: u64) -> (String, u64, u64) {
    (name.to_string(), w, h)
}

fn every_output(job: &PlannedJob) -> Vec<&Value> {
    let groups = job.body["Settings"]["OutputGroups"].as_array().unwrap();
    groups
        .iter()
        .flat_map(|g| g["Outputs"].as_array().unwrap())
        .collect()
}

fn assert_even(job: &PlannedJob) {
    for r in &job.rungs {
        if let (Some(w), Some(h)) = (r.width_px, r.height_px) {
            assert!(w % 2 == 0 && h % 2 == 0, "odd size {w}x{h} in {job:#?}");
        }
    }
}

#[test]
fn a_720p_source_gets_no_1080p_rung() {
    let job = plan_for(&media("landscape.mp4"), "web-ladder");
    assert_eq!(
        sizes(&job, "hls"),
        [
            s("_360p", 640, 360),
            s("_540p", 960, 540),
            s("_720p", 1280, 720)
        ]
    );
    assert_eq!(
        sizes(&job, "dash"),
        [s("_360p", 640, 360), s("_720p", 1280, 720)]
    );
    assert_eq!(sizes(&job, "mp4"), [s("_720p", 1280, 720)]);
    assert_eq!(sizes(&job, "thumbnails"), [s("_thumb", 320, 180)]);
    assert_eq!(
        job.notes,
        ["hls _1080p (1920x1080) dropped: above the 1280x720 source"]
    );
    assert!(!job.audio_only);
    assert_eq!(job.preset, "web-ladder");
    // Rungs report what will be produced, in order, with bitrates.
    let hls: Vec<_> = job.rungs.iter().filter(|r| r.group == "hls").collect();
    assert_eq!(hls.len(), 3);
    assert_eq!(
        (
            hls[2].width_px,
            hls[2].video_bitrate_bps,
            hls[2].audio_bitrate_bps
        ),
        (Some(1280), Some(4_000_000), Some(128_000))
    );
    assert_eq!(hls[2].group_type, "HLS_GROUP_SETTINGS");
    let dash_audio = job
        .rungs
        .iter()
        .find(|r| r.group == "dash" && r.kind == RungKind::Audio)
        .unwrap();
    assert_eq!(dash_audio.audio_codec.as_deref(), Some("AAC"));
}

#[test]
fn a_4k_source_keeps_the_top_rung_of_the_template() {
    let job = plan_for(&extra("4k.mp4"), "web-ladder");
    let hls = sizes(&job, "hls");
    assert_eq!(hls.len(), 4);
    assert_eq!(hls[3], s("_1080p", 1920, 1080));
    assert_eq!(sizes(&job, "thumbnails"), [s("_thumb", 320, 180)]);
    assert!(
        !job.notes.iter().any(|n| n.contains("1080")),
        "{:?}",
        job.notes
    );
}

#[test]
fn portrait_sources_are_laddered_by_their_short_side() {
    // A phone clip: stored 1280x720 with a 90° display matrix.
    let phone = plan_for(&media("portrait.mp4"), "web-ladder");
    assert_eq!(
        sizes(&phone, "hls"),
        [
            s("_360p", 360, 640),
            s("_540p", 540, 960),
            s("_720p", 720, 1280)
        ]
    );
    assert_eq!(sizes(&phone, "thumbnails"), [s("_thumb", 180, 320)]);
    assert!(
        phone
            .notes
            .iter()
            .any(|n| n == "hls _720p: 1280x720 → 720x1280 to follow the 720x1280 source"),
        "{:?}",
        phone.notes
    );
    assert_even(&phone);

    // Truly 1080x1920 pixels: every rung, 1080p included.
    let tall = plan_for(&extra("tall.mp4"), "mp4-ladder");
    assert_eq!(
        sizes(&tall, "mp4"),
        [
            s("_360p", 360, 640),
            s("_540p", 540, 960),
            s("_720p", 720, 1280),
            s("_1080p", 1080, 1920)
        ]
    );
    assert_even(&tall);
}

#[test]
fn odd_and_4_3_sources_get_even_sizes_in_their_aspect() {
    let odd = plan_for(&media("odd.mp4"), "web-ladder"); // 853x481
    assert_eq!(sizes(&odd, "hls"), [s("_360p", 638, 360)]);
    assert_eq!(sizes(&odd, "thumbnails"), [s("_thumb", 320, 180)]);
    assert_even(&odd);

    let sd = plan_for(&extra("480p.mp4"), "web-ladder"); // 640x480
    assert_eq!(sizes(&sd, "hls"), [s("_360p", 480, 360)]);
    assert_eq!(sizes(&sd, "dash"), [s("_360p", 480, 360)]);
    assert_eq!(sizes(&sd, "thumbnails"), [s("_thumb", 240, 180)]);
    // The 720p MP4 is above a 480p source; being its group's only rung, it stays at source size.
    assert_eq!(sizes(&sd, "mp4"), [s("_720p", 640, 480)]);
}

#[test]
fn a_source_below_every_rung_keeps_one_rung_at_its_own_size() {
    let job = plan_for(&media("short.mp4"), "web-ladder"); // 320x240, no audio
    assert_eq!(sizes(&job, "hls"), [s("_360p", 320, 240)]);
    assert_eq!(sizes(&job, "mp4"), [s("_720p", 320, 240)]);
    assert_eq!(sizes(&job, "dash"), [s("_360p", 320, 240)]);
    assert_eq!(sizes(&job, "thumbnails"), [s("_thumb", 240, 180)]);
    assert!(
        job.notes
            .iter()
            .any(|n| n.contains("smaller than every rung")),
        "{:?}",
        job.notes
    );
    // Never upscaled.
    assert!(job
        .rungs
        .iter()
        .all(|r| r.width_px.is_none_or(|w| w <= 320) && r.height_px.is_none_or(|h| h <= 240)));
}

#[test]
fn a_video_without_audio_loses_its_audio_outputs_and_descriptions() {
    let job = plan_for(&media("odd.mp4"), "web-ladder");
    assert!(every_output(&job)
        .iter()
        .all(|o| o.get("AudioDescriptions").is_none()));
    assert!(job
        .rungs
        .iter()
        .all(|r| r.kind != RungKind::Audio && r.audio_codec.is_none()));
    assert!(
        job.notes
            .iter()
            .any(|n| n == "dash _audio dropped: odd.mp4 has no audio"),
        "{:?}",
        job.notes
    );
    assert!(
        job.notes
            .iter()
            .any(|n| n == "odd.mp4 has no audio: AudioDescriptions removed from 2 outputs"),
        "{:?}",
        job.notes
    );
    let input = &job.body["Settings"]["Inputs"][0];
    assert!(input.get("AudioSelectors").is_none() && input["VideoSelector"].is_object());
    // The result is a job the engine accepts.
    plan_job(&job.body, Path::new("/in/odd.mp4"), Path::new("/out")).unwrap();
}

#[test]
fn audio_sources_take_the_audio_preset_mp3_passes_through_and_wav_becomes_aac() {
    let mp3 = plan_for(&media("audio.mp3"), "web-ladder");
    assert!(mp3.audio_only);
    assert_eq!(mp3.preset, "audio-only");
    let outputs = every_output(&mp3);
    assert_eq!(outputs.len(), 1);
    assert_eq!(
        outputs[0]["AudioDescriptions"][0]["CodecSettings"],
        json!({"Codec": "PASSTHROUGH"})
    );
    assert_eq!(outputs[0]["ContainerSettings"], json!({"Container": "RAW"}));
    assert_eq!(outputs[0]["Extension"], "mp3");
    assert_eq!(mp3.rungs[0].audio_codec.as_deref(), Some("PASSTHROUGH"));

    let wav = plan_for(&media("audio.wav"), "mp4-ladder");
    assert!(wav.audio_only);
    let out = every_output(&wav)[0];
    assert_eq!(out["AudioDescriptions"][0]["CodecSettings"]["Codec"], "AAC");
    assert_eq!(out["ContainerSettings"]["Container"], "MP4");
    assert_eq!(out["Extension"], "m4a");
    assert_eq!(wav.rungs[0].kind, RungKind::Audio);
    assert_eq!(wav.rungs[0].audio_bitrate_bps, Some(128_000));
}

#[test]
fn files_without_video_or_audio_are_refused_with_a_reason() {
    // Text is not media at all: the probe refuses it before planning.
    let err = media::probe(&media("text.mp4")).unwrap_err();
    assert_eq!(err.kind(), "not_media");
    // A container with only subtitles: refused by the probe or by the planner, never planned.
    let subs = extra("subtitles-only.mkv");
    if let Ok(info) = media::probe(&subs) {
        let err = plan_info(&info).unwrap_err();
        assert_eq!(err.kind(), "no_media_streams");
    }
    // And by the planner whatever the probe makes of such a file.
    let info: MediaInfo = serde_json::from_value(json!({
        "path": "notes.mkv", "kind": "video", "container": "mkv", "format_name": "matroska,webm",
        "format_long_name": null, "duration_s": 1.0, "size_bytes": 100, "bit_rate_bps": null,
        "streams": [{"index": 0, "codec": "subrip", "codec_long_name": null, "profile": null, "language": null,
                     "title": null, "bit_rate_bps": null, "duration_s": null, "default": true, "type": "subtitle"}]
    }))
    .unwrap();
    let err = plan_info(&info).unwrap_err();
    assert_eq!(err.kind(), "no_media_streams");
    assert_eq!(
        err.to_string(),
        "notes.mkv: has no video or audio stream, so there is nothing to transcode"
    );
}

fn plan_info(info: &MediaInfo) -> Result<PlannedJob, PlanError> {
    let req = PlanRequest {
        asset_id: ASSET,
        source_name: "notes.mkv",
        input_url: "s3://w/n.mkv",
        media_bucket: MEDIA,
        role: None,
        queue: None,
        captions: &[],
    };
    plan(info, &builtin("web-ladder"), &builtin("audio-only"), &req)
}

#[test]
fn destinations_input_and_user_metadata_are_filled_in() {
    let job = plan_for(&media("landscape.mp4"), "web-ladder");
    let b = &job.body;
    assert_eq!(
        b["Settings"]["Inputs"][0]["FileInput"],
        format!("s3://watch/inputs/{ASSET}/landscape.mp4")
    );
    assert_eq!(b["Role"], ROLE);
    assert!(b.get("Queue").is_none());
    assert_eq!(
        b["UserMetadata"],
        json!({"asset_id": ASSET, "app": "vodstudio", "source": "landscape.mp4"})
    );
    let destinations: Vec<&str> = b["Settings"]["OutputGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let ogs = g["OutputGroupSettings"].as_object().unwrap();
            let settings = ogs
                .iter()
                .find(|(k, _)| k.ends_with("GroupSettings"))
                .unwrap()
                .1;
            settings["Destination"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        destinations,
        [
            "s3://media/asset-1/hls/",
            "s3://media/asset-1/mp4/",
            "s3://media/asset-1/thumbnails/",
            "s3://media/asset-1/dash/"
        ]
    );
    // Template-only keys of the console export never reach the body.
    assert!(
        b.get("Name").is_none() && b.get("Description").is_none() && b.get("Category").is_none()
    );
}

/// A template with keys the planner has no business with: every one of them must come out as it
/// went in, and nothing else may change but what the planner fills in.
#[test]
fn every_key_of_an_unusual_template_survives_planning() {
    let template: Value = serde_json::from_str(
        r#"{
        "Name": "house-style", "Description": "ours", "Category": "team", "Type": "CUSTOM",
        "Arn": "arn:aws:mediaconvert:us-east-1:1:jobTemplates/house-style", "CreatedAt": "2024-01-01T00:00:00Z",
        "Queue": "arn:aws:mediaconvert:us-east-1:1:queues/Default",
        "Priority": 5,
        "StatusUpdateInterval": "SECONDS_10",
        "AccelerationSettings": {"Mode": "PREFERRED"},
        "HopDestinations": [{"WaitMinutes": 5}],
        "BillingTagsSource": "JOB",
        "UserMetadata": {"team": "video", "asset_id": "stale"},
        "SomeFutureMember": {"Nested": [1, 2, {"Deep": true}]},
        "Settings": {
            "TimecodeConfig": {"Source": "EMBEDDED", "Anchor": "00:00:00:00"},
            "AdAvailOffset": 0,
            "FollowSource": 1,
            "Inputs": [{
                "FileInput": "s3://x/y.mov", "TimecodeSource": "EMBEDDED", "DeblockFilter": "DISABLED",
                "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT", "Offset": 0}},
                "VideoSelector": {"ColorSpace": "FOLLOW"}
            }],
            "OutputGroups": [{
                "Name": "File Group", "CustomName": "files", "AutomatedEncodingSettings": null,
                "UnknownGroupKey": "kept",
                "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {
                    "Destination": "s3://their-bucket/some/prefix/",
                    "DestinationSettings": {"S3Settings": {"AccessControl": {"CannedAcl": "BUCKET_OWNER_FULL_CONTROL"}}}}},
                "Outputs": [
                    {"NameModifier": "_sd", "Extension": "mp4", "UnknownOutputKey": [true],
                     "ContainerSettings": {"Container": "MP4", "Mp4Settings": {"CslgAtom": "INCLUDE", "FreeSpaceBox": "EXCLUDE"}},
                     "VideoDescription": {"Width": 640, "Height": 360, "AfdSignaling": "NONE", "Sharpness": 50,
                        "CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "CBR", "Bitrate": 1000000,
                            "Slices": 1, "AdaptiveQuantization": "HIGH", "NotARealH264Key": 7}}},
                     "AudioDescriptions": [{"AudioSourceName": "Audio Selector 1", "LanguageCode": "ENG",
                        "AudioNormalizationSettings": {"Algorithm": "ITU_BS_1770_2"},
                        "CodecSettings": {"Codec": "AAC", "AacSettings": {"Bitrate": 96000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000}}}]},
                    {"NameModifier": "_hd", "ContainerSettings": {"Container": "MP4", "Mp4Settings": {}},
                     "VideoDescription": {"Width": 1280, "Height": 720,
                        "CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "CBR", "Bitrate": 3000000}}},
                     "AudioDescriptions": [{"CodecSettings": {"Codec": "AAC", "AacSettings": {"Bitrate": 128000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000}}}]}
                ]
            }]
        }
    }"#,
    )
    .unwrap();
    let dir = tempdir();
    let file = dir.path().join("house.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&template).unwrap()).unwrap();
    let data = dir.path().join("data");
    let preset = presets::import(&data, &file, None).unwrap();
    assert_eq!(preset.name, "house-style");
    assert_eq!(
        (preset.description.as_deref(), preset.category.as_deref()),
        (Some("ours"), Some("team"))
    );

    let job = plan_with(&media("landscape.mp4"), &preset).unwrap();
    let mut expected = template.clone();
    let top = expected.as_object_mut().unwrap();
    for key in [
        "Name",
        "Description",
        "Category",
        "Type",
        "Arn",
        "CreatedAt",
    ] {
        top.remove(key);
    }
    top.insert("Role".into(), json!(ROLE));
    top.insert(
        "UserMetadata".into(),
        json!({"team": "video", "asset_id": ASSET, "app": "vodstudio", "source": "landscape.mp4"}),
    );
    expected["Settings"]["Inputs"][0]["FileInput"] = json!(input_url(&media("landscape.mp4")));
    expected["Settings"]["OutputGroups"][0]["OutputGroupSettings"]["FileGroupSettings"]
        ["Destination"] = json!("s3://media/asset-1/some/prefix/");
    assert_eq!(job.body, expected);
    assert!(job.notes.is_empty(), "{:?}", job.notes);
}

// ---- the CLI ----

#[test]
fn cli_plan_prints_rungs_and_notes_or_the_planned_job() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let src = media("portrait.mp4");
    let human = ok(&vodstudio(
        &data,
        &[
            "plan",
            src.to_str().unwrap(),
            "--asset-id",
            "a1",
            "--preset",
            "web-ladder",
        ],
    ));
    assert!(
        human.contains("720x1280")
            && human.contains("notes:")
            && human.contains("_1080p (1920x1080) dropped"),
        "{human}"
    );

    let json_out = ok(&vodstudio(
        &data,
        &[
            "--json",
            "plan",
            src.to_str().unwrap(),
            "--asset-id",
            "a1",
            "--media-bucket",
            "mine",
            "--role",
            ROLE,
        ],
    ));
    let planned: PlannedJob = serde_json::from_str(&json_out).unwrap();
    assert_eq!(planned.body["Role"], ROLE);
    assert_eq!(planned.body["UserMetadata"]["asset_id"], "a1");
    assert_eq!(
        planned.body["Settings"]["Inputs"][0]["FileInput"],
        "s3://vodstudio-watch/inputs/a1/portrait.mp4"
    );
    assert_eq!(
        planned.body["Settings"]["OutputGroups"][0]["OutputGroupSettings"]["HlsGroupSettings"]
            ["Destination"],
        "s3://mine/a1/hls/"
    );
    // The same plan the library makes.
    assert_eq!(planned.rungs, plan_for(&src, "web-ladder").rungs);

    let bad = vodstudio(&data, &["plan", media("text.mp4").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8(bad.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ") && stderr.contains("not a video or audio file"),
        "{stderr}"
    );
    let unknown = vodstudio(&data, &["plan", src.to_str().unwrap(), "--preset", "nope"]);
    assert!(String::from_utf8(unknown.stderr)
        .unwrap()
        .contains("no preset named \"nope\""));
}

// ---- the audio-only preset through the local engine ----

/// MD5 of the packets of the first audio stream, as stored (no decode).
fn audio_stream_md5(file: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:a:0", "-c", "copy", "-f", "md5", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            found.extend(files(&p));
        } else {
            found.push(p);
        }
    }
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn audio_only_preset_copies_mp3_untouched_and_encodes_wav_to_aac() {
    let root = tempdir();
    for (source, expect_ext, expect_codec) in
        [("audio.mp3", "mp3", "mp3"), ("audio.wav", "m4a", "aac")]
    {
        let input = media(source);
        let job = plan_for(&input, "web-ladder");
        let out_root = root.path().join(source);
        let planned = plan_job(&job.body, &input, &out_root).unwrap();
        run_job(&planned, |_| {}, CancellationToken::new())
            .await
            .unwrap();
        let written = files(&out_root);
        assert_eq!(written.len(), 1, "{written:?}");
        let out = &written[0];
        assert!(
            out.starts_with(out_root.join("media/asset-1/audio")),
            "{}",
            out.display()
        );
        assert_eq!(
            out.file_name().unwrap().to_str().unwrap(),
            format!("audio_audio.{expect_ext}")
        );
        let info = media::probe(out).unwrap();
        assert_eq!(info.audio().unwrap().0.codec, expect_codec);
        if source == "audio.mp3" {
            assert_eq!(
                audio_stream_md5(out),
                audio_stream_md5(&input),
                "the MP3 frames are copied byte for byte"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_passthrough_of_audio_with_no_elementary_format_fails_naming_the_setting() {
    // What the planner does for MP3, forced onto a WAV (PCM) source.
    let input = media("audio.wav");
    let mut body = plan_for(&input, "web-ladder").body;
    let out = &mut body["Settings"]["OutputGroups"][0]["Outputs"][0];
    out["AudioDescriptions"][0]["CodecSettings"] = json!({"Codec": "PASSTHROUGH"});
    out["ContainerSettings"] = json!({"Container": "RAW"});
    out.as_object_mut().unwrap().remove("Extension");
    let root = tempdir();
    let planned = plan_job(&body, &input, root.path()).unwrap();
    let err = run_job(&planned, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "audio_not_passable");
    assert!(
        err.to_string()
            .contains("Settings.OutputGroups[0].Outputs[0].AudioDescriptions[0]"),
        "{err}"
    );
    assert!(files(root.path()).is_empty());
}
