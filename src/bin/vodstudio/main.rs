//! The `vodstudio` command line: the same core the desktop app uses, for terminals and scripts.

mod local_cmd;
mod output;
mod plan_cmd;
mod presets_cmd;
mod preview_cmd;
mod probe_cmd;
mod queue_cmd;
mod thumbnail_cmd;
mod upload_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// vodstudio: probe, upload, transcode and preview videos — on AWS or the embedded local backend.
#[derive(Debug, Parser)]
#[command(name = "vodstudio", version, about, long_about = None)]
struct Cli {
    /// Print machine-readable JSON on stdout instead of human output.
    #[arg(long, global = true)]
    json: bool,
    /// More logging on stderr (-v, -vv); RUST_LOG works too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Where the queue database and local backend data live (shared with the desktop app).
    #[arg(long, global = true, env = vodstudio::config::DATA_DIR_ENV)]
    data_dir: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Describe media files: container, duration, streams, codecs, resolution, rotation, fps, HDR, audio.
    Probe(probe_cmd::Args),
    /// Write a poster frame (or, with --sprite, a sprite sheet + WebVTT track) as JPEG.
    Thumbnail(thumbnail_cmd::Args),
    /// Upload a file to S3 with a resumable multipart upload (rerun the same command to resume).
    Upload(upload_cmd::UploadArgs),
    /// List unfinished uploads, or abort one.
    Uploads(upload_cmd::UploadsArgs),
    /// The embedded local backend (an S3-compatible server on 127.0.0.1).
    Local(local_cmd::Args),
    /// Queue files and folders (probed now; uploaded and transcoded by `run`).
    Add(queue_cmd::AddArgs),
    /// Work through the queue: upload, transcode, track — resumes whatever was interrupted.
    Run(queue_cmd::RunArgs),
    /// Add files and run them to the end, with progress for each (one-shot use).
    Process(queue_cmd::AddArgs),
    /// Every asset of the queue and where it stands.
    Status,
    /// Send a failed or canceled asset through the pipeline again.
    Retry(queue_cmd::IdArgs),
    /// Cancel an asset: its upload or its job stops.
    Cancel(queue_cmd::IdArgs),
    /// Pause an asset before its transcode job is submitted: its upload stops, keeping the parts
    /// already sent.
    Pause(queue_cmd::IdArgs),
    /// Resume a paused asset where it was paused (an upload continues from its sent parts).
    Resume(queue_cmd::IdArgs),
    /// Show or change the settings (profile: local or AWS, buckets, role, preset, limits).
    Settings(queue_cmd::SettingsArgs),
    /// MediaConvert job templates: list, show, import.
    Presets(presets_cmd::Args),
    /// Show the MediaConvert job a file would get (rungs kept, dropped and resized), without running it.
    Plan(plan_cmd::Args),
    /// Play a complete asset's renditions in the preview player (a signed loopback link).
    Preview(preview_cmd::Args),
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        // The SDK warns on every GET of a multipart object that it cannot check a composite
        // checksum; vodstudio verifies uploads itself, so that is noise to a user.
        0 => "warn,aws_sdk_s3::http_response_checksum=error",
        1 => "info,vodstudio=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::fail(&format!("cannot start the async runtime: {e}")),
    };
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(vodstudio::config::default_data_dir);
    let result = runtime.block_on(async {
        match cli.command {
            Command::Probe(args) => probe_cmd::run(args, cli.json).await,
            Command::Thumbnail(args) => thumbnail_cmd::run(args, cli.json).await,
            Command::Upload(args) => upload_cmd::upload(args, cli.json, data_dir).await,
            Command::Uploads(args) => upload_cmd::uploads(args, cli.json, data_dir).await,
            Command::Local(args) => local_cmd::run(args, data_dir).await,
            Command::Add(args) => queue_cmd::add(args, cli.json, data_dir).await,
            Command::Run(args) => queue_cmd::run(args, cli.json, data_dir).await,
            Command::Process(args) => queue_cmd::process(args, cli.json, data_dir).await,
            Command::Status => queue_cmd::status(cli.json, data_dir).await,
            Command::Retry(args) => queue_cmd::retry(args, cli.json, data_dir).await,
            Command::Cancel(args) => queue_cmd::cancel(args, cli.json, data_dir).await,
            Command::Pause(args) => queue_cmd::pause(args, cli.json, data_dir).await,
            Command::Resume(args) => queue_cmd::resume(args, cli.json, data_dir).await,
            Command::Settings(args) => queue_cmd::settings(args, cli.json, data_dir).await,
            Command::Presets(args) => presets_cmd::run(args, cli.json, data_dir).await,
            Command::Plan(args) => plan_cmd::run(args, cli.json, data_dir).await,
            Command::Preview(args) => preview_cmd::run(args, cli.json, data_dir).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => output::fail(&format!("{e:#}")),
    }
}
