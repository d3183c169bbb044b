//! Sign-in throttling that holds under concurrency and cannot be turned against the real
//! person: attempts are counted before any check, a lock falls on the account at one address,
//! the account and the address each have an hourly cap, an IPv6 client counts by its /64, a
//! locked key writes one audit row per window, and password checks are bounded.

use crate::helpers::{TestApp, fresh_migrated_database_url, test_settings};
use crate::staff_auth::{PASSWORD, hidden, second_factor_optional, set_cookie, staff_account};
use futures_util::future::join_all;
use groupcare::domain::staff::StaffRole;
use groupcare::keys::Keys;
use groupcare::web::client::TrustedProxies;
use std::net::IpAddr;

/// A browser at `addr` (a loopback address of its own) with the login form open.
struct Browser {
    client: reqwest::Client,
    cookie: String,
    csrf: String,
    forwarded_for: Option<String>,
}

impl Browser {
    async fn at(app: &TestApp, addr: &str) -> Browser {
        let client = reqwest::Client::builder()
            .local_address(addr.parse::<IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = client.get(app.url("/staff/login")).send().await.unwrap();
        let cookie = format!("gc_login={}", set_cookie(&form, "gc_login").unwrap());
        let csrf = hidden(&form.text().await.unwrap(), "csrf");
        Browser { client, cookie, csrf, forwarded_for: None }
    }

    /// As seen through a proxy the app trusts, forwarding for `client`.
    async fn behind_proxy(app: &TestApp, client: &str) -> Browser {
        Browser { forwarded_for: Some(client.to_owned()), ..Browser::at(app, "127.0.0.1").await }
    }

    async fn sign_in(&self, app: &TestApp, email: &str, password: &str) -> u16 {
        let mut request = self.client.post(app.url("/staff/login")).header("cookie", &self.cookie).form(&[
            ("email", email),
            ("password", password),
            ("csrf", &self.csrf),
        ]);
        if let Some(client) = &self.forwarded_for {
            request = request.header("x-forwarded-for", format!("198.51.100.99, {client}"));
        }
        request.send().await.unwrap().status().as_u16()
    }
}

async fn app_with_admin() -> TestApp {
    let app = TestApp::spawn().await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    app
}

async fn audit_rows(app: &TestApp) -> i64 {
    app.count("select count(*) from audit_log").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_wrong_passwords_at_once_get_at_most_five_checks() {
    let app = app_with_admin().await;
    let browser = Browser::at(&app, "127.0.0.1").await;
    let codes = join_all((0..40).map(|_| browser.sign_in(&app, "admin@clinic.test", "a wrong guess"))).await;
    let checked = codes.iter().filter(|c| **c == 401).count();
    assert!(checked <= 5, "{checked} passwords checked: {codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 429).count(), 40 - checked, "{codes:?}");
    assert!(app.count("select count(*) from audit_log where action = 'login_failed'").await <= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_at_one_address_never_keeps_the_real_person_out_from_another() {
    let app = app_with_admin().await;
    let attacker = Browser::at(&app, "127.0.0.2").await;
    for _ in 0..5 {
        assert_eq!(attacker.sign_in(&app, "admin@clinic.test", "a wrong guess").await, 401);
    }
    assert_eq!(attacker.sign_in(&app, "admin@clinic.test", PASSWORD).await, 429, "locked there, even right");

    // The real person, elsewhere, signs in.
    let real = Browser::at(&app, "127.0.0.3").await;
    assert_eq!(real.sign_in(&app, "admin@clinic.test", PASSWORD).await, 303);

    // Hammering the lock fills no audit log: one entry per key and window.
    let before = audit_rows(&app).await;
    for chunk in 0..4 {
        let tries = (0..50).map(|_| attacker.sign_in(&app, "admin@clinic.test", "a wrong guess"));
        assert!(join_all(tries).await.iter().all(|c| *c == 429), "chunk {chunk}");
    }
    let added = audit_rows(&app).await - before;
    assert!(added <= 10, "200 locked attempts wrote {added} audit rows");
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'login_locked'").await,
        1,
        "the lock is in the log once for its window"
    );

    // When the window has passed, the address may try again.
    sqlx::query("update login_throttle set window_start = window_start - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(attacker.sign_in(&app, "admin@clinic.test", PASSWORD).await, 303);
}

/// An app that believes 127.0.0.1's `X-Forwarded-For`.
async fn behind_a_proxy() -> TestApp {
    let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    let app =
        TestApp::spawn_tuned(fresh_migrated_database_url().await, test_settings(), Keys::random(), |s| {
            s.with_trusted_proxies(proxies)
        })
        .await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    app
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_counts_and_ipv6_counts_by_its_64() {
    let app = behind_a_proxy().await;
    // Five addresses of one IPv6 /64 are one client.
    for host in 1..=5 {
        let b = Browser::behind_proxy(&app, &format!("2001:db8:7:7::{host}")).await;
        assert_eq!(b.sign_in(&app, "admin@clinic.test", "a wrong guess").await, 401);
    }
    let same_block = Browser::behind_proxy(&app, "2001:db8:7:7:ffff::9").await;
    assert_eq!(same_block.sign_in(&app, "admin@clinic.test", PASSWORD).await, 429);
    let next_block = Browser::behind_proxy(&app, "2001:db8:7:8::1").await;
    assert_eq!(next_block.sign_in(&app, "admin@clinic.test", PASSWORD).await, 303);
    // The audit log says where each came from: the forwarded client, not the proxy or the
    // forged left-most hop.
    let from: Vec<String> = sqlx::query_scalar("select client_addr from audit_log where action = 'login'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(from, ["2001:db8:7:8::1"]);
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_header_is_ignored() {
    let app = app_with_admin().await;
    for n in 0..5 {
        // Each claims another client; the socket says they are all one.
        let b =
            Browser { forwarded_for: Some(format!("203.0.113.{n}")), ..Browser::at(&app, "127.0.0.4").await };
        assert_eq!(b.sign_in(&app, "admin@clinic.test", "a wrong guess").await, 401);
    }
    let b = Browser { forwarded_for: Some("203.0.113.77".into()), ..Browser::at(&app, "127.0.0.4").await };
    assert_eq!(b.sign_in(&app, "admin@clinic.test", PASSWORD).await, 429);
}

async fn staff_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select id from staff where email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// What the app keeps under a throttling key (the test knows how keys are named).
fn throttle_hash(app: &TestApp, what: &str) -> Vec<u8> {
    app.keys.client_hash("login-throttle", what)
}

#[tokio::test]
async fn an_account_takes_at_most_a_hundred_attempts_an_hour_from_everywhere_but_its_own_addresses() {
    let app = behind_a_proxy().await;
    // The person signs in from the clinic's address now and then.
    let clinic = Browser::behind_proxy(&app, "198.51.100.20").await;
    assert_eq!(clinic.sign_in(&app, "admin@clinic.test", PASSWORD).await, 303);
    let first = Browser::behind_proxy(&app, "203.0.113.1").await;
    assert_eq!(first.sign_in(&app, "admin@clinic.test", "a wrong guess").await, 401);
    // As if 98 more had come from as many other addresses this hour.
    sqlx::query("update login_throttle set attempts = 99 where key_hash = $1")
        .bind(throttle_hash(&app, &format!("account:id:{}", staff_id(&app, "admin@clinic.test").await)))
        .execute(&app.pool)
        .await
        .unwrap();
    let hundredth = Browser::behind_proxy(&app, "203.0.113.2").await;
    assert_eq!(hundredth.sign_in(&app, "admin@clinic.test", "a wrong guess").await, 401);
    let fresh_address = Browser::behind_proxy(&app, "203.0.113.3").await;
    assert_eq!(fresh_address.sign_in(&app, "admin@clinic.test", PASSWORD).await, 429, "capped elsewhere");
    // The guesser spread over many addresses does not keep the person out of their own.
    assert_eq!(clinic.sign_in(&app, "admin@clinic.test", PASSWORD).await, 303);
    // Every spelling of the e-mail is the same account, and shares its count.
    let shouting = Browser::behind_proxy(&app, "203.0.113.4").await;
    assert_eq!(shouting.sign_in(&app, "ADMIN@Clinic.Test", PASSWORD).await, 429);
}

#[tokio::test]
async fn one_address_takes_at_most_a_hundred_attempts_an_hour_over_every_account() {
    let app = behind_a_proxy().await;
    staff_account(&app, "intake@clinic.test", StaffRole::Intake).await;
    let sprayer = Browser::behind_proxy(&app, "203.0.113.50").await;
    assert_eq!(sprayer.sign_in(&app, "someone@clinic.test", "Summer2026!").await, 401);
    sqlx::query("update login_throttle set attempts = 100 where key_hash = $1")
        .bind(throttle_hash(&app, "address:203.0.113.50"))
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(sprayer.sign_in(&app, "intake@clinic.test", PASSWORD).await, 429);
    let elsewhere = Browser::behind_proxy(&app, "203.0.113.51").await;
    assert_eq!(elsewhere.sign_in(&app, "intake@clinic.test", PASSWORD).await, 303);
}

#[tokio::test]
async fn with_every_password_check_busy_a_sign_in_is_answered_503_and_not_counted() {
    let app =
        TestApp::spawn_tuned(fresh_migrated_database_url().await, test_settings(), Keys::random(), |s| {
            groupcare::AppState { password_checks: std::sync::Arc::new(tokio::sync::Semaphore::new(0)), ..s }
        })
        .await;
    second_factor_optional(&app).await;
    staff_account(&app, "admin@clinic.test", StaffRole::Admin).await;
    let browser = Browser::at(&app, "127.0.0.1").await;
    let r = browser
        .client
        .post(app.url("/staff/login"))
        .header("cookie", &browser.cookie)
        .form(&[("email", "admin@clinic.test"), ("password", PASSWORD), ("csrf", &browser.csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.unwrap().contains("try again in a few seconds"));
    assert_eq!(
        app.count("select coalesce(sum(attempts), 0) from login_throttle").await,
        0,
        "nothing counted"
    );
}
