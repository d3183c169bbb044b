//! The binary on its embedded default: a private PostgreSQL under the data folder, started,
//! seeded, stopped with the app, reused by the next start, and recovered after a crash.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct RunningApp {
    child: Child,
    base: String,
}

/// A failed test must not leave the app running.
impl Drop for RunningApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops the cluster's server if a failed test left it running, and removes its folder.
struct Cleanup {
    data_dir: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(pid) = postmaster_pid(&self.data_dir) {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            std::thread::sleep(Duration::from_secs(1));
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn postmaster_pid(data_dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data_dir.join("pg/data/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// The child is handed back inside RunningApp, which waits for it when stopped or dropped.
#[allow(clippy::zombie_processes)]
async fn start(data_dir: &Path) -> RunningApp {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_groupcare"))
        .env_remove("DATABASE_URL")
        .env("GROUPCARE_DATA_DIR", data_dir)
        .env("GROUPCARE_BIND", format!("127.0.0.1:{port}"))
        .env("GROUPCARE_BOOKING_RATE_PER_MIN", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == 200
        {
            return RunningApp { child, base };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the app did not become ready");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn stop(mut app: RunningApp) {
    let pid = app.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = app.child.wait().unwrap();
    assert!(status.success(), "a clean exit on SIGTERM: {status}");
}

async fn first_session(base: &str) -> Value {
    let list: Vec<Value> =
        reqwest::get(format!("{base}/api/v1/sessions")).await.unwrap().json().await.unwrap();
    assert!(!list.is_empty(), "demo sessions are listed");
    list.into_iter().find(|s| s["status"] == "open").expect("an open demo session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_database_starts_seeds_stops_restarts_and_survives_a_crash() {
    let data_dir = std::env::temp_dir().join(format!("groupcare-test-embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let _cleanup = Cleanup { data_dir: data_dir.clone() };

    // First start: a new cluster, migrated and seeded.
    let app = start(&data_dir).await;
    let session = first_session(&app.base).await;
    // The weekly groups are scheduled twelve weeks ahead by the job that runs at start.
    let today = chrono::Utc::now().date_naive();
    let week_twelve = format!(
        "{}/api/v1/sessions?from={}&to={}",
        app.base,
        today + chrono::Duration::days(78),
        today + chrono::Duration::days(84)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list: Vec<Value> = reqwest::get(&week_twelve).await.unwrap().json().await.unwrap();
        if !list.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "no demo groups twelve weeks ahead");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let client = reqwest::Client::new();
    let booked = client
        .post(format!("{}/api/v1/bookings", app.base))
        .json(&serde_json::json!({"session_id": session["id"], "first_name": "A", "last_name": "B", "phone": "(909) 555-0100"}))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    // It migrated as the cluster's owner, but serves as a login of groupcare_runtime.
    let owner = format!(
        "postgres://groupcare:{}@127.0.0.1:{}/groupcare",
        std::fs::read_to_string(data_dir.join("pg/password")).unwrap().trim(),
        std::fs::read_to_string(data_dir.join("pg/port")).unwrap().trim()
    );
    let pool = groupcare::db::connect(&owner, 1).await.unwrap();
    let serving_as: Vec<String> = sqlx::query_scalar(
        "select distinct usename::text from pg_stat_activity \
         where datname = 'groupcare' and pid <> pg_backend_pid() and usename is not null",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(serving_as, ["groupcare_app"]);
    let is_runtime: bool = sqlx::query_scalar(
        "select pg_has_role('groupcare_app', 'groupcare_runtime', 'MEMBER') \
             and not (select rolsuper from pg_roles where rolname = 'groupcare_app')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(is_runtime);
    pool.close().await;
    let second = Command::new(env!("CARGO_BIN_EXE_groupcare"))
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env("GROUPCARE_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    assert!(!second.status.success(), "a second app on the same folder is refused");
    assert!(String::from_utf8_lossy(&second.stderr).contains("another groupcare process"));
    first_session(&app.base).await; // and the first one keeps its database
    stop(app);
    assert_eq!(postmaster_pid(&data_dir), None, "the cluster stops with the app");
    // Its key file and checkpoint file live in the data folder (no staff action yet: no entry
    // to check).
    assert!(data_dir.join("secret.key").exists() && data_dir.join("audit-checkpoints").exists());

    // Second start: the same cluster and its data.
    let app = start(&data_dir).await;
    let list: Vec<Value> =
        reqwest::get(format!("{}/api/v1/sessions", app.base)).await.unwrap().json().await.unwrap();
    let same = list.iter().find(|s| s["id"] == session["id"]).unwrap();
    assert_eq!(same["seats_left"].as_i64().unwrap(), session["seats_left"].as_i64().unwrap() - 1);

    // A crash: the app is killed and its database server left running.
    let mut crashed = app;
    crashed.child.kill().unwrap();
    crashed.child.wait().unwrap();
    assert!(postmaster_pid(&data_dir).is_some(), "the orphaned server is still there");
    let app = start(&data_dir).await;
    first_session(&app.base).await;
    stop(app);

    // A stale lock file from a server that no longer exists.
    std::fs::write(data_dir.join("pg/data/postmaster.pid"), "999999\n").unwrap();
    let app = start(&data_dir).await;
    first_session(&app.base).await;
    stop(app);
}
