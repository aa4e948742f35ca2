//! The local MediaConvert engine end to end: real ffmpeg, media generated at run time.
// Helpers outside #[test] fns are test code too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use vodstudio::local::mediaconvert::{
    plan_job, run_job, EngineError, JobOutputs, Progress, SCRATCH_DIR_PREFIX,
};

fn preset() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/web-ladder.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A testsrc2 + sine input, encoded fast (the engine's speed is not what these tests measure).
fn make_input(dir: &Path, name: &str, seconds: u32, audio: bool) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=1280x720:rate=25:duration={seconds}"));
    if audio {
        cmd.args(["-f", "lavfi", "-i"])
            .arg(format!("sine=frequency=440:duration={seconds}"));
        cmd.args(["-c:a", "aac"]);
    }
    let status = cmd
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "generating {name}");
    path
}

fn ffprobe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn duration_s(probe: &Value) -> f64 {
    probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn video_size(probe: &Value) -> (u64, u64) {
    let v = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap();
    (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
}

async fn run(settings: &Value, input: &Path, root: &Path) -> (JobOutputs, Vec<Progress>) {
    let plan = plan_job(settings, input, root).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let outputs = run_job(
        &plan,
        move |p| sink.lock().unwrap().push(p),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    (outputs, seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn web_ladder_preset_produces_every_rendition() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_input(tmp.path(), "trip.mp4", 10, true);
    let root = tmp.path().join("out");
    let (outputs, progress) = run(&preset(), &input, &root).await;
    let asset = root.join("media-bucket/ASSET");

    // Progress: never backwards, ends at 100.
    assert!(progress.windows(2).all(|w| w[0].percent <= w[1].percent));
    assert_eq!(progress.last().unwrap().percent, 100.0);

    // HLS: every rung at its size (the 1080p rung upscales: the settings say so), full length.
    let master = std::fs::read_to_string(asset.join("hls/trip.m3u8")).unwrap();
    for (rung, w, h) in [
        ("_360p", 640, 360),
        ("_540p", 960, 540),
        ("_720p", 1280, 720),
        ("_1080p", 1920, 1080),
    ] {
        let playlist = asset.join(format!("hls/trip{rung}.m3u8"));
        let probe = ffprobe(&playlist);
        assert_eq!(video_size(&probe), (w, h), "{rung}");
        assert!(
            (duration_s(&probe) - 10.0).abs() < 0.5,
            "{rung}: {}",
            duration_s(&probe)
        );
        assert!(asset.join(format!("hls/trip{rung}_00001.ts")).is_file());
        let line = master
            .lines()
            .zip(master.lines().skip(1))
            .find(|(_, uri)| *uri == format!("trip{rung}.m3u8"))
            .map(|(inf, _)| inf)
            .unwrap_or_else(|| panic!("{rung} missing from master:\n{master}"));
        assert!(line.starts_with("#EXT-X-STREAM-INF:"), "{line}");
        assert!(line.contains(&format!("RESOLUTION={w}x{h}")), "{line}");
        assert!(line.contains("BANDWIDTH="), "{line}");
        assert!(
            line.contains("CODECS=\"avc1.") && line.contains("mp4a.40.2"),
            "{line}"
        );
    }
    // SegmentLength 6 on a 10 s input: two segments.
    let media = std::fs::read_to_string(asset.join("hls/trip_720p.m3u8")).unwrap();
    assert_eq!(media.matches("#EXTINF").count(), 2, "{media}");

    // MP4 plays to the end.
    let mp4 = asset.join("mp4/trip_720p.mp4");
    let probe = ffprobe(&mp4);
    assert_eq!(video_size(&probe), (1280, 720));
    assert!((duration_s(&probe) - 10.0).abs() < 0.5);
    let decode = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&mp4)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decode.status.success() && decode.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&decode.stderr)
    );

    // Frame captures: one every 5 s of a 10 s input, numbered from 0.
    let thumbs: Vec<String> = std::fs::read_dir(asset.join("thumbnails"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(thumbs.len(), 2, "{thumbs:?}");
    for name in ["trip_thumb.0000000.jpg", "trip_thumb.0000001.jpg"] {
        assert!(thumbs.contains(&name.to_string()), "{thumbs:?}");
    }

    // DASH: a manifest ffprobe reads (absolute path: its dash demuxer resolves segments from it).
    let mpd = asset.join("dash/trip.mpd");
    let probe = ffprobe(&mpd);
    assert!((duration_s(&probe) - 10.0).abs() < 0.5);
    assert_eq!(probe["streams"].as_array().unwrap().len(), 3);
    assert!(asset.join("dash/trip_720pinit.mp4").is_file());
    assert!(asset.join("dash/trip_720p_000000001.mp4").is_file());

    // The report matches the disk, in MediaConvert's shape.
    let groups = &outputs.output_group_details;
    assert_eq!(
        groups.iter().map(|g| g.kind).collect::<Vec<_>>(),
        ["HLS_GROUP", "FILE_GROUP", "FILE_GROUP", "DASH_ISO_GROUP"]
    );
    assert_eq!(groups[0].playlist_file_paths, [asset.join("hls/trip.m3u8")]);
    assert_eq!(
        groups[0].output_details[3].output_file_paths,
        [asset.join("hls/trip_1080p.m3u8")]
    );
    assert_eq!(groups[0].output_details[3].width_in_px, Some(1920));
    assert_eq!(
        groups[2].output_details[0].output_file_paths,
        [asset.join("thumbnails/trip_thumb.0000001.jpg")]
    );
    for g in groups {
        for o in &g.output_details {
            assert!(o.size_bytes > 0 && !o.files.is_empty());
            assert!((o.duration_in_ms as i64 - 10_000).abs() < 500, "{o:?}");
            let on_disk: u64 = o
                .files
                .iter()
                .map(|f| std::fs::metadata(f).unwrap().len())
                .sum();
            assert_eq!(on_disk, o.size_bytes);
        }
    }
    let plan = plan_job(&preset(), &input, &root).unwrap();
    assert_eq!(
        plan.s3_url_for(&mp4).unwrap(),
        "s3://media-bucket/ASSET/mp4/trip_720p.mp4"
    );
}

/// The preset's HLS 720p rung and MP4 720p output, cut into `segment_s` HLS segments: one shared
/// encode once the preset's settings agree.
fn hls_and_mp4_720p(segment_s: u32) -> Value {
    let mut settings = preset();
    let groups = settings["Settings"]["OutputGroups"].as_array_mut().unwrap();
    groups.truncate(2);
    let hls = &mut groups[0];
    hls["OutputGroupSettings"]["HlsGroupSettings"]["SegmentLength"] = json!(segment_s);
    let rung = hls["Outputs"][2].clone();
    hls["Outputs"] = json!([rung]);
    settings
}

/// Times (seconds from the first packet) of a file's video keyframes.
fn keyframe_times_s(path: &Path) -> Vec<f64> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(["-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe {}", path.display());
    let packets: Vec<(f64, bool)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(','))
        .map(|(t, flags)| (t.parse().unwrap(), flags.starts_with('K')))
        .collect();
    let start = packets.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    packets
        .iter()
        .filter(|p| p.1)
        .map(|p| ((p.0 - start) * 1000.0).round() / 1000.0)
        .collect()
}

/// MD5 of the decoded pictures, whatever the container and timestamps.
fn picture_md5(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-f", "md5", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "decoding {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn scratch_dirs(root: &Path) -> Vec<PathBuf> {
    walk(root)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(SCRATCH_DIR_PREFIX))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rendition_shared_by_hls_and_mp4_is_right_in_both() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_input(tmp.path(), "trip.mp4", 5, true);
    let root = tmp.path().join("out");
    // 3 s segments against a 2 s GOP: keyframes on segment boundaries are forced, not luck.
    let (outputs, _) = run(&hls_and_mp4_720p(3), &input, &root).await;
    let asset = root.join("media-bucket/ASSET");

    let playlist = asset.join("hls/trip_720p.m3u8");
    let probe = ffprobe(&playlist);
    assert_eq!(video_size(&probe), (1280, 720));
    assert!(
        (duration_s(&probe) - 5.0).abs() < 0.2,
        "{}",
        duration_s(&probe)
    );
    let media = std::fs::read_to_string(&playlist).unwrap();
    let extinf: Vec<&str> = media
        .lines()
        .filter_map(|l| l.strip_prefix("#EXTINF:"))
        .collect();
    assert_eq!(extinf, ["3.000000,", "2.000000,"], "{media}");
    for segment in ["trip_720p_00001.ts", "trip_720p_00002.ts"] {
        let keyframes = keyframe_times_s(&asset.join("hls").join(segment));
        assert_eq!(
            keyframes.first(),
            Some(&0.0),
            "{segment} starts with a keyframe"
        );
    }
    let keyframes = keyframe_times_s(&playlist);
    assert!(keyframes.contains(&3.0), "{keyframes:?}");

    let mp4 = asset.join("mp4/trip_720p.mp4");
    let probe = ffprobe(&mp4);
    assert_eq!(video_size(&probe), (1280, 720));
    assert!(
        (duration_s(&probe) - 5.0).abs() < 0.2,
        "{}",
        duration_s(&probe)
    );
    for stream in probe["streams"].as_array().unwrap() {
        // Stream copies keep the encoder's edit lists: B-frame delay and AAC priming trimmed.
        assert_eq!(stream["start_time"], "0.000000", "{stream}");
    }
    assert_eq!(probe["streams"][1]["codec_name"], "aac");
    // One encode, two containers: the same pictures.
    assert_eq!(picture_md5(&mp4), picture_md5(&playlist));

    assert_eq!(outputs.output_group_details.len(), 2);
    assert!(scratch_dirs(&root).is_empty(), "{:?}", walk(&root));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_packaging_run_leaves_no_scratch_or_partial_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_input(tmp.path(), "trip.mp4", 2, true);
    let root = tmp.path().join("out");
    // A directory where the MP4 goes: the encode succeeds, packaging cannot open that file.
    let blocker = root.join("media-bucket/ASSET/mp4/trip_720p.mp4");
    std::fs::create_dir_all(&blocker).unwrap();
    let plan = plan_job(&hls_and_mp4_720p(6), &input, &root).unwrap();
    let err = run_job(&plan, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::Ffmpeg { step, .. } if step.starts_with("packaging")),
        "{err}"
    );
    assert!(err.to_string().contains("trip_720p.mp4"), "{err}");
    assert!(blocker.is_dir(), "what existed before the run stays");
    let left: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| !blocker.starts_with(p))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A FILE group exercising sizes and scaling behaviours, plus audio-only outputs.
#[tokio::test(flavor = "multi_thread")]
async fn sizes_scaling_and_audio_only_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_input(tmp.path(), "clip.mp4", 2, true);
    let root = tmp.path().join("out");
    let video = |nm: &str, size: Value| {
        let mut desc = json!({"CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "CBR", "Bitrate": 500000}}});
        desc.as_object_mut()
            .unwrap()
            .extend(size.as_object().unwrap().clone());
        json!({"NameModifier": nm, "ContainerSettings": {"Container": "MP4"}, "VideoDescription": desc})
    };
    let settings = json!({"Settings": {"Inputs": [{}], "OutputGroups": [{
    "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": "s3://b/files/"}},
    "Outputs": [
        video("_h360", json!({"Height": 360})),
        video("_source", json!({})),
        video("_pad", json!({"Width": 640, "Height": 480})),
        video("_fit", json!({"Width": 640, "Height": 480, "ScalingBehavior": "FIT"})),
        video("_fill", json!({"Width": 640, "Height": 480, "ScalingBehavior": "FILL"})),
        video("_nou", json!({"Width": 1920, "Height": 1080, "ScalingBehavior": "FIT_NO_UPSCALE"})),
        {"NameModifier": "_aac", "ContainerSettings": {"Container": "RAW"},
         "AudioDescriptions": [{"CodecSettings": {"Codec": "AAC", "AacSettings": {"Bitrate": 64000, "CodingMode": "CODING_MODE_1_0", "SampleRate": 44100}}}]},
        {"NameModifier": "_mp3", "ContainerSettings": {"Container": "RAW"},
         "AudioDescriptions": [{"CodecSettings": {"Codec": "MP3", "Mp3Settings": {"Bitrate": 128000, "Channels": 2, "SampleRate": 48000, "RateControlMode": "CBR"}}}]}
    ]}]}});
    let (outputs, _) = run(&settings, &input, &root).await;
    let dir = root.join("b/files");
    for (nm, size) in [
        ("_h360", (640, 360)),
        ("_source", (1280, 720)),
        ("_pad", (640, 480)),
        ("_fit", (640, 360)),
        ("_fill", (640, 480)),
        ("_nou", (1280, 720)),
    ] {
        assert_eq!(
            video_size(&ffprobe(&dir.join(format!("clip{nm}.mp4")))),
            size,
            "{nm}"
        );
    }
    let aac = ffprobe(&dir.join("clip_aac.aac"));
    assert_eq!(aac["streams"][0]["codec_name"], "aac");
    assert_eq!(aac["streams"][0]["channels"], 1);
    assert_eq!(aac["streams"][0]["sample_rate"], "44100");
    let mp3 = ffprobe(&dir.join("clip_mp3.mp3"));
    assert_eq!(mp3["streams"][0]["codec_name"], "mp3");
    assert_eq!(
        outputs.output_group_details[0].output_details[7].width_in_px,
        None
    );
}

#[tokio::test]
async fn frame_captures_start_at_the_first_frame_then_every_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let capture = |dest: &str| {
        json!({"Settings": {"Inputs": [{}], "OutputGroups": [{
            "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": dest}},
            "Outputs": [{"NameModifier": "_thumb", "ContainerSettings": {"Container": "RAW"},
                "VideoDescription": {"Width": 320, "Height": 180, "CodecSettings": {"Codec": "FRAME_CAPTURE",
                    "FrameCaptureSettings": {"FramerateNumerator": 1, "FramerateDenominator": 5, "MaxCaptures": 10, "Quality": 80}}}}]
        }]}})
    };
    // Shorter than the interval: MediaConvert still captures the first frame.
    let short = make_input(tmp.path(), "short.mp4", 2, false);
    run(&capture("s3://b/short/"), &short, &tmp.path().join("out")).await;
    let shots = |dir: &str| {
        let mut v: Vec<String> = walk(&tmp.path().join("out/b").join(dir))
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".jpg"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(shots("short"), vec!["short_thumb.0000000.jpg"]);
    // 12 s at one every 5 s: frames at 0, 5 and 10 s, one image each (no padding copies).
    let long = make_input(tmp.path(), "long.mp4", 12, false);
    run(&capture("s3://b/long/"), &long, &tmp.path().join("out")).await;
    assert_eq!(
        shots("long"),
        vec![
            "long_thumb.0000000.jpg",
            "long_thumb.0000001.jpg",
            "long_thumb.0000002.jpg"
        ]
    );
}

#[test]
fn unsupported_settings_fail_before_running_with_their_json_path() {
    let mut av1 = preset();
    av1["Settings"]["OutputGroups"][0]["Outputs"][1]["VideoDescription"]["CodecSettings"]
        ["Codec"] = json!("AV1");
    let err = plan_job(&av1, Path::new("/in/trip.mp4"), Path::new("/out")).unwrap_err();
    assert_eq!(err.to_string(), "Settings.OutputGroups[0].Outputs[1].VideoDescription.CodecSettings.Codec: AV1 not supported");

    let mut container = preset();
    container["Settings"]["OutputGroups"][1]["Outputs"][0]["ContainerSettings"]["Container"] =
        json!("F4V");
    let err = plan_job(&container, Path::new("/in/trip.mp4"), Path::new("/out")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Settings.OutputGroups[1].Outputs[0].ContainerSettings.Container: F4V not supported"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_audio_in_input_is_reported_before_ffmpeg_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_input(tmp.path(), "silent.mp4", 1, false);
    let root = tmp.path().join("out");
    let plan = plan_job(&preset(), &input, &root).unwrap();
    let err = run_job(&plan, |_| {}, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::InputHasNoAudio { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("Settings.OutputGroups[0].Outputs[0].AudioDescriptions[0]"),
        "{err}"
    );
    assert!(
        !root.exists(),
        "nothing is created for a job that cannot run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_kills_ffmpeg_and_removes_partial_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_input(tmp.path(), "long.mp4", 40, true);
    let root = tmp.path().join("out");
    let plan = plan_job(&preset(), &input, &root).unwrap();
    let cancel = CancellationToken::new();
    let pid = Arc::new(Mutex::new(None));
    let (token, seen_pid) = (cancel.clone(), pid.clone());
    // Cancel as soon as ffmpeg reports having transcoded something: mid-job by construction.
    let result = run_job(
        &plan,
        move |p| {
            if p.out_time_s > 0.0 && p.percent < 100.0 {
                *seen_pid.lock().unwrap() = Some(p.ffmpeg_pid);
                token.cancel();
            }
        },
        cancel,
    )
    .await;
    assert!(matches!(result, Err(EngineError::Canceled)), "{result:?}");
    let pid = pid
        .lock()
        .unwrap()
        .expect("progress was reported before the end");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "ffmpeg {pid} still exists"
    );
    let leftovers: Vec<_> = walk(&root);
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() {
                let mut v = walk(&p);
                v.push(p);
                v
            } else {
                vec![p]
            }
        })
        .collect()
}

const SRT: &str = "1\n00:00:01,000 --> 00:00:02,500\nHello captions\n\n\
                   2\n00:00:04,000 --> 00:00:06,000\nSecond line\n\n\
                   3\n00:00:06,500 --> 00:00:07,500\nThird, after the first segment\n";

/// The text of every cue block (`start --> end` + text) across HLS WebVTT segments.
fn vtt_cues(files: &[PathBuf]) -> Vec<String> {
    let mut cues = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.starts_with("WEBVTT\n"), "{}: {text}", f.display());
        assert!(text.contains("X-TIMESTAMP-MAP=MPEGTS:"), "{text}");
        for block in text.split("\n\n").filter(|b| b.contains("-->")) {
            let block = block.trim().to_string();
            if !cues.contains(&block) {
                cues.push(block);
            }
        }
    }
    cues
}

#[tokio::test(flavor = "multi_thread")]
async fn srt_sidecar_becomes_hls_subtitles_and_a_dash_text_adaptation_set() {
    use vodstudio::presets::captions::{CaptionFormat, CaptionTrack};
    use vodstudio::presets::plan::{plan, PlanRequest};

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in").join("trip.mp4");
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25:duration=8",
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=duration=8",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&input)
        .status()
        .unwrap();
    assert!(status.success());

    // The planner's job body, exactly as it would go to MediaConvert.
    let presets = vodstudio::presets::builtin();
    let find = |n: &str| presets.iter().find(|p| p.name == n).unwrap();
    let tracks = [CaptionTrack {
        url: "s3://watch/inputs/a1/trip.en.srt".into(),
        language: Some("en".into()),
        format: CaptionFormat::Srt,
    }];
    let req = PlanRequest {
        asset_id: "a1",
        source_name: "trip.mp4",
        input_url: "s3://watch/inputs/a1/trip.mp4",
        media_bucket: "media",
        role: None,
        queue: None,
        captions: &tracks,
    };
    let info = vodstudio::media::probe(&input).unwrap();
    let planned = plan(&info, find("web-ladder"), find("audio-only"), &req).unwrap();

    let root = dir.path().join("out");
    let job = plan_job(&planned.body, &input, &root).unwrap();
    assert_eq!(job.captions.len(), 1);
    assert_eq!(job.captions[0].url, "s3://watch/inputs/a1/trip.en.srt");
    // The caller (the API's runner) fetches the sidecar to where the plan says.
    std::fs::create_dir_all(job.captions[0].file.parent().unwrap()).unwrap();
    std::fs::write(&job.captions[0].file, SRT).unwrap();
    run_job(&job, |_| {}, CancellationToken::new())
        .await
        .unwrap();

    // HLS: a subtitles group every variant refers to, and segmented WebVTT with the cues.
    let hls = root.join("media/a1/hls");
    let master = std::fs::read_to_string(hls.join("trip.m3u8")).unwrap();
    let media_lines: Vec<&str> = master
        .lines()
        .filter(|l| l.starts_with("#EXT-X-MEDIA:"))
        .collect();
    assert_eq!(
        media_lines,
        ["#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI=\"trip_captions_en.m3u8\""],
        "{master}"
    );
    let variants: Vec<&str> = master
        .lines()
        .filter(|l| l.starts_with("#EXT-X-STREAM-INF:"))
        .collect();
    assert!(!variants.is_empty());
    assert!(
        variants.iter().all(|v| v.ends_with(",SUBTITLES=\"subs\"")),
        "{master}"
    );
    let playlist = std::fs::read_to_string(hls.join("trip_captions_en.m3u8")).unwrap();
    let segments: Vec<PathBuf> = playlist
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| hls.join(l))
        .collect();
    assert_eq!(segments.len(), 2, "8 s in 6 s segments: {playlist}");
    assert!(playlist.contains("#EXT-X-ENDLIST"));
    assert_eq!(
        vtt_cues(&segments),
        [
            "00:00:01.000 --> 00:00:02.500\nHello captions",
            "00:00:04.000 --> 00:00:06.000\nSecond line",
            "00:00:06.500 --> 00:00:07.500\nThird, after the first segment",
        ]
    );
    let second = std::fs::read_to_string(&segments[1]).unwrap();
    assert!(
        second.contains("Third") && !second.contains("Hello"),
        "{second}"
    );
    // DASH: a text AdaptationSet whose sidecar file exists and holds the cues.
    let dash = root.join("media/a1/dash");
    let mpd = std::fs::read_to_string(dash.join("trip.mpd")).unwrap();
    assert!(
        mpd.contains("<AdaptationSet contentType=\"text\" mimeType=\"application/ttml+xml\" lang=\"en\" label=\"English\">"),
        "{mpd}"
    );
    assert!(
        mpd.contains("<BaseURL>trip_captions_en.ttml</BaseURL>"),
        "{mpd}"
    );
    let ttml = std::fs::read_to_string(dash.join("trip_captions_en.ttml")).unwrap();
    assert!(
        ttml.contains("Hello captions") && ttml.contains("Second line"),
        "{ttml}"
    );
    assert!(
        ttml.contains("00:00:01.000") || ttml.contains("00:00:01.00"),
        "{ttml}"
    );
    // Still well-formed XML, the media AdaptationSets untouched and the text one last.
    let mut reader = quick_xml::Reader::from_str(&mpd);
    let mut sets = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) if e.local_name().as_ref() == "AdaptationSet" => {
                let kind = e
                    .try_get_attribute("contentType")
                    .unwrap()
                    .map(|a| a.value.into_owned());
                sets.push(kind.unwrap_or_default());
            }
            _ => {}
        }
    }
    assert_eq!(sets, ["video", "audio", "text"], "{mpd}");
}

#[test]
fn unsupported_captions_name_their_json_path() {
    let sidecar = json!({"Captions Selector 1": {"SourceSettings": {"SourceType": "SRT",
        "FileSourceSettings": {"SourceFile": "s3://w/a.srt"}}}});
    let caption_output = |ty: &str| {
        json!({"NameModifier": "_cc", "ContainerSettings": {"Container": "M3U8"},
        "CaptionDescriptions": [{"CaptionSelectorName": "Captions Selector 1",
            "DestinationSettings": {"DestinationType": ty}}]})
    };
    let cases = [
        (json!({"Captions Selector 1": {"SourceSettings": {"SourceType": "EMBEDDED",
            "EmbeddedSourceSettings": {"Source608ChannelNumber": 1}}}}), None,
         "Settings.Inputs[0].CaptionSelectors.Captions Selector 1.SourceSettings.EmbeddedSourceSettings: embedded captions not supported"),
        (json!({"Captions Selector 1": {"SourceSettings": {"SourceType": "SCC",
            "FileSourceSettings": {"SourceFile": "s3://w/a.scc"}}}}), None,
         "Settings.Inputs[0].CaptionSelectors.Captions Selector 1.SourceSettings.SourceType: SCC not supported"),
        (sidecar.clone(), Some(caption_output("BURN_IN")),
         "Settings.OutputGroups[0].Outputs[4].CaptionDescriptions[0].DestinationSettings.DestinationType: BURN_IN not supported in this group (only WEBVTT)"),
        (sidecar.clone(), Some(caption_output("EMBEDDED")),
         "Settings.OutputGroups[0].Outputs[4].CaptionDescriptions[0].DestinationSettings.DestinationType: EMBEDDED not supported in this group (only WEBVTT)"),
    ];
    for (selectors, output, message) in cases {
        let mut v = preset();
        v["Settings"]["Inputs"][0]["CaptionSelectors"] = selectors;
        if let Some(o) = output {
            v["Settings"]["OutputGroups"][0]["Outputs"]
                .as_array_mut()
                .unwrap()
                .push(o);
        }
        let err = plan_job(&v, Path::new("/in/trip.mp4"), Path::new("/out")).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    // Captions inside a video output (embedded 608 or burn-in) are refused too.
    let mut v = preset();
    v["Settings"]["Inputs"][0]["CaptionSelectors"] = sidecar;
    v["Settings"]["OutputGroups"][0]["Outputs"][0]["CaptionDescriptions"] = json!([{"CaptionSelectorName": "Captions Selector 1", "DestinationSettings": {"DestinationType": "EMBEDDED"}}]);
    let err = plan_job(&v, Path::new("/in/trip.mp4"), Path::new("/out")).unwrap_err();
    assert!(err.to_string().starts_with("Settings.OutputGroups[0].Outputs[0].CaptionDescriptions[0]: captions in an output with VideoDescription"), "{err}");
}
