//! Business days: which dates parcels ship and travel on.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{OmsError, Result};

/// Weekends and holidays, on which nothing ships or moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Days of the week off (default Saturday and Sunday).
    #[serde(default = "weekend")]
    pub weekend: Vec<Weekday>,
    /// Dates off, e.g. public holidays.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

fn weekend() -> Vec<Weekday> {
    vec![Weekday::Sat, Weekday::Sun]
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            weekend: weekend(),
            holidays: Vec::new(),
        }
    }
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Business days are looked for at most this far ahead: a calendar with
/// no business day in a year is refused rather than searched forever.
const HORIZON_DAYS: u32 = 366;

impl Calendar {
    pub(super) fn check(&self) -> Result<()> {
        if WEEK.iter().all(|d| self.weekend.contains(d)) {
            return Err(OmsError::validation(
                "calendar.weekend",
                "leaves no business day in the week",
            ));
        }
        Ok(())
    }

    /// Whether parcels ship and move on `date`.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !self.weekend.contains(&date.weekday()) && !self.holidays.contains(&date)
    }

    /// The first business day on or after `date`.
    pub fn on_or_after(&self, date: NaiveDate) -> Result<NaiveDate> {
        let mut d = date;
        for _ in 0..=HORIZON_DAYS {
            if self.is_business_day(d) {
                return Ok(d);
            }
            d = next(d)?;
        }
        Err(OmsError::validation(
            "calendar",
            format!("no business day within {HORIZON_DAYS} days of {date}"),
        ))
    }

    /// `days` business days after `date` (the date itself when 0).
    pub fn add_business_days(&self, date: NaiveDate, days: u32) -> Result<NaiveDate> {
        let mut d = date;
        for _ in 0..days {
            d = self.on_or_after(next(d)?)?;
        }
        Ok(d)
    }

    /// The date a parcel ships from a location whose clock is
    /// `utc_offset_minutes` from UTC: `at`'s local date when that is a
    /// business day and `at` is not after the `cutoff`, else the next
    /// business day; then `handling_days` business days later.
    pub fn ship_date(
        &self,
        at: DateTime<Utc>,
        utc_offset_minutes: i32,
        cutoff: NaiveTime,
        handling_days: u32,
    ) -> Result<NaiveDate> {
        let local = at.naive_utc() + Duration::minutes(i64::from(utc_offset_minutes));
        let today = local.date();
        let first = if self.is_business_day(today) && local.time() <= cutoff {
            today
        } else {
            self.on_or_after(next(today)?)?
        };
        self.add_business_days(first, handling_days)
    }
}

fn next(d: NaiveDate) -> Result<NaiveDate> {
    d.checked_add_days(Days::new(1))
        .ok_or_else(|| OmsError::validation("at", "date out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekends_holidays_and_cutoffs() {
        let cal = Calendar {
            holidays: vec![date("2026-11-26")], // Thanksgiving, a Thursday
            ..Calendar::default()
        };
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Friday before the cutoff ships Friday; after it, Monday.
        assert_eq!(
            cal.ship_date(at("2026-11-20T16:59:00Z"), 0, five, 0)
                .unwrap(),
            date("2026-11-20")
        );
        assert_eq!(
            cal.ship_date(at("2026-11-20T17:01:00Z"), 0, five, 0)
                .unwrap(),
            date("2026-11-23")
        );
        // 14:00 UTC is 09:00 in New York (UTC-5): before its cutoff.
        assert_eq!(
            cal.ship_date(at("2026-11-20T21:30:00Z"), -300, five, 0)
                .unwrap(),
            date("2026-11-20")
        );
        // Saturday ships Monday; one handling day makes it Tuesday.
        assert_eq!(
            cal.ship_date(at("2026-11-21T08:00:00Z"), 0, five, 1)
                .unwrap(),
            date("2026-11-24")
        );
        // Wednesday + 2 business days skips Thanksgiving and the weekend.
        assert_eq!(
            cal.add_business_days(date("2026-11-25"), 2).unwrap(),
            date("2026-11-30")
        );
        let closed = Calendar {
            weekend: WEEK.to_vec(),
            holidays: vec![],
        };
        assert!(closed.check().is_err());
    }
}
