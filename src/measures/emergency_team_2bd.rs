//! `emergency_team_2bd` — a large team meeting within two business days of an emergency
//! removal.
//!
//! - Denominator: episodes with `emergency = Y`, `removal_date` in the reporting period and
//!   `removal_date + 2 business days ≤ as_of`. Business days are Monday–Friday that are not
//!   configured holidays, counted after the removal day (Friday + 2 = Tuesday).
//! - Numerator: a held `large_team` meeting linked to the episode with `removal_date ≤
//!   meeting_date ≤ removal_date + 2 business days`.
//! - Excluded: non-emergency removals, removals outside the period, windows still open.
//! - Case list: emergency removals of children in care on `as_of` with no held `large_team`
//!   meeting from the removal date to `as_of`; the deadline is `removal_date + 2 business days`:
//!   overdue when it is on or before `as_of` and in the reporting period, due soon when it is
//!   after `as_of`.

use crate::calendar::Period;
use crate::measures::{CaseEntry, CaseStatus, EpisodeAsOf, EvaluationContext, Evidence, Measure, Verdict, excluded};
use crate::model::MeetingType;
use crate::timeframes::Timeframes;

pub struct EmergencyTeamMeetingWithin2BusinessDays;

impl Measure for EmergencyTeamMeetingWithin2BusinessDays {
    fn id(&self) -> &'static str {
        "emergency_team_2bd"
    }

    fn title(&self) -> &'static str {
        "Large team meeting within 2 business days of an emergency removal"
    }

    fn short_title(&self) -> &'static str {
        "Emergency team in 2 days"
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["emergency_team_business_days"]
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the emergency removals during the reporting period whose window has closed, the share with a held large \
             team meeting between the removal date and {days} business days after it (weekends and configured holidays \
             do not count).",
            days = timeframes.emergency_team_business_days
        )
    }

    fn has_case_list(&self) -> bool {
        true
    }

    fn case_entry(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Option<CaseEntry> {
        let removal = episode.removal_date();
        if !episode.is_emergency() || !episode.in_care_on(context.as_of) {
            return None;
        }
        if episode
            .held_meetings(MeetingType::LargeTeam)
            .any(|date| removal <= date)
        {
            return None;
        }
        let deadline = context
            .holidays
            .add_business_days(removal, context.timeframes.emergency_team_business_days);
        let status = if deadline > context.as_of {
            CaseStatus::DueSoon
        } else if Period::reporting_period(context.as_of).contains(deadline) {
            CaseStatus::Overdue
        } else {
            return None;
        };
        Some(CaseEntry { status, deadline })
    }

    fn rolling_points(&self) -> crate::measures::RollingPoints {
        // The period only selects the cohort (by its date): points are sums of their pieces.
        crate::measures::RollingPoints::Additive
    }

    fn candidates(&self) -> crate::measures::Candidates {
        crate::measures::Candidates::ByDate(crate::measures::CohortDate::Removal)
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        if !episode.is_emergency() {
            return excluded("not_emergency", "not an emergency removal");
        }
        let removal = episode.removal_date();
        if !context.period.contains(removal) {
            return excluded("removed_outside_period", "removal date is outside the reporting period");
        }
        let deadline = context
            .holidays
            .add_business_days(removal, context.timeframes.emergency_team_business_days);
        if deadline > context.as_of {
            return excluded(
                "window_open",
                "the business-day window has not closed on the as-of date",
            );
        }
        let meeting = episode
            .held_meetings(MeetingType::LargeTeam)
            .find(|&date| removal <= date && date <= deadline);
        Verdict::counted(
            meeting.is_some(),
            Evidence {
                deadline: Some(deadline),
                event: meeting.map(|date| ("large team meeting", date)),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::EmergencyTeamMeetingWithin2BusinessDays as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn friday_removal_is_due_tuesday() {
        // 2026-10-02 is a Friday: deadline Tuesday 2026-10-06.
        let friday = || removal("2026-10-02").emergency();
        check_verdict(
            &MEASURE,
            AS_OF,
            friday().meeting("2026-10-06", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            friday().meeting("2026-10-07", "large_team", "held"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            friday().meeting("2026-10-02", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            friday().meeting("2026-10-01", "large_team", "held"),
            "denominator",
        );
    }

    #[test]
    fn saturday_removal_is_due_tuesday() {
        let saturday = || removal("2026-10-03").emergency();
        check_verdict(
            &MEASURE,
            AS_OF,
            saturday().meeting("2026-10-06", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            saturday().meeting("2026-10-07", "large_team", "held"),
            "denominator",
        );
    }

    #[test]
    fn a_monday_holiday_moves_the_deadline_to_wednesday() {
        // Friday 2026-10-09 and Saturday 2026-10-10, with Monday 2026-10-12 a holiday.
        let holiday = &["2026-10-12"];
        for removal_day in ["2026-10-09", "2026-10-10"] {
            check_verdict_with_holidays(
                &MEASURE,
                AS_OF,
                holiday,
                removal(removal_day)
                    .emergency()
                    .meeting("2026-10-14", "large_team", "held"),
                "numerator",
            );
            check_verdict_with_holidays(
                &MEASURE,
                AS_OF,
                holiday,
                removal(removal_day)
                    .emergency()
                    .meeting("2026-10-15", "large_team", "held"),
                "denominator",
            );
            // Without the holiday, Wednesday is late.
            check_verdict(
                &MEASURE,
                AS_OF,
                removal(removal_day)
                    .emergency()
                    .meeting("2026-10-14", "large_team", "held"),
                "denominator",
            );
        }
    }

    #[test]
    fn the_window_must_close_by_as_of_and_only_emergencies_count() {
        // Thursday 2026-10-29 + 2 business days = Monday 2026-11-02.
        check_verdict(
            &MEASURE,
            "2026-11-01",
            removal("2026-10-29").emergency(),
            "excluded:window_open",
        );
        check_verdict(&MEASURE, "2026-11-02", removal("2026-10-29").emergency(), "denominator");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-10-02").meeting("2026-10-05", "large_team", "held"),
            "excluded:not_emergency",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-10-02")
                .emergency()
                .meeting("2026-10-05", "large_team", "cancelled"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-10-02")
                .emergency()
                .meeting("2026-10-05", "initial_joint", "held"),
            "denominator",
        );
    }

    #[test]
    fn case_list_around_weekends_and_holidays_until_a_meeting_is_held() {
        // Thursday 2026-10-29 + 2 business days = Monday 2026-11-02: due in 2 days.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-29").emergency(),
            Some(("due_soon", "2026-11-02", -2)),
        );
        // Wednesday 2026-10-28 + 2 = Friday 2026-10-30: overdue by a day on Saturday as_of.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-28").emergency(),
            Some(("overdue", "2026-10-30", 1)),
        );
        // The deadline day itself (as_of 2026-10-30) is overdue by 0.
        check_case(
            &MEASURE,
            "2026-10-30",
            removal("2026-10-28").emergency(),
            Some(("overdue", "2026-10-30", 0)),
        );
        // A holiday on the Friday pushes the deadline to Monday.
        check_case_with_holidays(
            &MEASURE,
            AS_OF,
            &["2026-10-30"],
            removal("2026-10-28").emergency(),
            Some(("due_soon", "2026-11-02", -2)),
        );
        // Not an emergency, a large team meeting held (even late), or discharged: not listed.
        check_case(&MEASURE, AS_OF, removal("2026-10-28"), None);
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-20")
                .emergency()
                .meeting("2026-10-30", "large_team", "held"),
            None,
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-20")
                .emergency()
                .meeting("2026-10-19", "large_team", "held"),
            Some(("overdue", "2026-10-22", 9)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-10-28")
                .emergency()
                .discharged("2026-10-31", "reunification"),
            None,
        );
        // Outside the reporting period, an old deadline is not listed.
        check_case(&MEASURE, AS_OF, removal("2025-10-20").emergency(), None);
    }
}
