//! Asset records: every source file's way from `added` to `complete | failed | canceled`.
//!
//! Every write that moves an asset forward is guarded by its expected state(s) in SQL, so a
//! `cancel` from another process (the CLI while the app runs, or the reverse) is never
//! overwritten by a runner that has not noticed it yet.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::sidecars::Sidecar;
use super::store::{now_ms, Store, StoreError};

/// Where an asset stands. The order is the pipeline's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AssetState {
    Added,
    Probed,
    Uploading,
    Uploaded,
    Submitted,
    Transcoding,
    Complete,
    Failed,
    Canceled,
    /// Held by the user before its MediaConvert job exists; `resume` returns it to
    /// [`AssetRecord::paused_from`]. Still in flight (not terminal), but no runner touches it.
    Paused,
}

impl AssetState {
    pub const ALL: [AssetState; 10] = [
        AssetState::Added,
        AssetState::Probed,
        AssetState::Uploading,
        AssetState::Uploaded,
        AssetState::Submitted,
        AssetState::Transcoding,
        AssetState::Complete,
        AssetState::Failed,
        AssetState::Canceled,
        AssetState::Paused,
    ];

    /// The states `pause` applies to: everything before the MediaConvert job is submitted (a
    /// job, once created, cannot be paused).
    pub const PAUSABLE: [AssetState; 4] = [
        AssetState::Added,
        AssetState::Probed,
        AssetState::Uploading,
        AssetState::Uploaded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetState::Added => "added",
            AssetState::Probed => "probed",
            AssetState::Uploading => "uploading",
            AssetState::Uploaded => "uploaded",
            AssetState::Submitted => "submitted",
            AssetState::Transcoding => "transcoding",
            AssetState::Complete => "complete",
            AssetState::Failed => "failed",
            AssetState::Canceled => "canceled",
            AssetState::Paused => "paused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Nothing more will happen to the asset unless the user retries it.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            AssetState::Complete | AssetState::Failed | AssetState::Canceled
        )
    }

    /// `pause` applies (see [`AssetState::PAUSABLE`]).
    pub fn is_pausable(self) -> bool {
        Self::PAUSABLE.contains(&self)
    }
}

impl std::fmt::Display for AssetState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `add` knows about a file.
#[derive(Debug, Clone)]
pub struct NewAsset {
    pub source_path: String,
    pub source_name: String,
    pub size_bytes: u64,
    pub mtime_ns: i64,
    pub preset: String,
}

/// One asset of the queue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AssetRecord {
    pub id: String,
    pub source_path: String,
    pub source_name: String,
    pub size_bytes: u64,
    pub mtime_ns: i64,
    pub preset: String,
    pub state: AssetState,
    #[serde(skip)]
    pub probe_json: Option<String>,
    pub thumbnail_path: Option<String>,
    #[serde(skip)]
    pub plan_json: Option<String>,
    pub input_bucket: Option<String>,
    pub input_key: Option<String>,
    pub upload_id: Option<i64>,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub job_attempt: u32,
    pub job_id: Option<String>,
    pub job_status: Option<String>,
    pub job_phase: Option<String>,
    pub job_percent: Option<f64>,
    #[serde(skip)]
    pub outputs_json: Option<String>,
    pub waiting: Option<String>,
    /// The sidecar caption files attached when the asset was added (JSON array of [`Sidecar`]).
    #[serde(skip)]
    pub captions_json: Option<String>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub failed_stage: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The state a paused asset was paused in, and resumes to; `None` unless paused.
    pub paused_from: Option<AssetState>,
}

/// The states with work left for the runner.
const ACTIVE: &str = "state NOT IN ('complete', 'failed', 'canceled', 'paused')";

const COLUMNS: &str = "id, source_path, source_name, size_bytes, mtime_ns, preset, state, probe_json, \
    thumbnail_path, plan_json, input_bucket, input_key, upload_id, bytes_done, bytes_total, job_attempt, \
    job_id, job_status, job_phase, job_percent, outputs_json, waiting, error_kind, error_message, \
    failed_stage, created_at_ms, updated_at_ms, captions_json, paused_from";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(AssetRecord, String, Option<String>)> {
    Ok((
        AssetRecord {
            id: row.get(0)?,
            source_path: row.get(1)?,
            source_name: row.get(2)?,
            size_bytes: row.get::<_, i64>(3)? as u64,
            mtime_ns: row.get(4)?,
            preset: row.get(5)?,
            state: AssetState::Added,
            probe_json: row.get(7)?,
            thumbnail_path: row.get(8)?,
            plan_json: row.get(9)?,
            input_bucket: row.get(10)?,
            input_key: row.get(11)?,
            upload_id: row.get(12)?,
            bytes_done: row.get::<_, i64>(13)? as u64,
            bytes_total: row.get::<_, i64>(14)? as u64,
            job_attempt: row.get(15)?,
            job_id: row.get(16)?,
            job_status: row.get(17)?,
            job_phase: row.get(18)?,
            job_percent: row.get(19)?,
            outputs_json: row.get(20)?,
            waiting: row.get(21)?,
            error_kind: row.get(22)?,
            error_message: row.get(23)?,
            failed_stage: row.get(24)?,
            created_at_ms: row.get(25)?,
            updated_at_ms: row.get(26)?,
            captions_json: row.get(27)?,
            paused_from: None,
        },
        row.get(6)?,
        row.get(28)?,
    ))
}

impl AssetRecord {
    /// The sidecar caption files attached to this asset.
    pub fn sidecars(&self) -> Vec<Sidecar> {
        self.captions_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }
}

fn finish(row: (AssetRecord, String, Option<String>)) -> Result<AssetRecord, StoreError> {
    let (mut rec, state, paused_from) = row;
    let parse = |s: &str| {
        AssetState::parse(s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown asset state {s:?}")))
    };
    rec.state = parse(&state)?;
    rec.paused_from = paused_from.as_deref().map(parse).transpose()?;
    Ok(rec)
}

/// Why an id given by the user does not name one asset.
#[derive(Debug, thiserror::Error)]
pub enum AssetLookupError {
    #[error("no asset with id {0:?} (see `vodstudio status`)")]
    NotFound(String),
    #[error("{0:?} matches {1} assets: give more of the id")]
    Ambiguous(String, usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an asset could not be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("no asset with id {0:?}")]
    NotFound(String),
    #[error("{id} is {state}: only complete, failed or canceled assets can be removed (cancel it first)")]
    Unfinished { id: String, state: AssetState },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RemoveError {
    /// A stable name for the failure (for `--json` and the UI).
    pub fn kind(&self) -> &'static str {
        match self {
            RemoveError::NotFound(_) => "asset_not_found",
            RemoveError::Unfinished { .. } => "asset_unfinished",
            RemoveError::Store(e) => e.kind(),
        }
    }
}

/// Why an asset could not be paused or resumed.
#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    #[error("no asset with id {0:?}")]
    NotFound(String),
    /// The MediaConvert job exists: MediaConvert has no pause, only cancel.
    #[error("{id} is {state}: its MediaConvert job has already been submitted, and MediaConvert jobs cannot be paused; cancel it instead (`vodstudio cancel {id}`) and retry it later to transcode it again")]
    NotPausable { id: String, state: AssetState },
    #[error(
        "{id} is {state}: a finished asset cannot be paused (retry it to send it through again)"
    )]
    Finished { id: String, state: AssetState },
    #[error("{id} is {state}, not paused: {hint}")]
    NotPaused {
        id: String,
        state: AssetState,
        hint: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PauseError {
    /// A stable name for the failure (for `--json` and the UI).
    pub fn kind(&self) -> &'static str {
        match self {
            PauseError::NotFound(_) => "asset_not_found",
            PauseError::NotPausable { .. } => "not_pausable",
            PauseError::Finished { .. } => "asset_finished",
            PauseError::NotPaused { .. } => "not_paused",
            PauseError::Store(e) => e.kind(),
        }
    }
}

/// `state = …, paused_from = …` moving an asset on to `to`, or, when it was paused in the state
/// before `to` (the step finished just as the user paused it), keeping it paused but remembering
/// that the step is done, so resume does not repeat it.
fn advance_to(to: AssetState) -> String {
    let to = to.as_str();
    format!("state = CASE state WHEN 'paused' THEN 'paused' ELSE '{to}' END, paused_from = CASE state WHEN 'paused' THEN '{to}' END")
}

/// A short random id: lowercase letters and digits, 12 of them (62 bits).
pub fn new_asset_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    (0..12)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

fn placeholders(states: &[AssetState]) -> String {
    states
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Queues a file, or returns the asset already in flight for the same path (and `false`).
    pub fn add_asset(&self, new: &NewAsset) -> Result<(AssetRecord, bool), StoreError> {
        if let Some(existing) = self.in_flight_asset_for(&new.source_path)? {
            return Ok((existing, false));
        }
        let id = new_asset_id();
        let now = now_ms();
        self.conn().execute(
            "INSERT INTO assets (id, source_path, source_name, size_bytes, mtime_ns, preset, state, \
             created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'added', ?7, ?7)",
            params![id, new.source_path, new.source_name, new.size_bytes as i64, new.mtime_ns, new.preset, now],
        )?;
        let rec = self
            .asset(&id)?
            .ok_or_else(|| StoreError::Corrupt(format!("asset {id} vanished after insert")))?;
        Ok((rec, true))
    }

    /// Attaches sidecar caption files to an asset (replacing any attached before).
    pub fn set_asset_captions(&self, id: &str, sidecars: &[Sidecar]) -> Result<bool, StoreError> {
        let json = if sidecars.is_empty() {
            None
        } else {
            Some(serde_json::to_string(sidecars).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        };
        let n = self.conn().execute(
            "UPDATE assets SET captions_json = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, json, now_ms()],
        )?;
        Ok(n == 1)
    }

    fn in_flight_asset_for(&self, source_path: &str) -> Result<Option<AssetRecord>, StoreError> {
        let row = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM assets WHERE source_path = ?1 AND state NOT IN ('complete', 'failed', 'canceled')"
                ),
                [source_path],
                from_row,
            )
            .optional()?;
        row.map(finish).transpose()
    }

    pub fn asset(&self, id: &str) -> Result<Option<AssetRecord>, StoreError> {
        let row = self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM assets WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()?;
        row.map(finish).transpose()
    }

    /// The asset whose id is, or starts with, `prefix`.
    pub fn find_asset(&self, prefix: &str) -> Result<AssetRecord, AssetLookupError> {
        if let Some(a) = self.asset(prefix)? {
            return Ok(a);
        }
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let rows = {
            let conn = self.conn();
            let query = || -> rusqlite::Result<Vec<_>> {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {COLUMNS} FROM assets WHERE id LIKE ?1 ESCAPE '\\' LIMIT 2"
                ))?;
                let rows = stmt.query_map([format!("{escaped}%")], from_row)?.collect();
                rows
            };
            query().map_err(StoreError::from)?
        };
        match rows.len() {
            0 => Err(AssetLookupError::NotFound(prefix.to_owned())),
            1 => Ok(finish(rows.into_iter().next().ok_or_else(|| {
                AssetLookupError::NotFound(prefix.to_owned())
            })?)?),
            n => Err(AssetLookupError::Ambiguous(prefix.to_owned(), n)),
        }
    }

    /// Every asset, oldest first.
    pub fn assets(&self) -> Result<Vec<AssetRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM assets ORDER BY created_at_ms, id"
        ))?;
        let rows = stmt
            .query_map([], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(finish).collect()
    }

    /// Assets the runner has work for: not finished (complete, failed, canceled) and not paused
    /// (a paused asset waits for the user), oldest first.
    pub fn active_assets(&self) -> Result<Vec<AssetRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM assets WHERE {ACTIVE} ORDER BY created_at_ms, id"
        ))?;
        let rows = stmt
            .query_map([], from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(finish).collect()
    }

    /// How many [`Store::active_assets`] there are (closing the app asks while any are).
    pub fn active_asset_count(&self) -> Result<u64, StoreError> {
        let conn = self.conn();
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM assets WHERE {ACTIVE}"), [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Runs `UPDATE assets SET <set> WHERE id = ? AND state IN (<from>)`; true when it applied.
    fn update_asset_if(
        &self,
        id: &str,
        from: &[AssetState],
        set: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<bool, StoreError> {
        let guard = format!("state IN ({})", placeholders(from));
        self.update_asset_where(id, &guard, set, values)
    }

    /// [`Self::update_asset_if`], also applying to an asset paused in one of `from` (a step that
    /// was already under way when the user paused it records its result).
    fn update_asset_if_or_paused(
        &self,
        id: &str,
        from: &[AssetState],
        set: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<bool, StoreError> {
        let from = placeholders(from);
        let guard =
            format!("(state IN ({from}) OR (state = 'paused' AND paused_from IN ({from})))");
        self.update_asset_where(id, &guard, set, values)
    }

    fn update_asset_where(
        &self,
        id: &str,
        guard: &str,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE assets SET {set}, updated_at_ms = ?{} WHERE id = ?{} AND {guard}",
            values.len() + 1,
            values.len() + 2,
        );
        let now = now_ms();
        let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
        all.push(&now);
        all.push(&id);
        Ok(self.conn().execute(&sql, all.as_slice())? == 1)
    }

    /// `added → probed` with the probe and the poster.
    pub fn set_asset_probed(
        &self,
        id: &str,
        probe_json: &str,
        thumbnail_path: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.update_asset_if_or_paused(
            id,
            &[AssetState::Added],
            &format!(
                "{}, probe_json = ?1, thumbnail_path = ?2",
                advance_to(AssetState::Probed)
            ),
            &[&probe_json, &thumbnail_path],
        )
    }

    /// The plan and where the source goes (before the upload starts).
    pub fn set_asset_planned(
        &self,
        id: &str,
        plan_json: &str,
        bucket: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        self.update_asset_if_or_paused(
            id,
            &[AssetState::Probed, AssetState::Uploading],
            "plan_json = ?1, input_bucket = ?2, input_key = ?3",
            &[&plan_json, &bucket, &key],
        )
    }

    /// `probed → uploading`.
    pub fn set_asset_uploading(&self, id: &str, bytes_total: u64) -> Result<bool, StoreError> {
        self.update_asset_if(
            id,
            &[AssetState::Probed, AssetState::Uploading],
            "state = 'uploading', bytes_total = ?1",
            &[&(bytes_total as i64)],
        )
    }

    /// Upload progress (also links the upload record, whose parts make the upload resumable).
    pub fn set_asset_upload_progress(
        &self,
        id: &str,
        upload_id: Option<i64>,
        done: u64,
        total: u64,
    ) -> Result<bool, StoreError> {
        self.update_asset_if(
            id,
            &[AssetState::Uploading],
            "upload_id = COALESCE(?1, upload_id), bytes_done = ?2, bytes_total = ?3",
            &[&upload_id, &(done as i64), &(total as i64)],
        )
    }

    /// `uploading → uploaded` (a paused asset stays paused, to resume as `uploaded`).
    pub fn set_asset_uploaded(&self, id: &str, upload_id: i64) -> Result<bool, StoreError> {
        self.update_asset_if_or_paused(
            id,
            &[AssetState::Uploading],
            &format!(
                "{}, upload_id = ?1, bytes_done = bytes_total",
                advance_to(AssetState::Uploaded)
            ),
            &[&upload_id],
        )
    }

    /// `uploaded → submitted` with the job id MediaConvert gave. Also from `paused` (paused in
    /// `uploaded` while CreateJob was on its way): the job exists now and cannot be paused, so
    /// the asset is submitted, and tracked, whatever the pause asked.
    pub fn set_asset_submitted(&self, id: &str, job_id: &str) -> Result<bool, StoreError> {
        self.update_asset_if_or_paused(
            id,
            &[AssetState::Uploaded],
            "state = 'submitted', paused_from = NULL, job_id = ?1, job_status = 'SUBMITTED', job_percent = 0, waiting = NULL",
            &[&job_id],
        )
    }

    /// Job progress while it runs (`submitted | transcoding → transcoding`).
    pub fn set_asset_job_progress(
        &self,
        id: &str,
        status: &str,
        phase: Option<&str>,
        percent: Option<f64>,
    ) -> Result<bool, StoreError> {
        let state = if status == "SUBMITTED" {
            "submitted"
        } else {
            "transcoding"
        };
        self.update_asset_if(
            id,
            &[AssetState::Submitted, AssetState::Transcoding],
            "state = ?1, job_status = ?2, job_phase = ?3, job_percent = COALESCE(?4, job_percent)",
            &[&state, &status, &phase, &percent],
        )
    }

    /// `transcoding → complete` with the outputs.
    pub fn set_asset_complete(&self, id: &str, outputs_json: &str) -> Result<bool, StoreError> {
        self.update_asset_if(
            id,
            &[AssetState::Submitted, AssetState::Transcoding],
            "state = 'complete', job_status = 'COMPLETE', job_percent = 100, job_phase = NULL, outputs_json = ?1, \
             waiting = NULL, error_kind = NULL, error_message = NULL",
            &[&outputs_json],
        )
    }

    /// Any unfinished state → `failed`, remembering the stage it failed in.
    pub fn set_asset_failed(
        &self,
        id: &str,
        stage: AssetState,
        kind: &str,
        message: &str,
    ) -> Result<bool, StoreError> {
        let unfinished: Vec<AssetState> = AssetState::ALL
            .into_iter()
            .filter(|s| !s.is_terminal())
            .collect();
        self.update_asset_if(
            id,
            &unfinished,
            "state = 'failed', paused_from = NULL, failed_stage = ?1, error_kind = ?2, error_message = ?3, waiting = NULL",
            &[&stage.as_str(), &kind, &message],
        )
    }

    /// Any unfinished state → `canceled`. A paused asset's unfinished upload is marked canceled
    /// with it: no runner drives a paused asset, so none would abort that upload; marked
    /// canceled, the runner's orphan sweep aborts it on S3 (and `vodstudio cancel` at once).
    pub fn set_asset_canceled(&self, id: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE uploads SET state = 'canceled', error = 'the asset was canceled while paused', updated_at_ms = ?2 \
             WHERE state IN ('active', 'paused') \
             AND (bucket, key) = (SELECT input_bucket, input_key FROM assets WHERE id = ?1 AND state = 'paused')",
            params![id, now],
        )?;
        let n = tx.execute(
            "UPDATE assets SET state = 'canceled', paused_from = NULL, waiting = NULL, updated_at_ms = ?2 \
             WHERE id = ?1 AND state NOT IN ('complete', 'failed', 'canceled')",
            params![id, now],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    /// The unfinished upload of an asset's source to its input key, if one is under way or
    /// paused (the asset links its upload record only once the upload is complete).
    pub fn unfinished_upload_of(
        &self,
        asset: &AssetRecord,
    ) -> Result<Option<super::UploadRecord>, StoreError> {
        let (Some(bucket), Some(key)) = (&asset.input_bucket, &asset.input_key) else {
            return Ok(None);
        };
        let id: Option<i64> = self
            .conn()
            .query_row(
                "SELECT id FROM uploads WHERE bucket = ?1 AND key = ?2 AND state IN ('active', 'paused') \
                 ORDER BY id DESC LIMIT 1",
                params![bucket, key],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.upload(id))
            .transpose()
            .map(Option::flatten)
    }

    /// Pauses an asset whose MediaConvert job does not exist yet (`added`, `probed`, `uploading`,
    /// `uploaded`), remembering the state to resume to. A running upload stops within a second
    /// (its confirmed parts stay on S3 and in the store; the multipart upload is not aborted).
    /// Pausing a paused asset is a no-op.
    pub fn pause_asset(&self, id: &str) -> Result<AssetRecord, PauseError> {
        let pausable = placeholders(&AssetState::PAUSABLE);
        let n = self.conn().execute(
            &format!(
                "UPDATE assets SET paused_from = state, state = 'paused', waiting = NULL, updated_at_ms = ?2 \
                 WHERE id = ?1 AND state IN ({pausable})"
            ),
            params![id, now_ms()],
        ).map_err(StoreError::from)?;
        let rec = self
            .asset(id)?
            .ok_or_else(|| PauseError::NotFound(id.to_owned()))?;
        match rec.state {
            _ if n == 1 => Ok(rec),
            AssetState::Paused => Ok(rec),
            s if s.is_terminal() => Err(PauseError::Finished {
                id: rec.id,
                state: s,
            }),
            s => Err(PauseError::NotPausable {
                id: rec.id,
                state: s,
            }),
        }
    }

    /// `paused` → the state it was paused in; the runner picks it up from there (an upload
    /// continues from its confirmed parts).
    pub fn resume_asset(&self, id: &str) -> Result<AssetRecord, PauseError> {
        let n = self.conn().execute(
            "UPDATE assets SET state = paused_from, paused_from = NULL, waiting = NULL, updated_at_ms = ?2 \
             WHERE id = ?1 AND state = 'paused'",
            params![id, now_ms()],
        ).map_err(StoreError::from)?;
        let rec = self
            .asset(id)?
            .ok_or_else(|| PauseError::NotFound(id.to_owned()))?;
        if n == 1 {
            return Ok(rec);
        }
        let hint = if matches!(rec.state, AssetState::Failed | AssetState::Canceled) {
            "retry it instead"
        } else if rec.state.is_terminal() {
            "it has already finished"
        } else {
            "it is already in the queue"
        };
        Err(PauseError::NotPaused {
            id: rec.id,
            state: rec.state,
            hint,
        })
    }

    /// Why an unfinished asset is waiting (None: it is not). A paused asset waits for nothing.
    pub fn set_asset_waiting(&self, id: &str, why: Option<&str>) -> Result<bool, StoreError> {
        let unfinished: Vec<AssetState> = AssetState::ALL
            .into_iter()
            .filter(|s| !s.is_terminal() && *s != AssetState::Paused)
            .collect();
        self.update_asset_if(id, &unfinished, "waiting = ?1", &[&why])
    }

    /// `failed | canceled` → the state to resume from: where the source already is on S3 the
    /// upload is not repeated, and a new job attempt (hence a new request token) is allowed.
    pub fn retry_asset(&self, id: &str) -> Result<Option<AssetState>, StoreError> {
        let Some(rec) = self.asset(id)? else {
            return Ok(None);
        };
        if !matches!(rec.state, AssetState::Failed | AssetState::Canceled) {
            return Ok(None);
        }
        let uploaded = match rec.upload_id {
            Some(up) => self
                .upload(up)?
                .is_some_and(|u| u.state == super::UploadState::Completed),
            None => false,
        };
        let to = if rec.probe_json.is_none() {
            AssetState::Added
        } else if uploaded {
            AssetState::Uploaded
        } else {
            AssetState::Probed
        };
        let applied = self.update_asset_if(
            id,
            &[AssetState::Failed, AssetState::Canceled],
            "state = ?1, job_attempt = job_attempt + 1, job_id = NULL, job_status = NULL, job_phase = NULL, \
             job_percent = NULL, waiting = NULL, error_kind = NULL, error_message = NULL, failed_stage = NULL",
            &[&to.as_str()],
        )?;
        Ok(applied.then_some(to))
    }

    /// Forgets an asset (its outputs stay where they are).
    pub fn remove_asset(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM assets WHERE id = ?1", [id])?
            == 1)
    }

    /// Forgets a finished asset (complete, failed or canceled) and its poster; its outputs stay
    /// where they are. Unfinished assets are refused: cancel them first, so no runner is left
    /// uploading or tracking a job for a record that no longer exists.
    pub fn remove_finished_asset(&self, id: &str) -> Result<AssetRecord, RemoveError> {
        let rec = self.asset(id)?.ok_or_else(|| RemoveError::NotFound(id.to_owned()))?;
        // Guarded in SQL too: another process may have retried it since it was read.
        let removed = self
            .conn()
            .execute("DELETE FROM assets WHERE id = ?1 AND state IN ('complete', 'failed', 'canceled')", [id])
            .map_err(StoreError::from)?;
        if removed != 1 {
            let state = self.asset(id)?.map_or(rec.state, |r| r.state);
            return Err(RemoveError::Unfinished { id: id.to_owned(), state });
        }
        if let Some(poster) = &rec.thumbnail_path {
            if let Err(e) = std::fs::remove_file(poster) {
                tracing::debug!("poster {poster} not removed: {e}");
            }
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_asset(path: &str) -> NewAsset {
        NewAsset {
            source_path: path.into(),
            source_name: "trip.mov".into(),
            size_bytes: 1000,
            mtime_ns: 1,
            preset: "web-ladder".into(),
        }
    }

    #[test]
    fn asset_walks_the_states_and_guards_hold() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let (a, fresh) = store.add_asset(&new_asset("/v/trip.mov")).unwrap();
        assert!(fresh);
        let (again, fresh) = store.add_asset(&new_asset("/v/trip.mov")).unwrap();
        assert!(!fresh);
        assert_eq!(again.id, a.id);

        assert!(
            !store.set_asset_uploading(&a.id, 10).unwrap(),
            "added cannot jump to uploading"
        );
        assert!(store.set_asset_probed(&a.id, "{}", None).unwrap());
        assert!(store.set_asset_uploading(&a.id, 1000).unwrap());
        assert!(store.set_asset_canceled(&a.id).unwrap());
        // A runner that has not seen the cancel cannot move the asset on.
        assert!(!store
            .set_asset_upload_progress(&a.id, None, 500, 1000)
            .unwrap());
        assert!(!store.set_asset_uploaded(&a.id, 1).unwrap());
        assert_eq!(
            store.asset(&a.id).unwrap().unwrap().state,
            AssetState::Canceled
        );

        assert_eq!(store.retry_asset(&a.id).unwrap(), Some(AssetState::Probed));
        let r = store.asset(&a.id).unwrap().unwrap();
        assert_eq!((r.state, r.job_attempt), (AssetState::Probed, 1));
        // Now in flight again: adding the same path finds it.
        assert_eq!(
            store.add_asset(&new_asset("/v/trip.mov")).unwrap().0.id,
            a.id
        );
    }

    #[test]
    fn only_finished_assets_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let poster = dir.path().join("poster.jpg");
        std::fs::write(&poster, b"jpg").unwrap();
        let (a, _) = store.add_asset(&new_asset("/v/a.mov")).unwrap();
        store.set_asset_probed(&a.id, "{}", poster.to_str()).unwrap();
        let err = store.remove_finished_asset(&a.id).unwrap_err();
        assert_eq!(err.kind(), "asset_unfinished", "{err}");
        store.set_asset_canceled(&a.id).unwrap();
        store.remove_finished_asset(&a.id).unwrap();
        assert!(store.asset(&a.id).unwrap().is_none());
        assert!(!poster.exists(), "the poster goes with the asset");
        assert_eq!(store.remove_finished_asset(&a.id).unwrap_err().kind(), "asset_not_found");
    }

    #[test]
    fn pause_holds_pausable_states_and_resume_returns_to_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let (a, _) = store.add_asset(&new_asset("/v/a.mov")).unwrap();
        let p = store.pause_asset(&a.id).unwrap();
        assert_eq!(
            (p.state, p.paused_from),
            (AssetState::Paused, Some(AssetState::Added))
        );
        // Pausing twice is a no-op; a paused file is still in flight for `add`.
        assert_eq!(
            store.pause_asset(&a.id).unwrap().paused_from,
            Some(AssetState::Added)
        );
        assert_eq!(store.add_asset(&new_asset("/v/a.mov")).unwrap().0.id, a.id);
        // A probe that finishes after the pause is kept: resume does not probe again.
        assert!(store.set_asset_probed(&a.id, "{}", None).unwrap());
        let p = store.asset(&a.id).unwrap().unwrap();
        assert_eq!(
            (p.state, p.paused_from),
            (AssetState::Paused, Some(AssetState::Probed))
        );
        assert!(
            !store.set_asset_uploading(&a.id, 1000).unwrap(),
            "a paused asset does not upload"
        );
        assert!(!store.set_asset_waiting(&a.id, Some("offline")).unwrap());
        let r = store.resume_asset(&a.id).unwrap();
        assert_eq!((r.state, r.paused_from), (AssetState::Probed, None));
        assert_eq!(store.resume_asset(&a.id).unwrap_err().kind(), "not_paused");

        assert!(store.set_asset_uploading(&a.id, 1000).unwrap());
        assert_eq!(
            store.pause_asset(&a.id).unwrap().paused_from,
            Some(AssetState::Uploading)
        );
        assert!(!store
            .set_asset_upload_progress(&a.id, None, 10, 1000)
            .unwrap());
        assert_eq!(
            store.resume_asset(&a.id).unwrap().state,
            AssetState::Uploading
        );

        let up = store
            .insert_upload(&crate::queue::NewUpload {
                endpoint: "e".into(),
                bucket: "b".into(),
                key: "k".into(),
                file_path: "/v/a.mov".into(),
                file_size_bytes: 1000,
                file_mtime_ns: 1,
                file_fingerprint: "f".into(),
                part_size_bytes: 8 << 20,
                checksum_algorithm: "CRC32C".into(),
            })
            .unwrap();
        assert!(store.set_asset_uploaded(&a.id, up.id).unwrap());
        store.pause_asset(&a.id).unwrap();
        // CreateJob answered after the pause: the job exists, so the asset is submitted.
        assert!(store.set_asset_submitted(&a.id, "job-1").unwrap());
        let s = store.asset(&a.id).unwrap().unwrap();
        assert_eq!((s.state, s.paused_from), (AssetState::Submitted, None));
        let err = store.pause_asset(&a.id).unwrap_err();
        assert_eq!(err.kind(), "not_pausable", "{err}");
        assert!(err.to_string().contains("cancel"), "{err}");
        store.set_asset_canceled(&a.id).unwrap();
        assert_eq!(
            store.pause_asset(&a.id).unwrap_err().kind(),
            "asset_finished"
        );
        assert_eq!(
            store.pause_asset("nope").unwrap_err().kind(),
            "asset_not_found"
        );
    }

    #[test]
    fn ids_are_found_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let (a, _) = store.add_asset(&new_asset("/v/a.mov")).unwrap();
        assert_eq!(store.find_asset(&a.id[..6]).unwrap().id, a.id);
        assert!(matches!(
            store.find_asset("zzzzzzzzzzzzz"),
            Err(AssetLookupError::NotFound(_))
        ));
        assert!(matches!(
            store.find_asset("%"),
            Err(AssetLookupError::NotFound(_))
        ));
    }
}
