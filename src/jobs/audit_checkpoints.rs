//! Signed checkpoints of the audit chain, kept outside the database: every few minutes and at
//! shutdown the app appends the chain's newest position and hash, signed with the key file's
//! key, to `GROUPCARE_AUDIT_CHECKPOINTS`. The chain alone shows a changed or removed row; the
//! checkpoints also show rows cut from its end (or a chain rebuilt from scratch), which the
//! database's owner could otherwise do unseen.
//!
//! One line per checkpoint: `v1 seq=<n> hash=<hex> at=<RFC 3339> sig=<hex>`, the signature
//! covering everything before ` sig=`.

use crate::keys::{Keys, parse_hex};
use crate::store::audit;
use crate::tokens::hex;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// How often a running app appends a checkpoint.
pub const PERIOD: std::time::Duration = std::time::Duration::from_secs(5 * 60);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub at: DateTime<Utc>,
}

impl Checkpoint {
    fn signed_text(&self) -> String {
        format!("v1 seq={} hash={} at={}", self.seq, hex(&self.hash), self.at.to_rfc3339())
    }

    pub fn line(&self, keys: &Keys) -> String {
        let text = self.signed_text();
        format!("{text} sig={}\n", hex(&keys.sign_checkpoint(&text)))
    }

    /// A line of the file, if it is a checkpoint signed with `keys`.
    pub fn parse(line: &str, keys: &Keys) -> Option<Checkpoint> {
        let (text, sig) = line.trim_end().rsplit_once(" sig=")?;
        if !keys.checkpoint_signature_holds(text, &parse_hex(sig)?) {
            return None;
        }
        let mut fields = text.strip_prefix("v1 ")?.split(' ');
        let mut field = |name: &str| fields.next()?.strip_prefix(name)?.strip_prefix('=').map(str::to_owned);
        let seq = field("seq")?.parse().ok()?;
        let hash = parse_hex(&field("hash")?)?;
        let at = DateTime::parse_from_rfc3339(&field("at")?).ok()?.with_timezone(&Utc);
        Some(Checkpoint { seq, hash, at })
    }
}

/// Opens the checkpoint file for appending (made with mode 0600 when missing): `serve` calls
/// it at start, so an unwritable path stops the app before it serves anyone.
pub fn open_for_append(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(path)
}

/// Reads the checkpoint file: its checkpoints, or the number of the first line not signed
/// with `keys`. A missing file has none.
fn read_checkpoints(path: &Path, keys: &Keys) -> std::io::Result<Result<Vec<Checkpoint>, usize>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(Vec::new())),
        Err(e) => return Err(e),
    };
    let mut checkpoints = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match Checkpoint::parse(line, keys) {
            Some(c) => checkpoints.push(c),
            None => return Ok(Err(n + 1)),
        }
    }
    Ok(Ok(checkpoints))
}

/// Appends a checkpoint of the chain as it is now, unless the chain is empty or its newest row
/// is checkpointed already. It never signs what it cannot vouch for: the chain must pass the
/// same check as `audit verify` (its table as the app built it, every checkpoint in the file
/// matched, every row since sealed); otherwise it refuses, and says why (an alarm for the
/// log). Returns the position it signed.
pub async fn append(pool: &PgPool, keys: &Keys, path: &Path) -> Result<Option<i64>, String> {
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    let signed_up_to = match check(&mut conn, keys, path).await.map_err(|e| e.to_string())? {
        Finding::Reaches(c) => Some(c.seq),
        Finding::NoCheckpoints => None,
        finding => return Err(format!("refusing to sign an audit checkpoint: {finding}")),
    };
    let newest = audit::newest(&mut conn).await.map_err(|e| e.to_string())?;
    drop(conn);
    let Some((seq, hash)) = newest.filter(|(seq, _)| Some(*seq) != signed_up_to) else {
        return Ok(None);
    };
    let line = Checkpoint { seq, hash, at: Utc::now() }.line(keys);
    let written = open_for_append(path).and_then(|mut file| {
        file.write_all(line.as_bytes())?;
        file.sync_data()
    });
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Some(seq))
}

/// Appends a checkpoint every [`PERIOD`] until the task is dropped; a refusal or failure is
/// logged as an error and tried again next time.
pub async fn run(pool: PgPool, keys: std::sync::Arc<Keys>, path: std::path::PathBuf) {
    let mut ticks = tokio::time::interval(PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = append(&pool, &keys, &path).await {
            tracing::error!("audit checkpoint: {e}");
        }
    }
}

/// What the checkpoints say of the chain in the database.
#[derive(Debug, PartialEq, Eq)]
pub enum Finding {
    /// No checkpoint file yet: a cut tail cannot be ruled out.
    NoCheckpoints,
    /// The chain reaches the newest checkpoint, agrees with every checkpoint, and every row
    /// since carries the app's seal.
    Reaches(Checkpoint),
    /// A line of the file is not a checkpoint signed with this key.
    Unsigned { line: usize },
    /// The chain ends before the newest checkpoint: rows were cut from its end.
    Cut { chain_ends_at: i64, checkpoint: Checkpoint },
    /// The row at a checkpoint's position is not the row the checkpoint saw.
    Differs { checkpoint: Checkpoint },
    /// A row after the newest checkpoint does not link to the one before it.
    Broken { seq: i64 },
    /// A row after the newest checkpoint lacks the app's seal: someone without the key file
    /// wrote or rewrote it.
    Unsealed { seq: i64 },
    /// The log's table is not as the app built it.
    Tampered(String),
}

impl From<audit::ChainFault> for Finding {
    fn from(fault: audit::ChainFault) -> Finding {
        match fault {
            audit::ChainFault::Broken(link) => Finding::Broken { seq: link.seq },
            audit::ChainFault::Unsealed { seq } => Finding::Unsealed { seq },
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |c: &Checkpoint| c.at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        match self {
            Finding::NoCheckpoints => f.write_str("no signed checkpoint yet: a cut tail could not be seen"),
            Finding::Reaches(c) => {
                write!(
                    f,
                    "it reaches the newest signed checkpoint (position {}, {}), and every row since is sealed",
                    c.seq,
                    at(c)
                )
            }
            Finding::Unsigned { line } => {
                write!(
                    f,
                    "checkpoint line {line} is not signed with this key file: the checkpoints were altered or the key is another"
                )
            }
            Finding::Cut { chain_ends_at, checkpoint } => write!(
                f,
                "rows were cut from the end: the chain ends at position {chain_ends_at}, but the signed checkpoint of {} saw position {}",
                at(checkpoint),
                checkpoint.seq
            ),
            Finding::Differs { checkpoint } => write!(
                f,
                "the chain was rewritten: the row at position {} differs from the signed checkpoint of {}",
                checkpoint.seq,
                at(checkpoint)
            ),
            Finding::Broken { seq } => write!(f, "the chain is broken at position {seq}"),
            Finding::Unsealed { seq } => write!(
                f,
                "the row at position {seq} does not carry the app's seal: it was written or rewritten without the key file"
            ),
            Finding::Tampered(problem) => write!(f, "the log's table was changed: {problem}"),
        }
    }
}

impl Finding {
    pub fn is_sound(&self) -> bool {
        matches!(self, Finding::NoCheckpoints | Finding::Reaches(_))
    }
}

/// Holds the chain against every checkpoint in the file at `path`, and the rows since the
/// newest against the app's seals.
pub async fn check(
    conn: &mut PgConnection,
    keys: &Keys,
    path: &Path,
) -> Result<Finding, Box<dyn std::error::Error>> {
    if let Some(problem) = audit::tampered_setup(conn).await? {
        return Ok(Finding::Tampered(problem));
    }
    let checkpoints =
        match read_checkpoints(path, keys).map_err(|e| format!("cannot read {}: {e}", path.display()))? {
            Ok(checkpoints) => checkpoints,
            Err(line) => return Ok(Finding::Unsigned { line }),
        };
    let Some(newest) = checkpoints.iter().max_by_key(|c| c.seq).cloned() else {
        // No checkpoint: every row from the first sealed one on must carry a seal.
        return Ok(match audit::walk(conn, None, Some(keys)).await? {
            Ok(_) => Finding::NoCheckpoints,
            Err(fault) => Finding::from(fault),
        });
    };
    let chain_ends_at = audit::newest(conn).await?.map_or(0, |(seq, _)| seq);
    if chain_ends_at < newest.seq {
        return Ok(Finding::Cut { chain_ends_at, checkpoint: newest });
    }
    let seqs: Vec<i64> = checkpoints.iter().map(|c| c.seq).collect();
    let found = audit::hashes_at(conn, &seqs).await?;
    for c in checkpoints {
        if !found.iter().any(|(seq, hash)| *seq == c.seq && *hash == c.hash) {
            return Ok(Finding::Differs { checkpoint: c });
        }
    }
    let anchor = audit::Anchor { seq: newest.seq, hash: newest.hash.clone() };
    Ok(match audit::walk(conn, Some(&anchor), Some(keys)).await? {
        Ok(_) => Finding::Reaches(newest),
        Err(fault) => Finding::from(fault),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_line_reads_back_only_with_its_key_and_unaltered() {
        let keys = Keys::random();
        let c = Checkpoint { seq: 42, hash: vec![1, 2, 255], at: Utc::now() };
        let line = c.line(&keys);
        let back = Checkpoint::parse(&line, &keys).unwrap();
        assert_eq!((back.seq, back.hash), (42, vec![1, 2, 255]));
        assert_eq!(Checkpoint::parse(&line, &Keys::random()), None);
        assert_eq!(Checkpoint::parse(&line.replace("seq=42", "seq=41"), &keys), None);
        assert_eq!(Checkpoint::parse("v1 seq=1", &keys), None);
    }
}
