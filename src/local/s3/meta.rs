//! What the local S3 server records about objects, multipart uploads and parts: the JSON
//! sidecars of its on-disk layout (see `store.rs`), each naming the data files that hold the bytes.

use std::collections::BTreeMap;
use std::time::SystemTime;

use s3s::S3Result;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::checksum::{Algorithm, ChecksumKind, Checksums};
use super::store::internal;

/// HTTP attributes and user metadata that round-trip with an object.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ObjectAttrs {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub cache_control: Option<String>,
    pub user_metadata: BTreeMap<String, String>,
}

/// Metadata whose content lives in separate data files it names (objects and parts).
pub(crate) trait DataBacked: Serialize + DeserializeOwned {
    /// Names of the data files, in the same directory.
    fn data_file_names(&self) -> Vec<&str>;
    /// Points the metadata at freshly placed data files, in order.
    fn set_data_files(&mut self, names: Vec<String>);
}

impl DataBacked for ObjectMeta {
    fn data_file_names(&self) -> Vec<&str> {
        if self.part_files.is_empty() {
            vec![self.data_file.as_str()]
        } else {
            self.part_files.iter().map(String::as_str).collect()
        }
    }

    fn set_data_files(&mut self, mut names: Vec<String>) {
        if names.len() == 1 {
            self.data_file = names.remove(0);
            self.part_files.clear();
        } else {
            self.data_file.clear();
            self.part_files = names;
        }
    }
}

impl DataBacked for PartMeta {
    fn data_file_names(&self) -> Vec<&str> {
        vec![self.data_file.as_str()]
    }

    fn set_data_files(&mut self, names: Vec<String>) {
        self.data_file = names.into_iter().next().unwrap_or_default();
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub key: String,
    pub size_bytes: u64,
    /// ETag without quotes: hex MD5, or `<hex>-<parts>` for multipart objects.
    pub etag: String,
    pub last_modified: SystemTime,
    pub attrs: ObjectAttrs,
    pub checksums: Checksums,
    pub checksum_kind: Option<ChecksumKind>,
    pub parts_count: Option<u32>,
    /// Sizes of a multipart object's parts, in order, so `GetObject?partNumber=` can be served.
    #[serde(default)]
    pub part_sizes_bytes: Vec<u64>,
    /// Name of the data file in the same directory holding the bytes, unless `part_files` do.
    pub data_file: String,
    /// A multipart object's bytes, one data file per part in order (sizes in `part_sizes_bytes`):
    /// Complete links the parts in rather than copying them. Empty for one-piece objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_files: Vec<String>,
}

impl ObjectMeta {
    /// Data file names with their sizes, in order.
    pub(super) fn data_files_sized(&self) -> S3Result<Vec<(&str, u64)>> {
        if self.part_files.is_empty() {
            return Ok(vec![(self.data_file.as_str(), self.size_bytes)]);
        }
        if self.part_files.len() != self.part_sizes_bytes.len() {
            let what = format!(
                "{} names {} part files for {} part sizes",
                self.key,
                self.part_files.len(),
                self.part_sizes_bytes.len()
            );
            return Err(internal("object metadata", what));
        }
        Ok(self
            .part_files
            .iter()
            .map(String::as_str)
            .zip(self.part_sizes_bytes.iter().copied())
            .collect())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadMeta {
    pub upload_id: String,
    pub bucket: String,
    pub key: String,
    pub initiated: SystemTime,
    pub attrs: ObjectAttrs,
    pub checksum_algorithm: Option<Algorithm>,
    pub checksum_kind: Option<ChecksumKind>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PartMeta {
    pub part_number: u32,
    pub size_bytes: u64,
    /// Hex MD5, without quotes.
    pub etag: String,
    pub last_modified: SystemTime,
    pub checksums: Checksums,
    pub data_file: String,
}
