//! The local backend seen by an independent client: the AWS CLI (installed by scripts/setup.sh)
//! drives the S3 server and the MediaConvert API exactly as it would drive AWS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use tokio::process::Command;
use vodstudio::local::{LocalBackend, LocalBackendConfig};

struct Cli<'a> {
    backend: &'a LocalBackend,
    home: &'a std::path::Path,
}

impl Cli<'_> {
    /// `aws <args>` against one of the local servers, with only the local keys in its environment.
    async fn run(&self, endpoint: &str, args: &[&str], secret: Option<&str>) -> Output {
        let c = self.backend.s3.credentials();
        Command::new("aws")
            .args(args)
            .args(["--endpoint-url", endpoint, "--output", "json"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home)
            .env("AWS_ACCESS_KEY_ID", &c.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret.unwrap_or(&c.secret_access_key))
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .output()
            .await
            .expect("the AWS CLI must be installed (scripts/setup.sh installs it)")
    }

    async fn s3(&self, args: &[&str]) -> Output {
        self.run(&self.backend.s3.endpoint_url(), args, None).await
    }

    async fn mediaconvert(&self, args: &[&str]) -> Output {
        let mut all = vec!["mediaconvert"];
        all.extend_from_slice(args);
        self.run(&self.backend.mediaconvert.endpoint_url(), &all, None).await
    }
}

fn ok(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "aws failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_cli_uses_the_local_s3_and_mediaconvert() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::start(LocalBackendConfig::new(dir.path().join("data"))).await.unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let cli = Cli { backend: &backend, home: &home };

    // A 20 MiB file: above the CLI's 8 MiB threshold, so `cp` uses multipart both ways.
    let src = dir.path().join("clip.bin");
    let data: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    ok(&cli.s3(&["s3", "mb", "s3://cli"]).await);
    ok(&cli.s3(&["s3", "cp", "--only-show-errors", src.to_str().unwrap(), "s3://cli/in dir/clip.bin"]).await);
    let listed = ok(&cli.s3(&["s3api", "list-objects-v2", "--bucket", "cli", "--prefix", "in dir/"]).await);
    assert_eq!(listed["Contents"][0]["Key"], "in dir/clip.bin");
    assert_eq!(listed["Contents"][0]["Size"], data.len());
    let head = ok(&cli.s3(&["s3api", "head-object", "--bucket", "cli", "--key", "in dir/clip.bin"]).await);
    assert!(head["ETag"].as_str().unwrap().contains('-'), "a multipart ETag: {head}");
    let back = dir.path().join("back.bin");
    ok(&cli.s3(&["s3", "cp", "--only-show-errors", "s3://cli/in dir/clip.bin", back.to_str().unwrap()]).await);
    assert!(std::fs::read(&back).unwrap() == data, "byte-identical round trip");

    let endpoints = ok(&cli.mediaconvert(&["describe-endpoints"]).await);
    assert_eq!(endpoints["Endpoints"][0]["Url"], backend.mediaconvert.endpoint_url());
    let jobs = ok(&cli.mediaconvert(&["list-jobs"]).await);
    assert_eq!(jobs["Jobs"].as_array().map(Vec::len), Some(0));
    let missing = cli.mediaconvert(&["get-job", "--id", "no-such-job"]).await;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NotFound"), "{}", String::from_utf8_lossy(&missing.stderr));

    // The wrong secret is refused by both servers.
    let bad = cli.run(&backend.s3.endpoint_url(), &["s3", "ls", "s3://cli"], Some("wrong-secret")).await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("SignatureDoesNotMatch"));
    let bad = cli.run(&backend.mediaconvert.endpoint_url(), &["mediaconvert", "list-jobs"], Some("wrong-secret")).await;
    assert!(!bad.status.success());
    backend.shutdown().await;
}
