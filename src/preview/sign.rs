//! Signed delivery URLs: S3 presigned GETs (SigV4 query) and CloudFront signed URLs and cookies
//! (canned and custom policies, RSA-SHA1 as CloudFront requires).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::presigning::PresigningConfig;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;

/// Why a URL could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Not of the form `s3://<bucket>/<key>`.
    #[error("not an s3://bucket/key URL: {0:?}")]
    InvalidS3Url(String),
    /// The expiry is zero or beyond what the signer allows.
    #[error("expiry of {expires_in_s} s is not allowed: {reason}")]
    Expiry { expires_in_s: u64, reason: String },
    /// The SDK refused to presign the request.
    #[error("presign GET {url}: {reason}")]
    Presign { url: String, reason: String },
    /// The CloudFront private key is not an RSA key in PKCS#1 or PKCS#8 PEM. The key itself is
    /// never part of the message.
    #[error("CloudFront key pair {key_pair_id}: private key is not an RSA PEM key ({reason})")]
    PrivateKey { key_pair_id: String, reason: String },
    /// The expiry lies before 1970 or past what epoch seconds hold.
    #[error("expiry time is not representable in epoch seconds")]
    EpochTime,
}

/// Splits `s3://bucket/key` into bucket and key.
pub fn parse_s3_url(url: &str) -> Result<(&str, &str), SignError> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| SignError::InvalidS3Url(url.to_owned()))?;
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok((bucket, key)),
        _ => Err(SignError::InvalidS3Url(url.to_owned())),
    }
}

/// A presigned GET URL (SigV4 in the query string) for `s3://bucket/key`, valid for `expires_in`
/// (S3 allows at most 7 days). Works for AWS and the local backend alike: the endpoint and
/// credentials are the client's.
pub async fn presign_get(
    s3: &aws_sdk_s3::Client,
    s3_url: &str,
    expires_in: Duration,
) -> Result<String, SignError> {
    let (bucket, key) = parse_s3_url(s3_url)?;
    let config = PresigningConfig::expires_in(expires_in).map_err(|e| SignError::Expiry {
        expires_in_s: expires_in.as_secs(),
        reason: e.to_string(),
    })?;
    let presigned = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .presigned(config)
        .await
        .map_err(|e| SignError::Presign {
            url: s3_url.to_owned(),
            reason: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
        })?;
    Ok(presigned.uri().to_owned())
}

/// What a CloudFront signature grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// One exact URL until `expires_at`. CloudFront rebuilds the policy from the URL and `Expires`,
    /// so the URL stays short.
    Canned { expires_at: SystemTime },
    /// A resource pattern (`*` and `?` wildcards, e.g. `https://d1.cloudfront.net/asset/*`) until
    /// `expires_at`, optionally not before `starts_at` and only from `source_ip` (CIDR).
    Custom {
        resource: String,
        expires_at: SystemTime,
        starts_at: Option<SystemTime>,
        source_ip: Option<String>,
    },
}

/// Cookie names and values that let a browser fetch everything a policy grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCookies {
    /// `(name, value)` pairs in the order CloudFront documents them.
    pub cookies: Vec<(String, String)>,
}

/// Signs CloudFront URLs and cookies with one key pair. The private key is held parsed and never
/// printed: `Debug` shows only the key pair id.
pub struct CloudFrontSigner {
    key_pair_id: String,
    key: SigningKey<sha1_rsa::Sha1>,
}

impl fmt::Debug for CloudFrontSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudFrontSigner")
            .field("key_pair_id", &self.key_pair_id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl CloudFrontSigner {
    /// Parses `private_key_pem`: PKCS#1 (`BEGIN RSA PRIVATE KEY`, what CloudFront key pairs
    /// download as) or PKCS#8 (`BEGIN PRIVATE KEY`, what `openssl genpkey` writes).
    pub fn from_pem(key_pair_id: &str, private_key_pem: &str) -> Result<Self, SignError> {
        let key = RsaPrivateKey::from_pkcs1_pem(private_key_pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(private_key_pem))
            .map_err(|e| SignError::PrivateKey {
                key_pair_id: key_pair_id.to_owned(),
                // Only the parser's message: it names the structure, never key material.
                reason: e.to_string(),
            })?;
        Ok(Self {
            key_pair_id: key_pair_id.to_owned(),
            key: SigningKey::<sha1_rsa::Sha1>::new(key),
        })
    }

    /// The CloudFront key pair (or public key) id.
    pub fn key_pair_id(&self) -> &str {
        &self.key_pair_id
    }

    /// `url` with the signature query parameters CloudFront checks.
    pub fn signed_url(&self, url: &str, policy: &Policy) -> Result<String, SignError> {
        let sep = if url.contains('?') { '&' } else { '?' };
        let json = policy_json(url, policy)?;
        let signature = cloudfront_base64(&self.sign(&json));
        let grant = match policy {
            Policy::Canned { expires_at } => format!("Expires={}", epoch_s(*expires_at)?),
            Policy::Custom { .. } => format!("Policy={}", cloudfront_base64(json.as_bytes())),
        };
        Ok(format!(
            "{url}{sep}{grant}&Signature={signature}&Key-Pair-Id={}",
            self.key_pair_id
        ))
    }

    /// Cookies granting `policy`. A canned policy's resource is `url`; a custom policy names its
    /// own resource and `url` is ignored.
    pub fn signed_cookies(&self, url: &str, policy: &Policy) -> Result<SignedCookies, SignError> {
        let json = policy_json(url, policy)?;
        let signature = cloudfront_base64(&self.sign(&json));
        let first = match policy {
            Policy::Canned { expires_at } => (
                "CloudFront-Expires".to_owned(),
                epoch_s(*expires_at)?.to_string(),
            ),
            Policy::Custom { .. } => (
                "CloudFront-Policy".to_owned(),
                cloudfront_base64(json.as_bytes()),
            ),
        };
        Ok(SignedCookies {
            cookies: vec![
                first,
                ("CloudFront-Signature".to_owned(), signature),
                (
                    "CloudFront-Key-Pair-Id".to_owned(),
                    self.key_pair_id.clone(),
                ),
            ],
        })
    }

    fn sign(&self, policy_json: &str) -> Vec<u8> {
        self.key.sign(policy_json.as_bytes()).to_vec()
    }
}

/// The policy statement CloudFront verifies, in the exact byte form it expects: no whitespace,
/// keys in the documented order (a canned policy is rebuilt by CloudFront byte for byte, so its
/// shape cannot be left to a map's key order).
pub fn policy_json(url: &str, policy: &Policy) -> Result<String, SignError> {
    let quote = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    match policy {
        Policy::Canned { expires_at } => Ok(format!(
            r#"{{"Statement":[{{"Resource":{},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{}}}}}}}]}}"#,
            quote(url),
            epoch_s(*expires_at)?
        )),
        Policy::Custom {
            resource,
            expires_at,
            starts_at,
            source_ip,
        } => {
            let mut condition = format!(
                r#""DateLessThan":{{"AWS:EpochTime":{}}}"#,
                epoch_s(*expires_at)?
            );
            if let Some(start) = starts_at {
                condition.push_str(&format!(
                    r#","DateGreaterThan":{{"AWS:EpochTime":{}}}"#,
                    epoch_s(*start)?
                ));
            }
            if let Some(ip) = source_ip {
                condition.push_str(&format!(r#","IpAddress":{{"AWS:SourceIp":{}}}"#, quote(ip)));
            }
            Ok(format!(
                r#"{{"Statement":[{{"Resource":{},"Condition":{{{condition}}}}}]}}"#,
                quote(resource)
            ))
        }
    }
}

/// Base64 with CloudFront's substitutions (`+`→`-`, `=`→`_`, `/`→`~`): its own alphabet, which
/// no base64 crate offers, so the standard encoding is mapped by hand.
pub fn cloudfront_base64(bytes: &[u8]) -> String {
    base64_simd::STANDARD
        .encode_to_string(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

fn epoch_s(t: SystemTime) -> Result<u64, SignError> {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| SignError::EpochTime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use rsa::signature::Verifier;

    fn key() -> (RsaPrivateKey, String) {
        let mut rng = rsa::rand_core::OsRng;
        let key = RsaPrivateKey::new(&mut rng, 2048).expect("generate key");
        let pem = key.to_pkcs8_pem(LineEnding::LF).expect("pem").to_string();
        (key, pem)
    }

    fn decode(s: &str) -> Vec<u8> {
        let std: String = s
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '=',
                '~' => '/',
                c => c,
            })
            .collect();
        base64_simd::STANDARD.decode_to_vec(std).expect("base64")
    }

    fn query<'a>(url: &'a str, name: &str) -> &'a str {
        url.split(['?', '&'])
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {url}"))
    }

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn canned_policy_has_the_exact_shape() {
        let json = policy_json(
            "https://d1.cloudfront.net/a/hls/x.m3u8",
            &Policy::Canned {
                expires_at: at(1_700_000_000),
            },
        )
        .expect("json");
        assert_eq!(
            json,
            r#"{"Statement":[{"Resource":"https://d1.cloudfront.net/a/hls/x.m3u8","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000}}}]}"#
        );
    }

    #[test]
    fn custom_policy_has_the_exact_shape() {
        let p = Policy::Custom {
            resource: "https://d1.cloudfront.net/a/*".into(),
            expires_at: at(1_700_000_000),
            starts_at: None,
            source_ip: None,
        };
        assert_eq!(
            policy_json("ignored", &p).expect("json"),
            r#"{"Statement":[{"Resource":"https://d1.cloudfront.net/a/*","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000}}}]}"#
        );
        let p = Policy::Custom {
            resource: "https://d1.cloudfront.net/a/*".into(),
            expires_at: at(1_700_000_000),
            starts_at: Some(at(1_600_000_000)),
            source_ip: Some("192.0.2.0/24".into()),
        };
        assert_eq!(
            policy_json("ignored", &p).expect("json"),
            r#"{"Statement":[{"Resource":"https://d1.cloudfront.net/a/*","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000},"DateGreaterThan":{"AWS:EpochTime":1600000000},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#
        );
    }

    #[test]
    fn url_safe_base64_uses_cloudfronts_alphabet() {
        // 0xfb 0xff → "+/8=" in standard base64.
        assert_eq!(cloudfront_base64(&[0xfb, 0xff]), "-~8_");
        assert_eq!(decode("-~8_"), vec![0xfb, 0xff]);
    }

    #[test]
    fn signed_urls_and_cookies_verify_with_the_public_key() {
        let (private, pem) = key();
        let verifier = VerifyingKey::<sha1_rsa::Sha1>::new(private.to_public_key());
        let signer = CloudFrontSigner::from_pem("K2JCJMDEHXQW5F", &pem).expect("signer");
        let url = "https://d1.cloudfront.net/a/hls/x.m3u8";
        let expires_at = at(2_000_000_000);

        let canned = signer
            .signed_url(url, &Policy::Canned { expires_at })
            .expect("canned");
        assert!(canned.starts_with(&format!("{url}?Expires=2000000000&Signature=")));
        assert_eq!(query(&canned, "Key-Pair-Id"), "K2JCJMDEHXQW5F");
        let sig = decode(query(&canned, "Signature"));
        let json = policy_json(url, &Policy::Canned { expires_at }).expect("json");
        let sig = Signature::try_from(sig.as_slice()).expect("signature");
        verifier
            .verify(json.as_bytes(), &sig)
            .expect("canned verifies");

        let custom = Policy::Custom {
            resource: "https://d1.cloudfront.net/a/*".into(),
            expires_at,
            starts_at: None,
            source_ip: None,
        };
        let signed = signer
            .signed_url(&format!("{url}?v=1"), &custom)
            .expect("custom");
        assert!(signed.starts_with(&format!("{url}?v=1&Policy=")));
        let policy = decode(query(&signed, "Policy"));
        assert_eq!(policy, policy_json("", &custom).expect("json").into_bytes());
        let sig = decode(query(&signed, "Signature"));
        let sig = Signature::try_from(sig.as_slice()).expect("signature");
        verifier.verify(&policy, &sig).expect("custom verifies");
        for value in [query(&signed, "Policy"), query(&signed, "Signature")] {
            assert!(!value.contains(['+', '=', '/']), "{value}");
        }

        let cookies = signer.signed_cookies(url, &custom).expect("cookies");
        let names: Vec<&str> = cookies.cookies.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "CloudFront-Policy",
                "CloudFront-Signature",
                "CloudFront-Key-Pair-Id"
            ]
        );
        let sig = decode(&cookies.cookies[1].1);
        let sig = Signature::try_from(sig.as_slice()).expect("signature");
        verifier
            .verify(&decode(&cookies.cookies[0].1), &sig)
            .expect("cookie verifies");
        let canned = signer
            .signed_cookies(url, &Policy::Canned { expires_at })
            .expect("canned cookies");
        assert_eq!(
            canned.cookies[0],
            ("CloudFront-Expires".to_owned(), "2000000000".to_owned())
        );
    }

    #[test]
    fn the_private_key_never_shows() {
        let (_, pem) = key();
        let signer = CloudFrontSigner::from_pem("KID", &pem).expect("signer");
        let debug = format!("{signer:?}");
        assert!(debug.contains("KID") && debug.contains("redacted"));
        assert!(!debug.contains("PRIVATE"));
        let err = CloudFrontSigner::from_pem("KID", "-----BEGIN PRIVATE KEY-----\nAAAA\n")
            .expect_err("bad key");
        assert!(err.to_string().contains("KID"));
        assert!(!err.to_string().contains("AAAA"));
    }

    #[test]
    fn expiry_before_1970_is_an_error() {
        let p = Policy::Canned {
            expires_at: UNIX_EPOCH - Duration::from_secs(1),
        };
        assert!(matches!(policy_json("u", &p), Err(SignError::EpochTime)));
    }

    #[tokio::test]
    async fn s3_presigned_get_carries_sigv4_and_expiry() {
        let creds = aws_sdk_s3::config::Credentials::new("AKID", "SECRET", None, None, "test");
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(creds)
            .force_path_style(true)
            .build();
        let s3 = aws_sdk_s3::Client::from_conf(conf);
        let url = presign_get(&s3, "s3://media/a/hls/x.m3u8", Duration::from_secs(300))
            .await
            .expect("presign");
        assert!(url.starts_with("http://127.0.0.1:9/media/a/hls/x.m3u8?"));
        assert_eq!(query(&url, "X-Amz-Expires"), "300");
        assert_eq!(query(&url, "X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
        assert!(!query(&url, "X-Amz-Signature").is_empty());
        assert!(matches!(
            presign_get(&s3, "s3://media/a", Duration::from_secs(8 * 24 * 3600)).await,
            Err(SignError::Expiry { .. })
        ));
        assert!(matches!(
            presign_get(&s3, "https://x/y", Duration::from_secs(1)).await,
            Err(SignError::InvalidS3Url(_))
        ));
    }
}
