//! `initial_joint_5d` — an initial joint conversation within 5 days of placement.
//!
//! - Denominator: episodes with `placement_date` in the reporting period, `placement_date + 5
//!   days ≤ as_of`, and not discharged before `placement_date + 5 days` (placement_date is the
//!   removal date when the extract leaves it empty).
//! - Numerator: a held `initial_joint` meeting linked to the episode with `placement_date ≤
//!   meeting_date ≤ placement_date + 5 days`.
//! - Excluded: placements outside the period, windows still open on `as_of`, children
//!   discharged inside the window.
//! - Case list: children in care on `as_of`, placed on or before it, with no held
//!   `initial_joint` meeting from the placement date to `as_of`; the deadline is `placement_date
//!   + 5 days`: overdue when it is on or before `as_of` and in the reporting period, due soon
//!   when it is after `as_of`.

use crate::calendar::{Period, add_days};
use crate::measures::{CaseEntry, CaseStatus, EpisodeAsOf, EvaluationContext, Evidence, Measure, Verdict, excluded};
use crate::model::MeetingType;
use crate::timeframes::Timeframes;

pub struct InitialJointConversationWithin5Days;

impl Measure for InitialJointConversationWithin5Days {
    fn id(&self) -> &'static str {
        "initial_joint_5d"
    }

    fn title(&self) -> &'static str {
        "Initial joint conversation within 5 days of placement"
    }

    fn short_title(&self) -> &'static str {
        "Initial joint in 5 days"
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["initial_joint_days"]
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children placed during the reporting period whose {days}-day window has closed and who were still in \
             care at its end, the share with a held initial joint conversation between the placement date and day {days}.",
            days = timeframes.initial_joint_days
        )
    }

    fn has_case_list(&self) -> bool {
        true
    }

    fn rolling_points(&self) -> crate::measures::RollingPoints {
        // The period only selects the cohort (by its date): points are sums of their pieces.
        crate::measures::RollingPoints::Additive
    }

    fn candidates(&self) -> crate::measures::Candidates {
        crate::measures::Candidates::ByDate(crate::measures::CohortDate::Placement)
    }

    fn case_entry(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Option<CaseEntry> {
        let placement = episode.placement_date();
        if placement > context.as_of || !episode.in_care_on(context.as_of) {
            return None;
        }
        if episode
            .held_meetings(MeetingType::InitialJoint)
            .any(|date| placement <= date)
        {
            return None;
        }
        let deadline = add_days(placement, i64::from(context.timeframes.initial_joint_days));
        let status = if deadline > context.as_of {
            CaseStatus::DueSoon
        } else if Period::reporting_period(context.as_of).contains(deadline) {
            CaseStatus::Overdue
        } else {
            return None;
        };
        Some(CaseEntry { status, deadline })
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        let placement = episode.placement_date();
        if !context.period.contains(placement) {
            return excluded(
                "placed_outside_period",
                "placement date is outside the reporting period",
            );
        }
        let deadline = add_days(placement, i64::from(context.timeframes.initial_joint_days));
        if deadline > context.as_of {
            return excluded(
                "window_open",
                "the {initial_joint_days}-day window has not closed on the as-of date",
            );
        }
        if episode.discharge().is_some_and(|discharge| discharge.date < deadline) {
            return excluded(
                "discharged_within_window",
                "discharged before the end of the {initial_joint_days}-day window",
            );
        }
        let meeting = episode
            .held_meetings(MeetingType::InitialJoint)
            .find(|&date| placement <= date && date <= deadline);
        Verdict::counted(
            meeting.is_some(),
            Evidence {
                deadline: Some(deadline),
                event: meeting.map(|date| ("initial joint conversation", date)),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::InitialJointConversationWithin5Days as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn meeting_on_day_5_counts_day_6_and_before_placement_do_not() {
        let placed = || removal("2026-03-01").placed("2026-03-02");
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-07", "initial_joint", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-02", "initial_joint", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-08", "initial_joint", "held"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-01", "initial_joint", "held"),
            "denominator",
        );
    }

    #[test]
    fn only_held_initial_joint_meetings_count() {
        let placed = || removal("2026-03-01");
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-03", "initial_joint", "cancelled"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-03", "initial_joint", "scheduled"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            placed().meeting("2026-03-03", "large_team", "held"),
            "denominator",
        );
    }

    #[test]
    fn month_end_placement_and_the_as_of_window() {
        // 2024-02-26 + 5 = 2024-03-02 in a leap year.
        check_verdict(
            &MEASURE,
            "2024-10-31",
            removal("2024-02-26").meeting("2024-03-02", "initial_joint", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            "2024-10-31",
            removal("2024-02-26").meeting("2024-03-03", "initial_joint", "held"),
            "denominator",
        );
        // Placed 2026-10-26: window closes 2026-10-31 = as_of. Placed the 27th: still open.
        check_verdict(&MEASURE, AS_OF, removal("2026-10-26"), "denominator");
        check_verdict(&MEASURE, AS_OF, removal("2026-10-27"), "excluded:window_open");
        // The placement date, not the removal date, decides the period.
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-10-30").placed("2025-11-01"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2025-10-30").placed("2025-10-31"),
            "excluded:placed_outside_period",
        );
    }

    #[test]
    fn a_discharge_before_day_5_excludes_and_on_day_5_does_not() {
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-03-05", "reunification"),
            "excluded:discharged_within_window",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-03-01").discharged("2026-03-06", "reunification"),
            "denominator",
        );
    }

    #[test]
    fn case_list_until_a_meeting_is_held_overdue_from_the_deadline_day() {
        // Placed 2026-10-26: deadline 2026-10-31 = as_of, overdue by 0; placed the day after:
        // due in a day.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-26"),
            Some(("overdue", "2026-10-31", 0)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-27"),
            Some(("due_soon", "2026-11-01", -1)),
        );
        // A meeting held late clears the item; one before the placement, cancelled, or after
        // as_of does not.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-01").meeting("2026-10-20", "initial_joint", "held"),
            None,
        );
        for (date, status) in [
            ("2026-09-30", "held"),
            ("2026-10-03", "cancelled"),
            ("2026-11-01", "held"),
        ] {
            check_case(
                &MEASURE,
                AS_OF,
                removal("2026-10-01").meeting(date, "initial_joint", status),
                Some(("overdue", "2026-10-06", 25)),
            );
        }
        // Discharged on as_of: no longer in care, off the list.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-27").discharged("2026-10-31", "reunification"),
            None,
        );
        // The deadline must be in the reporting period to be listed as overdue:
        // 2025-11-01 is its first day, 2025-10-31 is before it.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2025-10-27"),
            Some(("overdue", "2025-11-01", 364)),
        );
        check_case(&MEASURE, AS_OF, removal("2025-10-26"), None);
        // A placement after as_of has not happened yet.
        check_case(&MEASURE, AS_OF, removal("2026-10-30").placed("2026-11-01"), None);
    }
}
