//! The append-only audit log. The database chains each row to the one before and stamps its
//! time (see the `audit_log_chain` trigger); this module writes entries and checks the chain.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

/// One thing a staff member did: ids, never names.
pub struct AuditEntry<'a> {
    pub actor_staff_id: Option<i64>,
    pub action: &'a str,
    pub record_type: Option<&'a str>,
    pub record_id: Option<i64>,
    pub client_addr: Option<&'a str>,
}

pub async fn record(conn: &mut PgConnection, entry: &AuditEntry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        // at, seq, prev_hash and hash are set by the chaining trigger.
        "insert into audit_log (actor_staff_id, action, record_type, record_id, client_addr) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(entry.actor_staff_id)
    .bind(entry.action)
    .bind(entry.record_type)
    .bind(entry.record_id)
    .bind(entry.client_addr)
    .execute(conn)
    .await?;
    Ok(())
}

/// One entry like `entry` for each record in `record_ids` (its `record_id` is ignored), in one
/// statement: a list that shows many records writes one row per record it showed.
pub async fn record_each(
    conn: &mut PgConnection,
    entry: &AuditEntry<'_>,
    record_ids: &[i64],
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into audit_log (actor_staff_id, action, record_type, record_id, client_addr) \
         select $1, $2, $3, id, $5 from unnest($4::bigint[]) with ordinality as shown (id, n) order by n",
    )
    .bind(entry.actor_staff_id)
    .bind(entry.action)
    .bind(entry.record_type)
    .bind(record_ids)
    .bind(entry.client_addr)
    .execute(conn)
    .await?;
    Ok(())
}

/// The first row whose stored hash does not match its content and its predecessor.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct BrokenLink {
    pub id: i64,
    pub seq: i64,
}

/// A row as the chain covers it.
#[derive(FromRow)]
struct ChainRow {
    id: i64,
    seq: i64,
    at: DateTime<Utc>,
    actor_staff_id: Option<i64>,
    action: String,
    record_type: Option<String>,
    record_id: Option<i64>,
    client_addr: Option<String>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

/// The digest that chains a row to its predecessor: what the database's `audit_row_digest`
/// computes when the row is written, computed again here so that checking the chain never
/// relies on code inside the database being checked (its owner could replace that function).
fn row_digest(prev_hash: &[u8], row: &ChainRow) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let text = [
        row.seq.to_string(),
        row.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        row.actor_staff_id.map(|a| a.to_string()).unwrap_or_default(),
        row.action.clone(),
        row.record_type.clone().unwrap_or_default(),
        row.record_id.map(|r| r.to_string()).unwrap_or_default(),
        row.client_addr.clone().unwrap_or_default(),
    ]
    .join("|");
    let mut digest = Sha256::new();
    digest.update(prev_hash);
    digest.update(text.as_bytes());
    digest.finalize().to_vec()
}

/// Walks the chain in order, recomputing every hash here; `Ok(rows)` when every row is
/// intact, else the first broken row.
pub async fn verify(conn: &mut PgConnection) -> sqlx::Result<Result<i64, BrokenLink>> {
    const PAGE: i64 = 10_000;
    let (mut rows, mut last_seq, mut last_hash) = (0i64, 0i64, Vec::new());
    loop {
        let page: Vec<ChainRow> = sqlx::query_as(
            "select id, seq, at, actor_staff_id, action, record_type, record_id, client_addr, prev_hash, hash \
             from audit_log where seq > $1 order by seq limit $2",
        )
        .bind(last_seq)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
        let done = (page.len() as i64) < PAGE;
        for row in page {
            let intact = row.seq == last_seq + 1
                && row.prev_hash == last_hash
                && row.hash == row_digest(&last_hash, &row);
            if !intact {
                return Ok(Err(BrokenLink { id: row.id, seq: row.seq }));
            }
            (rows, last_seq, last_hash) = (rows + 1, row.seq, row.hash);
        }
        if done {
            return Ok(Ok(rows));
        }
    }
}

/// The chain's newest row: its position and hash (None while the log is empty).
pub async fn newest(conn: &mut PgConnection) -> sqlx::Result<Option<(i64, Vec<u8>)>> {
    sqlx::query_as("select seq, hash from audit_log order by seq desc limit 1").fetch_optional(conn).await
}

/// The hashes of the rows at chain positions `seqs` (those that exist).
pub async fn hashes_at(conn: &mut PgConnection, seqs: &[i64]) -> sqlx::Result<Vec<(i64, Vec<u8>)>> {
    sqlx::query_as("select seq, hash from audit_log where seq = any($1)").bind(seqs).fetch_all(conn).await
}

/// What an administrator looks for in the log; every part optional.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub actor_staff_id: Option<i64>,
    /// A person's records: their bookings and patient records. Entries about any of them.
    pub person: Option<crate::store::intake::PersonRecords>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, FromRow)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    pub actor_staff_id: Option<i64>,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<i64>,
    pub client_addr: Option<String>,
}

/// The newest 500 entries matching `q`.
pub async fn search(conn: &mut PgConnection, q: &AuditQuery) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "select at, actor_staff_id, action, record_type, record_id, client_addr from audit_log \
         where ($1::bigint is null or actor_staff_id = $1) \
           and (not $5 or (record_type = 'booking' and record_id = any($2)) \
                or (record_type = 'patient' and record_id = any($6))) \
           and ($3::timestamptz is null or at >= $3) \
           and ($4::timestamptz is null or at < $4) \
         order by seq desc limit 500",
    )
    .bind(q.actor_staff_id)
    .bind(q.person.as_ref().map(|p| p.booking_ids.as_slice()).unwrap_or_default())
    .bind(q.from)
    .bind(q.until)
    .bind(q.person.is_some())
    .bind(q.person.as_ref().map(|p| p.patient_ids.as_slice()).unwrap_or_default())
    .fetch_all(conn)
    .await
}
