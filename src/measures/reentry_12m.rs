//! `reentry_12m` — federal indicator (CFSR Round 4): re-entry to care within 12 months of a
//! discharge. Lower is better.
//!
//! - Exit window: `as_of − 24 months + 1 day` … `as_of − 12 months`, so every exit has its 12
//!   months of follow-up known on `as_of`.
//! - Denominator: for each child, the episode with the earliest discharge date (ties: the
//!   smaller removal_id) among those discharged in the exit window with reason reunification,
//!   relative, guardianship or permanent_guardianship; it is then excluded if the stay was
//!   shorter than 8 days or the child was aged 18 or more on the discharge date (a later exit
//!   of the same child does not take its place).
//! - Numerator: the child has another episode with `discharge_date < removal_date ≤
//!   discharge_date + 12 months`.
//! - Trend: a month's exit window is that month (cut at `as_of`) 12 months earlier; a rolling
//!   point's is the headline's window for the 12 months ending on the point's last day. Each
//!   point is recomputed (the child's first exit depends on the window). National performance
//!   5.6 %.

use chrono::NaiveDate;

use crate::calendar::{Period, add_days, add_months, days_between};
use crate::measures::{
    Candidates, CohortDate, DecidingDate, Direction, EpisodeAsOf, EvaluationContext, Evidence, Measure, PeriodKind,
    Verdict, excluded,
};
use crate::model::DischargeReason;
use crate::timeframes::Timeframes;

pub struct ReentryWithin12Months;

/// Exits after which a re-entry is counted (adoption is not one of them).
fn is_counted_exit(reason: DischargeReason) -> bool {
    matches!(
        reason,
        DischargeReason::Reunification
            | DischargeReason::Relative
            | DischargeReason::Guardianship
            | DischargeReason::PermanentGuardianship
    )
}

impl ReentryWithin12Months {
    /// The child's first re-entry after `discharge`: the earliest removal of another of the
    /// child's episodes with `discharge < removal ≤ discharge + N months`.
    fn reentry(
        &self,
        episode: &EpisodeAsOf<'_>,
        discharge: NaiveDate,
        context: &EvaluationContext<'_>,
    ) -> Option<NaiveDate> {
        let follow_up_end = add_months(discharge, context.timeframes.reentry_months as i32);
        context
            .episodes_of_child(episode)
            .filter(|other| other.position() != episode.position())
            .map(|other| other.removal_date())
            .find(|&removal| discharge < removal && removal <= follow_up_end)
    }
}

impl Measure for ReentryWithin12Months {
    fn id(&self) -> &'static str {
        "reentry_12m"
    }

    fn title(&self) -> &'static str {
        "Re-entry to care within 12 months of exit (federal)"
    }

    fn short_title(&self) -> &'static str {
        "Re-entry within 12 months"
    }

    fn section(&self) -> crate::measures::Section {
        crate::measures::Section::FederalIndicators
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["reentry_months", "short_stay_days", "adult_age_months"]
    }

    fn direction(&self) -> Direction {
        Direction::LowerIsBetter
    }

    fn national_default(&self) -> Option<f64> {
        Some(0.056)
    }

    fn numerator_words(&self) -> [&'static str; 2] {
        [
            "re-entered care within the follow-up",
            "did not re-enter care within the follow-up",
        ]
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children who left care to reunification, a relative or guardianship in the 12 months ending {months} \
             months before the as-of date (each child's first such exit; excluding stays shorter than {short} days and \
             children aged 18 or more at exit), the share who re-entered care within {months} months. Lower is better. \
             Federal indicator (CFSR Round 4).",
            months = timeframes.reentry_months,
            short = timeframes.short_stay_days,
        )
    }

    fn cohort_period(&self, period: Period, kind: PeriodKind, timeframes: &Timeframes) -> Period {
        let months = timeframes.reentry_months as i32;
        match kind {
            // end − (12 + m) months + 1 day … end − m months, as docs/measures.md says.
            PeriodKind::Headline | PeriodKind::Rolling => Period::new(
                add_days(add_months(period.end, -(12 + months)), 1),
                add_months(period.end, -months),
            ),
            PeriodKind::Month => period.shifted_by_months(-months),
        }
    }

    fn candidates(&self) -> Candidates {
        Candidates::ByDate(CohortDate::Discharge)
    }

    fn same_verdict_in_every_period(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> bool {
        // Only an earlier counted exit of the child in the same window can change the verdict,
        // and a window is at most 12 months long.
        let Some(discharge) = episode.discharge() else {
            return true;
        };
        let earliest = add_months(discharge.date, -12);
        context.episodes_of_child(episode).all(|other| {
            other.position() == episode.position()
                || other.discharge().is_none_or(|exit| {
                    !is_counted_exit(exit.reason) || exit.date < earliest || exit.date > discharge.date
                })
        })
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let window = context.period;
        let Some(discharge) = episode.discharge().filter(|discharge| window.contains(discharge.date)) else {
            return excluded("not_discharged_in_window", "not discharged in the exit window");
        };
        if !is_counted_exit(discharge.reason) {
            return excluded(
                "other_exit_reason",
                "discharged for a reason other than reunification, relative or guardianship",
            );
        }
        let first_exit = context
            .episodes_of_child(episode)
            .filter_map(|other| {
                let exit = other.discharge()?;
                (window.contains(exit.date) && is_counted_exit(exit.reason))
                    .then(|| (exit.date, other.removal_id(), other.position()))
            })
            .min();
        if first_exit.is_some_and(|(_, _, position)| position != episode.position()) {
            return excluded(
                "not_first_exit_in_window",
                "the child left care earlier in the same exit window",
            );
        }
        if days_between(episode.removal_date(), discharge.date) < i64::from(context.timeframes.short_stay_days) {
            return excluded("short_stay", "in care fewer than {short_stay_days} days");
        }
        if episode.is_adult_on(discharge.date, context.timeframes) {
            return excluded(
                "aged_18_at_discharge",
                "aged 18 or more (birth date + {adult_age_months} months) on the discharge date",
            );
        }
        let reentry = self.reentry(episode, discharge.date, context);
        Verdict::counted(
            reentry.is_some(),
            Evidence {
                deadline: Some(add_months(discharge.date, context.timeframes.reentry_months as i32)),
                event: reentry.map(|date| ("re-entry (removal)", date)),
            },
        )
    }

    fn deciding_dates(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Vec<DecidingDate> {
        let mut dates = Vec::new();
        if let Some(discharge) = episode.discharge() {
            dates.push(DecidingDate::new(
                format!("discharge ({})", discharge.reason.canonical_code()),
                discharge.date,
            ));
        }
        if let Some(adult) = episode.adult_from(context.timeframes) {
            dates.push(DecidingDate::new("18th birthday", adult));
        }
        dates
    }
}

#[cfg(test)]
mod tests {
    use super::ReentryWithin12Months as MEASURE;
    use crate::measures::test_support::*;

    // as_of 2026-10-31: exit window 2024-11-01 .. 2025-10-31.
    const AS_OF: &str = "2026-10-31";

    #[test]
    fn exit_window_edges() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-01-01").discharged("2024-11-01", "reunification"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-01-01").discharged("2024-10-31", "reunification"),
            "excluded:not_discharged_in_window",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-01-01").discharged("2025-10-31", "relative"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-01-01").discharged("2025-11-01", "relative"),
            "excluded:not_discharged_in_window",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-01-01").discharged("2025-03-01", "adoption"),
            "excluded:other_exit_reason",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-01-01"),
            "excluded:not_discharged_in_window",
        );
    }

    #[test]
    fn reentry_exactly_12_months_after_the_discharge_counts_a_day_later_does_not() {
        let child = |reentry: &str| {
            vec![
                removal("2024-01-01")
                    .ids("R1", "C1")
                    .discharged("2025-02-28", "reunification"),
                removal(reentry).ids("R2", "C1"),
            ]
        };
        check_verdict_among(&MEASURE, AS_OF, &[], child("2026-02-28"), 0, "numerator");
        check_verdict_among(&MEASURE, AS_OF, &[], child("2026-03-01"), 0, "denominator");
        // Re-entry on the discharge day itself is not after it.
        check_verdict_among(&MEASURE, AS_OF, &[], child("2025-02-28"), 0, "denominator");
        // 29 February: discharged 2024-02-29 (as_of 2026-01-31, window 2024-02-01 .. 2025-01-31):
        // + 12 months = 2025-02-28.
        let leap = |reentry: &str| {
            vec![
                removal("2023-06-01")
                    .ids("R1", "C1")
                    .discharged("2024-02-29", "guardianship"),
                removal(reentry).ids("R2", "C1"),
            ]
        };
        check_verdict_among(&MEASURE, "2026-01-31", &[], leap("2025-02-28"), 0, "numerator");
        check_verdict_among(&MEASURE, "2026-01-31", &[], leap("2025-03-01"), 0, "denominator");
    }

    #[test]
    fn a_child_with_two_exits_in_the_window_counts_once_by_the_first() {
        let episodes = || {
            vec![
                removal("2024-03-01")
                    .ids("R1", "C1")
                    .discharged("2024-12-01", "reunification"),
                removal("2025-01-10")
                    .ids("R2", "C1")
                    .discharged("2025-06-01", "reunification"),
            ]
        };
        check_verdict_among(&MEASURE, AS_OF, &[], episodes(), 0, "numerator");
        check_verdict_among(&MEASURE, AS_OF, &[], episodes(), 1, "excluded:not_first_exit_in_window");
        // The first exit is excluded (a stay of 7 days): the later one does not take its place.
        let short_first = || {
            vec![
                removal("2024-11-24")
                    .ids("R1", "C1")
                    .discharged("2024-12-01", "reunification"),
                removal("2025-01-10")
                    .ids("R2", "C1")
                    .discharged("2025-06-01", "reunification"),
            ]
        };
        check_verdict_among(&MEASURE, AS_OF, &[], short_first(), 0, "excluded:short_stay");
        check_verdict_among(
            &MEASURE,
            AS_OF,
            &[],
            short_first(),
            1,
            "excluded:not_first_exit_in_window",
        );
    }

    #[test]
    fn stays_of_7_and_8_days_and_the_18th_birthday() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-03-01").discharged("2025-03-08", "reunification"),
            "excluded:short_stay",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-03-01").discharged("2025-03-09", "reunification"),
            "denominator",
        );
        // The 18th birthday on the discharge day: aged 18 at discharge.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-03-01")
                .born("2007-05-01")
                .discharged("2025-05-01", "reunification"),
            "excluded:aged_18_at_discharge",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2024-03-01")
                .born("2007-05-02")
                .discharged("2025-05-01", "reunification"),
            "denominator",
        );
    }

    #[test]
    fn a_month_point_looks_back_12_months() {
        // The month of March 2026: exits in March 2025.
        check_month_verdict(
            &MEASURE,
            AS_OF,
            "2026-03",
            removal("2024-03-01").discharged("2025-03-31", "reunification"),
            "denominator",
        );
        check_month_verdict(
            &MEASURE,
            AS_OF,
            "2026-03",
            removal("2024-03-01").discharged("2025-04-01", "reunification"),
            "excluded:not_discharged_in_window",
        );
    }
}
