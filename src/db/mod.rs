//! The connection pool, the schema migrations, and the embedded local PostgreSQL cluster.

pub mod embedded;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A small pool: on two cores more connections only queue inside PostgreSQL. The server is
/// local, so a checkout is not tested with an extra round trip first.
/// How long a request waits for a pooled connection before it is told to try again.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether `e` says the database cannot be reached or is overwhelmed (not that a query was
/// wrong): the pool found no connection in time, the connection broke, or the server is
/// shutting down, starting or full. Such a request is answered 503 with `Retry-After`.
pub fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            true
        }
        sqlx::Error::WorkerCrashed => true,
        // Class 08: connection exceptions; 57P01-03: shutdown, crash, starting up; 53300: too
        // many connections.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// Whether a request that failed with `e` should be told to try again shortly (503 with
/// `Retry-After`) rather than that something broke: the database is [`unavailable`], or it
/// refused for the moment: read-only or in recovery (25006, 55000: maintenance, or a standby
/// after a failover), a wait cut short by the operator's `lock_timeout` or `statement_timeout`
/// (55P03, 57014), or a transaction chosen to give way (40001, 40P01). Nothing was changed.
pub fn try_again_later(e: &sqlx::Error) -> bool {
    unavailable(e)
        || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|code| matches!(
            &*code,
            "25006" | "55000" | "55P03" | "57014" | "40001" | "40P01"
        )))
}

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    connect_with(PgConnectOptions::from_str(url)?, max_connections).await
}

pub async fn connect_with(options: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options = options
        // SQL text can be logged; parameters never are. Slow statements are still worth seeing.
        .log_statements(log::LevelFilter::Trace)
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(1));
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        // A request that cannot get a connection soon is answered "try again" (see
        // `unavailable`) rather than left waiting until the client gives up.
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
}

/// [`connect_with`], waiting for a database that does not answer yet (it may be starting
/// alongside the app): each failed try is logged and tried again, a little later each time,
/// until `wait` has passed; then the last error, with how long it waited.
pub async fn connect_waiting(
    options: PgConnectOptions,
    max_connections: u32,
    wait: Duration,
) -> Result<PgPool, Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(500);
    let mut tries = 0;
    loop {
        tries += 1;
        match connect_with(options.clone(), max_connections).await {
            Ok(pool) => return Ok(pool),
            Err(e) if unavailable(&e) && started.elapsed() + pause < wait => {
                tracing::warn!(
                    error = %e,
                    tries,
                    "waiting for the database at {}:{} (giving up after {} s)",
                    options.get_host(),
                    options.get_port(),
                    wait.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) if unavailable(&e) => {
                return Err(format!(
                    "the database at {}:{} did not answer within {} s ({tries} tries; GROUPCARE_DB_WAIT_SECONDS \
                     sets how long to wait): {e}",
                    options.get_host(),
                    options.get_port(),
                    wait.as_secs()
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Applies pending migrations (several instances may start at once: sqlx takes a lock).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// The database role the app is connected as, and what it may do.
#[derive(Clone, Debug)]
pub struct Identity {
    pub role: String,
    pub superuser: bool,
    /// May create objects in the schema: the owner, who applies migrations.
    pub can_migrate: bool,
    /// Owns the audit log (or is a member of its owner): could switch its guards off.
    pub owns_audit_log: bool,
}

impl Identity {
    /// More than serving needs: the audit log's guards are at its mercy.
    pub fn is_privileged(&self) -> bool {
        self.superuser || self.can_migrate || self.owns_audit_log
    }
}

pub async fn identity(pool: &PgPool) -> sqlx::Result<Identity> {
    sqlx::query_as!(
        Identity,
        r#"select current_user::text as "role!", r.rolsuper as "superuser!",
                  has_schema_privilege('public', 'CREATE') as "can_migrate!",
                  exists (select 1 from pg_tables t where t.schemaname = 'public' and t.tablename = 'audit_log'
                          and pg_has_role(current_user, t.tableowner, 'MEMBER')) as "owns_audit_log!"
           from pg_roles r where r.rolname = current_user"#
    )
    .fetch_one(pool)
    .await
}

/// The schema is not the one this build needs, and this role may not bring it there.
#[derive(Debug)]
pub struct SchemaError(pub String);

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SchemaError {}

/// Brings the schema up to this build: the owner applies pending migrations; any other role
/// (the runtime role, as the app should serve) only checks that none is pending, and refuses
/// to go on with an older schema.
pub async fn prepare_schema(pool: &PgPool) -> Result<Identity, Box<dyn std::error::Error>> {
    let me = identity(pool).await?;
    if me.can_migrate {
        migrate(pool).await?;
        return Ok(me);
    }
    // A role that cannot read the list of migrations is as good as one facing none applied.
    let applied: Vec<i64> = sqlx::query_scalar!(r#"select version from _sqlx_migrations where success"#)
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    let pending: Vec<String> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
        .map(|m| m.version.to_string())
        .collect();
    if !pending.is_empty() {
        return Err(Box::new(SchemaError(format!(
            "the database lacks migrations {} of this version of groupcare, and the role {} may not apply \
             them: run `groupcare migrate` with GROUPCARE_MIGRATE_DATABASE_URL naming the database's owner",
            pending.join(", "),
            me.role
        ))));
    }
    Ok(me)
}

/// Makes (or updates) `login` a login role with `password` that is a member of
/// `groupcare_runtime` and nothing more, on the server behind `owner`: how the embedded cluster
/// and the tests serve as the runtime role. The migrations must have made that role first.
/// See [`grant_connect`] for the database it serves.
pub async fn ensure_runtime_login(owner: &PgConnectOptions, login: &str, password: &str) -> sqlx::Result<()> {
    use sqlx::Connection;
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !plain(login) || !plain(password) {
        return Err(sqlx::Error::Configuration(
            "a login role's name and password are plain letters and digits".into(),
        ));
    }
    // Role statements take no parameters; the password must not reach a log either.
    let mut conn = sqlx::PgConnection::connect_with(&owner.clone().disable_statement_logging()).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "do $$ begin create role {login}; \
         exception when duplicate_object or unique_violation then null; end $$"
    )))
    .execute(&mut conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "alter role {login} with login nosuperuser nocreatedb nocreaterole noreplication password '{password}'"
    )))
    .execute(&mut conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("grant groupcare_runtime to {login}")))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// Lets `login` connect to the database `owner` names (the migrations close each database to
/// everyone else).
pub async fn grant_connect(owner: &PgConnectOptions, login: &str) -> sqlx::Result<()> {
    use sqlx::Connection;
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let database = owner.get_database().unwrap_or_default().to_owned();
    if !plain(login) || !plain(&database) {
        return Err(sqlx::Error::Configuration(
            "a role's and a database's names are plain letters and digits".into(),
        ));
    }
    let mut conn = sqlx::PgConnection::connect_with(owner).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("grant connect on database \"{database}\" to {login}")))
        .execute(&mut conn)
        .await?;
    conn.close().await
}
