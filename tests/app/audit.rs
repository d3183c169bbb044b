//! The audit log: append-only in the database itself, chained so tampering shows.

use crate::helpers::{TestApp, fresh_database_url};
use chrono::Utc;
use groupcare::store::audit::{self, AuditEntry};
use std::process::Command;

async fn write_entries(app: &TestApp, n: i64) {
    let mut conn = app.pool.acquire().await.unwrap();
    for i in 0..n {
        let entry = AuditEntry {
            actor_staff_id: Some(7),
            action: "view_booking",
            record_type: Some("booking"),
            record_id: Some(100 + i),
            client_addr: Some("127.0.0.1"),
        };
        audit::record(&mut conn, &entry, Utc::now()).await.unwrap();
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_audit_rows() {
    let app = TestApp::spawn().await;
    write_entries(&app, 2).await;
    for sql in ["update audit_log set action = 'nothing'", "delete from audit_log", "truncate audit_log"] {
        let err = sqlx::query(sql).execute(&app.pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(app.count("select count(*) from audit_log").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_written_at_once_form_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let writers = (0..8).map(|_| {
        let app = &app;
        async move { write_entries(app, 5).await }
    });
    futures_util::future::join_all(writers).await;
    let intact = audit::verify(&mut app.pool.acquire().await.unwrap()).await.unwrap();
    assert_eq!(intact, Ok(40));
}

#[tokio::test]
async fn a_row_altered_behind_the_apps_back_is_found_by_audit_verify() {
    let app = TestApp::spawn().await;
    write_entries(&app, 5).await;
    let target: i64 =
        sqlx::query_scalar("select id from audit_log where seq = 3").fetch_one(&app.pool).await.unwrap();

    // Someone with the database's own powers switches the guard off and edits a row.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_no_update").execute(&mut *tx).await.unwrap();
    sqlx::query("update audit_log set record_id = 999 where id = $1")
        .bind(target)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_no_update").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    let found = audit::verify(&mut app.pool.acquire().await.unwrap()).await.unwrap();
    assert_eq!(found.unwrap_err().id, target);
}

#[tokio::test]
async fn the_verify_command_exits_zero_on_an_intact_chain_and_names_the_first_broken_row() {
    let url = fresh_database_url().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_groupcare"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let pool = groupcare::db::connect(&url, 2).await.unwrap();
    let entry = AuditEntry {
        actor_staff_id: None,
        action: "login_failed",
        record_type: None,
        record_id: None,
        client_addr: None,
    };
    for _ in 0..3 {
        audit::record(&mut pool.acquire().await.unwrap(), &entry, Utc::now()).await.unwrap();
    }
    let ok = run(&["audit", "verify"]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact: 3 rows"));

    let second: i64 =
        sqlx::query_scalar("select id from audit_log where seq = 2").fetch_one(&pool).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_no_update").execute(&mut *tx).await.unwrap();
    sqlx::query("delete from audit_log where id = $1").bind(second).execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_no_update").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    let broken = run(&["audit", "verify"]);
    assert!(!broken.status.success());
    let said = String::from_utf8_lossy(&broken.stderr);
    let third: i64 =
        sqlx::query_scalar("select id from audit_log where seq = 3").fetch_one(&pool).await.unwrap();
    assert!(said.contains(&format!("row id {third}")), "the row after the removed one: {said}");
}
