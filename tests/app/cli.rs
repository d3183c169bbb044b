//! The command line of the public contract, against a server named by DATABASE_URL.

use crate::helpers::{fresh_database_url, unused_data_dir};
use std::process::{Command, Output};

fn groupcare(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_groupcare"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("GROUPCARE_DATA_DIR", unused_data_dir())
        .env("RUST_LOG", "warn")
        .env("GROUPCARE_DEMO_PASSWORD", "demo password for tests")
        .output()
        .unwrap()
}

#[tokio::test]
async fn migrate_and_seed_demo_work_on_a_named_server_and_seeding_twice_changes_nothing() {
    let url = fresh_database_url().await;
    let migrate = groupcare(&["migrate"], &url);
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    assert_eq!(String::from_utf8_lossy(&migrate.stdout).trim(), "migrations applied");

    let seed = groupcare(&["seed", "--demo"], &url);
    assert!(seed.status.success());
    let said = String::from_utf8_lossy(&seed.stdout);
    assert!(said.contains("demo data created") && said.contains("counselor2@demo.groupcare"), "{said}");
    assert!(said.contains("the one in GROUPCARE_DEMO_PASSWORD"));
    let again = groupcare(&["seed", "--demo"], &url);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already present"));

    let pool = groupcare::db::connect(&url, 1).await.unwrap();
    let clinics: i64 = sqlx::query_scalar("select count(*) from clinic").fetch_one(&pool).await.unwrap();
    assert_eq!(clinics, 3);
}

#[tokio::test]
async fn an_unknown_command_prints_the_usage_and_fails() {
    let out = groupcare(&["frobnicate"], "postgres://unused");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: groupcare"));
}

fn staff_add(args: &[&str], password: &str, database_url: &str) -> Output {
    with_password(&[&["staff", "add"], args].concat(), password, database_url)
}

/// Runs the command with `password` (and a newline) on its standard input.
fn with_password(args: &[&str], password: &str, database_url: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_groupcare"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("GROUPCARE_DATA_DIR", unused_data_dir())
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused for its arguments exits before reading: a broken pipe is fine then.
    let _ = child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes());
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn staff_add_reads_the_password_from_standard_input_and_checks_the_account() {
    let url = fresh_database_url().await;
    assert!(groupcare(&["seed", "--demo"], &url).status.success());
    let pool = groupcare::db::connect(&url, 1).await.unwrap();
    let counselor: i64 = sqlx::query_scalar("select min(id) from counselor").fetch_one(&pool).await.unwrap();

    let made = staff_add(
        &["--email", "new.intake@clinic.test", "--role", "intake", "--clinic", "1", "--clinic", "2"],
        "a good long password",
        &url,
    );
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let hash: String =
        sqlx::query_scalar("select password_hash from staff where email = 'new.intake@clinic.test'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(groupcare::domain::staff::verify_password("a good long password", &hash));
    let clinics: i64 = sqlx::query_scalar("select count(*) from staff_clinic sc join staff s on s.id = sc.staff_id where s.email = 'new.intake@clinic.test'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(clinics, 2);

    let counselor_arg = counselor.to_string();
    let refusals = [
        (vec!["--email", "x@clinic.test", "--role", "admin"], "short", "12 to 200 characters"),
        (
            vec!["--email", "new.intake@clinic.test", "--role", "admin"],
            "a good long password",
            "exists already",
        ),
        (
            vec!["--email", "c@clinic.test", "--role", "counselor"],
            "a good long password",
            "needs --counselor",
        ),
        (
            vec!["--email", "c@clinic.test", "--role", "admin", "--counselor", &counselor_arg],
            "a good long password",
            "needs --counselor",
        ),
        (
            vec!["--email", "c@clinic.test", "--role", "counselor", "--counselor", "424242"],
            "a good long password",
            "no counselor or clinic",
        ),
        (vec!["--email", "not-an-email", "--role", "admin"], "a good long password", "not an e-mail"),
        (vec!["--email", "c@clinic.test", "--role", "janitor"], "a good long password", "unknown role"),
    ];
    for (args, password, words) in refusals {
        let out = staff_add(&args, password, &url);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(words),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let made = staff_add(
        &["--email", "c@clinic.test", "--role", "counselor", "--counselor", &counselor_arg],
        "a good long password",
        &url,
    );
    assert!(made.status.success());
}

#[tokio::test]
async fn staff_password_sets_a_new_password_from_standard_input_and_ends_the_accounts_sign_ins() {
    let url = fresh_database_url().await;
    assert!(groupcare(&["seed", "--demo"], &url).status.success());
    let pool = groupcare::db::connect(&url, 1).await.unwrap();
    let admin: i64 = sqlx::query_scalar("select id from staff where email = 'admin@demo.groupcare'")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("insert into staff_session (token_hash, staff_id, csrf_token, created_at, last_seen_at) values ('\\x01', $1, 'x', now(), now())")
        .bind(admin)
        .execute(&pool)
        .await
        .unwrap();

    // The e-mail as someone would type it.
    let out = with_password(
        &["staff", "password", "--email", "Admin@Demo.Groupcare"],
        "a brand new password",
        &url,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hash: String = sqlx::query_scalar("select password_hash from staff where id = $1")
        .bind(admin)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(groupcare::domain::staff::verify_password("a brand new password", &hash));
    assert!(!groupcare::domain::staff::verify_password("demo password for tests", &hash));
    let signed_in: i64 = sqlx::query_scalar("select count(*) from staff_session where staff_id = $1")
        .bind(admin)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(signed_in, 0, "the account's sign-ins are ended");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'staff_password_reset' and record_id = $1 and actor_staff_id is null",
    )
    .bind(admin)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    for (email, password, words) in [
        ("nobody@demo.groupcare", "a brand new password", "no staff account"),
        ("admin@demo.groupcare", "short", "12 to 200 characters"),
        ("not-an-email", "a brand new password", "not an e-mail"),
    ] {
        let out = with_password(&["staff", "password", "--email", email], password, &url);
        assert!(!out.status.success(), "{email}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(words),
            "{email}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let unchanged: String = sqlx::query_scalar("select password_hash from staff where id = $1")
        .bind(admin)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(unchanged, hash, "a refused change changes nothing");
}
