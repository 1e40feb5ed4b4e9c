//! Builders and data-driven `check_*` helpers for the measures' boundary tests.

use chrono::NaiveDate;

use crate::calendar::{HolidayCalendar, Period};
use crate::ingest::linking::EpisodeIndex;
use crate::measures::{EpisodeAsOf, EvaluationContext, Measure, PeriodKind, Verdict, case_entry_for, verdict_for};
use crate::model::{
    Discharge, DischargeReason, Episode, LinkedMeeting, LinkedPlacement, MeetingStatus, MeetingType, PermanencyGoal,
    PlacementSetting,
};
use crate::timeframes::Timeframes;

pub fn date(text: &str) -> NaiveDate {
    crate::date_format::parse_iso_date(text).unwrap_or_else(|| panic!("test date {text:?}"))
}

/// `removal("2025-03-15").discharged("2026-03-15", "reunification")`
pub fn removal(removal_date: &str) -> EpisodeBuilder {
    EpisodeBuilder(
        Episode {
            removal_id: "R1".into(),
            child_id: "C1".into(),
            office: "Hartford".into(),
            unit: crate::model::UNASSIGNED.into(),
            worker: crate::model::WorkerNumber::UNASSIGNED,
            removal_date: date(removal_date),
            placement_date: date(removal_date),
            emergency: false,
            birth_date: None,
            race_ethnicity: "Unknown".into(),
            permanency_goal: None,
            discharge: None,
            notice_dates: Vec::new(),
            meetings: Vec::new(),
            placements: Vec::new(),
        },
        Vec::new(),
    )
}

/// An episode being built, and its placements' (start date, placement_id, placement), kept in
/// the order ingest gives them.
pub struct EpisodeBuilder(pub Episode, Vec<(NaiveDate, String, LinkedPlacement)>);

impl EpisodeBuilder {
    pub fn ids(mut self, removal_id: &str, child_id: &str) -> Self {
        self.0.removal_id = removal_id.into();
        self.0.child_id = child_id.into();
        self
    }

    pub fn discharged(mut self, on: &str, reason: &str) -> Self {
        let reason = DischargeReason::ALL
            .into_iter()
            .find(|known| known.canonical_code() == reason)
            .unwrap_or_else(|| panic!("test reason {reason:?}"));
        self.0.discharge = Some(Discharge { date: date(on), reason });
        self
    }

    pub fn born(mut self, on: &str) -> Self {
        self.0.birth_date = Some(date(on));
        self
    }

    pub fn goal(mut self, goal: &str) -> Self {
        self.0.permanency_goal = PermanencyGoal::ALL
            .into_iter()
            .find(|known| known.canonical_code() == goal);
        assert!(self.0.permanency_goal.is_some(), "test goal {goal:?}");
        self
    }

    pub fn placed(mut self, on: &str) -> Self {
        self.0.placement_date = date(on);
        self
    }

    pub fn emergency(mut self) -> Self {
        self.0.emergency = true;
        self
    }

    pub fn notice(mut self, on: &str) -> Self {
        self.0.notice_dates.push(date(on));
        self.0.notice_dates.sort_unstable();
        self
    }

    /// A linked placement (`setting` a canonical code); placements are kept in (start date,
    /// placement_id) order, as ingest keeps them.
    pub fn placement(self, placement_id: &str, start: &str, setting: &str) -> Self {
        self.placement_with(placement_id, start, setting, false)
    }

    /// A linked emergency placement change.
    pub fn emergency_placement(self, placement_id: &str, start: &str, setting: &str) -> Self {
        self.placement_with(placement_id, start, setting, true)
    }

    fn placement_with(mut self, placement_id: &str, start: &str, setting: &str, emergency: bool) -> Self {
        let setting = PlacementSetting::ALL
            .into_iter()
            .find(|known| known.canonical_code() == setting)
            .unwrap_or_else(|| panic!("test setting {setting:?}"));
        let placement = LinkedPlacement {
            start_date: date(start),
            setting,
            emergency,
        };
        self.1.push((date(start), placement_id.to_string(), placement));
        self.1
            .sort_by(|left, right| (left.0, &left.1).cmp(&(right.0, &right.1)));
        self.0.placements = self.1.iter().map(|(_, _, placement)| *placement).collect();
        self
    }

    pub fn meeting(mut self, on: &str, meeting_type: &str, status: &str) -> Self {
        let meeting_type = MeetingType::ALL
            .into_iter()
            .find(|known| known.canonical_code() == meeting_type)
            .unwrap_or_else(|| panic!("test meeting type {meeting_type:?}"));
        let status = MeetingStatus::ALL
            .into_iter()
            .find(|known| known.canonical_code() == status)
            .unwrap_or_else(|| panic!("test status {status:?}"));
        self.0.meetings.push(LinkedMeeting {
            date: date(on),
            meeting_type,
            status,
        });
        self.0
            .meetings
            .sort_unstable_by_key(|meeting| (meeting.date, meeting.meeting_type, meeting.status));
        self
    }
}

/// The verdict of `episodes[which]` (ids must be R1, R2, …) as of `as_of`, for the headline
/// period, or for the trend month `month` (`YYYY-MM`) when given.
fn verdict_of(
    measure: &dyn Measure,
    as_of: &str,
    month: Option<&str>,
    holidays: &[&str],
    episodes: Vec<EpisodeBuilder>,
    which: usize,
) -> (Verdict, Episode) {
    let as_of = date(as_of);
    let mut episodes: Vec<Episode> = episodes.into_iter().map(|builder| builder.0).collect();
    episodes.sort_by(|left, right| left.removal_id.cmp(&right.removal_id));
    let target_id = format!("R{}", which + 1);
    let index = EpisodeIndex::new(&episodes);
    let timeframes = Timeframes::default();
    let holidays = HolidayCalendar::new(holidays.iter().map(|text| date(text)));
    let period = match month {
        None => measure.cohort_period(Period::reporting_period(as_of), PeriodKind::Headline, &timeframes),
        Some(month) => {
            let month = Period::trend_months(as_of)
                .into_iter()
                .find(|period| period.start == date(&format!("{month}-01")))
                .unwrap_or_else(|| panic!("{month} is not a trend month of {as_of}"));
            measure.cohort_period(month, PeriodKind::Month, &timeframes)
        }
    };
    let context = EvaluationContext::new(as_of, period, &timeframes, &holidays, &episodes, &index);
    let position = episodes
        .iter()
        .position(|episode| *episode.removal_id == *target_id)
        .unwrap_or_else(|| panic!("episode {target_id} (ids must be R1, R2, …)"));
    let verdict = verdict_for(measure, &EpisodeAsOf::new(&episodes, position, as_of), &context);
    (verdict, episodes[position].clone())
}

/// Evaluates `episodes[which]` for the headline period of `as_of` with the given holidays, and
/// asserts its verdict code (`numerator`, `denominator` or `excluded:<rule>`).
pub fn check_verdict_among(
    measure: &dyn Measure,
    as_of: &str,
    holidays: &[&str],
    episodes: Vec<EpisodeBuilder>,
    which: usize,
    expected: &str,
) {
    let (verdict, episode) = verdict_of(measure, as_of, None, holidays, episodes, which);
    assert_eq!(
        verdict.code(),
        expected,
        "{} as of {as_of} for {episode:?}: {verdict:?}",
        measure.id()
    );
}

/// Asserts the verdict code of `episode` for the trend month `month` (`YYYY-MM`) of `as_of`.
pub fn check_month_verdict(measure: &dyn Measure, as_of: &str, month: &str, episode: EpisodeBuilder, expected: &str) {
    let (verdict, episode) = verdict_of(measure, as_of, Some(month), &[], vec![episode], 0);
    assert_eq!(
        verdict.code(),
        expected,
        "{} month {month} as of {as_of} for {episode:?}: {verdict:?}",
        measure.id()
    );
}

/// Asserts what `episode` adds to the headline (numerator, denominator); `None` when excluded.
pub fn check_tally(measure: &dyn Measure, as_of: &str, episode: EpisodeBuilder, expected: Option<(u32, u32)>) {
    let (verdict, episode) = verdict_of(measure, as_of, None, &[], vec![episode], 0);
    let actual = verdict
        .in_denominator()
        .then(|| (verdict.tally().numerator, verdict.tally().denominator));
    assert_eq!(
        actual,
        expected,
        "{} as of {as_of} for {episode:?}: {verdict:?}",
        measure.id()
    );
}

/// `check_tally` for the trend month `month` (`YYYY-MM`).
pub fn check_month_tally(
    measure: &dyn Measure,
    as_of: &str,
    month: &str,
    episode: EpisodeBuilder,
    expected: Option<(u32, u32)>,
) {
    let (verdict, episode) = verdict_of(measure, as_of, Some(month), &[], vec![episode], 0);
    let actual = verdict
        .in_denominator()
        .then(|| (verdict.tally().numerator, verdict.tally().denominator));
    assert_eq!(
        actual,
        expected,
        "{} month {month} as of {as_of} for {episode:?}: {verdict:?}",
        measure.id()
    );
}

pub fn check_verdict(measure: &dyn Measure, as_of: &str, episode: EpisodeBuilder, expected: &str) {
    check_verdict_among(measure, as_of, &[], vec![episode], 0, expected);
}

pub fn check_verdict_with_holidays(
    measure: &dyn Measure,
    as_of: &str,
    holidays: &[&str],
    episode: EpisodeBuilder,
    expected: &str,
) {
    check_verdict_among(measure, as_of, holidays, vec![episode], 0, expected);
}

/// Asserts the case-list entry on `as_of`: `Some((status, deadline, days_overdue))` or `None`.
pub fn check_case(measure: &dyn Measure, as_of: &str, episode: EpisodeBuilder, expected: Option<(&str, &str, i64)>) {
    check_case_with_holidays(measure, as_of, &[], episode, expected);
}

/// `check_case` with the given holidays.
pub fn check_case_with_holidays(
    measure: &dyn Measure,
    as_of: &str,
    holidays: &[&str],
    episode: EpisodeBuilder,
    expected: Option<(&str, &str, i64)>,
) {
    let as_of = date(as_of);
    let episodes = vec![episode.0];
    let index = EpisodeIndex::new(&episodes);
    let timeframes = Timeframes::default();
    let holidays = HolidayCalendar::new(holidays.iter().map(|text| date(text)));
    let context = EvaluationContext::new(
        as_of,
        Period::reporting_period(as_of),
        &timeframes,
        &holidays,
        &episodes,
        &index,
    );
    let entry = case_entry_for(measure, &EpisodeAsOf::new(&episodes, 0, as_of), &context);
    let actual = entry.map(|entry| (entry.status.as_str(), entry.deadline, entry.days_overdue(as_of)));
    let expected = expected.map(|(status, deadline, days)| (status, date(deadline), days));
    assert_eq!(
        actual,
        expected,
        "{} case list as of {as_of} for {:?}",
        measure.id(),
        episodes[0]
    );
}
