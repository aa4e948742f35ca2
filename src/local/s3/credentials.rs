//! Per-install random keys of the embedded S3 server, kept in the data dir readable by the owner only.

use std::fmt;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::LocalS3Error;

/// File in the data dir that holds the keys (mode 0600 on Unix).
pub const CREDENTIALS_FILE_NAME: &str = "credentials.json";

const ACCESS_KEY_PREFIX: &str = "VODLOCAL";
const ACCESS_KEY_RANDOM_CHARS: usize = 12;
const SECRET_KEY_CHARS: usize = 40;

/// The access key id and secret that clients of the local server sign their requests with.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalCredentials {
    /// Public half, sent in every request (`VODLOCAL` + 12 random characters).
    pub access_key_id: String,
    /// Secret half; never leaves this machine.
    pub secret_access_key: String,
}

impl fmt::Debug for LocalCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

impl LocalCredentials {
    /// The keys kept in `data_dir`, created (random, file mode 0600) on first use.
    ///
    /// Two processes starting at once agree on one set of keys: the file is written aside and
    /// hard-linked into place, which fails rather than overwrite a file another process linked first.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, LocalS3Error> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(CREDENTIALS_FILE_NAME);
        if let Some(existing) = Self::load(&path)? {
            return Ok(existing);
        }

        let fresh = Self::generate(&path)?;
        let tmp = data_dir.join(format!(".{CREDENTIALS_FILE_NAME}.{}.tmp", uuid::Uuid::new_v4().simple()));
        write_private_file(&tmp, &serde_json::to_vec_pretty(&fresh).map_err(|e| corrupt(&path, e))?)?;
        let linked = std::fs::hard_link(&tmp, &path);
        // The temp name only ever served to make the link; losing it changes nothing.
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(fresh),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load(&path)?.ok_or_else(|| LocalS3Error::io("read", &path)(e))
            }
            Err(e) => Err(LocalS3Error::io("create", &path)(e)),
        }
    }

    fn load(path: &Path) -> Result<Option<Self>, LocalS3Error> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(LocalS3Error::io("read", path)(e)),
        };
        restrict_to_owner(path)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(path, e))
    }

    fn generate(path: &Path) -> Result<Self, LocalS3Error> {
        const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let random = |alphabet: &[u8], len: usize| -> Result<String, LocalS3Error> {
            let mut bytes = vec![0u8; len];
            getrandom::fill(&mut bytes)
                .map_err(|e| LocalS3Error::io("generate keys for", path)(std::io::Error::other(e.to_string())))?;
            // Rejection-free mapping: both alphabets divide 256 closely enough (36 → tiny bias in an
            // access key id, which is public anyway; 64 divides 256 exactly for the secret).
            Ok(bytes.iter().map(|b| alphabet[usize::from(*b) % alphabet.len()] as char).collect())
        };
        Ok(Self {
            access_key_id: format!("{ACCESS_KEY_PREFIX}{}", random(UPPER_ALNUM, ACCESS_KEY_RANDOM_CHARS)?),
            secret_access_key: random(SECRET_ALPHABET, SECRET_KEY_CHARS)?,
        })
    }
}

fn corrupt(path: &Path, source: serde_json::Error) -> LocalS3Error {
    LocalS3Error::CorruptCredentials { path: path.to_path_buf(), source }
}

fn create_private_dir(dir: &Path) -> Result<(), LocalS3Error> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(LocalS3Error::io("create data dir", dir))
}

fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), LocalS3Error> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(LocalS3Error::io("create", path))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(LocalS3Error::io("write", path))
}

/// A credentials file that others can read (copied around, restored from a backup) is tightened.
fn restrict_to_owner(path: &Path) -> Result<(), LocalS3Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_err(LocalS3Error::io("read", path))?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "local S3 credentials were readable by others; restricting to 0600");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(LocalS3Error::io("restrict permissions of", path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reloaded_with_owner_only_mode() {
        let dir = tempfile::tempdir().unwrap();
        let first = LocalCredentials::load_or_create(dir.path()).unwrap();
        let again = LocalCredentials::load_or_create(dir.path()).unwrap();
        assert_eq!(first, again);
        assert!(first.access_key_id.starts_with(ACCESS_KEY_PREFIX));
        assert_eq!(first.access_key_id.len(), ACCESS_KEY_PREFIX.len() + ACCESS_KEY_RANDOM_CHARS);
        assert_eq!(first.secret_access_key.len(), SECRET_KEY_CHARS);
        assert!(!format!("{first:?}").contains(&first.secret_access_key));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(CREDENTIALS_FILE_NAME)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn two_installs_get_different_keys() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (LocalCredentials::load_or_create(a.path()).unwrap(), LocalCredentials::load_or_create(b.path()).unwrap());
        assert_ne!(a.secret_access_key, b.secret_access_key);
    }
}
