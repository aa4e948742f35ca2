-- The batch queue: one row per asset (a source file on its way to a set of renditions).
CREATE TABLE assets (
    id              TEXT    PRIMARY KEY,            -- short random id, also the S3 key prefix
    source_path     TEXT    NOT NULL,
    source_name     TEXT    NOT NULL,
    size_bytes      INTEGER NOT NULL,
    mtime_ns        INTEGER NOT NULL,
    preset          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('added', 'probed', 'uploading', 'uploaded',
                        'submitted', 'transcoding', 'complete', 'failed', 'canceled')),
    probe_json      TEXT,                           -- the probe (docs/probe-json.md)
    thumbnail_path  TEXT,
    plan_json       TEXT,                           -- the planned job (rungs, notes, body)
    input_bucket    TEXT,
    input_key       TEXT,
    upload_id       INTEGER REFERENCES uploads (id),
    bytes_done      INTEGER NOT NULL DEFAULT 0,
    bytes_total     INTEGER NOT NULL DEFAULT 0,
    job_attempt     INTEGER NOT NULL DEFAULT 0,     -- bumped by retry: part of the request token
    job_id          TEXT,
    job_status      TEXT,
    job_phase       TEXT,
    job_percent     REAL,
    outputs_json    TEXT,
    waiting         TEXT,                           -- why the asset waits (offline…), NULL if not
    error_kind      TEXT,
    error_message   TEXT,
    failed_stage    TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);
-- A file is queued once while it is in flight; once finished it can be added again.
CREATE UNIQUE INDEX assets_in_flight_source ON assets (source_path)
    WHERE state NOT IN ('complete', 'failed', 'canceled');
CREATE INDEX assets_state ON assets (state);
