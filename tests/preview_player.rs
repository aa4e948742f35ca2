//! The preview player end to end in a real browser: a generated clip goes through the queue on
//! the local backend, `vodstudio preview` serves it, and Debian's Chromium (headless, driven by
//! playwright-core: `ui/e2e/player.e2e.mjs`) plays HLS and DASH, shows the sidecar's captions,
//! holds each rendition, compares, scrubs, and stops with a clear message when the link expires.
//! Screenshots are kept in `$CARGO_TARGET_DIR/e2e-artifacts/player/` (or `target/` when unset).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{cli, status};
use serde_json::Value;

const UI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui");
const CUE_1: &str = "Hello from the captions";
const CUE_2: &str = "Second line of the captions";

/// `vodstudio preview ID --json …` running; its printed JSON.
struct Preview {
    child: Child,
    info: Value,
}

impl Preview {
    fn start(data: &Path, id: &str, extra: &[&str]) -> Self {
        let mut child = cli(data)
            .args(["preview", id, "--json"])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("vodstudio preview starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut text = String::new();
        // The JSON is printed whole before serving starts; read up to its closing brace.
        loop {
            let mut line = String::new();
            let n = out.read_line(&mut line).expect("read preview output");
            assert!(
                n > 0,
                "vodstudio preview exited before printing its URL: {text}"
            );
            text.push_str(&line);
            if line.trim_end() == "}" {
                break;
            }
        }
        let info: Value = serde_json::from_str(&text).expect("preview prints JSON");
        Self { child, info }
    }

    fn url(&self) -> &str {
        self.info["url"].as_str().expect("url")
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        // Ctrl-C, as a user stops it; the service shuts down gracefully.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("e2e-artifacts").join("player")
}

/// Runs the browser script; returns its figures.
fn browser(args: &[&str]) -> Value {
    let out = Command::new("node")
        .current_dir(UI)
        .arg("e2e/player.e2e.mjs")
        .args(args)
        .arg("--artifacts")
        .arg(artifacts())
        .output()
        .expect("node runs (scripts/setup.sh installs it)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "the browser test failed (screenshots in {}): {stderr}",
        artifacts().display()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("{}")).expect("figures JSON")
}

#[tokio::test]
async fn the_player_plays_every_rendition_signed_and_stops_when_the_link_expires() {
    assert!(
        Path::new(UI).join("dist/player.html").exists(),
        "the player page is not built: run `npm run build` in ui/ (scripts/test.sh does)"
    );
    assert!(
        Path::new(UI).join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci` in ui/ (scripts/setup.sh does)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // The clip with an English SRT sidecar beside it: the outputs carry captions.
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(common::media("landscape.mp4"), src.join("landscape.mp4")).unwrap();
    std::fs::write(
        src.join("landscape.en.srt"),
        format!("1\n00:00:00,000 --> 00:00:05,000\n{CUE_1}\n\n2\n00:00:05,000 --> 00:00:10,000\n{CUE_2}\n"),
    )
    .unwrap();
    let out = cli(&data)
        .args(["process", "--json"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "process: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let assets = status(&data);
    let id = assets[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(assets[0]["state"], "complete");

    let preview = Preview::start(&data, &id, &[]);
    let figures = browser(&[
        "--url",
        preview.url(),
        "--caption",
        CUE_1,
        "--caption",
        CUE_2,
    ]);
    // 1280x720 source: HLS 360/540/720, DASH 360/720 (the web ladder's rungs).
    assert_eq!(figures["hls_rungs"], serde_json::json!([720, 540, 360]));
    assert_eq!(figures["dash_rungs"], serde_json::json!([720, 360]));
    eprintln!(
        "preview figures: ready {} ms after start, first frame {} ms after navigation, {} requests, compare drift {:.3} s",
        preview.info["ready_ms"], figures["first_frame_ms"], figures["requests"], figures["compare_drift_s"].as_f64().unwrap_or(f64::NAN)
    );
    drop(preview);

    // A link that expires while playing: the page stops and says why; the service refuses it.
    let expiring = Preview::start(&data, &id, &["--ttl", "8s"]);
    browser(&["--expiring-url", expiring.url()]);
    let (base, fragment) = expiring.url().split_once("/player/#").unwrap();
    let token = fragment.rsplit_once("token=").unwrap().1;
    let resp = reqwest::get(format!("{base}/_api/{id}/{token}/outputs"))
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::FORBIDDEN);
}

#[test]
fn preview_refuses_unknown_and_unfinished_assets_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let unknown = cli(&data)
        .args(["preview", "nosuchasset"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("nosuchasset"), "{err}");

    let add = cli(&data)
        .args(["add", "--json"])
        .arg(common::media("short.mp4"))
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let assets = status(&data);
    let id = assets[0]["id"].as_str().unwrap();
    let early = cli(&data).args(["preview", id]).output().unwrap();
    assert!(!early.status.success());
    let err = String::from_utf8_lossy(&early.stderr);
    assert!(err.contains("only complete assets"), "{err}");
    let bad_ttl = cli(&data)
        .args(["preview", id, "--ttl", "13h"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad_ttl.stderr).contains("--ttl"));
}
