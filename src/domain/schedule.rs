//! Weekly series and their occurrences, in the clinic's own time zone.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// A group that meets every week on the same weekday at the same local time.
#[derive(Clone, Debug)]
pub struct WeeklySeries {
    pub weekday: Weekday,
    pub local_start: NaiveTime,
    pub duration: Duration,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub time_zone: Tz,
}

/// One meeting of a series, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// How far ahead a weekly series' sessions exist (`GROUPCARE_SCHEDULE_WEEKS`), so people can
/// book weeks ahead and reminders have sessions to be due from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Horizon {
    pub weeks: i64,
}

impl Default for Horizon {
    fn default() -> Horizon {
        Horizon { weeks: 12 }
    }
}

impl Horizon {
    /// The clinic-local dates whose sessions should exist at `now`: from tomorrow (today's,
    /// if any, exist already or have started) through `weeks` whole weeks, so every weekday
    /// has `weeks` dates (the last day of `weeks` weeks ahead would be one weekday's extra).
    pub fn dates(self, now: DateTime<Utc>, tz: Tz) -> (NaiveDate, NaiveDate) {
        let tomorrow = now.with_timezone(&tz).date_naive() + Duration::days(1);
        (tomorrow, tomorrow + Duration::weeks(self.weeks) - Duration::days(1))
    }
}

/// The instant a local wall-clock time names in `tz`. In the autumn hour that happens twice
/// the earlier one is taken; a time skipped in spring moves on to the first time that exists.
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut local = date.and_time(time);
    loop {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(15),
        }
    }
}

impl WeeklySeries {
    /// Every occurrence on a date in `from..=to` (and within the series' own dates):
    /// the same local time each week, whatever daylight-saving time does.
    pub fn occurrences(&self, from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
        let start = from.max(self.first_date);
        let end = to.min(self.last_date);
        let mut out = Vec::new();
        if start > end {
            return out;
        }
        let ahead = (7 + self.weekday.num_days_from_monday() as i64
            - start.weekday().num_days_from_monday() as i64)
            % 7;
        let mut date = start + Duration::days(ahead);
        while date <= end {
            let starts_at = local_to_utc(self.time_zone, date, self.local_start);
            out.push(Occurrence { starts_at, ends_at: starts_at + self.duration });
            date += Duration::days(7);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn tuesday_ten_in_los_angeles() -> WeeklySeries {
        WeeklySeries {
            weekday: Weekday::Tue,
            local_start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            duration: Duration::minutes(90),
            first_date: ymd(2026, 10, 1),
            last_date: ymd(2027, 4, 30),
            time_zone: chrono_tz::America::Los_Angeles,
        }
    }

    #[test]
    fn a_weekly_ten_oclock_group_stays_at_ten_across_both_daylight_saving_changes() {
        let series = tuesday_ten_in_los_angeles();
        let all = series.occurrences(ymd(2026, 10, 1), ymd(2027, 4, 30));
        assert_eq!(all.len(), 30);
        for o in &all {
            let local = o.starts_at.with_timezone(&series.time_zone);
            assert_eq!((local.weekday(), local.hour(), local.minute()), (Weekday::Tue, 10, 0));
            assert_eq!(o.ends_at - o.starts_at, Duration::minutes(90));
        }
        // Summer time (UTC-7) before 1 Nov 2026, standard time (UTC-8) until 14 Mar 2027.
        let utc_hour = |d: NaiveDate| {
            all.iter()
                .find(|o| o.starts_at.with_timezone(&series.time_zone).date_naive() == d)
                .unwrap()
                .starts_at
                .hour()
        };
        assert_eq!(utc_hour(ymd(2026, 10, 27)), 17);
        assert_eq!(utc_hour(ymd(2026, 11, 3)), 18);
        assert_eq!(utc_hour(ymd(2027, 3, 9)), 18);
        assert_eq!(utc_hour(ymd(2027, 3, 16)), 17);
    }

    #[test]
    fn occurrences_respect_the_series_dates_and_the_asked_range() {
        let series = tuesday_ten_in_los_angeles();
        let some = series.occurrences(ymd(2026, 9, 1), ymd(2026, 10, 14));
        let dates: Vec<_> =
            some.iter().map(|o| o.starts_at.with_timezone(&series.time_zone).date_naive()).collect();
        assert_eq!(dates, [ymd(2026, 10, 6), ymd(2026, 10, 13)]);
        assert!(series.occurrences(ymd(2027, 5, 1), ymd(2027, 6, 1)).is_empty());
    }

    #[test]
    fn a_time_skipped_in_spring_moves_to_the_first_time_that_exists() {
        let tz = chrono_tz::America::Los_Angeles;
        let t = local_to_utc(tz, ymd(2027, 3, 14), NaiveTime::from_hms_opt(2, 30, 0).unwrap());
        assert_eq!(t.with_timezone(&tz).hour(), 3);
        let fall = local_to_utc(tz, ymd(2026, 11, 1), NaiveTime::from_hms_opt(1, 30, 0).unwrap());
        assert_eq!(fall.hour(), 8, "the earlier 1:30 (still UTC-7)");
    }
}
