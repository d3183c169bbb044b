//! The append-only audit log. The database chains each row to the one before and stamps its
//! time (see the `audit_log_chain` trigger); this module writes entries and checks the chain.

use crate::domain::audit::{AuditAction, RecordType};
use crate::keys::Keys;
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

/// One thing a staff member did: ids, never names.
pub struct AuditEntry<'a> {
    pub actor_staff_id: Option<i64>,
    pub action: AuditAction,
    pub record_type: Option<RecordType>,
    pub record_id: Option<i64>,
    pub client_addr: Option<&'a str>,
}

/// Writes `entry`, sealed with the app's key (see [`seal`]).
pub async fn record(conn: &mut PgConnection, keys: &Keys, entry: &AuditEntry<'_>) -> sqlx::Result<()> {
    append(conn, keys, entry, None).await
}

/// One entry like `entry` (its `record_id` is ignored) naming every record in `record_ids`, in
/// their order: a list that showed many records is one step of the chain, not one per record,
/// so a long worklist holds the chain's lock no longer than a single view does.
pub async fn record_list(
    conn: &mut PgConnection,
    keys: &Keys,
    entry: &AuditEntry<'_>,
    record_ids: &[i64],
) -> sqlx::Result<()> {
    append(conn, keys, entry, Some(record_ids)).await
}

/// The entry and its seal commit together: in the caller's transaction when there is one, else
/// in their own. The chain's lock is held from the entry until it commits, and a commit waits
/// for the disk, so a page that writes several entries writes them in one transaction (one
/// wait under the lock, not one per entry); and no entry is ever left unsealed by a failure
/// between the two.
async fn append(
    conn: &mut PgConnection,
    keys: &Keys,
    entry: &AuditEntry<'_>,
    record_ids: Option<&[i64]>,
) -> sqlx::Result<()> {
    if conn.is_in_transaction() {
        return append_in(conn, keys, entry, record_ids).await;
    }
    let mut tx = conn.begin().await?;
    append_in(&mut tx, keys, entry, record_ids).await?;
    tx.commit().await
}

async fn append_in(
    conn: &mut PgConnection,
    keys: &Keys,
    entry: &AuditEntry<'_>,
    record_ids: Option<&[i64]>,
) -> sqlx::Result<()> {
    // at, seq, prev_hash and hash are set by the chaining trigger.
    let written = sqlx::query!(
        r#"insert into audit_log (actor_staff_id, action, record_type, record_id, record_ids, client_addr)
         values ($1, $2, $3, $4, $5, $6) returning seq, hash"#,
        entry.actor_staff_id,
        entry.action.code(),
        entry.record_type.map(RecordType::code),
        record_ids.map_or(entry.record_id, |_| None),
        record_ids,
        entry.client_addr
    )
    .fetch_one(&mut *conn)
    .await?;
    seal(conn, keys, written.seq, &written.hash).await
}

/// Seals a row just written: an HMAC of its position and hash under the key file's key, in the
/// same transaction. Whoever owns the database can recompute the chain, but not a seal. A seal
/// already at that position is left (only cut rows leave one behind): the row then reads as
/// unsealed to `audit verify`, which is the truth, and the app goes on working.
async fn seal(conn: &mut PgConnection, keys: &Keys, seq: i64, hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into audit_seal (seq, mac) values ($1, $2) on conflict (seq) do nothing"#,
        seq,
        keys.audit_row_mac(seq, hash)
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The first row whose stored hash does not match its content and its predecessor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub id: i64,
    pub seq: i64,
}

/// A row as the chain covers it, with its seal when it has one.
struct ChainRow {
    id: i64,
    seq: i64,
    at: DateTime<Utc>,
    actor_staff_id: Option<i64>,
    action: String,
    record_type: Option<String>,
    record_id: Option<i64>,
    client_addr: Option<String>,
    /// The list as PostgreSQL writes an array ("{12,7}"), read as text so that no shape of
    /// array, however it was made, stops the walk: one that is not a plain list of ids breaks
    /// the chain where it stands.
    record_ids: Option<String>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    mac: Option<Vec<u8>>,
}

/// The text the digest covers: what the database's `audit_row_digest` hashes when the row is
/// written, built again here so that checking the chain never relies on code inside the
/// database being checked (its owner could replace that function). None for a row no honest
/// writer makes, which therefore cannot be linked: the fields are joined by '|', and the text
/// splits back into them only while none holds a '|' (an address, an action and a record type
/// never do; a list's ids are its last field, present only on a list's entry), and a list is
/// a plain list of at least one id.
fn digest_text(row: &ChainRow) -> Option<String> {
    let fields = [
        &row.action,
        row.record_type.as_deref().unwrap_or_default(),
        row.client_addr.as_deref().unwrap_or_default(),
    ];
    if fields.iter().any(|f| f.contains('|')) {
        return None;
    }
    let mut text = [
        row.seq.to_string(),
        row.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        row.actor_staff_id.map(|a| a.to_string()).unwrap_or_default(),
        row.action.clone(),
        row.record_type.clone().unwrap_or_default(),
        row.record_id.map(|r| r.to_string()).unwrap_or_default(),
        row.client_addr.clone().unwrap_or_default(),
    ]
    .join("|");
    // A list's ids follow, comma-separated; a row without one ends at its address (the
    // database's `concat_ws` skips a null).
    if let Some(list) = &row.record_ids {
        let ids = list.strip_prefix('{')?.strip_suffix('}')?;
        if ids.split(',').any(|id| id.parse::<i64>().is_err()) {
            return None;
        }
        text.push('|');
        text.push_str(ids);
    }
    Some(text)
}

/// The digest that chains `row` to its predecessor's hash, or None for a row that cannot be
/// chained (see [`digest_text`]).
fn row_digest(prev_hash: &[u8], row: &ChainRow) -> Option<Vec<u8>> {
    use sha2::{Digest, Sha256};
    let text = digest_text(row)?;
    let mut digest = Sha256::new();
    digest.update(prev_hash);
    digest.update(text.as_bytes());
    Some(digest.finalize().to_vec())
}

/// A row known good (a signed checkpoint's) where a check of the chain may start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: Vec<u8>,
}

/// What walking the chain found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainFault {
    /// A row whose hash does not follow from its content and its predecessor (or a gap).
    Broken(BrokenLink),
    /// A row after the anchor without the app's seal (or with a seal the key did not make):
    /// written, or rewritten, by someone without the key file.
    Unsealed { seq: i64 },
}

/// Walks the chain after `anchor` (from the start without one), recomputing every hash here.
/// With `keys`, every row after the anchor must also carry the app's seal; without an anchor,
/// rows before the first sealed one are let pass (written before seals existed). Returns the
/// number of rows walked.
pub async fn walk(
    conn: &mut PgConnection,
    anchor: Option<&Anchor>,
    keys: Option<&Keys>,
) -> sqlx::Result<Result<i64, ChainFault>> {
    const PAGE: i64 = 10_000;
    let (mut rows, mut last_seq, mut last_hash) = match anchor {
        Some(a) => (0i64, a.seq, a.hash.clone()),
        None => (0i64, 0i64, Vec::new()),
    };
    let mut sealed_from_here = anchor.is_some();
    loop {
        // Qualified names: no object in another schema stands in for the log here. A row may
        // have no seal (`mac?`: sqlx cannot see the outer join under the limit).
        let page: Vec<ChainRow> = sqlx::query_as!(ChainRow, r#"select a.id, a.seq, a.at, a.actor_staff_id, a.action, a.record_type, a.record_id, a.client_addr,
                    a.record_ids::text as record_ids, a.prev_hash, a.hash, s.mac as "mac?"
             from public.audit_log a left join public.audit_seal s on s.seq = a.seq
             where a.seq > $1 order by a.seq limit $2"#, last_seq, PAGE)
        .fetch_all(&mut *conn)
        .await?;
        let done = (page.len() as i64) < PAGE;
        for row in page {
            let linked = row.seq == last_seq + 1
                && row.prev_hash == last_hash
                && row_digest(&last_hash, &row).is_some_and(|digest| digest == row.hash);
            if !linked {
                return Ok(Err(ChainFault::Broken(BrokenLink { id: row.id, seq: row.seq })));
            }
            if let Some(keys) = keys {
                sealed_from_here |= row.mac.is_some();
                let sealed =
                    row.mac.as_ref().is_some_and(|mac| keys.audit_row_mac_holds(row.seq, &row.hash, mac));
                if sealed_from_here && !sealed {
                    return Ok(Err(ChainFault::Unsealed { seq: row.seq }));
                }
            }
            (rows, last_seq, last_hash) = (rows + 1, row.seq, row.hash);
        }
        if done {
            return Ok(Ok(rows));
        }
    }
}

/// Walks the whole chain (see [`walk`]); `Ok(rows)` when every row is intact, else the first
/// broken row. A row the walk cannot reach (a position of 0 or less) counts as broken too.
pub async fn verify(conn: &mut PgConnection) -> sqlx::Result<Result<i64, BrokenLink>> {
    let walked = match walk(conn, None, None).await? {
        Ok(rows) => rows,
        Err(ChainFault::Broken(link)) => return Ok(Err(link)),
        Err(ChainFault::Unsealed { .. }) => unreachable!("seals are not checked without keys"),
    };
    let stray: Option<BrokenLink> = sqlx::query_as!(
        BrokenLink,
        r#"select id, seq from public.audit_log where seq <= 0 order by seq limit 1"#
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(link) = stray {
        return Ok(Err(link));
    }
    let total: i64 = sqlx::query_scalar!(r#"select count(*) as "rows!" from public.audit_log"#)
        .fetch_one(&mut *conn)
        .await?;
    if total != walked {
        // Rows the walk skipped (duplicated positions, once the unique index is gone).
        return Ok(Err(BrokenLink { id: 0, seq: walked + 1 }));
    }
    Ok(Ok(walked))
}

/// What the database's owner changed about the log's table itself, if anything: a view in its
/// place, row-level security (which can show the app one log and `audit verify` another),
/// rewrite rules, or triggers added, missing or switched off.
pub async fn tampered_setup(conn: &mut PgConnection) -> sqlx::Result<Option<String>> {
    let found: Option<(String, bool, i64, i64, Vec<String>)> = sqlx::query!(
        r#"select c.relkind::text as "kind!", c.relrowsecurity as row_security,
                  (select count(*) from pg_catalog.pg_policy p where p.polrelid = c.oid) as "policies!",
                  (select count(*) from pg_catalog.pg_rewrite r where r.ev_class = c.oid) as "rules!",
                  coalesce((select array_agg(t.tgname::text || ':' || t.tgenabled::text order by t.tgname)
                            from pg_catalog.pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal),
                           '{}') as "triggers!"
           from pg_catalog.pg_class c
           join pg_catalog.pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relname = 'audit_log'"#
    )
    .map(|r| (r.kind, r.row_security, r.policies, r.rules, r.triggers))
    .fetch_optional(conn)
    .await?;
    let Some((kind, row_security, policies, rules, triggers)) = found else {
        return Ok(Some("there is no table public.audit_log".into()));
    };
    let expected = ["audit_log_chain:O", "audit_log_no_truncate:O", "audit_log_no_update:O"];
    let problem = if kind != "r" {
        Some("public.audit_log is not a plain table".to_owned())
    } else if row_security || policies > 0 {
        Some("audit_log has row-level security: readers may be shown different rows".to_owned())
    } else if rules > 0 {
        Some("audit_log has rewrite rules".to_owned())
    } else if triggers != expected {
        Some(format!("audit_log's triggers are not the app's (found: {})", triggers.join(", ")))
    } else {
        None
    };
    Ok(problem)
}

/// The chain's newest row: its position and hash (None while the log is empty).
pub async fn newest(conn: &mut PgConnection) -> sqlx::Result<Option<(i64, Vec<u8>)>> {
    sqlx::query!(r#"select seq, hash from audit_log order by seq desc limit 1"#)
        .map(|r| (r.seq, r.hash))
        .fetch_optional(conn)
        .await
}

/// The hashes of the rows at chain positions `seqs` (those that exist).
pub async fn hashes_at(conn: &mut PgConnection, seqs: &[i64]) -> sqlx::Result<Vec<(i64, Vec<u8>)>> {
    sqlx::query!(r#"select seq, hash from audit_log where seq = any($1)"#, seqs)
        .map(|r| (r.seq, r.hash))
        .fetch_all(conn)
        .await
}

/// What an administrator looks for in the log; every part optional.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Entries by any of these accounts (every account that had the e-mail searched for: an
    /// address may pass to a new account once the old one is deactivated).
    pub actor_staff_ids: Option<Vec<i64>>,
    /// A person's records: their bookings and patient records. Entries about any of them.
    pub person: Option<crate::store::intake::PersonRecords>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// An entry as the search shows it. A code this build does not know fails the read: the log
/// was written by something other than this app, and that is worth an error, not a raw code.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    pub actor_staff_id: Option<i64>,
    pub action: AuditAction,
    pub record_type: Option<RecordType>,
    pub record_id: Option<i64>,
    /// The records a list showed (instead of `record_id`).
    pub record_ids: Option<Vec<i64>>,
    pub client_addr: Option<String>,
}

/// The newest 500 entries matching `q`.
pub async fn search(conn: &mut PgConnection, q: &AuditQuery) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        r#"select at, actor_staff_id, action as "action: AuditAction",
                  record_type as "record_type: RecordType", record_id, record_ids, client_addr
           from audit_log
           where ($1::bigint[] is null or actor_staff_id = any($1))
             and (not $5 or (record_type = 'booking' and (record_id = any($2) or record_ids && $2))
                  or (record_type = 'patient' and (record_id = any($6) or record_ids && $6)))
             and ($3::timestamptz is null or at >= $3)
             and ($4::timestamptz is null or at < $4)
           order by seq desc limit 500"#,
        q.actor_staff_ids.as_deref(),
        q.person.as_ref().map(|p| p.booking_ids.as_slice()).unwrap_or_default(),
        q.from,
        q.until,
        q.person.is_some(),
        q.person.as_ref().map(|p| p.patient_ids.as_slice()).unwrap_or_default()
    )
    .fetch_all(conn)
    .await
}
