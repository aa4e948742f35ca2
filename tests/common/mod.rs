//! Test media, generated at run time with the ffmpeg CLI from lavfi sources (nothing binary is
//! committed). Each fixture is made once per test binary, on first use, in a shared temp dir.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

fn root() -> &'static Path {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    ROOT.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("vodstudio-media-")
            .tempdir()
            .unwrap()
    })
    .path()
}

/// Runs ffmpeg quietly; panics with its stderr if it fails (a broken fixture is a broken test).
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const X264: &[&str] = &["-c:v", "libx264", "-preset", "ultrafast"];

/// A named test file, generated on first use. Known names are listed in `make`.
pub fn media(name: &str) -> PathBuf {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
    let lock = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry(name.into())
        .or_default()
        .clone();
    let _guard = lock.lock().unwrap();
    let path = root().join(name);
    if !path.exists() {
        let tmp = root().join(format!("tmp-{name}"));
        make(name, &tmp);
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

fn make(name: &str, out: &Path) {
    let o = out.to_str().unwrap();
    fn fmt(ext: &str) -> [&str; 2] {
        ["-f", ext]
    }
    match name {
        // 1280x720 30 fps, 10 s, stereo AAC 48 kHz tagged English.
        "landscape.mp4" => ffmpeg(
            &[
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=1280x720:rate=30:duration=10",
                ],
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=440:sample_rate=48000:duration=10",
                ][..],
                &["-ac", "2", "-pix_fmt", "yuv420p"][..],
                X264,
                &[
                    "-c:a",
                    "aac",
                    "-metadata:s:a:0",
                    "language=eng",
                    "-shortest",
                ][..],
                &fmt("mp4")[..],
                &[o][..],
            ]
            .concat(),
        ),
        // The same picture, stored landscape, with a display matrix that turns it portrait (phones do this).
        "portrait.mp4" => {
            let src = media("landscape.mp4");
            ffmpeg(&[
                "-i",
                src.to_str().unwrap(),
                "-c",
                "copy",
                "-metadata:s:v:0",
                "rotate=90",
                "-f",
                "mp4",
                o,
            ]);
        }
        // Odd dimensions (4:4:4 so the size need not be even).
        "odd.mp4" => ffmpeg(
            &[
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=854x482:rate=25:duration=3",
                    "-vf",
                    "format=yuv444p,crop=853:481:0:0",
                ][..],
                X264,
                &fmt("mp4")[..],
                &[o][..],
            ]
            .concat(),
        ),
        // 2 s at 30 fps then 4 s at 10 fps: variable frame rate.
        "vfr.mp4" => ffmpeg(
            &[
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=640x360:rate=30:duration=6",
                    "-vf",
                    "setpts='if(lt(N,60),N/30,2+(N-60)/10)/TB'",
                    "-fps_mode",
                    "vfr",
                ][..],
                X264,
                &fmt("mp4")[..],
                &[o][..],
            ]
            .concat(),
        ),
        "audio.mp3" => ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=duration=5",
            "-ac",
            "2",
            "-c:a",
            "libmp3lame",
            "-f",
            "mp3",
            o,
        ]),
        "audio.wav" => ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=duration=3",
            "-ac",
            "1",
            "-f",
            "wav",
            o,
        ]),
        "surround.m4a" => ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2",
            "-af",
            "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0",
            "-c:a",
            "aac",
            "-f",
            "ipod",
            o,
        ]),
        "hdr10.mp4" => ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=24:duration=2",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=none",
            "-pix_fmt",
            "yuv420p10le",
            "-color_primaries",
            "bt2020",
            "-color_trc",
            "smpte2084",
            "-colorspace",
            "bt2020nc",
            "-tag:v",
            "hvc1",
            "-f",
            "mp4",
            o,
        ]),
        "hlg.mkv" => ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25:duration=2",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=none",
            "-pix_fmt",
            "yuv420p10le",
            "-color_primaries",
            "bt2020",
            "-color_trc",
            "arib-std-b67",
            "-colorspace",
            "bt2020nc",
            "-f",
            "matroska",
            o,
        ]),
        "short.mp4" => ffmpeg(
            &[
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=320x240:rate=30:duration=1",
                ][..],
                X264,
                &fmt("mp4")[..],
                &[o][..],
            ]
            .concat(),
        ),
        // 8 s of black, then 4 s of picture: the default 7 s poster would be black.
        "blackintro.mp4" => ffmpeg(
            &[
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "color=black:size=640x360:rate=30:duration=8",
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=640x360:rate=30:duration=4",
                    "-filter_complex",
                    "[0][1]concat=n=2:v=1",
                ][..],
                X264,
                &fmt("mp4")[..],
                &[o][..],
            ]
            .concat(),
        ),
        // Video with two subtitle tracks (French, German) in Matroska.
        "subs.mkv" => {
            let srt = root().join("subs.srt");
            std::fs::write(&srt, "1\n00:00:00,000 --> 00:00:01,000\nBonjour\n\n").unwrap();
            let s = srt.to_str().unwrap();
            ffmpeg(
                &[
                    &[
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc2=size=320x240:rate=25:duration=2",
                        "-i",
                        s,
                        "-i",
                        s,
                        "-map",
                        "0",
                        "-map",
                        "1",
                        "-map",
                        "2",
                    ][..],
                    X264,
                    &[
                        "-c:s",
                        "srt",
                        "-metadata:s:s:0",
                        "language=fra",
                        "-metadata:s:s:1",
                        "language=ger",
                        "-f",
                        "matroska",
                        o,
                    ][..],
                ]
                .concat(),
            );
        }
        // An MP4 cut short before its index (the moov box sits at the end by default).
        "truncated.mp4" => {
            let full = std::fs::read(media("landscape.mp4")).unwrap();
            std::fs::write(out, &full[..full.len() / 3]).unwrap();
        }
        "text.mp4" => std::fs::write(out, "this is a shopping list, not a video\n").unwrap(),
        "empty.mp4" => std::fs::write(out, b"").unwrap(),
        "image.png" => ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x64",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            o,
        ]),
        "image-renamed.mp4" => {
            std::fs::copy(media("image.png"), out).unwrap();
        }
        other => panic!("unknown test media {other}"),
    }
}

/// The `vodstudio` CLI with `data` as its data dir.
pub fn vodstudio(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vodstudio"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

/// The CLI with `data` as its data dir, isolated from the machine's AWS setup (no profiles, no
/// instance metadata, no `AWS_*` variables) and from the desktop session bus.
pub fn cli(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vodstudio"));
    c.env("VODSTUDIO_DATA_DIR", data)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_")
            && !matches!(
                k.as_str(),
                "AWS_CONFIG_FILE" | "AWS_SHARED_CREDENTIALS_FILE" | "AWS_EC2_METADATA_DISABLED"
            )
        {
            c.env_remove(k);
        }
    }
    c
}

/// Runs `c`, which must succeed (its output and command line otherwise).
pub fn run_ok(c: &mut Command) -> std::process::Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `vodstudio status --json` of `data`'s queue.
pub fn status(data: &Path) -> Vec<serde_json::Value> {
    let out = run_ok(cli(data).args(["status", "--json"]));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The stdout of a command that must have succeeded (its stderr otherwise).
pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A fresh temp dir for a test's outputs.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("vodstudio-test-")
        .tempdir()
        .unwrap()
}
