//! On-disk state of the local S3 server: buckets, objects, multipart uploads and their parts.
//!
//! Layout under `<data_dir>/s3/`:
//! ```text
//! buckets/<bucket>/bucket.json                       creation time
//! buckets/<bucket>/objects/<sha256(key)>.json        ObjectMeta (the commit point)
//! buckets/<bucket>/objects/<sha256(key)>.<id>.data   the bytes it names
//! buckets/<bucket>/objects/<sha256(key)>.<id>.<n>.data  …or part n of a completed multipart upload
//! uploads/<upload-id>/upload.json                    UploadMeta
//! uploads/<upload-id>/part-<n>.json + part-<n>.<id>.data
//! tmp/                                               bodies being received
//! ```
//! File names never contain key text (keys are hashed), so any key — slashes, `..`, unicode,
//! 1 KiB long — is safe. A write streams to `tmp/`, is renamed next to its sidecar, and becomes
//! visible when the sidecar is atomically replaced; the old data file is deleted after. A crash at
//! any point leaves either the old or the new version, plus at worst an orphan file.
//!
//! A data file is never written again once placed, so one file may be shared by hard links:
//! CompleteMultipartUpload links the parts' files into the bucket instead of copying their bytes,
//! and CopyObject links the source's files.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use s3s::{s3_error, S3Error, S3Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use tokio::io::AsyncWriteExt as _;

use super::pins::Pins;
use super::reader::PinnedObject;

pub(crate) use super::meta::{DataBacked, ObjectAttrs, ObjectMeta, PartMeta, UploadMeta};

/// A file under `tmp/` that is deleted unless it was committed (a body that failed half-way
/// leaves nothing behind).
pub(crate) struct TempFile {
    path: PathBuf,
    committed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub(crate) struct Store {
    root: PathBuf,
    /// Serialises the short "read old sidecar, rename data, replace sidecar" step, so two commits
    /// of one key never delete each other's data. Bodies stream outside it.
    commit: tokio::sync::Mutex<()>,
    /// Data files GETs in progress still read: deleting one waits for them.
    pins: Pins,
}

pub(crate) fn internal(what: &str, err: impl std::fmt::Display) -> S3Error {
    s3_error!(InternalError, "local S3 storage: {what}: {err}")
}

impl Store {
    /// Opens (creating if needed) the store under `root`, discarding bodies a previous run left
    /// half-received.
    pub(crate) async fn open(root: PathBuf) -> io::Result<Self> {
        for dir in ["buckets", "uploads", "tmp"] {
            tokio::fs::create_dir_all(root.join(dir)).await?;
        }
        let tmp = root.join("tmp");
        let mut entries = tokio::fs::read_dir(&tmp).await?;
        while let Some(entry) = entries.next_entry().await? {
            let path = entry.path();
            if entry.file_type().await?.is_dir() {
                tokio::fs::remove_dir_all(&path).await?;
            } else {
                tokio::fs::remove_file(&path).await?;
            }
        }
        let store = Self {
            root,
            commit: tokio::sync::Mutex::new(()),
            pins: Pins::default(),
        };
        store.sweep_orphans().await?;
        Ok(store)
    }

    /// Deletes data files no sidecar names: what a crash between "rename data" and "replace
    /// sidecar" (or before deleting a replaced version) leaves behind.
    async fn sweep_orphans(&self) -> io::Result<()> {
        let mut dirs = Vec::new();
        for (parent, child) in [("buckets", Some("objects")), ("uploads", None)] {
            let mut entries = tokio::fs::read_dir(self.root.join(parent)).await?;
            while let Some(entry) = entries.next_entry().await? {
                dirs.push(child.map_or_else(|| entry.path(), |c| entry.path().join(c)));
            }
        }
        for dir in dirs {
            let mut referenced = std::collections::HashSet::new();
            let mut data_files = Vec::new();
            let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
                continue;
            };
            while let Some(entry) = entries.next_entry().await? {
                let path = entry.path();
                match path.extension().and_then(|x| x.to_str()) {
                    Some("data") => data_files.push(path),
                    Some("json") => {
                        let bytes = tokio::fs::read(&path).await?;
                        if let Ok(DataRef {
                            data_file,
                            part_files,
                        }) = serde_json::from_slice::<DataRef>(&bytes)
                        {
                            referenced.insert(data_file);
                            referenced.extend(part_files);
                        }
                    }
                    _ => {}
                }
            }
            for path in data_files {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                if !referenced.contains(&name) {
                    tracing::info!(path = %path.display(), "local S3: removing orphaned data file");
                    tokio::fs::remove_file(&path).await?;
                }
            }
        }
        Ok(())
    }

    fn bucket_dir(&self, bucket: &str) -> S3Result<PathBuf> {
        // s3s validates names already; this keeps a path component from ever being `..` or `/`.
        if !s3s::path::check_bucket_name(bucket)
            || bucket.contains(['/', '\\'])
            || bucket.starts_with('.')
        {
            return Err(s3_error!(
                InvalidBucketName,
                "invalid bucket name {bucket:?}"
            ));
        }
        Ok(self.root.join("buckets").join(bucket))
    }

    fn objects_dir(&self, bucket: &str) -> S3Result<PathBuf> {
        Ok(self.bucket_dir(bucket)?.join("objects"))
    }

    fn upload_dir(&self, upload_id: &str) -> S3Result<PathBuf> {
        // Upload ids are our own 32-hex-digit UUIDs; anything else cannot name an upload.
        if upload_id.len() != 32 || !upload_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(no_such_upload(upload_id));
        }
        Ok(self.root.join("uploads").join(upload_id))
    }

    pub(crate) async fn new_temp(&self) -> S3Result<(TempFile, tokio::fs::File)> {
        let path = self
            .root
            .join("tmp")
            .join(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| internal("create temp file", e))?;
        Ok((
            TempFile {
                path,
                committed: false,
            },
            file,
        ))
    }

    // ---- buckets ----

    pub(crate) async fn bucket_exists(&self, bucket: &str) -> S3Result<bool> {
        exists(&self.bucket_dir(bucket)?.join("bucket.json")).await
    }

    pub(crate) async fn require_bucket(&self, bucket: &str) -> S3Result<()> {
        if self.bucket_exists(bucket).await? {
            Ok(())
        } else {
            Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist: {bucket}"
            ))
        }
    }

    pub(crate) async fn create_bucket(&self, bucket: &str) -> S3Result<()> {
        let dir = self.bucket_dir(bucket)?;
        let _guard = self.commit.lock().await;
        if exists(&dir.join("bucket.json")).await? {
            return Err(s3_error!(
                BucketAlreadyOwnedByYou,
                "bucket {bucket} already exists"
            ));
        }
        tokio::fs::create_dir_all(dir.join("objects"))
            .await
            .map_err(|e| internal("create bucket", e))?;
        self.write_json(
            &dir.join("bucket.json"),
            &BucketMeta {
                created: SystemTime::now(),
            },
        )
        .await
    }

    pub(crate) async fn delete_bucket(&self, bucket: &str) -> S3Result<()> {
        let dir = self.bucket_dir(bucket)?;
        let _guard = self.commit.lock().await;
        if !exists(&dir.join("bucket.json")).await? {
            return Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist: {bucket}"
            ));
        }
        if !self
            .list_sidecars::<ObjectMeta>(&dir.join("objects"))
            .await?
            .is_empty()
        {
            return Err(s3_error!(
                BucketNotEmpty,
                "The bucket {bucket} you tried to delete is not empty"
            ));
        }
        self.remove_dir_atomically(&dir).await?;
        // Unfinished uploads die with their bucket; otherwise they would come back to life in a
        // new bucket of the same name.
        for upload in self
            .list_uploads()
            .await?
            .into_iter()
            .filter(|u| u.bucket == bucket)
        {
            self.remove_dir_atomically(&self.upload_dir(&upload.upload_id)?)
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn list_buckets(&self) -> S3Result<Vec<(String, SystemTime)>> {
        let mut out = Vec::new();
        let mut entries = tokio::fs::read_dir(self.root.join("buckets"))
            .await
            .map_err(|e| internal("list buckets", e))?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| internal("list buckets", e))?
        {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(meta) = self
                .read_json::<BucketMeta>(&entry.path().join("bucket.json"))
                .await
            else {
                continue;
            };
            if let Some(meta) = meta {
                out.push((name, meta.created));
            }
        }
        out.sort();
        Ok(out)
    }

    // ---- objects ----

    fn object_stem(key: &str) -> String {
        hex::encode(sha2::Sha256::digest(key.as_bytes()))
    }

    pub(crate) async fn object_meta(
        &self,
        bucket: &str,
        key: &str,
    ) -> S3Result<Option<ObjectMeta>> {
        let path = self
            .objects_dir(bucket)?
            .join(format!("{}.json", Self::object_stem(key)));
        self.read_json(&path).await
    }

    /// An object's current version with its data files pinned, for reading or copying. Retries
    /// when a concurrent overwrite replaced the sidecar between reading and pinning (its files
    /// may be gone then); once pinned and confirmed current, the files stay until unpinned.
    pub(crate) async fn pin_object(&self, bucket: &str, key: &str) -> S3Result<PinnedObject> {
        let dir = self.objects_dir(bucket)?;
        for _ in 0..3 {
            let Some(meta) = self.object_meta(bucket, key).await? else {
                self.require_bucket(bucket).await?;
                return Err(s3_error!(
                    NoSuchKey,
                    "The specified key does not exist: {key}"
                ));
            };
            let files: Vec<(PathBuf, u64)> = meta
                .data_files_sized()?
                .into_iter()
                .map(|(f, size)| (dir.join(f), size))
                .collect();
            let pin = self
                .pins
                .pin(files.iter().map(|(p, _)| p.clone()).collect());
            let current = self.object_meta(bucket, key).await?;
            if current.is_some_and(|c| c.data_file_names() == meta.data_file_names()) {
                return Ok(PinnedObject { meta, files, pin });
            }
        }
        Err(s3_error!(
            InternalError,
            "object {key} kept changing while being opened; retry"
        ))
    }

    /// Makes `data` the new content of `meta.key`, replacing any previous version.
    pub(crate) async fn commit_object(
        &self,
        bucket: &str,
        mut meta: ObjectMeta,
        data: TempFile,
    ) -> S3Result<()> {
        let dir = self.objects_dir(bucket)?;
        let stem = Self::object_stem(&meta.key);
        let _guard = self.commit.lock().await;
        // A bucket deleted while the body streamed must not come back half-made.
        self.require_bucket(bucket).await?;
        self.swap_in(&dir, &stem, &mut meta, data).await
    }

    /// Makes existing data files the content of `meta.key` without copying a byte: each of
    /// `sources` (in order) is hard-linked into the bucket under a fresh name, then the sidecar is
    /// replaced as in `swap_in`. A crash before that leaves only orphan links for the start-up
    /// sweep. With `completing`, that upload must still exist (an Abort that won the race wins,
    /// as on S3) and is removed once the object is committed.
    pub(crate) async fn commit_linked(
        &self,
        bucket: &str,
        mut meta: ObjectMeta,
        sources: &[PathBuf],
        completing: Option<&str>,
    ) -> S3Result<()> {
        let dir = self.objects_dir(bucket)?;
        let stem = Self::object_stem(&meta.key);
        let _guard = self.commit.lock().await;
        self.require_bucket(bucket).await?;
        if let Some(id) = completing {
            if !exists(&self.upload_dir(id)?.join("upload.json")).await? {
                return Err(no_such_upload(id));
            }
        }
        let sidecar = dir.join(format!("{stem}.json"));
        let old: Option<ObjectMeta> = self.read_json(&sidecar).await?;
        let version = uuid::Uuid::new_v4().simple();
        let mut names = Vec::with_capacity(sources.len());
        for (i, source) in sources.iter().enumerate() {
            let name = format!("{stem}.{version}.{}.data", i + 1);
            if let Err(e) = link_or_copy(source, &dir.join(&name)).await {
                for made in &names {
                    remove_if_exists(&dir.join(made)).await?;
                }
                return Err(if e.kind() == io::ErrorKind::NotFound {
                    s3_error!(
                        InternalError,
                        "a data file was replaced while being linked into {bucket}; retry"
                    )
                } else {
                    internal("link data file", e)
                });
            }
            names.push(name);
        }
        meta.set_data_files(names);
        self.write_json(&sidecar, &meta).await?;
        if let Some(old) = old {
            self.remove_data(&dir, &old).await?;
        }
        if let Some(id) = completing {
            self.remove_dir_atomically(&self.upload_dir(id)?).await?;
        }
        Ok(())
    }

    /// Deletes an object; deleting a missing key is not an error (S3 semantics).
    pub(crate) async fn delete_object(&self, bucket: &str, key: &str) -> S3Result<()> {
        let dir = self.objects_dir(bucket)?;
        let sidecar = dir.join(format!("{}.json", Self::object_stem(key)));
        let _guard = self.commit.lock().await;
        if let Some(old) = self.read_json::<ObjectMeta>(&sidecar).await? {
            remove_if_exists(&sidecar).await?;
            self.remove_data(&dir, &old).await?;
        }
        Ok(())
    }

    /// All objects of a bucket, sorted by key (S3's listing order: UTF-8 bytes).
    pub(crate) async fn list_objects(&self, bucket: &str) -> S3Result<Vec<ObjectMeta>> {
        self.require_bucket(bucket).await?;
        let mut all: Vec<ObjectMeta> = self.list_sidecars(&self.objects_dir(bucket)?).await?;
        all.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(all)
    }

    // ---- multipart uploads ----

    pub(crate) async fn create_upload(&self, meta: &UploadMeta) -> S3Result<()> {
        let dir = self.upload_dir(&meta.upload_id)?;
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| internal("create upload", e))?;
        self.write_json(&dir.join("upload.json"), meta).await
    }

    /// The upload, or NoSuchUpload when it never existed, was aborted or completed.
    pub(crate) async fn upload(&self, upload_id: &str) -> S3Result<UploadMeta> {
        let path = self.upload_dir(upload_id)?.join("upload.json");
        self.read_json(&path)
            .await?
            .ok_or_else(|| no_such_upload(upload_id))
    }

    pub(crate) async fn list_uploads(&self) -> S3Result<Vec<UploadMeta>> {
        let mut out = Vec::new();
        let root = self.root.join("uploads");
        let mut entries = tokio::fs::read_dir(&root)
            .await
            .map_err(|e| internal("list uploads", e))?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| internal("list uploads", e))?
        {
            if let Some(meta) = self
                .read_json::<UploadMeta>(&entry.path().join("upload.json"))
                .await?
            {
                out.push(meta);
            }
        }
        Ok(out)
    }

    pub(crate) async fn commit_part(
        &self,
        upload_id: &str,
        mut meta: PartMeta,
        data: TempFile,
    ) -> S3Result<()> {
        let dir = self.upload_dir(upload_id)?;
        let stem = format!("part-{:05}", meta.part_number);
        let _guard = self.commit.lock().await;
        // Aborted or completed while this part streamed in: S3 answers NoSuchUpload.
        if !exists(&dir.join("upload.json")).await? {
            return Err(no_such_upload(upload_id));
        }
        self.swap_in(&dir, &stem, &mut meta, data).await
    }

    /// Makes `data` the content behind the sidecar `<stem>.json`, crash-safely: the data lands
    /// under a fresh name, the sidecar is replaced atomically to point at it, and only then is the
    /// old data removed (start-up sweeps data no sidecar references, so a crash leaks nothing).
    /// Callers hold the commit lock.
    async fn swap_in<M: DataBacked>(
        &self,
        dir: &Path,
        stem: &str,
        meta: &mut M,
        data: TempFile,
    ) -> S3Result<()> {
        let sidecar = dir.join(format!("{stem}.json"));
        let old: Option<M> = self.read_json(&sidecar).await?;
        let name = format!("{stem}.{}.data", uuid::Uuid::new_v4().simple());
        self.place(data, &dir.join(&name)).await?;
        meta.set_data_files(vec![name]);
        self.write_json(&sidecar, meta).await?;
        if let Some(old) = old {
            self.remove_data(dir, &old).await?;
        }
        Ok(())
    }

    /// Deletes the data files of a version no sidecar names any more (when its readers are done).
    async fn remove_data<M: DataBacked>(&self, dir: &Path, old: &M) -> S3Result<()> {
        for name in old.data_file_names() {
            self.pins
                .remove(&dir.join(name))
                .await
                .map_err(|e| internal("remove file", e))?;
        }
        Ok(())
    }

    /// Parts uploaded so far, sorted by part number.
    pub(crate) async fn list_parts(&self, upload_id: &str) -> S3Result<Vec<PartMeta>> {
        let dir = self.upload_dir(upload_id)?;
        let mut parts: Vec<PartMeta> = self.list_sidecars(&dir).await?;
        parts.retain(|p| p.part_number > 0);
        parts.sort_by_key(|p| p.part_number);
        Ok(parts)
    }

    pub(crate) fn part_data_path(&self, upload_id: &str, part: &PartMeta) -> S3Result<PathBuf> {
        Ok(self.upload_dir(upload_id)?.join(&part.data_file))
    }

    /// Removes an upload and its parts; false if it was already gone.
    pub(crate) async fn remove_upload(&self, upload_id: &str) -> S3Result<bool> {
        let dir = self.upload_dir(upload_id)?;
        let _guard = self.commit.lock().await;
        if !exists(&dir.join("upload.json")).await? {
            return Ok(false);
        }
        self.remove_dir_atomically(&dir).await?;
        Ok(true)
    }

    // ---- helpers ----

    /// Renames a directory into `tmp/` first so it disappears in one step, then deletes it.
    async fn remove_dir_atomically(&self, dir: &Path) -> S3Result<()> {
        let trash = self
            .root
            .join("tmp")
            .join(format!("{}.trash", uuid::Uuid::new_v4().simple()));
        tokio::fs::rename(dir, &trash)
            .await
            .map_err(|e| internal("remove directory", e))?;
        tokio::fs::remove_dir_all(&trash)
            .await
            .map_err(|e| internal("remove directory", e))
    }

    async fn place(&self, mut data: TempFile, dest: &Path) -> S3Result<()> {
        tokio::fs::rename(&data.path, dest)
            .await
            .map_err(|e| internal("store data file", e))?;
        data.committed = true;
        Ok(())
    }

    /// Every `*.json` sidecar in `dir` that parses as `T` (other JSON files there are skipped).
    async fn list_sidecars<T: DeserializeOwned>(&self, dir: &Path) -> S3Result<Vec<T>> {
        let mut out = Vec::new();
        let mut entries = match tokio::fs::read_dir(dir).await {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(internal("list directory", e)),
        };
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| internal("list directory", e))?
        {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let Ok(bytes) = tokio::fs::read(&path).await else {
                continue;
            }; // deleted meanwhile
            if let Ok(meta) = serde_json::from_slice::<T>(&bytes) {
                out.push(meta);
            }
        }
        Ok(out)
    }

    async fn read_json<T: DeserializeOwned>(&self, path: &Path) -> S3Result<Option<T>> {
        match tokio::fs::read(path).await {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| internal(&format!("corrupt metadata file {}", path.display()), e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(internal("read metadata", e)),
        }
    }

    /// Writes a sidecar atomically: temp file, fsync, rename over the old one.
    async fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> S3Result<()> {
        let json = serde_json::to_vec_pretty(value).map_err(|e| internal("encode metadata", e))?;
        let (mut tmp, mut file) = self.new_temp().await?;
        file.write_all(&json)
            .await
            .map_err(|e| internal("write metadata", e))?;
        file.sync_all()
            .await
            .map_err(|e| internal("write metadata", e))?;
        drop(file);
        tokio::fs::rename(&tmp.path, path)
            .await
            .map_err(|e| internal("write metadata", e))?;
        tmp.committed = true;
        Ok(())
    }
}

/// The data file fields of object and part sidecars.
#[derive(Deserialize)]
struct DataRef {
    data_file: String,
    #[serde(default)]
    part_files: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct BucketMeta {
    created: SystemTime,
}

pub(crate) fn no_such_upload(upload_id: &str) -> S3Error {
    s3_error!(
        NoSuchUpload,
        "The specified multipart upload does not exist (it may have been aborted or completed): {upload_id}"
    )
}

async fn exists(path: &Path) -> S3Result<bool> {
    tokio::fs::try_exists(path)
        .await
        .map_err(|e| internal("stat", e))
}

/// Hard-links `source` as `dest`; where the file system has no hard links (FAT, some network
/// mounts), copies it and makes the copy durable instead.
async fn link_or_copy(source: &Path, dest: &Path) -> io::Result<()> {
    match tokio::fs::hard_link(source, dest).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            tracing::debug!(error = %e, "local S3: no hard link, copying the data file instead");
            let (source, dest) = (source.to_path_buf(), dest.to_path_buf());
            tokio::task::spawn_blocking(move || {
                std::fs::copy(&source, &dest)?;
                std::fs::File::open(&dest)?.sync_all()
            })
            .await
            .map_err(io::Error::other)?
        }
        result => result,
    }
}

async fn remove_if_exists(path: &Path) -> S3Result<()> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(internal("remove file", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::link_or_copy;

    #[tokio::test]
    async fn a_data_file_is_linked_or_else_copied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = dir.path().join("part.data");
        std::fs::write(&source, b"part bytes").expect("write");
        link_or_copy(&source, &dir.path().join("linked.data"))
            .await
            .expect("link");
        assert_eq!(
            std::fs::read(dir.path().join("linked.data")).expect("read"),
            b"part bytes"
        );

        // Across file systems there is no hard link: the copy fallback runs (where /dev/shm is
        // another file system, as on Linux).
        if let Ok(other) = tempfile::tempdir_in("/dev/shm") {
            let dest = other.path().join("copied.data");
            link_or_copy(&source, &dest).await.expect("copy");
            assert_eq!(std::fs::read(&dest).expect("read"), b"part bytes");
        }
        let missing = link_or_copy(&dir.path().join("gone.data"), &dir.path().join("x.data")).await;
        assert_eq!(
            missing.expect_err("no source").kind(),
            std::io::ErrorKind::NotFound
        );
    }
}
