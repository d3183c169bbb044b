//! The embedded local PostgreSQL cluster (its own crate, `pgcluster`, so the build tools in
//! `crates/xtask` can start one without compiling the app), and creating a database on it.

pub use pgcluster::{Cluster, Durability, EmbeddedError};

/// Creates `name` on the server behind `admin_url` unless it exists.
pub async fn ensure_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    let exists: bool = sqlx::query_scalar!(
        r#"select exists (select 1 from pg_database where datname = $1) as "exists!""#,
        name
    )
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        // Identifiers cannot be bound (so this statement cannot be checked at build time); only plain names (ours: fixed or generated) are accepted.
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(sqlx::Error::Configuration(format!("not a plain database name: {name:?}").into()));
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\""))).execute(&mut conn).await?;
    }
    conn.close().await
}
