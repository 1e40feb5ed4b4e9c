//! `permanency_12m_in_care_12_23` — federal indicator (CFSR Round 4): permanency in 12 months
//! for children in care 12 to 23 months.
//!
//! F = the period's first day (`as_of − 12 months + 1 day`).
//! - Denominator: episodes in care on F with `removal_date + 12 months ≤ F < removal_date + 24
//!   months`.
//! - Numerator: those discharged to permanency (reunification, relative, guardianship,
//!   permanent_guardianship, adoption) on or before the period's last day and, when the birth
//!   date is known, before the 18th birthday (`discharge_date < birth_date + 216 months`).
//! - Excluded: not in care on F; in care under 12 or 24 months or more on F; aged 18 or more on
//!   F. National performance 43.8 %.
//! - Trend: month and rolling points take F as the first day of the 12 months ending on the
//!   point's last day.

use crate::measures::in_care_permanency::PermanencyInCare;

pub static PERMANENCY_12M_IN_CARE_12_23: PermanencyInCare = PermanencyInCare {
    id: "permanency_12m_in_care_12_23",
    title: "Permanency in 12 months, in care 12–23 months (federal)",
    short_title: "Permanency, in care 12–23 mo",
    from_months: |timeframes| timeframes.in_care_band_months,
    under_band: (
        "in_care_under_12_months",
        "in care fewer than {in_care_band_months} months on the period's first day",
    ),
    below_months: Some((
        |timeframes| timeframes.in_care_long_band_months,
        (
            "in_care_24_months_or_more",
            "in care {in_care_long_band_months} months or more on the period's first day",
        ),
    )),
    parameters: &["in_care_band_months", "in_care_long_band_months", "adult_age_months"],
    national: 0.438,
};

#[cfg(test)]
mod tests {
    use super::PERMANENCY_12M_IN_CARE_12_23 as MEASURE;
    use crate::measures::test_support::*;

    // as_of 2026-10-31: F = 2025-11-01.
    const AS_OF: &str = "2026-10-31";

    #[test]
    fn in_care_exactly_12_and_exactly_24_months_on_the_first_day() {
        // Removed 2024-11-01: 12 months in care on F exactly.
        check_verdict(&MEASURE, AS_OF, removal("2024-11-01"), "denominator");
        // Removed the day after: 12 months only on 2025-11-02.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-11-02"),
            "excluded:in_care_under_12_months",
        );
        // Removed 2023-11-01: 24 months on F exactly, so no longer 12–23.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2023-11-01"),
            "excluded:in_care_24_months_or_more",
        );
        check_verdict(&MEASURE, AS_OF, removal("2023-11-02"), "denominator");
    }

    #[test]
    fn month_ends_and_29_february() {
        // as_of 2025-02-28: F = 2024-02-29; removal 2023-02-28 + 12 months = 2024-02-28 ≤ F.
        check_verdict(&MEASURE, "2025-02-28", removal("2023-02-28"), "denominator");
        // as_of 2025-03-31: F = 2024-04-01. Removed 2023-03-31: + 12 months = 2024-03-31 ≤ F.
        check_verdict(&MEASURE, "2025-03-31", removal("2023-03-31"), "denominator");
        // Removed 2023-04-30 (+12 = 2024-04-30 > F): under 12 months.
        check_verdict(
            &MEASURE,
            "2025-03-31",
            removal("2023-04-30"),
            "excluded:in_care_under_12_months",
        );
        // Removed 2022-02-28 with F = 2024-02-29: + 24 months = 2024-02-28 ≤ F: 24 months or more.
        check_verdict(
            &MEASURE,
            "2025-02-28",
            removal("2022-02-28"),
            "excluded:in_care_24_months_or_more",
        );
        check_verdict(&MEASURE, "2025-02-28", removal("2022-03-01"), "denominator");
    }

    #[test]
    fn discharged_on_the_first_day_is_not_in_care_the_day_after_is() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01").discharged("2025-11-01", "reunification"),
            "excluded:not_in_care_on_first_day",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01").discharged("2025-11-02", "reunification"),
            "numerator",
        );
    }

    #[test]
    fn permanency_by_the_last_day_and_before_the_18th_birthday() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01").discharged("2026-10-31", "adoption"),
            "numerator",
        );
        // Discharged after as_of: not known yet, still in care.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01").discharged("2026-11-01", "adoption"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01").discharged("2026-01-10", "emancipation"),
            "denominator",
        );
        // The 18th birthday on the discharge day: no longer before it.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01")
                .born("2008-03-01")
                .discharged("2026-03-01", "reunification"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01")
                .born("2008-03-02")
                .discharged("2026-03-01", "reunification"),
            "numerator",
        );
        // Aged 18 on F itself: excluded; the day after F: counted.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-06-01").born("2007-11-01"),
            "excluded:aged_18_on_first_day",
        );
        check_verdict(&MEASURE, AS_OF, removal("2024-06-01").born("2007-11-02"), "denominator");
    }

    #[test]
    fn a_trend_month_takes_f_from_the_twelve_months_ending_on_its_last_day() {
        // The month of June 2026 (as_of 2026-10-31): F = 2025-07-01, last day 2026-06-30.
        check_month_verdict(
            &MEASURE,
            AS_OF,
            "2026-06",
            removal("2024-07-01").discharged("2026-06-30", "relative"),
            "numerator",
        );
        check_month_verdict(
            &MEASURE,
            AS_OF,
            "2026-06",
            removal("2024-07-01").discharged("2026-07-01", "relative"),
            "denominator",
        );
        check_month_verdict(
            &MEASURE,
            AS_OF,
            "2026-06",
            removal("2024-07-02"),
            "excluded:in_care_under_12_months",
        );
    }
}
