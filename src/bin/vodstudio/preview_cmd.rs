//! `vodstudio preview ASSET`: serves a complete asset's outputs to the player page on loopback and
//! prints (or opens) the page's URL. The link is signed by a short-lived token; the process serves
//! until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::Parser;
use vodstudio::config::Settings;
use vodstudio::preview::{
    LinkSigning, PlayerFiles, PreviewConfig, PreviewService, PREVIEW_MAX_TTL_S,
};
use vodstudio::queue::{AssetState, Store};

use crate::output;

#[derive(Debug, Parser)]
pub struct Args {
    /// The asset's id (or a unique prefix of it), as `vodstudio status` shows.
    pub id: String,
    /// Open the player in the default browser.
    #[arg(long)]
    pub open: bool,
    /// How long the link works, e.g. 90s, 30m, 2h (at most 12h).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
    /// Loopback port to serve on (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Serve the player page from this folder instead of the built-in one (a ui/dist build).
    #[arg(long, hide = true, env = "VODSTUDIO_PLAYER_DIR")]
    pub player_dir: Option<PathBuf>,
}

pub async fn run(args: Args, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if args.ttl > Duration::from_secs(PREVIEW_MAX_TTL_S) || args.ttl.is_zero() {
        return Ok(output::fail(&format!(
            "--ttl must be between 1s and {}h",
            PREVIEW_MAX_TTL_S / 3600
        )));
    }
    let store = Store::open_in(&data_dir)?;
    let asset = store.find_asset(&args.id)?;
    if asset.state != AssetState::Complete {
        return Ok(output::fail(&format!(
            "{} ({}) is {}: only complete assets have renditions to preview; `vodstudio run` finishes the queue",
            asset.id, asset.source_name, asset.state
        )));
    }
    let settings = Settings::load(&data_dir)?;
    // Holds the embedded backend (local profile) for as long as the preview serves.
    let (backend, _local) = crate::queue_cmd::connect(&settings, &data_dir).await?;
    let player = match args.player_dir {
        Some(dir) => PlayerFiles::from_dir(dir),
        None => {
            if !PlayerFiles::embedded_is_built() {
                tracing::warn!(
                    "the player page is not built into this binary: run `npm run build` in ui/"
                );
            }
            PlayerFiles::embedded()
        }
    };
    let (links, fallback) = LinkSigning::for_settings_or_presigned(&settings).await;
    if let Some(why) = fallback {
        eprintln!("note: copied links are S3 presigned URLs, not CloudFront: {why}");
    }
    let service = PreviewService::start_with(
        backend.s3.clone(),
        PreviewConfig {
            bind_port: args.port,
            player: Some(player),
            links,
            ..PreviewConfig::default()
        },
    )
    .await?;
    let token = service.issue_asset_token(&asset, &backend.media_bucket, args.ttl);
    let url = service.player_url(&asset.id, &token);
    let expires_at = SystemTime::now() + args.ttl;
    let ready_ms = started.elapsed().as_millis();
    if json {
        output::print_json(&serde_json::json!({
            "id": asset.id,
            "url": url,
            "expires_at_ms": expires_at.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0),
            "ready_ms": ready_ms,
        }))?;
    } else {
        println!("Preview of {} ({}):", asset.source_name, asset.id);
        println!("  {url}");
        println!(
            "The link works for {} on this computer only. Ctrl-C stops the preview.",
            humantime::format_duration(args.ttl)
        );
    }
    if args.open {
        opener::open_browser(&url).context("opening the browser (the URL above works too)")?;
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    service.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
