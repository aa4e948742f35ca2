//! Data files that readers still stream from. An object completed from a multipart upload is
//! read one part file after another, so a GET cannot hold all of them open from the start; a
//! writer that replaces or deletes the object therefore leaves a pinned file to its last reader,
//! and a GET in progress keeps serving the version it began with (as it does for a single-file
//! object, whose open descriptor outlives the unlink).

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Default)]
struct PinState {
    /// Readers per data file.
    readers: HashMap<PathBuf, usize>,
    /// Files a writer let go of while readers still had them: deleted when the last one ends.
    doomed: HashSet<PathBuf>,
}

/// The pin table of one store. Its lock is only ever held for map updates, never across I/O.
#[derive(Default)]
pub(crate) struct Pins {
    state: Arc<Mutex<PinState>>,
}

impl Pins {
    /// Pins `paths` until the returned guard is dropped.
    pub(crate) fn pin(&self, paths: Vec<PathBuf>) -> PinGuard {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for p in &paths {
            *state.readers.entry(p.clone()).or_default() += 1;
        }
        PinGuard {
            state: Arc::clone(&self.state),
            paths,
        }
    }

    /// Deletes a data file no metadata names any more: now, or when its last reader is done.
    ///
    /// Callers have already replaced the metadata that named it, so a reader pinning it from
    /// here on finds the new metadata when it checks again, and lets go.
    pub(crate) async fn remove(&self, path: &Path) -> io::Result<()> {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.readers.contains_key(path) {
                state.doomed.insert(path.to_path_buf());
                return Ok(());
            }
        }
        match tokio::fs::remove_file(path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Keeps data files from being deleted while a reader needs them.
pub(crate) struct PinGuard {
    state: Arc<Mutex<PinState>>,
    paths: Vec<PathBuf>,
}

impl Drop for PinGuard {
    fn drop(&mut self) {
        let mut due = Vec::new();
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            for p in self.paths.drain(..) {
                let Some(count) = state.readers.get_mut(&p) else {
                    continue;
                };
                *count -= 1;
                if *count == 0 {
                    state.readers.remove(&p);
                    if state.doomed.remove(&p) {
                        due.push(p);
                    }
                }
            }
        }
        // An unlink is a short metadata operation; a crash before it leaves an orphan that the
        // start-up sweep removes.
        for p in due {
            if let Err(e) = std::fs::remove_file(&p) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(path = %p.display(), error = %e, "local S3: could not remove a replaced data file");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pinned_file_outlives_its_removal_until_the_last_reader_is_done() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.data");
        std::fs::write(&path, b"x").expect("write");
        let pins = Pins::default();
        let first = pins.pin(vec![path.clone()]);
        let second = pins.pin(vec![path.clone()]);
        pins.remove(&path).await.expect("remove");
        assert!(path.exists(), "still pinned");
        drop(first);
        assert!(path.exists(), "one reader left");
        drop(second);
        assert!(!path.exists(), "deleted with the last reader");

        std::fs::write(&path, b"y").expect("write");
        drop(pins.pin(vec![path.clone()]));
        pins.remove(&path).await.expect("remove");
        assert!(!path.exists(), "an unpinned file goes at once");
        pins.remove(&path)
            .await
            .expect("removing a missing file is fine");
    }
}
