//! Resumable uploads against the embedded S3 server: byte-identical objects whatever happens
//! (pause, kill -9, server restart, file edits), clear failures, and no orphan uploads left.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common_s3;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;
use std::time::Duration;

use common_s3::{bytes, client, get_body, start, MIB};
use tokio::sync::watch;
use vodstudio::config::{s3_client, S3ClientSettings, StaticCredentials};
use vodstudio::local::s3::{LocalS3, LocalS3Config, LocalS3Handle};
use vodstudio::queue::{Store, UploadState};
use vodstudio::upload::{UploadControl, UploadError, UploadOptions, UploadProgress, UploadRequest, Uploader};

const BUCKET: &str = "watch";
const PART: u64 = 5 * 1024 * 1024;

struct Env {
    dir: tempfile::TempDir,
    server: LocalS3Handle,
}

impl Env {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = start(&dir.path().join("s3")).await;
        client(&server).create_bucket().bucket(BUCKET).send().await.unwrap();
        Self { dir, server }
    }

    fn settings(&self, secret: Option<&str>) -> S3ClientSettings {
        let c = self.server.credentials();
        S3ClientSettings {
            endpoint_url: Some(self.server.endpoint_url()),
            region: Some("us-east-1".into()),
            profile: None,
            credentials: Some(StaticCredentials {
                access_key_id: c.access_key_id.clone(),
                secret_access_key: secret.map_or_else(|| c.secret_access_key.clone(), str::to_string),
            }),
        }
    }

    async fn uploader(&self) -> Uploader {
        let settings = self.settings(None);
        let store = Store::open_in(&self.dir.path().join("app")).unwrap();
        Uploader::new(s3_client(&settings).await, store, settings.endpoint_id())
    }

    fn file(&self, name: &str, len: usize, seed: u8) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes(len, seed)).unwrap();
        path
    }

    async fn open_multipart_uploads(&self) -> usize {
        let out = client(&self.server).list_multipart_uploads().bucket(BUCKET).send().await.unwrap();
        out.uploads().len()
    }
}

fn request(file: &Path, key: &str) -> UploadRequest {
    UploadRequest { file: file.to_path_buf(), bucket: BUCKET.into(), key: key.into(), content_type: Some("video/mp4".into()), metadata: vec![] }
}

fn opts() -> UploadOptions {
    UploadOptions { concurrency: 3, bandwidth_limit_bytes_per_s: None, part_size_bytes: Some(PART) }
}

/// Uploads at a capped rate and pauses once `parts` parts are confirmed: a real half-done upload.
async fn upload_then_pause(up: &Uploader, req: &UploadRequest, parts: u32) {
    let control = UploadControl::default();
    let (tx, mut rx) = watch::channel(UploadProgress::default());
    let pause = control.pause.clone();
    let watcher = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            if rx.borrow().parts_done >= parts {
                pause.cancel();
                break;
            }
        }
    });
    let slow = UploadOptions { concurrency: 1, bandwidth_limit_bytes_per_s: Some(40 * MIB as u64), ..opts() };
    let err = up.upload(req, &slow, &control, &tx).await.unwrap_err();
    watcher.await.unwrap();
    assert!(matches!(err, UploadError::Paused), "{err}");
}

#[tokio::test]
async fn upload_is_byte_identical_with_progress_and_no_leftovers() {
    let env = Env::new().await;
    let file = env.file("trip.mp4", 23 * MIB + 123, 1);
    let up = env.uploader().await;
    let (tx, rx) = watch::channel(UploadProgress::default());
    let out = up.upload(&request(&file, "inputs/a/trip.mp4"), &opts(), &UploadControl::default(), &tx).await.unwrap();
    assert_eq!((out.parts, out.size_bytes, out.bytes_reused), (5, 23 * MIB as u64 + 123, 0));
    assert!(out.etag.ends_with("-5\""), "multipart ETag: {}", out.etag);
    let p = rx.borrow().clone();
    assert_eq!((p.bytes_done, p.bytes_total, p.parts_done, p.parts_total), (out.size_bytes, out.size_bytes, 5, 5));
    assert_eq!(get_body(&client(&env.server), BUCKET, "inputs/a/trip.mp4").await, std::fs::read(&file).unwrap());
    assert_eq!(env.open_multipart_uploads().await, 0);
    assert!(up.store().unfinished_uploads().unwrap().is_empty());
    let head = client(&env.server).head_object().bucket(BUCKET).key("inputs/a/trip.mp4").send().await.unwrap();
    assert_eq!(head.content_type(), Some("video/mp4"));
}

#[tokio::test]
async fn paused_upload_resumes_from_its_confirmed_parts() {
    let env = Env::new().await;
    let file = env.file("long.mov", 40 * MIB, 2);
    let up = env.uploader().await;
    upload_then_pause(&up, &request(&file, "k"), 3).await;
    let rec = &up.store().unfinished_uploads().unwrap()[0];
    assert_eq!(rec.state, UploadState::Paused);
    assert!(up.store().parts(rec.id).unwrap().len() >= 3);

    let (tx, _rx) = watch::channel(UploadProgress::default());
    let out = up.upload(&request(&file, "k"), &opts(), &UploadControl::default(), &tx).await.unwrap();
    assert!(out.bytes_reused >= 3 * PART, "resumed, not restarted: {out:?}");
    assert_eq!(out.bytes_reused + out.bytes_sent, 40 * MIB as u64);
    assert_eq!(get_body(&client(&env.server), BUCKET, "k").await, std::fs::read(&file).unwrap());
    assert_eq!(env.open_multipart_uploads().await, 0);
}

#[tokio::test]
async fn a_file_changed_between_runs_starts_a_fresh_upload() {
    let env = Env::new().await;
    let file = env.file("edit.mp4", 20 * MIB, 3);
    let up = env.uploader().await;
    upload_then_pause(&up, &request(&file, "e"), 1).await;
    assert_eq!(env.open_multipart_uploads().await, 1);
    let (tx, _rx) = watch::channel(UploadProgress::default());

    std::fs::write(&file, bytes(21 * MIB, 9)).unwrap(); // re-exported
    let out = up.upload(&request(&file, "e"), &opts(), &UploadControl::default(), &tx).await.unwrap();
    assert!(out.restarted_because.as_deref().unwrap().contains("changed"), "{out:?}");
    assert_eq!(out.bytes_reused, 0);
    assert_eq!(get_body(&client(&env.server), BUCKET, "e").await, std::fs::read(&file).unwrap());
    assert_eq!(env.open_multipart_uploads().await, 0, "the stale upload was aborted");
}

#[tokio::test]
async fn wrong_credentials_fail_clearly_and_leave_nothing_half_done() {
    let env = Env::new().await;
    let file = env.file("x.mp4", 6 * MIB, 4);
    let settings = env.settings(Some("not-the-secret"));
    let store = Store::open_in(&env.dir.path().join("app")).unwrap();
    let up = Uploader::new(s3_client(&settings).await, store.clone(), settings.endpoint_id());
    let (tx, _rx) = watch::channel(UploadProgress::default());
    let err = up.upload(&request(&file, "x"), &opts(), &UploadControl::default(), &tx).await.unwrap_err();
    assert_eq!(err.kind(), "credentials", "{err}");
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert!(store.unfinished_uploads().unwrap().is_empty());
    assert_eq!(env.open_multipart_uploads().await, 0);

    let err = env.uploader().await.upload(&UploadRequest { bucket: "nope".into(), ..request(&file, "x") }, &opts(), &UploadControl::default(), &tx).await.unwrap_err();
    assert_eq!(err.kind(), "no_such_bucket", "{err}");
}

#[tokio::test]
async fn cancel_aborts_the_multipart_upload() {
    let env = Env::new().await;
    let file = env.file("c.mp4", 30 * MIB, 5);
    let up = env.uploader().await;
    let control = UploadControl::default();
    let (tx, mut rx) = watch::channel(UploadProgress::default());
    let cancel = control.cancel.clone();
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            if rx.borrow().parts_done >= 1 {
                cancel.cancel();
                break;
            }
        }
    });
    let slow = UploadOptions { concurrency: 1, bandwidth_limit_bytes_per_s: Some(40 * MIB as u64), ..opts() };
    let err = up.upload(&request(&file, "c"), &slow, &control, &tx).await.unwrap_err();
    assert!(matches!(err, UploadError::Canceled), "{err}");
    assert_eq!(env.open_multipart_uploads().await, 0);
    assert!(up.store().unfinished_uploads().unwrap().is_empty());
    assert!(client(&env.server).head_object().bucket(BUCKET).key("c").send().await.is_err(), "no object");
}

#[tokio::test]
async fn upload_survives_the_server_restarting_mid_upload() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("s3");
    let server = start(&data_dir).await;
    let addr = server.local_addr();
    client(&server).create_bucket().bucket(BUCKET).send().await.unwrap();
    let env = Env { dir, server };
    let file = env.file("r.mp4", 40 * MIB, 6);
    let up = env.uploader().await;
    let (tx, mut rx) = watch::channel(UploadProgress::default());
    let slow = UploadOptions { concurrency: 2, bandwidth_limit_bytes_per_s: Some(30 * MIB as u64), ..opts() };
    let req = request(&file, "r");
    let task = tokio::spawn(async move { up.upload(&req, &slow, &UploadControl::default(), &tx).await });
    while rx.borrow().parts_done < 2 {
        rx.changed().await.unwrap();
    }
    let Env { dir, server } = env;
    server.shutdown().await;
    // The outage: the uploader sees refused connections and backs off meanwhile.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let server = LocalS3::start(LocalS3Config { bind: addr, ..LocalS3Config::new(&data_dir) }).await.unwrap();
    let out = tokio::time::timeout(Duration::from_secs(120), task).await.unwrap().unwrap().unwrap();
    assert!(out.bytes_sent + out.bytes_reused == 40 * MIB as u64);
    assert_eq!(get_body(&client(&server), BUCKET, "r").await, std::fs::read(&file).unwrap());
    drop(dir);
}

/// The CLI, pointed at the test server and data dir, and at nothing else.
fn cli(env: &Env) -> Command {
    let c = env.server.credentials();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vodstudio"));
    cmd.env("VODSTUDIO_DATA_DIR", env.dir.path().join("app"))
        .env("AWS_ENDPOINT_URL_S3", env.server.endpoint_url())
        .env("AWS_ACCESS_KEY_ID", &c.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
        .env("AWS_REGION", "us-east-1")
        // Never look anywhere but the environment (no ~/.aws, no instance metadata).
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null());
    cmd
}

fn cli_upload(env: &Env, file: &Path, key: &str, extra: &[&str]) -> Command {
    let mut cmd = cli(env);
    cmd.args(["upload", file.to_str().unwrap(), "--to", &format!("s3://{BUCKET}/{key}"), "--json", "--part-size", "5M"])
        .args(extra);
    cmd
}

#[tokio::test]
async fn kill_dash_nine_at_random_points_then_rerun_gives_the_same_object() {
    let env = Env::new().await;
    let file = env.file("big.mov", 60 * MIB + 7, 7);
    let expected = std::fs::read(&file).unwrap();
    let mut resumed_with_reuse = 0;
    for trial in 0..4u64 {
        let key = format!("trial-{trial}");
        let mut child = cli_upload(&env, &file, &key, &["--limit-rate", "30M", "--concurrency", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        // Somewhere between "just started" and "nearly done" (the capped run takes ~2 s).
        tokio::time::sleep(Duration::from_millis(200 + fastrand::u64(0..1600))).await;
        child.kill().await.unwrap(); // SIGKILL, then reaped

        let out = cli_upload(&env, &file, &key, &[]).output().await.unwrap();
        assert!(out.status.success(), "rerun: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (sent, reused) = (v["bytes_sent"].as_u64().unwrap(), v["bytes_reused"].as_u64().unwrap());
        assert_eq!(sent + reused, expected.len() as u64);
        if reused > 0 {
            resumed_with_reuse += 1;
        }
        assert_eq!(get_body(&client(&env.server), BUCKET, &key).await, expected, "trial {trial}");
    }
    assert!(resumed_with_reuse >= 1, "at least one trial was killed after some parts were confirmed");
    assert_eq!(env.open_multipart_uploads().await, 0);
}

#[tokio::test]
async fn uploads_command_lists_and_aborts_unfinished_uploads() {
    let env = Env::new().await;
    let file = env.file("u.mp4", 12 * MIB, 8);
    let up = env.uploader().await;
    upload_then_pause(&up, &request(&file, "u"), 1).await;
    assert_eq!(env.open_multipart_uploads().await, 1);

    let list = |args: &'static [&'static str]| {
        let mut cmd = cli(&env);
        cmd.args(args);
        async move { cmd.output().await.unwrap() }
    };
    let out = list(&["uploads", "--json"]).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v[0]["upload"]["id"].as_i64().unwrap();
    assert_eq!(v[0]["upload"]["key"], "u");
    let out = cli(&env).args(["uploads", "abort", &id.to_string()]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(env.open_multipart_uploads().await, 0);
    let out = list(&["uploads"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("no unfinished uploads"));
}

#[tokio::test]
async fn orphaned_uploads_of_ours_are_swept_and_others_are_left_alone() {
    let env = Env::new().await;
    let c = client(&env.server);
    let up = env.uploader().await;
    // One of ours that a crash left behind (recorded, then marked canceled without an abort)…
    let ours = c.create_multipart_upload().bucket(BUCKET).key("orphan").send().await.unwrap().upload_id.unwrap();
    let rec = up.store().insert_upload(&vodstudio::queue::NewUpload {
        endpoint: env.settings(None).endpoint_id(), bucket: BUCKET.into(), key: "orphan".into(),
        file_path: "/gone.mov".into(), file_size_bytes: 1, file_mtime_ns: 0, file_fingerprint: "x".into(),
        part_size_bytes: PART, checksum_algorithm: "CRC32C".into(),
    }).unwrap();
    up.store().set_s3_upload_id(rec.id, &ours).unwrap();
    up.store().set_upload_state(rec.id, UploadState::Canceled, None, None).unwrap();
    // …and one another tool is still writing.
    let theirs = c.create_multipart_upload().bucket(BUCKET).key("other-tool").send().await.unwrap().upload_id.unwrap();

    let file = env.file("s.mp4", 6 * MIB, 9);
    let (tx, _rx) = watch::channel(UploadProgress::default());
    up.upload(&request(&file, "s"), &opts(), &UploadControl::default(), &tx).await.unwrap();
    let left = c.list_multipart_uploads().bucket(BUCKET).send().await.unwrap();
    let ids: Vec<&str> = left.uploads().iter().filter_map(|u| u.upload_id()).collect();
    assert_eq!(ids, vec![theirs.as_str()], "ours ({ours}) swept, theirs kept");
}
