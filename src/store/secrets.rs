//! Secrets every app instance on one database shares, made on first use.

use sqlx::PgPool;

/// The key that derives manage links from one-time keys.
pub const MANAGE_LINK_KEY: &str = "manage_link_key";

pub async fn load_or_create(pool: &PgPool, name: &str) -> sqlx::Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).expect("the operating system's random source");
    sqlx::query("insert into server_secret (name, value) values ($1, $2) on conflict (name) do nothing")
        .bind(name)
        .bind(&fresh[..])
        .execute(pool)
        .await?;
    sqlx::query_scalar("select value from server_secret where name = $1").bind(name).fetch_one(pool).await
}
