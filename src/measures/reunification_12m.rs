//! `reunification_12m` — reunification within 12 months of removal.
//!
//! - Denominator: episodes discharged to reunification with the discharge date in the reporting
//!   period (the 12 months ending on `as_of`).
//! - Numerator: those discharged on or before `removal_date + 12 months` (same day 12 months
//!   later, or that month's last day when it is shorter).
//! - Excluded: stays shorter than 8 days (`discharge − removal < 8`); children aged 18 or more
//!   on the removal date (when the birth date is known); discharges after `as_of`.
//! - Case list: in care on `as_of` with goal reunification; overdue when the deadline is before
//!   `as_of`; due soon when it is on `as_of` or within the next 60 days.

use crate::measures::timely_permanency::TimelyPermanency;
use crate::model::{DischargeReason, PermanencyGoal};

pub static REUNIFICATION_12M: TimelyPermanency = TimelyPermanency {
    id: "reunification_12m",
    title: "Reunification within 12 months",
    short_title: "Reunified in 12 months",
    exit_reasons: &[DischargeReason::Reunification],
    goals: &[PermanencyGoal::Reunification],
    months: |timeframes| timeframes.reunification_months,
    parameters: &[
        "reunification_months",
        "short_stay_days",
        "adult_age_months",
        "due_soon_days",
    ],
};

#[cfg(test)]
mod tests {
    use super::REUNIFICATION_12M as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn discharge_on_the_deadline_is_on_time_and_the_day_after_is_late() {
        // Removed 2025-03-15: deadline 2026-03-15.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-03-15").discharged("2026-03-15", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-03-15").discharged("2026-03-16", "reunification"),
            "denominator",
        );
    }

    #[test]
    fn month_end_and_leap_day_removals_clamp_the_deadline() {
        // 2024-02-29 + 12 months = 2025-02-28.
        check_verdict(
            &MEASURE,
            "2025-10-31",
            removal("2024-02-29").discharged("2025-02-28", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            "2025-10-31",
            removal("2024-02-29").discharged("2025-03-01", "reunification"),
            "denominator",
        );
        // 2025-01-31 + 12 months = 2026-01-31 (no clamping needed), the 1st of February is late.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-31").discharged("2026-01-31", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-31").discharged("2026-02-01", "reunification"),
            "denominator",
        );
    }

    #[test]
    fn the_reporting_period_and_the_as_of_cut_off_bound_the_denominator() {
        // Period for as_of 2026-10-31: 2025-11-01 .. 2026-10-31.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-06-01").discharged("2025-11-01", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-06-01").discharged("2025-10-31", "reunification"),
            "excluded:discharged_outside_period",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").discharged("2026-10-31", "reunification"),
            "numerator",
        );
        // Discharged the day after as_of: still in care on as_of.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").discharged("2026-11-01", "reunification"),
            "excluded:not_discharged",
        );
        check_verdict(&MEASURE, AS_OF, removal("2026-11-01"), "excluded:removed_after_as_of");
    }

    #[test]
    fn short_stays_adults_and_other_exits_are_excluded() {
        // 7 days is short, 8 days counts.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-05-01").discharged("2026-05-08", "reunification"),
            "excluded:short_stay",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-05-01").discharged("2026-05-09", "reunification"),
            "numerator",
        );
        // 18th birthday on the removal day excludes; the day after does not.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-05-01")
                .born("2008-05-01")
                .discharged("2026-06-01", "reunification"),
            "excluded:aged_18_at_removal",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-05-01")
                .born("2008-05-02")
                .discharged("2026-06-01", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-05-01").discharged("2026-06-01", "adoption"),
            "excluded:other_discharge_reason",
        );
    }

    #[test]
    fn case_list_overdue_before_as_of_and_due_soon_within_60_days() {
        // Deadline 2026-10-30 is before as_of: overdue by 1 day.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-10-30").goal("reunification"),
            Some(("overdue", "2026-10-30", 1)),
        );
        // Deadline on as_of: due soon (0 days left).
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-10-31").goal("reunification"),
            Some(("due_soon", "2026-10-31", 0)),
        );
        // as_of + 60 = 2026-12-30 is the last due-soon deadline.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-12-30").goal("reunification"),
            Some(("due_soon", "2026-12-30", -60)),
        );
        check_case(&MEASURE, AS_OF, removal("2025-12-31").goal("reunification"), None);
        // Another goal, or discharged by as_of: not listed. Discharged after as_of: still in care.
        check_case(&MEASURE, AS_OF, removal("2025-01-01").goal("adoption"), None);
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-01-01")
                .goal("reunification")
                .discharged("2026-10-31", "other"),
            None,
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-01-01")
                .goal("reunification")
                .discharged("2026-11-01", "reunification"),
            Some(("overdue", "2026-01-01", 303)),
        );
    }
}
