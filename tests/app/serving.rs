//! `groupcare serve` and the commands around it, as an operator runs them: two database
//! identities (the owner migrates, the app serves as a role granted `groupcare_runtime`); the
//! audit chain held against signed checkpoints outside the database, so a tail the owner cuts
//! shows in `audit verify`; and demo logins never served on an address others can reach.

use crate::helpers::{TestApp, fresh_database_url, runtime_url};
use groupcare::keys::Keys;
use groupcare::store::audit::{self, AuditEntry};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A folder of its own for a command's key file and checkpoints, removed at the end.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> DataDir {
        let dir =
            std::env::temp_dir().join(format!("groupcare-data-{}", groupcare::tokens::new_request_key()));
        std::fs::create_dir_all(&dir).unwrap();
        DataDir(dir)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn groupcare(args: &[&str], data: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_groupcare"));
    command
        .args(args)
        .env_remove("GROUPCARE_MIGRATE_DATABASE_URL")
        .env("GROUPCARE_DATA_DIR", data)
        .env("RUST_LOG", "info,sqlx=warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    command
}

fn run(args: &[&str], data: &Path, env: &[(&str, &str)]) -> Output {
    groupcare(args, data, env).output().unwrap()
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `groupcare serve` until ready; its output goes to a file in `data`.
struct Serving {
    child: Child,
    log: PathBuf,
    /// `http://127.0.0.1:{port}`.
    base: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    async fn start(data: &Path, env: &[(&str, &str)]) -> Serving {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = data.join("serve.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = groupcare(&["serve"], data, env)
            .env("GROUPCARE_BIND", format!("127.0.0.1:{port}"))
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut serving = Serving { child, log, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/readyz", serving.base)).await
                && r.status() == 200
            {
                return serving;
            }
            if let Ok(Some(status)) = serving.child.try_wait() {
                panic!("serve exited ({status}): {}", std::fs::read_to_string(&serving.log).unwrap());
            }
            assert!(Instant::now() < deadline, "serve did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, a clean exit, and everything it logged.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap();
        assert!(status.success(), "a clean exit on SIGTERM: {status}\n{log}");
        log
    }
}

#[tokio::test]
async fn the_runtime_role_refuses_an_unmigrated_database_and_serves_once_the_owner_migrated_it() {
    // The runtime login exists once an app of this run has started.
    TestApp::spawn().await;
    let owner = fresh_database_url().await;
    let runtime = runtime_url(&owner);
    let data = DataDir::new();

    let refused = run(&["serve"], &data.0, &[("DATABASE_URL", &runtime)]);
    assert!(!refused.status.success());
    let text = said(&refused);
    assert!(
        text.contains("lacks migrations 1, 2") && text.contains("GROUPCARE_MIGRATE_DATABASE_URL"),
        "a clear message: {text}"
    );

    // `migrate` uses the owner when one is named, even beside a runtime DATABASE_URL.
    let migrated =
        run(&["migrate"], &data.0, &[("DATABASE_URL", &runtime), ("GROUPCARE_MIGRATE_DATABASE_URL", &owner)]);
    assert!(migrated.status.success(), "{}", said(&migrated));

    // The migrated database is closed to every login not granted it by name.
    let closed = run(&["serve"], &data.0, &[("DATABASE_URL", &runtime)]);
    assert!(
        !closed.status.success() && said(&closed).contains("GRANT CONNECT ON DATABASE"),
        "{}",
        said(&closed)
    );
    open_to_runtime_login(&owner).await;

    let serving = Serving::start(&data.0, &[("DATABASE_URL", &runtime)]).await;
    let log = serving.stop();
    assert!(!log.contains("owner or a superuser"), "no warning as the runtime role: {log}");
    let key = std::fs::metadata(data.0.join("secret.key")).expect("a key file made on first start");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o777, 0o600);

    // The key file moved away: the app refuses rather than make a new one beside sealed secrets.
    let moved = DataDir::new();
    let refused = run(&["serve"], &moved.0, &[("DATABASE_URL", &runtime)]);
    assert!(!refused.status.success());
    assert!(said(&refused).contains("sealed with one: point GROUPCARE_KEY_FILE"), "{}", said(&refused));
    assert!(!moved.0.join("secret.key").exists(), "no stray key left behind");
}

/// What an operator does once per database: let the serving login connect to it.
async fn open_to_runtime_login(owner_url: &str) {
    let owner = std::str::FromStr::from_str(owner_url).unwrap();
    groupcare::db::grant_connect(&owner, crate::helpers::RUNTIME_LOGIN).await.unwrap();
}

#[tokio::test]
async fn a_runtime_login_cannot_reach_another_programs_database_on_the_same_server() {
    // The tests' runtime login serves every test database it was granted: this one among them.
    let app = TestApp::spawn().await;
    assert!(groupcare::db::connect_with(crate::helpers::runtime_options(&app.database_url), 1).await.is_ok());
    // Another program's database on this server, never opened to this login.
    let stranger = crate::helpers::fresh_migrated_database_url().await;
    let reached = groupcare::db::connect_with(crate::helpers::runtime_options(&stranger), 1).await;
    let refused = reached.expect_err("refused").to_string();
    assert!(refused.contains("permission denied for database"), "{refused}");
}

/// A database as an operator sets one up: migrated by its owner with `groupcare migrate`,
/// opened to the runtime login, and a data folder of its own for the key and checkpoints.
struct Deployment {
    owner: String,
    runtime: String,
    data: DataDir,
}

impl Deployment {
    async fn migrated() -> Deployment {
        TestApp::spawn().await; // the runtime login exists once an app of this run has started
        let owner = fresh_database_url().await;
        let runtime = runtime_url(&owner);
        let data = DataDir::new();
        let env = [("DATABASE_URL", runtime.as_str()), ("GROUPCARE_MIGRATE_DATABASE_URL", owner.as_str())];
        assert!(run(&["migrate"], &data.0, &env).status.success());
        open_to_runtime_login(&owner).await;
        Deployment { owner, runtime, data }
    }
}

/// Entries as the app writes them, sealed with the key file in `data` (made if missing).
async fn write_entries(url: &str, data: &Path, n: usize) {
    let keys = Keys::load_or_create(&data.join("secret.key")).unwrap();
    let pool = groupcare::db::connect(url, 1).await.unwrap();
    let entry = AuditEntry {
        actor_staff_id: Some(1),
        action: groupcare::domain::audit::AuditAction::ViewBooking,
        record_type: Some(groupcare::domain::audit::RecordType::Booking),
        record_id: Some(9),
        client_addr: None,
    };
    for _ in 0..n {
        audit::record(&mut pool.acquire().await.unwrap(), &keys, &entry).await.unwrap();
    }
}

#[tokio::test]
async fn a_tail_cut_by_the_owner_makes_audit_verify_fail_against_the_signed_checkpoint() {
    let Deployment { owner, runtime, data } = Deployment::migrated().await;
    let env = [("DATABASE_URL", runtime.as_str()), ("GROUPCARE_MIGRATE_DATABASE_URL", owner.as_str())];
    write_entries(&runtime, &data.0, 5).await;
    // The app appends a signed checkpoint at shutdown (and every five minutes while it runs).
    Serving::start(&data.0, &env).await.stop();
    let checkpoints = std::fs::read_to_string(data.0.join("audit-checkpoints")).unwrap();
    assert!(checkpoints.starts_with("v1 seq=5 hash="), "{checkpoints}");

    let intact = run(&["audit", "verify"], &data.0, &env);
    assert!(intact.status.success(), "{}", said(&intact));
    assert!(said(&intact).contains("intact: 5 rows; it reaches the newest signed checkpoint (position 5"));

    // The owner switches the guard off and cuts the last two rows: the chain left is whole.
    let pool = groupcare::db::connect(&owner, 1).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_no_update").execute(&mut *tx).await.unwrap();
    sqlx::query("delete from audit_log where seq > 3").execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_no_update").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        audit::verify(&mut pool.acquire().await.unwrap()).await.unwrap(),
        Ok(3),
        "the chain alone looks fine"
    );

    let cut = run(&["audit", "verify"], &data.0, &env);
    assert!(!cut.status.success());
    assert!(
        said(&cut).contains("rows were cut from the end: the chain ends at position 3")
            && said(&cut).contains("saw position 5"),
        "{}",
        said(&cut)
    );

    // Rows written again in their place (a chain rebuilt to the same length) differ from it.
    write_entries(&runtime, &data.0, 2).await;
    let rebuilt = run(&["audit", "verify"], &data.0, &env);
    assert!(!rebuilt.status.success());
    assert!(said(&rebuilt).contains("the row at position 5 differs"), "{}", said(&rebuilt));

    // And the checkpoints themselves cannot be edited to match.
    let forged = checkpoints.replace("seq=5", "seq=3");
    std::fs::write(data.0.join("audit-checkpoints"), forged).unwrap();
    let edited = run(&["audit", "verify"], &data.0, &env);
    assert!(!edited.status.success());
    assert!(
        said(&edited).contains("checkpoint line 1 is not signed with this key file"),
        "{}",
        said(&edited)
    );
}

#[tokio::test]
async fn demo_logins_are_never_served_on_an_address_others_can_reach() {
    let owner = fresh_database_url().await;
    let data = DataDir::new();
    let env = [("DATABASE_URL", owner.as_str()), ("GROUPCARE_DEMO_PASSWORD", "demo password for tests")];
    assert!(run(&["seed", "--demo"], &data.0, &env).status.success());

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public = format!("0.0.0.0:{port}");
    let refused = run(&["serve"], &data.0, &[env[0], ("GROUPCARE_BIND", &public)]);
    assert!(!refused.status.success());
    assert!(said(&refused).contains("groupcare demo remove-logins"), "{}", said(&refused));
    // On the loopback address the demo serves as before.
    Serving::start(&data.0, &env).await.stop();

    let removed = run(&["demo", "remove-logins"], &data.0, &env);
    assert!(said(&removed).contains("4 demo login(s) deactivated"), "{}", said(&removed));
    let pool = groupcare::db::connect(&owner, 1).await.unwrap();
    let required: String =
        sqlx::query_scalar("select value from app_setting where name = 'require_second_factor'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(required, "true", "the demo had turned the second factor off; it is required again");
    let mut serving = groupcare(&["serve"], &data.0, &[env[0], ("GROUPCARE_BIND", &public)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(serving.try_wait().unwrap().is_none(), "serve stopped although no demo login is left");
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    serving.kill().unwrap();
    serving.wait().unwrap();
}

#[tokio::test]
async fn rows_rewritten_after_the_newest_checkpoint_lack_the_apps_seal_and_the_app_will_not_sign_them() {
    let Deployment { owner, runtime, data } = Deployment::migrated().await;
    let env = [("DATABASE_URL", runtime.as_str()), ("GROUPCARE_MIGRATE_DATABASE_URL", owner.as_str())];
    write_entries(&runtime, &data.0, 3).await;
    Serving::start(&data.0, &env).await.stop(); // a signed checkpoint at position 3
    write_entries(&runtime, &data.0, 3).await; // 4 to 6, sealed as the app seals them

    // The owner rewrites row 5 and recomputes the chain after it: the chain alone is whole.
    let pool = groupcare::db::connect(&owner, 1).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    for sql in [
        "alter table audit_log disable trigger audit_log_no_update",
        "update audit_log set record_id = 999, client_addr = '203.0.113.66' where seq = 5",
        "update audit_log set hash = audit_row_digest(prev_hash, seq, at, actor_staff_id, action, record_type, \
         record_id, client_addr, record_ids) where seq = 5",
        "update audit_log set prev_hash = (select hash from audit_log where seq = 5) where seq = 6",
        "update audit_log set hash = audit_row_digest(prev_hash, seq, at, actor_staff_id, action, record_type, \
         record_id, client_addr, record_ids) where seq = 6",
        "alter table audit_log enable trigger audit_log_no_update",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(audit::verify(&mut pool.acquire().await.unwrap()).await.unwrap(), Ok(6));

    let rewritten = run(&["audit", "verify"], &data.0, &env);
    assert!(!rewritten.status.success());
    assert!(said(&rewritten).contains("position 5 does not carry the app's seal"), "{}", said(&rewritten));

    // Nor does the app put its signature under the rewritten rows.
    let keys = Keys::load(&data.0.join("secret.key")).unwrap();
    let app_pool = groupcare::db::connect(&runtime, 1).await.unwrap();
    let refused =
        groupcare::jobs::audit_checkpoints::append(&app_pool, &keys, &data.0.join("audit-checkpoints"))
            .await
            .expect_err("refused");
    assert!(refused.contains("refusing to sign") && refused.contains("position 5"), "{refused}");
    let file = std::fs::read_to_string(data.0.join("audit-checkpoints")).unwrap();
    assert_eq!(file.lines().count(), 1, "no checkpoint of the rewritten chain: {file}");
}

/// The backup of docs/DEPLOY.md, done for real: `pg_dump` of a database in use, restored into a
/// fresh database, holds the same rows, and `audit verify` finds the chain intact there and
/// reaching the signed checkpoint (the key file and checkpoints are backed up beside it).
#[tokio::test]
async fn a_backup_restored_into_a_fresh_database_has_the_same_rows_and_an_intact_audit_chain() {
    let Deployment { owner, runtime, data } = Deployment::migrated().await;
    let env = [("DATABASE_URL", runtime.as_str()), ("GROUPCARE_DEMO_PASSWORD", "backup test demo password")];
    assert!(run(&["seed", "--demo"], &data.0, &env).status.success());
    write_entries(&runtime, &data.0, 5).await;
    Serving::start(&data.0, &env).await.stop();

    let bin = pgcluster::find_server_binaries().expect("the PostgreSQL binaries");
    let dump = data.0.join("groupcare.dump");
    let dumped = Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&owner)
        .output()
        .unwrap();
    assert!(dumped.status.success(), "{}", said(&dumped));
    let restored = fresh_database_url().await;
    let restore = Command::new(bin.join("pg_restore"))
        .args(["--exit-on-error", "--dbname", &restored])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(restore.status.success(), "{}", said(&restore));

    let counts = |url: String| async move {
        let pool = groupcare::db::connect(&url, 1).await.unwrap();
        // Every table's row count in one static query (query_to_xml runs the count per table).
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "select table_name::text, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I', \
             table_name), false, true, '')))[1]::text::bigint from information_schema.tables \
             where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        counts
    };
    let (before, after) = (counts(owner.clone()).await, counts(restored.clone()).await);
    assert!(before.iter().any(|(t, n)| t == "session" && *n > 0), "{before:?}");
    assert_eq!(before, after);

    open_to_runtime_login(&restored).await;
    let restored_runtime = runtime_url(&restored);
    let verify = run(&["audit", "verify"], &data.0, &[("DATABASE_URL", restored_runtime.as_str())]);
    assert!(verify.status.success(), "{}", said(&verify));
    assert!(said(&verify).contains("intact"), "{}", said(&verify));
}

/// A clinic names the site: every page's header and tab title say its name, in each language,
/// and the demo's name is gone. A Spanish name without the English one stops the start.
#[tokio::test]
async fn the_deployment_names_the_site_in_each_language() {
    let url = crate::helpers::fresh_migrated_database_url().await;
    let data = DataDir::new();
    let refused = run(&["serve"], &data.0, &[("DATABASE_URL", &url), ("GROUPCARE_SITE_NAME_ES", "Grupos")]);
    assert!(!refused.status.success(), "{}", said(&refused));
    assert!(
        said(&refused).contains("GROUPCARE_SITE_NAME_ES needs GROUPCARE_SITE_NAME"),
        "{}",
        said(&refused)
    );

    let named =
        [("GROUPCARE_SITE_NAME", "Riverside Groups"), ("GROUPCARE_SITE_NAME_ES", "Grupos de Riverside")];
    let serving = Serving::start(&data.0, &[&[("DATABASE_URL", url.as_str())], &named[..]].concat()).await;
    for (lang, name) in [("en", "Riverside Groups"), ("es", "Grupos de Riverside")] {
        let page = reqwest::get(format!("{}/privacy?lang={lang}", serving.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(&format!("· {name}</title>")), "{lang}: {page}");
        assert!(page.contains(&format!(r#"<a class="brand" href="/">{name}</a>"#)), "{lang}: {page}");
        assert!(!page.contains("Inland Valley"), "{lang}: {page}");
    }
    serving.stop();
}
