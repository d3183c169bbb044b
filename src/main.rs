//! `groupcare serve` (the default), `groupcare migrate`, `groupcare seed --demo`.

use groupcare::config::Config;
use groupcare::db::{self, embedded};
use groupcare::domain::staff::StaffRole;
use groupcare::jobs::audit_checkpoints as checkpoints;
use groupcare::jobs::schedule_horizon;
use groupcare::keys::Keys;
use groupcare::store::secrets;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::process::ExitCode;
use std::str::FromStr;
use tokio::net::TcpListener;

const USAGE: &str =
    "usage: groupcare [serve | migrate | seed --demo | seed --scale N | demo remove-logins | audit verify |
                 staff add --email E --role admin|intake|counselor [--counselor ID] [--clinic ID]... |
                 staff password --email E]
  staff add and staff password read the password from standard input; staff password ends the
  account's sign-ins (for a lost password, or the demo's, which is shown once).
  seed --scale N adds a year of weekly groups and N invented bookings (for benchmarks only).
  demo remove-logins deactivates the demo staff logins and requires the second factor again.";

enum Command {
    Serve,
    Migrate,
    SeedDemo,
    SeedScale(u64),
    RemoveDemoLogins,
    AuditVerify,
    StaffAdd(StaffAdd),
    StaffPassword { email: String },
}

struct StaffAdd {
    email: String,
    role: StaffRole,
    counselor_id: Option<i64>,
    clinic_ids: Vec<i64>,
}

fn parse_staff_add(mut args: &[&str]) -> Result<StaffAdd, String> {
    let (mut email, mut role, mut counselor_id, mut clinic_ids) = (None, None, None, Vec::new());
    let id =
        |v: &str, what: &str| v.parse::<i64>().map_err(|_| format!("{what} must be a number, got {v:?}"));
    while let [flag, value, rest @ ..] = args {
        match *flag {
            "--email" => email = Some((*value).to_owned()),
            "--role" => role = Some(StaffRole::parse(value).ok_or(format!("unknown role {value:?}"))?),
            "--counselor" => counselor_id = Some(id(value, "--counselor")?),
            "--clinic" => clinic_ids.push(id(value, "--clinic")?),
            other => return Err(format!("unknown option {other}")),
        }
        args = rest;
    }
    if !args.is_empty() {
        return Err(format!("{} needs a value", args[0]));
    }
    Ok(StaffAdd {
        email: email.ok_or("--email is required")?,
        role: role.ok_or("--role is required")?,
        counselor_id,
        clinic_ids,
    })
}

fn parse_args() -> Result<Command, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["migrate"] => Ok(Command::Migrate),
        ["seed", "--demo"] => Ok(Command::SeedDemo),
        ["seed", "--scale", n] => n
            .parse()
            .map(Command::SeedScale)
            .map_err(|_| format!("--scale needs a number of bookings, got {n:?}")),
        ["demo", "remove-logins"] => Ok(Command::RemoveDemoLogins),
        ["audit", "verify"] => Ok(Command::AuditVerify),
        ["staff", "password", "--email", email] => Ok(Command::StaffPassword { email: (*email).to_owned() }),
        ["staff", "add", rest @ ..] => {
            parse_staff_add(rest).map(Command::StaffAdd).map_err(|e| format!("{e}\n{USAGE}"))
        }
        ["-h" | "--help" | "help"] => Err(USAGE.to_owned()),
        _ => Err(format!("unknown command: {}\n{USAGE}", args.join(" "))),
    }
}

fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| "info,sqlx=warn".parse().expect("a valid default filter"));
    // GROUPCARE_LOG_FORMAT=json: one JSON object per line, for a log collector. Colours only
    // on a terminal, never in a file or a pipe.
    let json = std::env::var("GROUPCARE_LOG_FORMAT").is_ok_and(|f| f == "json");
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let lines = tracing_subscriber::fmt::layer().with_ansi(ansi && !json);
    if json {
        tracing_subscriber::registry().with(lines.json().with_filter(filter)).init();
    } else {
        tracing_subscriber::registry().with(lines.with_filter(filter)).init();
    }
}

/// The database: the role the app connects as, and the owner who applies migrations.
struct Database {
    /// `DATABASE_URL` (a role granted `groupcare_runtime`, as it should be), or the embedded
    /// cluster's runtime login.
    serve: PgConnectOptions,
    /// `GROUPCARE_MIGRATE_DATABASE_URL`, else `DATABASE_URL`; the embedded cluster's owner.
    migrate: PgConnectOptions,
    cluster: Option<embedded::Cluster>,
}

/// The login role the embedded cluster serves as; its password is new at every start.
const EMBEDDED_LOGIN: &str = "groupcare_app";

async fn open_database(config: &Config) -> Result<Database, Box<dyn std::error::Error>> {
    if let Some(url) = &config.database_url {
        let serve = PgConnectOptions::from_str(url)?;
        let migrate = match &config.migrate_database_url {
            Some(owner) => PgConnectOptions::from_str(owner)?,
            None => serve.clone(),
        };
        return Ok(Database { serve, migrate, cluster: None });
    }
    let root = config.data_dir.join("pg");
    let cluster =
        tokio::task::spawn_blocking(move || embedded::Cluster::start(&root, embedded::Durability::Durable))
            .await??;
    tracing::info!(port = cluster.port(), "embedded PostgreSQL started under {}", config.data_dir.display());
    let owner = PgConnectOptions::from_str(&cluster.url("groupcare"))?;
    // The cluster's owner from here on is the migrating identity; the app serves as the runtime
    // login made below, so even the embedded default cannot rewrite its own audit log.
    Ok(Database { serve: owner.clone(), migrate: owner, cluster: Some(cluster) })
}

/// The embedded cluster: its database made and migrated as the owner, and the runtime login
/// the app serves as (a new password each start, never written down).
async fn prepare_embedded(db: &mut Database) -> Result<(), Box<dyn std::error::Error>> {
    let Some(cluster) = &db.cluster else {
        return Ok(());
    };
    embedded::ensure_database(&cluster.url("postgres"), "groupcare").await?;
    let owner = db::connect_with(db.migrate.clone(), 2).await?;
    db::migrate(&owner).await?;
    owner.close().await;
    let password = groupcare::tokens::new_request_key();
    db::ensure_runtime_login(&db.migrate, EMBEDDED_LOGIN, &password).await?;
    db::grant_connect(&db.migrate, EMBEDDED_LOGIN).await?;
    db.serve = db.migrate.clone().username(EMBEDDED_LOGIN).password(&password);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
}

async fn run(command: Command, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let mut database = open_database(&config).await?;
    let result = match prepare_embedded(&mut database).await {
        Ok(()) => run_with_database(command, &config, &database).await,
        Err(e) => Err(e),
    };
    if let Some(cluster) = &database.cluster {
        let cluster_stopped = tokio::task::block_in_place(|| cluster.stop());
        if let Err(e) = cluster_stopped {
            tracing::warn!(error = %e, "the embedded PostgreSQL did not stop cleanly");
        }
    }
    result
}

async fn run_with_database(
    command: Command,
    config: &Config,
    database: &Database,
) -> Result<(), Box<dyn std::error::Error>> {
    // Migrations run as the owner; every other command as the role the app serves as.
    let command = match command {
        Command::Migrate => {
            let owner = db::connect_waiting(database.migrate.clone(), 2, config.db_wait).await?;
            db::migrate(&owner).await?;
            owner.close().await;
            println!("migrations applied");
            return Ok(());
        }
        other => other,
    };
    let pool = db::connect_waiting(database.serve.clone(), config.db_pool_size, config.db_wait)
        .await
        .map_err(|e| {
            // Migrated databases are closed to every login not granted them by name.
            if e.to_string().contains("permission denied for database") {
                format!(
                    "{e}: the database's owner must GRANT CONNECT ON DATABASE to the login in DATABASE_URL"
                )
            } else {
                e.to_string()
            }
        })?;
    let identity = db::prepare_schema(&pool).await?;
    match command {
        Command::Migrate => Ok(()), // migrated above
        Command::SeedDemo => {
            if !seed_demo(&pool).await? {
                println!("demo data already present: nothing changed");
            }
            Ok(())
        }
        Command::SeedScale(bookings) => {
            // On the demo's clinics and weekly groups (made first on an empty database).
            seed_demo(&pool).await?;
            let started = std::time::Instant::now();
            let groups = groupcare::scale::seed(&pool, bookings, chrono::Utc::now(), |done, total| {
                let filled = (done * 40 / total.max(1)) as usize;
                eprint!("\rbookings [{:<40}] {done}/{total}", "#".repeat(filled));
            })
            .await?;
            eprintln!();
            println!(
                "added {groups} groups and {bookings} bookings in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::RemoveDemoLogins => {
            let removed = groupcare::demo::remove_logins(&pool, &open_keys(&pool, config).await?).await?;
            println!("{removed} demo login(s) deactivated; the second sign-in factor is required again");
            Ok(())
        }
        Command::AuditVerify => audit_verify(&pool, config).await,
        Command::StaffAdd(add) => add_staff(&pool, add).await,
        Command::StaffPassword { email } => set_staff_password(&pool, config, &email).await,
        Command::Serve => serve(pool, identity, config, database.cluster.is_some()).await,
    }
}

async fn serve(
    pool: PgPool,
    identity: db::Identity,
    config: &Config,
    embedded: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    if identity.is_privileged() {
        tracing::warn!(
            role = %identity.role,
            "serving as the database's owner or a superuser: this app could rewrite its own audit log. \
             Serve as a login role granted groupcare_runtime (see the README)"
        );
    }
    let keys = open_keys(&pool, config).await?;
    checkpoints::open_for_append(&config.audit_checkpoints).map_err(|e| {
        format!("cannot write audit checkpoints to {}: {e}", config.audit_checkpoints.display())
    })?;
    // The embedded default is a demo: it fills itself on first start.
    if embedded {
        seed_demo(&pool).await?;
    }
    if let Some((en, es)) = &config.site_name {
        groupcare::web::i18n::name_the_site(en, es);
    }
    let state = groupcare::AppState::load(pool.clone(), config.booking.clone(), &config.base_url, keys)
        .await?
        .with_trusted_proxies(config.trusted_proxies.clone())
        .with_horizon(config.horizon)
        .with_max_in_flight(config.max_in_flight)
        .with_sms_token(config.notify.sms.as_ref().map(|sms| sms.token.clone()));
    // Channel settings that cannot be used stop the start, before anyone is owed a message.
    let worker = groupcare::notify::Worker::new(
        pool.clone(),
        &config.notify,
        state.keys.clone(),
        state.base_url.clone(),
    )?;
    let listener = TcpListener::bind(&config.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    let bound = listener.local_addr()?;
    // Demo logins have known e-mails and no second factor: never on an address others reach.
    if !bound.ip().is_loopback() && groupcare::demo::active_logins(&mut *pool.acquire().await?).await? > 0 {
        return Err(format!(
            "refusing to serve on {bound}: the demo staff logins (…@demo.groupcare) can still sign in. \
             Remove them with `groupcare demo remove-logins`, or bind to a loopback address (127.0.0.1)"
        )
        .into());
    }
    tracing::info!("listening on http://{bound}");
    let metrics_server = match &config.metrics_bind {
        Some(bind) => {
            let listener =
                TcpListener::bind(bind).await.map_err(|e| format!("cannot serve metrics on {bind}: {e}"))?;
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            let metrics =
                groupcare::metrics::router(pool.clone(), state.in_flight.clone(), config.max_in_flight);
            Some(tokio::spawn(groupcare::web::serving::serve(listener, metrics, std::future::pending())))
        }
        None => None,
    };
    let checkpoint_job =
        tokio::spawn(checkpoints::run(pool.clone(), state.keys.clone(), config.audit_checkpoints.clone()));
    let schedule_job = tokio::spawn(schedule_horizon::run(pool.clone(), state.clock, state.horizon));
    let message_worker = tokio::spawn(worker.run(state.clock));
    let expiry_job = tokio::spawn(groupcare::jobs::expire_requests::run(pool.clone(), state.clock));
    let keys = state.keys.clone();
    groupcare::web::serving::serve(listener, groupcare::router(state), shutdown_signal()).await;
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    checkpoint_job.abort();
    schedule_job.abort();
    message_worker.abort();
    expiry_job.abort();
    // The last word on the chain, so a tail cut while the app is down shows. Bounded, like the
    // pool's closing: a database gone silent (no answer, no error) must not keep the process
    // from ending.
    let last_checkpoint = checkpoints::append(&pool, &keys, &config.audit_checkpoints);
    match tokio::time::timeout(std::time::Duration::from_secs(5), last_checkpoint).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!("shutdown audit checkpoint: {e}"),
        Err(_) => tracing::error!("shutdown audit checkpoint: the database did not answer within 5 s"),
    }
    if tokio::time::timeout(std::time::Duration::from_secs(5), pool.close()).await.is_err() {
        tracing::warn!("database connections still busy after 5 s: leaving them");
    }
    Ok(())
}

/// The key file's keys, made on a first start. A database whose secrets are sealed already
/// needs its key: a missing file then is a wrong path or a lost key, and a new one would only
/// be left behind unused.
async fn open_keys(pool: &PgPool, config: &Config) -> Result<Keys, Box<dyn std::error::Error>> {
    if !config.key_file.exists() && secrets::sealed_with_a_key(&mut *pool.acquire().await?).await? {
        return Err(format!(
            "no key file at {}, but this database's secrets are sealed with one: point GROUPCARE_KEY_FILE \
             at the key the other instances use",
            config.key_file.display()
        )
        .into());
    }
    Ok(Keys::load_or_create(&config.key_file)?)
}

/// `audit verify`: the chain row by row, then (with the key file) against the signed
/// checkpoints and the app's seals.
async fn audit_verify(pool: &PgPool, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = pool.acquire().await?;
    let rows = match groupcare::store::audit::verify(&mut conn).await? {
        Ok(rows) => rows,
        Err(broken) => {
            return Err(
                format!("audit log broken at row id {} (chain position {})", broken.id, broken.seq).into()
            );
        }
    };
    if !config.key_file.exists() && !config.audit_checkpoints.exists() {
        println!(
            "audit log intact: {rows} rows; no key file at {}: the app's seals and checkpoints were not checked",
            config.key_file.display()
        );
        return Ok(());
    }
    let keys = Keys::load(&config.key_file).map_err(|e| {
        format!("the seals and signed checkpoints cannot be checked without the key file: {e}")
    })?;
    let finding = checkpoints::check(&mut conn, &keys, &config.audit_checkpoints).await?;
    if !finding.is_sound() {
        return Err(format!("audit log broken: {finding}").into());
    }
    println!("audit log intact: {rows} rows; {finding}");
    Ok(())
}

/// Seeds the demo data if the database has none, and says so (with the staff password once,
/// when it was made up here). Returns whether it seeded.
async fn seed_demo(pool: &PgPool) -> Result<bool, Box<dyn std::error::Error>> {
    let password = std::env::var("GROUPCARE_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    let seeded = groupcare::demo::seed(pool, chrono::Utc::now(), password.as_deref()).await?;
    if seeded.created {
        let logins: Vec<_> = groupcare::demo::STAFF.iter().map(|(email, ..)| *email).collect();
        println!("demo data created; staff logins: {}", logins.join(", "));
        match seeded.generated_password {
            Some(p) => println!("demo staff password (shown once, not stored): {p}"),
            None => println!("demo staff password: the one in GROUPCARE_DEMO_PASSWORD"),
        }
    }
    Ok(seeded.created)
}

/// A staff e-mail as the command line was given it, as accounts store it.
fn staff_email(raw: &str) -> Result<String, Box<dyn std::error::Error>> {
    match groupcare::domain::contact::Email::parse_optional(raw) {
        Ok(Some(e)) => Ok(e.as_str().to_owned()),
        _ => Err(format!("not an e-mail address: {raw:?}").into()),
    }
}

/// A new password, from standard input (never the command line, which others can read),
/// checked and hashed.
async fn new_password_hash() -> Result<String, Box<dyn std::error::Error>> {
    use groupcare::domain::staff::{PASSWORD_MAX, PASSWORD_MIN, check_new_password, hash_password};
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    if check_new_password(&password).is_err() {
        return Err(format!("the password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters").into());
    }
    Ok(tokio::task::spawn_blocking(move || hash_password(&password)).await?)
}

/// `staff password`: sets an account's password and ends its sign-ins, audited (no staff
/// member did it: the command line did).
async fn set_staff_password(
    pool: &PgPool,
    config: &Config,
    email: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use groupcare::domain::audit::{AuditAction, RecordType};
    use groupcare::store::audit::{AuditEntry, record};
    let email = staff_email(email)?;
    let keys = open_keys(pool, config).await?;
    let Some(id) = groupcare::store::staff::id_by_email(&mut *pool.acquire().await?, &email).await? else {
        return Err("no staff account has this e-mail".into());
    };
    let hash = new_password_hash().await?;
    let mut tx = pool.begin().await?;
    groupcare::store::staff::set_password(&mut tx, id, &hash).await?;
    let entry = AuditEntry {
        actor_staff_id: None,
        action: AuditAction::StaffPasswordReset,
        record_type: Some(RecordType::Staff),
        record_id: Some(id),
        client_addr: None,
    };
    record(&mut tx, &keys, &entry).await?;
    tx.commit().await?;
    println!("password of staff account {id} set; its sign-ins are ended");
    Ok(())
}

/// `staff add`: the password comes from standard input, never from the command line.
async fn add_staff(pool: &PgPool, add: StaffAdd) -> Result<(), Box<dyn std::error::Error>> {
    use groupcare::store::staff::{CreateStaffError, NewStaff, create_staff};
    let email = staff_email(&add.email)?;
    let hash = new_password_hash().await?;
    let new = NewStaff {
        email: &email,
        password_hash: &hash,
        role: add.role,
        counselor_id: add.counselor_id,
        clinic_ids: &add.clinic_ids,
    };
    match create_staff(&mut *pool.acquire().await?, &new).await? {
        Ok(id) => {
            println!("staff account {id} created");
            Ok(())
        }
        Err(CreateStaffError::EmailTaken) => Err("an account with this e-mail exists already".into()),
        Err(CreateStaffError::CounselorLink) => {
            Err("a counselor account needs --counselor ID, and only a counselor account takes one".into())
        }
        Err(CreateStaffError::UnknownCounselorOrClinic) => Err("no counselor or clinic has that id".into()),
    }
}

fn main() -> ExitCode {
    let command = match parse_args() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("groupcare: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("groupcare: {e}");
            ExitCode::FAILURE
        }
    }
}
