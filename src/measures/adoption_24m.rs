//! `adoption_24m` — adoption within 24 months of removal.
//!
//! - Denominator: episodes discharged to adoption with the discharge date in the reporting
//!   period (the 12 months ending on `as_of`).
//! - Numerator: those discharged on or before `removal_date + 24 months` (month-end clamped).
//! - Excluded: stays shorter than 8 days; children aged 18 or more on the removal date (when
//!   the birth date is known); discharges after `as_of`.
//! - Case list: in care on `as_of` with goal adoption; overdue when the deadline is before
//!   `as_of`; due soon when on `as_of` or within the next 60 days.

use crate::measures::timely_permanency::TimelyPermanency;
use crate::model::{DischargeReason, PermanencyGoal};

pub static ADOPTION_24M: TimelyPermanency = TimelyPermanency {
    id: "adoption_24m",
    title: "Adoption within 24 months",
    short_title: "Adopted in 24 months",
    exit_reasons: &[DischargeReason::Adoption],
    goals: &[PermanencyGoal::Adoption],
    months: |timeframes| timeframes.adoption_months,
    parameters: &[
        "adoption_months",
        "short_stay_days",
        "adult_age_months",
        "due_soon_days",
    ],
};

#[cfg(test)]
mod tests {
    use super::ADOPTION_24M as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn deadline_day_is_on_time_and_the_day_after_is_late() {
        // Removed 2024-06-05: deadline 2026-06-05.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-05").discharged("2026-06-05", "adoption"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-05").discharged("2026-06-06", "adoption"),
            "denominator",
        );
    }

    #[test]
    fn a_leap_day_removal_is_due_on_the_leap_day_two_years_later_clamped() {
        // 2024-02-29 + 24 months = 2026-02-28.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-02-29").discharged("2026-02-28", "adoption"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-02-29").discharged("2026-03-01", "adoption"),
            "denominator",
        );
    }

    #[test]
    fn age_is_judged_on_the_removal_date_only_when_known() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-05")
                .born("2006-06-05")
                .discharged("2026-01-05", "adoption"),
            "excluded:aged_18_at_removal",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-05").discharged("2026-01-05", "adoption"),
            "numerator",
        );
        // Turned 18 after removal, before discharge: still counted.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-05")
                .born("2006-06-06")
                .discharged("2026-01-05", "adoption"),
            "numerator",
        );
    }

    #[test]
    fn case_list_for_adoption_goals() {
        check_case(
            &MEASURE,
            AS_OF,
            removal("2024-10-30").goal("adoption"),
            Some(("overdue", "2026-10-30", 1)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2024-12-30").goal("adoption"),
            Some(("due_soon", "2026-12-30", -60)),
        );
        check_case(&MEASURE, AS_OF, removal("2024-12-31").goal("adoption"), None);
    }
}
