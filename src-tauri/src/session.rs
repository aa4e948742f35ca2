//! The queue beside the window: the app runs the queue itself when no other process holds the
//! single-runner lock (as `vodstudio run` does), and follows the database otherwise — taking
//! over when the other runner exits. On the local profile it starts or joins the embedded
//! backend. A supervisor restarts the session when the settings change and stops it, waiting
//! for every task, when the app quits.

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use vodstudio::config::{Backend, Profile, Settings};
use vodstudio::local::LocalHost;
use vodstudio::queue::runner::{RunOptions, Runner};
use vodstudio::queue::{BackendReach, DesktopNotifier, RunLock};

use crate::error::{AppError, Error};
use crate::models::{QueueRole, QueueStatus};
use crate::state::AppState;

/// How often a following app checks whether the other runner has gone.
const TAKEOVER_POLL: Duration = Duration::from_secs(2);

/// What the supervisor is told.
#[derive(Debug)]
pub enum Control {
    /// Settings changed, or the other runner went away: stop and start again.
    Restart,
    /// The app quits: stop, then answer.
    Shutdown(oneshot::Sender<()>),
}

/// One start of the queue with one version of the settings.
struct Session {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    local: Option<LocalHost>,
    /// Held while this app runs the queue.
    _lock: Option<RunLock>,
}

impl Session {
    async fn start<R: Runtime>(app: &AppHandle<R>, control: &mpsc::UnboundedSender<Control>) -> Self {
        let state = app.state::<AppState>();
        let stop = CancellationToken::new();
        let mut session = Session { stop: stop.clone(), tasks: Vec::new(), local: None, _lock: None };
        let set_status = |status: QueueStatus| {
            state.status.send_replace(status);
        };
        let fail = |err: Error| QueueStatus {
            role: QueueRole::Stopped,
            backend: None,
            reach: BackendReach::Unknown,
            error: Some(AppError::from(&err)),
        };
        let settings = match Settings::load(&state.data_dir) {
            Ok(s) => s,
            Err(e) => {
                set_status(fail(e.into()));
                return session;
            }
        };
        let lock = match RunLock::try_acquire(&state.data_dir) {
            Ok(lock) => lock,
            Err(e) => {
                set_status(fail(e.into()));
                return session;
            }
        };
        if matches!(settings.profile, Profile::Local) {
            match LocalHost::start_or_join(&state.data_dir).await {
                Ok(local) => {
                    if let Ok(mut endpoints) = state.local_endpoints.lock() {
                        *endpoints = Some(local.endpoints.clone());
                    }
                    session.local = Some(local);
                }
                Err(e) => {
                    set_status(fail(e.into()));
                    return session;
                }
            }
        }
        let Some(lock) = lock else {
            tracing::info!("another process runs the queue: following it");
            set_status(QueueStatus {
                role: QueueRole::Follower,
                backend: Some(label(&settings).into()),
                reach: BackendReach::Unknown,
                error: None,
            });
            session.tasks.push(tokio::spawn(crate::feed::run(app.clone(), state.store.clone(), None, stop.clone())));
            session.tasks.push(tokio::spawn(take_over_when_free(state.data_dir.clone(), control.clone(), stop)));
            return session;
        };
        let backend = match Backend::connect(&settings, session.local.as_ref().map(|l| &l.endpoints)).await {
            Ok(b) => b,
            Err(e) => {
                // The lock drops here: a CLI `run` may take the queue while the app cannot.
                set_status(fail(e.into()));
                return session;
            }
        };
        session._lock = Some(lock);
        let backend_label = backend.label;
        let notifier = Arc::new(DesktopNotifier::new(settings.notifications));
        let runner = Runner::new(state.store.clone(), backend, settings, &state.data_dir, notifier);
        let signals = runner.signals().clone();
        let mut reach = signals.subscribe_reach();
        set_status(QueueStatus { role: QueueRole::Runner, backend: Some(backend_label.into()), reach: reach.borrow().clone(), error: None });
        tracing::info!(backend = backend_label, "running the queue");

        let run_stop = stop.clone();
        session.tasks.push(tokio::spawn(async move {
            let opts = RunOptions { only: None, exit_when_idle: false };
            if let Err(e) = runner.run(opts, run_stop).await {
                tracing::error!("the queue stopped: {e}");
            }
        }));
        let status = state.status.clone();
        let reach_stop = stop.clone();
        session.tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = reach_stop.cancelled() => return,
                    changed = reach.changed() => if changed.is_err() { return },
                }
                let now = reach.borrow_and_update().clone();
                status.send_modify(|s| s.reach = now);
            }
        }));
        session.tasks.push(tokio::spawn(crate::feed::run(
            app.clone(),
            state.store.clone(),
            Some(signals.subscribe_uploads()),
            stop,
        )));
        session
    }

    /// Cancels, then waits for every task: uploads pause at a part boundary, jobs keep running
    /// on the backend and are tracked again on the next start.
    async fn stop<R: Runtime>(self, app: &AppHandle<R>) {
        let state = app.state::<AppState>();
        // The preview reads the session's backend: it goes with it, and the next open starts
        // one over whatever backend the settings now name.
        if let Some(preview) = state.preview.lock().await.take() {
            preview.shutdown().await;
        }
        if let Ok(mut endpoints) = state.local_endpoints.lock() {
            *endpoints = None;
        }
        self.stop.cancel();
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::warn!("a queue task ended badly: {e}");
            }
        }
        if let Some(local) = self.local {
            local.shutdown().await;
        }
    }
}

fn label(settings: &Settings) -> &'static str {
    match settings.profile {
        Profile::Local => "local",
        Profile::Aws(_) => "aws",
    }
}

/// While following, asks for a restart once the other runner's lock is free.
async fn take_over_when_free(data_dir: std::path::PathBuf, control: mpsc::UnboundedSender<Control>, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(TAKEOVER_POLL) => {}
        }
        // Taken and dropped at once: the restarted session takes it for good (or follows again
        // if another process was quicker).
        if let Ok(Some(_free)) = RunLock::try_acquire(&data_dir) {
            tracing::info!("the other runner has gone: taking over the queue");
            let _ = control.send(Control::Restart);
            return;
        }
    }
}

/// Starts the supervisor on Tauri's runtime; its sender goes into [`AppState`].
pub fn spawn_supervisor<R: Runtime>(app: AppHandle<R>) -> mpsc::UnboundedSender<Control> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let control = tx.clone();
    tauri::async_runtime::spawn(async move {
        let mut session = Session::start(&app, &control).await;
        while let Some(msg) = rx.recv().await {
            session.stop(&app).await;
            match msg {
                Control::Restart => {
                    app.state::<AppState>().status.send_replace(QueueStatus::starting());
                    session = Session::start(&app, &control).await;
                }
                Control::Shutdown(done) => {
                    let _ = done.send(());
                    return;
                }
            }
        }
    });
    tx
}

/// Stops the session and waits for it (called once, on exit).
pub async fn shutdown(state: &AppState) {
    let Some(control) = state.control.get() else { return };
    let (tx, rx) = oneshot::channel();
    if control.send(Control::Shutdown(tx)).is_ok() {
        let _ = rx.await;
    }
}
