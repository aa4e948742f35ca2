//! Upload records: where a file is going, how it is split, and which parts S3 has confirmed.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::store::{now_ms, Store, StoreError};

/// Where an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    Active,
    Paused,
    Completed,
    Canceled,
    Failed,
}

impl UploadState {
    fn as_str(self) -> &'static str {
        match self {
            UploadState::Active => "active",
            UploadState::Paused => "paused",
            UploadState::Completed => "completed",
            UploadState::Canceled => "canceled",
            UploadState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "active" => UploadState::Active,
            "paused" => UploadState::Paused,
            "completed" => UploadState::Completed,
            "canceled" => UploadState::Canceled,
            "failed" => UploadState::Failed,
            other => return Err(StoreError::Corrupt(format!("unknown upload state {other:?}"))),
        })
    }

    /// Still to finish (resumable).
    pub fn is_unfinished(self) -> bool {
        matches!(self, UploadState::Active | UploadState::Paused)
    }
}

/// What is needed to start tracking an upload.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    pub file_path: String,
    pub file_size_bytes: u64,
    pub file_mtime_ns: i64,
    pub file_fingerprint: String,
    pub part_size_bytes: u64,
    pub checksum_algorithm: String,
}

/// A tracked upload.
#[derive(Debug, Clone, Serialize)]
pub struct UploadRecord {
    pub id: i64,
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    pub file_path: String,
    pub file_size_bytes: u64,
    pub file_mtime_ns: i64,
    pub file_fingerprint: String,
    pub part_size_bytes: u64,
    pub checksum_algorithm: String,
    pub s3_upload_id: Option<String>,
    pub state: UploadState,
    pub final_etag: Option<String>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A part S3 has confirmed, with the ETag and checksum it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartRecord {
    pub part_number: u32,
    pub size_bytes: u64,
    pub etag: String,
    pub checksum: String,
}

const COLUMNS: &str = "id, endpoint, bucket, key, file_path, file_size_bytes, file_mtime_ns, \
    file_fingerprint, part_size_bytes, checksum_algorithm, s3_upload_id, state, final_etag, error, \
    created_at_ms, updated_at_ms";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(UploadRecord, String)> {
    let state: String = row.get(11)?;
    Ok((
        UploadRecord {
            id: row.get(0)?,
            endpoint: row.get(1)?,
            bucket: row.get(2)?,
            key: row.get(3)?,
            file_path: row.get(4)?,
            file_size_bytes: row.get::<_, i64>(5)? as u64,
            file_mtime_ns: row.get(6)?,
            file_fingerprint: row.get(7)?,
            part_size_bytes: row.get::<_, i64>(8)? as u64,
            checksum_algorithm: row.get(9)?,
            s3_upload_id: row.get(10)?,
            state: UploadState::Active,
            final_etag: row.get(12)?,
            error: row.get(13)?,
            created_at_ms: row.get(14)?,
            updated_at_ms: row.get(15)?,
        },
        state,
    ))
}

fn finish(pair: (UploadRecord, String)) -> Result<UploadRecord, StoreError> {
    let (mut rec, state) = pair;
    rec.state = UploadState::parse(&state)?;
    Ok(rec)
}

impl Store {
    /// Starts tracking a new upload (state `active`, no S3 upload id yet).
    pub fn insert_upload(&self, new: &NewUpload) -> Result<UploadRecord, StoreError> {
        let now = now_ms();
        let id = {
            let conn = self.conn();
            conn.execute(
                "INSERT INTO uploads (endpoint, bucket, key, file_path, file_size_bytes, file_mtime_ns, \
                 file_fingerprint, part_size_bytes, checksum_algorithm, state, created_at_ms, updated_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'active', ?10, ?10)",
                params![
                    new.endpoint, new.bucket, new.key, new.file_path, new.file_size_bytes as i64,
                    new.file_mtime_ns, new.file_fingerprint, new.part_size_bytes as i64,
                    new.checksum_algorithm, now
                ],
            )?;
            conn.last_insert_rowid()
        };
        self.upload(id)?.ok_or_else(|| StoreError::Corrupt(format!("upload {id} vanished after insert")))
    }

    /// One upload by id.
    pub fn upload(&self, id: i64) -> Result<Option<UploadRecord>, StoreError> {
        let row = self
            .conn()
            .query_row(&format!("SELECT {COLUMNS} FROM uploads WHERE id = ?1"), [id], from_row)
            .optional()?;
        row.map(finish).transpose()
    }

    /// The unfinished upload to this destination, if any.
    pub fn unfinished_upload_to(&self, endpoint: &str, bucket: &str, key: &str) -> Result<Option<UploadRecord>, StoreError> {
        let row = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM uploads WHERE endpoint = ?1 AND bucket = ?2 AND key = ?3 \
                     AND state IN ('active', 'paused')"
                ),
                params![endpoint, bucket, key],
                from_row,
            )
            .optional()?;
        row.map(finish).transpose()
    }

    /// Every unfinished upload, oldest first.
    pub fn unfinished_uploads(&self) -> Result<Vec<UploadRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM uploads WHERE state IN ('active', 'paused') ORDER BY id"
        ))?;
        let rows = stmt.query_map([], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(finish).collect()
    }

    /// Records the id S3 gave the multipart upload.
    pub fn set_s3_upload_id(&self, id: i64, s3_upload_id: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE uploads SET s3_upload_id = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, s3_upload_id, now_ms()],
        )?;
        Ok(())
    }

    /// Moves an upload to `state`, with an error message or the final ETag where they apply.
    pub fn set_upload_state(
        &self,
        id: i64,
        state: UploadState,
        error: Option<&str>,
        final_etag: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE uploads SET state = ?2, error = ?3, final_etag = COALESCE(?4, final_etag), \
             updated_at_ms = ?5 WHERE id = ?1",
            params![id, state.as_str(), error, final_etag, now_ms()],
        )?;
        Ok(())
    }

    /// Records a confirmed part (committed before the call returns: a crash after this keeps it).
    pub fn record_part(&self, id: i64, part: &PartRecord) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO upload_parts (upload_id, part_number, size_bytes, etag, checksum) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, part.part_number, part.size_bytes as i64, part.etag, part.checksum],
        )?;
        Ok(())
    }

    /// Every S3 upload id ever recorded for this endpoint and bucket (to recognise our own
    /// multipart uploads among the server's).
    pub fn known_s3_upload_ids(&self, endpoint: &str, bucket: &str) -> Result<std::collections::HashSet<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT s3_upload_id FROM uploads WHERE endpoint = ?1 AND bucket = ?2 AND s3_upload_id IS NOT NULL",
        )?;
        let ids = stmt.query_map(params![endpoint, bucket], |r| r.get::<_, String>(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets confirmed parts (S3 no longer has them: the upload starts over).
    pub fn clear_parts(&self, id: i64) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM upload_parts WHERE upload_id = ?1", [id])?;
        Ok(())
    }

    /// Confirmed parts, by part number.
    pub fn parts(&self, id: i64) -> Result<Vec<PartRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT part_number, size_bytes, etag, checksum FROM upload_parts \
             WHERE upload_id = ?1 ORDER BY part_number",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(PartRecord {
                part_number: r.get(0)?,
                size_bytes: r.get::<_, i64>(1)? as u64,
                etag: r.get(2)?,
                checksum: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_upload(key: &str) -> NewUpload {
        NewUpload {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "watch".into(),
            key: key.into(),
            file_path: "/videos/trip.mov".into(),
            file_size_bytes: 42 << 20,
            file_mtime_ns: 1_700_000_000_000_000_000,
            file_fingerprint: "abc".into(),
            part_size_bytes: 8 << 20,
            checksum_algorithm: "CRC32C".into(),
        }
    }

    #[test]
    fn uploads_and_parts_persist_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let up = store.insert_upload(&new_upload("inputs/a/trip.mov")).unwrap();
        assert_eq!(up.state, UploadState::Active);
        store.set_s3_upload_id(up.id, "s3-id-1").unwrap();
        for n in [3u32, 1, 2] {
            let part = PartRecord { part_number: n, size_bytes: 8 << 20, etag: format!("\"e{n}\""), checksum: format!("c{n}") };
            store.record_part(up.id, &part).unwrap();
        }
        drop(store);

        let store = Store::open_in(dir.path()).unwrap();
        let found = store.unfinished_upload_to("http://127.0.0.1:9000", "watch", "inputs/a/trip.mov").unwrap().unwrap();
        assert_eq!(found.id, up.id);
        assert_eq!(found.s3_upload_id.as_deref(), Some("s3-id-1"));
        let parts = store.parts(up.id).unwrap();
        assert_eq!(parts.iter().map(|p| p.part_number).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(parts[0].etag, "\"e1\"");

        store.set_upload_state(up.id, UploadState::Completed, None, Some("\"final-3\"")).unwrap();
        assert!(store.unfinished_uploads().unwrap().is_empty());
        assert_eq!(store.upload(up.id).unwrap().unwrap().final_etag.as_deref(), Some("\"final-3\""));
    }

    #[test]
    fn only_one_unfinished_upload_per_destination() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let first = store.insert_upload(&new_upload("k")).unwrap();
        assert!(store.insert_upload(&new_upload("k")).is_err(), "a second unfinished upload to the same key");
        store.set_upload_state(first.id, UploadState::Canceled, None, None).unwrap();
        store.insert_upload(&new_upload("k")).unwrap();
    }
}
