//! The accept loop every loopback server of the core shares (the local S3 and MediaConvert
//! servers, the preview service): HTTP/1 and HTTP/2 on a loopback listener, each
//! connection on its own task, and a graceful stop that waits a bounded time for requests in flight.

use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::oneshot;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `listener` until `stop` fires (or its sender is dropped), then gives requests in flight
/// up to `grace` to finish. `name` labels the server in logs.
pub(crate) async fn serve<S, B>(
    name: &'static str,
    listener: tokio::net::TcpListener,
    service: S,
    mut stop: oneshot::Receiver<()>,
    grace: Duration,
) where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // Typically EMFILE: keep serving the connections we have.
                        tracing::warn!(error = %e, "{name}: accept failed");
                        tokio::task::yield_now().await;
                        continue;
                    }
                };
                let conn = http.serve_connection(TokioIo::new(stream), service.clone()).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "{name}: connection ended with an error");
                    }
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("{name}: requests still running after the shutdown grace period; dropping them");
    }
}
