//! Preview tokens: unguessable bearer strings, each scoped to one asset's S3 prefix until it expires.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

/// A bearer token for one asset's outputs: 32 random bytes, URL-safe base64 (43 characters).
/// `Debug` shows only its first characters, since it grants access.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewToken(String);

impl PreviewToken {
    /// The token as it appears in preview URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PreviewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PreviewToken({}…)", self.0.get(..6).unwrap_or(""))
    }
}

impl fmt::Display for PreviewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The asset the token was issued for; requests name it in their path.
    pub asset_id: String,
    /// Bucket holding the asset's outputs.
    pub bucket: String,
    /// Key prefix every object served must lie under (empty, or ending in `/`).
    pub prefix: String,
    /// After this instant the token is refused.
    pub expires_at: Instant,
    /// The same expiry on the wall clock, for the player to show and act on.
    pub expires_at_wall: SystemTime,
    /// The asset's source object (`bucket`, `key`), when the player may also read it (to compare
    /// a rendition with the source).
    pub source: Option<(String, String)>,
}

/// Why a token was refused. All variants answer 403 alike, so a prober learns nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
    WrongAsset,
}

/// Issued tokens, keyed by their SHA-256: a lookup's timing then depends on the digest, not on how
/// much of a guessed token matched.
#[derive(Debug, Default)]
pub struct TokenStore {
    grants: Mutex<HashMap<[u8; 32], Grant>>,
}

impl TokenStore {
    /// A new token for `asset_id`'s objects under `s3://bucket/prefix`, valid for `ttl`.
    /// Expired grants are dropped here, so the store stays as small as the live tokens.
    pub fn issue(&self, asset_id: &str, bucket: &str, prefix: &str, ttl: Duration) -> PreviewToken {
        self.issue_with_source(asset_id, bucket, prefix, None, ttl)
    }

    /// Like [`TokenStore::issue`], also granting the source object `(bucket, key)`.
    pub fn issue_with_source(
        &self,
        asset_id: &str,
        bucket: &str,
        prefix: &str,
        source: Option<(String, String)>,
        ttl: Duration,
    ) -> PreviewToken {
        let mut raw = [0u8; 32];
        // Without the OS RNG no token can be safe, and nothing else in the app could be either.
        getrandom::fill(&mut raw).expect("the OS random number generator is available");
        let token = PreviewToken(base64_simd::URL_SAFE_NO_PAD.encode_to_string(raw));
        let mut prefix = prefix.trim_start_matches('/').to_owned();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        let now = Instant::now();
        let grant = Grant {
            asset_id: asset_id.to_owned(),
            bucket: bucket.to_owned(),
            prefix,
            expires_at: now.checked_add(ttl).unwrap_or(now),
            expires_at_wall: SystemTime::now()
                .checked_add(ttl)
                .unwrap_or_else(SystemTime::now),
            source,
        };
        let mut grants = self.lock();
        grants.retain(|_, g| g.expires_at > now);
        grants.insert(digest(&token.0), grant);
        token
    }

    /// The grant of `token` if it is live at `now` and was issued for `asset_id`.
    pub fn check(&self, token: &str, asset_id: &str, now: Instant) -> Result<Grant, Refusal> {
        let grants = self.lock();
        let grant = grants.get(&digest(token)).ok_or(Refusal::Unknown)?;
        if grant.expires_at <= now {
            return Err(Refusal::Expired);
        }
        if grant.asset_id != asset_id {
            return Err(Refusal::WrongAsset);
        }
        Ok(grant.clone())
    }

    /// Forgets `token` at once.
    pub fn revoke(&self, token: &PreviewToken) {
        self.lock().remove(&digest(&token.0));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Grant>> {
        // A panic while holding the lock cannot leave the map half-updated: take it as is.
        self.grants.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_scoped() {
        let store = TokenStore::default();
        let a = store.issue("asset-a", "media", "asset-a", Duration::from_secs(60));
        let b = store.issue("asset-a", "media", "asset-a/", Duration::from_secs(60));
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert!(a
            .as_str()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        let now = Instant::now();
        let grant = store.check(a.as_str(), "asset-a", now).expect("live");
        assert_eq!(grant.prefix, "asset-a/");
        assert_eq!(
            store.check(a.as_str(), "asset-b", now),
            Err(Refusal::WrongAsset)
        );
        assert_eq!(store.check("forged", "asset-a", now), Err(Refusal::Unknown));
        assert_eq!(
            store.check(a.as_str(), "asset-a", now + Duration::from_secs(61)),
            Err(Refusal::Expired)
        );
        store.revoke(&a);
        assert_eq!(
            store.check(a.as_str(), "asset-a", now),
            Err(Refusal::Unknown)
        );
        assert!(!format!("{b:?}").contains(b.as_str()));
    }
}
