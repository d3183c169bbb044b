//! HTTP: the router, its layers, and one module per audience.

mod api;
pub(crate) mod booking_requests;
pub mod client;
pub mod cookies;
pub mod error;
pub mod extract;
mod hooks;
pub mod i18n;
mod public;
pub mod serving;
pub mod staff;
mod views;

use crate::config::BookingSettings;
use crate::domain::schedule::Horizon;
use crate::keys::Keys;
use crate::notify::channels::Secret;
use crate::store::listings::Listings;
use crate::store::secrets::{self, SecretsError};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, MatchedPath, State};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use client::TrustedProxies;
use cookies::Cookies;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// What every handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub booking: Arc<BookingSettings>,
    /// How patients reach this app, for manage links in API answers (no trailing slash).
    pub base_url: Arc<str>,
    /// The server's key that derives manage links from one-time keys.
    pub link_key: Arc<[u8]>,
    /// The key file's keys: sealing secrets, hashing client addresses.
    pub keys: Arc<Keys>,
    /// Whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// What time the app takes it to be (a test may fix it).
    pub clock: Clock,
    /// How far ahead weekly groups are scheduled (`GROUPCARE_SCHEDULE_WEEKS`).
    pub horizon: Horizon,
    /// Permits to check a password (Argon2 takes ~19 MiB and a core's time): sign-ins beyond
    /// them wait briefly, then are answered 503, so a flood cannot queue without bound.
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// The SMS provider's token (`GROUPCARE_SMS_TOKEN`), which signs its webhook: without
    /// SMS settings, `/hooks/sms` does not exist.
    pub sms_token: Option<Arc<Secret>>,
    /// Requests being answered at once (`GROUPCARE_MAX_IN_FLIGHT`): one more is told at once
    /// to try again (503), instead of queueing until its client gives up. The health probes
    /// are not counted.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// The readiness probe's last answer and when it was found (see `readyz`).
    pub readiness: Arc<tokio::sync::Mutex<Option<(std::time::Instant, bool)>>>,
    /// The public listings' reads, served again for up to a second (see `store::listings`).
    pub listings: Arc<Listings>,
}

/// Requests answered at once by default: far more than the pool's connections can serve
/// quickly, so only a real flood reaches it.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;

/// The time as the app reads it: the system's clock, or one fixed by a test where time matters
/// (the rate limit's minute).
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl Clock {
    pub fn now(self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(at) => at,
        }
    }
}

/// Password checks at once: twice the cores.
pub fn default_password_checks() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl AppState {
    /// Seals secrets an older database kept in plaintext (once), and reads (or makes, on a new
    /// database) the secrets all instances share.
    pub async fn load(
        pool: PgPool,
        booking: BookingSettings,
        base_url: &str,
        keys: Keys,
    ) -> Result<AppState, SecretsError> {
        let sealed = secrets::seal_stored_secrets(&mut *pool.acquire().await?, &keys).await?;
        if sealed > 0 {
            tracing::info!(sealed, "sealed the secrets the database kept in plaintext");
        }
        let link_key = secrets::load_or_create(&pool, &keys, secrets::MANAGE_LINK_KEY).await?;
        Ok(AppState {
            pool,
            booking: Arc::new(booking),
            base_url: base_url.trim_end_matches('/').into(),
            link_key: link_key.into(),
            keys: Arc::new(keys),
            trusted_proxies: Arc::new(TrustedProxies::default()),
            password_checks: Arc::new(tokio::sync::Semaphore::new(default_password_checks())),
            clock: Clock::System,
            horizon: Horizon::default(),
            sms_token: None,
            in_flight: Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_IN_FLIGHT)),
            readiness: Arc::default(),
            listings: Arc::default(),
        })
    }

    /// The cookie rules that follow from how the app is reached.
    pub fn cookies(&self) -> Cookies {
        Cookies::for_base_url(&self.base_url)
    }

    pub fn with_trusted_proxies(self, trusted_proxies: TrustedProxies) -> AppState {
        AppState { trusted_proxies: Arc::new(trusted_proxies), ..self }
    }

    pub fn with_max_in_flight(self, requests: usize) -> AppState {
        AppState { in_flight: Arc::new(tokio::sync::Semaphore::new(requests.max(1))), ..self }
    }

    pub fn with_horizon(self, horizon: Horizon) -> AppState {
        AppState { horizon, ..self }
    }

    pub fn with_sms_token(self, token: Option<Secret>) -> AppState {
        AppState { sms_token: token.map(Arc::new), ..self }
    }
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> PgPool {
        state.pool.clone()
    }
}

/// The largest request body taken: a booking form is well under 4 KB.
const BODY_LIMIT: usize = 16 * 1024;

/// The whole app: the binary serves it, and the tests drive it.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(public::router())
        .merge(staff::router())
        .nest("/api/v1", api::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/hooks/sms", axum::routing::post(hooks::sms))
        .route("/static/app.css", get(stylesheet))
        .route("/favicon.ico", get(favicon))
        .route("/static/staff.js", get(staff_script));
    dress(routes, state)
}

/// Every answer's common ground, around `routes`: the app's own 404 and 405 pages, panics and
/// slow handlers caught, the language settled, the body limit, the security headers, and a
/// trace span per request.
fn dress(routes: Router<AppState>, state: AppState) -> Router {
    let over_https = state.base_url.starts_with("https://");
    let app = routes
        .fallback(|| async { error::AppError::NotFound })
        .method_not_allowed_fallback(|| async { error::AppError::MethodNotAllowed })
        // Innermost, so a panic or a handler that runs too long still ends in the app's own
        // calm page, which the language layer redraws and the header layers dress like any.
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked");
            error::AppError::Internal("panic".into()).into_response()
        }))
        // Inside the time limit's task: a change that outlives the limit is still noted.
        // Each layer holds only what it uses: a layer's state is cloned for every request.
        .layer(axum::middleware::from_fn_with_state(state.listings.clone(), note_changes))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::middleware::from_fn_with_state(state.in_flight.clone(), admit))
        .layer(axum::middleware::from_fn_with_state(state.cookies(), i18n::choose_language))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("interest-cohort=()"),
        ));
    // Reached over https, the browser is told to never use plain http here again (a year).
    let app = if over_https {
        app.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        app
    };
    app.layer(axum::middleware::from_fn(crate::metrics::record))
        .layer(
            // The span names the route pattern, never the URL: a manage link is a secret.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let route = req.extensions().get::<MatchedPath>().map_or("(unmatched)", |m| m.as_str());
                    let method = crate::metrics::method_label(req.method());
                    tracing::info_span!("request", method, route)
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Answers the request if fewer than `in_flight` are being answered, else at once with the calm
/// 503 and `Retry-After` (overload). The health probes always pass: an orchestrator asks them
/// exactly when the app is busiest.
async fn admit(
    State(in_flight): State<Arc<tokio::sync::Semaphore>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if matches!(req.uri().path(), "/healthz" | "/readyz") {
        return next.run(req).await;
    }
    let Ok(_permit) = in_flight.try_acquire() else {
        tracing::warn!("overloaded: a request was turned away");
        if req.uri().path().starts_with("/api/") {
            return api::overloaded();
        }
        return error::AppError::Overloaded.into_response();
    };
    next.run(req).await
}

/// On an answer to a request that changed nothing the listings show, though it was not
/// refused: signing in, and the way to the sign-in page that any POST without a staff session
/// gets. Anyone can send those: counted as changes, they would empty the listings' reads at will.
#[derive(Clone, Copy)]
pub(crate) struct ChangesNothing;

impl ChangesNothing {
    /// `response`, marked as changing nothing.
    pub(crate) fn mark(mut response: Response) -> Response {
        response.extensions_mut().insert(ChangesNothing);
        response
    }
}

/// [`ChangesNothing::mark`] as a layer (`map_response`) for a route's every answer.
pub(crate) async fn changes_nothing(response: Response) -> Response {
    ChangesNothing::mark(response)
}

/// Ends the public listings' kept reads after a request that may have changed what they show:
/// any method but GET and HEAD that was not refused, nor marked [`ChangesNothing`]. (A refused
/// one changed nothing, and counting it would let anyone empty the listings' reads at will.)
async fn note_changes(
    State(listings): State<Arc<Listings>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let safe = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let response = next.run(req).await;
    let refused = response.status().is_client_error() || response.status().is_server_error();
    if !safe && !refused && response.extensions().get::<ChangesNothing>().is_none() {
        listings.changed();
    }
    response
}

/// How long a request may take before it is answered with a calm 503 (and `Retry-After`).
const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(30);

/// Answers a request that takes too long with the calm 503. The handler runs as a task of its
/// own: neither this limit nor a client that goes away cancels it halfway, so a transaction it
/// began always ends, committed or rolled back, before its connection returns to the pool (a
/// future dropped mid-`BEGIN` handed the next request a connection inside a transaction).
async fn time_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api_path = req.uri().path().starts_with("/api/");
    match tokio::time::timeout(REQUEST_TIME_LIMIT, tokio::spawn(next.run(req))).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            // A panic is caught inside (CatchPanicLayer); this is the runtime shutting down.
            tracing::error!(error = %e, "a request's task ended without an answer");
            error::AppError::Unavailable.into_response()
        }
        Err(_) => {
            tracing::warn!("a request took longer than {} s", REQUEST_TIME_LIMIT.as_secs());
            if api_path {
                return api::timed_out();
            }
            error::AppError::TimedOut.into_response()
        }
    }
}

/// Ids in paths are numbers; anything else names a page that does not exist.
pub(crate) fn parse_id(raw: &str) -> Result<i64, error::AppError> {
    raw.parse().map_err(|_| error::AppError::NotFound)
}

/// Ready when the database answers a connection of the probe's own within two seconds: a
/// busy pool (every connection serving pages) is load, not a database that is down, and an
/// orchestrator must not take every instance out for it.
async fn readyz(State(state): State<AppState>) -> Response {
    let pool = &state.pool;
    if pool.is_closed() {
        // Shutting down: this instance serves no more pages.
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    // Probes within a second share one answer, and one at a time asks the database (each
    // asking opens a connection: a flood of probes must not become a flood of connections).
    let mut last = state.readiness.lock().await;
    let ready = match *last {
        Some((at, ready)) if at.elapsed() < Duration::from_secs(1) => ready,
        _ => {
            let ready = database_answers(pool).await;
            *last = Some((std::time::Instant::now(), ready));
            ready
        }
    };
    if ready {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// Whether the database answers a new connection of its own within two seconds.
async fn database_answers(pool: &PgPool) -> bool {
    let options = pool.connect_options();
    let answer = tokio::time::timeout(Duration::from_secs(2), async {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await?;
        sqlx::query_scalar!("select 1 as ready").fetch_one(&mut conn).await?;
        sqlx::Connection::close(conn).await
    })
    .await;
    match answer {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database not ready");
            false
        }
        Err(_) => {
            tracing::warn!("database did not answer within 2 s");
            false
        }
    }
}

/// The one script: the staff pages' idle warning. Pages work without it.
async fn staff_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/staff.js"),
    )
        .into_response()
}

/// The site's mark for the browser's tab: a disc, no words (a patient's tabs may be seen).
async fn favicon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/x-icon"), (header::CACHE_CONTROL, "public, max-age=86400")],
        &include_bytes!("../../static/favicon.ico")[..],
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;
    use tower::ServiceExt;

    /// The app's layers around two misbehaving handlers (a pool that never connects: no
    /// database is needed to answer these).
    fn dressed() -> Router {
        let pool =
            sqlx::postgres::PgPoolOptions::new().connect_lazy("postgres://nobody@127.0.0.1:1/none").unwrap();
        let state = AppState {
            pool,
            booking: Arc::new(BookingSettings::default()),
            base_url: "https://clinic.example".into(),
            link_key: Arc::from(&b"key"[..]),
            keys: Arc::new(Keys::random()),
            trusted_proxies: Arc::new(TrustedProxies::default()),
            password_checks: Arc::new(tokio::sync::Semaphore::new(1)),
            clock: Clock::System,
            horizon: Horizon::default(),
            sms_token: None,
            in_flight: Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_IN_FLIGHT)),
            readiness: Arc::default(),
            listings: Arc::default(),
        };
        let routes = Router::new()
            .route("/boom", get(|| async { panic!("a bug") as &'static str }))
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(3600)).await }));
        dress(routes, state)
    }

    async fn answer(method: Method, path: &str, lang: &str) -> Response {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap();
        dressed().oneshot(request).await.unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_a_timeout_a_404_and_a_405_are_calm_pages_with_every_security_header() {
        for (method, path, status) in [
            (Method::GET, "/boom", StatusCode::INTERNAL_SERVER_ERROR),
            (Method::GET, "/slow", StatusCode::SERVICE_UNAVAILABLE),
            (Method::GET, "/nowhere", StatusCode::NOT_FOUND),
            (Method::POST, "/boom", StatusCode::METHOD_NOT_ALLOWED),
        ] {
            let r = answer(method.clone(), path, "es").await;
            assert_eq!(r.status(), status, "{method} {path}");
            let h = r.headers();
            assert_eq!(h[header::CACHE_CONTROL], "no-store", "{path}");
            assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{path}");
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
            assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("default-src 'self'"));
            assert_eq!(h[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000", "https: HSTS for a year");
            assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
            if status == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(h[header::RETRY_AFTER], "5");
            }
            let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            let html = String::from_utf8(body.to_vec()).unwrap();
            assert!(html.contains(r#"<html lang="es""#), "in the visitor's language: {path}");
            assert!(!html.contains("a bug"), "no detail leaks");
        }
    }
}
