//! The single-runner lock: one process per data dir works through the queue (the CLI's `run` or
//! the app); others follow its progress in the database.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Lock file in the data dir held by the process that runs the queue.
pub const RUN_LOCK_FILE: &str = "run.lock";

/// Held while this process runs the queue; dropping it lets another process take over. The OS
/// releases it when the process dies, so a crash never leaves the queue locked.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock of `data_dir` if no other process holds it (`Ok(None)` when one does).
    pub fn try_acquire(data_dir: &Path) -> Result<Option<Self>, RunLockError> {
        let path = data_dir.join(RUN_LOCK_FILE);
        let io = |source| RunLockError { path: path.clone(), source };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(io)?;
        Ok(file.try_lock().is_ok().then_some(Self { _file: file }))
    }
}

/// The lock file could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the queue's lock {}: {source}", .path.display())]
pub struct RunLockError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::try_acquire(dir.path()).unwrap();
        assert!(first.is_some());
        assert!(RunLock::try_acquire(dir.path()).unwrap().is_none());
        drop(first);
        assert!(RunLock::try_acquire(dir.path()).unwrap().is_some());
    }
}
