//! The command line of the public contract, against a server named by DATABASE_URL.

use crate::helpers::fresh_database_url;
use std::process::{Command, Output};

fn groupcare(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_groupcare"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn migrate_and_seed_demo_work_on_a_named_server_and_seeding_twice_changes_nothing() {
    let url = fresh_database_url().await;
    let migrate = groupcare(&["migrate"], &url);
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&migrate.stdout).trim(),
        "migrations applied"
    );

    let seed = groupcare(&["seed", "--demo"], &url);
    assert!(seed.status.success());
    assert_eq!(String::from_utf8_lossy(&seed.stdout).trim(), "demo data created");
    let again = groupcare(&["seed", "--demo"], &url);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already present"));

    let pool = groupcare::db::connect(&url, 1).await.unwrap();
    let clinics: i64 = sqlx::query_scalar("select count(*) from clinic")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(clinics, 3);
}

#[tokio::test]
async fn an_unknown_command_prints_the_usage_and_fails() {
    let out = groupcare(&["frobnicate"], "postgres://unused");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: groupcare"));
}
