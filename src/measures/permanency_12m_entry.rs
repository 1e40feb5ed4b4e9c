//! `permanency_12m_entry` — the federal-style entry cohort (CFSR "permanency in 12 months for
//! children entering foster care").
//!
//! - Denominator: each child's first episode with `removal_date` in the entry window, the 12
//!   months ending 12 months before `as_of` (`as_of − 24 months + 1 day` … `as_of − 12
//!   months`). "First" is the child's earliest removal inside the window (ties: the smaller
//!   removal_id); the child's later entries in the window are excluded.
//! - Numerator: those discharged to permanency (reunification, relative, guardianship,
//!   permanent_guardianship, adoption) on or before `removal_date + 12 months`.
//! - Excluded: stays shorter than 8 days; children aged 18 or more on the removal date (when
//!   known). The first episode is chosen before these exclusions apply.
//! - Trial home visit adjustment (only with the placements extract): an episode discharged to
//!   reunification whose last linked placement starting on or before the discharge (by start
//!   date, ties: placement_id) is a trial home visit that began more than 30 days before the
//!   discharge is judged, for the 12-month test only, as if discharged on `trial_home_visit
//!   start + 30 days` (the 8-day exclusion uses the real discharge date).
//! - Trend months: the entry window of a month is that month (cut at `as_of`) 12 months
//!   earlier, and `measures.csv` shows that entry window as the period; a rolling point's is the
//!   headline's window for the 12 months ending on the point's last day. National performance
//!   35.2 %.

use chrono::NaiveDate;

use crate::calendar::{Period, add_days, add_months, days_between};
use crate::measures::{DecidingDate, EpisodeAsOf, EvaluationContext, Evidence, Measure, PeriodKind, Verdict, excluded};
use crate::model::{DischargeReason, PlacementSetting};
use crate::timeframes::Timeframes;

pub struct PermanencyWithin12MonthsOfEntry;

impl Measure for PermanencyWithin12MonthsOfEntry {
    fn id(&self) -> &'static str {
        "permanency_12m_entry"
    }

    fn title(&self) -> &'static str {
        "Permanency within 12 months of entry (federal entry cohort)"
    }

    fn short_title(&self) -> &'static str {
        "Permanency, entry cohort"
    }

    fn section(&self) -> crate::measures::Section {
        crate::measures::Section::FederalIndicators
    }

    fn parameters(&self) -> &'static [&'static str] {
        &[
            "entry_cohort_permanency_months",
            "short_stay_days",
            "adult_age_months",
            "trial_home_visit_days",
        ]
    }

    fn national_default(&self) -> Option<f64> {
        Some(0.352)
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children who entered care in the 12 months ending {months} months before the as-of date (each child's \
             first entry in that window; excluding stays shorter than {short} days and children aged 18 or more at entry), \
             the share discharged to permanency (reunification, relative, guardianship, permanent guardianship or adoption) \
             within {months} months of entering.",
            months = timeframes.entry_cohort_permanency_months,
            short = timeframes.short_stay_days,
        )
    }

    fn cohort_period(&self, period: Period, kind: PeriodKind, timeframes: &Timeframes) -> Period {
        let months = timeframes.entry_cohort_permanency_months as i32;
        match kind {
            // as_of − (12 + m) months + 1 day … as_of − m months, literally as docs/measures.md says.
            PeriodKind::Headline | PeriodKind::Rolling => Period::new(
                add_days(add_months(period.end, -(12 + months)), 1),
                add_months(period.end, -months),
            ),
            PeriodKind::Month => period.shifted_by_months(-months),
        }
    }

    fn candidates(&self) -> crate::measures::Candidates {
        crate::measures::Candidates::ByDate(crate::measures::CohortDate::Removal)
    }

    fn same_verdict_in_every_period(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> bool {
        // Only an earlier entry of the child in the same window can change the verdict, and a
        // window is at most 12 months long.
        let earliest = add_months(episode.removal_date(), -12);
        context.episodes_of_child(episode).all(|other| {
            other.position() == episode.position()
                || other.removal_date() < earliest
                || other.removal_date() > episode.removal_date()
        })
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let removal = episode.removal_date();
        if !context.period.contains(removal) {
            return excluded("entered_outside_window", "removal date is outside the entry window");
        }
        let first_in_window = context
            .episodes_of_child(episode)
            .find(|other| context.period.contains(other.removal_date()));
        if first_in_window.is_some_and(|first| first.position() != episode.position()) {
            return excluded(
                "not_first_entry_in_window",
                "the child entered care earlier in the same entry window",
            );
        }
        let discharge = episode.discharge();
        if let Some(discharge) = discharge
            && days_between(removal, discharge.date) < i64::from(context.timeframes.short_stay_days)
        {
            return excluded("short_stay", "in care fewer than {short_stay_days} days");
        }
        if episode.is_adult_on(removal, context.timeframes) {
            return excluded(
                "aged_18_at_removal",
                "aged 18 or more (birth date + {adult_age_months} months) on the removal date",
            );
        }
        let deadline = add_months(removal, context.timeframes.entry_cohort_permanency_months as i32);
        let judged = discharge.map(
            |discharge| match trial_home_visit_adjustment(episode, context.timeframes) {
                Some(adjusted) => (
                    "discharge, as adjusted for a trial home visit",
                    discharge.reason,
                    adjusted,
                ),
                None => ("discharge", discharge.reason, discharge.date),
            },
        );
        let in_numerator = judged.is_some_and(|(_, reason, date)| reason.is_permanency() && date <= deadline);
        Verdict::counted(
            in_numerator,
            Evidence {
                deadline: Some(deadline),
                event: judged.map(|(what, _, date)| (what, date)),
            },
        )
    }

    fn deciding_dates(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Vec<DecidingDate> {
        let mut dates = Vec::new();
        if let Some(visit) = last_trial_home_visit(episode) {
            dates.push(DecidingDate::new("trial home visit began", visit));
        }
        if let Some(adult) = episode.adult_from(context.timeframes) {
            dates.push(DecidingDate::new("18th birthday", adult));
        }
        dates
    }
}

/// When the episode's last linked placement starting on or before its discharge is a trial
/// home visit, the day it began.
fn last_trial_home_visit(episode: &EpisodeAsOf<'_>) -> Option<NaiveDate> {
    let discharge = episode.discharge()?;
    let last = episode
        .placements()
        .take_while(|placement| placement.start_date <= discharge.date)
        .last()?;
    (last.setting == PlacementSetting::TrialHomeVisit).then_some(last.start_date)
}

/// The date a reunification after a trial home visit longer than the configured days is judged
/// by: `visit start + days`; `None` when no adjustment applies.
fn trial_home_visit_adjustment(episode: &EpisodeAsOf<'_>, timeframes: &Timeframes) -> Option<NaiveDate> {
    let discharge = episode.discharge()?;
    if discharge.reason != DischargeReason::Reunification {
        return None;
    }
    let visit = last_trial_home_visit(episode)?;
    let days = i64::from(timeframes.trial_home_visit_days);
    (days_between(visit, discharge.date) > days).then(|| add_days(visit, days))
}

#[cfg(test)]
mod tests {
    use super::PermanencyWithin12MonthsOfEntry as MEASURE;
    use crate::measures::test_support::*;

    // Entry window for as_of 2026-10-31: 2024-11-01 .. 2025-10-31.
    const AS_OF: &str = "2026-10-31";

    #[test]
    fn entry_window_edges() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-11-01").discharged("2025-03-01", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-10-31").discharged("2025-03-01", "reunification"),
            "excluded:entered_outside_window",
        );
        check_verdict(&MEASURE, AS_OF, removal("2025-10-31"), "denominator");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-11-01"),
            "excluded:entered_outside_window",
        );
        // as_of 2026-02-28: as_of − 24 months = 2024-02-28, so the window is 2024-02-29 .. 2025-02-28.
        check_verdict(
            &MEASURE,
            "2026-02-28",
            removal("2024-02-28"),
            "excluded:entered_outside_window",
        );
        check_verdict(&MEASURE, "2026-02-28", removal("2024-02-29"), "denominator");
        check_verdict(&MEASURE, "2026-02-28", removal("2025-02-28"), "denominator");
        // as_of 2026-03-01: window 2024-03-02 .. 2025-03-01.
        check_verdict(
            &MEASURE,
            "2026-03-01",
            removal("2024-03-01"),
            "excluded:entered_outside_window",
        );
    }

    #[test]
    fn permanency_on_the_twelve_month_deadline_counts_and_the_day_after_does_not() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").discharged("2026-01-15", "relative"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").discharged("2026-01-16", "relative"),
            "denominator",
        );
        // 2024-02-29 entry (as_of 2025-12-31 window 2024-01-01..2024-12-31): deadline 2025-02-28.
        check_verdict(
            &MEASURE,
            "2025-12-31",
            removal("2024-02-29").discharged("2025-02-28", "adoption"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            "2025-12-31",
            removal("2024-02-29").discharged("2025-03-01", "adoption"),
            "denominator",
        );
    }

    #[test]
    fn non_permanent_exits_and_exclusions() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").discharged("2025-06-15", "runaway"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").discharged("2025-06-15", "emancipation"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").discharged("2025-01-22", "reunification"),
            "excluded:short_stay",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").discharged("2025-01-23", "reunification"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15").born("2007-01-15"),
            "excluded:aged_18_at_removal",
        );
        check_verdict(&MEASURE, AS_OF, removal("2025-01-15").born("2007-01-16"), "denominator");
    }

    #[test]
    fn only_the_childs_first_entry_in_the_window_counts() {
        let episodes = || {
            vec![
                removal("2024-06-01")
                    .ids("R1", "C1")
                    .discharged("2024-12-01", "reunification"),
                removal("2025-02-01")
                    .ids("R2", "C1")
                    .discharged("2025-03-01", "reunification"),
                removal("2025-05-01").ids("R3", "C1"),
            ]
        };
        // R1 is before the window; R2 is the first entry inside it; R3 is a re-entry.
        check_verdict_among(&MEASURE, AS_OF, &[], episodes(), 0, "excluded:entered_outside_window");
        check_verdict_among(&MEASURE, AS_OF, &[], episodes(), 1, "numerator");
        check_verdict_among(
            &MEASURE,
            AS_OF,
            &[],
            episodes(),
            2,
            "excluded:not_first_entry_in_window",
        );
        // Another child's episodes do not matter.
        let two_children = vec![
            removal("2025-02-01").ids("R1", "C1"),
            removal("2025-01-01").ids("R2", "C2"),
        ];
        check_verdict_among(&MEASURE, AS_OF, &[], two_children, 0, "denominator");
    }

    #[test]
    fn a_trial_home_visit_of_more_than_30_days_counts_as_a_discharge_30_days_after_it_began() {
        // Removed 2025-01-15: deadline 2026-01-15. Reunified 2026-02-20, after a trial home
        // visit from 2026-01-16 (35 days): judged as discharged 2026-02-15, still late.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15")
                .placement("P1", "2025-01-15", "foster_family")
                .placement("P2", "2026-01-16", "trial_home_visit")
                .discharged("2026-02-20", "reunification"),
            "denominator",
        );
        // The visit began 2025-12-16: 2025-12-16 + 30 = 2026-01-15, the deadline: on time.
        let visit_from = |start: &str, discharge: &str| {
            removal("2025-01-15")
                .placement("P1", "2025-01-15", "foster_family")
                .placement("P2", start, "trial_home_visit")
                .discharged(discharge, "reunification")
        };
        // 31 days' visit (2025-12-16 .. 2026-01-16): adjusted to 2026-01-15, on time.
        check_verdict(&MEASURE, AS_OF, visit_from("2025-12-16", "2026-01-16"), "numerator");
        // Exactly 30 days' visit (2025-12-17 .. 2026-01-16): no adjustment, a day late.
        check_verdict(&MEASURE, AS_OF, visit_from("2025-12-17", "2026-01-16"), "denominator");
        // Only a reunification is adjusted.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15")
                .placement("P2", "2025-12-16", "trial_home_visit")
                .discharged("2026-01-16", "relative"),
            "denominator",
        );
        // Only when the visit is the last placement before the discharge.
        check_verdict(
            &MEASURE,
            AS_OF,
            visit_from("2025-12-16", "2026-01-16").placement("P3", "2026-01-01", "foster_family"),
            "denominator",
        );
        // The 8-day exclusion reads the real discharge date.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-01-15")
                .placement("P2", "2024-12-01", "trial_home_visit")
                .discharged("2025-01-22", "reunification"),
            "excluded:short_stay",
        );
    }
}
