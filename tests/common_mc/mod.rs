//! Helpers for the local MediaConvert tests: a backend on a temp dir, real aws-sdk clients for it,
//! generated media, preset settings pointed at test buckets, and polling GetJob.

#![allow(dead_code)] // each test binary uses its own subset of these helpers

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use aws_sdk_mediaconvert::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_mediaconvert::types::{Job, JobSettings, JobStatus};
use aws_sdk_mediaconvert::Client;
use aws_smithy_types::body::SdkBody;
use serde_json::{json, Value};
use vodstudio::local::{LocalBackend, LocalBackendConfig};

pub const ROLE: &str = "arn:aws:iam::000000000000:role/MediaConvertRole";

pub async fn start(dir: &Path) -> LocalBackend {
    LocalBackend::start(LocalBackendConfig::new(dir))
        .await
        .expect("local backend starts")
}

pub fn mc_client_with(b: &LocalBackend, secret: &str) -> Client {
    let mc = &b.mediaconvert;
    let creds = Credentials::new(
        mc.credentials().access_key_id.clone(),
        secret.to_owned(),
        None,
        None,
        "local-mc-test",
    );
    let conf = aws_sdk_mediaconvert::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(mc.region().to_owned()))
        .endpoint_url(mc.endpoint_url())
        .credentials_provider(creds)
        .build();
    Client::from_conf(conf)
}

pub fn mc_client(b: &LocalBackend) -> Client {
    mc_client_with(b, &b.mediaconvert.credentials().secret_access_key.clone())
}

pub fn s3_client(b: &LocalBackend) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new(
        b.s3.credentials().access_key_id.clone(),
        b.s3.credentials().secret_access_key.clone(),
        None,
        None,
        "local-mc-test",
    );
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(b.s3.region().to_owned()))
        .endpoint_url(b.s3.endpoint_url())
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// A testsrc2 (+ sine) MP4 made with ffmpeg at run time, encoded fast.
pub fn make_input(dir: &Path, name: &str, size: &str, seconds: u32) -> std::path::PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={size}:rate=25:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "generating {name}");
    path
}

pub async fn create_buckets(s3: &aws_sdk_s3::Client, names: &[&str]) {
    for name in names {
        s3.create_bucket()
            .bucket(*name)
            .send()
            .await
            .expect("create bucket");
    }
}

pub async fn upload(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, file: &Path) {
    let body = aws_sdk_s3::primitives::ByteStream::from_path(file)
        .await
        .expect("read input");
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .send()
        .await
        .expect("upload input");
}

/// `presets/<name>.json` as the console exports it (PascalCase).
pub fn preset(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("presets")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("read preset"))
        .expect("preset is JSON")
}

/// The preset's settings in wire casing (camelCase), reading `input` and writing under
/// `s3://<media_bucket>/<asset>/`.
pub fn wire_settings(preset: &Value, input: &str, media_bucket: &str, asset: &str) -> Value {
    let mut settings = to_camel(&preset["Settings"]);
    settings["inputs"][0]["fileInput"] = Value::String(input.to_owned());
    retarget(&mut settings, media_bucket, asset);
    settings
}

/// PascalCase member names → camelCase; names that are not identifiers (selector names, metadata
/// keys) are data and stay as they are.
pub fn to_camel(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let ident = k.chars().all(|c| c.is_ascii_alphanumeric())
                        && k.starts_with(|c: char| c.is_ascii_uppercase());
                    let key = if ident {
                        format!("{}{}", k[..1].to_ascii_lowercase(), &k[1..])
                    } else {
                        k.clone()
                    };
                    (key, to_camel(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(to_camel).collect()),
        other => other.clone(),
    }
}

fn retarget(v: &mut Value, media_bucket: &str, asset: &str) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                match v {
                    Value::String(s) if k == "destination" => {
                        *s = s.replace(
                            "s3://media-bucket/ASSET/",
                            &format!("s3://{media_bucket}/{asset}/"),
                        )
                    }
                    _ => retarget(v, media_bucket, asset),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| retarget(v, media_bucket, asset)),
        _ => {}
    }
}

/// CreateJob with `settings` sent as raw JSON: the SDK's typed `JobSettings` cannot be built from
/// a template without dropping keys, so the serialized body's `settings` is swapped before signing.
pub async fn create_job(
    c: &Client,
    settings: &Value,
    token: Option<&str>,
    metadata: &[(&str, &str)],
) -> Job {
    let mut req = c
        .create_job()
        .role(ROLE)
        .settings(JobSettings::builder().build())
        .set_client_request_token(token.map(str::to_owned));
    for (k, v) in metadata {
        req = req.user_metadata(*k, *v);
    }
    let settings = settings.clone();
    let out = req
        .customize()
        .mutate_request(move |http| {
            let mut body: Value =
                serde_json::from_slice(http.body().bytes().expect("in-memory body"))
                    .expect("JSON body");
            body["settings"] = settings.clone();
            let bytes = serde_json::to_vec(&body).expect("serialize");
            http.headers_mut()
                .insert("content-length", bytes.len().to_string());
            *http.body_mut() = SdkBody::from(bytes);
        })
        .send()
        .await
        .expect("CreateJob");
    out.job.expect("job in response")
}

pub async fn get_job(c: &Client, id: &str) -> Job {
    c.get_job()
        .id(id)
        .send()
        .await
        .expect("GetJob")
        .job
        .expect("job in response")
}

/// Polls GetJob until `done` holds. The poll interval is not an assertion: the bound only keeps a
/// hung job from hanging the suite.
pub async fn wait_for(c: &Client, id: &str, done: impl Fn(&Job) -> bool) -> Job {
    for _ in 0..6000 {
        let job = get_job(c, id).await;
        if done(&job) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never reached the awaited state");
}

pub async fn wait_terminal(c: &Client, id: &str) -> Job {
    wait_for(c, id, |j| {
        matches!(
            j.status(),
            Some(JobStatus::Complete | JobStatus::Error | JobStatus::Canceled)
        )
    })
    .await
}

/// One FILE_GROUP MP4 at 320x180: the cheapest real transcode.
pub fn small_mp4_settings(input: &str, dest: &str) -> Value {
    json!({
        "inputs": [{ "fileInput": input }],
        "outputGroups": [{
            "outputGroupSettings": { "type": "FILE_GROUP_SETTINGS", "fileGroupSettings": { "destination": dest } },
            "outputs": [{
                "nameModifier": "_small",
                "containerSettings": { "container": "MP4" },
                "videoDescription": { "width": 320, "height": 180,
                    "codecSettings": { "codec": "H_264", "h264Settings": { "rateControlMode": "CBR", "bitrate": 300000 } } }
            }]
        }]
    })
}

pub fn av1_settings() -> Value {
    json!({
        "inputs": [{ "fileInput": "s3://watch/inputs/none.mp4" }],
        "outputGroups": [{
            "outputGroupSettings": { "type": "FILE_GROUP_SETTINGS", "fileGroupSettings": { "destination": "s3://media/x/" } },
            "outputs": [{
                "containerSettings": { "container": "MP4" },
                "videoDescription": { "codecSettings": { "codec": "AV1", "av1Settings": { "rateControlMode": "QVBR" } } }
            }]
        }]
    })
}

/// GetJob's body as JSON, fetched through the SDK (its buffered response body, captured).
pub async fn raw_get_job(backend: &LocalBackend, id: &str) -> Value {
    let client = mc_client(backend);
    let captured = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&captured);
    client
        .get_job()
        .id(id)
        .customize()
        .interceptor(CaptureBody(sink))
        .send()
        .await
        .expect("GetJob");
    let bytes = captured.lock().expect("lock").clone();
    serde_json::from_slice(&bytes).expect("JSON body")
}

#[derive(Debug)]
pub struct CaptureBody(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "CaptureBody"
    }

    fn read_after_deserialization(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(bytes) = context.response().body().bytes() {
            *self.0.lock().expect("lock") = bytes.to_vec();
        }
        Ok(())
    }
}
