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

/// How long a client may take to send a request's whole body, from the end of its head: a
/// body sent a byte at a time cannot hold a handler (and its place among the requests in
/// flight) for long.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A request body that fails once [`BODY_READ_TIMEOUT`] has passed since the request began,
/// however steadily it trickles (a timeout per read would be reset by every byte).
struct Deadline {
    body: Incoming,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for Deadline {
    type Data = axum::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<axum::body::Bytes>, Self::Error>>> {
        use std::task::Poll;
        match std::pin::Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending if self.deadline.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Some(Err("the request body took too long".into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

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
            let deadline = Box::pin(tokio::time::sleep(BODY_READ_TIMEOUT));
            req.map(|body| Body::new(Deadline { body, deadline }))
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
