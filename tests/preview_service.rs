//! The preview service against the real local backend: ffmpeg-made HLS and DASH outputs in a
//! bucket, fetched through the service by a plain HTTP client, every rewritten URI followed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common_mc;

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use url::Url;
use vodstudio::preview::{PreviewConfig, PreviewService};

const ASSET: &str = "01JASSET";
const BUCKET: &str = "media";

fn ffmpeg_outputs(dir: &Path) {
    let hls = dir.join("hls");
    let dash = dir.join("dash");
    std::fs::create_dir_all(&hls).expect("hls dir");
    std::fs::create_dir_all(&dash).expect("dash dir");
    let run = |cwd: &Path, args: &[&str]| {
        let status = Command::new("ffmpeg")
            .current_dir(cwd)
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=192x108:rate=25:duration=3")
            .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=3"])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-g",
                "25",
                "-c:a",
                "aac",
            ])
            .args(args)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg {args:?}");
    };
    run(
        &hls,
        &[
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_playlist_type",
            "vod",
            "-master_pl_name",
            "trip.m3u8",
            "-hls_segment_filename",
            "trip_720p_%03d.ts",
            "trip_720p.m3u8",
        ],
    );
    run(&dash, &["-f", "dash", "-seg_duration", "1", "trip.mpd"]);
}

/// Every URI a manifest references, resolved against the manifest's own URL.
fn references(manifest_url: &Url, body: &str) -> Vec<Url> {
    let mut refs = Vec::new();
    if manifest_url.path().ends_with(".m3u8") {
        for line in body.lines().map(str::trim) {
            if line.is_empty() {
                continue;
            }
            if let Some(at) = line.find("URI=\"") {
                let rest = &line[at + 5..];
                let uri = &rest[..rest.find('"').expect("closing quote")];
                refs.push(manifest_url.join(uri).expect("join"));
            } else if !line.starts_with('#') {
                refs.push(manifest_url.join(line).expect("join"));
            }
        }
    } else {
        // The ffmpeg MPD: SegmentTemplate with init and media templates, representations 0 and 1.
        for attr in ["initialization=\"", "media=\""] {
            for part in body.split(attr).skip(1) {
                let template = &part[..part.find('"').expect("closing quote")];
                for rep in ["0", "1"] {
                    let uri = template
                        .replace("$RepresentationID$", rep)
                        .replace("$Number%05d$", "00001");
                    refs.push(manifest_url.join(&uri).expect("join"));
                }
            }
        }
    }
    refs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_hls_and_dash_through_tokens() {
    let data = tempfile::tempdir().expect("data dir");
    let out = tempfile::tempdir().expect("out dir");
    ffmpeg_outputs(out.path());
    let backend = common_mc::start(data.path()).await;
    let s3 = common_mc::s3_client(&backend);
    common_mc::create_buckets(&s3, &[BUCKET]).await;
    let mut local_files = Vec::new();
    for sub in ["hls", "dash"] {
        for entry in std::fs::read_dir(out.path().join(sub)).expect("read dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let key = format!("{ASSET}/{sub}/{name}");
            common_mc::upload(&s3, BUCKET, &key, &path).await;
            local_files.push((key, path));
        }
    }

    let preview = PreviewService::start(s3.clone(), 0)
        .await
        .expect("preview starts");
    let service = Url::parse(&preview.url()).expect("service url");
    assert_eq!(service.host_str(), Some("127.0.0.1"));
    let token = preview.issue_token(
        ASSET,
        BUCKET,
        &format!("{ASSET}/"),
        Duration::from_secs(600),
    );
    let http = reqwest::Client::new();

    // Crawl from both manifests: every reference must point back at the service, with the token.
    let mut queue: VecDeque<Url> = ["hls/trip.m3u8", "dash/trip.mpd"]
        .iter()
        .map(|p| Url::parse(&preview.playback_url(ASSET, &token, p)).expect("url"))
        .collect();
    let mut seen = BTreeSet::new();
    let prefix = format!("/{ASSET}/{token}/");
    while let Some(url) = queue.pop_front() {
        if !seen.insert(url.to_string()) {
            continue;
        }
        assert_eq!(
            url.origin(),
            service.origin(),
            "{url} points at the service"
        );
        assert!(url.path().starts_with(&prefix), "{url} carries the token");
        let resp = http.get(url.clone()).send().await.expect("GET");
        assert_eq!(resp.status(), StatusCode::OK, "{url}");
        let ct = resp.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("ct")
            .to_owned();
        let path = url.path().to_owned();
        let expected_ct = match path.rsplit_once('.').map(|(_, e)| e) {
            Some("m3u8") => "application/vnd.apple.mpegurl",
            Some("mpd") => "application/dash+xml",
            Some("ts") => "video/mp2t",
            Some("m4s" | "mp4") => "video/mp4",
            other => panic!("unexpected extension {other:?} in {url}"),
        };
        assert_eq!(ct, expected_ct, "{url}");
        let body = resp.bytes().await.expect("body");
        if expected_ct.starts_with("application/") {
            let text = std::str::from_utf8(&body).expect("utf-8 manifest");
            queue.extend(references(&url, text));
        } else {
            let key = format!("{ASSET}/{}", &path[prefix.len()..]);
            let (_, file) = local_files
                .iter()
                .find(|(k, _)| *k == key)
                .expect("known object");
            assert_eq!(
                body.as_ref(),
                std::fs::read(file).expect("read").as_slice(),
                "{key}"
            );
        }
    }
    assert!(seen.iter().any(|u| u.ends_with(".ts")), "{seen:?}");
    assert!(seen.iter().any(|u| u.ends_with(".m4s")), "{seen:?}");
    assert!(
        seen.iter().any(|u| u.ends_with("trip_720p.m3u8")),
        "{seen:?}"
    );

    // Range: 206 with exactly those bytes.
    let seg_path = "hls/trip_720p_001.ts";
    let whole = std::fs::read(out.path().join(seg_path)).expect("segment");
    let resp = http
        .get(preview.playback_url(ASSET, &token, seg_path))
        .header(reqwest::header::RANGE, "bytes=188-375")
        .send()
        .await
        .expect("range GET");
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        resp.headers()[reqwest::header::CONTENT_RANGE],
        format!("bytes 188-375/{}", whole.len()).as_str()
    );
    assert_eq!(resp.bytes().await.expect("body").as_ref(), &whole[188..376]);

    // Forged, expired and other-asset tokens: 403 with a short body.
    let forbidden = |url: String| {
        let http = http.clone();
        async move {
            let resp = http.get(&url).send().await.expect("GET");
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{url}");
            let body = resp.text().await.expect("body");
            assert!(body.len() < 100 && !body.is_empty(), "{body}");
        }
    };
    let forged = format!("{}/{ASSET}/{}/hls/trip.m3u8", preview.url(), "A".repeat(43));
    forbidden(forged).await;
    let expired = preview.issue_token(ASSET, BUCKET, ASSET, Duration::ZERO);
    forbidden(preview.playback_url(ASSET, &expired, "hls/trip.m3u8")).await;
    let other = preview.issue_token("01JOTHER", BUCKET, "01JOTHER/", Duration::from_secs(600));
    forbidden(preview.playback_url(ASSET, &other, "hls/trip.m3u8")).await;
    // The right token cannot climb out of its prefix either.
    let resp = http
        .get(format!(
            "{}/{ASSET}/{token}/hls%2F..%2F..%2Fother%2Fx.ts",
            preview.url()
        ))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = http
        .get(preview.playback_url(ASSET, &token, "hls/missing.ts"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // A presigned GET of the same object works against the local backend too.
    let presigned = vodstudio::preview::sign::presign_get(
        &s3,
        &format!("s3://{BUCKET}/{ASSET}/{seg_path}"),
        Duration::from_secs(60),
    )
    .await
    .expect("presign");
    let resp = http.get(presigned).send().await.expect("presigned GET");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.expect("body").as_ref(), whole.as_slice());

    // The player's API: every object with its size, the masters, the source; signed links.
    common_mc::upload(&s3, BUCKET, "inputs/trip.mp4", &out.path().join(seg_path)).await;
    let api_token = preview.issue_token_with_source(
        ASSET,
        BUCKET,
        &format!("{ASSET}/"),
        Some((BUCKET.to_owned(), "inputs/trip.mp4".to_owned())),
        Duration::from_secs(600),
    );
    let api = |call: &str| format!("{}/_api/{ASSET}/{api_token}/{call}", preview.url());
    let outputs: serde_json::Value = http
        .get(api("outputs"))
        .send()
        .await
        .expect("outputs")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("outputs JSON"))
        .expect("outputs body");
    let files = outputs["files"].as_array().expect("files");
    assert_eq!(files.len(), local_files.len(), "{outputs}");
    for (key, path) in &local_files {
        let rel = &key[ASSET.len() + 1..];
        let f = files.iter().find(|f| f["path"] == rel).expect("listed");
        assert_eq!(
            f["size_bytes"],
            std::fs::metadata(path).expect("meta").len()
        );
        assert!(f["url"]
            .as_str()
            .expect("url")
            .starts_with(&format!("/{ASSET}/{api_token}/")));
    }
    let masters: Vec<(&str, &str)> = outputs["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            (
                m["format"].as_str().expect("f"),
                m["path"].as_str().expect("p"),
            )
        })
        .collect();
    assert_eq!(
        masters,
        [("dash", "dash/trip.mpd"), ("hls", "hls/trip.m3u8")]
    );
    assert!(outputs["expires_at_ms"].as_u64().expect("expiry") > 0);
    let source_url = outputs["source"]["url"].as_str().expect("source");
    let resp = http
        .get(format!("{}{source_url}", preview.url()))
        .header(reqwest::header::RANGE, "bytes=0-187")
        .send()
        .await
        .expect("source GET");
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.bytes().await.expect("body").as_ref(), &whole[..188]);
    let link: serde_json::Value = http
        .get(api(&format!("link?path={}", seg_path.replace('/', "%2F"))))
        .send()
        .await
        .expect("link")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("link JSON"))
        .expect("link body");
    let signed = link["url"].as_str().expect("signed url");
    assert!(signed.contains("X-Amz-Signature="), "{signed}");
    let resp = http.get(signed).send().await.expect("signed GET");
    assert_eq!(resp.bytes().await.expect("body").as_ref(), whole.as_slice());
    let resp = http
        .get(api("link?path=..%2Fother"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // The first token grants no source; the API refuses a forged token like the media does.
    let resp = http
        .get(format!("{}/_source/{ASSET}/{token}", preview.url()))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    forbidden(format!(
        "{}/_api/{ASSET}/{}/outputs",
        preview.url(),
        "A".repeat(43)
    ))
    .await;

    preview.shutdown().await;

    // CORS only for the configured origin.
    let config = PreviewConfig {
        bind_port: 0,
        allowed_origins: vec!["tauri://localhost".to_owned()],
        ..PreviewConfig::default()
    };
    let preview = PreviewService::start_with(s3.clone(), config)
        .await
        .expect("preview starts");
    let token = preview.issue_token(ASSET, BUCKET, ASSET, Duration::from_secs(600));
    let url = preview.playback_url(ASSET, &token, "hls/trip.m3u8");
    let resp = http
        .request(reqwest::Method::OPTIONS, &url)
        .header(reqwest::header::ORIGIN, "tauri://localhost")
        .header("access-control-request-headers", "range")
        .send()
        .await
        .expect("preflight");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        resp.headers()[reqwest::header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "tauri://localhost"
    );
    for (origin, allowed) in [("tauri://localhost", true), ("https://evil.example", false)] {
        let resp = http
            .get(&url)
            .header(reqwest::header::ORIGIN, origin)
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()
                .contains_key(reqwest::header::ACCESS_CONTROL_ALLOW_ORIGIN),
            allowed,
            "{origin}"
        );
    }
    preview.shutdown().await;
    backend.shutdown().await;
}
