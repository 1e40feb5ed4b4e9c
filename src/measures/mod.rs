//! The measures of `docs/measures.md`. One measure = one file; `REGISTRY` lists them all.
//!
//! A measure is a pure function from one episode, as known on `as_of`, to a `Verdict`: in the
//! denominator (and whether in the numerator), or excluded by a named rule. It also declares
//! what the reports need to know about it: whether a higher or a lower rate is better, how its
//! rate is shown, which timeframe parameters it uses and whether it has a case list. Counting
//! per office, statewide, per month and per group is done once, for every measure, in
//! `crate::engine`. Measures never read the clock, the environment or files, and nothing dated
//! after `as_of` is reachable from them: they see an episode only through `EpisodeAsOf`, and
//! the child's other episodes only through `EvaluationContext::episodes_of_child`.

mod adoption_24m;
mod emergency_team_2bd;
mod guardianship_18m;
mod in_care_permanency;
mod initial_joint_5d;
mod permanency_12m_entry;
mod permanency_12m_in_care_12_23;
mod permanency_12m_in_care_24_plus;
mod placement_moves_per_1000_days;
mod reentry_12m;
mod relative_notice_30d;
mod reunification_12m;
mod team_before_placement_change;
mod team_before_return_home;
mod teaming_90d;
mod timely_permanency;

#[cfg(test)]
pub(crate) mod test_support;

use chrono::NaiveDate;

use crate::calendar::{HolidayCalendar, Period};
use crate::extracts::Extract;
use crate::ingest::linking::EpisodeIndex;
use crate::model::{Discharge, Episode, LinkedMeeting, LinkedPlacement, MeetingStatus, MeetingType, PermanencyGoal};
use crate::timeframes::Timeframes;

/// Every measure, in report order.
pub static REGISTRY: [&dyn Measure; 14] = [
    &reunification_12m::REUNIFICATION_12M,
    &guardianship_18m::GUARDIANSHIP_18M,
    &adoption_24m::ADOPTION_24M,
    &permanency_12m_entry::PermanencyWithin12MonthsOfEntry,
    &permanency_12m_in_care_12_23::PERMANENCY_12M_IN_CARE_12_23,
    &permanency_12m_in_care_24_plus::PERMANENCY_12M_IN_CARE_24_PLUS,
    &reentry_12m::ReentryWithin12Months,
    &placement_moves_per_1000_days::PlacementMovesPer1000Days,
    &relative_notice_30d::RelativeNoticeWithin30Days,
    &initial_joint_5d::InitialJointConversationWithin5Days,
    &emergency_team_2bd::EmergencyTeamMeetingWithin2BusinessDays,
    &teaming_90d::TeamingMeetingEvery90Days,
    &team_before_return_home::TeamBeforeReturnHome,
    &team_before_placement_change::TeamBeforePlacementChange,
];

/// The measures a night reports, in report order: every registered measure whose required
/// extracts (`Measure::requires`) were read.
pub fn reported_measures(extracts_read: &[Extract]) -> Vec<&'static dyn Measure> {
    REGISTRY
        .iter()
        .copied()
        .filter(|measure| measure.requires().iter().all(|needed| extracts_read.contains(needed)))
        .collect()
}

/// What the configuration may say about each registered measure (targets, national figures).
pub fn known_to_configuration() -> Vec<crate::config::KnownMeasure> {
    REGISTRY
        .iter()
        .map(|measure| crate::config::KnownMeasure {
            id: measure.id(),
            per_thousand: measure.rate_display() == RateDisplay::PerThousandDays,
            national: measure.national_default(),
        })
        .collect()
}

pub fn find_measure(id: &str) -> Option<&'static dyn Measure> {
    REGISTRY.iter().copied().find(|measure| measure.id() == id)
}

/// Whether a higher or a lower rate is better (`docs/measures.md`, "Direction").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    /// Whether `rate` meets `goal` (a target or the national figure): at least it when higher
    /// is better, at most it when lower is better.
    pub fn meets(self, rate: f64, goal: f64) -> bool {
        match self {
            Self::HigherIsBetter => rate >= goal,
            Self::LowerIsBetter => rate <= goal,
        }
    }
}

/// The groups reports show the measures in, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    TimelyPermanency,
    FederalIndicators,
    RelativesAndTeaming,
}

impl Section {
    pub fn heading(self) -> &'static str {
        match self {
            Self::TimelyPermanency => "Timely permanency",
            Self::FederalIndicators => "Federal indicators (CFSR Round 4)",
            Self::RelativesAndTeaming => "Relatives and teaming",
        }
    }
}

/// How a measure's rate (numerator / denominator, as `measures.csv` writes it) is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDisplay {
    /// `75.0%`.
    Percent,
    /// Events per 1,000 days: `4.48 per 1,000 days`.
    PerThousandDays,
}

impl RateDisplay {
    /// The rate as a reader sees it, `—` when there is none.
    pub fn format(self, rate: Option<f64>) -> String {
        match (self, rate) {
            (_, None) => "—".to_string(),
            (Self::Percent, Some(rate)) => format!("{:.1}%", rate * 100.0),
            (Self::PerThousandDays, Some(rate)) => format!("{:.2} per 1,000 days", rate * 1000.0),
        }
    }

    /// The rate for a narrow table cell: `75.0%`, `4.48/1,000d`, `—`.
    pub fn compact(self, rate: Option<f64>) -> String {
        match (self, rate) {
            (Self::PerThousandDays, Some(rate)) => format!("{:.2}/1,000d", rate * 1000.0),
            _ => self.format(rate),
        }
    }

    /// The value written in a workbook cell: the rate for a percentage, events per 1,000 days
    /// otherwise.
    pub fn spreadsheet_value(self, rate: f64) -> f64 {
        match self {
            Self::Percent => rate,
            Self::PerThousandDays => rate * 1000.0,
        }
    }
}

pub trait Measure: Sync {
    /// The stable name used in every output (`reunification_12m`).
    fn id(&self) -> &'static str;

    /// A short title for reports.
    fn title(&self) -> &'static str;

    /// A few words for narrow places (a phone's cards, a column header).
    fn short_title(&self) -> &'static str;

    /// Where reports group it.
    fn section(&self) -> Section {
        Section::RelativesAndTeaming
    }

    /// Numerator, denominator and exclusions in plain words, with the configured timeframes.
    fn definition(&self, timeframes: &Timeframes) -> String;

    /// The keys of the `[timeframes]` parameters this measure uses (`crate::timeframes`).
    fn parameters(&self) -> &'static [&'static str];

    /// Whether a higher or a lower rate is better.
    fn direction(&self) -> Direction {
        Direction::HigherIsBetter
    }

    /// How the rate is shown in reports.
    fn rate_display(&self) -> RateDisplay {
        RateDisplay::Percent
    }

    /// Whether the measure lists children overdue or due soon (`case_entry`).
    fn has_case_list(&self) -> bool {
        false
    }

    /// The optional extracts the measure needs; without one of them it is not reported at all
    /// (not reported as zero).
    fn requires(&self) -> &'static [Extract] {
        &[]
    }

    /// The national performance (CFSR Round 4) shown beside a federal indicator, as a rate
    /// (`measures.csv`'s scale); `[national]` in the configuration overrides it. `None` for
    /// the state's own policy measures.
    fn national_default(&self) -> Option<f64> {
        None
    }

    /// How an episode counted in the numerator, and one not in it, are described (`explain`).
    fn numerator_words(&self) -> [&'static str; 2] {
        ["on time", "late or missing"]
    }

    /// What the numerator and denominator count, for a measure whose episodes add more than
    /// one (`Verdict::tallied`; `explain`).
    fn tally_words(&self) -> &'static str {
        "episodes"
    }

    /// Dates besides the deadline and the deciding event that explain the verdict (the
    /// period's first day, an 18th birthday, a re-entry, each move), for `explain`.
    fn deciding_dates(&self, _episode: &EpisodeAsOf<'_>, _context: &EvaluationContext<'_>) -> Vec<DecidingDate> {
        Vec::new()
    }

    /// How the rolling trend points are made from the other figures (`RollingPoints`).
    fn rolling_points(&self) -> RollingPoints {
        RollingPoints::Recomputed
    }

    /// Whether `episode`'s verdict is the same in every period that contains its cohort date
    /// (`Candidates::ByDate`), as it is when only the child's other episodes could change it
    /// and none is near: then the engine evaluates it once for all of a date's periods (the
    /// headline, the months and the rolling points) instead of once for each. A speed-up only:
    /// `tests/it/measures_end_to_end.rs` checks every point against evaluating each period.
    fn same_verdict_in_every_period(&self, _episode: &EpisodeAsOf<'_>, _context: &EvaluationContext<'_>) -> bool {
        false
    }

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

impl std::fmt::Debug for dyn Measure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.id())
    }
}

/// Which kind of period a figure is for (`kind` in `measures.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    /// The 12 months ending on `as_of`.
    Headline,
    /// One calendar month of the trend, cut at `as_of`.
    Month,
    /// The 12 months ending on a trend month's last day (or `as_of`), computed as the headline
    /// is (`docs/measures.md`, "Trend").
    Rolling,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Headline => "headline",
            Self::Month => "month",
            Self::Rolling => "rolling",
        }
    }
}

/// How a measure's rolling points can be made. Each is exactly the headline computed for the
/// 12 months ending on the point's day; a measure declares a cheaper way when its definition
/// allows one, and `tests/it/measures_end_to_end.rs` checks the declaration against
/// `Recomputed` on generated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollingPoints {
    /// Evaluated again for each point.
    Recomputed,
    /// What an episode adds depends on the period only through which of its dates (its cohort
    /// date, or its events) fall in it, and `cohort_period` is the identity: a period's figure
    /// is the sum of the figures of any pieces it is cut into, so months and rolling points are
    /// summed from the pieces they share (each candidate is evaluated once per piece).
    Additive,
    /// The month point itself: the month point is already computed over the 12 months ending
    /// on the month's last day (the point-in-time and in-care measures).
    SameAsMonth,
}

/// A date that decided a verdict, with what it is (`Measure::deciding_dates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidingDate {
    pub what: String,
    pub date: NaiveDate,
}

impl DecidingDate {
    pub fn new(what: impl Into<String>, date: NaiveDate) -> Self {
        Self {
            what: what.into(),
            date,
        }
    }
}

/// The episode date a cohort is selected by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortDate {
    Removal,
    Placement,
    /// The discharge date (episodes not discharged are never counted).
    Discharge,
}

impl CohortDate {
    /// The date as recorded, whatever `as_of` (for preparing candidate lists once; a measure's
    /// `evaluate` still sees only what was known on `as_of`).
    pub fn of(self, episode: &Episode) -> Option<NaiveDate> {
        match self {
            Self::Removal => Some(episode.removal_date),
            Self::Placement => Some(episode.placement_date),
            Self::Discharge => episode.discharge.map(|discharge| discharge.date),
        }
    }
}

/// Which episodes a cohort period can count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidates {
    /// Any episode (point-in-time measures).
    Every,
    /// Only episodes whose date falls inside the cohort period. `evaluate` must exclude every
    /// other episode: a test checks the trend both ways. Measures naming the same date share
    /// one prepared list.
    ByDate(CohortDate),
    /// Only episodes in care on some day of the cohort period (point-in-time measures, whose
    /// point is a day of the period); `evaluate` must exclude every other episode.
    InCareDuring,
    /// Only episodes with a planned placement change (`EpisodeAsOf::planned_placement_changes`)
    /// starting in the cohort period; `evaluate` must exclude every other episode.
    PlacementChangeDuring,
}

impl Candidates {
    /// Whether `episode` is among the candidates for `period` (what the engine's lists give
    /// quickly; this is their definition, used by the tests).
    pub fn includes(&self, episode: &EpisodeAsOf<'_>, period: Period) -> bool {
        match self {
            Self::Every => true,
            Self::ByDate(date) => date.of(episode.episode).is_some_and(|date| period.contains(date)),
            Self::InCareDuring => episode.in_care_during(period),
            Self::PlacementChangeDuring => episode.has_planned_placement_change_during(period),
        }
    }
}

/// What a measure needs besides the episode: the dates, the configuration, and the child's
/// other episodes (through `episodes_of_child`, as known on `as_of`).
pub struct EvaluationContext<'a> {
    /// The knowledge cut-off: nothing dated after it exists.
    pub as_of: NaiveDate,
    /// The cohort period (already shifted by `Measure::cohort_period`), cut at `as_of`.
    pub period: Period,
    pub timeframes: &'a Timeframes,
    pub holidays: &'a HolidayCalendar,
    episodes: &'a [Episode],
    index: &'a EpisodeIndex,
}

impl<'a> EvaluationContext<'a> {
    pub fn new(
        as_of: NaiveDate,
        period: Period,
        timeframes: &'a Timeframes,
        holidays: &'a HolidayCalendar,
        episodes: &'a [Episode],
        index: &'a EpisodeIndex,
    ) -> Self {
        Self {
            as_of,
            period,
            timeframes,
            holidays,
            episodes,
            index,
        }
    }

    /// Every episode of `episode`'s child that exists on `as_of` (itself included), by removal
    /// date, then removal_id; each as known on `as_of`.
    pub fn episodes_of_child(&self, episode: &EpisodeAsOf<'_>) -> impl Iterator<Item = EpisodeAsOf<'a>> + '_ {
        self.index
            .episodes_of_same_child(episode.position)
            .iter()
            .map(|&(_, position)| EpisodeAsOf::new(self.episodes, position, self.as_of))
            .filter(EpisodeAsOf::exists)
    }
}

/// Where one episode stands in one measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Excluded(Exclusion),
    /// In the denominator. `tally` is what the episode adds to the figures: one and, when
    /// `in_numerator`, one, for a measure of episodes (`Verdict::counted`); days or events for
    /// the others (`Verdict::tallied`). `in_numerator` is what `episodes.csv` says.
    Counted {
        in_numerator: bool,
        tally: Tally,
        evidence: Evidence,
    },
}

/// What one counted episode adds to a measure's numerator and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub numerator: u32,
    pub denominator: u32,
}

impl Tally {
    /// What an episode of a measure that counts episodes adds.
    pub const fn counted(in_numerator: bool) -> Self {
        Self {
            numerator: in_numerator as u32,
            denominator: 1,
        }
    }
}

impl Verdict {
    /// An episode of a measure that counts episodes: one in the denominator, and one in the
    /// numerator when `in_numerator`.
    pub const fn counted(in_numerator: bool, evidence: Evidence) -> Self {
        Self::Counted {
            in_numerator,
            tally: Tally::counted(in_numerator),
            evidence,
        }
    }

    /// An episode that adds `tally` (days, events) to a measure that counts more than
    /// episodes; `in_numerator` is how `episodes.csv` shows it (the measure's doc says when).
    pub const fn tallied(tally: Tally, in_numerator: bool, evidence: Evidence) -> Self {
        Self::Counted {
            in_numerator,
            tally,
            evidence,
        }
    }

    pub fn in_denominator(&self) -> bool {
        matches!(self, Self::Counted { .. })
    }

    /// What the episode adds to the figures (nothing when excluded).
    pub fn tally(&self) -> Tally {
        match self {
            Self::Counted { tally, .. } => *tally,
            Self::Excluded(_) => Tally::default(),
        }
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

/// A named exclusion rule and the plain-words reason an analyst reads. The reason may name a
/// timeframe parameter in braces (`{short_stay_days}`): `explain` fills in the value in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exclusion {
    pub rule: &'static str,
    explanation: &'static str,
}

impl Exclusion {
    /// The reason, with the configured numbers.
    pub fn explanation(&self, timeframes: &Timeframes) -> String {
        timeframes.fill_in(self.explanation)
    }
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
    episode: &'a Episode,
    /// Where the episode is among all episodes (and so in the `EpisodeIndex`).
    position: usize,
    as_of: NaiveDate,
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

    /// Where the episode is among all episodes.
    pub fn position(&self) -> usize {
        self.position
    }

    /// False for removals after `as_of`, which do not exist yet.
    pub fn exists(&self) -> bool {
        self.episode.removal_date <= self.as_of
    }

    pub fn removal_id(&self) -> &'a str {
        &self.episode.removal_id
    }

    pub fn removal_date(&self) -> NaiveDate {
        self.episode.removal_date
    }

    /// The first placement (the removal date when the extract left it empty).
    pub fn placement_date(&self) -> NaiveDate {
        self.episode.placement_date
    }

    pub fn is_emergency(&self) -> bool {
        self.episode.emergency
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.episode.birth_date
    }

    /// The current permanency goal.
    pub fn permanency_goal(&self) -> Option<PermanencyGoal> {
        self.episode.permanency_goal
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
    pub fn notice_dates(&self) -> impl Iterator<Item = NaiveDate> + 'a {
        let as_of = self.as_of;
        self.episode
            .notice_dates
            .iter()
            .copied()
            .take_while(move |&date| date <= as_of)
    }

    /// Linked meetings known on `as_of`, by date ascending.
    pub fn meetings(&self) -> impl Iterator<Item = &'a LinkedMeeting> + 'a {
        let as_of = self.as_of;
        self.episode
            .meetings
            .iter()
            .take_while(move |meeting| meeting.date <= as_of)
    }

    /// Dates of held meetings of `meeting_type` known on `as_of`, ascending.
    pub fn held_meetings(&self, meeting_type: MeetingType) -> impl Iterator<Item = NaiveDate> + 'a {
        self.meetings()
            .filter(move |meeting| meeting.meeting_type == meeting_type && meeting.status == MeetingStatus::Held)
            .map(|meeting| meeting.date)
    }

    /// The planned placement changes known on `as_of`: each linked placement after the first
    /// (trial home visits, runaways and respite left out: they are not placements) that is not
    /// an emergency placement change (docs/measures.md, section 5). Whether it falls in a period
    /// and before the discharge is the measure's to judge.
    pub fn planned_placement_changes(&self) -> impl Iterator<Item = &'a LinkedPlacement> + 'a {
        self.placements()
            .filter(|placement| placement.setting.is_placement())
            .skip(1)
            .filter(|placement| !placement.emergency)
    }

    /// Linked placements known on `as_of` (begun on or before it), by start date, then
    /// placement_id; every setting (see `PlacementSetting::is_placement`).
    pub fn placements(&self) -> impl Iterator<Item = &'a LinkedPlacement> + 'a {
        let as_of = self.as_of;
        self.episode
            .placements
            .iter()
            .take_while(move |placement| placement.start_date <= as_of)
    }

    /// Whether a planned placement change starts on a day of `period`.
    pub fn has_planned_placement_change_during(&self, period: Period) -> bool {
        self.planned_placement_changes()
            .any(|placement| period.contains(placement.start_date))
    }

    /// The day the child turns 18 (the configured age), when the birth date is known.
    pub fn adult_from(&self, timeframes: &Timeframes) -> Option<NaiveDate> {
        (self.episode.birth_date).map(|birth| crate::calendar::add_months(birth, timeframes.adult_age_months as i32))
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

#[cfg(test)]
mod tests {
    use super::REGISTRY;
    use crate::timeframes::Timeframes;

    #[test]
    fn every_declared_parameter_exists_and_ids_are_unique() {
        let mut ids = std::collections::BTreeSet::new();
        for measure in REGISTRY {
            assert!(ids.insert(measure.id()), "{} is registered twice", measure.id());
            for key in measure.parameters() {
                assert!(
                    Timeframes::default().value(key).is_some(),
                    "{} declares an unknown parameter {key}",
                    measure.id()
                );
            }
        }
    }
}
