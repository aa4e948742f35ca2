-- Per-asset pause. SQLite cannot alter a CHECK constraint, so the table is rebuilt with 'paused'
-- among the states, and `paused_from`: the state the asset was paused in (one of the states
-- before a MediaConvert job exists), which `resume` returns it to. It is stored rather than
-- derived because `probed` and `uploading` cannot be told apart reliably from the other columns
-- (an upload paused before its first part has no bytes and no upload record yet), and it is
-- NULL exactly when the asset is not paused. The upload itself needs nothing new: its record
-- (001_uploads.sql) already has a `paused` state, and its confirmed parts are what a resume
-- continues from.
CREATE TABLE assets_new (
    id              TEXT    PRIMARY KEY,
    source_path     TEXT    NOT NULL,
    source_name     TEXT    NOT NULL,
    size_bytes      INTEGER NOT NULL,
    mtime_ns        INTEGER NOT NULL,
    preset          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('added', 'probed', 'uploading', 'uploaded',
                        'submitted', 'transcoding', 'complete', 'failed', 'canceled', 'paused')),
    probe_json      TEXT,
    thumbnail_path  TEXT,
    plan_json       TEXT,
    input_bucket    TEXT,
    input_key       TEXT,
    upload_id       INTEGER REFERENCES uploads (id),
    bytes_done      INTEGER NOT NULL DEFAULT 0,
    bytes_total     INTEGER NOT NULL DEFAULT 0,
    job_attempt     INTEGER NOT NULL DEFAULT 0,
    job_id          TEXT,
    job_status      TEXT,
    job_phase       TEXT,
    job_percent     REAL,
    outputs_json    TEXT,
    waiting         TEXT,
    error_kind      TEXT,
    error_message   TEXT,
    failed_stage    TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    captions_json   TEXT,
    paused_from     TEXT    CHECK (paused_from IN ('added', 'probed', 'uploading', 'uploaded')),
    CHECK ((state = 'paused') = (paused_from IS NOT NULL))
);
INSERT INTO assets_new (id, source_path, source_name, size_bytes, mtime_ns, preset, state,
    probe_json, thumbnail_path, plan_json, input_bucket, input_key, upload_id, bytes_done,
    bytes_total, job_attempt, job_id, job_status, job_phase, job_percent, outputs_json, waiting,
    error_kind, error_message, failed_stage, created_at_ms, updated_at_ms, captions_json)
SELECT id, source_path, source_name, size_bytes, mtime_ns, preset, state,
    probe_json, thumbnail_path, plan_json, input_bucket, input_key, upload_id, bytes_done,
    bytes_total, job_attempt, job_id, job_status, job_phase, job_percent, outputs_json, waiting,
    error_kind, error_message, failed_stage, created_at_ms, updated_at_ms, captions_json
FROM assets;
DROP TABLE assets;
ALTER TABLE assets_new RENAME TO assets;
-- A paused asset is still in flight: adding its file again finds it instead of queueing a twin.
CREATE UNIQUE INDEX assets_in_flight_source ON assets (source_path)
    WHERE state NOT IN ('complete', 'failed', 'canceled');
CREATE INDEX assets_state ON assets (state);
