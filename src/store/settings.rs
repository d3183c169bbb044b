//! Settings an administrator can change, shared by every app instance.

use sqlx::PgConnection;

pub const REQUIRE_SECOND_FACTOR: &str = "require_second_factor";

pub async fn flag(conn: &mut PgConnection, name: &str) -> sqlx::Result<bool> {
    let value: Option<String> = sqlx::query_scalar!(r#"select value from app_setting where name = $1"#, name)
        .fetch_optional(conn)
        .await?;
    Ok(value.as_deref() == Some("true"))
}

/// Sets a flag. Returns whether its value changed.
pub async fn set_flag(conn: &mut PgConnection, name: &str, on: bool) -> sqlx::Result<bool> {
    let changed = sqlx::query!(
        r#"insert into app_setting (name, value) values ($1, $2)
         on conflict (name) do update set value = excluded.value
         where app_setting.value is distinct from excluded.value"#,
        name,
        if on { "true" } else { "false" }
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}
