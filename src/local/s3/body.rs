//! Receiving a request body (PutObject, UploadPart): streamed to a temp file and hashed on the
//! way, in a two-stage pipeline: while one batch of received chunks is hashed and written by a
//! blocking task, straight from the network buffers, the next batch is received.

use std::io::{self, IoSlice, Write as _};

use bytes::Bytes;
use futures::StreamExt as _;
use s3s::dto::StreamingBlob;
use s3s::{s3_error, S3Result};

use super::checksum::{BodyDigest, BodyHasher};
use super::store::{internal, Store, TempFile};
use crate::limits::LOCAL_S3_WRITE_BATCH_BYTES;

/// The file being written and the hashes so far; owned by whichever stage runs.
struct Sink {
    file: std::fs::File,
    hasher: BodyHasher,
}

impl Sink {
    /// Hashes and writes one batch (one `writev` where the kernel takes it all); the last batch
    /// also makes the file durable.
    fn take(mut self, chunks: Vec<Bytes>, last: bool) -> io::Result<Self> {
        for c in &chunks {
            self.hasher.update(c);
        }
        let mut slices: Vec<IoSlice<'_>> = chunks.iter().map(|c| IoSlice::new(c)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match self.file.write_vectored(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if last {
            self.file.sync_all()?;
        }
        Ok(self)
    }
}

/// Streams a request body into a temp file, hashing on the way. Memory per request stays at two
/// batches of chunks (the one being received, the one being written), whatever the body's size.
pub(crate) async fn receive_body(
    store: &Store,
    body: Option<StreamingBlob>,
    hasher: BodyHasher,
) -> S3Result<(TempFile, u64, BodyDigest)> {
    let (tmp, file) = store.new_temp().await?;
    let mut idle = Some(Sink {
        file: file.into_std().await,
        hasher,
    });
    let mut busy: Option<tokio::task::JoinHandle<io::Result<Sink>>> = None;
    let mut body = body;
    let (mut batch, mut batch_bytes, mut size_bytes) = (Vec::new(), 0usize, 0u64);
    loop {
        let next = match &mut body {
            Some(b) => b.next().await,
            None => None,
        };
        let last = next.is_none();
        if let Some(chunk) = next {
            let chunk = chunk.map_err(|e| {
                s3_error!(
                    IncompleteBody,
                    "reading the request body failed after {size_bytes} bytes: {e}"
                )
            })?;
            size_bytes += chunk.len() as u64;
            batch_bytes += chunk.len();
            batch.push(chunk);
        }
        if last || batch_bytes >= LOCAL_S3_WRITE_BATCH_BYTES {
            let sink = match busy.take() {
                Some(task) => settle(task).await?,
                None => idle
                    .take()
                    .ok_or_else(|| internal("write body", "no file to write to"))?,
            };
            let chunks = std::mem::take(&mut batch);
            batch_bytes = 0;
            busy = Some(tokio::task::spawn_blocking(move || sink.take(chunks, last)));
        }
        if last {
            break;
        }
    }
    let sink = match busy {
        Some(task) => settle(task).await?,
        None => return Err(internal("write body", "the body was never written")),
    };
    Ok((tmp, size_bytes, sink.hasher.finalize()))
}

async fn settle(task: tokio::task::JoinHandle<io::Result<Sink>>) -> S3Result<Sink> {
    task.await
        .map_err(|e| internal("write body", e))?
        .map_err(|e| internal("write body", e))
}
