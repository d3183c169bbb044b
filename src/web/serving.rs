//! The HTTP server loop (axum's `serve` with the settings it does not expose): a client gets
//! [`HEADER_READ_TIMEOUT`] to send a request's head, and an idle keep-alive connection the same
//! (hyper's timer runs while it waits for the next head), so slow or idle clients cannot hold
//! connections for good. On shutdown it stops accepting, closes idle connections at once,
//! lets requests in flight finish, and gives up on the rest after [`DRAIN_LIMIT`].

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// How long a client may take to send a request's head, and how long a keep-alive connection
/// may sit idle between requests.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits for requests in flight before closing their connections.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then drains (see the module).
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    // Dropped to tell every connection to finish; each holds a receiver until it has.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app.clone().map_request(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req.map(Body::new)
        });
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
            let mut conn =
                pin!(builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    // Idle: closed now; a request in flight: answered, then closed.
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    drop(listener);
    drop(stop_rx);
    drop(stop_tx);
    drop(done_rx);
    // Every connection's task holds a clone of `done`; when the last is gone, all have ended.
    if tokio::time::timeout(DRAIN_LIMIT, done_tx.closed()).await.is_err() {
        tracing::warn!("requests still running after {} s: closing their connections", DRAIN_LIMIT.as_secs());
    }
}
