//! AWS keys kept in the OS keyring (Secret Service on Linux, Keychain, Credential Manager), for
//! users who enter an access key in the app instead of configuring an AWS profile. The secret is
//! only ever read here, to build a client: never written to settings.json, SQLite or logs.

use serde::{Deserialize, Serialize};

use super::aws::StaticCredentials;
use crate::preview::sign::CloudFrontSigner;

/// The keyring service name entries are filed under.
const KEYRING_SERVICE: &str = "studio.vodstudio.app";
/// The entry holding the AWS access key pair (one per user account; profiles share it).
const KEYRING_USER: &str = "aws-access-key";

/// Why the keyring could not give or take the keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No usable keyring on this system (headless, no Secret Service, locked store).
    #[error(
        "no OS keyring is available ({0}); use an AWS profile instead (credentials from ~/.aws or the environment)"
    )]
    Unavailable(String),
    /// No usable keyring for the CloudFront signing key: previews fall back to S3 presigned links.
    #[error(
        "no OS keyring is available ({0}): the CloudFront key cannot be kept; copied preview links stay S3 presigned URLs"
    )]
    CloudFrontUnavailable(String),
    /// The keyring works but holds no AWS keys for vodstudio.
    #[error("no AWS keys are stored in the OS keyring: enter an access key in Settings, or use an AWS profile")]
    NotStored,
    /// What was given (or found) is not a usable key pair.
    #[error("invalid AWS keys: {0}")]
    Invalid(String),
    /// The keyring answered with an error of its own.
    #[error("the OS keyring failed: {0}")]
    Failed(String),
}

impl KeyringError {
    /// A stable name for the failure (for `--json` and the UI).
    pub fn kind(&self) -> &'static str {
        match self {
            KeyringError::Unavailable(_) | KeyringError::CloudFrontUnavailable(_) => {
                "keyring_unavailable"
            }
            KeyringError::NotStored => "credentials_not_stored",
            KeyringError::Invalid(_) => "credentials_invalid",
            KeyringError::Failed(_) => "keyring",
        }
    }
}

impl From<keyring::Error> for KeyringError {
    fn from(err: keyring::Error) -> Self {
        match err {
            keyring::Error::NoEntry => KeyringError::NotStored,
            keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
                KeyringError::Unavailable(e.to_string())
            }
            keyring::Error::BadEncoding(_) => {
                KeyringError::Invalid("the stored entry is not text".into())
            }
            other => KeyringError::Failed(other.to_string()),
        }
    }
}

/// The stored form: one entry for the pair, so the two halves cannot drift apart.
#[derive(Serialize, Deserialize)]
struct StoredKeys {
    access_key_id: String,
    secret_access_key: String,
}

fn entry() -> Result<keyring::Entry, KeyringError> {
    Ok(keyring::Entry::new(KEYRING_SERVICE, KEYRING_USER)?)
}

/// Stores the key pair, replacing any stored before. Blocking (a D-Bus round trip on Linux).
pub fn store_keyring_credentials(creds: &StaticCredentials) -> Result<(), KeyringError> {
    let id = creds.access_key_id.trim();
    if id.is_empty() || creds.secret_access_key.is_empty() {
        return Err(KeyringError::Invalid(
            "both the access key id and the secret are needed".into(),
        ));
    }
    if id.chars().any(char::is_whitespace) {
        return Err(KeyringError::Invalid(
            "the access key id contains spaces".into(),
        ));
    }
    let stored = StoredKeys {
        access_key_id: id.to_owned(),
        secret_access_key: creds.secret_access_key.clone(),
    };
    let text = serde_json::to_string(&stored).map_err(|e| KeyringError::Failed(e.to_string()))?;
    entry()?.set_password(&text)?;
    Ok(())
}

/// The stored key pair. Blocking.
pub fn load_keyring_credentials() -> Result<StaticCredentials, KeyringError> {
    let text = entry()?.get_password()?;
    let stored: StoredKeys = serde_json::from_str(&text).map_err(|_| {
        KeyringError::Invalid(
            "the keyring entry is not a vodstudio key pair: enter the keys again".into(),
        )
    })?;
    Ok(StaticCredentials {
        access_key_id: stored.access_key_id,
        secret_access_key: stored.secret_access_key,
    })
}

/// Whether a key pair is stored (the UI learns this much and no more). Blocking.
pub fn keyring_credentials_stored() -> Result<bool, KeyringError> {
    match load_keyring_credentials() {
        Ok(_) => Ok(true),
        Err(KeyringError::NotStored) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes the stored key pair; removing nothing is not an error. Blocking.
pub fn delete_keyring_credentials() -> Result<(), KeyringError> {
    match entry()?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The keyring entry of the CloudFront private key for `key_pair_id` (one per key pair, so
/// rotating keys keeps the old one until it is deleted).
fn cloudfront_entry(key_pair_id: &str) -> Result<keyring::Entry, KeyringError> {
    Ok(keyring::Entry::new(
        KEYRING_SERVICE,
        &format!("cloudfront-key:{key_pair_id}"),
    )?)
}

/// The CloudFront wording of "no keyring" (the AWS-keys advice does not apply to it).
fn for_cloudfront(e: KeyringError) -> KeyringError {
    match e {
        KeyringError::Unavailable(m) => KeyringError::CloudFrontUnavailable(m),
        other => other,
    }
}

/// Stores the CloudFront signing key (PEM, PKCS#1 or PKCS#8) for `key_pair_id`, after checking
/// it parses. Blocking.
pub fn store_cloudfront_key(key_pair_id: &str, private_key_pem: &str) -> Result<(), KeyringError> {
    let id = key_pair_id.trim();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(KeyringError::Invalid(
            "the CloudFront key pair id is empty or has spaces".into(),
        ));
    }
    CloudFrontSigner::from_pem(id, private_key_pem)
        .map_err(|e| KeyringError::Invalid(e.to_string()))?;
    cloudfront_entry(id)
        .and_then(|e| e.set_password(private_key_pem).map_err(KeyringError::from))
        .map_err(for_cloudfront)
}

/// A signer with the key stored for `key_pair_id`. Blocking.
pub fn load_cloudfront_signer(key_pair_id: &str) -> Result<CloudFrontSigner, KeyringError> {
    let pem = cloudfront_entry(key_pair_id.trim())
        .map_err(for_cloudfront)?
        .get_password()
        .map_err(|e| match for_cloudfront(KeyringError::from(e)) {
            KeyringError::NotStored => KeyringError::Invalid(format!(
                "no CloudFront private key for key pair {key_pair_id} in the OS keyring: store it with `vodstudio settings cloudfront-key FILE.pem`"
            )),
            other => other,
        })?;
    CloudFrontSigner::from_pem(key_pair_id.trim(), &pem)
        .map_err(|e| KeyringError::Invalid(e.to_string()))
}

/// Removes the CloudFront key of `key_pair_id`; removing nothing is not an error. Blocking.
pub fn delete_cloudfront_key(key_pair_id: &str) -> Result<(), KeyringError> {
    match cloudfront_entry(key_pair_id.trim())
        .map_err(for_cloudfront)?
        .delete_credential()
    {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(for_cloudfront(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_keys_are_refused_before_the_keyring_is_asked() {
        let creds = StaticCredentials {
            access_key_id: " ".into(),
            secret_access_key: "s".into(),
        };
        assert_eq!(
            store_keyring_credentials(&creds).unwrap_err().kind(),
            "credentials_invalid"
        );
    }

    #[test]
    fn a_cloudfront_key_that_does_not_parse_is_refused_before_the_keyring_is_asked() {
        let err = store_cloudfront_key("K2JCJMDEHXQW5F", "-----BEGIN RSA PRIVATE KEY-----\nnope\n")
            .unwrap_err();
        assert_eq!(err.kind(), "credentials_invalid");
        assert_eq!(
            store_cloudfront_key(" ", "x").unwrap_err().kind(),
            "credentials_invalid"
        );
    }

    #[test]
    fn no_keyring_for_the_cloudfront_key_says_what_happens_to_links() {
        let e = for_cloudfront(KeyringError::from(keyring::Error::PlatformFailure(
            "no bus".into(),
        )));
        assert_eq!(e.kind(), "keyring_unavailable");
        assert!(e.to_string().contains("S3 presigned"), "{e}");
    }

    #[test]
    fn keyring_errors_map_to_kinds() {
        let unavailable = KeyringError::from(keyring::Error::PlatformFailure("no bus".into()));
        assert_eq!(unavailable.kind(), "keyring_unavailable");
        assert!(
            unavailable.to_string().contains("AWS profile"),
            "{unavailable}"
        );
        assert_eq!(
            KeyringError::from(keyring::Error::NoEntry).kind(),
            "credentials_not_stored"
        );
    }
}
