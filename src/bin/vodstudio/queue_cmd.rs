//! The batch queue from the terminal: `add`, `run`, `process`, `status`, `retry`, `cancel`,
//! `pause`, `resume` and `settings`.

use std::collections::HashSet;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use vodstudio::config::{Backend, Profile, Settings};
use vodstudio::local::LocalHost;
use vodstudio::queue::runner::{RunOptions, RunSummary, Runner};
use vodstudio::queue::{
    add_paths, AddOutcome, AddResult, AssetRecord, AssetState, DesktopNotifier, PauseError,
    RunLock, Store,
};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Files and folders (folders are searched recursively for video and audio files).
    #[arg(required = true, value_name = "FILE|FOLDER")]
    paths: Vec<PathBuf>,
    /// Preset for these files (default: the settings' preset).
    #[arg(long)]
    preset: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Keep running and pick up new work as it is added (default: stop when the queue is done).
    #[arg(long)]
    watch: bool,
}

#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// The asset id from `vodstudio status` (a unique prefix is enough).
    id: String,
}

#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    #[command(subcommand)]
    action: Option<SettingsAction>,
}

#[derive(Debug, clap::Subcommand)]
enum SettingsAction {
    /// Print the settings (the default).
    Show,
    /// Change settings: `key=value …` (profile, preset, parallel-assets, upload-concurrency,
    /// bandwidth-limit, notifications; AWS: region, aws-profile, credentials (chain or keyring),
    /// watch-bucket, media-bucket,
    /// role-arn, queue, s3-endpoint, mediaconvert-endpoint, describe-endpoints, mode,
    /// cloudfront-domain, cloudfront-key-pair-id).
    Set {
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
    /// Store the CloudFront private key (PEM file, or - for stdin) of the profile's
    /// cloudfront-key-pair-id in the OS keyring, for signed preview links; --delete removes it.
    CloudfrontKey {
        #[arg(value_name = "FILE", required_unless_present = "delete")]
        file: Option<PathBuf>,
        #[arg(long)]
        delete: bool,
    },
}

fn print_add_results(results: &[AddResult], json: bool) -> anyhow::Result<()> {
    if json {
        return output::print_json(&results);
    }
    for r in results {
        match r.outcome {
            AddOutcome::Added => println!("added    {}  {}", r.id.as_deref().unwrap_or_default(), r.path),
            AddOutcome::AlreadyQueued => {
                println!("queued   {}  {} (already in the queue)", r.id.as_deref().unwrap_or_default(), r.path)
            }
            AddOutcome::Captions => println!("captions {}: {}", r.path, r.reason.as_deref().unwrap_or_default()),
            AddOutcome::Skipped => eprintln!("skipped  {}: {}", r.path, r.reason.as_deref().unwrap_or_default()),
        }
    }
    Ok(())
}

pub async fn add(args: AddArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&data_dir)?;
    let preset = args.preset.unwrap_or(settings.preset);
    vodstudio::presets::load(&data_dir, &preset).with_context(|| format!("preset {preset:?}"))?;
    let store = Store::open_in(&data_dir)?;
    let results = add_paths(&store, &data_dir, &args.paths, &preset).await;
    print_add_results(&results, json)?;
    let queued = results.iter().filter(|r| r.id.is_some()).count();
    if queued == 0 {
        return Ok(output::fail(
            "nothing was added: no video or audio file among the paths given",
        ));
    }
    if !json && !results.is_empty() {
        eprintln!("{queued} in the queue; `vodstudio run` processes it");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run(args: RunArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let summary = run_queue(
        &data_dir,
        RunOptions {
            only: None,
            exit_when_idle: !args.watch,
        },
        json,
    )
    .await?;
    finish(summary, json)
}

pub async fn process(args: AddArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&data_dir)?;
    let preset = args.preset.unwrap_or(settings.preset);
    vodstudio::presets::load(&data_dir, &preset).with_context(|| format!("preset {preset:?}"))?;
    let store = Store::open_in(&data_dir)?;
    let results = add_paths(&store, &data_dir, &args.paths, &preset).await;
    for r in results.iter().filter(|r| r.outcome == AddOutcome::Skipped) {
        eprintln!(
            "skipped  {}: {}",
            r.path,
            r.reason.as_deref().unwrap_or_default()
        );
    }
    let only: HashSet<String> = results.iter().filter_map(|r| r.id.clone()).collect();
    if only.is_empty() {
        return Ok(output::fail(
            "nothing to process: no video or audio file among the paths given",
        ));
    }
    let skipped = results.iter().any(|r| r.outcome == AddOutcome::Skipped);
    let summary = run_queue(
        &data_dir,
        RunOptions {
            only: Some(only),
            exit_when_idle: true,
        },
        json,
    )
    .await?;
    let code = finish(summary, json)?;
    Ok(if skipped { ExitCode::FAILURE } else { code })
}

fn finish(summary: RunSummary, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        output::print_json(&summary)?;
    } else {
        eprintln!(
            "{} complete, {} failed, {} canceled{}{}",
            summary.complete,
            summary.failed,
            summary.canceled,
            if summary.paused > 0 {
                format!(
                    ", {} paused (`vodstudio resume ID` continues)",
                    summary.paused
                )
            } else {
                String::new()
            },
            if summary.unfinished > 0 {
                format!(", {} left for the next run", summary.unfinished)
            } else {
                String::new()
            }
        );
    }
    Ok(if summary.failed > 0 || summary.unfinished > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The backend of the settings' profile; on the local profile, the embedded backend this
/// process started or joined (shut it down when done).
pub(crate) async fn connect(
    settings: &Settings,
    data_dir: &Path,
) -> anyhow::Result<(Backend, Option<LocalHost>)> {
    let local = match settings.profile {
        Profile::Local => Some(LocalHost::start_or_join(data_dir).await?),
        Profile::Aws(_) => None,
    };
    let backend = Backend::connect(settings, local.as_ref().map(|l| &l.endpoints)).await?;
    Ok((backend, local))
}

/// Runs the queue here, or — when another process already runs it — follows its progress.
async fn run_queue(data_dir: &Path, opts: RunOptions, json: bool) -> anyhow::Result<RunSummary> {
    let settings = Settings::load(data_dir)?;
    let store = Store::open_in(data_dir)?;
    let Some(lock) = RunLock::try_acquire(data_dir)? else {
        eprintln!("another vodstudio process is working through the queue; following its progress");
        return follow(&store, opts.only, json).await;
    };
    let (backend, local) = connect(&settings, data_dir).await?;
    let notifier = Arc::new(DesktopNotifier::new(settings.notifications));
    let runner = Runner::new(store.clone(), backend, settings, data_dir, notifier);
    let stop = tokio_util::sync::CancellationToken::new();
    let stop2 = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping: uploads pause, jobs keep running; `vodstudio run` resumes");
            stop2.cancel();
        }
    });
    let only = opts.only.clone();
    let task = tokio::spawn(async move { runner.run(opts, stop).await });
    let mut view = ProgressView::new(json);
    while !task.is_finished() {
        view.render(&store, only.as_ref());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let summary = task.await??;
    view.render(&store, only.as_ref());
    view.done();
    if let Some(local) = local {
        local.shutdown().await;
    }
    drop(lock);
    Ok(summary)
}

/// Watches the queue another process runs until the assets of interest are finished.
async fn follow(
    store: &Store,
    only: Option<HashSet<String>>,
    json: bool,
) -> anyhow::Result<RunSummary> {
    let mut view = ProgressView::new(json);
    loop {
        view.render(store, only.as_ref());
        let assets: Vec<AssetRecord> = store
            .assets()?
            .into_iter()
            .filter(|a| only.as_ref().is_none_or(|o| o.contains(&a.id)))
            .collect();
        // A paused asset waits for the user, not for the other process.
        if assets
            .iter()
            .all(|a| a.state.is_terminal() || a.state == AssetState::Paused)
        {
            view.done();
            let count = |s: AssetState| assets.iter().filter(|a| a.state == s).count();
            return Ok(RunSummary {
                complete: count(AssetState::Complete),
                failed: count(AssetState::Failed),
                canceled: count(AssetState::Canceled),
                paused: count(AssetState::Paused),
                unfinished: 0,
            });
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                view.done();
                return Ok(RunSummary { unfinished: assets.iter().filter(|a| !a.state.is_terminal()).count(), ..Default::default() });
            }
            () = tokio::time::sleep(Duration::from_millis(300)) => {}
        }
    }
}

/// Live progress: bars on a terminal; one line per state change otherwise (logs, CI, pipes).
struct ProgressView {
    json: bool,
    tty: bool,
    multi: indicatif::MultiProgress,
    bars: std::collections::HashMap<String, indicatif::ProgressBar>,
    last: std::collections::HashMap<String, String>,
}

impl ProgressView {
    fn new(json: bool) -> Self {
        Self {
            json,
            tty: std::io::stderr().is_terminal(),
            multi: indicatif::MultiProgress::new(),
            bars: Default::default(),
            last: Default::default(),
        }
    }

    fn render(&mut self, store: &Store, only: Option<&HashSet<String>>) {
        let Ok(assets) = store.assets() else { return };
        for a in assets
            .iter()
            .filter(|a| only.is_none_or(|o| o.contains(&a.id)))
        {
            let line = describe(a);
            if self.tty && !self.json {
                let bar = self.bars.entry(a.id.clone()).or_insert_with(|| {
                    let b = self.multi.add(indicatif::ProgressBar::new(1000));
                    b.set_style(
                        indicatif::ProgressStyle::with_template("{prefix:.bold} [{bar:24}] {msg}")
                            .map_or_else(
                                |_| indicatif::ProgressStyle::default_bar(),
                                |s| s.progress_chars("=> "),
                            ),
                    );
                    b.set_prefix(a.id.clone());
                    b
                });
                bar.set_position((fraction(a) * 1000.0) as u64);
                bar.set_message(line);
                if a.state.is_terminal() {
                    bar.finish();
                }
            } else if self.last.get(&a.id) != Some(&state_key(a)) {
                self.last.insert(a.id.clone(), state_key(a));
                eprintln!("{}  {line}", a.id);
            }
        }
    }

    fn done(&mut self) {
        for b in self.bars.values() {
            b.finish();
        }
    }
}

/// What changes enough to print a line when there is no terminal.
fn state_key(a: &AssetRecord) -> String {
    format!(
        "{}|{}|{}",
        a.state,
        a.waiting.is_some(),
        a.job_phase.as_deref().unwrap_or_default()
    )
}

/// 0–1 through the asset's pipeline: upload is the first half, the job the second.
fn fraction(a: &AssetRecord) -> f64 {
    let upload = if a.bytes_total > 0 {
        a.bytes_done as f64 / a.bytes_total as f64
    } else {
        0.0
    };
    match a.state {
        AssetState::Added | AssetState::Probed => 0.0,
        AssetState::Uploading => upload * 0.5,
        AssetState::Paused => match a.paused_from {
            Some(AssetState::Uploading) => upload * 0.5,
            Some(AssetState::Uploaded) => 0.5,
            _ => 0.0,
        },
        AssetState::Uploaded | AssetState::Submitted => 0.5,
        AssetState::Transcoding => 0.5 + a.job_percent.unwrap_or(0.0) / 200.0,
        _ => 1.0,
    }
}

/// `uploading 45% · clip.mov`, `transcoding 80% (TRANSCODING) · clip.mov`, `failed: … · clip.mov`.
fn describe(a: &AssetRecord) -> String {
    let what = match a.state {
        AssetState::Uploading if a.bytes_total > 0 => {
            format!(
                "uploading {:.0}% of {}",
                a.bytes_done as f64 * 100.0 / a.bytes_total as f64,
                output::bytes(a.bytes_total)
            )
        }
        AssetState::Transcoding => format!(
            "transcoding {:.0}%{}",
            a.job_percent.unwrap_or(0.0),
            a.job_phase
                .as_deref()
                .map(|p| format!(" ({})", p.to_lowercase()))
                .unwrap_or_default()
        ),
        AssetState::Failed => format!(
            "failed: {}",
            a.error_message.as_deref().unwrap_or("unknown error")
        ),
        AssetState::Paused => match a.paused_from {
            Some(AssetState::Uploading) if a.bytes_total > 0 => format!(
                "paused while uploading, {:.0}% of {} sent",
                a.bytes_done as f64 * 100.0 / a.bytes_total as f64,
                output::bytes(a.bytes_total)
            ),
            Some(from) => format!("paused ({from})"),
            None => "paused".to_owned(),
        },
        s => s.to_string(),
    };
    let waiting = a
        .waiting
        .as_deref()
        .map(|w| format!(" — waiting: {w}"))
        .unwrap_or_default();
    format!("{what}{waiting} · {}", a.source_name)
}

pub async fn status(json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = Store::open_in(&data_dir)?;
    let assets = store.assets()?;
    if json {
        let rows: Vec<serde_json::Value> = assets
            .iter()
            .map(|a| {
                let mut v = serde_json::to_value(a).unwrap_or_default();
                let plan: serde_json::Value = a
                    .plan_json
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or_default();
                v["rungs"] = plan["rungs"].clone();
                v["outputs"] = a
                    .outputs_json
                    .as_deref()
                    .and_then(|o| serde_json::from_str(o).ok())
                    .unwrap_or_default();
                v
            })
            .collect();
        output::print_json(&rows)?;
    } else if assets.is_empty() {
        println!("the queue is empty: `vodstudio add FILES` queues files");
    } else {
        for a in &assets {
            println!("{}  {}", a.id, describe(a));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn retry(args: IdArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = Store::open_in(&data_dir)?;
    let asset = store.find_asset(&args.id)?;
    match store.retry_asset(&asset.id)? {
        Some(to) => {
            if json {
                output::print_json(&serde_json::json!({ "id": asset.id, "state": to }))?;
            } else {
                println!(
                    "{} goes back to {to}; `vodstudio run` picks it up",
                    asset.id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        None => Ok(output::fail(&format!(
            "{} is {}: only failed or canceled assets can be retried",
            asset.id, asset.state
        ))),
    }
}

/// A pause or resume refused: the reason on stderr, and with `--json` also `{ "error": { kind,
/// message } }` on stdout for scripts.
fn pause_failed(e: &PauseError, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        output::print_json(
            &serde_json::json!({ "error": { "kind": e.kind(), "message": e.to_string() } }),
        )?;
    }
    Ok(output::fail(&e.to_string()))
}

pub async fn pause(args: IdArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = Store::open_in(&data_dir)?;
    let asset = store.find_asset(&args.id)?;
    match store.pause_asset(&asset.id) {
        Ok(rec) => {
            if json {
                output::print_json(
                    &serde_json::json!({ "id": rec.id, "state": rec.state, "paused_from": rec.paused_from }),
                )?;
            } else {
                println!(
                    "paused {} ({}) in {}; a running queue stops its upload within a second, keeping the parts sent; `vodstudio resume {}` continues",
                    rec.id,
                    rec.source_name,
                    rec.paused_from.map_or("?", AssetState::as_str),
                    rec.id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => pause_failed(&e, json),
    }
}

pub async fn resume(args: IdArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = Store::open_in(&data_dir)?;
    let asset = store.find_asset(&args.id)?;
    match store.resume_asset(&asset.id) {
        Ok(rec) => {
            if json {
                output::print_json(&serde_json::json!({ "id": rec.id, "state": rec.state }))?;
            } else {
                println!(
                    "{} goes back to {}; `vodstudio run` picks it up",
                    rec.id, rec.state
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => pause_failed(&e, json),
    }
}

pub async fn cancel(args: IdArgs, json: bool, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = Store::open_in(&data_dir)?;
    let asset = store.find_asset(&args.id)?;
    // Found before the cancel marks it canceled: the asset links its upload only once complete.
    let unfinished_upload = match asset.state {
        AssetState::Uploading | AssetState::Paused => {
            store.unfinished_upload_of(&asset)?.map(|u| u.id)
        }
        _ => None,
    };
    if !store.set_asset_canceled(&asset.id)? {
        return Ok(output::fail(&format!(
            "{} is already {}",
            asset.id, asset.state
        )));
    }
    // A running queue notices within a second and cancels the upload or the job itself; with no
    // queue running, do it here.
    let lock = RunLock::try_acquire(&data_dir)?;
    let upload = asset
        .upload_id
        .filter(|_| asset.state == AssetState::Uploading)
        .or(unfinished_upload);
    if lock.is_some() && (asset.job_id.is_some() || upload.is_some()) {
        let settings = Settings::load(&data_dir)?;
        let (backend, local) = connect(&settings, &data_dir).await?;
        if let Some(job) = &asset.job_id {
            if let Err(e) = vodstudio::jobs::cancel_job(&backend.mediaconvert, job).await {
                eprintln!(
                    "note: the job {job} could not be canceled now ({e}); it may still finish"
                );
            }
        }
        if let Some(up) = upload {
            let uploader = vodstudio::upload::Uploader::new(
                backend.s3.clone(),
                store.clone(),
                backend.endpoint_id.clone(),
            );
            if let Err(e) = uploader.abort(up).await {
                eprintln!("note: the partial upload could not be removed now ({e})");
            }
        }
        if let Some(local) = local {
            local.shutdown().await;
        }
    }
    if json {
        output::print_json(&serde_json::json!({ "id": asset.id, "state": "canceled" }))?;
    } else {
        println!("canceled {} ({})", asset.id, asset.source_name);
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn settings(
    args: SettingsArgs,
    json: bool,
    data_dir: PathBuf,
) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(&data_dir)?;
    if let Some(SettingsAction::CloudfrontKey { file, delete }) = &args.action {
        let key_pair_id = match &settings.profile {
            vodstudio::config::Profile::Aws(aws) => aws.cloudfront_key_pair_id.clone(),
            vodstudio::config::Profile::Local => None,
        }
        .context("set the profile's cloudfront-key-pair-id first: `vodstudio settings set profile=aws cloudfront-key-pair-id=K…`")?;
        if *delete {
            vodstudio::config::delete_cloudfront_key(&key_pair_id)?;
            println!("removed the CloudFront key of {key_pair_id} from the OS keyring");
        } else {
            let path = file.as_deref().context("give the PEM file, or - to read it from stdin")?;
            let pem = if path == Path::new("-") {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?
            };
            vodstudio::config::store_cloudfront_key(&key_pair_id, &pem)?;
            println!("stored the CloudFront key of {key_pair_id} in the OS keyring; `vodstudio preview` signs links with it");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(SettingsAction::Set { pairs }) = args.action {
        for pair in pairs {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("{pair:?}: write key=value"))?;
            settings.set(k.trim(), v.trim())?;
        }
        settings.save(&data_dir)?;
    }
    if json {
        output::print_json(&settings)?;
    } else {
        println!("{}", serde_json::to_string_pretty(&settings)?);
    }
    Ok(ExitCode::SUCCESS)
}
