//! The embedded S3 server driven by the real aws-sdk-s3 client over loopback: each test starts
//! its own server on 127.0.0.1:0 with a fresh data dir.

mod common_s3;

use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use common_s3::*;
use md5::Digest as _;
use vodstudio::local::s3::{LocalS3, LocalS3Config, LocalS3Error, CREDENTIALS_FILE_NAME};

#[tokio::test]
async fn buckets_and_objects_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client(&h);

    c.create_bucket()
        .bucket("media")
        .send()
        .await
        .expect("create bucket");
    c.head_bucket()
        .bucket("media")
        .send()
        .await
        .expect("head bucket");
    let again = c
        .create_bucket()
        .bucket("media")
        .send()
        .await
        .expect_err("second create fails");
    assert_eq!(code(&again), "BucketAlreadyOwnedByYou");
    let names: Vec<_> = c
        .list_buckets()
        .send()
        .await
        .expect("list")
        .buckets()
        .iter()
        .filter_map(|b| b.name())
        .map(str::to_owned)
        .collect();
    assert_eq!(names, ["media"]);

    let key = "vidéos/été 2024/clip #1 (final).mov";
    let body = bytes(10_000, 7);
    let put = c
        .put_object()
        .bucket("media")
        .key(key)
        .content_type("video/quicktime")
        .metadata("asset-id", "a-42")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("put");
    let md5_hex = hex::encode(md5::Md5::digest(&body));
    assert_eq!(put.e_tag(), Some(format!("\"{md5_hex}\"").as_str()));

    let got = c
        .get_object()
        .bucket("media")
        .key(key)
        .send()
        .await
        .expect("get");
    assert_eq!(got.content_type(), Some("video/quicktime"));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("asset-id"))
            .map(String::as_str),
        Some("a-42")
    );
    assert_eq!(got.e_tag(), put.e_tag());
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        body.as_slice()
    );
    let head = c
        .head_object()
        .bucket("media")
        .key(key)
        .send()
        .await
        .expect("head");
    assert_eq!(head.content_length(), Some(10_000));

    // A key that looks like a path escape is just a key.
    let escape = "../../outside.txt";
    c.put_object()
        .bucket("media")
        .key(escape)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .expect("put ..");
    assert_eq!(get_body(&c, "media", escape).await, b"x");
    assert!(
        !dir.path().join("outside.txt").exists()
            && !dir
                .path()
                .parent()
                .expect("parent")
                .join("outside.txt")
                .exists()
    );

    let not_empty = c
        .delete_bucket()
        .bucket("media")
        .send()
        .await
        .expect_err("bucket has objects");
    assert_eq!(code(&not_empty), "BucketNotEmpty");

    c.copy_object()
        .bucket("media")
        .key("copy.mov")
        .copy_source(format!("media/{}", urlencode(key)))
        .send()
        .await
        .expect("copy");
    assert_eq!(get_body(&c, "media", "copy.mov").await, body);

    c.delete_object()
        .bucket("media")
        .key(key)
        .send()
        .await
        .expect("delete");
    let gone = c
        .head_object()
        .bucket("media")
        .key(key)
        .send()
        .await
        .expect_err("deleted");
    assert!(
        gone.as_service_error().is_some_and(|e| e.is_not_found()),
        "{gone:?}"
    );
    let del = aws_sdk_s3::types::Delete::builder()
        .objects(
            aws_sdk_s3::types::ObjectIdentifier::builder()
                .key(escape)
                .build()
                .expect("id"),
        )
        .objects(
            aws_sdk_s3::types::ObjectIdentifier::builder()
                .key("copy.mov")
                .build()
                .expect("id"),
        )
        .build()
        .expect("delete");
    let out = c
        .delete_objects()
        .bucket("media")
        .delete(del)
        .send()
        .await
        .expect("delete objects");
    assert_eq!(out.deleted().len(), 2);
    let orphan = c
        .create_multipart_upload()
        .bucket("media")
        .key("never-finished.mov")
        .send()
        .await
        .expect("create upload");
    c.delete_bucket()
        .bucket("media")
        .send()
        .await
        .expect("delete empty bucket");
    c.create_bucket()
        .bucket("media")
        .send()
        .await
        .expect("recreate bucket");
    let uploads = c
        .list_multipart_uploads()
        .bucket("media")
        .send()
        .await
        .expect("list uploads");
    assert!(
        uploads.uploads().is_empty(),
        "uploads of a deleted bucket are gone: {:?}",
        orphan.upload_id()
    );
    c.delete_bucket()
        .bucket("media")
        .send()
        .await
        .expect("delete again");
    let missing = c
        .head_bucket()
        .bucket("media")
        .send()
        .await
        .expect_err("bucket gone");
    assert!(
        missing.as_service_error().is_some_and(|e| e.is_not_found()),
        "{missing:?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn range_get_returns_partial_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "bkt").await;
    let body = bytes(1000, 3);
    c.put_object()
        .bucket("bkt")
        .key("k")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("put");

    let part = c
        .get_object()
        .bucket("bkt")
        .key("k")
        .range("bytes=100-199")
        .send()
        .await
        .expect("range get");
    assert_eq!(part.content_range(), Some("bytes 100-199/1000"));
    assert_eq!(part.content_length(), Some(100));
    assert_eq!(
        part.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        &body[100..200]
    );

    let tail = c
        .get_object()
        .bucket("bkt")
        .key("k")
        .range("bytes=-10")
        .send()
        .await
        .expect("suffix");
    assert_eq!(
        tail.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        &body[990..]
    );

    let bad = c
        .get_object()
        .bucket("bkt")
        .key("k")
        .range("bytes=5000-")
        .send()
        .await
        .expect_err("beyond end");
    assert_eq!(code(&bad), "InvalidRange");

    c.put_object()
        .bucket("bkt")
        .key("empty")
        .body(ByteStream::from_static(b""))
        .send()
        .await
        .expect("put empty");
    assert!(get_body(&c, "bkt", "empty").await.is_empty());
}

#[tokio::test]
async fn list_objects_v2_with_delimiter_and_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "bkt").await;
    for key in [
        "a.txt",
        "photos/1.jpg",
        "photos/2.jpg",
        "videos/x/1.mov",
        "videos/y.mov",
        "z.txt",
    ] {
        c.put_object()
            .bucket("bkt")
            .key(key)
            .body(ByteStream::from_static(b"1"))
            .send()
            .await
            .expect("put");
    }

    let (mut keys, mut prefixes, mut pages) = (Vec::new(), Vec::new(), 0);
    let mut token: Option<String> = None;
    loop {
        let page = c
            .list_objects_v2()
            .bucket("bkt")
            .delimiter("/")
            .max_keys(2)
            .set_continuation_token(token.clone())
            .send()
            .await
            .expect("list page");
        pages += 1;
        assert!(page.key_count().unwrap_or_default() <= 2);
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key())
                .map(str::to_owned),
        );
        prefixes.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix())
                .map(str::to_owned),
        );
        token = page.next_continuation_token().map(str::to_owned);
        if !page.is_truncated().unwrap_or(false) {
            break;
        }
    }
    assert_eq!(keys, ["a.txt", "z.txt"]);
    assert_eq!(prefixes, ["photos/", "videos/"]);
    assert_eq!(pages, 2);

    let inner = c
        .list_objects_v2()
        .bucket("bkt")
        .prefix("videos/")
        .delimiter("/")
        .send()
        .await
        .expect("list prefix");
    let keys: Vec<_> = inner.contents().iter().filter_map(|o| o.key()).collect();
    let prefixes: Vec<_> = inner
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(keys, ["videos/y.mov"]);
    assert_eq!(prefixes, ["videos/x/"]);
    let all = c
        .list_objects_v2()
        .bucket("bkt")
        .send()
        .await
        .expect("list all");
    assert_eq!(all.contents().len(), 6);

    // The AWS CLI lists with encoding-type=url and decodes what comes back.
    c.put_object()
        .bucket("bkt")
        .key("odd/a b+c%.txt")
        .body(ByteStream::from_static(b"1"))
        .send()
        .await
        .expect("put");
    let encoded = c
        .list_objects_v2()
        .bucket("bkt")
        .prefix("odd/")
        .encoding_type(aws_sdk_s3::types::EncodingType::Url)
        .send()
        .await
        .expect("list encoded");
    assert_eq!(
        encoded
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .collect::<Vec<_>>(),
        ["odd/a%20b%2Bc%25.txt"]
    );
}

#[tokio::test]
async fn checksum_mismatch_is_bad_digest_and_good_checksums_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "bkt").await;
    let body = bytes(4096, 9);

    let wrong = crc32c_b64(b"something else");
    let e = c
        .put_object()
        .bucket("bkt")
        .key("k")
        .checksum_crc32_c(wrong)
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect_err("bad crc32c");
    assert_eq!(code(&e), "BadDigest");
    let missing = c
        .head_object()
        .bucket("bkt")
        .key("k")
        .send()
        .await
        .expect_err("nothing stored");
    assert!(missing.as_service_error().is_some_and(|e| e.is_not_found()));

    let good = crc32c_b64(&body);
    let put = c
        .put_object()
        .bucket("bkt")
        .key("k")
        .checksum_crc32_c(&good)
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("good crc32c");
    assert_eq!(put.checksum_crc32_c(), Some(good.as_str()));
    let head = c
        .head_object()
        .bucket("bkt")
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("head");
    assert_eq!(head.checksum_crc32_c(), Some(good.as_str()));
    // The SDK's default checksum (CRC32, sent as an aws-chunked trailer) is verified and kept too.
    let default_put = c
        .put_object()
        .bucket("bkt")
        .key("default")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("default checksum");
    let got = c
        .get_object()
        .bucket("bkt")
        .key("default")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("get");
    let crc32 = base64_simd::STANDARD.encode_to_string(crc32fast::hash(&body).to_be_bytes());
    assert_eq!(default_put.checksum_crc32(), Some(crc32.as_str()));
    assert_eq!(got.checksum_crc32(), Some(crc32.as_str()));
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        body.as_slice()
    );
    // A ranged GET carries no whole-object checksum (the SDK would otherwise fail to validate it).
    let ranged = c
        .get_object()
        .bucket("bkt")
        .key("default")
        .range("bytes=0-9")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("ranged");
    assert_eq!(ranged.checksum_crc32(), None);

    // A file body streams as aws-chunked with the checksum in a trailer (what uploaders and the
    // AWS CLI send): the trailer is checked and kept too.
    let file = dir.path().join("part.bin");
    std::fs::write(&file, &body).expect("write temp file");
    let streamed = c
        .put_object()
        .bucket("bkt")
        .key("streamed")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_path(&file).await.expect("file body"))
        .send()
        .await
        .expect("streamed put");
    let sha = base64_simd::STANDARD.encode_to_string(sha2::Sha256::digest(&body));
    assert_eq!(streamed.checksum_sha256(), Some(sha.as_str()));

    let up = c
        .create_multipart_upload()
        .bucket("bkt")
        .key("mp")
        .send()
        .await
        .expect("create");
    let id = up.upload_id().expect("id");
    let sha_wrong = base64_simd::STANDARD.encode_to_string([0u8; 32]);
    let e = c
        .upload_part()
        .bucket("bkt")
        .key("mp")
        .upload_id(id)
        .part_number(1)
        .checksum_sha256(sha_wrong)
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect_err("bad sha256");
    assert_eq!(code(&e), "BadDigest");
    let parts = c
        .list_parts()
        .bucket("bkt")
        .key("mp")
        .upload_id(id)
        .send()
        .await
        .expect("list");
    assert!(
        parts.parts().is_empty(),
        "a part with a bad checksum is not stored"
    );
}

#[tokio::test]
async fn signatures_and_presigned_expiry_are_enforced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "bkt").await;
    c.put_object()
        .bucket("bkt")
        .key("clip.mp4")
        .body(ByteStream::from_static(b"frames"))
        .send()
        .await
        .expect("put");

    let intruder = client_with(&h, "not-the-secret");
    let e = intruder
        .list_buckets()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(code(&e), "SignatureDoesNotMatch");

    let fresh = PresigningConfig::expires_in(Duration::from_secs(300)).expect("presign config");
    let url = c
        .get_object()
        .bucket("bkt")
        .key("clip.mp4")
        .presigned(fresh)
        .await
        .expect("presign");
    assert_eq!(http_get(url.uri()).await, (200, b"frames".to_vec()));

    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stale = PresigningConfig::builder()
        .start_time(an_hour_ago)
        .expires_in(Duration::from_secs(60))
        .build()
        .expect("config");
    let url = c
        .get_object()
        .bucket("bkt")
        .key("clip.mp4")
        .presigned(stale)
        .await
        .expect("presign");
    let (status, body) = http_get(url.uri()).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("AccessDenied"));

    let unsigned = http_get(&format!("{}/bkt/clip.mp4", h.endpoint_url())).await;
    assert_eq!(unsigned.0, 403, "anonymous requests are refused");
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, etag, creds) = {
        let h = start(dir.path()).await;
        let c = client_with_bucket(&h, "bkt").await;
        c.put_object()
            .bucket("bkt")
            .key("kept.txt")
            .body(ByteStream::from_static(b"still here"))
            .send()
            .await
            .expect("put");
        let up = c
            .create_multipart_upload()
            .bucket("bkt")
            .key("big.mov")
            .send()
            .await
            .expect("create");
        let id = up.upload_id().expect("id").to_owned();
        let part = c
            .upload_part()
            .bucket("bkt")
            .key("big.mov")
            .upload_id(&id)
            .part_number(1)
            .body(ByteStream::from(bytes(2048, 5)))
            .send()
            .await
            .expect("part");
        let creds = h.credentials().clone();
        h.shutdown().await;
        (id, part.e_tag().expect("etag").to_owned(), creds)
    };

    // A crash between storing a body and committing its metadata leaves an orphan: swept on start.
    let objects_dir = dir.path().join("s3/buckets/bkt/objects");
    let orphan = objects_dir.join("0123.deadbeef.data");
    std::fs::write(&orphan, b"half-committed").expect("plant orphan");

    let h = start(dir.path()).await;
    assert!(!orphan.exists(), "orphaned data file removed at start");
    assert_eq!(
        h.credentials(),
        &creds,
        "credentials are per install, not per run"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(CREDENTIALS_FILE_NAME))
            .expect("creds file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let c = client(&h);
    assert_eq!(get_body(&c, "bkt", "kept.txt").await, b"still here");
    let parts = c
        .list_parts()
        .bucket("bkt")
        .key("big.mov")
        .upload_id(&id)
        .send()
        .await
        .expect("parts after restart");
    assert_eq!(parts.parts().len(), 1);
    assert_eq!(parts.parts()[0].e_tag(), Some(etag.as_str()));
    let done = c
        .complete_multipart_upload()
        .bucket("bkt")
        .key("big.mov")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).e_tag(&etag).build())
                .build(),
        )
        .send()
        .await
        .expect("complete after restart");
    assert!(done.e_tag().is_some_and(|e| e.ends_with("-1\"")));
    // No algorithm was declared: like S3, the object gets a full-object CRC64NVME, which the SDK
    // validates while reading the body.
    let got = c
        .get_object()
        .bucket("bkt")
        .key("big.mov")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("get");
    let mut crc64 = crc64fast_nvme::Digest::new();
    crc64.write(&bytes(2048, 5));
    let expected = base64_simd::STANDARD.encode_to_string(crc64.sum64().to_be_bytes());
    assert_eq!(got.checksum_crc64_nvme(), Some(expected.as_str()));
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("validated body")
            .into_bytes()
            .as_ref(),
        bytes(2048, 5).as_slice()
    );
}

#[tokio::test]
async fn put_publishes_an_object_created_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let mut events = h.subscribe();
    let c = client_with_bucket(&h, "watch").await;
    c.put_object()
        .bucket("watch")
        .key("inputs/a/clip.mov")
        .body(ByteStream::from_static(b"12345"))
        .send()
        .await
        .expect("put");
    let e = events.recv().await.expect("event");
    assert_eq!(
        (e.bucket.as_str(), e.key.as_str(), e.size_bytes),
        ("watch", "inputs/a/clip.mov", 5)
    );
    assert_eq!(e.etag, hex::encode(md5::Md5::digest(b"12345")));
}

#[tokio::test]
async fn refuses_to_bind_beyond_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = LocalS3Config::new(dir.path());
    config.bind = "0.0.0.0:0".parse().expect("addr");
    let err = LocalS3::start(config)
        .await
        .err()
        .expect("non-loopback bind is refused");
    assert!(matches!(err, LocalS3Error::NonLoopbackBind { .. }), "{err}");
    assert_eq!(err.kind(), "non_loopback_bind");
}
