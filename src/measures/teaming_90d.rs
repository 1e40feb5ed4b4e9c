//! `teaming_90d` — a point-in-time measure: a held large team meeting at least every 90 days.
//!
//! - Point: `as_of` for the headline; for a trend month, the month's last day (or `as_of`),
//!   which is the end of the period handed to the measure.
//! - Denominator: episodes in care on the point (removed on or before it, not discharged on or
//!   before it) that began at least 90 days before it (`removal_date ≤ point − 90 days`).
//! - Numerator: those with a held `large_team` meeting linked to the episode with `point − 90
//!   days < meeting_date ≤ point`.
//! - Case list: children in care on `as_of`, with the deadline the latest held large team
//!   meeting on or before `as_of` (or the removal, if later or if none) + 90 days: overdue when
//!   it is on or before `as_of` (exactly the denominator minus the numerator), due soon when it
//!   is within the next 14 days.

use crate::calendar::add_days;
use crate::measures::{CaseEntry, CaseStatus, EpisodeAsOf, EvaluationContext, Evidence, Measure, Verdict, excluded};
use crate::model::MeetingType;
use crate::timeframes::Timeframes;

pub struct TeamingMeetingEvery90Days;

impl TeamingMeetingEvery90Days {
    fn verdict_on(&self, episode: &EpisodeAsOf<'_>, point: chrono::NaiveDate, timeframes: &Timeframes) -> Verdict {
        if !episode.in_care_on(point) {
            return excluded("not_in_care_on_point", "not in care on the measurement date");
        }
        let interval = i64::from(timeframes.teaming_interval_days);
        let window_start = add_days(point, -interval);
        if episode.removal_date() > window_start {
            return excluded(
                "in_care_under_90_days",
                "in care for fewer than {teaming_interval_days} days on the measurement date",
            );
        }
        let latest_meeting = episode
            .held_meetings(MeetingType::LargeTeam)
            .filter(|&date| date <= point)
            .last();
        let baseline = latest_meeting.map_or(episode.removal_date(), |date| date.max(episode.removal_date()));
        Verdict::counted(
            latest_meeting.is_some_and(|date| date > window_start),
            Evidence {
                deadline: Some(add_days(baseline, interval)),
                event: latest_meeting.map(|date| ("latest large team meeting", date)),
            },
        )
    }
}

impl Measure for TeamingMeetingEvery90Days {
    fn id(&self) -> &'static str {
        "teaming_90d"
    }

    fn title(&self) -> &'static str {
        "Teaming meeting in the last 90 days"
    }

    fn short_title(&self) -> &'static str {
        "Teaming every 90 days"
    }

    fn parameters(&self) -> &'static [&'static str] {
        &["teaming_interval_days", "teaming_due_soon_days"]
    }

    fn has_case_list(&self) -> bool {
        true
    }

    fn definition(&self, timeframes: &Timeframes) -> String {
        format!(
            "Of the children in care on the as-of date who have been in care at least {days} days, the share with a held \
             large team meeting in the last {days} days. Trend points are taken on each month's last day. Case list: \
             those without one.",
            days = timeframes.teaming_interval_days
        )
    }

    fn rolling_points(&self) -> crate::measures::RollingPoints {
        // Point-in-time on the period's last day: a month's point is already the rolling one.
        crate::measures::RollingPoints::SameAsMonth
    }

    fn candidates(&self) -> crate::measures::Candidates {
        // The point is the period's last day: only episodes in care during the period.
        crate::measures::Candidates::InCareDuring
    }

    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
        self.verdict_on(episode, context.period.end, context.timeframes)
    }

    fn case_entry(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Option<CaseEntry> {
        if !episode.in_care_on(context.as_of) {
            return None;
        }
        let latest_meeting = episode.held_meetings(MeetingType::LargeTeam).last();
        let baseline = latest_meeting.map_or(episode.removal_date(), |date| date.max(episode.removal_date()));
        let deadline = add_days(baseline, i64::from(context.timeframes.teaming_interval_days));
        let horizon = add_days(context.as_of, i64::from(context.timeframes.teaming_due_soon_days));
        let status = if deadline <= context.as_of {
            CaseStatus::Overdue
        } else if deadline <= horizon {
            CaseStatus::DueSoon
        } else {
            return None;
        };
        Some(CaseEntry { status, deadline })
    }
}

#[cfg(test)]
mod tests {
    use super::TeamingMeetingEvery90Days as MEASURE;
    use crate::measures::test_support::*;

    const AS_OF: &str = "2026-10-31";

    #[test]
    fn a_meeting_90_days_before_as_of_is_too_old_and_89_days_is_recent_enough() {
        // as_of − 90 days = 2026-08-02.
        let in_care = || removal("2026-01-01");
        check_verdict(
            &MEASURE,
            AS_OF,
            in_care().meeting("2026-08-02", "large_team", "held"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            in_care().meeting("2026-08-03", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            in_care().meeting("2026-10-31", "large_team", "held"),
            "numerator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            in_care().meeting("2026-11-01", "large_team", "held"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            in_care().meeting("2026-10-01", "large_team", "cancelled"),
            "denominator",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            in_care().meeting("2026-10-01", "individual", "held"),
            "denominator",
        );
    }

    #[test]
    fn only_children_in_care_at_least_90_days_on_as_of_count() {
        check_verdict(&MEASURE, AS_OF, removal("2026-08-02"), "denominator");
        check_verdict(&MEASURE, AS_OF, removal("2026-08-03"), "excluded:in_care_under_90_days");
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").discharged("2026-10-31", "reunification"),
            "excluded:not_in_care_on_point",
        );
        check_verdict(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").discharged("2026-11-01", "reunification"),
            "denominator",
        );
    }

    #[test]
    fn overdue_list_shows_when_the_next_meeting_was_due() {
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-08-02", "large_team", "held"),
            Some(("overdue", "2026-10-31", 0)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-08-03", "large_team", "held"),
            Some(("due_soon", "2026-11-01", -1)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-08-02"),
            Some(("overdue", "2026-10-31", 0)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-06-01"),
            Some(("overdue", "2026-08-30", 62)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-08-03"),
            Some(("due_soon", "2026-11-01", -1)),
        );
    }

    /// The engine evaluates a period only for episodes in care on some day of it
    /// (`Candidates::InCareDuring`): the edges of that rule, as known on as_of.
    #[test]
    fn in_care_during_a_period_edges() {
        use crate::calendar::Period;
        use crate::measures::{EpisodeAsOf, Measure};
        let october = Period::new(date("2026-10-01"), date("2026-10-31"));
        let check = |episode: EpisodeBuilder, as_of: &str, expected: bool| {
            let episodes = [episode.0];
            let known = EpisodeAsOf::new(&episodes, 0, date(as_of));
            assert_eq!(
                known.in_care_during(october),
                expected,
                "{:?} as of {as_of}",
                episodes[0]
            );
            assert_eq!(MEASURE.candidates().includes(&known, october), expected);
        };
        // Removed on the period's last day: in care that day.
        check(removal("2026-10-31"), AS_OF, true);
        // Removed the day after: not yet.
        check(removal("2026-11-01"), "2026-11-30", false);
        // Discharged on the period's first day: not in care on any day of it.
        check(
            removal("2026-01-01").discharged("2026-10-01", "reunification"),
            AS_OF,
            false,
        );
        // Discharged the day after: in care on the first day.
        check(
            removal("2026-01-01").discharged("2026-10-02", "reunification"),
            AS_OF,
            true,
        );
    }

    #[test]
    fn due_soon_within_14_days_of_the_next_meeting_being_due() {
        // Latest meeting 2026-08-17: due 2026-11-15 = as_of + 15, not yet listed; a day
        // earlier it is the horizon's last day.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-08-17", "large_team", "held"),
            None,
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-08-16", "large_team", "held"),
            Some(("due_soon", "2026-11-14", -14)),
        );
        // Due the day after as_of: due soon; due on as_of: overdue.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-08-03", "large_team", "held"),
            Some(("due_soon", "2026-11-01", -1)),
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-08-02", "large_team", "held"),
            Some(("overdue", "2026-10-31", 0)),
        );
        // A child removed 80 days ago with no meeting is due in 10 days.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-08-12"),
            Some(("due_soon", "2026-11-10", -10)),
        );
        // A meeting held late resets the clock; a discharge takes the child off the list.
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").meeting("2026-10-30", "large_team", "held"),
            None,
        );
        check_case(
            &MEASURE,
            AS_OF,
            removal("2026-01-01").discharged("2026-10-31", "reunification"),
            None,
        );
    }
}
