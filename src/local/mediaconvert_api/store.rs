//! Job files under `<data_dir>/mediaconvert/jobs/`: one JSON file per job, replaced atomically
//! (write aside, fsync, rename), so a crash leaves either the old or the new state, never half.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::error::LocalMediaConvertError;
use super::model::StoredJob;

#[derive(Debug, Clone)]
pub(crate) struct JobFiles {
    dir: PathBuf,
}

impl JobFiles {
    pub fn open(dir: PathBuf) -> Result<Self, LocalMediaConvertError> {
        std::fs::create_dir_all(&dir).map_err(LocalMediaConvertError::io("create", &dir))?;
        Ok(Self { dir })
    }

    /// Every stored job. Leftover temp files of an interrupted write are removed.
    pub fn load_all(&self) -> Result<Vec<StoredJob>, LocalMediaConvertError> {
        let mut jobs = Vec::new();
        let entries =
            std::fs::read_dir(&self.dir).map_err(LocalMediaConvertError::io("list", &self.dir))?;
        for entry in entries {
            let path = entry
                .map_err(LocalMediaConvertError::io("list", &self.dir))?
                .path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(".tmp") {
                // The rename never happened: the job file itself still holds the last good state.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(LocalMediaConvertError::io("read", &path))?;
            let job = serde_json::from_slice(&bytes)
                .map_err(|source| LocalMediaConvertError::CorruptJob { path, source })?;
            jobs.push(job);
        }
        Ok(jobs)
    }

    pub fn save(&self, job: &StoredJob) -> Result<(), LocalMediaConvertError> {
        let path = self.path_of(&job.job.id);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(job).map_err(|e| {
            LocalMediaConvertError::io("serialize", &path)(std::io::Error::other(e))
        })?;
        write_synced(&tmp, &bytes).map_err(LocalMediaConvertError::io("write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(LocalMediaConvertError::io("replace", &path))
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
