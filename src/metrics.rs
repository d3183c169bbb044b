//! Prometheus metrics, served on a listener of their own (`GROUPCARE_METRICS_BIND`; unset: no
//! listener, and recording is a no-op). Labels are route patterns, methods, statuses and
//! booking states: never an id, a token or anything a person typed.

use crate::store;
use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls get the same one).
pub fn install() -> PrometheusHandle {
    RECORDER
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .expect("buckets are given")
                .install_recorder()
                .expect("the only metrics recorder")
        })
        .clone()
}

/// A request's method as a label: the standard ones by name, anything else `other` (a client
/// may send any word as a method, and a label must never carry what a client typed).
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Records each request: how many by route pattern, method and status, and how long they took.
pub async fn record(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map_or("(unmatched)", |m| m.as_str()).to_owned();
    let method = method_label(req.method());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("groupcare_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("groupcare_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    pool: PgPool,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
    max_in_flight: usize,
}

/// The newest booking event already counted by this process.
static COUNTED_EVENTS: AtomicI64 = AtomicI64::new(0);

/// The listener's router: `GET /metrics`.
pub fn router(
    pool: PgPool,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
    max_in_flight: usize,
) -> Router {
    let scrape = Scrape { handle: install(), pool, in_flight, max_in_flight };
    Router::new().route("/metrics", get(metrics)).with_state(scrape)
}

async fn metrics(State(s): State<Scrape>) -> Response {
    // What is read at scrape time: the pool, requests in flight, the database's counts.
    let size = s.pool.size() as f64;
    let idle = s.pool.num_idle() as f64;
    metrics::gauge!("groupcare_db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("groupcare_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("groupcare_db_pool_max").set(f64::from(s.pool.options().get_max_connections()));
    let busy = s.max_in_flight.saturating_sub(s.in_flight.available_permits());
    metrics::gauge!("groupcare_requests_in_flight").set(busy as f64);
    if let Err(e) = database_counts(&s.pool).await {
        tracing::warn!(error = %e, "metrics: the database's counts were not read");
    }
    s.handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.handle.render()).into_response()
}

async fn database_counts(pool: &PgPool) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    metrics::gauge!("groupcare_messages_pending")
        .set(store::metrics::messages_pending(&mut conn).await? as f64);
    let after = COUNTED_EVENTS.load(Ordering::SeqCst);
    let (transitions, last) = store::metrics::transitions_since(&mut conn, after).await?;
    // One scrape at a time moves the mark; a concurrent one counts nothing twice.
    if COUNTED_EVENTS.compare_exchange(after, last, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
        for (from, to, n) in transitions {
            let from = from.unwrap_or_else(|| "new".to_owned());
            metrics::counter!("groupcare_booking_transitions_total", "from" => from, "to" => to)
                .increment(n as u64);
        }
    }
    Ok(())
}
