//! The app on Tauri's mock runtime, and invoking its commands through the real IPC path, for
//! every test binary of the shell.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// The app over a fresh data dir (kept alive by the returned guard), without the queue session.
pub fn app_in(data_dir: &Path) -> App<MockRuntime> {
    vodstudio_app::app_builder(mock_builder(), data_dir, false)
        .expect("open the data dir")
        .build(vodstudio_app::context())
        .expect("build the app on the mock runtime")
}

pub fn app() -> (tempfile::TempDir, App<MockRuntime>) {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path());
    (dir, app)
}

/// The window tauri.conf.json declares (Tauri creates config windows in `run`, which tests skip).
pub fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
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

pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
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

/// A `seconds` s H.264 + AAC clip of `size` at `fps` in `dir`, made with ffmpeg's lavfi sources.
pub fn make_clip(dir: &Path, name: &str, size: &str, fps: u32, seconds: u32) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={size}:rate={fps}:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:sample_rate=48000:duration={seconds}"))
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed to make the test clip {name}");
    path
}
