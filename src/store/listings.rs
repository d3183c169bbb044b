//! The public listings' reads, and intake's worklist counts, served again for up to a second.
//!
//! The sessions page, the API listing and a counselor's public page are what anonymous
//! visitors load most, and every visitor is shown the same groups and seat counts. Reading
//! them once a second instead of once a request takes the database off those pages' path:
//! at 64 connections the listing's queries cost PostgreSQL more than the app spends drawing
//! the page. The worklist's counts by reason read the whole worklist (its pages read only
//! their rows), and every intake worker of the same clinics is shown the same counts: they are
//! kept the same way. What a visitor or worker may see late is bounded:
//! - a change made through this instance's own requests shows at once: every request that may
//!   change something ends the reads kept before it ([`Listings::changed`], called by the
//!   router's `note_changes` layer);
//! - a change made elsewhere (the other instance, a background job, the command line) shows
//!   within [`FRESH_FOR`].
//!
//! Seat counts here are only what a visitor is shown: a booking counts the seats again under
//! the group's lock, so a late count never overbooks; at worst the visitor sees one more seat
//! than there is and is put on the waitlist, which the answer says.

use super::catalog::{self, Clinic, Counselor, Topic};
use super::intake;
use super::sessions::{self, SessionFilter, SessionSummary};
use crate::domain::booking::Attention;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How far ahead the listings look, in days.
pub const LISTING_DAYS: i64 = 28;

/// How long a read is served again: the longest a change made outside this instance takes to
/// reach its public listings.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// How far ahead a kept read of sessions reaches: the listings' four weeks, and the API's
/// default range, which ends up to two days further for clinics a day ahead of UTC.
const READ_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(LISTING_DAYS + 3);

/// Reads kept at once. A visitor can ask for any number of filters (a day, a clinic id) and of
/// long ranges: past this many, the kept reads start over, so memory stays bounded whatever
/// is asked.
const MAX_FILTERS: usize = 256;

/// Every clinic, topic and counselor, retired ones too (a group's page still names them), in
/// the order the public pages list them.
pub struct PublicCatalog {
    pub clinics: Vec<Clinic>,
    pub topics: Vec<Topic>,
    pub counselors: Vec<Counselor>,
}

impl PublicCatalog {
    pub fn active_clinics(&self) -> impl Iterator<Item = &Clinic> {
        self.clinics.iter().filter(|c| c.active)
    }

    pub fn active_topics(&self) -> impl Iterator<Item = &Topic> {
        self.topics.iter().filter(|t| t.active)
    }

    pub fn active_counselors(&self) -> impl Iterator<Item = &Counselor> {
        self.counselors.iter().filter(|c| c.active)
    }

    pub fn clinic(&self, id: i64) -> Option<&Clinic> {
        self.clinics.iter().find(|c| c.id == id)
    }

    pub fn topic(&self, id: i64) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    pub fn counselor(&self, id: i64) -> Option<&Counselor> {
        self.counselors.iter().find(|c| c.id == id)
    }

    /// Whether this read names everything `session` refers to (one made since may not).
    pub fn names_all_of(&self, session: &SessionSummary) -> bool {
        self.clinic(session.clinic_id).is_some()
            && self.topic(session.topic_id).is_some()
            && session.counselors.iter().all(|lead| self.counselor(lead.id).is_some())
    }
}

/// Sessions of one filter starting in `from..until`, as read at one moment.
pub struct Upcoming {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    sessions: Vec<SessionSummary>,
}

impl Upcoming {
    /// The sessions starting in `from..until` (within what was read), soonest first.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Iterator<Item = &SessionSummary> {
        self.sessions.iter().filter(move |s| from <= s.starts_at && s.starts_at < until)
    }

    fn covers(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> bool {
        self.from <= from && until <= self.until
    }
}

/// The whole UTC days a read longer than [`READ_AHEAD`] covers (the API's ranges, up to three
/// months): such a read is kept under its days, beside the listings' own.
type Window = (chrono::NaiveDate, chrono::NaiveDate);

/// What a kept read of sessions is found by: its filter, and its days when it is a long one.
type ReadKey = (SessionFilter, Option<Window>);

/// The worklist's counts by reason, kept per set of clinics counted (None: all).
type KeptCounts = HashMap<Option<Vec<i64>>, Arc<Kept<Vec<(Attention, i64)>>>>;

/// The reads kept for the public listings. One per app instance, shared by its requests.
#[derive(Default)]
pub struct Listings {
    /// Counts the requests that may have changed something; a read is served again only while
    /// it is the count the read began under.
    changes: AtomicU64,
    catalog: Kept<PublicCatalog>,
    upcoming: Mutex<HashMap<ReadKey, Arc<Kept<Upcoming>>>>,
    worklist_counts: Mutex<KeptCounts>,
}

impl Listings {
    /// Something may have changed: reads made before now are not served again.
    pub fn changed(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
    }

    /// Every clinic, topic and counselor.
    pub async fn catalog(&self, pool: &PgPool) -> sqlx::Result<Arc<PublicCatalog>> {
        self.catalog_where(pool, |_| true).await
    }

    /// The catalog, read again when the kept one is not `usable` (it lacks a clinic made on the
    /// other instance since, say).
    pub async fn catalog_where(
        &self,
        pool: &PgPool,
        usable: impl Fn(&PublicCatalog) -> bool,
    ) -> sqlx::Result<Arc<PublicCatalog>> {
        self.catalog
            .get(&self.changes, usable, async {
                let mut conn = pool.acquire().await?;
                let clinics = catalog::clinics(&mut conn).await?;
                let topics = catalog::topics(&mut conn).await?;
                let counselors = catalog::all_counselors(&mut conn).await?;
                Ok(PublicCatalog { clinics, topics, counselors })
            })
            .await
    }

    /// Session `id` as the listings show it: from the kept listing when it is there (a group of
    /// the coming four weeks), else read.
    pub async fn session(
        &self,
        pool: &PgPool,
        id: i64,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<SessionSummary>> {
        let until = now + chrono::TimeDelta::days(LISTING_DAYS);
        let listed = self.upcoming(pool, now, until, &SessionFilter::default()).await?;
        if let Some(found) = listed.between(now, until).find(|s| s.id == id) {
            return Ok(Some(found.clone()));
        }
        sessions::summary(&mut *pool.acquire().await?, id).await
    }

    /// The sessions matching `filter` that start in `from..until`: a kept read when one covers
    /// that span, else a new one (kept when the span is no longer than a listing's).
    pub async fn upcoming(
        &self,
        pool: &PgPool,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        filter: &SessionFilter,
    ) -> sqlx::Result<Arc<Upcoming>> {
        let read = |from, until| async move {
            let sessions = sessions::upcoming(&mut *pool.acquire().await?, from, until, filter).await?;
            Ok(Upcoming { from, until, sessions })
        };
        // A read as long as the listings' is kept from where it was first asked for, and read
        // again from a later start when asked for past its end. A longer one is kept under its
        // whole days: asking for it again, whatever the hour, is served from what was read.
        let (window, read_from, read_until) = if until - from > READ_AHEAD {
            let (first, last) = (from.date_naive(), until.date_naive() + chrono::TimeDelta::days(1));
            let midnight = |day: chrono::NaiveDate| day.and_time(chrono::NaiveTime::MIN).and_utc();
            (Some((first, last)), midnight(first), midnight(last))
        } else {
            (None, from, from + READ_AHEAD)
        };
        let kept = {
            let mut upcoming = self.upcoming.lock().expect("the listings' map is never left half-changed");
            let key = (filter.clone(), window);
            if upcoming.len() >= MAX_FILTERS && !upcoming.contains_key(&key) {
                upcoming.clear();
            }
            upcoming.entry(key).or_default().clone()
        };
        kept.get(&self.changes, |u| u.covers(from, until), read(read_from, read_until)).await
    }

    /// How many are on intake's worklist of `clinics` (`intake::worklist_clinics`) for each
    /// reason: a kept count, or one counted now on `conn`.
    pub async fn worklist_counts(
        &self,
        conn: &mut PgConnection,
        clinics: Option<Vec<i64>>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Arc<Vec<(Attention, i64)>>> {
        let kept = {
            let mut counts = self.worklist_counts.lock().expect("the counts' map is never left half-changed");
            if counts.len() >= MAX_FILTERS && !counts.contains_key(&clinics) {
                counts.clear();
            }
            counts.entry(clinics.clone()).or_default().clone()
        };
        kept.get(&self.changes, |_| true, intake::worklist_counts(conn, clinics.as_deref(), now)).await
    }
}

/// One kept read, and the lock that lets one request at a time read it again: the others wait
/// for that read instead of all asking the database at once when it goes stale.
struct Kept<T> {
    value: Mutex<Option<Stamped<T>>>,
    reading: tokio::sync::Mutex<()>,
    /// When the last read failed: the requests that waited for it fail with it, instead of
    /// each trying again in turn (with the database gone, one after another for 3 s each).
    failed_at: Mutex<Option<Instant>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept { value: Mutex::new(None), reading: tokio::sync::Mutex::new(()), failed_at: Mutex::new(None) }
    }
}

struct Stamped<T> {
    value: Arc<T>,
    /// The count of changes when the read began.
    changes: u64,
    read_at: Instant,
}

impl<T> Kept<T> {
    fn fresh(&self, changes: u64, usable: &impl Fn(&T) -> bool) -> Option<Arc<T>> {
        let value = self.value.lock().expect("a kept read is never left half-changed");
        value
            .as_ref()
            .filter(|s| s.changes == changes && s.read_at.elapsed() < FRESH_FOR && usable(&s.value))
            .map(|s| s.value.clone())
    }

    async fn get(
        &self,
        changes: &AtomicU64,
        usable: impl Fn(&T) -> bool,
        read: impl Future<Output = sqlx::Result<T>>,
    ) -> sqlx::Result<Arc<T>> {
        if let Some(value) = self.fresh(changes.load(Ordering::Acquire), &usable) {
            return Ok(value);
        }
        let asked = Instant::now();
        // No longer than a connection is waited for: past that, the read under way is stuck
        // (a database gone or locked), and this request is told to try again, as without it.
        let Ok(_reading) = tokio::time::timeout(crate::db::ACQUIRE_TIMEOUT, self.reading.lock()).await else {
            return Err(sqlx::Error::PoolTimedOut);
        };
        if self.failed_at.lock().expect("never left half-changed").is_some_and(|failed| failed >= asked) {
            return Err(sqlx::Error::PoolTimedOut);
        }
        // Taken before the read: a change made while it runs leaves it stale.
        let now = changes.load(Ordering::Acquire);
        // Another request may have read it while this one waited.
        if let Some(value) = self.fresh(now, &usable) {
            return Ok(value);
        }
        let read_at = Instant::now();
        let value = match read.await {
            Ok(value) => Arc::new(value),
            Err(e) => {
                *self.failed_at.lock().expect("never left half-changed") = Some(Instant::now());
                return Err(e);
            }
        };
        *self.value.lock().expect("a kept read is never left half-changed") =
            Some(Stamped { value: value.clone(), changes: now, read_at });
        Ok(value)
    }
}
