//! `vodstudio upload FILE --to s3://bucket/key`, `vodstudio uploads [abort ID]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vodstudio::config::{self, S3ClientSettings};
use vodstudio::queue::Store;
use vodstudio::upload::{UploadControl, UploadError, UploadOptions, UploadProgress, UploadRequest, Uploader};

use crate::output;

/// Where and how to reach S3 (shared by the upload commands).
#[derive(Debug, clap::Args)]
pub struct S3Args {
    /// A named AWS profile (~/.aws/config); default: the standard credential chain.
    #[arg(long, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// An S3-compatible endpoint (e.g. the local backend's); default: AWS.
    #[arg(long, env = "AWS_ENDPOINT_URL_S3")]
    endpoint_url: Option<String>,
    /// AWS region; default: from the profile/environment.
    #[arg(long)]
    region: Option<String>,
}

impl S3Args {
    fn settings(&self) -> S3ClientSettings {
        S3ClientSettings {
            endpoint_url: self.endpoint_url.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            credentials: None,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// The file to upload.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Destination: s3://bucket/key (a key ending in / gets the file's name).
    #[arg(long, value_name = "s3://BUCKET/KEY")]
    to: String,
    #[command(flatten)]
    s3: S3Args,
    /// Parts uploaded in parallel.
    #[arg(long, default_value_t = vodstudio::limits::UPLOAD_DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Cap the average upload rate, e.g. 20M (bytes per second; K, M, G suffixes).
    #[arg(long, value_parser = parse_size)]
    limit_rate: Option<u64>,
    /// Part size, e.g. 16M (default: from the file size, at least 8 MiB).
    #[arg(long, value_parser = parse_size)]
    part_size: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct UploadsArgs {
    #[command(subcommand)]
    action: Option<UploadsAction>,
    #[command(flatten)]
    s3: S3Args,
}

#[derive(Debug, clap::Subcommand)]
enum UploadsAction {
    /// Abort an unfinished upload (on the server too) by its id from `vodstudio uploads`.
    Abort { id: i64 },
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("'{s}': use a number with an optional K, M or G suffix")),
            };
            (&s[..i], mult)
        }
        _ => (s, 1),
    };
    let n: f64 = num.parse().map_err(|_| format!("'{s}' is not a size (try 8M or 1.5G)"))?;
    if n <= 0.0 || !n.is_finite() {
        return Err(format!("'{s}' must be positive"));
    }
    Ok((n * mult as f64) as u64)
}

fn parse_s3_url(url: &str, file: &std::path::Path) -> anyhow::Result<(String, String)> {
    let rest = url.strip_prefix("s3://").with_context(|| format!("'{url}' is not an s3://bucket/key URL"))?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    anyhow::ensure!(!bucket.is_empty(), "'{url}' has no bucket name");
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let key = if key.is_empty() || key.ends_with('/') { format!("{key}{name}") } else { key.to_string() };
    Ok((bucket.to_string(), key))
}

pub async fn upload(args: UploadArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let (bucket, key) = parse_s3_url(&args.to, &args.file)?;
    let settings = args.s3.settings();
    let store = Store::open_in(&data_dir)?;
    let uploader = Uploader::new(config::s3_client(&settings).await, store, settings.endpoint_id());
    let req = UploadRequest {
        file: args.file.clone(),
        bucket: bucket.clone(),
        key: key.clone(),
        content_type: content_type(&args.file),
        metadata: vec![],
    };
    let opts = UploadOptions {
        concurrency: args.concurrency.max(1),
        bandwidth_limit_bytes_per_s: args.limit_rate,
        part_size_bytes: args.part_size,
    };
    let control = UploadControl::default();
    // Ctrl-C pauses: what the server confirmed stays, and the same command resumes.
    let pause = control.pause.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            pause.cancel();
        }
    });
    let (tx, mut rx) = tokio::sync::watch::channel(UploadProgress::default());
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .map_or_else(|_| indicatif::ProgressStyle::default_bar(), |s| s.progress_chars("=> ")),
    );
    bar.set_message(format!("s3://{bucket}/{key}"));
    let bar2 = bar.clone();
    let render = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = rx.borrow().clone();
            bar2.set_length(p.bytes_total);
            bar2.set_position(p.bytes_done);
        }
    });
    let result = uploader.upload(&req, &opts, &control, &tx).await;
    drop(tx);
    let _ = render.await;
    bar.finish_and_clear();
    match result {
        Ok(outcome) => {
            if let Some(why) = &outcome.restarted_because {
                eprintln!("note: {why}");
            }
            if json {
                output::print_json(&outcome)?;
            } else {
                let resumed = if outcome.bytes_reused > 0 {
                    format!(" (resumed: {} were already uploaded)", output::bytes(outcome.bytes_reused))
                } else {
                    String::new()
                };
                println!(
                    "uploaded {} to s3://{}/{} in {} part{}{resumed}",
                    output::bytes(outcome.size_bytes),
                    outcome.bucket,
                    outcome.key,
                    outcome.parts,
                    if outcome.parts == 1 { "" } else { "s" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(UploadError::Paused) => {
            eprintln!("paused: the parts already uploaded are kept; run the same command again to resume");
            Ok(ExitCode::from(130))
        }
        Err(e) => Ok(output::fail(&format!("upload of {}: {e}", args.file.display()))),
    }
}

pub async fn uploads(args: UploadsArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = Store::open_in(&data_dir)?;
    match args.action {
        None => {
            let list = store.unfinished_uploads()?;
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|u| {
                        let parts = store.parts(u.id).map(|p| p.iter().map(|x| x.size_bytes).sum::<u64>()).unwrap_or(0);
                        serde_json::json!({ "upload": u, "bytes_confirmed": parts })
                    })
                    .collect();
                output::print_json(&rows)?;
            } else if list.is_empty() {
                println!("no unfinished uploads");
            } else {
                for u in list {
                    let done: u64 = store.parts(u.id)?.iter().map(|p| p.size_bytes).sum();
                    println!(
                        "{:>4}  {:<7} {} → s3://{}/{}  {} of {}",
                        u.id,
                        format!("{:?}", u.state).to_lowercase(),
                        u.file_path,
                        u.bucket,
                        u.key,
                        output::bytes(done),
                        output::bytes(u.file_size_bytes)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(UploadsAction::Abort { id }) => {
            let Some(rec) = store.upload(id)? else {
                return Ok(output::fail(&format!("no upload with id {id} (see `vodstudio uploads`)")));
            };
            let mut settings = args.s3.settings();
            if settings.endpoint_url.is_none() && !rec.endpoint.is_empty() {
                settings.endpoint_url = Some(rec.endpoint.clone());
            }
            let uploader = Uploader::new(config::s3_client(&settings).await, store, rec.endpoint.clone());
            uploader.abort(id).await?;
            if !json {
                println!("aborted upload {id} of {} to s3://{}/{}", rec.file_path, rec.bucket, rec.key);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn content_type(path: &std::path::Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(
        match ext.as_str() {
            "mp4" | "m4v" => "video/mp4",
            "mov" => "video/quicktime",
            "mkv" => "video/x-matroska",
            "webm" => "video/webm",
            "avi" => "video/x-msvideo",
            "mp3" => "audio/mpeg",
            "m4a" => "audio/mp4",
            "wav" => "audio/wav",
            _ => return None,
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_urls_parse() {
        assert_eq!(parse_size("8M"), Ok(8 << 20));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("fast").is_err());
        let f = std::path::Path::new("/videos/trip.mov");
        assert_eq!(parse_s3_url("s3://watch/inputs/", f).unwrap(), ("watch".into(), "inputs/trip.mov".into()));
        assert_eq!(parse_s3_url("s3://watch", f).unwrap(), ("watch".into(), "trip.mov".into()));
        assert_eq!(parse_s3_url("s3://watch/a/b.mov", f).unwrap(), ("watch".into(), "a/b.mov".into()));
        assert!(parse_s3_url("http://x/y", f).is_err());
    }
}
