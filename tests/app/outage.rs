//! The database goes away and comes back: pages and the API answer "try again" (503 with
//! `Retry-After`) within the pool's acquire timeout instead of failing or hanging, and the app
//! recovers by itself once the database returns.

use crate::helpers::{TestApp, booking_json, fresh_migrated_database_url, phone, test_settings};
use groupcare::keys::Keys;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP relay in front of the database that can be switched off (every connection through
/// it cut, new ones refused: the server as good as stopped), frozen (cut, and new ones
/// accepted but never answered: a server hung or locked) and on again.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    frozen: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    /// Connections opened through it so far.
    opened: Arc<std::sync::atomic::AtomicUsize>,
}

/// The `host:port` of a database URL.
fn server_of(url: &str) -> &str {
    let at = url.rfind('@').unwrap();
    let slash = at + url[at..].find('/').unwrap();
    &url[at + 1..slash]
}

impl Relay {
    async fn to(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let frozen = Arc::new(AtomicBool::new(false));
        let (cut, _) = watch::channel(0u64);
        let (accepting, cuts) = (up.clone(), cut.subscribe());
        let hanging = frozen.clone();
        let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = opened.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped at once: refused
                }
                if hanging.load(Ordering::SeqCst) {
                    // Held open, never answered, until the next cut.
                    let mut cuts = cuts.clone();
                    cuts.borrow_and_update();
                    tokio::spawn(async move {
                        let _held = client;
                        let _ = cuts.changed().await;
                    });
                    continue;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let target = target.clone();
                let mut cuts = cuts.clone();
                cuts.borrow_and_update(); // only a cut from now on ends this one
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Relay { port, up, frozen, cut, opened }
    }

    /// A relay in front of the database server of `direct` (a database URL), and the same URL
    /// through it.
    async fn in_front_of(direct: &str) -> (Relay, String) {
        let relay = Relay::to(server_of(direct).to_owned()).await;
        let through = relay.url_for(direct, relay.port);
        (relay, through)
    }

    /// `direct` with its server replaced by 127.0.0.1:`port`.
    fn url_for(&self, direct: &str, port: u16) -> String {
        let at = direct.rfind('@').unwrap();
        let slash = at + direct[at..].find('/').unwrap();
        format!("{}@127.0.0.1:{port}{}", &direct[..at], &direct[slash..])
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn back(&self) {
        self.up.store(true, Ordering::SeqCst);
        self.frozen.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }
}

/// An app on a fresh database, whose every connection goes through a relay the test controls.
async fn app_behind_a_relay() -> (TestApp, Relay) {
    let direct = fresh_migrated_database_url().await;
    // postgres://user@host:port/db → the same through the relay.
    let (relay, through) = Relay::in_front_of(&direct).await;
    (TestApp::spawn_on(through, test_settings(), Keys::random()).await, relay)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_the_database_gone_pages_and_the_api_say_try_again_soon_and_recover_when_it_returns() {
    let (app, relay) = app_behind_a_relay().await;
    let session = app.session_starting_in(chrono::Duration::days(2), 10, 1).await;
    assert_eq!(app.get("/sessions").await.status(), 200);

    relay.down();
    // The listings' last reads are served for up to a second more; past that, they too must
    // ask the database.
    tokio::time::sleep(groupcare::store::listings::FRESH_FOR).await;
    for path in ["/sessions", &format!("/sessions/{session}"), "/api/v1/sessions"] {
        let started = Instant::now();
        let r = app.get(path).await;
        let waited = started.elapsed();
        assert_eq!(r.status(), 503, "{path}");
        assert_eq!(r.headers()["retry-after"], "5", "{path}");
        assert!(waited < Duration::from_millis(3500), "{path} answered after {waited:?}");
        let body = r.text().await.unwrap();
        assert!(body.to_lowercase().contains("try again"), "{path}: {body}");
    }
    let r = app.post_booking(&booking_json(session, &phone(1)), Some("outage-booking-key-0001")).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let (_, es) = app.get_html("/sessions?lang=es").await;
    assert!(es.contains("intente otra vez"), "in the visitor's language");
    assert_eq!(app.get("/readyz").await.status(), 503, "not ready without a database");

    relay.back();
    let back = Instant::now();
    loop {
        let status = app.get("/sessions").await.status();
        if status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still {status} five seconds after the database returned"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Readiness is asked again once its last answer is a second old.
    while app.get("/readyz").await.status() != 200 {
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not ready five seconds after the database returned"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The booking sent during the outage, sent again with its key, is taken once.
    let r = app.post_booking(&booking_json(session, &phone(1)), Some("outage-booking-key-0001")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.count("select count(*) from booking").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_the_database_frozen_many_visitors_at_once_are_each_told_within_the_acquire_timeout() {
    let (app, relay) = app_behind_a_relay().await;
    app.session_starting_in(chrono::Duration::days(2), 10, 1).await;
    assert_eq!(app.get("/sessions").await.status(), 200);

    relay.freeze();
    tokio::time::sleep(groupcare::store::listings::FRESH_FOR).await;
    // They wait for the one read of the listing under way, and share its failure, instead of
    // each trying again after the last (3 s, 6 s, 9 s ...).
    let started = Instant::now();
    let together = futures_util::future::join_all((0..8).map(|_| app.get("/sessions"))).await;
    assert!(together.iter().all(|r| r.status() == 503 && r.headers().contains_key("retry-after")));
    let waited = started.elapsed();
    assert!(waited < Duration::from_millis(4500), "the last was answered after {waited:?}");

    relay.back();
    let back = Instant::now();
    while app.get("/sessions").await.status() != 200 {
        assert!(back.elapsed() < Duration::from_secs(5), "not back five seconds after the database");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every pooled connection busy: pages say "try again" within the acquire timeout, while the
/// readiness probe, on a connection of its own, still reports a healthy database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_pool_is_load_not_an_outage_for_the_readiness_probe() {
    let app = TestApp::spawn().await;
    let mut held = Vec::new();
    for _ in 0..app.pool.options().get_max_connections() {
        held.push(app.pool.acquire().await.unwrap());
    }
    let started = Instant::now();
    let r = app.get("/sessions").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert!(started.elapsed() < Duration::from_millis(3500), "answered after {:?}", started.elapsed());
    for _ in 0..5 {
        assert_eq!(app.get("/readyz").await.status(), 200, "the database is healthy");
    }
    drop(held);
    assert_eq!(app.get("/sessions").await.status(), 200);
}

/// A request whose client gives up while it waits inside a transaction: it still ends (its
/// booking is taken once the wait is over), and the one pooled connection it used serves the
/// next request outside any transaction (what that request writes is committed, seen by others).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_abandoned_inside_a_transaction_leaves_a_clean_connection_for_the_next() {
    let app = TestApp::spawn_with_pool(1).await;
    let session = app.session_starting_in(chrono::Duration::days(2), 10, 1).await;
    // The group's row held elsewhere: the booking waits for it inside its transaction.
    let mut holder = app.owner_pool.begin().await.unwrap();
    sqlx::query("select 1 from session where id = $1 for update")
        .bind(session)
        .execute(&mut *holder)
        .await
        .unwrap();
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap();
    let gave_up = impatient
        .post(app.url("/api/v1/bookings"))
        .header("idempotency-key", "abandoned-request-key-01")
        .json(&booking_json(session, &phone(1)))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client gave up waiting");
    holder.commit().await.unwrap();

    let r = app.post_booking(&booking_json(session, &phone(2)), None).await;
    assert_eq!(r.status(), 201);
    let seen: i64 =
        sqlx::query_scalar("select count(*) from booking").fetch_one(&app.owner_pool).await.unwrap();
    assert_eq!(seen, 2, "both bookings are committed and seen from another connection");
    assert!(!crate::helpers::captured_logs().contains("already a transaction in progress"));
}

/// `groupcare migrate` (and `serve`) with a database `url`, waiting at most `wait_seconds`.
fn command(url: &str, wait_seconds: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_groupcare"));
    command
        .arg("migrate")
        .env("DATABASE_URL", url)
        .env("GROUPCARE_DB_WAIT_SECONDS", wait_seconds)
        .env("GROUPCARE_DATA_DIR", crate::helpers::unused_data_dir())
        .env("RUST_LOG", "warn");
    command
}

/// Started before its database answers, the app says it is waiting and goes on once the
/// database is there; if it never comes, it gives up after the configured time, saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_start_waits_for_a_late_database_and_gives_up_on_one_that_never_comes() {
    let direct = fresh_migrated_database_url().await;
    let (relay, through) = Relay::in_front_of(&direct).await;
    relay.down();
    let late = command(&through, "60").output();
    // Back after the first try's own 3 s have run out.
    let comes_back = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        relay.back();
    };
    let (out, ()) = tokio::join!(late, comes_back);
    let out = out.unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert!(said.contains("waiting for the database at 127.0.0.1"), "{said}");

    let nothing_there = relay.url_for(&direct, relay.port + 1);
    let started = Instant::now();
    let out = command(&nothing_there, "2").output().await.unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success());
    assert!(said.contains("did not answer within 2 s"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(15), "gave up after {:?}", started.elapsed());
}

/// At the limit of requests in flight, one more is turned away at once with 503 and
/// `Retry-After` (a page, or the API's JSON), while the health probes still answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_the_limit_of_requests_in_flight_one_more_is_told_to_try_again_and_health_still_answers() {
    let url = fresh_migrated_database_url().await;
    let app =
        TestApp::spawn_tuned(url, test_settings(), Keys::random(), |state| state.with_max_in_flight(2)).await;
    let session = app.session_starting_in(chrono::Duration::days(2), 10, 1).await;
    // Two bookings in flight, waiting for the group's row held here.
    let mut holder = app.owner_pool.begin().await.unwrap();
    sqlx::query("select 1 from session where id = $1 for update")
        .bind(session)
        .execute(&mut *holder)
        .await
        .unwrap();
    let waiting: Vec<_> = (1..=2)
        .map(|n| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/bookings"));
            tokio::spawn(async move { client.post(url).json(&booking_json(session, &phone(n))).send().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    let page = app.get("/sessions").await;
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(page.text().await.unwrap().contains("try again"));
    let api = app.get("/api/v1/sessions").await;
    assert_eq!(api.status(), 503);
    assert!(api.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert!(started.elapsed() < Duration::from_millis(1000), "turned away at once: {:?}", started.elapsed());
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);

    holder.commit().await.unwrap();
    for w in waiting {
        assert_eq!(w.await.unwrap().unwrap().status(), 201);
    }
    assert_eq!(app.get("/sessions").await.status(), 200, "served again once there is room");
}

/// GROUPCARE_LOG_FORMAT=json: every log line is one JSON object (here, the waiting start's).
#[tokio::test]
async fn json_log_lines_are_one_object_each() {
    let mut command = command("postgres://nobody@127.0.0.1:1/none", "5");
    let out = command.env("GROUPCARE_LOG_FORMAT", "json").output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(!lines.is_empty(), "something was logged");
    for line in lines {
        let object: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(object["level"].is_string() && object["fields"]["message"].is_string(), "{line}");
    }
    assert!(stdout.contains("waiting for the database"));
}

/// A flood of readiness probes is not a flood of database connections: one probe at a time asks
/// (on a connection of its own), and those within a second share its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_readiness_probes_at_once_open_one_database_connection() {
    let (app, relay) = app_behind_a_relay().await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // no answer of an earlier probe to share
    let before = relay.opened.load(Ordering::SeqCst);
    let probes = (0..50).map(|_| app.get("/readyz"));
    for answer in futures_util::future::join_all(probes).await {
        assert_eq!(answer.status(), 200);
    }
    let opened = relay.opened.load(Ordering::SeqCst) - before;
    assert_eq!(opened, 1, "connections opened for 50 probes");
}

/// The database turned read-only under the app (maintenance, or a failover to a standby):
/// whatever would write is told to try again (503 with `Retry-After`, the page in the
/// visitor's words, the API's JSON), not that something broke; reading goes on, and once the
/// database takes writes again, so does the app. The app's connections are cut when the
/// setting changes, so the next ones start under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_gone_read_only_is_a_try_again_for_writes_not_an_error() {
    let app = TestApp::spawn().await;
    let session = app.session_starting_in(chrono::Duration::days(2), 10, 4).await;
    let booked = app.post_booking(&booking_json(session, &phone(1)), None).await;
    assert_eq!(booked.status(), 201);
    let booked: serde_json::Value = booked.json().await.unwrap();
    let manage = format!("/manage/{}", booked["manage_url"].as_str().unwrap().rsplit('/').next().unwrap());
    let read_only = |on: bool| {
        let owner = app.owner_pool.clone();
        async move {
            let setting = match on {
                true => {
                    "do $$ begin execute format('alter database %I set default_transaction_read_only = on', \
                         current_database()); end $$"
                }
                false => {
                    "do $$ begin execute format('alter database %I reset default_transaction_read_only', \
                          current_database()); end $$"
                }
            };
            sqlx::query(setting).execute(&owner).await.unwrap();
            sqlx::query(
                "select pg_terminate_backend(pid) from pg_stat_activity \
                 where datname = current_database() and usename <> current_user",
            )
            .execute(&owner)
            .await
            .unwrap();
        }
    };

    read_only(true).await;
    // The first tries may meet a connection that was cut (also a "try again"); those after
    // meet the read-only database.
    for n in 0..6 {
        let r = app.post_booking(&booking_json(session, &phone(10 + n)), None).await;
        assert_eq!(r.status(), 503, "try {n}");
        assert!(r.headers().contains_key("retry-after"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().to_lowercase().contains("try again"), "{body}");
    }
    let r = app.post_form(&format!("{manage}/cancel?lang=es"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("intente otra vez"), "in the visitor's language");
    assert!(
        crate::helpers::captured_logs().contains("read-only transaction"),
        "the writes met the read-only database, not only cut connections"
    );
    assert_eq!(app.get(&manage).await.status(), 200, "reading goes on");

    read_only(false).await;
    let back = Instant::now();
    loop {
        let status = app.post_form(&format!("{manage}/cancel"), &[("confirm", "yes")]).await.status();
        if status == 303 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still {status} after the database took writes again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status: String =
        sqlx::query_scalar("select status::text from booking").fetch_one(&app.owner_pool).await.unwrap();
    assert_eq!(status, "cancelled");
}

/// A counselor's page for an id nobody has is answered from the catalog kept for the public
/// pages, like a known one: made-up ids cannot send a request to the database each (here,
/// with the database gone, it is still a plain 404, not a "try again").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_made_up_counselor_id_is_not_found_without_asking_the_database() {
    let (app, relay) = app_behind_a_relay().await;
    app.session_starting_in(chrono::Duration::days(2), 10, 1).await;
    let known: i64 = sqlx::query_scalar("select id from counselor").fetch_one(&app.owner_pool).await.unwrap();
    assert_eq!(app.get(&format!("/counselors/{known}")).await.status(), 200);

    relay.down();
    for unknown in [known + 1, known + 1000, 9_007_199_254_740_993] {
        assert_eq!(app.get(&format!("/counselors/{unknown}")).await.status(), 404, "{unknown}");
    }
}

/// The API's longest ranges (up to three months) are kept like the listings' own reads:
/// asked for again within a second, they are answered from what was read (here, with the
/// database gone meanwhile), instead of each going to the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_range_asked_for_again_is_answered_from_the_kept_read() {
    let (app, relay) = app_behind_a_relay().await;
    let far = app.session_starting_in(chrono::Duration::days(60), 10, 1).await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::America::Los_Angeles).date_naive();
    let long = format!("/api/v1/sessions?from={today}&to={}", today + chrono::Duration::days(90));
    let first: serde_json::Value = app.get(&long).await.json().await.unwrap();
    assert_eq!(first[0]["id"], far);

    relay.down();
    let again = app.get(&long).await;
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again[0]["id"], far, "the same groups");
}
