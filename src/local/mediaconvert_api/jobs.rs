//! The job table: creation (with ClientRequestToken idempotency), lookups, ListJobs paging,
//! cancellation, and the status transitions the runner makes. Every transition is written to
//! disk before it is visible; progress percentages stay in memory (they are re-earned after a
//! restart anyway).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::error::{ApiError, LocalMediaConvertError};
use super::model::{
    now_epoch_s, wire_keys, Job, JobPhase, JobStatus, StoredJob, Timing, ECHOED_MEMBERS,
};
use super::runner::{self, Runner};
use super::store::JobFiles;

/// The account id in ARNs: there is no account, but clients parse ARNs.
const LOCAL_ACCOUNT_ID: &str = "000000000000";

/// A validated CreateJob request.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub role: String,
    /// `settings` as sent (camelCase on the wire; PascalCase is accepted too).
    pub settings: Value,
    pub queue: Option<String>,
    pub user_metadata: Map<String, Value>,
    pub client_request_token: Option<String>,
    echoed: Map<String, Value>,
}

impl NewJob {
    /// A job from given settings, as the watch folder submits it.
    pub fn new(
        role: impl Into<String>,
        settings: Value,
        user_metadata: Map<String, Value>,
    ) -> Self {
        Self {
            role: role.into(),
            settings,
            queue: None,
            user_metadata,
            client_request_token: None,
            echoed: Map::new(),
        }
    }

    /// Reads a CreateJob body, rejecting what MediaConvert rejects with 400.
    pub fn from_wire(body: &Value) -> Result<Self, ApiError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
        let role = match obj.get("role") {
            Some(Value::String(r)) if !r.is_empty() => r.clone(),
            _ => return Err(ApiError::bad_request("/role: required string missing")),
        };
        let settings = match obj.get("settings") {
            Some(s @ Value::Object(_)) => s.clone(),
            _ => return Err(ApiError::bad_request("/settings: required object missing")),
        };
        let string = |name: &str| -> Result<Option<String>, ApiError> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ApiError::bad_request(format!("/{name}: must be a string"))),
            }
        };
        let user_metadata = match obj.get("userMetadata") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) if m.values().all(Value::is_string) => m.clone(),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "/userMetadata: must be a map of strings",
                ))
            }
        };
        let echoed = ECHOED_MEMBERS
            .iter()
            .filter_map(|k| obj.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        Ok(Self {
            role,
            settings,
            queue: string("queue")?,
            user_metadata,
            client_request_token: string("clientRequestToken")?,
            echoed,
        })
    }
}

/// How a run ended.
pub(crate) enum Outcome {
    Complete(Value),
    Error { code: i32, message: String },
    Canceled,
}

struct Entry {
    stored: StoredJob,
    /// Fired by CancelJob (and, as a child of the shutdown token, by shutdown).
    cancel: CancellationToken,
}

#[derive(Default)]
struct State {
    by_seq: BTreeMap<u64, Entry>,
    seq_of_id: HashMap<String, u64>,
    seq_of_token: HashMap<String, u64>,
    next_seq: u64,
}

impl State {
    /// Adds a job to the table and every index of it (the one place that knows them all).
    fn insert(&mut self, stored: StoredJob, cancel: CancellationToken) -> u64 {
        let seq = stored.seq;
        self.next_seq = self.next_seq.max(seq + 1);
        self.seq_of_id.insert(stored.job.id.clone(), seq);
        if let Some(token) = &stored.job.client_request_token {
            self.seq_of_token.insert(token.clone(), seq);
        }
        self.by_seq.insert(seq, Entry { stored, cancel });
        seq
    }
}

/// All jobs of one server.
///
/// Job files are written while the table lock is held: writes of one job can then never land
/// out of order, and they are rare (state transitions, not progress ticks) and a few KB each.
pub(crate) struct Jobs {
    state: Mutex<State>,
    files: JobFiles,
    region: String,
    pub(crate) runner: Runner,
    /// Fired on shutdown: runs stop without a terminal status, so a restart resumes them.
    pub(crate) shutdown: CancellationToken,
    pub(crate) tasks: TaskTracker,
}

impl Jobs {
    /// Loads the stored jobs. Jobs a previous process left SUBMITTED or PROGRESSING are queued
    /// again from the start (their partial work went with the old work dir).
    pub fn open(
        files: JobFiles,
        region: String,
        runner: Runner,
    ) -> Result<Arc<Self>, LocalMediaConvertError> {
        let shutdown = CancellationToken::new();
        let mut state = State::default();
        let mut resume = Vec::new();
        for mut stored in files.load_all()? {
            if !stored.job.status.is_terminal() {
                let job = &mut stored.job;
                job.status = JobStatus::Submitted;
                job.current_phase = None;
                job.job_percent_complete = None;
                job.timing.start_time = None;
                files.save(&stored)?;
                resume.push(stored.seq);
            }
            state.insert(stored, shutdown.child_token());
        }
        let jobs = Arc::new(Self {
            state: Mutex::new(state),
            files,
            region,
            runner,
            shutdown,
            tasks: TaskTracker::new(),
        });
        for seq in resume {
            jobs.spawn_run(seq);
        }
        Ok(jobs)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves whole entries behind (every mutation
        // below replaces values), so the state is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// CreateJob. The same ClientRequestToken always answers the job it first created.
    pub fn create(self: &Arc<Self>, new: NewJob) -> Result<Job, ApiError> {
        let seq = {
            let mut state = self.lock();
            if let Some(seq) = new
                .client_request_token
                .as_ref()
                .and_then(|t| state.seq_of_token.get(t))
            {
                if let Some(entry) = state.by_seq.get(seq) {
                    return Ok(entry.stored.job.clone());
                }
            }
            let seq = state.next_seq;
            let now = now_epoch_s();
            let id = format!("{}-{}", (now * 1000.0) as u64, random_suffix());
            let job = Job {
                arn: format!(
                    "arn:aws:mediaconvert:{}:{LOCAL_ACCOUNT_ID}:jobs/{id}",
                    self.region
                ),
                id: id.clone(),
                created_at: now,
                status: JobStatus::Submitted,
                current_phase: None,
                job_percent_complete: None,
                error_code: None,
                error_message: None,
                timing: Timing {
                    submit_time: Some(now),
                    ..Timing::default()
                },
                role: new.role,
                queue: new.queue.unwrap_or_else(|| {
                    format!(
                        "arn:aws:mediaconvert:{}:{LOCAL_ACCOUNT_ID}:queues/Default",
                        self.region
                    )
                }),
                settings: wire_keys(&new.settings),
                user_metadata: new.user_metadata,
                client_request_token: new.client_request_token,
                output_group_details: None,
                echoed: new.echoed,
            };
            let stored = StoredJob { seq, job };
            // Written before it is answered: a job the client was told about survives a crash.
            self.files
                .save(&stored)
                .map_err(|e| ApiError::internal(format!("store job {id}: {e}")))?;
            state.insert(stored, self.shutdown.child_token())
        };
        self.spawn_run(seq);
        self.get_by_seq(seq)
            .ok_or_else(|| ApiError::internal("job vanished after creation"))
    }

    fn spawn_run(self: &Arc<Self>, seq: u64) {
        let Some((id, cancel)) = self
            .lock()
            .by_seq
            .get(&seq)
            .map(|e| (e.stored.job.id.clone(), e.cancel.clone()))
        else {
            return;
        };
        self.tasks.spawn(runner::run(Arc::clone(self), id, cancel));
    }

    fn get_by_seq(&self, seq: u64) -> Option<Job> {
        self.lock().by_seq.get(&seq).map(|e| e.stored.job.clone())
    }

    pub fn get(&self, id: &str) -> Result<Job, ApiError> {
        let state = self.lock();
        state
            .seq_of_id
            .get(id)
            .and_then(|seq| state.by_seq.get(seq))
            .map(|e| e.stored.job.clone())
            .ok_or_else(|| ApiError::not_found(format!("The specified job {id} was not found.")))
    }

    /// ListJobs: newest first unless `ascending`; `next_token` is the creation order to resume at.
    pub fn list(
        &self,
        status: Option<JobStatus>,
        ascending: bool,
        max_results: usize,
        next_token: Option<u64>,
    ) -> (Vec<Job>, Option<String>) {
        let state = self.lock();
        let range: Box<dyn Iterator<Item = (&u64, &Entry)>> = match (ascending, next_token) {
            (true, Some(from)) => Box::new(state.by_seq.range(from..)),
            (true, None) => Box::new(state.by_seq.iter()),
            (false, Some(from)) => Box::new(state.by_seq.range(..=from).rev()),
            (false, None) => Box::new(state.by_seq.iter().rev()),
        };
        let mut matching = range.filter(|(_, e)| status.is_none_or(|s| e.stored.job.status == s));
        let page: Vec<Job> = matching
            .by_ref()
            .take(max_results)
            .map(|(_, e)| e.stored.job.clone())
            .collect();
        let next = matching.next().map(|(seq, _)| seq.to_string());
        (page, next)
    }

    /// CancelJob: only a job that has not finished can be canceled.
    pub fn cancel(&self, id: &str) -> Result<(), ApiError> {
        let mut state = self.lock();
        let seq = *state
            .seq_of_id
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("The specified job {id} was not found.")))?;
        let entry = state
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| ApiError::not_found(format!("The specified job {id} was not found.")))?;
        let status = entry.stored.job.status;
        if status.is_terminal() {
            return Err(ApiError::conflict(format!(
                "job {id} is {} and can no longer be canceled",
                status.as_str()
            )));
        }
        let mut next = entry.stored.clone();
        finish_job(&mut next.job, Outcome::Canceled);
        self.files
            .save(&next)
            .map_err(|e| ApiError::internal(format!("store job {id}: {e}")))?;
        entry.stored = next;
        // The runner sees the token, kills ffmpeg and cleans up; the status is already final.
        entry.cancel.cancel();
        Ok(())
    }

    /// SUBMITTED → PROGRESSING (PROBING). `None` when the job is no longer waiting to run.
    pub fn start(&self, id: &str) -> Option<Job> {
        self.transition(id, |job| {
            if job.status != JobStatus::Submitted {
                return false;
            }
            job.status = JobStatus::Progressing;
            job.current_phase = Some(JobPhase::Probing);
            job.job_percent_complete = Some(0);
            job.timing.start_time = Some(now_epoch_s());
            true
        })
    }

    pub fn set_phase(&self, id: &str, phase: JobPhase) {
        self.transition(id, |job| {
            let running = job.status == JobStatus::Progressing;
            if running {
                job.current_phase = Some(phase);
            }
            running
        });
    }

    /// Progress ticks: memory only, never regressing.
    pub fn set_percent(&self, id: &str, percent: u32) {
        let mut state = self.lock();
        let Some(seq) = state.seq_of_id.get(id).copied() else {
            return;
        };
        if let Some(job) = state.by_seq.get_mut(&seq).map(|e| &mut e.stored.job) {
            if job.status == JobStatus::Progressing {
                job.job_percent_complete =
                    Some(percent.min(100).max(job.job_percent_complete.unwrap_or(0)));
            }
        }
    }

    /// A run's end. A job already terminal (canceled meanwhile) keeps its status.
    pub fn finish(&self, id: &str, outcome: Outcome) {
        self.transition(id, |job| {
            if job.status.is_terminal() {
                return false;
            }
            finish_job(job, outcome);
            true
        });
    }

    /// Applies `change` and persists the result if it returns true. A failed write is logged and
    /// the change kept in memory: the job stays correct for this process, and at worst a restart
    /// runs it again.
    fn transition(&self, id: &str, change: impl FnOnce(&mut Job) -> bool) -> Option<Job> {
        let mut state = self.lock();
        let seq = state.seq_of_id.get(id).copied()?;
        let entry = state.by_seq.get_mut(&seq)?;
        let mut next = entry.stored.clone();
        if !change(&mut next.job) {
            return None;
        }
        if let Err(e) = self.files.save(&next) {
            tracing::error!(job = id, error = %e, kind = e.kind(), "local MediaConvert: could not persist a job transition");
        }
        entry.stored = next;
        Some(entry.stored.job.clone())
    }
}

fn finish_job(job: &mut Job, outcome: Outcome) {
    job.current_phase = None;
    job.timing.finish_time = Some(now_epoch_s());
    match outcome {
        Outcome::Complete(details) => {
            job.status = JobStatus::Complete;
            job.job_percent_complete = Some(100);
            job.output_group_details = Some(details);
        }
        Outcome::Error { code, message } => {
            job.status = JobStatus::Error;
            job.job_percent_complete = None;
            job.error_code = Some(code);
            job.error_message = Some(message);
        }
        Outcome::Canceled => {
            job.status = JobStatus::Canceled;
            job.job_percent_complete = None;
        }
    }
}

/// Six lowercase alphanumerics, like MediaConvert's job id suffixes.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..6)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}
