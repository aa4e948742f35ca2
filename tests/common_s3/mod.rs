//! Helpers for the local S3 tests: start a server on a temp dir, a real aws-sdk-s3 client for it,
//! deterministic bytes, and a bare HTTP GET for presigned URLs.

#![allow(dead_code)] // each test binary uses its own subset of these helpers

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::Client;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vodstudio::local::s3::{LocalS3, LocalS3Config, LocalS3Handle};

pub const MIB: usize = 1024 * 1024;

pub async fn start(dir: &std::path::Path) -> LocalS3Handle {
    LocalS3::start(LocalS3Config::new(dir))
        .await
        .expect("local S3 starts")
}

pub fn client_with(h: &LocalS3Handle, secret: &str) -> Client {
    let creds = Credentials::new(
        h.credentials().access_key_id.clone(),
        secret.to_owned(),
        None,
        None,
        "local-s3-test",
    );
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(h.region().to_owned()))
        .endpoint_url(h.endpoint_url())
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

pub fn client(h: &LocalS3Handle) -> Client {
    client_with(h, &h.credentials().secret_access_key)
}

/// Deterministic, non-repeating test bytes.
/// A client of `h` and a fresh bucket `name` on it.
pub async fn client_with_bucket(h: &LocalS3Handle, name: &str) -> Client {
    let c = client(h);
    c.create_bucket()
        .bucket(name)
        .send()
        .await
        .expect("create bucket");
    c
}

pub fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(seed)
                .wrapping_add((i >> 8) as u8)
        })
        .collect()
}

pub fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<no code>").to_owned()
}

pub fn crc32c_b64(data: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(crc32c::crc32c(data).to_be_bytes())
}

pub async fn get_body(c: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = c
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("get object");
    out.body
        .collect()
        .await
        .expect("read body")
        .into_bytes()
        .to_vec()
}

/// A bare HTTP/1.1 GET (presigned URLs must work without any SDK): returns status and body.
pub async fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    let mut s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, raw[split + 4..].to_vec())
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
