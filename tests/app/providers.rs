//! The far ends of the messages, run for real: an SMTP server (aiosmtpd, from PyPI, in its own
//! process, storing what it receives in a maildir) and a local HTTP server speaking the SMS
//! provider's API (the one part that cannot run here), which checks the account and its
//! token, and delivers a message once per `Idempotency-Key` as the provider does.

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// aiosmtpd, pinned, in a virtual environment under target/ (made on first use).
fn aiosmtpd_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/aiosmtpd");
        let python = venv.join("bin/python");
        let ready = || {
            Command::new(&python)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ready() {
            let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).status();
            assert!(made.is_ok_and(|s| s.success()), "python3 -m venv {} failed", venv.display());
            let installed = Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "aiosmtpd==1.4.6"])
                .status();
            assert!(installed.is_ok_and(|s| s.success()), "pip install aiosmtpd failed");
            assert!(ready(), "aiosmtpd does not import after its install");
        }
        python
    })
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the SMTP server did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An e-mail as the SMTP server stored it, read back by an independent parser.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope's recipients.
    pub to: String,
    pub from: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    /// Attached files: (name, contents).
    pub attachments: Vec<(String, String)>,
}

pub struct SmtpServer {
    pub port: u16,
    maildir: tempdir::TempDir,
    child: Option<Child>,
}

/// A folder removed when the test ends.
mod tempdir {
    pub struct TempDir(pub std::path::PathBuf);

    impl TempDir {
        pub fn new(name: &str) -> TempDir {
            let path = std::env::temp_dir().join(format!(
                "groupcare-{name}-{}-{}",
                std::process::id(),
                super::free_port()
            ));
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let mut server =
            SmtpServer { port: free_port(), maildir: tempdir::TempDir::new("smtp"), child: None };
        server.restart();
        server
    }

    /// `smtp://127.0.0.1:{port}`: lettre's URL for it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (as an outage would); `restart` brings it back on the same port.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new(aiosmtpd_python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port)])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        self.child = Some(child);
        wait_until_listening(self.port);
    }

    /// Every e-mail received so far.
    pub fn received(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.0.join("new")) else {
            return Vec::new();
        };
        let mut mails: Vec<(std::time::SystemTime, Mail)> = entries
            .map(|entry| {
                let entry = entry.unwrap();
                let raw = std::fs::read(entry.path()).unwrap();
                let parsed = mail_parser::MessageParser::default().parse(&raw).expect("an e-mail");
                let header =
                    |name: &str| parsed.header_raw(name).map(|v| v.trim().to_owned()).unwrap_or_default();
                let mail = Mail {
                    to: header("X-RcptTo"),
                    from: header("From"),
                    subject: parsed.subject().unwrap_or_default().to_owned(),
                    message_id: parsed.message_id().unwrap_or_default().to_owned(),
                    text: parsed.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    attachments: parsed
                        .attachments()
                        .map(|a| {
                            let name =
                                mail_parser::MimeHeaders::attachment_name(a).unwrap_or_default().to_owned();
                            (name, String::from_utf8_lossy(a.contents()).into_owned())
                        })
                        .collect(),
                };
                (entry.metadata().unwrap().modified().unwrap(), mail)
            })
            .collect();
        mails.sort_by_key(|(at, _)| *at);
        mails.into_iter().map(|(_, mail)| mail).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An SMS as the provider took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: String,
    pub from: String,
    pub body: String,
    pub idempotency_key: String,
}

#[derive(Default)]
struct Provider {
    account: String,
    token: String,
    /// Every request that reached it, repeats included.
    requests: Vec<Sms>,
    /// What it delivered: once per idempotency key.
    delivered: Vec<Sms>,
    /// Answer the next N requests with this status instead of taking them.
    failing: Option<(usize, StatusCode)>,
    /// Numbers it refuses (400, as for a number that cannot receive texts).
    refused_numbers: Vec<String>,
    /// While set, a request is recorded, delivered, then left waiting until released.
    hold: Option<Arc<tokio::sync::Semaphore>>,
}

/// The SMS provider's API on a local port.
#[derive(Clone)]
pub struct SmsProvider {
    pub base: String,
    state: Arc<Mutex<Provider>>,
}

pub const SMS_ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub const SMS_TOKEN: &str = "test-auth-token-0123456789";
pub const SMS_FROM: &str = "+19515550199";

impl SmsProvider {
    pub async fn start() -> SmsProvider {
        let state = Arc::new(Mutex::new(Provider {
            account: SMS_ACCOUNT.to_owned(),
            token: SMS_TOKEN.to_owned(),
            ..Provider::default()
        }));
        let app = Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(create_message))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        SmsProvider { base, state }
    }

    /// The app's settings for this provider.
    pub fn settings(&self) -> groupcare::notify::channels::SmsSettings {
        groupcare::notify::channels::SmsSettings {
            url: self.base.clone(),
            account: SMS_ACCOUNT.to_owned(),
            token: groupcare::notify::channels::Secret(SMS_TOKEN.to_owned()),
            from: SMS_FROM.to_owned(),
        }
    }

    pub fn delivered(&self) -> Vec<Sms> {
        self.state.lock().unwrap().delivered.clone()
    }

    pub fn requests(&self) -> Vec<Sms> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn fail_next(&self, count: usize, status: StatusCode) {
        self.state.lock().unwrap().failing = Some((count, status));
    }

    pub fn refuse_number(&self, e164: &str) {
        self.state.lock().unwrap().refused_numbers.push(e164.to_owned());
    }

    pub fn accept_every_number(&self) {
        self.state.lock().unwrap().refused_numbers.clear();
    }

    /// From now on each request is delivered, then waits for its answer until
    /// `answer_at_once` (as when the network or the app dies before the answer arrives).
    pub fn hold_answers(&self) {
        self.state.lock().unwrap().hold = Some(Arc::new(tokio::sync::Semaphore::new(0)));
    }

    pub fn answer_at_once(&self) {
        if let Some(release) = self.state.lock().unwrap().hold.take() {
            // Every request held, or about to be, goes on.
            release.add_permits(tokio::sync::Semaphore::MAX_PERMITS / 2);
        }
    }
}

/// Basic auth as the provider checks it: the account and its token.
fn authorized(headers: &HeaderMap, account: &str, token: &str) -> bool {
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{account}:{token}"));
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Basic {expected}"))
}

async fn create_message(
    State(state): State<Arc<Mutex<Provider>>>,
    UrlPath(account): UrlPath<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<serde_json::Value>) {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let sms = Sms {
        to: field("To"),
        from: field("From"),
        body: field("Body"),
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    };
    let hold = {
        let mut p = state.lock().unwrap();
        if account != p.account || !authorized(&headers, &p.account, &p.token) {
            return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"code": 20003, "status": 401})));
        }
        p.requests.push(sms.clone());
        if let Some((left, status)) = p.failing {
            p.failing = (left > 1).then_some((left - 1, status));
            return (status, Json(serde_json::json!({"status": status.as_u16()})));
        }
        if p.refused_numbers.contains(&sms.to) {
            return (StatusCode::BAD_REQUEST, Json(serde_json::json!({"code": 21211, "status": 400})));
        }
        if !p.delivered.iter().any(|d| d.idempotency_key == sms.idempotency_key) {
            p.delivered.push(sms.clone());
        }
        p.hold.clone()
    };
    if let Some(release) = hold {
        let _ = release.acquire().await;
    }
    let sid = format!("SM{:032x}", sms.idempotency_key.len());
    (StatusCode::CREATED, Json(serde_json::json!({"sid": sid, "status": "queued", "to": sms.to})))
}
