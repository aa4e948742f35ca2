//! The `vodstudio` CLI as scripts and people use it: output, JSON, exit codes, error lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{media, tempdir};

fn vodstudio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vodstudio")).args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn probe_many_files_reports_good_ones_in_input_order_and_fails_for_bad_ones() {
    let (a, b, c, bad) = (media("audio.wav"), media("landscape.mp4"), media("audio.mp3"), media("text.mp4"));
    let out = vodstudio(&["probe", s(&a), s(&bad), s(&b), s(&c)]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let (pa, pb, pc) = (stdout.find(s(&a)).unwrap(), stdout.find(s(&b)).unwrap(), stdout.find(s(&c)).unwrap());
    assert!(pa < pb && pb < pc, "input order kept:\n{stdout}");
    assert!(stdout.contains("1280x720") && stdout.contains("h264"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line per bad file: {stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains(s(&bad)) && stderr.contains("not a video or audio file"));
}

#[test]
fn probe_json_is_an_array_in_input_order_with_typed_errors() {
    let dir = tempdir();
    let missing = dir.path().join("gone.mov");
    let out = vodstudio(&["probe", "--json", s(&media("portrait.mp4")), s(&missing), s(&media("audio.mp3"))]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(arr[0]["ok"], true);
    assert_eq!(arr[0]["media"]["streams"][0]["display_height"], 1280);
    assert_eq!(arr[1]["ok"], false);
    assert_eq!(arr[1]["error"]["kind"], "not_found");
    assert_eq!(arr[2]["media"]["kind"], "audio");
}

#[test]
fn probe_of_a_hundred_files_succeeds() {
    let list: Vec<String> = (0..100).map(|i| s(&media(if i % 2 == 0 { "short.mp4" } else { "audio.wav" })).to_string()).collect();
    let mut args = vec!["probe", "--json"];
    args.extend(list.iter().map(String::as_str));
    let out = vodstudio(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = v.as_array().unwrap().iter().map(|e| e["media"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 100);
    assert!(kinds.iter().enumerate().all(|(i, k)| *k == if i % 2 == 0 { "video" } else { "audio" }));
}

#[test]
fn unreadable_file_says_permission_denied() {
    let dir = tempdir();
    let locked = dir.path().join("locked.mp4");
    std::fs::copy(media("short.mp4"), &locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads anything: run the CLI as an unprivileged user from a copy it can execute.
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let out = if is_root {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = dir.path().join("vodstudio");
        std::fs::copy(env!("CARGO_BIN_EXE_vodstudio"), &bin).unwrap();
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", s(&bin), "probe", s(&locked)])
            .output()
            .unwrap()
    } else {
        vodstudio(&["probe", s(&locked)])
    };
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("permission denied"), "{stderr}");
}

#[test]
fn thumbnail_writes_a_jpeg_and_reports_it() {
    let dir = tempdir();
    let out_path = dir.path().join("nested/poster.jpg");
    let out = vodstudio(&["thumbnail", s(&media("landscape.mp4")), "--at", "2.5s", "--width", "480", "-o", s(&out_path), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(480), Some(270)));
    assert_eq!(v["requested_at_s"], 2.5);
    let img = image::open(&out_path).unwrap();
    assert_eq!((img.width(), img.height()), (480, 270));
}

#[test]
fn thumbnail_sprite_writes_sheet_and_track() {
    let dir = tempdir();
    let out_path = dir.path().join("scrub.jpg");
    let out = vodstudio(&["thumbnail", s(&media("landscape.mp4")), "--sprite", "--interval", "1s", "-o", s(&out_path)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("10 tiles"));
    assert!(dir.path().join("scrub.vtt").exists());
}

#[test]
fn thumbnail_errors_are_one_clear_line() {
    let dir = tempdir();
    for (input, needle) in [(media("audio.mp3"), "no video stream"), (media("empty.mp4"), "empty")] {
        let out = vodstudio(&["thumbnail", s(&input), "-o", s(&dir.path().join("x.jpg"))]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
    }
    let out = vodstudio(&["thumbnail", s(&media("short.mp4")), "--at", "soon", "-o", "x.jpg"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}
