//! `team_before_return_home` — a large team meeting before a return home (seed 001,
//! "Significant Timeframes for Large Team Meetings").
//!
//! - Denominator: episodes discharged to reunification with `discharge_date` in the period,
//!   excluding stays shorter than 8 days (`discharge − removal < 8`).
//! - Numerator: those with a held `large_team` meeting linked to the episode with
//!   `discharge_date − 30 days ≤ meeting_date ≤ discharge_date`.
//! - No case list: the return home is known only once it has happened.
//! - Trend: the period only selects the discharge, so month and rolling points are sums of
//!   their pieces.

use crate::calendar::{add_days, days_between};
use crate::measures::{
    Candidates, CohortDate, EpisodeAsOf, EvaluationContext, Evidence, Measure, RollingPoints, Verdict, excluded,
};
use crate::model::{DischargeReason, MeetingType};
use crate::timeframes::Timeframes;

pub struct TeamBeforeReturnHome;

impl Measure for TeamBeforeReturnHome {
    fn id(&self) -> &'static str {
        "team_before_return_home"
    }

    fn title(&self) -> &'static str {
        "Large team meeting before a return home"
    }

    fn short_title(&self) -> &'static str {
        "Team before going home"
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["team_before_decision_days", "short_stay_days"]
    }

    fn numerator_words(&self) -> [&'static str; 2] {
        ["a large team meeting before it", "no large team meeting before it"]
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children who went home to their parents (reunification) during the reporting period (excluding stays \
             shorter than {short} days), the share with a held large team meeting in the {days} days before the return \
             home, or on its day.",
            days = timeframes.team_before_decision_days,
            short = timeframes.short_stay_days,
        )
    }

    fn candidates(&self) -> Candidates {
        Candidates::ByDate(CohortDate::Discharge)
    }

    fn rolling_points(&self) -> RollingPoints {
        // The period only selects the discharge: points are sums of their pieces.
        RollingPoints::Additive
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let Some(discharge) = episode
            .discharge()
            .filter(|discharge| context.period.contains(discharge.date))
        else {
            return excluded("not_discharged_in_period", "not discharged during the reporting period");
        };
        if discharge.reason != DischargeReason::Reunification {
            return excluded("not_a_return_home", "discharged for a reason other than reunification");
        }
        if days_between(episode.removal_date(), discharge.date) < i64::from(context.timeframes.short_stay_days) {
            return excluded("short_stay", "in care fewer than {short_stay_days} days");
        }
        let earliest = add_days(discharge.date, -i64::from(context.timeframes.team_before_decision_days));
        let meeting = episode
            .held_meetings(MeetingType::LargeTeam)
            .filter(|&date| earliest <= date && date <= discharge.date)
            .last();
        Verdict::counted(
            meeting.is_some(),
            Evidence {
                deadline: Some(discharge.date),
                event: meeting.map(|date| ("large team meeting", date)),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::TeamBeforeReturnHome as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    fn home_on(discharge: &str) -> EpisodeBuilder {
        removal("2026-01-05").discharged(discharge, "reunification")
    }

    #[test]
    fn a_meeting_up_to_30_days_before_the_return_home_or_on_its_day() {
        // Home 2026-06-15: the meeting may be from 2026-05-16 to 2026-06-15.
        check_verdict(
            &MEASURE,
            AS_OF,
            home_on("2026-06-15").meeting("2026-05-16", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            home_on("2026-06-15").meeting("2026-05-15", "large_team", "held"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            home_on("2026-06-15").meeting("2026-06-15", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            home_on("2026-06-15").meeting("2026-06-16", "large_team", "held"),
            "denominator",
        );
        // Only a held large team meeting counts.
        check_verdict(
            &MEASURE,
            AS_OF,
            home_on("2026-06-15").meeting("2026-06-01", "large_team", "cancelled"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            home_on("2026-06-15").meeting("2026-06-01", "individual", "held"),
            "denominator",
        );
    }

    #[test]
    fn stays_of_7_and_8_days_and_other_exits() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-03-08", "reunification"),
            "excluded:short_stay",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-03-09", "reunification"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-06-09", "adoption"),
            "excluded:not_a_return_home",
        );
        // The period's edges, and a return home after as_of that is not known yet.
        let home_from_2025 = |discharge: &str| removal("2025-06-01").discharged(discharge, "reunification");
        check_verdict(
            &MEASURE,
            AS_OF,
            home_from_2025("2025-10-31"),
            "excluded:not_discharged_in_period",
        );
        check_verdict(&MEASURE, AS_OF, home_from_2025("2025-11-01"), "denominator");
        check_verdict(
            &MEASURE,
            "2026-06-14",
            home_on("2026-06-15"),
            "excluded:not_discharged_in_period",
        );
    }
}
