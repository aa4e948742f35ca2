//! `vodstudio plan FILE [--preset P]`: the MediaConvert job a file would get, without running it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vodstudio::limits;
use vodstudio::presets::captions::CaptionTrack;
use vodstudio::presets::plan::{self, PlanRequest, PlannedJob, RungKind};
use vodstudio::presets::{self, AUDIO_PRESET, DEFAULT_PRESET};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file (probed locally).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Preset name (`vodstudio presets list`) or a template JSON file.
    #[arg(long, default_value = DEFAULT_PRESET)]
    preset: String,
    /// Preset for sources without video.
    #[arg(long, default_value = AUDIO_PRESET)]
    audio_preset: String,
    /// Bucket the renditions go to, under `<asset id>/`.
    #[arg(long, default_value = limits::DEFAULT_MEDIA_BUCKET)]
    media_bucket: String,
    /// Bucket the source is uploaded to, under `inputs/<asset id>/`.
    #[arg(long, default_value = limits::DEFAULT_WATCH_BUCKET)]
    watch_bucket: String,
    /// Asset id (default: a new one).
    #[arg(long)]
    asset_id: Option<String>,
    /// MediaConvert role ARN to put in the job.
    #[arg(long)]
    role: Option<String>,
    /// MediaConvert queue to put in the job.
    #[arg(long)]
    queue: Option<String>,
}

pub async fn run(args: Args, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let preset = presets::load(&data_dir, &args.preset)?;
    let audio_preset = presets::load(&data_dir, &args.audio_preset)?;
    let path = args.file.clone();
    let info = tokio::task::spawn_blocking(move || vodstudio::media::probe(&path))
        .await
        .context("probe crashed")??;
    let source_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{}: not a file name", args.file.display()))?;
    let asset_id = args.asset_id.unwrap_or_else(vodstudio::queue::new_asset_id);
    let input_url = format!("s3://{}/inputs/{asset_id}/{source_name}", args.watch_bucket);
    // Sidecars beside the file are planned as `add` would attach them.
    let captions: Vec<CaptionTrack> = vodstudio::queue::sidecars::sidecars_for(&args.file)
        .into_iter()
        .map(|s| CaptionTrack {
            url: format!(
                "s3://{}/inputs/{asset_id}/{}",
                args.watch_bucket,
                s.file_name()
            ),
            language: s.language,
            format: s.format,
        })
        .collect();
    let req = PlanRequest {
        asset_id: &asset_id,
        source_name: &source_name,
        input_url: &input_url,
        media_bucket: &args.media_bucket,
        role: args.role.as_deref(),
        queue: args.queue.as_deref(),
        captions: &captions,
    };
    let planned = plan::plan(&info, &preset, &audio_preset, &req)?;
    if json {
        output::print_json(&planned)?;
    } else {
        print!("{}", render(&planned, &req));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(p: &PlannedJob, req: &PlanRequest) -> String {
    let mut out = format!(
        "{} → preset {}{}\n  input   {}\n  outputs s3://{}/{}/\n\n",
        req.source_name,
        p.preset,
        if p.audio_only { " (audio only)" } else { "" },
        req.input_url,
        req.media_bucket,
        req.asset_id
    );
    let rows: Vec<[String; 5]> = p
        .rungs
        .iter()
        .map(|r| {
            let size = match (r.width_px, r.height_px) {
                (Some(w), Some(h)) => format!("{w}x{h}"),
                _ => "-".into(),
            };
            let codec = |c: &Option<String>, b: Option<u64>| match (c, b) {
                (Some(c), Some(b)) => format!("{c} {}", output::bitrate(b)),
                (Some(c), None) => c.clone(),
                _ => "-".into(),
            };
            let video = match r.kind {
                RungKind::FrameCapture => "frames (JPEG)".into(),
                RungKind::Captions => "captions".into(),
                _ => codec(&r.video_codec, r.video_bitrate_bps),
            };
            [
                r.group.clone(),
                r.name_modifier.clone().unwrap_or_default(),
                size,
                video,
                codec(&r.audio_codec, r.audio_bitrate_bps),
            ]
        })
        .collect();
    let header = ["GROUP", "OUTPUT", "SIZE", "VIDEO", "AUDIO"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    for r in [&header].into_iter().chain(rows.iter()) {
        let line = format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0], r[1], r[2], r[3], r[4]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !p.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in &p.notes {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    out
}
