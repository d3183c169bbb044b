//! Secrets in the database are sealed with the key file's key: a database from before sealing
//! is sealed once, on the first start; another key cannot open them; client addresses are
//! kept as HMACs under the key.

use crate::helpers::{TestApp, booking_json, fresh_migrated_database_url, test_settings};
use crate::staff_auth::{PASSWORD, set_cookie};
use chrono::Utc;
use groupcare::domain::booking::manage_token;
use groupcare::domain::staff::StaffRole;
use groupcare::domain::totp::{code_for_step, step_at};
use groupcare::keys::Keys;
use groupcare::store::secrets::totp_context;
use groupcare::store::staff::{NewStaff, create_staff};

#[tokio::test]
async fn a_database_with_plaintext_secrets_is_sealed_once_and_everything_still_works() {
    // A database as an older version left it: the manage-link key and a TOTP key in plaintext.
    let url = fresh_migrated_database_url().await;
    let owner = groupcare::db::connect(&url, 1).await.unwrap();
    let old_link_key = [7u8; 32];
    sqlx::query("insert into server_secret (name, value) values ('manage_link_key', $1)")
        .bind(&old_link_key[..])
        .execute(&owner)
        .await
        .unwrap();
    let hash = groupcare::domain::staff::hash_password(PASSWORD);
    let new = NewStaff {
        email: "admin@clinic.test",
        password_hash: &hash,
        role: StaffRole::Admin,
        counselor_id: None,
        clinic_ids: &[],
    };
    let staff = create_staff(&mut owner.acquire().await.unwrap(), &new).await.unwrap().unwrap();
    let totp = b"an old plaintext key".to_vec();
    sqlx::query("update staff set totp_secret = $2 where id = $1")
        .bind(staff)
        .bind(&totp)
        .execute(&owner)
        .await
        .unwrap();

    // The first start after the upgrade seals them.
    let keys = Keys::random();
    let app = TestApp::spawn_on(url.clone(), test_settings(), keys.clone()).await;
    let stored_link: Vec<u8> =
        sqlx::query_scalar("select value from server_secret").fetch_one(&app.pool).await.unwrap();
    let stored_totp: Vec<u8> = sqlx::query_scalar("select totp_secret from staff where id = $1")
        .bind(staff)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored_link, old_link_key);
    assert_ne!(stored_totp, totp);
    assert_eq!(keys.open("server_secret:manage_link_key", &stored_link).unwrap(), old_link_key);
    assert_eq!(keys.open(&totp_context(staff), &stored_totp).unwrap(), totp);

    // Manage links stay what they were, and the authenticator keeps working.
    let r = app
        .post_booking(
            &booking_json(app.session_starting_in(chrono::Duration::days(2), 5, 1).await, "(909) 555-0101"),
            Some("an-old-style-key-123"),
        )
        .await;
    let answer: serde_json::Value = r.json().await.unwrap();
    assert!(
        answer["manage_url"]
            .as_str()
            .unwrap()
            .ends_with(&manage_token(&old_link_key, "an-old-style-key-123"))
    );
    let form = app.get("/staff/login").await;
    let login_cookie = set_cookie(&form, "gc_login").unwrap();
    let csrf = crate::staff_auth::hidden(&form.text().await.unwrap(), "csrf");
    let code = code_for_step(&totp, step_at(Utc::now().timestamp()));
    let signed_in = app
        .client
        .post(app.url("/staff/login"))
        .header("cookie", format!("gc_login={login_cookie}"))
        .form(&[("email", "admin@clinic.test"), ("password", PASSWORD), ("csrf", &csrf), ("code", &code)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "the sealed TOTP key still signs in");

    // Once: a later start leaves the sealed values alone, even with the mark set back.
    sqlx::query("update app_setting set value = 'false' where name = 'secrets_sealed'")
        .execute(&app.pool)
        .await
        .unwrap();
    TestApp::spawn_on(url.clone(), test_settings(), keys.clone()).await;
    let again: Vec<u8> =
        sqlx::query_scalar("select value from server_secret").fetch_one(&app.pool).await.unwrap();
    assert_eq!(again, stored_link);

    // An app with another key file refuses to start rather than mint links no one can open.
    let other = groupcare::AppState::load(app.pool.clone(), test_settings(), &app.base, Keys::random()).await;
    let refused = other.err().expect("refused").to_string();
    assert!(
        refused.contains("sealed with another key file") && refused.contains("GROUPCARE_KEY_FILE"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_visitors_address_is_counted_under_the_keys_hmac_never_a_plain_digest() {
    let app = TestApp::spawn_with(groupcare::config::BookingSettings {
        rate_per_min: 5,
        ..groupcare::config::BookingSettings::default()
    })
    .await;
    let session = app.session_starting_in(chrono::Duration::days(2), 5, 1).await;
    app.post_booking(&booking_json(session, "(909) 555-0102"), None).await;
    let stored: Vec<u8> =
        sqlx::query_scalar("select client_hash from booking_rate").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, app.keys.client_hash("booking-rate", "127.0.0.1"));
    assert_ne!(stored, groupcare::tokens::digest("booking-rate:127.0.0.1"), "not guessable without the key");
}
