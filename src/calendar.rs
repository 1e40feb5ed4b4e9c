//! Date arithmetic exactly as `docs/measures.md` defines it: calendar months clamped to the month
//! end, business days that skip weekends and configured holidays, and reporting periods.
//!
//! Everything here is a pure function of its arguments; nothing reads the clock.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// `date + N months`: the same day N calendar months later, or that month's last day when it
/// is shorter (2024-02-29 + 12 months = 2025-02-28; 2023-08-31 + 18 months = 2025-02-28).
/// Negative `months` go back in time with the same clamping.
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let shifted = if months >= 0 {
        date.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        date.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    // chrono clamps to the month end already; it only fails outside its ±262,000-year range,
    // which validated inputs (four-digit years) never reach.
    shifted.unwrap_or(date)
}

/// `date + N days` in calendar days (negative goes back).
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let shifted = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    shifted.unwrap_or(date)
}

/// Whole days from `earlier` to `later` (negative when `later` is before `earlier`).
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Days from 1970-01-01 (negative before), as Parquet's Date counts them.
pub fn days_since_epoch(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// The date `days` days from 1970-01-01 (`None` out of chrono's range).
pub fn date_from_epoch_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_FROM_CE)?)
}

pub fn days_between(earlier: NaiveDate, later: NaiveDate) -> i64 {
    (later - earlier).num_days()
}

/// The agency's non-working days besides Saturdays and Sundays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl HolidayCalendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// `date + N business days`: the N-th Monday–Friday after `date` that is not a holiday
    /// (Friday + 2 = Tuesday; Saturday + 2 = Tuesday). `date` itself never counts.
    pub fn add_business_days(&self, date: NaiveDate, business_days: u32) -> NaiveDate {
        let mut current = date;
        let mut counted = 0;
        while counted < business_days {
            current = add_days(current, 1);
            if self.is_business_day(current) {
                counted += 1;
            }
        }
        current
    }

    pub fn dates(&self) -> impl Iterator<Item = &NaiveDate> {
        self.holidays.iter()
    }
}

/// An inclusive range of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        Self { start, end }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// Whether the period is a calendar month cut short (the month in progress on the as-of
    /// date).
    pub fn is_partial_month(&self) -> bool {
        self.start.day() == 1 && add_days(add_months(self.start, 1), -1) > self.end
    }

    /// The 12 months ending on `as_of`: `as_of − 12 months + 1 day` … `as_of`.
    pub fn reporting_period(as_of: NaiveDate) -> Self {
        Self::new(add_days(add_months(as_of, -12), 1), as_of)
    }

    /// The same period shifted by whole calendar months (used for entry cohorts).
    pub fn shifted_by_months(&self, months: i32) -> Self {
        Self::new(add_months(self.start, months), add_months(self.end, months))
    }

    /// The 12 calendar months ending with `as_of`'s month, oldest first, the last one cut at
    /// `as_of`.
    pub fn trend_months(as_of: NaiveDate) -> Vec<Self> {
        Self::months_ending_with(as_of, 12)
    }

    /// The `count` calendar months ending with `as_of`'s month, oldest first, the last one cut
    /// at `as_of`.
    pub fn months_ending_with(as_of: NaiveDate, count: u16) -> Vec<Self> {
        let first_of_as_of_month = as_of.with_day(1).unwrap_or(as_of);
        (0..i32::from(count))
            .rev()
            .map(|months_back| {
                let start = add_months(first_of_as_of_month, -months_back);
                let end = add_days(add_months(start, 1), -1).min(as_of);
                Self::new(start, end)
            })
            .collect()
    }
}

/// How often `backfill` takes an as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// Monthly: the same day each month (clamped), or each month's last day when `from` is one.
    Month,
    /// Weekly: every 7 days.
    Week,
}

/// The as-of dates from `from` to `to` inclusive.
pub fn as_of_series(from: NaiveDate, to: NaiveDate, every: Every) -> Vec<NaiveDate> {
    let month_end = add_days(from, 1).month() != from.month();
    let mut dates = Vec::new();
    for step in 0.. {
        let date = match every {
            Every::Week => add_days(from, 7 * step),
            Every::Month if month_end => add_days(add_months(add_days(from, 1), step as i32), -1),
            Every::Month => add_months(from, step as i32),
        };
        if date > to {
            break;
        }
        dates.push(date);
    }
    dates
}

/// `birth_date + 216 months ≤ date` (with the configured number of months).
pub fn is_adult_on(birth_date: NaiveDate, date: NaiveDate, adult_age_months: u32) -> bool {
    months_reached(birth_date, adult_age_months, date)
}

/// `add_months(start, months) ≤ date`, decided from the dates' months and days without making
/// the shifted date (measures ask this of every candidate in every period). The shifted date
/// lies in the month `months` after `start`'s: if that month is before `date`'s it is earlier,
/// if after, later; in `date`'s month it is `start`'s day, or the month's last day when the
/// month is shorter, and so on or before `date` exactly when `start`'s day is at most
/// `date`'s or `date` is the month's last day.
pub fn months_reached(start: NaiveDate, months: u32, date: NaiveDate) -> bool {
    let month_number = |day: NaiveDate| i64::from(day.year()) * 12 + i64::from(day.month0());
    let (shifted, current) = (month_number(start) + i64::from(months), month_number(date));
    shifted < current
        || (shifted == current && (start.day() <= date.day() || date.succ_opt().is_none_or(|next| next.day() == 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_reached_is_add_months_then_compare() {
        // Every start from 2023-12-01 to 2025-03-31 (two month ends of each length, a 29
        // February), shifted by several spans, against every date around the shifted one.
        let mut start = d("2023-12-01");
        while start <= d("2025-03-31") {
            for months in [0, 1, 2, 11, 12, 13, 18, 24, 216] {
                let shifted = add_months(start, months as i32);
                for offset in -35..=35 {
                    let date = add_days(shifted, offset);
                    assert_eq!(
                        months_reached(start, months, date),
                        shifted <= date,
                        "{start} + {months} months <= {date}"
                    );
                }
            }
            start = add_days(start, 1);
        }
    }

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn months_clamp_to_the_end_of_shorter_months() {
        let cases = [
            ("2024-02-29", 12, "2025-02-28"),
            ("2023-08-31", 18, "2025-02-28"),
            ("2024-01-31", 1, "2024-02-29"),
            ("2023-01-31", 1, "2023-02-28"),
            ("2024-03-31", -1, "2024-02-29"),
            ("2025-10-15", 12, "2026-10-15"),
            ("2024-02-29", 48, "2028-02-29"),
        ];
        for (start, months, expected) in cases {
            assert_eq!(add_months(d(start), months), d(expected), "{start} + {months}");
        }
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let no_holidays = HolidayCalendar::default();
        // 2026-10-02 is a Friday.
        assert_eq!(no_holidays.add_business_days(d("2026-10-02"), 2), d("2026-10-06"));
        // Saturday + 2 = Tuesday.
        assert_eq!(no_holidays.add_business_days(d("2026-10-03"), 2), d("2026-10-06"));
        // Sunday + 2 = Tuesday.
        assert_eq!(no_holidays.add_business_days(d("2026-10-04"), 2), d("2026-10-06"));
        // Wednesday + 2 = Friday.
        assert_eq!(no_holidays.add_business_days(d("2026-09-30"), 2), d("2026-10-02"));
        // Columbus Day Monday 2026-10-12 as a holiday: Friday + 2 = Wednesday.
        let with_monday_holiday = HolidayCalendar::new([d("2026-10-12")]);
        assert_eq!(
            with_monday_holiday.add_business_days(d("2026-10-09"), 2),
            d("2026-10-14")
        );
        assert_eq!(
            with_monday_holiday.add_business_days(d("2026-10-10"), 2),
            d("2026-10-14")
        );
    }

    #[test]
    fn reporting_period_is_twelve_months_ending_on_as_of() {
        assert_eq!(
            Period::reporting_period(d("2026-10-31")),
            Period::new(d("2025-11-01"), d("2026-10-31"))
        );
        assert_eq!(
            Period::reporting_period(d("2024-02-29")),
            Period::new(d("2023-03-01"), d("2024-02-29"))
        );
    }

    #[test]
    fn days_count_from_1970_both_ways() {
        for (date, days) in [
            ("1970-01-01", 0),
            ("1969-12-31", -1),
            ("2024-02-29", 19_782),
            ("2026-10-31", 20_757),
        ] {
            assert_eq!(days_since_epoch(d(date)), days, "{date}");
            assert_eq!(date_from_epoch_days(days), Some(d(date)), "{date}");
        }
    }

    #[test]
    fn trend_months_end_with_the_as_of_month_cut_at_as_of() {
        let months = Period::trend_months(d("2026-10-15"));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], Period::new(d("2025-11-01"), d("2025-11-30")));
        assert_eq!(months[3], Period::new(d("2026-02-01"), d("2026-02-28")));
        assert_eq!(months[11], Period::new(d("2026-10-01"), d("2026-10-15")));
        assert!(months[11].is_partial_month());
        assert!(!months[10].is_partial_month());
        assert!(
            !Period::trend_months(d("2024-02-29"))[11].is_partial_month(),
            "29 February ends its month"
        );
        assert!(Period::trend_months(d("2023-02-27"))[11].is_partial_month());
    }

    #[test]
    fn backfill_dates_step_by_month_keeping_month_ends_or_by_week() {
        let dates = |from, to, every| -> Vec<String> {
            as_of_series(d(from), d(to), every)
                .into_iter()
                .map(|date| date.to_string())
                .collect()
        };
        assert_eq!(
            dates("2024-01-31", "2024-05-15", Every::Month),
            ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
        );
        assert_eq!(
            dates("2024-01-15", "2024-03-15", Every::Month),
            ["2024-01-15", "2024-02-15", "2024-03-15"]
        );
        assert_eq!(
            dates("2024-01-30", "2024-03-01", Every::Month),
            ["2024-01-30", "2024-02-29"]
        );
        assert_eq!(
            dates("2026-10-01", "2026-10-20", Every::Week),
            ["2026-10-01", "2026-10-08", "2026-10-15"]
        );
        assert!(dates("2026-10-02", "2026-10-01", Every::Week).is_empty());
    }

    #[test]
    fn adulthood_starts_on_the_eighteenth_birthday() {
        assert!(is_adult_on(d("2008-03-10"), d("2026-03-10"), 216));
        assert!(!is_adult_on(d("2008-03-10"), d("2026-03-09"), 216));
        // Born 29 February: adult on 28 February of the 18th year.
        assert!(is_adult_on(d("2008-02-29"), d("2026-02-28"), 216));
        assert!(!is_adult_on(d("2008-02-29"), d("2026-02-27"), 216));
    }
}
