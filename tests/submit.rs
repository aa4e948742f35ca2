//! What CreateJob puts on the wire: captured by a one-request HTTP listener on 127.0.0.1, the body
//! must be the template's JSON (camelCase on the wire) with no key dropped, plus the token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vodstudio::config::{mediaconvert_client, S3ClientSettings, StaticCredentials};

/// Accepts one HTTP request, answers it like CreateJob, and returns (request head, body).
async fn capture_one(listener: tokio::net::TcpListener) -> (String, Vec<u8>) {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the request ended");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .expect("content-length");
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.unwrap();
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    let answer = r#"{"job":{"id":"1700000000000-abcdef","role":"r","settings":{},"status":"SUBMITTED"}}"#;
    let resp = format!(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    sock.write_all(resp.as_bytes()).await.unwrap();
    (head, body)
}

#[tokio::test]
async fn create_job_sends_every_key_of_the_template() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(capture_one(listener));
    let client = mediaconvert_client(&S3ClientSettings {
        endpoint_url: Some(url),
        region: Some("us-east-1".into()),
        profile: None,
        credentials: Some(StaticCredentials { access_key_id: "AKIDTEST".into(), secret_access_key: "secret".into() }),
    })
    .await;

    // Keys today's SDK knows, keys it does not, user-named maps, odd values: all must arrive.
    let body = json!({
        "Role": "arn:aws:iam::000000000000:role/MediaConvert",
        "Queue": "arn:aws:mediaconvert:us-east-1:000000000000:queues/Default",
        "Priority": 3,
        "StatusUpdateInterval": "SECONDS_10",
        "AccelerationSettings": { "Mode": "PREFERRED" },
        "UserMetadata": { "asset_id": "abc", "Title": "Trip to the sea" },
        "Settings": {
            "TimecodeConfig": { "Source": "ZEROBASED" },
            "FutureSettingNoSdkKnows": { "NestedNewKey": [1, "TWO", { "Deeper": true }] },
            "Inputs": [{
                "FileInput": "s3://watch/inputs/abc/trip.mov",
                "AudioSelectors": { "Audio Selector 1": { "DefaultSelection": "DEFAULT" } },
                "VideoSelector": { "Rotate": "AUTO" }
            }],
            "OutputGroups": [{
                "Name": "Apple HLS",
                "OutputGroupSettings": { "Type": "HLS_GROUP_SETTINGS", "HlsGroupSettings": { "SegmentLength": 6, "MinSegmentLength": 0, "Destination": "s3://media/abc/hls/" } },
                "Outputs": [{ "NameModifier": "_720p", "VideoDescription": { "Width": 1280, "Height": 720 } }]
            }]
        }
    });
    let job_id = vodstudio::jobs::create_job(&client, &body, "vodstudio-token-1").await.unwrap();
    assert_eq!(job_id, "1700000000000-abcdef");

    let (head, sent) = server.await.unwrap();
    assert!(head.starts_with("POST /2017-08-29/jobs "), "{head}");
    assert!(head.to_ascii_lowercase().contains("authorization: aws4-hmac-sha256"), "the request is signed: {head}");
    let sent: Value = serde_json::from_slice(&sent).unwrap();
    let mut expected = vodstudio::jobs::to_wire(&body);
    expected["clientRequestToken"] = json!("vodstudio-token-1");
    assert_eq!(sent, expected, "the wire body is the template, key for key");
    assert_eq!(sent["settings"]["futureSettingNoSdkKnows"]["nestedNewKey"][2]["deeper"], true);
    assert_eq!(sent["userMetadata"]["Title"], "Trip to the sea");
    assert_eq!(sent["settings"]["inputs"][0]["audioSelectors"]["Audio Selector 1"]["defaultSelection"], "DEFAULT");
}
