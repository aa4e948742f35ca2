//! `run_job`: runs a [`JobPlan`] as two ffmpeg processes (encode each distinct rendition once,
//! then package them into every output) with progress and cancellation, and removes every
//! partial output and intermediate file when the job fails or is canceled.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::captions;
use super::command::{self, SourceInfo};
use super::error::EngineError;
use super::model::{GroupKind, JobPlan, OutputPlan, RAW_PASSTHROUGH_EXTENSIONS};
use super::renditions::Renditions;
use super::report;
use crate::limits;

pub use super::report::{GroupOutputs, JobOutputs, OutputDetails};

/// Environment variable naming the ffmpeg binary (default: `ffmpeg` on the PATH).
pub const FFMPEG_ENV: &str = "VODSTUDIO_FFMPEG";

/// Name prefix of a running job's scratch dir, `<output_root>/.vodstudio-scratch-<id>/`.
pub const SCRATCH_DIR_PREFIX: &str = ".vodstudio-scratch-";

/// How far a running job has come.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    /// 0–100: the share of the input's duration encoded so far, scaled so that packaging the
    /// renditions takes the last few percent; 100 once every output is written.
    pub percent: f64,
    /// Input time transcoded so far, in seconds.
    pub out_time_s: f64,
    /// Transcoding speed relative to real time, when ffmpeg reports one.
    pub speed: Option<f64>,
    /// The ffmpeg process doing the work.
    pub ffmpeg_pid: u32,
}

/// Runs the job: probes the input, runs ffmpeg (encode, then package), reports progress, and
/// returns what was written. When `cancel` fires, the running ffmpeg is killed, partial outputs
/// and intermediates are removed, and the result is [`EngineError::Canceled`]; a failed run
/// removes them too.
pub async fn run_job(
    plan: &JobPlan,
    progress: impl Fn(Progress),
    cancel: CancellationToken,
) -> Result<JobOutputs, EngineError> {
    let (src, audio_codec) = inspect_input(plan).await?;
    let plan = &*for_input(plan, audio_codec.as_deref())?;
    let guard = OutputGuard::prepare(plan)?;
    let result = transcode(plan, src, &progress, &cancel).await;
    let result = match result {
        Ok(()) => finish(plan, src, &cancel).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        guard.remove_partial_outputs();
    }
    result
}

async fn finish(
    plan: &JobPlan,
    src: SourceInfo,
    cancel: &CancellationToken,
) -> Result<JobOutputs, EngineError> {
    for group in &plan.groups {
        if matches!(group.kind, GroupKind::DashIsoGroup { .. }) {
            report::rename_dash_segments(group)?;
        }
    }
    // After the renaming, which rewrites the manifest's Representations by their numeric ids.
    captions::write(plan, src, cancel).await?;
    let plan = plan.clone();
    tokio::task::spawn_blocking(move || report::collect(&plan, src.duration_s))
        .await
        .map_err(|e| EngineError::Output {
            path: PathBuf::new(),
            detail: e.to_string(),
        })?
}

/// The plan with what depends on the input filled in: RAW passthrough outputs without an
/// `Extension` are named after the input's audio codec (`.mp3` for MP3), as MediaConvert names
/// container-less outputs after their codec.
fn for_input<'a>(
    plan: &'a JobPlan,
    audio_codec: Option<&str>,
) -> Result<Cow<'a, JobPlan>, EngineError> {
    let unnamed = |o: &OutputPlan| o.extension.is_empty();
    if !plan.groups.iter().any(|g| g.outputs.iter().any(unnamed)) {
        return Ok(Cow::Borrowed(plan));
    }
    let mut resolved = plan.clone();
    for output in resolved
        .groups
        .iter_mut()
        .flat_map(|g| g.outputs.iter_mut())
    {
        if !unnamed(output) {
            continue;
        }
        let codec = audio_codec.unwrap_or("none");
        let ext = RAW_PASSTHROUGH_EXTENSIONS
            .iter()
            .find(|(c, _)| *c == codec)
            .map(|(_, ext)| *ext)
            .ok_or_else(|| EngineError::AudioNotPassable {
                path: plan.input.clone(),
                path_in_settings: output
                    .audio
                    .as_ref()
                    .map_or_else(|| output.path.clone(), |a| a.path.clone()),
                codec: codec.to_string(),
            })?;
        output.extension = ext.to_string();
    }
    Ok(Cow::Owned(resolved))
}

/// Probes the input, checks it has the streams the outputs need, and returns what the command
/// needs to know plus the input's audio codec.
async fn inspect_input(plan: &JobPlan) -> Result<(SourceInfo, Option<String>), EngineError> {
    let path = plan.input.clone();
    let info = tokio::task::spawn_blocking(move || crate::media::probe(&path))
        .await
        .map_err(|e| EngineError::Io {
            path: plan.input.clone(),
            detail: e.to_string(),
        })?
        .map_err(|source| EngineError::Input {
            path: plan.input.clone(),
            source,
        })?;
    let video = info.video();
    for group in &plan.groups {
        for output in &group.outputs {
            if let (Some(v), None) = (&output.video, &video) {
                return Err(EngineError::InputHasNoVideo {
                    path: plan.input.clone(),
                    path_in_settings: v.path.clone(),
                });
            }
            if let (Some(a), None) = (&output.audio, info.audio()) {
                return Err(EngineError::InputHasNoAudio {
                    path: plan.input.clone(),
                    path_in_settings: a.path.clone(),
                });
            }
        }
    }
    let src = SourceInfo {
        duration_s: info.duration_s.unwrap_or(0.0),
        fps: video.and_then(|(_, v)| v.fps_avg.or(v.fps_nominal)),
    };
    Ok((src, info.audio().map(|(s, _)| s.codec.clone())))
}

/// Encodes every distinct rendition once, then packages them into every output that uses them.
async fn transcode(
    plan: &JobPlan,
    src: SourceInfo,
    progress: &impl Fn(Progress),
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let renditions = Renditions::of(plan, src);
    // Dropped (and so removed) on every way out of this function.
    let scratch = if renditions.any_packaged() {
        Some(Scratch::create(&plan.output_root)?)
    } else {
        None
    };
    let intermediate = scratch
        .as_ref()
        .map(|s| s.dir.join(command::INTERMEDIATE_FILE));

    let mut state = ProgressState::default();
    let share = if intermediate.is_some() {
        limits::ENGINE_ENCODE_PERCENT_SHARE
    } else {
        100.0
    };
    let mut pid = run_ffmpeg(
        plan,
        command::encode(plan, &renditions, intermediate.as_deref()),
        "encoding",
        cancel,
        |line, pid| {
            if let Some(mut p) = state.feed(line, src.duration_s, pid) {
                p.percent *= share / 100.0;
                progress(p);
            }
        },
    )
    .await?;
    if let Some(intermediate) = &intermediate {
        pid = run_ffmpeg(
            plan,
            command::package(plan, &renditions, intermediate),
            "packaging the renditions of",
            cancel,
            |_, _| {},
        )
        .await?;
    }
    progress(Progress {
        percent: 100.0,
        out_time_s: src.duration_s,
        speed: state.speed,
        ffmpeg_pid: pid,
    });
    Ok(())
}

/// Runs one ffmpeg process to completion, handing each stdout line to `on_line` with the
/// process id; kills (and reaps) it when `cancel` fires. Returns the process id.
pub(super) async fn run_ffmpeg(
    plan: &JobPlan,
    args: Vec<std::ffi::OsString>,
    step: &'static str,
    cancel: &CancellationToken,
    mut on_line: impl FnMut(&str, u32),
) -> Result<u32, EngineError> {
    let program = std::env::var(FFMPEG_ENV).unwrap_or_else(|_| "ffmpeg".into());
    let mut child = Command::new(&program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // If the caller drops this future, ffmpeg must not keep running unobserved.
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| EngineError::Spawn {
            program: program.clone(),
            detail: e.to_string(),
        })?;
    let pid = child.id().unwrap_or(0);
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(EngineError::Spawn {
            program,
            detail: "no stdout/stderr pipe".into(),
        });
    };
    let stderr_task = tokio::spawn(async move {
        let mut tail = VecDeque::with_capacity(limits::ENGINE_STDERR_TAIL_LINES);
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tail.len() == limits::ENGINE_STDERR_TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
        tail
    });

    let mut lines = BufReader::new(stdout).lines();
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => {
                // kill() also reaps the child, so no process (not even a zombie) is left.
                let _ = child.kill().await;
                stderr_task.abort();
                return Err(EngineError::Canceled);
            }
            line = lines.next_line() => match line {
                Ok(Some(line)) => on_line(&line, pid),
                // ffmpeg closed stdout: it is exiting.
                Ok(None) | Err(_) => break,
            },
        }
    }
    let status = tokio::select! {
        biased;
        () = cancel.cancelled() => {
            let _ = child.kill().await;
            stderr_task.abort();
            return Err(EngineError::Canceled);
        }
        status = child.wait() => status.map_err(|e| EngineError::Spawn { program, detail: e.to_string() })?,
    };
    let tail = stderr_task.await.unwrap_or_default();
    if !status.success() {
        let tail: Vec<String> = tail.into_iter().filter(|l| !l.trim().is_empty()).collect();
        return Err(EngineError::Ffmpeg {
            step,
            input: plan.input.clone(),
            status: status
                .code()
                .map_or_else(|| "killed by a signal".into(), |c| c.to_string()),
            stderr_tail: if tail.is_empty() {
                "no error output".into()
            } else {
                tail.join(" | ")
            },
        });
    }
    Ok(pid)
}

/// The job's scratch dir, holding the intermediate encodes between the two steps. It lives in
/// the output root (as a dot-dir no bucket can be named like) rather than the system temp dir:
/// the intermediates are as big as the job's distinct renditions, and /tmp is often RAM-backed.
/// Removed when dropped: after success, failure, cancellation, or when the job's future is.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn create(output_root: &Path) -> Result<Self, EngineError> {
        let dir = output_root.join(format!(
            "{SCRATCH_DIR_PREFIX}{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io(&dir, &e))?;
        Ok(Self { dir })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "local engine: could not remove the scratch dir");
        }
    }
}

/// Accumulates one `-progress` block (`key=value` lines ending with `progress=continue|end`).
#[derive(Default)]
struct ProgressState {
    out_time_s: f64,
    speed: Option<f64>,
}

impl ProgressState {
    fn feed(&mut self, line: &str, duration_s: f64, pid: u32) -> Option<Progress> {
        let (key, value) = line.trim().split_once('=')?;
        match key {
            "out_time_us" => {
                if let Ok(us) = value.parse::<i64>() {
                    self.out_time_s = us.max(0) as f64 / 1e6;
                }
            }
            "speed" => self.speed = value.trim_end_matches('x').trim().parse().ok(),
            "progress" => {
                let percent = if duration_s > 0.0 {
                    (self.out_time_s / duration_s * 100.0).clamp(0.0, 100.0)
                } else {
                    0.0
                };
                return Some(Progress {
                    percent,
                    out_time_s: self.out_time_s,
                    speed: self.speed,
                    ffmpeg_pid: pid,
                });
            }
            _ => {}
        }
        None
    }
}

/// Knows which files and directories a run may create, so a failed or canceled run leaves
/// nothing behind — and never deletes what was there before it started.
struct OutputGuard {
    /// (dir, base name) of every group: all files the engine writes start with the base.
    prefixes: Vec<(PathBuf, String)>,
    existing: HashSet<PathBuf>,
    created_dirs: Vec<PathBuf>,
}

impl OutputGuard {
    fn prepare(plan: &JobPlan) -> Result<Self, EngineError> {
        let mut guard = OutputGuard {
            prefixes: Vec::new(),
            existing: HashSet::new(),
            created_dirs: Vec::new(),
        };
        for group in &plan.groups {
            let mut missing = Vec::new();
            let mut dir = group.dir.as_path();
            while !dir.exists() {
                missing.push(dir.to_path_buf());
                match dir.parent() {
                    Some(parent) => dir = parent,
                    None => break,
                }
            }
            std::fs::create_dir_all(&group.dir).map_err(|e| EngineError::io(&group.dir, &e))?;
            guard.created_dirs.extend(missing);
            if let Ok(entries) = std::fs::read_dir(&group.dir) {
                guard.existing.extend(entries.flatten().map(|e| e.path()));
            }
            guard.prefixes.push((group.dir.clone(), group.base.clone()));
        }
        Ok(guard)
    }

    fn remove_partial_outputs(&self) {
        for (dir, base) in &self.prefixes {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let ours = entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(base.as_str());
                if ours && !self.existing.contains(&path) {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        // Deepest first; remove_dir only succeeds on empty directories.
        let mut dirs = self.created_dirs.clone();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_blocks_become_percent_of_input() {
        let mut s = ProgressState::default();
        assert!(s.feed("out_time_us=2500000", 10.0, 7).is_none());
        assert!(s.feed("speed=1.5x", 10.0, 7).is_none());
        let p = s.feed("progress=continue", 10.0, 7).unwrap();
        assert_eq!((p.percent, p.speed, p.ffmpeg_pid), (25.0, Some(1.5), 7));
    }
}
