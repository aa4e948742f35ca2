//! The commands through Tauri's real IPC path (invoke request → ACL check → handler → JSON), on
//! the mock runtime with the app's real context: tauri.conf.json and capabilities/default.json.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{app, app_in, invoke, main_window};
use serde_json::{json, Value};
use tauri::WebviewWindowBuilder;

/// A 2 s 320x240 H.264 + AAC clip.
fn make_clip(dir: &Path) -> PathBuf {
    common::make_clip(dir, "clip.mp4", "320x240", 25, 2)
}

#[test]
fn app_info_reports_the_version_and_libav() {
    let (_data, app) = app();
    let info = invoke(&main_window(&app), "app_info", json!({})).unwrap();
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    // The state takes the Cargo version; Tauri's own (window title, bundle) must agree with it.
    assert_eq!(info["version"], app.package_info().version.to_string());
    let libav = info["libav"].as_str().unwrap();
    assert!(
        libav.starts_with("libavformat "),
        "unexpected libav string {libav:?}"
    );
}

#[test]
fn probe_file_returns_the_media_model() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path());
    let (_data, app) = app();
    let info = invoke(&main_window(&app), "probe_file", json!({ "path": clip })).unwrap();

    assert_eq!(info["kind"], "video");
    assert_eq!(info["container"], "mp4");
    assert_eq!(info["size_bytes"], std::fs::metadata(&clip).unwrap().len());
    let duration_s = info["duration_s"].as_f64().unwrap();
    assert!((1.9..=2.2).contains(&duration_s), "duration {duration_s}");
    let streams = info["streams"].as_array().unwrap();
    let video = streams
        .iter()
        .find(|s| s["type"] == "video")
        .expect("a video stream");
    assert_eq!(
        (video["codec"].as_str(), video["width"].as_u64()),
        (Some("h264"), Some(320))
    );
    assert_eq!(video["display_height"], 240);
    let audio = streams
        .iter()
        .find(|s| s["type"] == "audio")
        .expect("an audio stream");
    assert_eq!(audio["sample_rate_hz"], 48000);
}

#[test]
fn probe_file_errors_keep_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (_data, app) = app();
    let window = main_window(&app);

    let missing = dir.path().join("nope.mov");
    let err = invoke(&window, "probe_file", json!({ "path": missing })).unwrap_err();
    assert_eq!(err["kind"], "not_found");
    assert_eq!(
        err["message"],
        format!("{}: no such file", missing.display())
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a video, just words").unwrap();
    let err = invoke(&window, "probe_file", json!({ "path": text })).unwrap_err();
    assert_eq!(err["kind"], "not_media", "{err}");
}

#[test]
fn windows_without_a_capability_cannot_call_commands() {
    let (_data, app) = app();
    // Least privilege: capabilities/default.json grants our commands to "main" only.
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .unwrap();
    let err = invoke(&other, "app_info", json!({})).unwrap_err();
    let message = err.as_str().unwrap_or_default();
    assert!(
        message.contains("not allowed"),
        "expected an ACL denial, got {err}"
    );
    // The same command from the main window still works.
    assert!(invoke(&main_window(&app), "app_info", json!({})).is_ok());
}

#[test]
fn queue_commands_add_list_cancel_and_remove_against_the_real_store() {
    let data = tempfile::tempdir().unwrap();
    let media = tempfile::tempdir().unwrap();
    let clip = make_clip(media.path());
    std::fs::write(media.path().join("notes.txt"), "words").unwrap();
    let app = app_in(data.path());
    let window = main_window(&app);

    // A folder: the clip is probed and queued, the text file skipped with its reason.
    let results = invoke(
        &window,
        "add_paths",
        json!({ "paths": [media.path()], "preset": null }),
    )
    .unwrap();
    let results = results.as_array().unwrap();
    let added: Vec<&Value> = results.iter().filter(|r| r["outcome"] == "added").collect();
    assert_eq!(added.len(), 1, "{results:?}");
    assert_eq!(added[0]["path"], clip.display().to_string());
    assert!(results
        .iter()
        .any(|r| r["outcome"] == "skipped" && r["reason"].is_string()));
    let id = added[0]["id"].as_str().unwrap().to_owned();

    // Adding it again finds the asset in flight.
    let again = invoke(
        &window,
        "add_paths",
        json!({ "paths": [clip], "preset": null }),
    )
    .unwrap();
    assert_eq!(again[0]["outcome"], "already_queued");
    assert_eq!(again[0]["id"], id.as_str());

    let list = invoke(&window, "list_assets", json!({ "filter": "all" })).unwrap();
    let view = &list[0];
    assert_eq!(view["asset"]["id"], id.as_str());
    assert_eq!(view["asset"]["state"], "probed");
    assert_eq!(
        (
            view["media"]["width"].as_u64(),
            view["media"]["height"].as_u64()
        ),
        (Some(320), Some(240))
    );
    assert_eq!(view["media"]["codecs"], "h264 · aac");
    let poster = view["asset"]["thumbnail_path"].as_str().unwrap();
    assert!(
        poster.starts_with(&data.path().join("thumbs").display().to_string()),
        "{poster}"
    );
    assert!(Path::new(poster).exists());
    assert!(
        view["asset"].get("probe_json").is_none(),
        "the raw probe stays in Rust"
    );

    // Unfinished assets cannot be removed; canceled ones can, poster and all.
    let err = invoke(&window, "remove_asset", json!({ "id": id })).unwrap_err();
    assert_eq!(err["kind"], "asset_unfinished", "{err}");
    invoke(&window, "cancel_asset", json!({ "id": id })).unwrap();
    let err = invoke(&window, "cancel_asset", json!({ "id": id })).unwrap_err();
    assert_eq!(err["kind"], "wrong_state", "{err}");
    let canceled = invoke(&window, "list_assets", json!({ "filter": "canceled" })).unwrap();
    assert_eq!(canceled.as_array().unwrap().len(), 1);
    assert!(
        invoke(&window, "list_assets", json!({ "filter": "active" }))
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Retry brings it back, then cancel and remove for good.
    assert_eq!(
        invoke(&window, "retry_asset", json!({ "id": id })).unwrap(),
        "probed"
    );
    invoke(&window, "cancel_asset", json!({ "id": id })).unwrap();
    invoke(&window, "remove_asset", json!({ "id": id })).unwrap();
    assert!(invoke(&window, "list_assets", json!({ "filter": "all" }))
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());
    assert!(
        !Path::new(poster).exists(),
        "the poster goes with the asset"
    );
    let err = invoke(&window, "retry_asset", json!({ "id": id })).unwrap_err();
    assert_eq!(err["kind"], "asset_not_found", "{err}");
}

#[test]
fn the_cli_and_the_app_share_the_queue() {
    let data = tempfile::tempdir().unwrap();
    // Written by "another process": the store the CLI uses, on the same data dir.
    let store = vodstudio::queue::Store::open_in(data.path()).unwrap();
    let new = vodstudio::queue::NewAsset {
        source_path: "/videos/trip.mov".into(),
        source_name: "trip.mov".into(),
        size_bytes: 1000,
        mtime_ns: 1,
        preset: "web-ladder".into(),
    };
    let (asset, _) = store.add_asset(&new).unwrap();
    let app = app_in(data.path());
    let list = invoke(
        &main_window(&app),
        "list_assets",
        json!({ "filter": "active" }),
    )
    .unwrap();
    assert_eq!(list[0]["asset"]["id"], asset.id.as_str());
    assert!(list[0]["media"].is_null(), "not probed yet");
}

#[test]
fn pause_and_resume_cross_ipc_with_their_kinds() {
    let data = tempfile::tempdir().unwrap();
    // Assets written through the store the CLI uses: one waiting to upload, one whose job has
    // been submitted.
    let store = vodstudio::queue::Store::open_in(data.path()).unwrap();
    let new = |path: &str| vodstudio::queue::NewAsset {
        source_path: path.into(),
        source_name: "trip.mov".into(),
        size_bytes: 1000,
        mtime_ns: 1,
        preset: "web-ladder".into(),
    };
    let (queued, _) = store.add_asset(&new("/videos/trip.mov")).unwrap();
    assert!(store.set_asset_probed(&queued.id, "{}", None).unwrap());
    let (sent, _) = store.add_asset(&new("/videos/sent.mov")).unwrap();
    let up = store
        .insert_upload(&vodstudio::queue::NewUpload {
            endpoint: "http://127.0.0.1:1".into(),
            bucket: "vodstudio-watch".into(),
            key: format!("inputs/{}/sent.mov", sent.id),
            file_path: "/videos/sent.mov".into(),
            file_size_bytes: 1000,
            file_mtime_ns: 1,
            file_fingerprint: "fp".into(),
            part_size_bytes: 8 << 20,
            checksum_algorithm: "CRC32C".into(),
        })
        .unwrap();
    store.set_asset_probed(&sent.id, "{}", None).unwrap();
    store.set_asset_uploading(&sent.id, 1000).unwrap();
    store.set_asset_uploaded(&sent.id, up.id).unwrap();
    store.set_asset_submitted(&sent.id, "job-1").unwrap();

    let app = app_in(data.path());
    let window = main_window(&app);
    // A prefix of the id is enough, as for the other commands.
    assert_eq!(
        invoke(&window, "pause_asset", json!({ "id": &queued.id[..6] })).unwrap(),
        Value::Null
    );
    let paused = invoke(&window, "list_assets", json!({ "filter": "paused" })).unwrap();
    assert_eq!(paused.as_array().unwrap().len(), 1);
    assert_eq!(paused[0]["asset"]["id"], queued.id.as_str());
    assert_eq!(paused[0]["asset"]["state"], "paused");
    assert_eq!(paused[0]["asset"]["paused_from"], "probed");
    assert_eq!(
        store.asset(&queued.id).unwrap().unwrap().state,
        vodstudio::queue::AssetState::Paused,
        "the CLI's view of the queue sees the pause"
    );

    let err = invoke(&window, "pause_asset", json!({ "id": sent.id })).unwrap_err();
    assert_eq!(err["kind"], "not_pausable", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("cancel"),
        "says what to do instead: {err}"
    );
    let err = invoke(&window, "resume_asset", json!({ "id": sent.id })).unwrap_err();
    assert_eq!(err["kind"], "not_paused", "{err}");

    assert_eq!(
        invoke(&window, "resume_asset", json!({ "id": queued.id })).unwrap(),
        "probed"
    );
    assert!(
        invoke(&window, "list_assets", json!({ "filter": "paused" }))
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    invoke(&window, "cancel_asset", json!({ "id": queued.id })).unwrap();
    let err = invoke(&window, "pause_asset", json!({ "id": queued.id })).unwrap_err();
    assert_eq!(err["kind"], "asset_finished", "{err}");
    let err = invoke(&window, "pause_asset", json!({ "id": "zzzzzzzz" })).unwrap_err();
    assert_eq!(err["kind"], "asset_not_found", "{err}");
}

#[test]
fn settings_round_trip_and_invalid_ones_keep_their_kind() {
    let data = tempfile::tempdir().unwrap();
    let app = app_in(data.path());
    let window = main_window(&app);
    let mut settings = invoke(&window, "get_settings", json!({})).unwrap();
    assert_eq!(settings["profile"]["kind"], "local");
    settings["upload_concurrency"] = json!(3);
    settings["bandwidth_limit_bytes_per_s"] = json!(2_000_000);
    invoke(&window, "save_settings", json!({ "settings": settings })).unwrap();
    let saved: Value =
        serde_json::from_slice(&std::fs::read(data.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!(saved["upload_concurrency"], 3);

    settings["profile"] = json!({ "kind": "aws", "region": "eu-west-1", "credentials": "keyring" });
    let err = invoke(&window, "save_settings", json!({ "settings": settings })).unwrap_err();
    assert_eq!(err["kind"], "settings_invalid", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("watch-bucket"),
        "{err}"
    );
}

#[test]
fn new_commands_are_granted_to_main_only() {
    let (_data, app) = app();
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .unwrap();
    for cmd in [
        "list_assets",
        "store_credentials",
        "remove_asset",
        "open_preview",
        "pause_asset",
        "resume_asset",
    ] {
        let err = invoke(&other, cmd, json!({})).unwrap_err();
        assert!(
            err.as_str().unwrap_or_default().contains("not allowed"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn open_preview_refuses_unknown_and_unfinished_assets_with_their_kind() {
    let data = tempfile::tempdir().unwrap();
    let media = tempfile::tempdir().unwrap();
    let clip = make_clip(media.path());
    let app = app_in(data.path());
    let window = main_window(&app);

    let err = invoke(&window, "open_preview", json!({ "id": "nosuchasset" })).unwrap_err();
    assert_eq!(err["kind"], "asset_not_found", "{err}");

    let added = invoke(
        &window,
        "add_paths",
        json!({ "paths": [clip], "preset": null }),
    )
    .unwrap();
    let id = added[0]["id"].as_str().unwrap();
    let err = invoke(&window, "open_preview", json!({ "id": id })).unwrap_err();
    assert_eq!(err["kind"], "wrong_state", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("only complete assets"), "{message}");
}
