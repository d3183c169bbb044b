//! The audit log: append-only in the database itself, chained so tampering shows.

use crate::helpers::{TestApp, fresh_database_url};
use groupcare::store::audit::{self, AuditEntry};
use std::process::Command;

async fn write_entries(app: &TestApp, n: i64) {
    let mut conn = app.pool.acquire().await.unwrap();
    for i in 0..n {
        let entry = AuditEntry {
            actor_staff_id: Some(7),
            action: groupcare::domain::audit::AuditAction::ViewBooking,
            record_type: Some(groupcare::domain::audit::RecordType::Booking),
            record_id: Some(100 + i),
            client_addr: Some("127.0.0.1"),
        };
        audit::record(&mut conn, &app.keys, &entry).await.unwrap();
    }
}

#[tokio::test]
async fn the_role_the_app_serves_as_can_only_read_and_append_the_audit_log() {
    let app = TestApp::spawn().await;
    write_entries(&app, 2).await; // as the app writes them: its own pool, the runtime role
    let role: String = sqlx::query_scalar("select current_user::text").fetch_one(&app.pool).await.unwrap();
    assert_eq!(role, crate::helpers::RUNTIME_LOGIN);
    for sql in [
        "update audit_log set action = 'nothing'",
        "delete from audit_log",
        "truncate audit_log",
        "alter table audit_log disable trigger audit_log_no_update",
        "alter table audit_log disable trigger all",
        "drop trigger audit_log_no_update on audit_log",
        "drop table audit_log",
        "create or replace function audit_log_refuse_change() returns trigger language plpgsql \
         as $$ begin return old; end $$",
        "create table hideout (x int)",
        "alter table booking add column x int",
        // A temporary table named like the log cannot hand the chain a forged predecessor.
        "create temporary table audit_log (seq bigint, hash bytea)",
    ] {
        let err = sqlx::query(sql).execute(&app.pool).await.expect_err(sql).to_string();
        assert!(err.contains("permission denied") || err.contains("must be owner"), "{sql}: {err}");
    }
    // Granting itself more is silently nothing (PostgreSQL only warns).
    sqlx::query("grant update, delete on audit_log to public").execute(&app.pool).await.unwrap();
    let can_rewrite: bool = sqlx::query_scalar(
        "select has_table_privilege('audit_log', 'UPDATE') or has_table_privilege('audit_log', 'DELETE') \
             or has_table_privilege('audit_log', 'TRUNCATE')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!can_rewrite);
    assert_eq!(app.count("select count(*) from audit_log").await, 2);
    let intact = audit::verify(&mut app.pool.acquire().await.unwrap()).await.unwrap();
    assert_eq!(intact, Ok(2));
}

#[tokio::test]
async fn a_row_rewritten_by_the_owner_is_found_even_with_the_databases_digest_function_replaced() {
    let app = TestApp::spawn().await;
    write_entries(&app, 4).await;
    let mut tx = app.owner_pool.begin().await.unwrap();
    for sql in [
        "alter table audit_log disable trigger audit_log_no_update",
        "update audit_log set record_id = 999, client_addr = '203.0.113.66' where seq = 2",
        "alter table audit_log enable trigger audit_log_no_update",
        // The owner makes the database's digest vouch for every stored hash.
        "create or replace function audit_row_digest(prev bytea, seq bigint, at timestamptz, actor bigint, \
         action text, record_type text, record_id bigint, client_addr text, record_ids bigint[]) \
         returns bytea \
         language sql stable as $$ select a.hash from audit_log a where a.seq = $2 $$",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let found = audit::verify(&mut app.pool.acquire().await.unwrap()).await.unwrap();
    assert_eq!(found.unwrap_err().seq, 2, "the check recomputes every hash itself");
}

#[tokio::test]
async fn a_row_slipped_in_before_the_chain_or_beside_it_is_found() {
    let app = TestApp::spawn().await;
    write_entries(&app, 3).await;
    let mut tx = app.owner_pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger user").execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log drop constraint audit_log_seq_positive")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "insert into audit_log (seq, at, actor_staff_id, action, record_type, record_id, prev_hash, hash) \
         values (0, now(), 3, 'view_patient', 'patient', 1, '\\x', '\\x')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("alter table audit_log enable trigger user").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let found = audit::verify(&mut app.pool.acquire().await.unwrap()).await.unwrap();
    assert_eq!(found.unwrap_err().seq, 0, "a forged entry before position 1 is no hiding place");
}

#[tokio::test]
async fn row_level_security_or_rules_on_the_log_count_as_tampering() {
    let app = TestApp::spawn().await;
    let mut conn = app.pool.acquire().await.unwrap();
    assert_eq!(audit::tampered_setup(&mut conn).await.unwrap(), None, "as the migrations built it");
    for (change, undo, says) in [
        (
            "alter table audit_log enable row level security",
            "alter table audit_log disable row level security",
            "row-level security",
        ),
        (
            "create rule hide as on insert to audit_log where new.action = 'x' do instead nothing",
            "drop rule hide on audit_log",
            "rewrite rules",
        ),
        (
            "alter table audit_log disable trigger audit_log_no_update",
            "alter table audit_log enable trigger audit_log_no_update",
            "triggers",
        ),
    ] {
        sqlx::query(change).execute(&app.owner_pool).await.unwrap();
        let problem = audit::tampered_setup(&mut conn).await.unwrap().expect(change);
        assert!(problem.contains(says), "{change}: {problem}");
        sqlx::query(undo).execute(&app.owner_pool).await.unwrap();
    }
}

#[tokio::test]
async fn even_the_owner_must_switch_the_guards_off_to_change_or_remove_audit_rows() {
    let app = TestApp::spawn().await;
    write_entries(&app, 2).await;
    for sql in ["update audit_log set action = 'nothing'", "delete from audit_log", "truncate audit_log"] {
        let err = sqlx::query(sql).execute(&app.owner_pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(app.count("select count(*) from audit_log").await, 2);
}

#[tokio::test]
async fn an_entry_is_stamped_with_the_databases_time_whatever_the_writer_says() {
    let app = TestApp::spawn().await;
    sqlx::query("insert into audit_log (at, action) values ('2001-01-01T00:00:00Z', 'login')")
        .execute(&app.pool)
        .await
        .unwrap();
    let recent: bool = sqlx::query_scalar("select at > now() - interval '1 minute' from audit_log")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(recent, "the writer cannot backdate an entry");
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
    let mut tx = app.owner_pool.begin().await.unwrap();
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

/// Writes two entries, a list's entry at position 3 (booking ids 31, 7 and 12), and one more.
async fn with_a_list_at_3() -> TestApp {
    let app = TestApp::spawn().await;
    write_entries(&app, 2).await;
    let entry = AuditEntry {
        actor_staff_id: Some(7),
        action: groupcare::domain::audit::AuditAction::ViewBookingInList,
        record_type: Some(groupcare::domain::audit::RecordType::Booking),
        record_id: None,
        client_addr: Some("127.0.0.1"),
    };
    audit::record_list(&mut app.pool.acquire().await.unwrap(), &app.keys, &entry, &[31, 7, 12])
        .await
        .unwrap();
    write_entries(&app, 1).await;
    app
}

/// A list's entry names its records inside the chain: taking a person out of a worklist they
/// were shown in, or moving them where the digest reads the same text, breaks the chain as
/// surely as editing any other field. The app's own role can write only plain lists.
#[tokio::test]
async fn a_record_taken_out_of_a_lists_entry_is_found_by_audit_verify() {
    let app = with_a_list_at_3().await;
    let mut conn = app.pool.acquire().await.unwrap();
    assert_eq!(audit::verify(&mut conn).await.unwrap(), Ok(4), "a list entry chains like any other");
    let listed: Vec<i64> = sqlx::query_scalar("select record_ids from audit_log where seq = 3")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(listed, [31, 7, 12], "in the order shown");
    // Only a list that reads back as itself from the digest's text can be written.
    for list in ["{}", "{31,NULL,12}", "{{31},{12}}", "[0:2]={31,7,12}"] {
        let refused = sqlx::query(
            "insert into audit_log (action, record_type, record_ids) values ('view_booking_in_list', 'booking', $1::bigint[])",
        )
        .bind(list)
        .execute(&app.pool)
        .await;
        let code =
            refused.err().and_then(|e| e.as_database_error().and_then(|d| d.code().map(|c| c.into_owned())));
        assert_eq!(code.as_deref(), Some("23514"), "{list}: refused by the check");
    }

    // The owner, guards off (and the check dropped), rewrites the list's entry without
    // recomputing its hash. The last three leave the text the database hashed unchanged.
    for tampering in [
        "update audit_log set record_ids = '{31,12}' where seq = 3",
        "update audit_log set record_ids = '{7,31,12}' where seq = 3",
        "update audit_log set client_addr = client_addr || '|' || array_to_string(record_ids, ','), record_ids = null \
         where seq = 3",
        "update audit_log set record_ids = '[0:2]={31,7,12}' where seq = 3",
        "update audit_log set record_ids = '{31,NULL,7,12}' where seq = 3",
    ] {
        let app = with_a_list_at_3().await;
        let mut tx = app.owner_pool.begin().await.unwrap();
        for sql in [
            "alter table audit_log disable trigger audit_log_no_update",
            "alter table audit_log drop constraint audit_log_one_record_or_a_list",
            tampering,
            "alter table audit_log enable trigger audit_log_no_update",
        ] {
            sqlx::query(sql).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        let found =
            audit::verify(&mut app.pool.acquire().await.unwrap()).await.expect("the walk reads every row");
        assert_eq!(found.map_err(|broken| broken.seq), Err(3), "{tampering}");
    }
}

#[tokio::test]
async fn the_verify_command_exits_zero_on_an_intact_chain_and_names_the_first_broken_row() {
    let url = fresh_database_url().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_groupcare"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("GROUPCARE_DATA_DIR", crate::helpers::unused_data_dir())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let pool = groupcare::db::connect(&url, 2).await.unwrap();
    let entry = AuditEntry {
        actor_staff_id: None,
        action: groupcare::domain::audit::AuditAction::LoginFailed,
        record_type: None,
        record_id: None,
        client_addr: None,
    };
    for _ in 0..3 {
        audit::record(&mut pool.acquire().await.unwrap(), &groupcare::keys::Keys::random(), &entry)
            .await
            .unwrap();
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

#[tokio::test]
async fn the_seals_are_append_only_too() {
    let app = TestApp::spawn().await;
    write_entries(&app, 2).await;
    for sql in ["update audit_seal set mac = '\\x00'", "delete from audit_seal", "truncate audit_seal"] {
        let as_app = sqlx::query(sql).execute(&app.pool).await.expect_err(sql).to_string();
        assert!(as_app.contains("permission denied"), "{sql} as the app: {as_app}");
        let as_owner = sqlx::query(sql).execute(&app.owner_pool).await.expect_err(sql).to_string();
        assert!(as_owner.contains("audit_seal is append-only"), "{sql} as the owner: {as_owner}");
    }
    assert_eq!(app.count("select count(*) from audit_seal").await, 2, "one seal per entry");
}

/// A row written without the app's key (by the database's owner, or before seals existed)
/// reads as unsealed: a finding, not a failure to read the log.
#[tokio::test]
async fn a_row_without_the_apps_seal_is_reported_as_unsealed() {
    let app = TestApp::spawn().await;
    write_entries(&app, 2).await;
    sqlx::query("insert into audit_log (action) values ('login_failed')")
        .execute(&app.owner_pool)
        .await
        .unwrap();
    let walked = audit::walk(&mut app.pool.acquire().await.unwrap(), None, Some(&app.keys)).await;
    match walked {
        Ok(Err(audit::ChainFault::Unsealed { seq })) => assert_eq!(seq, 3),
        other => panic!("the third row is unsealed, found {other:?}"),
    }
}
