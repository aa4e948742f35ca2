//! Recognising a file again after a crash or a reboot: size, modification time, and a hash of its
//! first and last MiB. Cheap on any size, and it catches a file replaced or re-exported in place.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::limits::UPLOAD_FINGERPRINT_EDGE_BYTES;

#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", .path.display())]
pub struct IdentityError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// What we remember of a file to know it is the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    pub size_bytes: u64,
    pub mtime_ns: i64,
    /// Hex SHA-256 of the size, the first MiB and the last MiB.
    pub fingerprint: String,
}

impl FileIdentity {
    /// Reads the identity of the file at `path`.
    pub fn of(path: &Path) -> Result<Self, IdentityError> {
        let err = |source| IdentityError { path: path.to_path_buf(), source };
        let mut file = std::fs::File::open(path).map_err(err)?;
        let meta = file.metadata().map_err(err)?;
        let size_bytes = meta.len();
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        let mut hasher = Sha256::new();
        hasher.update(size_bytes.to_le_bytes());
        let edge = UPLOAD_FINGERPRINT_EDGE_BYTES.min(size_bytes);
        let mut buf = vec![0u8; edge as usize];
        file.read_exact(&mut buf).map_err(err)?;
        hasher.update(&buf);
        if size_bytes > edge {
            file.seek(SeekFrom::Start(size_bytes - edge)).map_err(err)?;
            file.read_exact(&mut buf).map_err(err)?;
            hasher.update(&buf);
        }
        Ok(Self { size_bytes, mtime_ns, fingerprint: hex(&hasher.finalize()) })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_same_identity_and_edits_change_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.mov");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let a = FileIdentity::of(&path).unwrap();
        assert_eq!(a, FileIdentity::of(&path).unwrap());
        assert_eq!(a.size_bytes, 3_000_000);

        // Same size, same mtime, one byte changed at the tail: the fingerprint still differs.
        let mut edited = data.clone();
        edited[2_999_999] ^= 0xff;
        std::fs::write(&path, &edited).unwrap();
        let mtime = std::fs::File::open(&path).unwrap();
        drop(mtime);
        let b = FileIdentity::of(&path).unwrap();
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn empty_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(FileIdentity::of(&empty).unwrap().size_bytes, 0);
        let err = FileIdentity::of(&dir.path().join("nope")).unwrap_err();
        assert!(err.to_string().contains("nope"));
    }
}
