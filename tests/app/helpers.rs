//! The test harness: one PostgreSQL server per test run (a throw-away cluster unless
//! `GROUPCARE_TEST_DATABASE_URL` names one), a fresh database per test migrated by its owner,
//! the real router served over real HTTP as the runtime role (as production should), and
//! every log line the app writes captured for inspection.

use chrono::{DateTime, Duration, Utc};
use groupcare::AppState;
use groupcare::config::BookingSettings;
use groupcare::db::{self, embedded};
use groupcare::domain::Language;
use groupcare::domain::schedule::WeeklySeries;
use groupcare::keys::Keys;
use groupcare::store::catalog::{self, NewClinic, NewCounselor, NewTopic};
use groupcare::store::schedule::{self, NewSeries};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

/// The admin URL of the run's server, without a database name.
struct Server {
    /// `…/` + database name makes a URL.
    base: String,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("GROUPCARE_TEST_DATABASE_URL") {
            let base = url.rsplit_once('/').map(|(b, _)| b.to_owned()).expect("a URL with a database");
            drop_test_databases_when_run_ends(&url);
            return Server { base };
        }
        // Under the system temp folder: every account can reach it, including the one the server
        // runs as when the tests run as root.
        let root = std::env::temp_dir().join(format!("groupcare-test-pg-{}", std::process::id()));
        let cluster = embedded::Cluster::start(&root, embedded::Durability::Throwaway)
            .unwrap_or_else(|e| panic!("the tests' PostgreSQL did not start: {e}"));
        cluster.remove_when_process_ends(std::process::id()).expect("a watcher for the tests' cluster");
        let url = cluster.url("postgres");
        Server { base: url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap() }
    })
}

/// On a server the tests did not start themselves, the databases of this run (and of any
/// earlier run whose process is gone) are dropped once this process ends, by a detached
/// watcher using the server's `psql`.
fn drop_test_databases_when_run_ends(url: &str) {
    let pid = std::process::id();
    // A database of a run still going is left alone: only a finished run's are dropped.
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         psql -X -q -t -A -d \"$URL\" -c \"select datname from pg_database where datname ~ '^t[0-9]+_'\" | \
         while read db; do run=${{db#t}}; run=${{run%%_*}}; \
           kill -0 \"$run\" 2>/dev/null || psql -X -q -d \"$URL\" -c \"drop database if exists \\\"$db\\\" with (force)\"; \
         done"
    );
    let spawned = std::process::Command::new("setsid")
        .args(["sh", "-c", &script])
        .env("URL", url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("the tests' databases on {url} will not be dropped: cannot start a watcher");
    }
}

/// Everything the app logged during this test run, shared by all tests.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        use tracing_subscriber::filter::Targets;
        use tracing_subscriber::prelude::*;
        // Everything the app and sqlx say at debug and above, as the app would print it.
        let filter: Targets = "debug,hyper=info,hyper_util=info,reqwest=info".parse().unwrap();
        let layer =
            tracing_subscriber::fmt::layer().with_ansi(false).with_writer(|| LogSink).with_filter(filter);
        tracing_subscriber::registry().with(layer).init();
    });
}

pub struct TestApp {
    pub base: String,
    /// The app's own pool: the runtime role, which owns nothing and cannot rewrite the audit log.
    pub pool: PgPool,
    /// The database's owner: for a test that plays someone with the owner's powers.
    pub owner_pool: PgPool,
    pub client: reqwest::Client,
    /// The test's database as its owner, for a second app instance on it and for the commands.
    pub database_url: String,
    /// The key file's keys this app (and a second instance) runs with.
    pub keys: Keys,
    /// Set to true to shut the server down (see [`TestApp::shut_down`]).
    stop: tokio::sync::watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// The login role the tests' apps serve as, granted `groupcare_runtime` and nothing else.
pub const RUNTIME_LOGIN: &str = "groupcare_test_app";
const RUNTIME_PASSWORD: &str = "groupcareTestApp";

/// The test database at `owner_url`, connected as [`RUNTIME_LOGIN`].
pub fn runtime_options(owner_url: &str) -> PgConnectOptions {
    PgConnectOptions::from_str(&runtime_url(owner_url)).unwrap()
}

/// The URL of the test database at `owner_url` as [`RUNTIME_LOGIN`] (for the binary).
pub fn runtime_url(owner_url: &str) -> String {
    let (_, server_and_database) = owner_url.split_once('@').expect("a URL with a user");
    format!("postgres://{RUNTIME_LOGIN}:{RUNTIME_PASSWORD}@{server_and_database}")
}

/// Makes the runtime login once per run (the first migration made the role it joins).
async fn ensure_runtime_login(owner_url: &str) {
    static MADE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    MADE.get_or_init(|| async {
        let owner = PgConnectOptions::from_str(owner_url).unwrap();
        db::ensure_runtime_login(&owner, RUNTIME_LOGIN, RUNTIME_PASSWORD).await.unwrap();
    })
    .await;
}

/// Settings for tests: no rate limit unless a test is about it.
pub fn test_settings() -> BookingSettings {
    BookingSettings { rate_per_min: 0, ..BookingSettings::default() }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(test_settings()).await
    }

    pub async fn spawn_with(settings: BookingSettings) -> TestApp {
        TestApp::spawn_on(fresh_migrated_database_url().await, settings, Keys::random()).await
    }

    /// An app on the migrated database at `owner_url`, with `keys` for its key file.
    pub async fn spawn_on(database_url: String, settings: BookingSettings, keys: Keys) -> TestApp {
        TestApp::spawn_tuned(database_url, settings, keys, |state| state).await
    }

    /// An app whose state `tune` adjusts before it serves (trusted proxies, password checks).
    pub async fn spawn_tuned(
        database_url: String,
        settings: BookingSettings,
        keys: Keys,
        tune: impl FnOnce(AppState) -> AppState,
    ) -> TestApp {
        TestApp::spawn_pooled(database_url, 8, settings, keys, tune).await
    }

    /// An app on a new database whose pool holds `connections` connections.
    pub async fn spawn_with_pool(connections: u32) -> TestApp {
        let url = fresh_migrated_database_url().await;
        TestApp::spawn_pooled(url, connections, test_settings(), Keys::random(), |state| state).await
    }

    async fn spawn_pooled(
        database_url: String,
        connections: u32,
        settings: BookingSettings,
        keys: Keys,
        tune: impl FnOnce(AppState) -> AppState,
    ) -> TestApp {
        capture_logs();
        ensure_runtime_login(&database_url).await;
        let owner = PgConnectOptions::from_str(&database_url).unwrap();
        db::grant_connect(&owner, RUNTIME_LOGIN).await.unwrap();
        let owner_pool = db::connect(&database_url, 2).await.unwrap();
        let pool = db::connect_with(runtime_options(&database_url), connections).await.unwrap();
        TestApp::serve(database_url, pool, owner_pool, settings, keys, tune).await
    }

    /// Another app instance on this test's database, with its own pool: as a second server
    /// behind a load balancer would be.
    pub async fn another_instance(&self) -> TestApp {
        let pool = db::connect_with(runtime_options(&self.database_url), 8).await.unwrap();
        let (url, owner_pool, keys) = (self.database_url.clone(), self.owner_pool.clone(), self.keys.clone());
        TestApp::serve(url, pool, owner_pool, test_settings(), keys, |state| state).await
    }

    async fn serve(
        database_url: String,
        pool: PgPool,
        owner_pool: PgPool,
        settings: BookingSettings,
        keys: Keys,
        tune: impl FnOnce(AppState) -> AppState,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let state = tune(AppState::load(pool.clone(), settings, &base, keys.clone()).await.unwrap());
        let app = groupcare::router(state);
        let (stop, mut stopping) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        let server = Some(tokio::spawn(groupcare::web::serving::serve(listener, app, shutdown)));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { base, pool, owner_pool, client, database_url, keys, stop, server }
    }

    /// Shuts the server down as SIGTERM does, and waits for it to finish: how long it took.
    pub async fn shut_down(&mut self) -> std::time::Duration {
        let started = std::time::Instant::now();
        self.stop.send_replace(true);
        self.server.take().expect("a server still running").await.unwrap();
        started.elapsed()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.unwrap()
    }

    pub async fn post_booking(&self, body: &serde_json::Value, key: Option<&str>) -> reqwest::Response {
        let mut req = self.client.post(self.url("/api/v1/bookings")).json(body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        req.send().await.unwrap()
    }

    /// A clinic, a topic and `counselors` counselors leading one session that starts `from_now`
    /// from now, in a room for `room_capacity`. Returns the session's id.
    pub async fn session_starting_in(
        &self,
        from_now: Duration,
        room_capacity: i32,
        counselors: usize,
    ) -> i64 {
        let starts_at = Utc::now() + from_now;
        self.session_at(starts_at, Duration::minutes(90), room_capacity, counselors).await
    }

    pub async fn session_at(
        &self,
        starts_at: DateTime<Utc>,
        duration: Duration,
        room_capacity: i32,
        counselors: usize,
    ) -> i64 {
        let mut conn = self.pool.acquire().await.unwrap();
        let clinic_id = catalog::create_clinic(
            &mut conn,
            &NewClinic {
                name: "Test Valley Clinic",
                short_name: "Test Clinic",
                message_name: "Test Clinic",
                address: "1 Test Way, Riverside, CA 92501",
                phone: "(951) 555-0100",
                time_zone: groupcare::domain::ClinicZone(chrono_tz::America::Los_Angeles),
                hours_en: "Every day",
                hours_es: "Todos los días",
                intake_hours_en: "Weekdays 8 to 4",
                intake_hours_es: "Entre semana de 8 a 4",
                medicare_note_en: "",
                medicare_note_es: "",
            },
        )
        .await
        .unwrap();
        let topic_id = catalog::create_topic(
            &mut conn,
            &NewTopic {
                name_en: "Early recovery",
                name_es: "Recuperación temprana",
                description_en: "For your first months.",
                description_es: "Para tus primeros meses.",
            },
        )
        .await
        .unwrap();
        let mut leads = Vec::new();
        for i in 0..counselors {
            let name = format!("Counselor {i}");
            leads.push(
                catalog::create_counselor(
                    &mut conn,
                    &NewCounselor {
                        name: &name,
                        credentials: "LCSW",
                        bio_en: "Leads groups.",
                        bio_es: "Dirige grupos.",
                        languages: &[Language::En],
                    },
                )
                .await
                .unwrap(),
            );
        }
        let tz = chrono_tz::America::Los_Angeles;
        let local = starts_at.with_timezone(&tz);
        use chrono::Datelike;
        let series = NewSeries {
            clinic_id,
            topic_id,
            language: Language::En,
            schedule: WeeklySeries {
                weekday: local.weekday(),
                local_start: local.time(),
                duration,
                first_date: local.date_naive(),
                last_date: local.date_naive(),
                time_zone: tz,
            },
            room_capacity,
            seats_per_counselor: 12,
            counselor_ids: &leads,
        };
        let series_id = schedule::create_series(&mut conn, &series).await.unwrap();
        schedule::generate_sessions(
            &mut conn,
            series_id,
            &series,
            local.date_naive(),
            local.date_naive(),
            Utc::now(),
        )
        .await
        .unwrap();
        // At the instant asked for, even in the autumn hour that happens twice (a series takes
        // the earlier of the two).
        sqlx::query_scalar(
            "update session set starts_at = $2, ends_at = $3 where series_id = $1 returning id",
        )
        .bind(series_id)
        .bind(starts_at)
        .bind(starts_at + duration)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    }

    /// The clinic of session `session`.
    pub async fn clinic_of(&self, session: i64) -> i64 {
        sqlx::query_scalar("select clinic_id from session where id = $1")
            .bind(session)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// Every group's seat counts, kept on its row by the database, agree with its bookings.
    pub async fn assert_seat_counts_kept(&self) {
        let wrong: Vec<(i64, i32, i32, i64, i64)> = sqlx::query_as(
            "select s.id, s.seats_held, s.places_waiting, c.held, c.waiting from session s
             cross join lateral (select count(*) filter (where booking_holds_seat(b.status)) as held,
                                        count(*) filter (where b.status = 'waitlisted') as waiting
                                 from booking b where b.session_id = s.id) c
             where s.seats_held <> c.held or s.places_waiting <> c.waiting",
        )
        .fetch_all(&self.owner_pool)
        .await
        .unwrap();
        assert!(wrong.is_empty(), "(group, held, waiting kept; held, waiting counted): {wrong:?}");
    }
}

/// The owner's URL of a new database on the run's server, migrated.
pub async fn fresh_migrated_database_url() -> String {
    let url = fresh_database_url().await;
    let owner = db::connect(&url, 1).await.unwrap();
    db::migrate(&owner).await.unwrap();
    owner.close().await;
    url
}

/// The URL of a new, empty database on the run's server.
pub async fn fresh_database_url() -> String {
    let server = server();
    // Named by this run's process, so what it made can be dropped when it ends.
    let name = format!("t{}_{}", std::process::id(), groupcare::tokens::new_request_key());
    embedded::ensure_database(&format!("{}/postgres", server.base), &name).await.unwrap();
    format!("{}/{name}", server.base)
}

/// A data folder no command has used: the commands' key file and checkpoints are never the
/// developer's own (`./var`).
pub fn unused_data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("groupcare-no-data-{}", std::process::id()))
}

/// A booking body for the API, for session `session_id` and phone `phone`.
pub fn booking_json(session_id: i64, phone: &str) -> serde_json::Value {
    serde_json::json!({
        "session_id": session_id,
        "first_name": "Test",
        "last_name": "Person",
        "phone": phone,
        "consent_sms": true,
    })
}

/// The `n`-th of many distinct valid US phone numbers.
pub fn phone(n: usize) -> String {
    format!("(909) 555-{:04}", n % 10_000)
}

/// The public pages every visitor can reach without a link of their own: the home page, the
/// listing, a group's page, the counselors, one counselor's page, the privacy notice and the
/// app's 404.
pub fn public_paths(session: i64, counselor: i64) -> Vec<String> {
    vec![
        "/".to_owned(),
        "/sessions".to_owned(),
        format!("/sessions/{session}"),
        "/counselors".to_owned(),
        format!("/counselors/{counselor}"),
        "/privacy".to_owned(),
        "/no-such-page".to_owned(),
    ]
}
