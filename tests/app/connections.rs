//! Connections a client holds without using them: a request head sent slowly, or a keep-alive
//! connection left idle, is closed after the header timeout; on shutdown the server closes idle
//! connections at once, answers the requests in flight, and ends.

use crate::helpers::{TestApp, booking_json, phone};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection: how long that took from `since`, or None if
/// it was still open after `limit`. What it read comes back too.
async fn closed_within(
    stream: &mut (impl AsyncRead + Unpin),
    since: Instant,
    limit: Duration,
) -> (Option<Duration>, String) {
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(since.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (Some(since.elapsed()), String::from_utf8_lossy(&read).into()),
            Ok(Ok(n)) => read.extend_from_slice(&buf[..n]),
            Err(_) => return (None, String::from_utf8_lossy(&read).into()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_request_head_and_an_idle_keep_alive_connection_are_closed_after_the_header_timeout() {
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let limit = Duration::from_secs(14);

    // One header line every two seconds, never the end of the head.
    let slow = async {
        let (mut reader, mut writer) = TcpStream::connect(&addr).await.unwrap().into_split();
        let since = Instant::now();
        writer.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let trickle = tokio::spawn(async move {
            for i in 0..10 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if writer.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes()).await.is_err() {
                    break;
                }
            }
        });
        let closed = closed_within(&mut reader, since, limit).await;
        trickle.abort();
        closed
    };
    // A whole request answered, then nothing more on that connection.
    let idle = async {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        closed_within(&mut stream, Instant::now(), limit).await
    };
    let ((slow_closed, _), (idle_closed, idle_read)) = tokio::join!(slow, idle);
    let slow_closed = slow_closed.expect("the slow head's connection was closed");
    assert!(slow_closed >= Duration::from_secs(9), "not before the header timeout: {slow_closed:?}");
    assert!(idle_read.starts_with("HTTP/1.1 200"), "the request was answered: {idle_read}");
    idle_closed.expect("the idle keep-alive connection was closed");
}

/// Shutdown: an idle connection is closed at once, a request in flight is answered in full
/// (no reset), new connections are refused, and the server ends well within its drain limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_closes_idle_connections_at_once_and_answers_requests_in_flight() {
    let mut app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let session = app.session_starting_in(chrono::Duration::days(2), 10, 1).await;

    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");

    // A booking in flight: it waits for the group's row, held here for a second.
    let mut holder = app.owner_pool.begin().await.unwrap();
    sqlx::query("select 1 from session where id = $1 for update")
        .bind(session)
        .execute(&mut *holder)
        .await
        .unwrap();
    let in_flight = {
        let (client, url) = (app.client.clone(), app.url("/api/v1/bookings"));
        tokio::spawn(async move { client.post(url).json(&booking_json(session, &phone(1))).send().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        holder.commit().await.unwrap();
    });
    let since = Instant::now();
    let shutting = app.shut_down();
    let idle_closed = async { closed_within(&mut idle, since, Duration::from_secs(3)).await.0 };
    let (took, idle_closed) = tokio::join!(shutting, idle_closed);
    release.await.unwrap();
    let idle_closed = idle_closed.expect("the idle connection was closed");
    assert!(
        idle_closed < Duration::from_millis(900),
        "closed at once, before the request in flight ended: {idle_closed:?}"
    );
    let answered = in_flight.await.unwrap().expect("the request in flight got its answer, not a reset");
    assert_eq!(answered.status(), 201);
    assert!(took < Duration::from_secs(5), "the server ended after {took:?}");
    assert!(TcpStream::connect(&addr).await.is_err(), "no new connections once shut down");
    assert_eq!(app.count("select count(*) from booking").await, 1);
}

/// A request body sent a byte at a time is cut off after the body timeout: the request is
/// answered (refused) and its place among the requests in flight freed, however steadily the
/// bytes come.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_body_trickled_a_byte_at_a_time_is_cut_off_after_the_body_timeout() {
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let (mut reader, mut writer) = TcpStream::connect(&addr).await.unwrap().into_split();
    let since = Instant::now();
    writer
        .write_all(
            b"POST /sessions/1/book HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 10000\r\n\r\n",
        )
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    let (closed, read) = closed_within(&mut reader, since, Duration::from_secs(16)).await;
    trickle.abort();
    let closed = closed.expect("the trickling request was ended");
    assert!(read.starts_with("HTTP/1.1 4"), "answered with a refusal: {read}");
    assert!(closed >= Duration::from_secs(9), "not before the body timeout: {closed:?}");
}
