//! Paging rules of ListObjectsV2 and ListMultipartUploads, as pure functions over sorted entries
//! (so they can be checked without a server).

use super::store::{ObjectMeta, UploadMeta};

/// One row of a ListObjects page: an object, or a common prefix rolling up many keys.
#[derive(Debug)]
pub(crate) enum Entry<'a> {
    Object(&'a ObjectMeta),
    Prefix(String),
}

impl Entry<'_> {
    pub(crate) fn name(&self) -> &str {
        match self {
            Entry::Object(o) => &o.key,
            Entry::Prefix(p) => p,
        }
    }
}

/// A page of entries and whether more follow.
pub(crate) struct Page<'a> {
    pub entries: Vec<Entry<'a>>,
    pub truncated: bool,
}

/// Lists `objects` (sorted by key) under `prefix`, rolling keys that contain `delimiter` after the
/// prefix into common prefixes, starting strictly after `after` (a key or a common prefix), at
/// most `max` entries. Objects and common prefixes count alike towards `max`, as in S3.
pub(crate) fn objects_page<'a>(
    objects: &'a [ObjectMeta],
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max: usize,
) -> Page<'a> {
    let mut entries: Vec<Entry<'a>> = Vec::new();
    let mut truncated = false;
    for obj in objects.iter().filter(|o| o.key.starts_with(prefix)) {
        let entry = match delimiter.filter(|d| !d.is_empty()) {
            Some(d) => match obj.key[prefix.len()..].find(d) {
                Some(i) => Entry::Prefix(obj.key[..prefix.len() + i + d.len()].to_owned()),
                None => Entry::Object(obj),
            },
            None => Entry::Object(obj),
        };
        // Keys sharing a common prefix are contiguous in key order, so comparing with the last
        // entry is enough to fold them; a prefix already returned on an earlier page sorts at or
        // before `after` and is skipped with its keys.
        if after.is_some_and(|a| entry.name() <= a) {
            continue;
        }
        if let (Some(Entry::Prefix(last)), Entry::Prefix(p)) = (entries.last(), &entry) {
            if last == p {
                continue;
            }
        }
        if entries.len() == max {
            // max-keys=0 asks for nothing; claiming "truncated" with no token would loop clients.
            truncated = max > 0;
            break;
        }
        entries.push(entry);
    }
    Page { entries, truncated }
}

/// The opaque continuation token for resuming after `name`.
pub(crate) fn token_for(name: &str) -> String {
    base64_simd::URL_SAFE_NO_PAD.encode_to_string(name.as_bytes())
}

/// The name a continuation token resumes after; `None` if the token is not one of ours.
pub(crate) fn token_resume(token: &str) -> Option<String> {
    let bytes = base64_simd::URL_SAFE_NO_PAD.decode_to_vec(token).ok()?;
    String::from_utf8(bytes).ok()
}

/// With `encoding-type=url` (which the AWS CLI always sends) S3 percent-encodes keys and prefixes
/// in list responses, and clients decode them: a raw `%` or `+` in a key would come back mangled.
pub(crate) struct KeyEncoding(bool);

impl KeyEncoding {
    pub(crate) fn of(encoding_type: Option<&s3s::dto::EncodingType>) -> Self {
        Self(encoding_type.is_some_and(|e| e.as_str().eq_ignore_ascii_case("url")))
    }

    pub(crate) fn apply(&self, s: &str) -> String {
        if !self.0 {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(char::from(b)),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    pub(crate) fn apply_opt(&self, s: Option<String>) -> Option<String> {
        s.map(|s| self.apply(&s))
    }
}

/// Sorts uploads as S3 lists them (by key, then initiation time) and returns the page after the
/// (`key_marker`, `upload_id_marker`) position, plus whether more follow.
pub(crate) fn uploads_page(
    mut uploads: Vec<UploadMeta>,
    prefix: &str,
    key_marker: Option<&str>,
    upload_id_marker: Option<&str>,
    max: usize,
) -> (Vec<UploadMeta>, bool) {
    uploads.retain(|u| u.key.starts_with(prefix));
    uploads.sort_by(|a, b| (&a.key, a.initiated, &a.upload_id).cmp(&(&b.key, b.initiated, &b.upload_id)));
    let start = match (key_marker, upload_id_marker) {
        // With both markers: uploads of the marker key after that upload, then later keys.
        (Some(k), Some(id)) => match uploads.iter().position(|u| u.key == k && u.upload_id == id) {
            Some(i) => i + 1,
            None => uploads.iter().position(|u| u.key.as_str() > k).unwrap_or(uploads.len()),
        },
        (Some(k), None) => uploads.iter().position(|u| u.key.as_str() > k).unwrap_or(uploads.len()),
        (None, _) => 0,
    };
    let mut rest: Vec<UploadMeta> = uploads.into_iter().skip(start).collect();
    let truncated = max > 0 && rest.len() > max;
    rest.truncate(max);
    (rest, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::s3::store::ObjectAttrs;

    fn obj(key: &str) -> ObjectMeta {
        ObjectMeta {
            key: key.to_owned(),
            size_bytes: 0,
            etag: String::new(),
            last_modified: std::time::SystemTime::UNIX_EPOCH,
            attrs: ObjectAttrs::default(),
            checksums: Default::default(),
            checksum_kind: None,
            parts_count: None,
            part_sizes_bytes: Vec::new(),
            data_file: String::new(),
            part_files: Vec::new(),
        }
    }

    fn names(p: &Page<'_>) -> Vec<String> {
        p.entries.iter().map(|e| e.name().to_owned()).collect()
    }

    #[test]
    fn delimiter_rolls_up_and_pages_resume_after_a_prefix() {
        let objs: Vec<ObjectMeta> = ["a.txt", "dir/1", "dir/2", "dir/sub/3", "e", "z/9"].map(obj).to_vec();
        let p1 = objects_page(&objs, "", Some("/"), None, 2);
        assert_eq!(names(&p1), ["a.txt", "dir/"]);
        assert!(p1.truncated);
        let p2 = objects_page(&objs, "", Some("/"), Some("dir/"), 2);
        assert_eq!(names(&p2), ["e", "z/"]);
        assert!(!p2.truncated);
        let inner = objects_page(&objs, "dir/", Some("/"), None, 10);
        assert_eq!(names(&inner), ["dir/1", "dir/2", "dir/sub/"]);
    }

    #[test]
    fn url_encoding_escapes_all_but_unreserved_and_slash() {
        let url = KeyEncoding::of(Some(&s3s::dto::EncodingType::from_static(s3s::dto::EncodingType::URL)));
        assert_eq!(url.apply("a b+c%/é"), "a%20b%2Bc%25/%C3%A9");
        assert_eq!(KeyEncoding::of(None).apply("a b"), "a b");
    }

    #[test]
    fn tokens_round_trip_unicode() {
        assert_eq!(token_resume(&token_for("vidéos/été 1.mov")).as_deref(), Some("vidéos/été 1.mov"));
    }
}
