//! `placement_moves_per_1000_days` — federal indicator (CFSR Round 4): placement stability,
//! moves per 1,000 days in care. Lower is better. Needs the placements extract; without it the
//! measure is not reported at all.
//!
//! - Cohort: episodes with `removal_date` in the period, excluding stays shorter than 8 days
//!   (discharged, with `discharge_date − removal_date < 8`; an open stay is kept) and children
//!   aged 18 or more on `removal_date`.
//! - Denominator: care days in the period, for each cohort episode `min(discharge_date,
//!   period_end + 1 day) − removal_date` (the discharge day not counted, `period_end` counted;
//!   a discharge after `as_of` does not exist).
//! - Numerator: placement moves: the episode's linked placements, leaving out trial home
//!   visits, runaways and respite (they are not placements), by start date (ties:
//!   placement_id); every one after the first that starts on or before `min(discharge_date,
//!   period_end)` is a move.
//! - `rate` in measures.csv is moves per day; reports show it per 1,000 days. In episodes.csv
//!   a cohort episode is `numerator` when it had at least one move, `denominator` when none.
//! - Trend: each month (cut at `as_of`) is a period of its own (care days up to its end); each
//!   rolling point is recomputed (care days run to the point's end). National performance
//!   4.48 moves per 1,000 days.

use chrono::NaiveDate;

use crate::calendar::{add_days, days_between};
use crate::extracts::Extract;
use crate::measures::{
    Candidates, CohortDate, DecidingDate, Direction, EpisodeAsOf, EvaluationContext, Evidence, Measure, RateDisplay,
    Tally, Verdict, excluded,
};
use crate::model::LinkedPlacement;
use crate::timeframes::Timeframes;

pub struct PlacementMovesPer1000Days;

impl PlacementMovesPer1000Days {
    /// The last day whose placement starts count as moves: the discharge day (when known) or
    /// the period's last day, whichever is earlier.
    fn last_move_day(episode: &EpisodeAsOf<'_>, period_end: NaiveDate) -> NaiveDate {
        episode
            .discharge()
            .map_or(period_end, |discharge| discharge.date.min(period_end))
    }

    /// The placements after the first (trial home visits, runaways and respite left out) that
    /// start on or before `last_day`: the moves.
    fn moves<'a>(episode: &EpisodeAsOf<'a>, last_day: NaiveDate) -> impl Iterator<Item = &'a LinkedPlacement> + 'a {
        episode
            .placements()
            .filter(|placement| placement.setting.is_placement())
            .skip(1)
            .filter(move |placement| placement.start_date <= last_day)
    }
}

impl Measure for PlacementMovesPer1000Days {
    fn id(&self) -> &'static str {
        "placement_moves_per_1000_days"
    }

    fn title(&self) -> &'static str {
        "Placement moves per 1,000 days in care (federal)"
    }

    fn short_title(&self) -> &'static str {
        "Placement moves"
    }

    fn section(&self) -> crate::measures::Section {
        crate::measures::Section::FederalIndicators
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["short_stay_days", "adult_age_months"]
    }

    fn direction(&self) -> Direction {
        Direction::LowerIsBetter
    }

    fn rate_display(&self) -> RateDisplay {
        RateDisplay::PerThousandDays
    }

    fn requires(&self) -> &'static [Extract] {
        &[Extract::Placements]
    }

    fn national_default(&self) -> Option<f64> {
        Some(4.48 / 1000.0)
    }

    fn numerator_words(&self) -> [&'static str; 2] {
        ["moved at least once", "no move"]
    }

    fn tally_words(&self) -> &'static str {
        "moves; care days in the period"
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Placement moves per 1,000 days in care, for the children who entered care during the reporting period \
             (excluding stays shorter than {short} days and children aged 18 or more at entry): every placement after \
             the first, up to the discharge or the period's end, is a move; trial home visits, runaways and respite are \
             not placements. Lower is better. Federal indicator (CFSR Round 4); needs the placements extract.",
            short = timeframes.short_stay_days,
        )
    }

    fn candidates(&self) -> Candidates {
        Candidates::ByDate(CohortDate::Removal)
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let removal = episode.removal_date();
        if !context.period.contains(removal) {
            return excluded("removed_outside_period", "removal date is outside the reporting period");
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
        let care_ends = discharge.map_or(add_days(context.period.end, 1), |discharge| {
            discharge.date.min(add_days(context.period.end, 1))
        });
        let care_days = days_between(removal, care_ends);
        let last_day = Self::last_move_day(episode, context.period.end);
        let (moves, first_move) = Self::moves(episode, last_day).fold((0u32, None), |(count, first), placement| {
            (count + 1, first.or(Some(placement.start_date)))
        });
        Verdict::tallied(
            Tally {
                numerator: moves,
                denominator: u32::try_from(care_days).unwrap_or(u32::MAX),
            },
            moves > 0,
            Evidence {
                deadline: None,
                event: first_move.map(|date| ("first move", date)),
            },
        )
    }

    fn deciding_dates(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Vec<DecidingDate> {
        let last_day = Self::last_move_day(episode, context.period.end);
        let mut dates = vec![DecidingDate::new("care days and moves counted up to", last_day)];
        dates.extend(Self::moves(episode, last_day).map(|placement| {
            DecidingDate::new(
                format!("move to {}", placement.setting.canonical_code()),
                placement.start_date,
            )
        }));
        dates
    }
}

#[cfg(test)]
mod tests {
    use super::PlacementMovesPer1000Days as MEASURE;
    use crate::measures::test_support::*;

    // as_of 2026-10-31: period 2025-11-01 .. 2026-10-31.
    const AS_OF: &str = "2026-10-31";

    #[test]
    fn care_days_count_the_period_end_and_not_the_discharge_day() {
        // Open: 2026-10-01 .. 2026-10-31 inclusive = 31 days.
        check_tally(&MEASURE, AS_OF, removal("2026-10-01"), Some((0, 31)));
        // Discharged 2026-10-11: 10 days (the discharge day not counted).
        check_tally(
            &MEASURE,
            AS_OF,
            removal("2026-10-01").discharged("2026-10-11", "reunification"),
            Some((0, 10)),
        );
        // Discharged after as_of: not known, care runs to the period's end.
        check_tally(
            &MEASURE,
            "2026-10-20",
            removal("2026-10-01").discharged("2026-10-25", "reunification"),
            Some((0, 20)),
        );
        // 29 February counts as a day: 2024-02-01 .. 2024-03-01 (discharge) = 29 days.
        check_tally(
            &MEASURE,
            "2024-12-31",
            removal("2024-02-01").discharged("2024-03-01", "reunification"),
            Some((0, 29)),
        );
    }

    #[test]
    fn stays_of_7_and_8_days_removal_edges_and_age() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-03-08", "reunification"),
            "excluded:short_stay",
        );
        check_tally(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-03-09", "reunification"),
            Some((0, 8)),
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-10-31"),
            "excluded:removed_outside_period",
        );
        check_tally(&MEASURE, AS_OF, removal("2025-11-01"), Some((0, 365)));
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").born("2008-01-01"),
            "excluded:aged_18_at_removal",
        );
    }

    #[test]
    fn moves_after_the_first_placement_up_to_the_discharge_or_the_periods_end() {
        let placed = || {
            removal("2026-01-01")
                .placement("P1", "2026-01-01", "foster_family")
                .placement("P2", "2026-03-01", "group_home")
        };
        check_tally(&MEASURE, AS_OF, placed(), Some((1, 304)));
        check_verdict(&MEASURE, AS_OF, placed(), "numerator");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").placement("P1", "2026-01-01", "foster_family"),
            "denominator",
        );
        // A move on the discharge day counts; the day after does not.
        check_tally(
            &MEASURE,
            AS_OF,
            placed()
                .placement("P3", "2026-05-01", "relative_foster")
                .discharged("2026-05-01", "reunification"),
            Some((2, 120)),
        );
        check_tally(
            &MEASURE,
            AS_OF,
            placed()
                .placement("P3", "2026-05-02", "relative_foster")
                .discharged("2026-05-01", "reunification"),
            Some((1, 120)),
        );
        // A move on the period's last day counts (a trend month's last day, too).
        check_tally(
            &MEASURE,
            AS_OF,
            placed().placement("P3", "2026-10-31", "pre_adoptive"),
            Some((2, 304)),
        );
        check_month_tally(
            &MEASURE,
            AS_OF,
            "2026-01",
            placed().placement("P0", "2026-01-31", "group_home"),
            Some((1, 31)),
        );
        check_month_tally(
            &MEASURE,
            AS_OF,
            "2026-01",
            placed().placement("P0", "2026-02-01", "group_home"),
            Some((0, 31)),
        );
    }

    #[test]
    fn trial_home_visits_runaways_and_respite_are_not_moves() {
        let episode = removal("2026-01-01")
            .placement("P1", "2026-01-01", "foster_family")
            .placement("P2", "2026-02-01", "respite")
            .placement("P3", "2026-02-05", "runaway")
            .placement("P4", "2026-03-01", "trial_home_visit");
        check_tally(&MEASURE, AS_OF, episode, Some((0, 304)));
        // Nor is one the first placement: the foster home after a respite stay is the first.
        let respite_first = removal("2026-01-01")
            .placement("P1", "2026-01-01", "respite")
            .placement("P2", "2026-01-03", "foster_family");
        check_tally(&MEASURE, AS_OF, respite_first, Some((0, 304)));
    }

    #[test]
    fn ties_on_the_start_date_are_ordered_by_placement_id() {
        // Both start on the removal day: P1 is the first, P2 a move, whatever the order given.
        let episode = removal("2026-01-01")
            .placement("P2", "2026-01-01", "group_home")
            .placement("P1", "2026-01-01", "foster_family");
        check_tally(&MEASURE, AS_OF, episode, Some((1, 304)));
    }
}
