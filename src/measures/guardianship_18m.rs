//! `guardianship_18m` — guardianship within 18 months of removal.
//!
//! - Denominator: episodes discharged to guardianship or permanent_guardianship with the
//!   discharge date in the reporting period (the 12 months ending on `as_of`).
//! - Numerator: those discharged on or before `removal_date + 18 months` (month-end clamped).
//! - Excluded: stays shorter than 8 days; children aged 18 or more on the removal date (when
//!   the birth date is known); discharges after `as_of`.
//! - Case list: in care on `as_of` with goal guardianship or permanent_guardianship; overdue
//!   when the deadline is before `as_of`; due soon when on `as_of` or within the next 60 days.

use crate::measures::timely_permanency::TimelyPermanency;
use crate::model::{DischargeReason, PermanencyGoal};

pub static GUARDIANSHIP_18M: TimelyPermanency = TimelyPermanency {
    id: "guardianship_18m",
    title: "Guardianship within 18 months",
    short_title: "Guardianship in 18 months",
    exit_reasons: &[DischargeReason::Guardianship, DischargeReason::PermanentGuardianship],
    goals: &[PermanencyGoal::Guardianship, PermanencyGoal::PermanentGuardianship],
    months: |timeframes| timeframes.guardianship_months,
    parameters: &[
        "guardianship_months",
        "short_stay_days",
        "adult_age_months",
        "due_soon_days",
    ],
};

#[cfg(test)]
mod tests {
    use super::GUARDIANSHIP_18M as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn deadline_day_is_on_time_and_the_day_after_is_late() {
        // Removed 2025-01-10: deadline 2026-07-10.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-10").discharged("2026-07-10", "guardianship"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-10").discharged("2026-07-11", "guardianship"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-10").discharged("2026-07-10", "permanent_guardianship"),
            "numerator",
        );
    }

    #[test]
    fn the_31st_plus_18_months_clamps_to_february() {
        // 2023-08-31 + 18 months = 2025-02-28 (as in docs/measures.md).
        check_verdict(
            &MEASURE,
            "2025-06-30",
            removal("2023-08-31").discharged("2025-02-28", "guardianship"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            "2025-06-30",
            removal("2023-08-31").discharged("2025-03-01", "guardianship"),
            "denominator",
        );
        // Into a leap February: 2022-08-31 + 18 months = 2024-02-29.
        check_verdict(
            &MEASURE,
            "2024-06-30",
            removal("2022-08-31").discharged("2024-02-29", "guardianship"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            "2024-06-30",
            removal("2022-08-31").discharged("2024-03-01", "guardianship"),
            "denominator",
        );
    }

    #[test]
    fn reunification_does_not_count_and_short_stays_are_excluded() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-10").discharged("2026-03-10", "reunification"),
            "excluded:other_discharge_reason",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-10").discharged("2026-01-17", "guardianship"),
            "excluded:short_stay",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-10").discharged("2026-01-18", "guardianship"),
            "numerator",
        );
    }

    #[test]
    fn case_list_takes_both_guardianship_goals() {
        // Removed 2025-04-30: deadline 2026-10-30, overdue by a day on 2026-10-31.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-04-30").goal("guardianship"),
            Some(("overdue", "2026-10-30", 1)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-05-01").goal("permanent_guardianship"),
            Some(("due_soon", "2026-11-01", -1)),
        );
        check_case(&MEASURE, AS_OF, removal("2025-05-01").goal("reunification"), None);
    }
}
