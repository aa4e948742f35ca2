//! The local MediaConvert API driven by the real aws-sdk-mediaconvert client over loopback, with
//! inputs and outputs in the local S3 (real aws-sdk-s3 client) and real ffmpeg transcodes of media
//! generated at run time. Each test starts its own backend on a fresh data dir.

mod common_mc;

use aws_sdk_mediaconvert::error::ProvideErrorMetadata as _;
use aws_sdk_mediaconvert::types::{JobPhase, JobStatus, Order};
use common_mc::*;
use serde_json::json;
use vodstudio::local::mediaconvert_api::{error_codes, LocalMediaConvert, LocalMediaConvertConfig};
use vodstudio::local::watch::{WatchConfig, DEFAULT_PRESET_JSON};
use vodstudio::local::{LocalBackend, LocalBackendConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_ladder_job_runs_to_complete_with_outputs_in_s3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = start(&dir.path().join("data")).await;
    let (mc, s3) = (mc_client(&backend), s3_client(&backend));
    create_buckets(&s3, &["watch", "media"]).await;
    let input = make_input(dir.path(), "source.mp4", "1280x720", 4);
    upload(&s3, "watch", "inputs/a1/source.mp4", &input).await;

    let settings = wire_settings(
        &preset("web-ladder"),
        "s3://watch/inputs/a1/source.mp4",
        "media",
        "a1",
    );
    let created = create_job(&mc, &settings, None, &[("assetId", "a1")]).await;
    assert_eq!(created.status(), Some(&JobStatus::Submitted));
    let id = created.id().expect("id").to_owned();
    assert!(created
        .arn()
        .is_some_and(|a| a.ends_with(&format!(":jobs/{id}"))));

    let job = wait_for(&mc, &id, |j| {
        // Observed phases must be the documented ones while PROGRESSING.
        if j.status() == Some(&JobStatus::Progressing) {
            assert!(matches!(
                j.current_phase(),
                Some(JobPhase::Probing | JobPhase::Transcoding | JobPhase::Uploading)
            ));
        }
        matches!(
            j.status(),
            Some(JobStatus::Complete | JobStatus::Error | JobStatus::Canceled)
        )
    })
    .await;
    assert_eq!(
        job.status(),
        Some(&JobStatus::Complete),
        "error: {:?}",
        job.error_message()
    );
    assert_eq!(job.job_percent_complete(), Some(100));
    assert_eq!(
        job.user_metadata()
            .and_then(|m| m.get("assetId"))
            .map(String::as_str),
        Some("a1")
    );
    assert_eq!(job.role(), Some(ROLE));
    let timing = job.timing().expect("timing");
    let (submit, start, finish) = (
        timing.submit_time().expect("submit"),
        timing.start_time().expect("start"),
        timing.finish_time().expect("finish"),
    );
    assert!(submit.secs() <= start.secs() && start.secs() <= finish.secs());
    // Settings are echoed as sent.
    let echoed = job.settings().expect("settings");
    assert_eq!(
        echoed.inputs()[0].file_input(),
        Some("s3://watch/inputs/a1/source.mp4")
    );
    assert_eq!(
        echoed.output_groups().len(),
        settings["outputGroups"].as_array().expect("groups").len()
    );
    let details = job.output_group_details();
    assert_eq!(details.len(), 4, "one entry per output group");
    let rung_heights: Vec<i32> = details[0]
        .output_details()
        .iter()
        .filter_map(|o| o.video_details()?.height_in_px())
        .collect();
    assert!(
        rung_heights.contains(&360) && rung_heights.contains(&720),
        "{rung_heights:?}"
    );

    // Every output is in the local S3 under the asset, with a content type players accept.
    let listed = s3
        .list_objects_v2()
        .bucket("media")
        .prefix("a1/")
        .send()
        .await
        .expect("list outputs");
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    for prefix in ["a1/hls/", "a1/mp4/", "a1/thumbnails/", "a1/dash/"] {
        assert!(
            keys.iter().any(|k| k.starts_with(prefix)),
            "no output under {prefix}: {keys:?}"
        );
    }
    assert!(
        keys.iter().any(|k| k.ends_with(".ts")),
        "HLS segments uploaded: {keys:?}"
    );
    let master_key = "a1/hls/source.m3u8";
    let head = s3
        .head_object()
        .bucket("media")
        .key(master_key)
        .send()
        .await
        .expect("master playlist exists");
    assert_eq!(head.content_type(), Some("application/vnd.apple.mpegurl"));
    let master = s3
        .get_object()
        .bucket("media")
        .key(master_key)
        .send()
        .await
        .expect("get master");
    let master = String::from_utf8(
        master
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec(),
    )
    .expect("utf-8");
    for rung in ["source_360p.m3u8", "source_540p.m3u8", "source_720p.m3u8"] {
        assert!(master.contains(rung), "master lists {rung}:\n{master}");
        s3.head_object()
            .bucket("media")
            .key(format!("a1/hls/{rung}"))
            .send()
            .await
            .expect("rung playlist uploaded");
    }
    let mpd = keys
        .iter()
        .find(|k| k.ends_with(".mpd"))
        .expect("DASH manifest uploaded");
    let mpd_head = s3
        .head_object()
        .bucket("media")
        .key(*mpd)
        .send()
        .await
        .expect("head mpd");
    assert_eq!(mpd_head.content_type(), Some("application/dash+xml"));

    // outputGroupDetails name s3:// paths (unmodelled members, read from the raw JSON).
    let raw = raw_get_job(&backend, &id).await;
    let playlist = &raw["job"]["outputGroupDetails"][0]["playlistFilePaths"][0];
    assert_eq!(playlist, &json!(format!("s3://media/{master_key}")));
    // The work dir is gone once the job is done.
    let work = dir.path().join("data/mediaconvert/work");
    assert_eq!(std::fs::read_dir(&work).expect("work dir").count(), 0);
    backend.shutdown().await;
}

#[tokio::test]
async fn unsupported_setting_ends_in_error_naming_its_json_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = start(dir.path()).await;
    let mc = mc_client(&backend);
    let job = create_job(&mc, &av1_settings(), None, &[]).await;
    let job = wait_terminal(&mc, job.id().expect("id")).await;
    assert_eq!(job.status(), Some(&JobStatus::Error));
    assert_eq!(job.error_code(), Some(error_codes::INVALID_SETTINGS));
    let message = job.error_message().expect("message");
    assert!(
        message
            .contains("Settings.OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.Codec"),
        "{message}"
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn client_request_token_makes_create_job_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = start(dir.path()).await;
    let mc = mc_client(&backend);
    let first = create_job(&mc, &av1_settings(), Some("token-1"), &[]).await;
    let again = create_job(&mc, &av1_settings(), Some("token-1"), &[]).await;
    let other = create_job(&mc, &av1_settings(), Some("token-2"), &[]).await;
    assert_eq!(first.id(), again.id());
    assert_ne!(first.id(), other.id());
    let listed = mc.list_jobs().send().await.expect("ListJobs");
    assert_eq!(listed.jobs().len(), 2);
    backend.shutdown().await;
}

#[tokio::test]
async fn list_jobs_orders_filters_and_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = start(dir.path()).await;
    let mc = mc_client(&backend);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let job = create_job(&mc, &av1_settings(), None, &[]).await;
        let id = job.id().expect("id").to_owned();
        wait_terminal(&mc, &id).await;
        ids.push(id);
    }
    let ids_of = |jobs: &[aws_sdk_mediaconvert::types::Job]| {
        jobs.iter()
            .filter_map(|j| j.id().map(str::to_owned))
            .collect::<Vec<_>>()
    };

    let newest_first = mc.list_jobs().send().await.expect("ListJobs");
    let mut expected: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(
        ids_of(newest_first.jobs()),
        expected,
        "DESCENDING is the default"
    );
    assert!(newest_first.next_token().is_none());

    let oldest_first = mc
        .list_jobs()
        .order(Order::Ascending)
        .send()
        .await
        .expect("ListJobs");
    assert_eq!(ids_of(oldest_first.jobs()), ids);

    let page1 = mc
        .list_jobs()
        .order(Order::Ascending)
        .max_results(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(ids_of(page1.jobs()), ids[..2]);
    let token = page1.next_token().expect("more pages").to_owned();
    let page2 = mc
        .list_jobs()
        .order(Order::Ascending)
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .expect("page 2");
    assert_eq!(ids_of(page2.jobs()), ids[2..]);
    assert!(page2.next_token().is_none());

    let errors = mc
        .list_jobs()
        .status(JobStatus::Error)
        .send()
        .await
        .expect("ListJobs ERROR");
    expected.sort();
    let mut got = ids_of(errors.jobs());
    got.sort();
    assert_eq!(got, expected);
    let complete = mc
        .list_jobs()
        .status(JobStatus::Complete)
        .send()
        .await
        .expect("ListJobs COMPLETE");
    assert!(complete.jobs().is_empty());

    let missing = mc
        .get_job()
        .id("0000-nosuch")
        .send()
        .await
        .expect_err("unknown job");
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_not_found_exception()),
        "{missing:?}"
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_job_stops_a_running_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = start(&dir.path().join("data")).await;
    let (mc, s3) = (mc_client(&backend), s3_client(&backend));
    create_buckets(&s3, &["watch", "media"]).await;
    // Long enough that the full ladder is still transcoding when the cancel arrives.
    let input = make_input(dir.path(), "long.mp4", "320x180", 60);
    upload(&s3, "watch", "inputs/c1/long.mp4", &input).await;
    let settings = wire_settings(
        &preset("web-ladder"),
        "s3://watch/inputs/c1/long.mp4",
        "media",
        "c1",
    );
    let job = create_job(&mc, &settings, None, &[]).await;
    let id = job.id().expect("id").to_owned();
    wait_for(&mc, &id, |j| {
        j.current_phase() == Some(&JobPhase::Transcoding)
            || j.status() != Some(&JobStatus::Submitted)
                && j.status() != Some(&JobStatus::Progressing)
    })
    .await;

    mc.cancel_job().id(&id).send().await.expect("CancelJob");
    let job = get_job(&mc, &id).await;
    assert_eq!(job.status(), Some(&JobStatus::Canceled));
    assert!(job.timing().and_then(|t| t.finish_time()).is_some());
    let again = mc
        .cancel_job()
        .id(&id)
        .send()
        .await
        .expect_err("a canceled job cannot be canceled");
    assert!(
        again
            .as_service_error()
            .is_some_and(|e| e.is_conflict_exception()),
        "{again:?}"
    );

    // The runner stops and cleans up: the work dir empties and nothing was uploaded.
    backend.shutdown().await;
    let work = dir.path().join("data/mediaconvert/work");
    assert_eq!(std::fs::read_dir(&work).expect("work dir").count(), 0);
    let backend = start(&dir.path().join("data")).await;
    let s3 = s3_client(&backend);
    let listed = s3
        .list_objects_v2()
        .bucket("media")
        .send()
        .await
        .expect("list");
    assert!(listed.contents().is_empty(), "no outputs of a canceled job");
    assert_eq!(
        get_job(&mc_client(&backend), &id).await.status(),
        Some(&JobStatus::Canceled)
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn wrong_secret_is_rejected_and_describe_endpoints_answers_its_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = start(dir.path()).await;
    let bad = mc_client_with(&backend, "not-the-secret");
    let err = bad.list_jobs().send().await.expect_err("wrong secret");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert!(bad.create_job().role(ROLE).send().await.is_err());

    let mc = mc_client(&backend);
    // Deprecated in the SDK, but older clients still call it first.
    #[allow(deprecated)]
    let endpoints = mc
        .describe_endpoints()
        .send()
        .await
        .expect("DescribeEndpoints");
    assert_eq!(
        endpoints.endpoints()[0].url(),
        Some(backend.mediaconvert.endpoint_url().as_str())
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_restart_and_an_interrupted_job_is_resumed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let backend = start(&data).await;
    let (mc, s3) = (mc_client(&backend), s3_client(&backend));
    create_buckets(&s3, &["watch", "media"]).await;
    let finished = create_job(&mc, &av1_settings(), Some("done-token"), &[]).await;
    let finished_id = finished.id().expect("id").to_owned();
    wait_terminal(&mc, &finished_id).await;

    // Long enough that the transcode is surely still running when the server stops.
    let input = make_input(dir.path(), "clip.mp4", "320x180", 60);
    upload(&s3, "watch", "inputs/r1/clip.mp4", &input).await;
    let job = create_job(
        &mc,
        &small_mp4_settings("s3://watch/inputs/r1/clip.mp4", "s3://media/r1/mp4/"),
        None,
        &[],
    )
    .await;
    let id = job.id().expect("id").to_owned();
    let seen = wait_for(&mc, &id, |j| {
        j.current_phase() == Some(&JobPhase::Transcoding)
            || !matches!(
                j.status(),
                Some(JobStatus::Submitted | JobStatus::Progressing)
            )
    })
    .await;
    assert_eq!(seen.status(), Some(&JobStatus::Progressing));
    // Stopping the server mid-job must not finish the job: it stays PROGRESSING on disk…
    backend.shutdown().await;
    let on_disk: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data.join(format!("mediaconvert/jobs/{id}.json"))).expect("job file"),
    )
    .expect("job file is JSON");
    assert_eq!(on_disk["job"]["status"], "PROGRESSING");

    // …and the next start runs it again to the end.

    let backend = start(&data).await;
    let mc = mc_client(&backend);
    let before = get_job(&mc, &finished_id).await;
    assert_eq!(
        before.status(),
        Some(&JobStatus::Error),
        "finished jobs keep their state"
    );
    assert_eq!(
        create_job(&mc, &av1_settings(), Some("done-token"), &[])
            .await
            .id(),
        Some(finished_id.as_str()),
        "tokens survive too"
    );
    let job = wait_terminal(&mc, &id).await;
    assert_eq!(
        job.status(),
        Some(&JobStatus::Complete),
        "error: {:?}",
        job.error_message()
    );
    let s3 = s3_client(&backend);
    s3.head_object()
        .bucket("media")
        .key("r1/mp4/clip_small.mp4")
        .send()
        .await
        .expect("output of the resumed job");
    assert_eq!(
        mc.list_jobs().send().await.expect("ListJobs").jobs().len(),
        2
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn refuses_non_loopback_binds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = LocalMediaConvertConfig {
        bind: std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
        ..LocalMediaConvertConfig::new(dir.path(), "http://127.0.0.1:9")
    };
    let err = LocalMediaConvert::start(config)
        .await
        .err()
        .expect("0.0.0.0 is refused");
    assert_eq!(err.kind(), "non_loopback_bind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_folder_starts_one_job_per_finished_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let watch = WatchConfig {
        watch_bucket: "watch".into(),
        media_bucket: "media".into(),
        preset: serde_json::from_str(DEFAULT_PRESET_JSON).expect("preset"),
    };
    let backend = LocalBackend::start(LocalBackendConfig {
        watch: Some(watch),
        ..LocalBackendConfig::new(dir.path().join("data"))
    })
    .await
    .expect("backend starts");
    let (mc, s3) = (mc_client(&backend), s3_client(&backend));
    create_buckets(&s3, &["watch", "media"]).await;

    // None of these may start a job: a chunk piece, a key outside inputs/, an unfinished multipart upload.
    s3.put_object()
        .bucket("watch")
        .key("inputs/w1/clip.mp4.CHUNK1")
        .body(vec![1u8; 64].into())
        .send()
        .await
        .expect("put chunk");
    s3.put_object()
        .bucket("watch")
        .key("other/clip.mp4")
        .body(vec![1u8; 64].into())
        .send()
        .await
        .expect("put other");
    let upload_id = s3
        .create_multipart_upload()
        .bucket("watch")
        .key("inputs/w2/big.mp4")
        .send()
        .await
        .expect("create MPU");
    s3.upload_part()
        .bucket("watch")
        .key("inputs/w2/big.mp4")
        .upload_id(upload_id.upload_id().expect("upload id"))
        .part_number(1)
        .body(vec![2u8; 1024].into())
        .send()
        .await
        .expect("upload part");

    let input = make_input(dir.path(), "clip.mp4", "320x180", 4);
    upload(&s3, "watch", "inputs/w1/clip.mp4", &input).await;
    // Events are handled in order, so once this upload's job exists the earlier ones were seen.
    let mut jobs = Vec::new();
    for _ in 0..2000 {
        jobs = mc
            .list_jobs()
            .send()
            .await
            .expect("ListJobs")
            .jobs()
            .to_vec();
        if !jobs.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(jobs.len(), 1, "exactly one job: {jobs:?}");
    let job = &jobs[0];
    assert_eq!(
        job.user_metadata()
            .and_then(|m| m.get("assetId"))
            .map(String::as_str),
        Some("w1")
    );
    let settings = job.settings().expect("settings echoed in wire casing");
    assert_eq!(
        settings.inputs()[0].file_input(),
        Some("s3://watch/inputs/w1/clip.mp4")
    );
    let hls = settings.output_groups()[0]
        .output_group_settings()
        .and_then(|g| g.hls_group_settings())
        .expect("HLS group");
    assert_eq!(hls.destination(), Some("s3://media/w1/hls/"));

    let done = wait_terminal(&mc, job.id().expect("id")).await;
    assert_eq!(
        done.status(),
        Some(&JobStatus::Complete),
        "error: {:?}",
        done.error_message()
    );
    s3.head_object()
        .bucket("media")
        .key("w1/hls/clip.m3u8")
        .send()
        .await
        .expect("HLS master of the watched upload");
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_folder_runs_every_job_template_kept_in_the_bucket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let watch = WatchConfig {
        watch_bucket: "watch".into(),
        media_bucket: "media".into(),
        preset: serde_json::from_str(DEFAULT_PRESET_JSON).expect("preset"),
    };
    let backend = LocalBackend::start(LocalBackendConfig { watch: Some(watch), ..LocalBackendConfig::new(dir.path().join("data")) })
        .await
        .expect("backend starts");
    let (mc, s3) = (mc_client(&backend), s3_client(&backend));
    create_buckets(&s3, &["watch", "media"]).await;
    // Two console-style templates, as the seeds keep them beside their inputs.
    let mp4 = serde_json::json!({"Settings": {"Inputs": [{"FileInput": "s3://placeholder/in.mp4"}], "OutputGroups": [{
        "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": "s3://placeholder/asset/mp4/"}},
        "Outputs": [{"NameModifier": "_small", "ContainerSettings": {"Container": "MP4"},
            "VideoDescription": {"Width": 160, "Height": 90, "CodecSettings": {"Codec": "H_264", "H264Settings": {"RateControlMode": "CBR", "Bitrate": 200000}}}}]}]}});
    let thumbs = serde_json::json!({"Settings": {"Inputs": [{}], "OutputGroups": [{
        "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": "s3://placeholder/asset/thumbs/"}},
        "Outputs": [{"NameModifier": "_poster", "ContainerSettings": {"Container": "RAW"},
            "VideoDescription": {"Width": 160, "Height": 90, "CodecSettings": {"Codec": "FRAME_CAPTURE",
                "FrameCaptureSettings": {"FramerateNumerator": 1, "FramerateDenominator": 10, "MaxCaptures": 1}}}}]}]}});
    for (key, body) in [("jobs/mp4.json", &mp4), ("jobs/thumbs.json", &thumbs)] {
        s3.put_object().bucket("watch").key(key).body(serde_json::to_vec(body).expect("json").into()).send().await.expect("put template");
    }
    s3.put_object().bucket("watch").key("jobs/notes.txt").body(b"not a template".to_vec().into()).send().await.expect("put note");

    let input = make_input(dir.path(), "clip.mp4", "320x180", 2);
    upload(&s3, "watch", "inputs/t1/clip.mp4", &input).await;
    let mut jobs = Vec::new();
    for _ in 0..2000 {
        jobs = mc.list_jobs().send().await.expect("ListJobs").jobs().to_vec();
        if jobs.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut templates: Vec<String> = jobs
        .iter()
        .filter_map(|j| j.user_metadata().and_then(|m| m.get("template")).cloned())
        .collect();
    templates.sort();
    assert_eq!(templates, vec!["jobs/mp4.json".to_string(), "jobs/thumbs.json".to_string()], "one job per template: {jobs:?}");
    for job in &jobs {
        let done = wait_terminal(&mc, job.id().expect("id")).await;
        assert_eq!(done.status(), Some(&JobStatus::Complete), "error: {:?}", done.error_message());
    }
    for key in ["t1/mp4/clip_small.mp4", "t1/thumbs/clip_poster.0000000.jpg"] {
        s3.head_object().bucket("media").key(key).send().await.unwrap_or_else(|e| panic!("{key}: {e:?}"));
    }
    backend.shutdown().await;
}
