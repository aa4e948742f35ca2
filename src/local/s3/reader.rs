//! Reads a stored object, or a byte range of it, across its data files: one for an object written
//! in one piece, one per part for a completed multipart upload.

use std::io::SeekFrom;
use std::path::PathBuf;

use bytes::Bytes;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use s3s::S3Result;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::pins::PinGuard;
use super::store::{internal, ObjectMeta};
use crate::limits::LOCAL_S3_IO_BUFFER_BYTES;

/// An object's current version, its data files pinned (see `pins`) until this is dropped.
pub(crate) struct PinnedObject {
    pub(crate) meta: ObjectMeta,
    /// Data files in order, with their sizes.
    pub(crate) files: Vec<(PathBuf, u64)>,
    pub(crate) pin: PinGuard,
}

impl PinnedObject {
    /// Bytes `start..start + len` as a body stream, which keeps the files pinned until it ends.
    /// The first file is opened here, so a missing one is an error response, not a cut body.
    pub(crate) async fn stream(
        self,
        start: u64,
        len: u64,
    ) -> S3Result<impl Stream<Item = std::io::Result<Bytes>> + Send + Sync + 'static> {
        let sizes: Vec<u64> = self.files.iter().map(|(_, size)| *size).collect();
        let mut pieces = segments(&sizes, start, len)
            .into_iter()
            .map(|(i, offset, len)| (self.files[i].0.clone(), offset, len))
            .collect::<Vec<_>>()
            .into_iter();
        let first = match pieces.next() {
            Some((path, offset, len)) => Some(
                open_at(path, offset, len)
                    .await
                    .map_err(|e| internal("open object data", e))?,
            ),
            None => None,
        };
        let pin = self.pin;
        let rest =
            futures::stream::iter(pieces).then(|(path, offset, len)| open_at(path, offset, len));
        Ok(futures::stream::iter(first.map(Ok))
            .chain(rest)
            .map_ok(|reader| {
                tokio_util::io::ReaderStream::with_capacity(reader, LOCAL_S3_IO_BUFFER_BYTES)
            })
            .try_flatten()
            .inspect(move |_| {
                let _keep_until_the_body_ends = &pin;
            }))
    }
}

async fn open_at(
    path: PathBuf,
    offset: u64,
    len: u64,
) -> std::io::Result<tokio::io::Take<tokio::fs::File>> {
    let mut file = tokio::fs::File::open(&path).await?;
    file.seek(SeekFrom::Start(offset)).await?;
    Ok(file.take(len))
}

/// Which files hold bytes `start..start + len` of files of `sizes` laid end to end: (index,
/// offset in that file, length), in order, empty pieces left out.
pub(crate) fn segments(sizes: &[u64], start: u64, len: u64) -> Vec<(usize, u64, u64)> {
    let end = start.saturating_add(len);
    let mut out = Vec::new();
    let mut file_start = 0u64;
    for (i, &size) in sizes.iter().enumerate() {
        let file_end = file_start + size;
        let (from, to) = (start.max(file_start), end.min(file_end));
        if from < to {
            out.push((i, from - file_start, to - from));
        }
        if file_end >= end {
            break;
        }
        file_start = file_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn segments_cross_file_boundaries() {
        let sizes = [10, 10, 5];
        assert_eq!(segments(&sizes, 0, 25), [(0, 0, 10), (1, 0, 10), (2, 0, 5)]);
        assert_eq!(segments(&sizes, 8, 4), [(0, 8, 2), (1, 0, 2)]);
        assert_eq!(segments(&sizes, 10, 10), [(1, 0, 10)], "exactly one file");
        assert_eq!(segments(&sizes, 19, 6), [(1, 9, 1), (2, 0, 5)]);
        assert_eq!(segments(&sizes, 24, 1), [(2, 4, 1)]);
        assert!(segments(&sizes, 3, 0).is_empty());
        assert!(
            segments(&[0], 0, 0).is_empty(),
            "an empty object has nothing to read"
        );
        assert_eq!(
            segments(&[0, 4, 0, 4], 2, 4),
            [(1, 2, 2), (3, 0, 2)],
            "empty files are skipped"
        );
    }
}
