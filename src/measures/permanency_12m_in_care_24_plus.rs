//! `permanency_12m_in_care_24_plus` — federal indicator (CFSR Round 4): permanency in 12 months
//! for children in care 24 months or more.
//!
//! F = the period's first day (`as_of − 12 months + 1 day`).
//! - Denominator: episodes in care on F with `removal_date + 24 months ≤ F`.
//! - Numerator: those discharged to permanency (reunification, relative, guardianship,
//!   permanent_guardianship, adoption) on or before the period's last day and, when the birth
//!   date is known, before the 18th birthday (`discharge_date < birth_date + 216 months`).
//! - Excluded: not in care on F; in care under 24 months on F; aged 18 or more on F. National
//!   performance 37.3 %.
//! - Trend: month and rolling points take F as the first day of the 12 months ending on the
//!   point's last day.

use crate::measures::in_care_permanency::PermanencyInCare;

pub static PERMANENCY_12M_IN_CARE_24_PLUS: PermanencyInCare = PermanencyInCare {
    id: "permanency_12m_in_care_24_plus",
    title: "Permanency in 12 months, in care 24+ months (federal)",
    short_title: "Permanency, in care 24+ mo",
    from_months: |timeframes| timeframes.in_care_long_band_months,
    under_band: (
        "in_care_under_24_months",
        "in care fewer than {in_care_long_band_months} months on the period's first day",
    ),
    below_months: None,
    parameters: &["in_care_long_band_months", "adult_age_months"],
    national: 0.373,
};

#[cfg(test)]
mod tests {
    use super::PERMANENCY_12M_IN_CARE_24_PLUS as MEASURE;
    use crate::measures::test_support::*;

    // as_of 2026-10-31: F = 2025-11-01.
    const AS_OF: &str = "2026-10-31";

    #[test]
    fn in_care_exactly_24_months_on_the_first_day_counts_a_day_less_does_not() {
        check_verdict(&MEASURE, AS_OF, removal("2023-11-01"), "denominator");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2023-11-02"),
            "excluded:in_care_under_24_months",
        );
        check_verdict(&MEASURE, AS_OF, removal("2015-01-01"), "denominator");
    }

    #[test]
    fn discharged_on_the_first_day_and_the_day_after() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2022-06-01").discharged("2025-11-01", "guardianship"),
            "excluded:not_in_care_on_first_day",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2022-06-01").discharged("2025-11-02", "guardianship"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2022-06-01").discharged("2025-11-02", "transfer"),
            "denominator",
        );
    }

    #[test]
    fn the_18th_birthday_on_the_discharge_day_is_not_before_it() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2022-06-01")
                .born("2008-05-10")
                .discharged("2026-05-10", "adoption"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2022-06-01")
                .born("2008-05-10")
                .discharged("2026-05-09", "adoption"),
            "numerator",
        );
    }
}
