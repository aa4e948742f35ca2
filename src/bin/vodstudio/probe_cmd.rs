//! `vodstudio probe FILE...`: many files probed concurrently, reported in input order.

use std::path::PathBuf;
use std::process::ExitCode;

use futures::StreamExt;
use serde::Serialize;
use vodstudio::media::{self, MediaError, MediaInfo, StreamDetails};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Media files to probe.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// One entry of `--json` output: `media` on success, `error` on failure (never both).
#[derive(Serialize)]
struct Entry<'a> {
    path: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    media: Option<&'a MediaInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson>,
}

#[derive(Serialize)]
struct ErrorJson {
    kind: &'static str,
    message: String,
}

pub async fn run(args: Args, json: bool) -> anyhow::Result<ExitCode> {
    media::init();
    let results: Vec<(PathBuf, Result<MediaInfo, MediaError>)> = futures::stream::iter(args.files)
        .map(|path| async move {
            let p = path.clone();
            let res = tokio::task::spawn_blocking(move || media::probe(&p)).await;
            let res = res.unwrap_or_else(|e| {
                Err(MediaError::Io { path: path.clone(), detail: format!("probe crashed: {e}") })
            });
            (path, res)
        })
        .buffered(vodstudio::limits::probe_concurrency())
        .collect()
        .await;

    let mut failed = false;
    for (_, res) in &results {
        if let Err(e) = res {
            failed = true;
            eprintln!("error: {e}");
        }
    }
    if json {
        let entries: Vec<Entry> = results
            .iter()
            .map(|(path, res)| Entry {
                path: path.display().to_string(),
                ok: res.is_ok(),
                media: res.as_ref().ok(),
                error: res
                    .as_ref()
                    .err()
                    .map(|e| ErrorJson { kind: e.kind(), message: e.to_string() }),
            })
            .collect();
        output::print_json(&entries)?;
    } else {
        for (_, res) in &results {
            if let Ok(info) = res {
                print!("{}", render(info));
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The human-readable report of one file.
fn render(m: &MediaInfo) -> String {
    let mut out = format!(
        "{}\n  {} · {} · {} · {}{}\n",
        m.path,
        m.container,
        m.duration_s.map_or("unknown duration".into(), output::duration),
        output::bytes(m.size_bytes),
        m.bit_rate_bps.map_or("? b/s".into(), output::bitrate),
        match m.kind {
            media::MediaKind::Video => "",
            media::MediaKind::Audio => " · audio only",
        }
    );
    for s in &m.streams {
        let codec = match &s.profile {
            Some(p) => format!("{} ({p})", s.codec),
            None => s.codec.clone(),
        };
        let lang = s.language.as_deref().map(|l| format!("  [{l}]")).unwrap_or_default();
        let line = match &s.details {
            StreamDetails::Video(v) => {
                let size = if (v.display_width, v.display_height) != (v.width, v.height) {
                    format!("{}x{} → {}x{}", v.width, v.height, v.display_width, v.display_height)
                } else {
                    format!("{}x{}", v.width, v.height)
                };
                let rot = if v.rotation_deg != 0 { format!(" (rotated {}°)", v.rotation_deg) } else { String::new() };
                let fps = match (v.fps_avg, v.variable_frame_rate) {
                    (Some(f), true) => format!("{f:.3} fps avg (variable)"),
                    (Some(f), false) => format!("{f:.3} fps"),
                    (None, _) => "? fps".into(),
                };
                let depth = v.bit_depth.map(|d| format!(" {d}-bit")).unwrap_or_default();
                let range = match v.hdr {
                    Some(media::HdrFormat::Hdr10) => "HDR10",
                    Some(media::HdrFormat::Hlg) => "HLG",
                    None => "SDR",
                };
                let kind = if v.attached_picture { "cover" } else { "video" };
                format!(
                    "{kind:<8} {codec}  {size}{rot}  {fps}  {}{depth}  {range}",
                    v.pixel_format.as_deref().unwrap_or("?")
                )
            }
            StreamDetails::Audio(a) => format!(
                "audio    {codec}  {}  {} Hz{}",
                a.channel_layout.clone().unwrap_or_else(|| format!("{} ch", a.channels)),
                a.sample_rate_hz,
                s.bit_rate_bps.map(|b| format!("  {}", output::bitrate(b))).unwrap_or_default()
            ),
            StreamDetails::Subtitle => format!("subtitle {codec}"),
            StreamDetails::Data => format!("data     {codec}"),
            StreamDetails::Attachment => format!("attach   {codec}"),
        };
        out.push_str(&format!("  #{:<2} {line}{lang}\n", s.index));
    }
    out
}
