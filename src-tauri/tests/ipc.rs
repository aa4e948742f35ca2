//! The commands through Tauri's real IPC path (invoke request → ACL check → handler → JSON), on
//! the mock runtime with the app's real context: tauri.conf.json and capabilities/default.json.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

fn app() -> App<MockRuntime> {
    vodstudio_app::app_builder(mock_builder())
        .build(vodstudio_app::context())
        .expect("build the app on the mock runtime")
}

/// The window tauri.conf.json declares (Tauri creates config windows in `run`, which tests skip).
fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    if let Some(window) = app.get_webview_window("main") {
        return window;
    }
    let config = app
        .config()
        .app
        .windows
        .first()
        .expect("tauri.conf.json declares a window");
    assert_eq!(
        config.label, "main",
        "capabilities/default.json grants to the window labelled main"
    );
    WebviewWindowBuilder::from_config(app, config)
        .and_then(WebviewWindowBuilder::build)
        .expect("create the main window on the mock runtime")
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| {
        body.deserialize::<Value>()
            .expect("commands answer with JSON")
    })
}

/// A 2 s 320x240 H.264 + AAC clip, made with ffmpeg's lavfi sources.
fn make_clip(dir: &Path) -> PathBuf {
    let path = dir.join("clip.mp4");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25:duration=2",
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=2",
        ])
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed to make the test clip");
    path
}

#[test]
fn app_info_reports_the_version_and_libav() {
    let app = app();
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
    let app = app();
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
    let app = app();
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
    let app = app();
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
