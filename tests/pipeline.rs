//! End-to-end: the queue (`add`, `run`, `process`, `status`, `retry`, `cancel`) on the local
//! backend, through the real CLI, real S3 and MediaConvert-compatible servers and real ffmpeg.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{cli, ffmpeg, run_ok, status, tempdir};
use serde_json::Value;
use vodstudio::config::{Backend, Settings};
use vodstudio::local::LocalHost;

/// A short testsrc2 clip (`size` WxH) with a tone, or without audio.
fn clip(dir: &Path, name: &str, size: &str, secs: u32, audio: bool, extra: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let v = format!("testsrc2=size={size}:rate=25:duration={secs}");
    let a = format!("sine=frequency=440:duration={secs}");
    let mut args = vec!["-f", "lavfi", "-i", &v];
    if audio {
        args.extend(["-f", "lavfi", "-i", &a, "-c:a", "aac", "-shortest"]);
    }
    args.extend([
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
    ]);
    args.extend(extra);
    args.push(p.to_str().unwrap());
    ffmpeg(&args);
    p
}

/// Waits until `cond` holds for the queue (a bound so a hang fails the test instead of the suite).
fn wait_until(data: &Path, what: &str, cond: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let s = status(data);
        if cond(&s) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "never reached: {what}; queue: {s:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn ffprobe_size(file: &Path) -> (u64, u64) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "json",
        ])
        .arg(file)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        v["streams"][0]["width"].as_u64().unwrap(),
        v["streams"][0]["height"].as_u64().unwrap(),
    )
}

/// The local backend of `data` (started in this process, the CLI having exited) and its clients.
async fn backend(data: &Path) -> (LocalHost, Backend) {
    let host = LocalHost::start_or_join(data).await.unwrap();
    let b = Backend::connect(&Settings::default(), Some(&host.endpoints))
        .await
        .unwrap();
    (host, b)
}

async fn download(b: &Backend, url: &str, to: &Path) {
    let (bucket, key) = url.strip_prefix("s3://").unwrap().split_once('/').unwrap();
    let obj =
        b.s3.get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    let bytes = obj.body.collect().await.unwrap().into_bytes();
    std::fs::write(to, bytes).unwrap();
}

/// Jobs on the local MediaConvert whose input is under `inputs/<asset>/`.
async fn jobs_for(b: &Backend, asset: &str) -> usize {
    let out = b
        .mediaconvert
        .list_jobs()
        .max_results(20)
        .send()
        .await
        .unwrap();
    out.jobs()
        .iter()
        .filter(|j| {
            j.settings()
                .and_then(|s| s.inputs().first())
                .and_then(|i| i.file_input())
                .is_some_and(|f| f.contains(&format!("/inputs/{asset}/")))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_of_mixed_media_ends_as_renditions_or_clear_refusals() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let media = dir.path().join("media");
    std::fs::create_dir_all(media.join("sub")).unwrap();
    clip(&media, "landscape.MP4", "1280x720", 2, true, &["-f", "mp4"]);
    clip(&media.join("sub"), "phone.mov", "720x1280", 2, true, &[]);
    clip(&media, "small.mkv", "854x480", 2, true, &[]);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=2",
        "-c:a",
        "libmp3lame",
        media.join("voice.mp3").to_str().unwrap(),
    ]);
    std::fs::write(media.join("notes.txt"), "not a video").unwrap();
    std::fs::write(media.join("fake.mp4"), "not a video either").unwrap();

    let out = cli(&data)
        .args(["process", "--json"])
        .arg(&media)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A skipped file makes the one-shot command report failure, after the others are done.
    assert!(!out.status.success());
    assert!(
        stderr.contains("fake.mp4") && stderr.contains("vodstudio takes video and audio files"),
        "{stderr}"
    );
    assert!(stderr.contains("notes.txt"), "{stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 4, "{summary} {stderr}");

    let assets = status(&data);
    assert_eq!(
        assets.len(),
        4,
        "non-media files are not queued: {assets:#?}"
    );
    let (host, b) = backend(&data).await;
    let work = dir.path().join("dl");
    std::fs::create_dir_all(&work).unwrap();
    for a in &assets {
        assert_eq!(a["state"], "complete", "{a:#}");
        let id = a["id"].as_str().unwrap();
        let name = a["source_name"].as_str().unwrap();
        let files: Vec<&str> = a["outputs"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["url"].as_str().unwrap())
            .collect();
        assert!(
            files
                .iter()
                .all(|f| f.starts_with(&format!("s3://vodstudio-media/{id}/"))),
            "{files:?}"
        );
        // The metadata JSON beside the outputs.
        let meta = work.join(format!("{id}.json"));
        download(
            &b,
            &format!("s3://vodstudio-media/{id}/metadata.json"),
            &meta,
        )
        .await;
        let meta: Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
        assert_eq!(meta["asset_id"], id);
        assert_eq!(meta["source"]["name"], name);
        assert!(meta["probe"]["streams"].is_array() && meta["plan"]["rungs"].is_array());
        assert_eq!(jobs_for(&b, id).await, 1);

        // Every HLS video rung: its first segment really has the planned size.
        let rungs = a["rungs"].as_array().unwrap();
        let heights: Vec<u64> = rungs
            .iter()
            .filter(|r| r["group_type"] == "HLS_GROUP_SETTINGS" && r["kind"] == "video")
            .map(|r| r["height_px"].as_u64().unwrap())
            .collect();
        match name {
            "landscape.MP4" => {
                assert_eq!(heights, [360, 540, 720], "no rung above the 720p source")
            }
            "small.mkv" => assert_eq!(
                heights,
                [360],
                "480p source: only the 360p rung is not above it"
            ),
            "phone.mov" => assert_eq!(
                heights,
                [640, 960, 1280],
                "portrait: laddered by the short side"
            ),
            "voice.mp3" => assert!(
                heights.is_empty() && rungs.iter().all(|r| r["kind"] == "audio"),
                "{rungs:?}"
            ),
            other => panic!("unexpected asset {other}"),
        }
        for r in rungs
            .iter()
            .filter(|r| r["group_type"] == "HLS_GROUP_SETTINGS" && r["kind"] == "video")
        {
            let modifier = r["name_modifier"].as_str().unwrap();
            let seg = files
                .iter()
                .find(|f| f.contains(&format!("{modifier}_")) && f.ends_with(".ts"))
                .unwrap_or_else(|| panic!("no segment for {modifier} in {files:?}"));
            let local = work.join(format!("{id}{modifier}.ts"));
            download(&b, seg, &local).await;
            let want = (
                r["width_px"].as_u64().unwrap(),
                r["height_px"].as_u64().unwrap(),
            );
            assert_eq!(ffprobe_size(&local), want, "{name} {modifier}");
        }
    }
    host.shutdown().await;
}

/// A source large enough that a capped upload takes a few seconds (x264 lossless of noise).
fn big_clip(dir: &Path) -> PathBuf {
    let p = dir.join("big.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "nullsrc=size=640x360:rate=25:duration=2,geq=random(1)*255:128:128",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=2",
        "-c:a",
        "aac",
        "-shortest",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "0",
        "-pix_fmt",
        "yuv420p",
        p.to_str().unwrap(),
    ]);
    p
}

fn spawn_run(data: &Path) -> std::process::Child {
    cli(data)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_upload_and_during_tracking_gives_exactly_one_job() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let src = big_clip(dir.path());
    let size = std::fs::metadata(&src).unwrap().len();
    assert!(
        size > 8 << 20,
        "the source must span several parts ({size} bytes)"
    );
    // Slow uploads so the kill lands mid-upload.
    run_ok(cli(&data).args(["settings", "set", &format!("bandwidth-limit={}", size / 4)]));
    run_ok(cli(&data).arg("add").arg(&src));

    let mut run = spawn_run(&data);
    wait_until(&data, "upload under way", |s| {
        s[0]["state"] == "uploading" && s[0]["bytes_done"].as_u64().unwrap() > 0
    });
    run.kill().unwrap();
    run.wait().unwrap();
    let s = status(&data);
    assert_eq!(
        s[0]["state"], "uploading",
        "the state at the kill stays: {s:#?}"
    );

    // Faster now; kill again once the job is being tracked.
    run_ok(cli(&data).args(["settings", "set", "bandwidth-limit=none"]));
    let mut run = spawn_run(&data);
    wait_until(&data, "job submitted", |s| {
        matches!(
            s[0]["state"].as_str(),
            Some("submitted" | "transcoding" | "complete")
        )
    });
    run.kill().unwrap();
    run.wait().unwrap();

    let out = run_ok(cli(&data).args(["run", "--json"]));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 1, "{summary}");
    let s = status(&data);
    let id = s[0]["id"].as_str().unwrap();
    let (host, b) = backend(&data).await;
    assert_eq!(
        jobs_for(&b, id).await,
        1,
        "kill -9 twice, still exactly one job"
    );
    // The source on S3 is the file, byte for byte.
    let got = dir.path().join("got.mp4");
    download(
        &b,
        &format!("s3://vodstudio-watch/inputs/{id}/big.mp4"),
        &got,
    )
    .await;
    assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(&src).unwrap());
    host.shutdown().await;
}

/// The `AWS_*=…` lines `vodstudio local serve` prints once it listens.
fn read_env(child: &mut std::process::Child) -> Vec<(String, String)> {
    use std::io::BufRead as _;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    loop {
        let line = lines.next().unwrap().unwrap();
        if let Some((k, v)) = line.split_once('=') {
            env.push((k.to_owned(), v.to_owned()));
            if k == "AWS_ENDPOINT_URL_MEDIACONVERT" {
                return env;
            }
        }
    }
}

/// Picks a free port on 127.0.0.1 (released before use; the test binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn work_added_while_the_backend_is_down_completes_once_it_is_up() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let server_data = dir.path().join("server");
    let (s3_port, mc_port) = (free_port(), free_port());
    // Learn the server's keys (made on first start), then stop it: the backend is down.
    let serve = |extra: &[&str]| {
        cli(&data)
            .args(["local", "serve", "--data"])
            .arg(&server_data)
            .args([
                "--s3-port",
                &s3_port.to_string(),
                "--mediaconvert-port",
                &mc_port.to_string(),
                "--bucket",
                "watch",
                "--bucket",
                "media",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = serve(&[]);
    let env = read_env(&mut first);
    first.kill().unwrap();
    first.wait().unwrap();

    let set = [
        "profile=aws".to_owned(),
        "region=us-east-1".into(),
        "watch-bucket=watch".into(),
        "media-bucket=media".into(),
        "role-arn=arn:aws:iam::000000000000:role/test".into(),
        format!("s3-endpoint=http://127.0.0.1:{s3_port}"),
        format!("mediaconvert-endpoint=http://127.0.0.1:{mc_port}"),
    ];
    run_ok(cli(&data).args(["settings", "set"]).args(&set));
    let src = clip(dir.path(), "offline.mp4", "640x360", 2, true, &[]);
    // Adding works offline: probe and poster are local.
    run_ok(cli(&data).arg("add").arg(&src));
    assert_eq!(status(&data)[0]["state"], "probed");
    assert!(status(&data)[0]["thumbnail_path"].is_string());

    let mut run = cli(&data);
    for (k, v) in &env {
        run.env(k, v);
    }
    let run = run
        .args(["run", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = wait_until(&data, "waiting for the network", |s| {
        s[0]["waiting"].is_string()
    });
    assert_eq!(s[0]["state"], "probed", "{s:#?}");

    // The backend comes back; the queue completes by itself.
    let mut second = serve(&[]);
    let out = run.wait_with_output().unwrap();
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(out.status.success());
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 1, "{summary}");
    let s = status(&data);
    assert!(
        s[0]["waiting"].is_null() && s[0]["state"] == "complete",
        "{s:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_folder_mode_uploads_then_finds_and_tracks_the_bucket_job() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let mut server = cli(&data)
        .args(["local", "serve", "--data"])
        .arg(dir.path().join("server"))
        .args([
            "--bucket",
            "watch",
            "--bucket",
            "media",
            "--watch-bucket",
            "watch",
            "--media-bucket",
            "media",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let env = read_env(&mut server);
    let get = |k: &str| env.iter().find(|(n, _)| n == k).unwrap().1.clone();
    run_ok(
        cli(&data)
            .args([
                "settings",
                "set",
                "profile=aws",
                "region=us-east-1",
                "watch-bucket=watch",
                "mode=watch-folder",
            ])
            .args([
                format!("s3-endpoint={}", get("AWS_ENDPOINT_URL_S3")),
                format!(
                    "mediaconvert-endpoint={}",
                    get("AWS_ENDPOINT_URL_MEDIACONVERT")
                ),
            ]),
    );
    let src = clip(dir.path(), "watched.mp4", "640x360", 2, true, &[]);
    let mut process = cli(&data);
    for (k, v) in &env {
        process.env(k, v);
    }
    let out = run_ok(process.args(["process", "--json"]).arg(&src));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 1, "{summary}");
    let s = status(&data);
    let job_id = s[0]["job_id"].as_str().unwrap();

    // The job is the one the watch folder created for this upload (vodstudio created none).
    let mc = vodstudio::config::mediaconvert_client(&vodstudio::config::S3ClientSettings {
        endpoint_url: Some(get("AWS_ENDPOINT_URL_MEDIACONVERT")),
        region: Some("us-east-1".into()),
        profile: None,
        credentials: Some(vodstudio::config::StaticCredentials {
            access_key_id: get("AWS_ACCESS_KEY_ID"),
            secret_access_key: get("AWS_SECRET_ACCESS_KEY"),
        }),
    })
    .await;
    let jobs = mc.list_jobs().send().await.unwrap();
    assert_eq!(jobs.jobs().len(), 1, "{:?}", jobs.jobs());
    let job = &jobs.jobs()[0];
    assert_eq!(job.id(), Some(job_id));
    let input = job.settings().unwrap().inputs()[0].file_input().unwrap();
    assert!(
        input.starts_with("s3://watch/inputs/") && input.ends_with("/watched.mp4"),
        "{input}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_an_upload_and_retry_finishes_the_asset() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let src = big_clip(dir.path());
    let size = std::fs::metadata(&src).unwrap().len();
    run_ok(cli(&data).args(["settings", "set", &format!("bandwidth-limit={}", size / 8)]));
    run_ok(cli(&data).arg("add").arg(&src));
    let id = status(&data)[0]["id"].as_str().unwrap().to_owned();

    let run = cli(&data)
        .args(["run", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(&data, "upload under way", |s| {
        s[0]["state"] == "uploading" && s[0]["bytes_done"].as_u64().unwrap() > 0
    });
    run_ok(cli(&data).args(["cancel", &id[..5]]));
    let out = run.wait_with_output().unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["canceled"], 1, "{summary}");
    assert!(!out.status.success() || summary["failed"] == 0);
    assert_eq!(status(&data)[0]["state"], "canceled");
    {
        // The partial upload is gone from the server too.
        let (host, b) = backend(&data).await;
        let ups =
            b.s3.list_multipart_uploads()
                .bucket("vodstudio-watch")
                .send()
                .await
                .unwrap();
        assert!(ups.uploads().is_empty(), "{:?}", ups.uploads());
        host.shutdown().await;
    }

    // Cancel of a finished asset says so; retry sends it through again.
    run_ok(cli(&data).args(["settings", "set", "bandwidth-limit=none"]));
    let again = cli(&data).args(["cancel", &id]).output().unwrap();
    assert!(
        !again.status.success()
            && String::from_utf8_lossy(&again.stderr).contains("already canceled")
    );
    run_ok(cli(&data).args(["retry", &id]));
    let out = run_ok(cli(&data).args(["run", "--json"]));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 1, "{summary}");
    let s = status(&data);
    assert_eq!(
        (s[0]["state"].as_str(), s[0]["job_attempt"].as_u64()),
        (Some("complete"), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sidecar_srt_is_attached_to_its_video_and_becomes_english_hls_captions() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    clip(&media, "clip.mp4", "640x360", 4, true, &[]);
    std::fs::write(
        media.join("clip.en.srt"),
        "1\n00:00:00,500 --> 00:00:02,000\nHello from the sidecar\n\n",
    )
    .unwrap();

    let out = run_ok(cli(&data).args(["add", "--json"]).arg(&media));
    let added: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let outcome = |suffix: &str| {
        added
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(suffix))
            .unwrap()
            .clone()
    };
    assert_eq!(outcome("clip.mp4")["outcome"], "added", "{added:#?}");
    assert_eq!(outcome("clip.en.srt")["outcome"], "captions", "{added:#?}");
    assert_eq!(outcome("clip.en.srt")["reason"], "captions for clip.mp4");

    let out = run_ok(cli(&data).args(["run", "--json"]));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 1, "{summary}");
    let assets = status(&data);
    assert_eq!(
        assets.len(),
        1,
        "the sidecar is not an asset of its own: {assets:#?}"
    );
    let a = &assets[0];
    assert_eq!(a["state"], "complete", "{a:#}");
    let id = a["id"].as_str().unwrap();
    let captions: Vec<&Value> = a["rungs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "captions")
        .collect();
    assert!(
        captions.iter().any(
            |r| r["group_type"] == "HLS_GROUP_SETTINGS" && r["name_modifier"] == "_captions_en"
        ),
        "{captions:?}"
    );

    let (host, b) = backend(&data).await;
    // The sidecar went up next to the source.
    let work = dir.path().join("dl");
    std::fs::create_dir_all(&work).unwrap();
    download(
        &b,
        &format!("s3://vodstudio-watch/inputs/{id}/clip.en.srt"),
        &work.join("up.srt"),
    )
    .await;
    assert!(std::fs::read_to_string(work.join("up.srt"))
        .unwrap()
        .contains("Hello from the sidecar"));

    let files: Vec<&str> = a["outputs"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["url"].as_str().unwrap())
        .collect();
    let master = files
        .iter()
        .find(|f| f.ends_with("/hls/clip.m3u8"))
        .unwrap_or_else(|| panic!("{files:?}"));
    download(&b, master, &work.join("master.m3u8")).await;
    let master = std::fs::read_to_string(work.join("master.m3u8")).unwrap();
    assert!(
        master.contains(
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\""
        ),
        "{master}"
    );
    assert!(
        master
            .lines()
            .filter(|l| l.starts_with("#EXT-X-STREAM-INF"))
            .all(|l| l.contains("SUBTITLES=\"subs\"")),
        "{master}"
    );
    let segment = files
        .iter()
        .find(|f| f.contains("/hls/clip_captions_en_") && f.ends_with(".vtt"))
        .unwrap_or_else(|| panic!("{files:?}"));
    download(&b, segment, &work.join("seg.vtt")).await;
    let vtt = std::fs::read_to_string(work.join("seg.vtt")).unwrap();
    assert!(
        vtt.contains("00:00:00.500 --> 00:00:02.000\nHello from the sidecar"),
        "{vtt}"
    );
    host.shutdown().await;
}
