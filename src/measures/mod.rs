//! The measures of `measures.md`. One measure = one file; `REGISTRY` lists them all.
//!
//! A measure is a pure function from one episode, as known on `as_of`, to a `Verdict`: in the
//! denominator (and whether in the numerator), or excluded by a named rule. Counting per office,
//! statewide, per month and per group is done once, for every measure, in `crate::results`.
//! Measures never read the clock, the environment or files.

mod adoption_24m;
mod emergency_team_2bd;
mod guardianship_18m;
mod initial_joint_5d;
mod permanency_12m_entry;
mod relative_notice_30d;
mod reunification_12m;
mod teaming_90d;
mod timely_permanency;

#[cfg(test)]
pub(crate) mod test_support;

use chrono::NaiveDate;

use crate::calendar::{HolidayCalendar, Period};
use crate::config::Timeframes;
use crate::ingest::linking::EpisodeIndex;
use crate::model::{Discharge, Episode, MeetingStatus, MeetingType};

/// Every measure, in report order.
pub static REGISTRY: [&dyn Measure; 8] = [
    &reunification_12m::REUNIFICATION_12M,
    &guardianship_18m::GUARDIANSHIP_18M,
    &adoption_24m::ADOPTION_24M,
    &permanency_12m_entry::PermanencyWithin12MonthsOfEntry,
    &relative_notice_30d::RelativeNoticeWithin30Days,
    &initial_joint_5d::InitialJointConversationWithin5Days,
    &emergency_team_2bd::EmergencyTeamMeetingWithin2BusinessDays,
    &teaming_90d::TeamingMeetingEvery90Days,
];

pub fn measure_ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|measure| measure.id()).collect()
}

pub fn find_measure(id: &str) -> Option<&'static dyn Measure> {
    REGISTRY.iter().copied().find(|measure| measure.id() == id)
}

pub trait Measure: Sync {
    /// The stable name used in every output (`reunification_12m`).
    fn id(&self) -> &'static str;

    /// A short title for reports.
    fn title(&self) -> &'static str;

    /// Numerator, denominator and exclusions in plain words, with the configured timeframes.
    fn definition(&self, timeframes: &Timeframes) -> String;

    /// The dates whose events define the cohort for a reporting `period` (the entry cohort
    /// looks back; every other measure uses the period itself).
    fn cohort_period(&self, period: Period, _kind: PeriodKind, _timeframes: &Timeframes) -> Period {
        period
    }

    /// Which episodes a period can count, so each trend month looks only at its own.
    fn candidates(&self) -> Candidates {
        Candidates::Every
    }

    /// Where `episode` stands in this measure for `context.period`.
    fn evaluate(&self, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict;

    /// Whether the episode is on this measure's case list on `as_of` (overdue or due soon).
    /// Every case list is of children in care on `as_of`: the engine asks only about those.
    fn case_entry(&self, _episode: &EpisodeAsOf<'_>, _context: &EvaluationContext<'_>) -> Option<CaseEntry> {
        None
    }
}

/// Which kind of period a figure is for (`kind` in `measures.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    /// The 12 months ending on `as_of`.
    Headline,
    /// One calendar month of the trend, cut at `as_of`.
    Month,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Headline => "headline",
            Self::Month => "month",
        }
    }
}

/// Which episodes a cohort period can count.
#[derive(Clone, Copy)]
pub enum Candidates {
    /// Any episode (point-in-time measures).
    Every,
    /// Only episodes whose date (the discharge for timely permanency, the removal or placement
    /// for cohort measures) falls inside the cohort period; `None` = never counted.
    /// `evaluate` must exclude every other episode: a test checks the trend both ways.
    ByDate(fn(&Episode) -> Option<NaiveDate>),
    /// Only episodes in care on some day of the cohort period (point-in-time measures, whose
    /// point is a day of the period); `evaluate` must exclude every other episode.
    InCareDuring,
}

impl Candidates {
    /// The usual cohort: episodes removed within the period. Measures that use this share one
    /// prepared list (the engine recognises the same function).
    pub const BY_REMOVAL_DATE: Self = Self::ByDate(removal_date_of);

    /// Whether `episode` is among the candidates for `period` (what the engine's lists give
    /// quickly; this is their definition, used by the tests).
    pub fn includes(&self, episode: &EpisodeAsOf<'_>, period: Period) -> bool {
        match self {
            Self::Every => true,
            Self::ByDate(date_of) => date_of(episode.episode).is_some_and(|date| period.contains(date)),
            Self::InCareDuring => episode.in_care_during(period),
        }
    }
}

fn removal_date_of(episode: &Episode) -> Option<NaiveDate> {
    Some(episode.removal_date)
}

/// What a measure needs besides the episode: the dates, the configuration, and (for the entry
/// cohort) the child's other episodes.
pub struct EvaluationContext<'a> {
    /// The knowledge cut-off: nothing dated after it exists.
    pub as_of: NaiveDate,
    /// The cohort period (already shifted by `Measure::cohort_period`), cut at `as_of`.
    pub period: Period,
    pub timeframes: &'a Timeframes,
    pub holidays: &'a HolidayCalendar,
    pub episodes: &'a [Episode],
    pub index: &'a EpisodeIndex,
}

/// Where one episode stands in one measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Excluded(Exclusion),
    Counted { in_numerator: bool, evidence: Evidence },
}

impl Verdict {
    pub fn in_denominator(&self) -> bool {
        matches!(self, Self::Counted { .. })
    }

    pub fn in_numerator(&self) -> bool {
        matches!(self, Self::Counted { in_numerator: true, .. })
    }

    /// `numerator`, `denominator` (in the denominator only) or `excluded:<rule>`.
    pub fn code(&self) -> String {
        let mut code = String::new();
        self.write_code(&mut code);
        code
    }

    /// Appends `code()` to `buffer` without allocating.
    pub fn write_code(&self, buffer: &mut String) {
        match self {
            Self::Counted { in_numerator: true, .. } => buffer.push_str("numerator"),
            Self::Counted {
                in_numerator: false, ..
            } => buffer.push_str("denominator"),
            Self::Excluded(exclusion) => {
                buffer.push_str("excluded:");
                buffer.push_str(exclusion.rule);
            }
        }
    }
}

/// A named exclusion rule and the plain-words reason an analyst reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exclusion {
    pub rule: &'static str,
    pub explanation: &'static str,
}

pub const fn excluded(rule: &'static str, explanation: &'static str) -> Verdict {
    Verdict::Excluded(Exclusion { rule, explanation })
}

/// The dates that decided a counted verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evidence {
    /// The last on-time day.
    pub deadline: Option<NaiveDate>,
    /// The event that met (or, when late, missed) the deadline: e.g. ("discharge", date).
    pub event: Option<(&'static str, NaiveDate)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseStatus {
    Overdue,
    DueSoon,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::DueSoon => "due_soon",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseEntry {
    pub status: CaseStatus,
    pub deadline: NaiveDate,
}

impl CaseEntry {
    /// `as_of − deadline`: positive when overdue, zero or negative (days left) when due soon.
    pub fn days_overdue(&self, as_of: NaiveDate) -> i64 {
        crate::calendar::days_between(self.deadline, as_of)
    }
}

/// An episode as it was known on `as_of`: later discharges, notices and meetings are hidden.
#[derive(Debug, Clone, Copy)]
pub struct EpisodeAsOf<'a> {
    pub episode: &'a Episode,
    /// Where the episode is in `EvaluationContext::episodes` (and so in the `EpisodeIndex`).
    pub position: usize,
    pub as_of: NaiveDate,
}

impl<'a> EpisodeAsOf<'a> {
    /// `episodes[position]` as known on `as_of`.
    pub fn new(episodes: &'a [Episode], position: usize, as_of: NaiveDate) -> Self {
        Self {
            episode: &episodes[position],
            position,
            as_of,
        }
    }

    /// False for removals after `as_of`, which do not exist yet.
    pub fn exists(&self) -> bool {
        self.episode.removal_date <= self.as_of
    }

    /// The discharge, if it happened on or before `as_of`.
    pub fn discharge(&self) -> Option<Discharge> {
        self.episode.discharge.filter(|discharge| discharge.date <= self.as_of)
    }

    /// In care on `date`: removed on or before it and not discharged on or before it.
    pub fn in_care_on(&self, date: NaiveDate) -> bool {
        self.episode.removal_date <= date && self.discharge().is_none_or(|discharge| discharge.date > date)
    }

    /// In care on at least one day of `period`: removed on or before its end and not
    /// discharged on or before its start.
    pub fn in_care_during(&self, period: Period) -> bool {
        self.episode.removal_date <= period.end
            && self.discharge().is_none_or(|discharge| discharge.date > period.start)
    }

    /// Linked notice dates known on `as_of`, ascending.
    pub fn notice_dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.episode
            .notice_dates
            .iter()
            .copied()
            .take_while(|&date| date <= self.as_of)
    }

    /// Dates of held meetings of `meeting_type` known on `as_of`, ascending.
    pub fn held_meetings(&self, meeting_type: MeetingType) -> impl Iterator<Item = NaiveDate> + '_ {
        self.episode
            .meetings
            .iter()
            .take_while(|meeting| meeting.date <= self.as_of)
            .filter(move |meeting| meeting.meeting_type == meeting_type && meeting.status == MeetingStatus::Held)
            .map(|meeting| meeting.date)
    }

    /// Aged 18 (the configured age) or more on `date`; false when the birth date is unknown.
    pub fn is_adult_on(&self, date: NaiveDate, timeframes: &Timeframes) -> bool {
        self.episode
            .birth_date
            .is_some_and(|birth| crate::calendar::is_adult_on(birth, date, timeframes.adult_age_months))
    }
}

/// A measure's verdict with the one rule every measure shares: a removal after `as_of` does
/// not exist yet.
pub fn verdict_for(measure: &dyn Measure, episode: &EpisodeAsOf<'_>, context: &EvaluationContext<'_>) -> Verdict {
    if !episode.exists() {
        return excluded("removed_after_as_of", "the removal is dated after the as-of date");
    }
    measure.evaluate(episode, context)
}

/// A measure's case-list entry on `as_of`, for episodes that exist on it.
pub fn case_entry_for(
    measure: &dyn Measure,
    episode: &EpisodeAsOf<'_>,
    context: &EvaluationContext<'_>,
) -> Option<CaseEntry> {
    if !episode.exists() {
        return None;
    }
    measure.case_entry(episode, context)
}
