//! The embedded S3 server's multipart uploads, driven by the real aws-sdk-s3 client over
//! loopback: parts, listings, abort, and completed objects stored as their part files.

mod common_s3;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use common_s3::*;
use md5::Digest as _;

#[tokio::test]
async fn multipart_lists_parts_sorted_paginated_with_checksums_and_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client(&h);
    let mut events = h.subscribe();
    c.create_bucket()
        .bucket("uploads")
        .send()
        .await
        .expect("bucket");
    let key = "inputs/asset 1/trip.mov";
    let created = c
        .create_multipart_upload()
        .bucket("uploads")
        .key(key)
        .content_type("video/quicktime")
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .send()
        .await
        .expect("create upload");
    let id = created.upload_id().expect("upload id").to_owned();

    let data = [bytes(5 * MIB, 1), bytes(5 * MIB, 2), bytes(1234, 3)];
    let mut etags = vec![String::new(); 3];
    // Out of order on purpose: ListParts must still come back sorted.
    for i in [2usize, 0, 1] {
        let out = c
            .upload_part()
            .bucket("uploads")
            .key(key)
            .upload_id(&id)
            .part_number(i as i32 + 1)
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .body(ByteStream::from(data[i].clone()))
            .send()
            .await
            .expect("upload part");
        assert_eq!(out.checksum_crc32_c(), Some(crc32c_b64(&data[i]).as_str()));
        etags[i] = out.e_tag().expect("etag").to_owned();
    }

    let first = c
        .list_parts()
        .bucket("uploads")
        .key(key)
        .upload_id(&id)
        .max_parts(2)
        .send()
        .await
        .expect("list parts");
    let numbers: Vec<_> = first
        .parts()
        .iter()
        .filter_map(|p| p.part_number())
        .collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(first.is_truncated(), Some(true));
    assert_eq!(first.next_part_number_marker(), Some("2"));
    for (p, i) in first.parts().iter().zip(0..) {
        assert_eq!(p.e_tag(), Some(etags[i].as_str()));
        assert_eq!(p.size(), Some(data[i].len() as i64));
        assert_eq!(p.checksum_crc32_c(), Some(crc32c_b64(&data[i]).as_str()));
    }
    let second = c
        .list_parts()
        .bucket("uploads")
        .key(key)
        .upload_id(&id)
        .max_parts(2)
        .part_number_marker("2")
        .send()
        .await
        .expect("list parts page 2");
    assert_eq!(
        second
            .parts()
            .iter()
            .filter_map(|p| p.part_number())
            .collect::<Vec<_>>(),
        [3]
    );
    assert_eq!(second.is_truncated(), Some(false));

    let part = |n: i32, etag: &str| CompletedPart::builder().part_number(n).e_tag(etag).build();
    let complete = |parts: Vec<CompletedPart>| {
        c.complete_multipart_upload()
            .bucket("uploads")
            .key(key)
            .upload_id(&id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
    };
    let bad_etag = complete(vec![
        part(1, &etags[0]),
        part(2, "\"0123456789abcdef0123456789abcdef\""),
        part(3, &etags[2]),
    ])
    .await
    .expect_err("wrong etag");
    assert_eq!(code(&bad_etag), "InvalidPart");
    let bad_order = complete(vec![
        part(2, &etags[1]),
        part(1, &etags[0]),
        part(3, &etags[2]),
    ])
    .await
    .expect_err("order");
    assert_eq!(code(&bad_order), "InvalidPartOrder");
    let missing = complete(vec![part(1, &etags[0]), part(4, &etags[2])])
        .await
        .expect_err("unknown part");
    assert_eq!(code(&missing), "InvalidPart");

    let done = complete(vec![
        part(1, &etags[0]),
        part(2, &etags[1]),
        part(3, &etags[2]),
    ])
    .await
    .expect("complete");
    let mut md5s = Vec::new();
    for d in &data {
        md5s.extend_from_slice(&md5::Md5::digest(d));
    }
    let expected_etag = format!("\"{}-3\"", hex::encode(md5::Md5::digest(&md5s)));
    assert_eq!(done.e_tag(), Some(expected_etag.as_str()));

    let event = events.recv().await.expect("object-created event");
    assert_eq!(
        (event.bucket.as_str(), event.key.as_str()),
        ("uploads", key)
    );
    assert_eq!(event.size_bytes, (10 * MIB + 1234) as u64);

    let head = c
        .head_object()
        .bucket("uploads")
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("head");
    assert_eq!(head.content_length(), Some((10 * MIB + 1234) as i64));
    assert_eq!(head.content_type(), Some("video/quicktime"));
    let composite = head.checksum_crc32_c().expect("composite checksum");
    assert!(composite.ends_with("-3"), "{composite}");
    let whole: Vec<u8> = data.concat();
    assert_eq!(get_body(&c, "uploads", key).await, whole);
    let second = c
        .get_object()
        .bucket("uploads")
        .key(key)
        .part_number(2)
        .send()
        .await
        .expect("get part 2");
    assert_eq!(second.parts_count(), Some(3));
    assert_eq!(
        second.content_range(),
        Some(format!("bytes {}-{}/{}", 5 * MIB, 10 * MIB - 1, whole.len()).as_str())
    );
    assert_eq!(
        second
            .body
            .collect()
            .await
            .expect("part body")
            .into_bytes()
            .as_ref(),
        data[1].as_slice()
    );
    let head2 = c
        .head_object()
        .bucket("uploads")
        .key(key)
        .part_number(3)
        .send()
        .await
        .expect("head part 3");
    assert_eq!(head2.content_length(), Some(1234));
    let beyond = c
        .get_object()
        .bucket("uploads")
        .key(key)
        .part_number(4)
        .send()
        .await
        .expect_err("no part 4");
    assert_eq!(code(&beyond), "InvalidPartNumber");

    // A completed upload is gone for every multipart call.
    let after = c
        .upload_part()
        .bucket("uploads")
        .key(key)
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from_static(b"late"))
        .send()
        .await
        .expect_err("upload to completed");
    assert_eq!(code(&after), "NoSuchUpload");
    let listed = c
        .list_parts()
        .bucket("uploads")
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .expect_err("list completed");
    assert_eq!(code(&listed), "NoSuchUpload");
    let again = complete(vec![part(1, &etags[0])])
        .await
        .expect_err("complete twice");
    assert_eq!(code(&again), "NoSuchUpload");
    let abort = c
        .abort_multipart_upload()
        .bucket("uploads")
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .expect_err("abort done");
    assert_eq!(code(&abort), "NoSuchUpload");
}

#[tokio::test]
async fn multipart_small_parts_abort_list_uploads_and_unknown_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "uploads").await;

    let mut ids = Vec::new();
    for key in ["a.mov", "b.mov", "b.mov", "other/c.mov"] {
        let out = c
            .create_multipart_upload()
            .bucket("uploads")
            .key(key)
            .send()
            .await
            .expect("create");
        ids.push(out.upload_id().expect("id").to_owned());
    }
    let mut seen = Vec::new();
    let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
    loop {
        let page = c
            .list_multipart_uploads()
            .bucket("uploads")
            .max_uploads(3)
            .set_key_marker(key_marker.clone())
            .set_upload_id_marker(id_marker.clone())
            .send()
            .await
            .expect("list uploads");
        seen.extend(page.uploads().iter().map(|u| {
            (
                u.key().unwrap_or("").to_owned(),
                u.upload_id().unwrap_or("").to_owned(),
            )
        }));
        if !page.is_truncated().unwrap_or(false) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        id_marker = page.next_upload_id_marker().map(str::to_owned);
    }
    assert_eq!(
        seen.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["a.mov", "b.mov", "b.mov", "other/c.mov"]
    );
    let mut seen_ids: Vec<_> = seen.iter().map(|(_, id)| id.clone()).collect();
    seen_ids.sort();
    let mut all_ids = ids.clone();
    all_ids.sort();
    assert_eq!(seen_ids, all_ids);
    let filtered = c
        .list_multipart_uploads()
        .bucket("uploads")
        .prefix("other/")
        .send()
        .await
        .expect("prefix");
    assert_eq!(filtered.uploads().len(), 1);

    // Parts under 5 MiB are fine to upload, but only the last may be small.
    let mut etags = Vec::new();
    for n in 1..=2 {
        let out = c
            .upload_part()
            .bucket("uploads")
            .key("a.mov")
            .upload_id(&ids[0])
            .part_number(n)
            .body(ByteStream::from(bytes(100, n as u8)))
            .send()
            .await
            .expect("small part");
        etags.push(out.e_tag().expect("etag").to_owned());
    }
    let parts = (1..=2)
        .map(|n| {
            CompletedPart::builder()
                .part_number(n)
                .e_tag(&etags[n as usize - 1])
                .build()
        })
        .collect();
    let small = c
        .complete_multipart_upload()
        .bucket("uploads")
        .key("a.mov")
        .upload_id(&ids[0])
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .expect_err("too small");
    assert_eq!(code(&small), "EntityTooSmall");

    c.abort_multipart_upload()
        .bucket("uploads")
        .key("a.mov")
        .upload_id(&ids[0])
        .send()
        .await
        .expect("abort");
    let listed = c
        .list_parts()
        .bucket("uploads")
        .key("a.mov")
        .upload_id(&ids[0])
        .send()
        .await
        .expect_err("aborted");
    assert_eq!(code(&listed), "NoSuchUpload");
    let left = c
        .list_multipart_uploads()
        .bucket("uploads")
        .send()
        .await
        .expect("list");
    assert!(left
        .uploads()
        .iter()
        .all(|u| u.upload_id() != Some(ids[0].as_str())));

    for bogus in ["00000000000000000000000000000000", "../../etc", "nope"] {
        let e = c
            .upload_part()
            .bucket("uploads")
            .key("a.mov")
            .upload_id(bogus)
            .part_number(1)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .expect_err("unknown id");
        assert_eq!(code(&e), "NoSuchUpload", "upload id {bogus}");
        let e = c
            .abort_multipart_upload()
            .bucket("uploads")
            .key("a.mov")
            .upload_id(bogus)
            .send()
            .await
            .expect_err("abort unknown");
        assert_eq!(code(&e), "NoSuchUpload");
    }
}

/// Uploads `parts` as a CRC32C multipart upload to `key` and completes it; returns the ETag.
async fn multipart_object(
    c: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    parts: &[Vec<u8>],
) -> String {
    let created = c
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .send()
        .await
        .expect("create upload");
    let id = created.upload_id().expect("upload id");
    let mut done = CompletedMultipartUpload::builder();
    for (data, n) in parts.iter().zip(1..) {
        let out = c
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(id)
            .part_number(n)
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .expect("upload part");
        let part = CompletedPart::builder()
            .part_number(n)
            .e_tag(out.e_tag().expect("etag"));
        done = done.parts(
            part.checksum_crc32_c(out.checksum_crc32_c().expect("crc"))
                .build(),
        );
    }
    let out = c
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(done.build())
        .send()
        .await;
    out.expect("complete").e_tag().expect("etag").to_owned()
}

/// Data files in bucket `bkt` of the store under `dir`.
fn data_files(dir: &std::path::Path) -> usize {
    let entries = std::fs::read_dir(dir.join("s3/buckets/bkt/objects")).expect("objects dir");
    entries
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "data"))
        })
        .count()
}

#[tokio::test]
async fn a_completed_upload_is_its_part_files_read_across_boundaries_and_replaced_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "bkt").await;
    let parts = [bytes(5 * MIB, 1), bytes(5 * MIB, 2), bytes(1000, 3)];
    let whole = parts.concat();
    multipart_object(&c, "bkt", "a.mov", &parts).await;
    assert_eq!(
        data_files(dir.path()),
        3,
        "the parts' files are the object: nothing was concatenated"
    );

    let range = |r: String| c.get_object().bucket("bkt").key("a.mov").range(r).send();
    for (from, to) in [
        (5 * MIB - 10, 5 * MIB + 9),
        (5 * MIB - 5, 10 * MIB + 4),
        (0, 5 * MIB - 1),
        (10 * MIB, 10 * MIB + 999),
    ] {
        let got = range(format!("bytes={from}-{to}"))
            .await
            .expect("range across parts");
        assert_eq!(
            got.content_range(),
            Some(format!("bytes {from}-{to}/{}", whole.len()).as_str())
        );
        assert_eq!(
            got.body
                .collect()
                .await
                .expect("body")
                .into_bytes()
                .as_ref(),
            &whole[from..=to],
            "{from}-{to}"
        );
    }
    let tail = range("bytes=-1500".into())
        .await
        .expect("suffix across parts");
    assert_eq!(
        tail.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        &whole[whole.len() - 1500..]
    );
    let third = c
        .get_object()
        .bucket("bkt")
        .key("a.mov")
        .part_number(3)
        .send()
        .await
        .expect("part 3");
    assert_eq!(
        third
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        parts[2].as_slice()
    );

    // Copies share the files; they outlive the source.
    c.copy_object()
        .bucket("bkt")
        .key("copy.mov")
        .copy_source("bkt/a.mov")
        .send()
        .await
        .expect("copy");
    let head = c
        .head_object()
        .bucket("bkt")
        .key("copy.mov")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("head");
    assert!(
        head.checksum_crc32_c().is_some_and(|v| v.ends_with("-3")),
        "{head:?}"
    );
    c.delete_object()
        .bucket("bkt")
        .key("a.mov")
        .send()
        .await
        .expect("delete source");
    assert_eq!(get_body(&c, "bkt", "copy.mov").await, whole);

    // A GET that began before an overwrite and a delete still serves the version it began with
    // (its later part files are opened after both).
    let mut reading = c
        .get_object()
        .bucket("bkt")
        .key("copy.mov")
        .send()
        .await
        .expect("get")
        .body;
    let first = reading.next().await.expect("a first chunk").expect("chunk");
    c.put_object()
        .bucket("bkt")
        .key("copy.mov")
        .body(ByteStream::from_static(b"new"))
        .send()
        .await
        .expect("overwrite");
    c.delete_object()
        .bucket("bkt")
        .key("copy.mov")
        .send()
        .await
        .expect("delete");
    let rest = reading
        .collect()
        .await
        .expect("rest of the old version")
        .into_bytes();
    assert_eq!([first.as_ref(), rest.as_ref()].concat(), whole);
    drop(h);

    // Without readers (no GET here: one that just ended may hold its pins a moment longer),
    // overwrite and delete leave no file behind.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = start(dir.path()).await;
    let c = client_with_bucket(&h, "bkt").await;
    multipart_object(&c, "bkt", "b.mov", &parts).await;
    let second = [bytes(5 * MIB, 4), bytes(10, 5)];
    let etag = multipart_object(&c, "bkt", "b.mov", &second).await;
    assert_eq!(
        data_files(dir.path()),
        2,
        "the first version's three files are gone"
    );
    c.put_object()
        .bucket("bkt")
        .key("b.mov")
        .body(ByteStream::from_static(b"small"))
        .send()
        .await
        .expect("put over");
    assert_eq!(data_files(dir.path()), 1);
    c.delete_object()
        .bucket("bkt")
        .key("b.mov")
        .send()
        .await
        .expect("delete");
    assert_eq!(data_files(dir.path()), 0);

    // A multipart object survives a restart (its part files are referenced, not swept).
    let kept = multipart_object(&c, "bkt", "kept.mov", &parts).await;
    assert_ne!(etag, kept);
    h.shutdown().await;
    let h = start(dir.path()).await;
    let c = client(&h);
    let head = c
        .head_object()
        .bucket("bkt")
        .key("kept.mov")
        .send()
        .await
        .expect("head after restart");
    assert_eq!(head.e_tag(), Some(kept.as_str()));
    assert_eq!(get_body(&c, "bkt", "kept.mov").await, whole);
    let r = c
        .get_object()
        .bucket("bkt")
        .key("kept.mov")
        .range("bytes=5242870-5242889")
        .send()
        .await
        .expect("range");
    assert_eq!(
        r.body.collect().await.expect("body").into_bytes().as_ref(),
        &whole[5 * MIB - 10..5 * MIB + 10]
    );
}
