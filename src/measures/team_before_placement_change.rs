//! `team_before_placement_change` — a large team meeting before each planned change of
//! placement (seed 001). Counted per change, not per episode. Needs the placements extract;
//! without it the measure is not reported at all.
//!
//! - A planned placement change: each linked placement of an episode after its first (by start
//!   date, ties: placement_id; trial home visits, runaways and respite are not placements) whose
//!   `emergency` is not `Y`, with `start_date` in the period and on or before the episode's
//!   discharge (a placement recorded after the child went home is no change of that episode).
//! - Denominator: the planned placement changes; numerator: those with a held `large_team`
//!   meeting linked to the episode with `start_date − 30 days ≤ meeting_date ≤ start_date`. An
//!   office's (unit's, worker's, group's) figures count the changes of its episodes.
//! - In episodes.csv an episode is `numerator` when every one of its planned changes in the
//!   period had a meeting before it, `denominator` when at least one did not, and excluded
//!   (`no_planned_change`) when it had none.
//! - No case list: a change is known only once it has happened.
//! - Trend: what an episode adds depends on the period only through which of its changes fall
//!   in it, so month and rolling points are sums of their pieces.

use crate::calendar::add_days;
use crate::extracts::Extract;
use crate::measures::{
    Candidates, DecidingDate, EpisodeAsOf, EvaluationContext, Evidence, Measure, RollingPoints, Tally, Verdict,
    excluded,
};
use crate::model::{LinkedPlacement, MeetingType};
use crate::timeframes::Timeframes;

pub struct TeamBeforePlacementChange;

impl TeamBeforePlacementChange {
    /// The episode's planned changes in the context's period, each with the held large team
    /// meeting before it, if any (the latest).
    fn changes<'a, 'b>(
        episode: &'b EpisodeAsOf<'a>,
        context: &'b EvaluationContext<'_>,
    ) -> impl Iterator<Item = (&'a LinkedPlacement, Option<chrono::NaiveDate>)> + 'b {
        let days = i64::from(context.timeframes.team_before_decision_days);
        let discharge = episode.discharge().map(|discharge| discharge.date);
        episode
            .planned_placement_changes()
            .filter(|change| context.period.contains(change.start_date))
            .filter(move |change| discharge.is_none_or(|discharge| change.start_date <= discharge))
            .map(move |change| {
                let earliest = add_days(change.start_date, -days);
                let meeting = episode
                    .held_meetings(MeetingType::LargeTeam)
                    .filter(|&date| earliest <= date && date <= change.start_date)
                    .last();
                (change, meeting)
            })
    }
}

impl Measure for TeamBeforePlacementChange {
    fn id(&self) -> &'static str {
        "team_before_placement_change"
    }

    fn title(&self) -> &'static str {
        "Large team meeting before a planned placement change"
    }

    fn short_title(&self) -> &'static str {
        "Team before a move"
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["team_before_decision_days"]
    }

    fn requires(&self) -> &'static [Extract] {
        &[Extract::Placements]
    }

    fn numerator_words(&self) -> [&'static str; 2] {
        [
            "a large team meeting before every change",
            "no large team meeting before at least one change",
        ]
    }

    fn tally_words(&self) -> &'static str {
        "planned placement changes with a meeting before them; planned placement changes"
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the planned placement changes during the reporting period (every placement after a child's first, \
             not an emergency change; respite, runaways and trial home visits are not placements), the share with a \
             held large team meeting in the {days} days before the change, or on its day. Counted per change; needs \
             the placements extract.",
            days = timeframes.team_before_decision_days,
        )
    }

    fn candidates(&self) -> Candidates {
        Candidates::PlacementChangeDuring
    }

    fn rolling_points(&self) -> RollingPoints {
        // Only which changes fall in the period matters: points are sums of their pieces.
        RollingPoints::Additive
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        // One pass, no list: evaluated for every candidate of every period.
        let mut tally = Tally {
            numerator: 0,
            denominator: 0,
        };
        let (mut first_missed, mut last_meeting) = (None, None);
        for (change, meeting) in Self::changes(episode, context) {
            tally.denominator = tally.denominator.saturating_add(1);
            match meeting {
                Some(date) => {
                    tally.numerator = tally.numerator.saturating_add(1);
                    last_meeting = Some(date);
                }
                None => first_missed = first_missed.or(Some(change.start_date)),
            }
        }
        if tally.denominator == 0 {
            return excluded(
                "no_planned_change",
                "no planned placement change during the reporting period",
            );
        }
        Verdict::tallied(
            tally,
            first_missed.is_none(),
            Evidence {
                deadline: first_missed,
                event: last_meeting.map(|date| ("large team meeting", date)),
            },
        )
    }

    fn deciding_dates(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Vec<DecidingDate> {
        Self::changes(episode, context)
            .map(|(change, meeting)| {
                let what = match meeting {
                    Some(meeting) => format!(
                        "planned change to {} (large team meeting {meeting})",
                        change.setting.canonical_code()
                    ),
                    None => format!(
                        "planned change to {} (no large team meeting before it)",
                        change.setting.canonical_code()
                    ),
                };
                DecidingDate::new(what, change.start_date)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::TeamBeforePlacementChange as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    /// Placed 2026-01-05, moved on 2026-06-15.
    fn moved() -> EpisodeBuilder {
        removal("2026-01-05")
            .placement("P1", "2026-01-05", "foster_family")
            .placement("P2", "2026-06-15", "relative_foster")
    }

    #[test]
    fn a_meeting_up_to_30_days_before_the_change_or_on_its_day() {
        check_tally(
            &MEASURE,
            AS_OF,
            moved().meeting("2026-05-16", "large_team", "held"),
            Some((1, 1)),
        );
        check_tally(
            &MEASURE,
            AS_OF,
            moved().meeting("2026-05-15", "large_team", "held"),
            Some((0, 1)),
        );
        check_tally(
            &MEASURE,
            AS_OF,
            moved().meeting("2026-06-15", "large_team", "held"),
            Some((1, 1)),
        );
        check_tally(
            &MEASURE,
            AS_OF,
            moved().meeting("2026-06-16", "large_team", "held"),
            Some((0, 1)),
        );
    }

    #[test]
    fn the_first_placement_emergencies_and_respite_are_no_planned_changes() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-05").placement("P1", "2026-01-05", "foster_family"),
            "excluded:no_planned_change",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-05")
                .placement("P1", "2026-01-05", "foster_family")
                .emergency_placement("P2", "2026-06-15", "group_home"),
            "excluded:no_planned_change",
        );
        // A respite stay between two placements: the return to the foster home is no change.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-05")
                .placement("P1", "2026-01-05", "foster_family")
                .placement("P2", "2026-03-01", "respite")
                .placement("P3", "2026-03-04", "trial_home_visit"),
            "excluded:no_planned_change",
        );
        // Respite first: the foster home after it is the first placement, not a change.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-05")
                .placement("P1", "2026-01-05", "respite")
                .placement("P2", "2026-01-08", "foster_family"),
            "excluded:no_planned_change",
        );
    }

    #[test]
    fn two_changes_one_with_a_meeting_count_per_change_and_the_episode_is_denominator() {
        let episode = || {
            moved()
                .placement("P3", "2026-09-01", "pre_adoptive")
                .meeting("2026-06-01", "large_team", "held")
        };
        check_tally(&MEASURE, AS_OF, episode(), Some((1, 2)));
        check_verdict(&MEASURE, AS_OF, episode(), "denominator");
        check_verdict(
            &MEASURE,
            AS_OF,
            episode().meeting("2026-08-20", "large_team", "held"),
            "numerator",
        );
    }

    #[test]
    fn changes_outside_the_period_or_after_the_return_home_are_not_counted() {
        // A change after the discharge is no change of this episode.
        check_verdict(
            &MEASURE,
            AS_OF,
            moved().discharged("2026-06-14", "reunification"),
            "excluded:no_planned_change",
        );
        check_tally(
            &MEASURE,
            AS_OF,
            moved().discharged("2026-06-15", "reunification"),
            Some((0, 1)),
        );
        // The period's first day counts, the day before does not.
        let on = |start: &str| {
            removal("2025-01-05")
                .placement("P1", "2025-01-05", "foster_family")
                .placement("P2", start, "group_home")
        };
        check_tally(&MEASURE, AS_OF, on("2025-11-01"), Some((0, 1)));
        check_verdict(&MEASURE, AS_OF, on("2025-10-31"), "excluded:no_planned_change");
        // A trend month counts its own changes.
        check_month_tally(&MEASURE, AS_OF, "2026-06", moved(), Some((0, 1)));
        check_month_tally(&MEASURE, AS_OF, "2026-07", moved(), None);
    }
}
