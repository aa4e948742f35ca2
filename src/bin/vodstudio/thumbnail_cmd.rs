//! `vodstudio thumbnail FILE -o out.jpg [--at 7s] [--width 320] [--sprite]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vodstudio::media::{self, PosterOptions, SpriteOptions};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The video to take the picture from.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where to write the JPEG (with --sprite, the sheet; its .vtt track goes beside it).
    #[arg(short, long, value_name = "OUT.jpg")]
    output: PathBuf,
    /// Time of the frame: `7`, `7s`, `1.5s`, `500ms`, `1:02`, `1:02:03.5`. Default 7 s, or the
    /// middle of a shorter clip.
    #[arg(long, value_parser = parse_time)]
    at: Option<f64>,
    /// Width in pixels (height follows the displayed aspect ratio).
    #[arg(long, default_value_t = vodstudio::limits::THUMBNAIL_DEFAULT_WIDTH_PX)]
    width: u32,
    /// Keep the frame even if it is (near) black, instead of looking a little further.
    #[arg(long)]
    allow_black: bool,
    /// Write a sprite sheet of tiles for scrub previews, with a WebVTT thumbnails track.
    #[arg(long)]
    sprite: bool,
    /// With --sprite: seconds between tiles.
    #[arg(long, value_parser = parse_time, default_value = "5")]
    interval: f64,
    /// With --sprite: tile width in pixels.
    #[arg(long, default_value_t = vodstudio::limits::SPRITE_DEFAULT_TILE_WIDTH_PX)]
    tile_width: u32,
}

/// Parses `7`, `7s`, `1.5s`, `500ms`, `1:02` or `1:02:03.5` into seconds.
fn parse_time(s: &str) -> Result<f64, String> {
    let bad = || format!("'{s}' is not a time (try 7, 7s, 500ms or 1:02:03.5)");
    let s = s.trim();
    let secs = if let Some(ms) = s.strip_suffix("ms") {
        ms.parse::<f64>().map_err(|_| bad())? / 1000.0
    } else if let Some(sec) = s.strip_suffix('s') {
        sec.parse::<f64>().map_err(|_| bad())?
    } else if s.contains(':') {
        let mut total = 0.0;
        for part in s.split(':') {
            total = total * 60.0 + part.parse::<f64>().map_err(|_| bad())?;
        }
        total
    } else {
        s.parse::<f64>().map_err(|_| bad())?
    };
    if secs.is_finite() && secs >= 0.0 { Ok(secs) } else { Err(bad()) }
}

pub async fn run(args: Args, json: bool) -> anyhow::Result<ExitCode> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("reading {}", args.file.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let res = if args.sprite {
        let opts = SpriteOptions { interval_s: args.interval, tile_width_px: args.tile_width, ..SpriteOptions::default() };
        let (file, out) = (args.file.clone(), args.output.clone());
        let r = tokio::task::spawn_blocking(move || media::sprite(&file, &out, &opts)).await.context("sprite task")?;
        spinner.finish_and_clear();
        r.map(|r| {
            if json {
                output::print_json(&r)
            } else {
                println!(
                    "{}: {} tiles of {}x{} every {:.1} s; track {}",
                    r.image_path.display(), r.tiles, r.tile_width, r.tile_height, r.interval_s, r.vtt_path.display()
                );
                Ok(())
            }
        })
    } else {
        let opts = PosterOptions { at_s: args.at, width_px: args.width, avoid_black: !args.allow_black };
        let (file, out) = (args.file.clone(), args.output.clone());
        let r = tokio::task::spawn_blocking(move || media::poster(&file, &out, &opts)).await.context("thumbnail task")?;
        spinner.finish_and_clear();
        r.map(|r| {
            if json {
                output::print_json(&r)
            } else {
                let note = if r.skipped_black { " (skipped a black frame)" } else { "" };
                println!("{}: {}x{} at {:.3} s{note}", r.path.display(), r.width, r.height, r.at_s);
                Ok(())
            }
        })
    };
    match res {
        Ok(printed) => printed.map(|()| ExitCode::SUCCESS),
        Err(e) => Ok(output::fail(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_parse_in_every_documented_form() {
        assert_eq!(parse_time("7"), Ok(7.0));
        assert_eq!(parse_time("7s"), Ok(7.0));
        assert_eq!(parse_time("1.5s"), Ok(1.5));
        assert_eq!(parse_time("500ms"), Ok(0.5));
        assert_eq!(parse_time("1:02"), Ok(62.0));
        assert_eq!(parse_time("1:02:03.5"), Ok(3723.5));
        assert!(parse_time("soon").is_err());
        assert!(parse_time("-3").is_err());
    }
}
