//! Per-asset pause and resume: the schema migration that adds the `paused` state, and the
//! queue pausing before the upload, in the middle of it and (refused) after the job is
//! submitted — real SQLite, the real CLI and the embedded S3/MediaConvert servers on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{cli, ffmpeg, media, run_ok, status, tempdir};
use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use vodstudio::config::{Backend, Settings};
use vodstudio::local::LocalHost;
use vodstudio::queue::runner::{RunOptions, Runner, Silent};
use vodstudio::queue::{AssetState, NewAsset, NewUpload, Store, UploadState};

const WATCH: &str = "vodstudio-watch";
const PART: u64 = 8 << 20;

/// The columns the assets table had at schema version 3, in order.
const V3_COLUMNS: &str = "id, source_path, source_name, size_bytes, mtime_ns, preset, state, probe_json, \
    thumbnail_path, plan_json, input_bucket, input_key, upload_id, bytes_done, bytes_total, job_attempt, \
    job_id, job_status, job_phase, job_percent, outputs_json, waiting, error_kind, error_message, \
    failed_stage, created_at_ms, updated_at_ms, captions_json";

fn v3_rows(conn: &rusqlite::Connection) -> BTreeMap<String, Vec<SqlValue>> {
    let mut stmt = conn
        .prepare(&format!("SELECT {V3_COLUMNS} FROM assets"))
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let row: Vec<SqlValue> = (0..n).map(|i| r.get(i).unwrap()).collect();
        let id = match &row[0] {
            SqlValue::Text(t) => t.clone(),
            other => panic!("id {other:?}"),
        };
        Ok((id, row))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn migration_004_keeps_every_row_and_index_and_admits_paused() {
    let dir = tempdir();
    let path = dir.path().join("vodstudio.db");
    {
        // A database as version 0.1 left it: migrations 001–003 only.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../src/queue/migrations/001_uploads.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../src/queue/migrations/002_assets.sql"))
            .unwrap();
        conn.execute_batch(include_str!(
            "../src/queue/migrations/003_asset_captions.sql"
        ))
        .unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute(
            "INSERT INTO uploads (id, endpoint, bucket, key, file_path, file_size_bytes, file_mtime_ns, \
             file_fingerprint, part_size_bytes, checksum_algorithm, s3_upload_id, state, created_at_ms, updated_at_ms) \
             VALUES (7, 'http://127.0.0.1:1', 'w', 'inputs/x/a.mov', '/v/a.mov', 100, 1, 'fp', 8388608, 'CRC32C', 'up-1', 'completed', 1, 2)",
            [],
        )
        .unwrap();
        let states = [
            "added",
            "probed",
            "uploading",
            "uploaded",
            "submitted",
            "transcoding",
            "complete",
            "failed",
            "canceled",
        ];
        for (i, state) in states.iter().enumerate() {
            let late = i >= 3;
            conn.execute(
                "INSERT INTO assets (id, source_path, source_name, size_bytes, mtime_ns, preset, state, probe_json, \
                 thumbnail_path, plan_json, input_bucket, input_key, upload_id, bytes_done, bytes_total, job_attempt, \
                 job_id, job_status, job_phase, job_percent, outputs_json, waiting, error_kind, error_message, \
                 failed_stage, created_at_ms, updated_at_ms, captions_json) \
                 VALUES (?1, ?2, ?3, ?4, 5, 'web-ladder', ?5, ?6, '/t/p.jpg', ?7, 'w', ?8, ?9, ?10, 1000, ?11, ?12, ?13, \
                 ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
                rusqlite::params![
                    format!("asset{i}"),
                    format!("/v/{state}.mov"),
                    format!("{state}.mov"),
                    1000 + i as i64,
                    state,
                    (i >= 1).then_some(r#"{"streams":[]}"#),
                    (i >= 2).then_some(r#"{"rungs":[]}"#),
                    format!("inputs/asset{i}/{state}.mov"),
                    late.then_some(7i64),
                    if late { 1000 } else { 10 * i as i64 },
                    i as i64 % 2,
                    (i >= 4).then(|| format!("job-{i}")),
                    (i == 5).then_some("PROGRESSING"),
                    (i == 5).then_some("TRANSCODING"),
                    (i >= 4).then_some(12.5 * i as f64),
                    (i == 6).then_some(r#"{"files":[]}"#),
                    (i == 2).then_some("offline"),
                    (i == 7).then_some("job_failed"),
                    (i == 7).then_some("bad input"),
                    (i == 7).then_some("transcoding"),
                    100 + i as i64,
                    200 + i as i64,
                    (i == 1).then_some(r#"[{"path":"/v/probed.srt","language":"en","format":"srt"}]"#),
                ],
            )
            .unwrap();
        }
    }
    let before = v3_rows(&rusqlite::Connection::open(&path).unwrap());
    assert_eq!(before.len(), 9);

    let store = Store::open(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    assert_eq!(
        v3_rows(&conn),
        before,
        "every row keeps every column, value for value"
    );
    let recs = store.assets().unwrap();
    assert_eq!(recs.len(), 9);
    assert!(recs.iter().all(|a| a.paused_from.is_none()));
    let fk: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(fk.is_empty(), "{fk:?}");

    // The indexes are back, the partial one with the same predicate.
    let index_sql = |name: &str| -> Option<String> {
        conn.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets' AND name = ?1",
            [name],
            |r| r.get(0),
        )
        .ok()
    };
    assert!(index_sql("assets_state").is_some());
    let partial = index_sql("assets_in_flight_source").unwrap();
    assert!(
        partial.contains("UNIQUE")
            && partial.contains("WHERE state NOT IN ('complete', 'failed', 'canceled')"),
        "{partial}"
    );

    // `paused` is a state now, and a paused asset is in flight: its file cannot be queued twice.
    let p = store.pause_asset("asset1").unwrap();
    assert_eq!(
        (p.state, p.paused_from),
        (AssetState::Paused, Some(AssetState::Probed))
    );
    let insert_dup = |path: &str| {
        conn.execute(
            "INSERT INTO assets (id, source_path, source_name, size_bytes, mtime_ns, preset, state, created_at_ms, updated_at_ms) \
             VALUES (?1, ?2, 'x', 1, 1, 'web-ladder', 'added', 1, 1)",
            rusqlite::params![format!("dup-{}", path.len()), path],
        )
    };
    let err = insert_dup("/v/probed.mov").unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");
    insert_dup("/v/complete.mov").unwrap();
    // The CHECKs hold: no unknown state, and paused exactly when paused_from is set.
    let bad = |sql: &str| {
        conn.execute(sql, [])
            .expect_err(sql)
            .to_string()
            .contains("CHECK")
    };
    assert!(bad(
        "UPDATE assets SET state = 'sleeping' WHERE id = 'asset0'"
    ));
    assert!(bad(
        "UPDATE assets SET state = 'paused' WHERE id = 'asset0'"
    ));
    assert!(bad(
        "UPDATE assets SET paused_from = 'submitted', state = 'paused' WHERE id = 'asset4'"
    ));
    // The rest of the store still works on the migrated rows.
    assert_eq!(
        store.resume_asset("asset1").unwrap().state,
        AssetState::Probed
    );
    assert_eq!(
        store.retry_asset("asset7").unwrap(),
        Some(AssetState::Uploaded)
    );
}

/// The local backend of `data` in this process (the CLI having exited) and its clients.
async fn backend(data: &Path) -> (LocalHost, Backend, Settings) {
    let host = LocalHost::start_or_join(data).await.unwrap();
    let settings = Settings::load(data).unwrap();
    let b = Backend::connect(&settings, Some(&host.endpoints))
        .await
        .unwrap();
    (host, b, settings)
}

/// Multipart uploads the watch bucket holds: upload id → key.
async fn multipart_uploads(b: &Backend) -> BTreeMap<String, String> {
    let out =
        b.s3.list_multipart_uploads()
            .bucket(WATCH)
            .send()
            .await
            .unwrap();
    out.uploads()
        .iter()
        .map(|u| {
            (
                u.upload_id().unwrap().to_owned(),
                u.key().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Part number → size of the parts S3 holds for an unfinished upload.
async fn server_parts(b: &Backend, key: &str, upload_id: &str) -> BTreeMap<i32, i64> {
    let out =
        b.s3.list_parts()
            .bucket(WATCH)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .unwrap();
    out.parts()
        .iter()
        .map(|p| (p.part_number().unwrap(), p.size().unwrap()))
        .collect()
}

async fn object_keys(b: &Backend, prefix: &str) -> Vec<String> {
    let out =
        b.s3.list_objects_v2()
            .bucket(WATCH)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

/// Runs a CLI command off the async runtime.
async fn cli_out(data: &Path, args: &[&str]) -> std::process::Output {
    let (data, args): (PathBuf, Vec<String>) = (
        data.to_owned(),
        args.iter().map(|s| s.to_string()).collect(),
    );
    tokio::task::spawn_blocking(move || cli(&data).args(&args).output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn paused_before_upload_the_runner_leaves_it_and_resumed_it_completes() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let src = dir.path().join("clip.mp4");
    std::fs::copy(media("short.mp4"), &src).unwrap();
    run_ok(cli(&data).arg("add").arg(&src));
    let id = status(&data)[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(status(&data)[0]["state"], "probed");

    let out = run_ok(cli(&data).args(["pause", &id[..5], "--json"]));
    let paused: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (paused["state"].as_str(), paused["paused_from"].as_str()),
        (Some("paused"), Some("probed"))
    );
    let text = run_ok(cli(&data).arg("status"));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains(&format!("{id}  paused (probed)")),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );

    // The run has nothing to do: it returns at once, and touches neither the asset nor S3.
    let started = Instant::now();
    let out = run_ok(cli(&data).args(["run", "--json"]));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (summary["complete"].as_u64(), summary["unfinished"].as_u64()),
        (Some(0), Some(0)),
        "{summary}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    let s = status(&data);
    assert_eq!(
        (
            s[0]["state"].as_str(),
            s[0]["bytes_done"].as_u64(),
            s[0]["upload_id"].as_i64()
        ),
        (Some("paused"), Some(0), None),
        "{s:#?}"
    );
    {
        // Nothing was sent: the local backend has not even created the watch bucket (made on the
        // first upload), or it holds nothing of this asset.
        let (host, b, _) = backend(&data).await;
        match b.s3.head_bucket().bucket(WATCH).send().await {
            Ok(_) => {
                assert!(object_keys(&b, &format!("inputs/{id}/")).await.is_empty());
                assert!(multipart_uploads(&b).await.is_empty());
            }
            Err(e) => assert_eq!(
                e.raw_response().map(|r| r.status().as_u16()),
                Some(404),
                "{e:?}"
            ),
        }
        host.shutdown().await;
    }
    // Resuming twice: the second is refused with its own kind.
    let out = run_ok(cli(&data).args(["resume", &id[..5], "--json"]));
    let resumed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resumed["state"], "probed");
    let again = cli(&data).args(["resume", &id, "--json"]).output().unwrap();
    assert!(!again.status.success());
    let err: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(err["error"]["kind"], "not_paused", "{err}");

    let out = run_ok(cli(&data).args(["run", "--json"]));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["complete"], 1, "{summary}");
    assert_eq!(status(&data)[0]["state"], "complete");
    // Finished: pausing is refused, and says why.
    let done = cli(&data).args(["pause", &id, "--json"]).output().unwrap();
    assert!(!done.status.success());
    let err: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(err["error"]["kind"], "asset_finished", "{err}");
}

#[test]
fn pausing_after_the_job_is_submitted_is_refused_as_not_pausable() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let store = Store::open_in(&data).unwrap();
    let (a, _) = store
        .add_asset(&NewAsset {
            source_path: "/v/trip.mov".into(),
            source_name: "trip.mov".into(),
            size_bytes: 100,
            mtime_ns: 1,
            preset: "web-ladder".into(),
        })
        .unwrap();
    let up = store
        .insert_upload(&NewUpload {
            endpoint: "http://127.0.0.1:1".into(),
            bucket: WATCH.into(),
            key: format!("inputs/{}/trip.mov", a.id),
            file_path: "/v/trip.mov".into(),
            file_size_bytes: 100,
            file_mtime_ns: 1,
            file_fingerprint: "fp".into(),
            part_size_bytes: PART,
            checksum_algorithm: "CRC32C".into(),
        })
        .unwrap();
    assert!(store.set_asset_probed(&a.id, "{}", None).unwrap());
    assert!(store.set_asset_uploading(&a.id, 100).unwrap());
    assert!(store.set_asset_uploaded(&a.id, up.id).unwrap());
    assert!(store.set_asset_submitted(&a.id, "job-1").unwrap());

    for state in ["submitted", "transcoding"] {
        if state == "transcoding" {
            assert!(store
                .set_asset_job_progress(&a.id, "PROGRESSING", Some("TRANSCODING"), Some(40.0))
                .unwrap());
        }
        let out = cli(&data)
            .args(["pause", &a.id[..6], "--json"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(err["error"]["kind"], "not_pausable", "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(state)
                && message.contains("cannot be paused")
                && message.contains("cancel"),
            "{message}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot be paused"), "{stderr}");
        assert_eq!(status(&data)[0]["state"], state, "refused: nothing changed");
    }
}

/// A source of `secs` seconds of x264-lossless noise: incompressible, ~8.5 MB a second.
fn noise_clip(dir: &Path, secs: u32) -> PathBuf {
    let p = dir.join("big.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("nullsrc=size=640x360:rate=25:duration={secs},geq=random(1)*255:128:128"),
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

/// Queues `src` in `data` with uploads capped at two parts a second, `concurrency` in flight (so
/// a pause lands with parts still to send); returns the asset id.
fn queue_capped(data: &Path, src: &Path, concurrency: u64) -> String {
    run_ok(cli(data).args([
        "settings",
        "set",
        &format!("bandwidth-limit={}", 2 * PART),
        &format!("upload-concurrency={concurrency}"),
    ]));
    run_ok(cli(data).arg("add").arg(src));
    status(data)[0]["id"].as_str().unwrap().to_owned()
}

/// A runner in this process over `data`'s queue and local backend (whose clients come too).
async fn in_process_runner(data: &Path) -> (LocalHost, Backend, Store, Runner) {
    let (host, b, settings) = backend(data).await;
    let store = Store::open_in(data).unwrap();
    let runner = Runner::new(store.clone(), b.clone(), settings, data, Arc::new(Silent));
    (host, b, store, runner)
}

/// Waits until the asset's upload has at least `n` confirmed parts; returns its record.
async fn wait_for_parts(store: &Store, id: &str, n: usize) -> vodstudio::queue::UploadRecord {
    let started = Instant::now();
    loop {
        let asset = store.asset(id).unwrap().unwrap();
        if let Some(up) = store.unfinished_upload_of(&asset).unwrap() {
            if store.parts(up.id).unwrap().len() >= n {
                return up;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the upload never got going"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_mid_upload_stops_it_keeps_the_multipart_upload_and_resume_sends_only_the_rest() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let src = noise_clip(dir.path(), 6);
    let size = std::fs::metadata(&src).unwrap().len();
    let total_parts = size.div_ceil(PART);
    assert!(
        total_parts >= 5,
        "the source must span several parts ({size} bytes)"
    );
    let concurrency = 2u64;
    let id = queue_capped(&data, &src, concurrency);
    let (host, b, store, runner) = in_process_runner(&data).await;
    let opts = RunOptions {
        only: None,
        exit_when_idle: true,
    };
    let first = tokio::spawn({
        let runner = runner.clone();
        let opts = opts.clone();
        async move { runner.run(opts, CancellationToken::new()).await }
    });

    // Two parts confirmed, more to go: pause it (from another process, as a user would).
    let upload = wait_for_parts(&store, &id, 2).await;
    let out = cli_out(&data, &["pause", &id[..6]]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paused_at = Instant::now();
    let confirmed_at_pause = store.parts(upload.id).unwrap().len() as u64;
    assert!(
        confirmed_at_pause < total_parts,
        "paused too late to test anything"
    );

    // The run notices within its poll, stops the upload and, with nothing else to do, ends.
    let summary = tokio::time::timeout(Duration::from_secs(10), first)
        .await
        .expect("the paused upload did not stop")
        .unwrap()
        .unwrap();
    let stopped_after = paused_at.elapsed();
    assert!(
        stopped_after < Duration::from_secs(3),
        "stopped after {stopped_after:?}"
    );
    assert_eq!(
        (summary.paused, summary.complete, summary.unfinished),
        (1, 0, 0),
        "{summary:?}"
    );

    let asset = store.asset(&id).unwrap().unwrap();
    assert_eq!(
        (asset.state, asset.paused_from),
        (AssetState::Paused, Some(AssetState::Uploading))
    );
    let rec = store.upload(upload.id).unwrap().unwrap();
    assert_eq!(
        rec.state,
        UploadState::Paused,
        "the upload record is paused, not canceled"
    );
    let s3_id = rec.s3_upload_id.clone().unwrap();
    // The multipart upload is still on S3 with the parts sent: not aborted.
    assert_eq!(multipart_uploads(&b).await.get(&s3_id), Some(&rec.key));
    let on_server = server_parts(&b, &rec.key, &s3_id).await;
    let recorded: Vec<u32> = store
        .parts(upload.id)
        .unwrap()
        .iter()
        .map(|p| p.part_number)
        .collect();
    assert!(
        recorded
            .iter()
            .all(|n| on_server.contains_key(&(*n as i32))),
        "every recorded part is on the server: {recorded:?} vs {on_server:?}"
    );
    // Only parts already in flight when the runner saw the pause could still land.
    assert!(
        (on_server.len() as u64) < total_parts
            && on_server.len() as u64 <= confirmed_at_pause + concurrency + 1,
        "{} of {total_parts} parts on the server, {confirmed_at_pause} confirmed at the pause",
        on_server.len()
    );
    // And it stays stopped.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        server_parts(&b, &rec.key, &s3_id).await,
        on_server,
        "parts kept arriving after the pause"
    );
    assert_eq!(store.asset(&id).unwrap().unwrap().state, AssetState::Paused);
    let on_server_bytes: u64 = on_server.values().map(|s| *s as u64).sum();
    eprintln!(
        "{total_parts} parts; {confirmed_at_pause} confirmed at the pause, {} on the server after it, stopped in {:?}",
        on_server.len(),
        stopped_after
    );

    // Resume (the CLI), then a run here that reports what it sends.
    let out = cli_out(&data, &["resume", &id[..6], "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resumed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resumed["state"], "uploading");
    let mut rx = runner.signals().subscribe_uploads();
    let summary = runner.run(opts, CancellationToken::new()).await.unwrap();
    assert_eq!(summary.complete, 1, "{summary:?}");
    let mut snaps = Vec::new();
    while let Ok(s) = rx.try_recv() {
        snaps.push(s.progress);
    }
    assert!(!snaps.is_empty());
    // Every part the server had was reused: the resumed run sent only the parts missing from
    // the server — the never-sent ones and those cut off mid-request by the pause (at most
    // `concurrency`); no confirmed part went twice.
    for p in &snaps {
        assert_eq!(p.bytes_reused, on_server_bytes, "{p:?}");
    }
    let last = snaps.last().unwrap();
    assert_eq!(
        (last.bytes_done, last.parts_total as u64),
        (size, total_parts),
        "{last:?}"
    );

    // The same multipart upload was completed (not a new one), and the object is the file.
    let asset = store.asset(&id).unwrap().unwrap();
    let done = store.upload(asset.upload_id.unwrap()).unwrap().unwrap();
    assert_eq!(
        (done.id, done.state, done.s3_upload_id.as_deref()),
        (upload.id, UploadState::Completed, Some(s3_id.as_str()))
    );
    assert!(multipart_uploads(&b).await.is_empty());
    let obj =
        b.s3.get_object()
            .bucket(WATCH)
            .key(&rec.key)
            .send()
            .await
            .unwrap();
    let bytes = obj.body.collect().await.unwrap().into_bytes();
    assert!(
        bytes.as_ref() == std::fs::read(&src).unwrap().as_slice(),
        "the object differs from the file"
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn canceling_a_paused_upload_aborts_its_multipart_upload() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let src = noise_clip(dir.path(), 4);
    assert!(std::fs::metadata(&src).unwrap().len() > 3 * PART);
    let id = queue_capped(&data, &src, 2);
    let (host, b, store, runner) = in_process_runner(&data).await;
    let run = tokio::spawn(async move {
        runner
            .run(
                RunOptions {
                    only: None,
                    exit_when_idle: true,
                },
                CancellationToken::new(),
            )
            .await
    });
    let upload = wait_for_parts(&store, &id, 1).await;
    let out = cli_out(&data, &["pause", &id]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the paused upload did not stop")
        .unwrap()
        .unwrap();
    assert_eq!(summary.paused, 1, "{summary:?}");
    let s3_id = store
        .upload(upload.id)
        .unwrap()
        .unwrap()
        .s3_upload_id
        .unwrap();
    assert!(multipart_uploads(&b).await.contains_key(&s3_id));

    // No runner drives a paused asset: `cancel` itself removes the partial upload from S3.
    let out = cli_out(&data, &["cancel", &id]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        store.asset(&id).unwrap().unwrap().state,
        AssetState::Canceled
    );
    assert_eq!(
        store.upload(upload.id).unwrap().unwrap().state,
        UploadState::Canceled
    );
    assert!(
        !multipart_uploads(&b).await.contains_key(&s3_id),
        "the paused multipart upload was aborted"
    );
    host.shutdown().await;
}
