-- Multipart uploads and the parts S3 has confirmed. One row per upload attempt of a file to a key.
CREATE TABLE uploads (
    id                 INTEGER PRIMARY KEY,
    endpoint           TEXT    NOT NULL,            -- S3 endpoint URL, '' for AWS's default
    bucket             TEXT    NOT NULL,
    key                TEXT    NOT NULL,
    file_path          TEXT    NOT NULL,
    file_size_bytes    INTEGER NOT NULL,
    file_mtime_ns      INTEGER NOT NULL,
    file_fingerprint   TEXT    NOT NULL,            -- hash of the file's head and tail
    part_size_bytes    INTEGER NOT NULL,
    checksum_algorithm TEXT    NOT NULL,            -- CRC32C | SHA256
    s3_upload_id       TEXT,                        -- NULL until CreateMultipartUpload answered
    state              TEXT    NOT NULL CHECK (state IN ('active', 'paused', 'completed', 'canceled', 'failed')),
    final_etag         TEXT,
    error              TEXT,
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL
);
-- At most one unfinished upload per destination: a rerun finds it and resumes.
CREATE UNIQUE INDEX uploads_unfinished_target ON uploads (endpoint, bucket, key)
    WHERE state IN ('active', 'paused');

CREATE TABLE upload_parts (
    upload_id   INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
    size_bytes  INTEGER NOT NULL,
    etag        TEXT    NOT NULL,
    checksum    TEXT    NOT NULL,                   -- base64, as S3 returns it
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
