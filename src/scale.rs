//! `groupcare seed --scale N`: a database the size of a busy year, to measure what pages cost
//! as the data grows (see `bench/` and BENCHMARKS.md). On the demo's clinics, counselors and
//! weekly groups: every week from half a year back to half a year ahead, and N invented
//! bookings in every state, spread over those groups under the seat rules (the seats of a
//! group held or attended at most once each; the rest waiting, cancelled or declined), each
//! with the one-time key's record an online request leaves.
//! Written in batches of multi-row inserts, server-side: a million bookings in about a minute.

use crate::domain::booking::{BookingStatus, seat_capacity};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Bookings written per statement.
const BATCH: usize = 50_000;

/// Weeks generated on each side of today.
const HALF_YEAR_DAYS: i32 = 182;

/// Waiting places a future group gets before further bookings are cancelled ones.
const WAITLIST_PER_GROUP: usize = 20;

/// One group as the seeder fills it.
struct Group {
    id: i64,
    past: bool,
    seats: usize,
    taken: usize,
}

impl Group {
    /// The state of the next booking put in this group: seats first (held, or attended and
    /// missed once the group is over), then the waitlist, then the ended states.
    fn next_state(&mut self, n: u64) -> BookingStatus {
        let place = self.taken;
        self.taken += 1;
        match (self.past, place < self.seats) {
            (false, true) if n.is_multiple_of(2) => BookingStatus::Confirmed,
            (false, true) => BookingStatus::Requested,
            (true, true) if n.is_multiple_of(5) => BookingStatus::NoShow,
            (true, true) => BookingStatus::Attended,
            (false, false) if place < self.seats + WAITLIST_PER_GROUP => BookingStatus::Waitlisted,
            (_, false) if n.is_multiple_of(3) => BookingStatus::Declined,
            (_, false) => BookingStatus::Cancelled,
        }
    }
}

/// A reference no real booking has: `Z` and seven letters of the reference alphabet.
fn reference(n: u64) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut out = String::from("Z");
    let mut rest = n;
    for _ in 0..7 {
        out.push(ALPHABET[(rest % 32) as usize] as char);
        rest /= 32;
    }
    out
}

/// Adds a year of weekly groups and `bookings` bookings. `progress` is told (done, total) after
/// each batch. Returns the groups added.
pub async fn seed(
    pool: &PgPool,
    bookings: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64, u64),
) -> sqlx::Result<u64> {
    let today = now.date_naive();
    let added = sqlx::query_scalar!(
        r#"with made as (
             insert into session (series_id, clinic_id, topic_id, language, starts_at, ends_at, room_capacity,
                                  seats_per_counselor)
             select r.id, r.clinic_id, r.topic_id, r.language, (d.day::date + r.local_start) at time zone c.time_zone,
                    (d.day::date + r.local_start) at time zone c.time_zone + make_interval(mins => r.duration_minutes),
                    r.room_capacity, r.seats_per_counselor
             from series r join clinic c on c.id = r.clinic_id
             cross join generate_series($1::date - $2::int, $1::date + $2::int, interval '1 day') as d (day)
             where extract(isodow from d.day)::int - 1 = r.weekday
             on conflict (series_id, starts_at) do nothing
             returning id, series_id),
           led as (
             insert into session_counselor (session_id, counselor_id)
             select made.id, sc.counselor_id from made join series_counselor sc on sc.series_id = made.series_id)
           select count(*) as "n!" from made"#,
        today,
        HALF_YEAR_DAYS
    )
    .fetch_one(pool)
    .await?;

    let mut groups: Vec<Group> = sqlx::query!(
        r#"select s.id, s.starts_at < $1 as "past!", s.room_capacity, s.seats_per_counselor,
                  (select count(*) from session_counselor sc where sc.session_id = s.id) as "counselors!",
                  (select count(*) from booking b where b.session_id = s.id) as "taken!"
           from session s where s.status = 'scheduled' order by s.starts_at"#,
        now
    )
    .map(|r| Group {
        id: r.id,
        past: r.past,
        seats: seat_capacity(r.room_capacity, r.counselors as i32, r.seats_per_counselor).max(0) as usize,
        taken: r.taken as usize,
    })
    .fetch_all(pool)
    .await?;
    if groups.is_empty() {
        return Ok(added as u64);
    }
    let first: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from booking"#).fetch_one(pool).await?;
    let mut done = 0u64;
    while done < bookings {
        let size = (bookings - done).min(BATCH as u64);
        let (mut session_ids, mut states, mut references, mut numbers) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let count = groups.len() as u64;
        for k in 0..size {
            let n = first as u64 + done + k;
            let group = &mut groups[(n % count) as usize];
            session_ids.push(group.id);
            states.push(group.next_state(n));
            references.push(reference(n));
            numbers.push(n as i64);
        }
        sqlx::query!(
            r#"with made as (
                 insert into booking (session_id, reference, manage_token_hash, status, first_name, last_name, phone,
                                      language, consent_sms, consent_voicemail, source, overlap_flag, created_at)
                 select x.session_id, x.reference, sha256(convert_to('scale booking ' || x.n, 'UTF8')), x.status,
                        (array['Ana','Luis','María','José','Rosa','Juan','Carmen','Miguel','Lucía','Pedro'])[x.n % 10 + 1],
                        (array['García','López','Martínez','Flores','Vega','Ruiz','Smith','Johnson','Brown','Lee'])[x.n / 10 % 10 + 1],
                        '+1909' || lpad((x.n % 10000000)::text, 7, '0'),
                        case when x.n % 3 = 0 then 'es'::group_language else 'en'::group_language end,
                        true, false, 'online', false, $5::timestamptz - make_interval(days => (x.n % 30)::int)
                 from unnest($1::bigint[], $2::booking_status[], $3::text[], $4::bigint[]) as x (session_id, status, reference, n)
                 on conflict (reference) do nothing
                 returning id, status, created_at),
               -- Each came as a request under a one-time key, as every online one does.
               request as (
                 insert into booking_request (key_hash, fingerprint, booking_id, answer_status, created_at)
                 select sha256(convert_to('scale request ' || id, 'UTF8')),
                        sha256(convert_to('scale fingerprint ' || id, 'UTF8')), id,
                        case when status = 'waitlisted' then 'waitlisted'::booking_status
                             else 'requested'::booking_status end, created_at
                 from made)
               insert into booking_event (booking_id, from_status, to_status, actor, at)
               select id, null, status, 'patient', created_at from made"#,
            &session_ids,
            &states as &[BookingStatus],
            &references,
            &numbers,
            now
        )
        .execute(pool)
        .await?;
        done += size;
        progress(done, bookings);
    }
    // As autovacuum would leave a real database: the planner's statistics, and the visibility
    // map that lets counts be answered from the indexes alone.
    sqlx::query!("vacuum (analyze)").execute(pool).await?;
    Ok(added as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_fills_its_seats_then_its_waitlist_then_ended_states() {
        let mut future = Group { id: 1, past: false, seats: 2, taken: 0 };
        let states: Vec<_> = (0..25).map(|n| future.next_state(n)).collect();
        assert!(states[..2].iter().all(|s| s.holds_seat()));
        assert!(states[2..22].iter().all(|s| *s == BookingStatus::Waitlisted));
        assert!(states[22..].iter().all(|s| !s.is_active()));
        let mut past = Group { id: 2, past: true, seats: 2, taken: 0 };
        let states: Vec<_> = (0..5).map(|n| past.next_state(n)).collect();
        assert!(states[..2].iter().all(|s| matches!(s, BookingStatus::Attended | BookingStatus::NoShow)));
        assert!(states[2..].iter().all(|s| matches!(s, BookingStatus::Cancelled | BookingStatus::Declined)));
    }

    #[test]
    fn scale_references_are_eight_characters_and_distinct() {
        assert_eq!(reference(0).len(), 8);
        assert_ne!(reference(1), reference(32));
        assert!(reference(999_999).starts_with('Z'));
    }
}
