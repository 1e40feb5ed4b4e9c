//! `relative_notice_30d` — relatives notified within 30 days of removal.
//!
//! - Denominator: episodes with `removal_date` in the reporting period whose window has closed
//!   (`removal_date + 30 days ≤ as_of`).
//! - Numerator: those with at least one linked notice dated on or before `removal_date + 30
//!   days` (a notice linked by removal_id counts even if dated before the removal).
//! - Excluded: removals outside the period, windows still open on `as_of`.
//! - Case list: episodes in care on `as_of` with no linked notice dated on or before `as_of`,
//!   whenever they were removed; the deadline is `removal_date + 30 days`: overdue when it is
//!   on or before `as_of`, due soon when it is later (the window is still open).

use crate::calendar::add_days;
use crate::measures::{CaseEntry, CaseStatus, EpisodeAsOf, EvaluationContext, Evidence, Measure, Verdict, excluded};
use crate::timeframes::Timeframes;

pub struct RelativeNoticeWithin30Days;

fn deadline(episode: &EpisodeAsOf<'_>, timeframes: &Timeframes) -> chrono::NaiveDate {
    add_days(episode.removal_date(), i64::from(timeframes.relative_notice_days))
}

impl Measure for RelativeNoticeWithin30Days {
    fn id(&self) -> &'static str {
        "relative_notice_30d"
    }

    fn title(&self) -> &'static str {
        "Relatives notified within 30 days"
    }

    fn short_title(&self) -> &'static str {
        "Relatives notified in 30 days"
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["relative_notice_days"]
    }

    fn has_case_list(&self) -> bool {
        true
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children removed during the reporting period whose {days}-day window has closed, the share with a \
             relative notice on or before day {days}. Case list: children in care whose window has closed with no notice yet.",
            days = timeframes.relative_notice_days
        )
    }

    fn rolling_points(&self) -> crate::measures::RollingPoints {
        // The period only selects the cohort (by its date): points are sums of their pieces.
        crate::measures::RollingPoints::Additive
    }

    fn candidates(&self) -> crate::measures::Candidates {
        crate::measures::Candidates::ByDate(crate::measures::CohortDate::Removal)
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        if !context.period.contains(episode.removal_date()) {
            return excluded("removed_outside_period", "removal date is outside the reporting period");
        }
        let deadline = deadline(episode, context.timeframes);
        if deadline > context.as_of {
            return excluded("window_open", "the notice window has not closed on the as-of date");
        }
        let first_notice = episode.notice_dates().next();
        Verdict::counted(
            first_notice.is_some_and(|notice| notice <= deadline),
            Evidence {
                deadline: Some(deadline),
                event: first_notice.map(|notice| ("first notice", notice)),
            },
        )
    }

    fn case_entry(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Option<CaseEntry> {
        if !episode.in_care_on(context.as_of) || episode.notice_dates().next().is_some() {
            return None;
        }
        let deadline = deadline(episode, context.timeframes);
        let status = if deadline <= context.as_of {
            CaseStatus::Overdue
        } else {
            CaseStatus::DueSoon
        };
        Some(CaseEntry { status, deadline })
    }
}

#[cfg(test)]
mod tests {
    use super::RelativeNoticeWithin30Days as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn notice_on_day_30_counts_and_day_31_does_not() {
        // Removed 2026-01-31: deadline 2026-03-02 (30 calendar days, across February).
        check_verdict(&MEASURE, AS_OF, removal("2026-01-31").notice("2026-03-02"), "numerator");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-31").notice("2026-03-03"),
            "denominator",
        );
        check_verdict(&MEASURE, AS_OF, removal("2026-01-31"), "denominator");
        // Leap year: 2024-02-01 + 30 = 2024-03-02.
        check_verdict(
            &MEASURE,
            "2024-10-31",
            removal("2024-02-01").notice("2024-03-02"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            "2024-10-31",
            removal("2024-02-01").notice("2024-03-03"),
            "denominator",
        );
        // A notice on the removal day, or linked by removal_id but dated before it, counts.
        check_verdict(&MEASURE, AS_OF, removal("2026-01-31").notice("2026-01-31"), "numerator");
        check_verdict(&MEASURE, AS_OF, removal("2026-01-31").notice("2026-01-20"), "numerator");
    }

    #[test]
    fn the_window_must_close_by_as_of() {
        // 2026-10-01 + 30 = 2026-10-31 = as_of: closed. 2026-10-02: still open.
        check_verdict(&MEASURE, AS_OF, removal("2026-10-01"), "denominator");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-10-02").notice("2026-10-03"),
            "excluded:window_open",
        );
        // A notice after as_of does not exist yet.
        check_verdict(
            &MEASURE,
            "2026-10-30",
            removal("2026-09-30").notice("2026-10-31"),
            "denominator",
        );
    }

    #[test]
    fn removals_outside_the_period_are_excluded() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-10-31").notice("2025-11-01"),
            "excluded:removed_outside_period",
        );
        check_verdict(&MEASURE, AS_OF, removal("2025-11-01").notice("2025-11-01"), "numerator");
    }

    #[test]
    fn overdue_list_is_in_care_window_closed_and_no_notice_yet() {
        // The deadline day is overdue; the day after it is still due.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-01"),
            Some(("overdue", "2026-10-31", 0)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-02"),
            Some(("due_soon", "2026-11-01", -1)),
        );
        // Removed on as_of: the whole window ahead.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-31"),
            Some(("due_soon", "2026-11-30", -30)),
        );
        // A notice already made takes an open window off the list.
        check_case(&MEASURE, AS_OF, removal("2026-10-20").notice("2026-10-21"), None);
        check_case(
            &MEASURE,
            AS_OF,
            removal("2023-01-01"),
            Some(("overdue", "2023-01-31", 1369)),
        );
        // A late notice still takes the child off the list.
        check_case(&MEASURE, AS_OF, removal("2026-01-01").notice("2026-06-01"), None);
        // A notice after as_of does not.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").notice("2026-11-01"),
            Some(("overdue", "2026-01-31", 273)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").discharged("2026-10-31", "reunification"),
            None,
        );
    }
}
