//! Runs every registered measure over every episode and counts the verdicts: per office and
//! statewide (sums of numerators and denominators), for the headline period and the 12 trend
//! months, by race/ethnicity group, plus the case lists and each episode's verdicts.
//!
//! A pure function of the ingested data, the configuration and `as_of`.

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::config::Config;
use crate::ingest::linking::EpisodeIndex;
use crate::measures::{
    Candidates, CaseStatus, EpisodeAsOf, EvaluationContext, Measure, PeriodKind, REGISTRY, Verdict, case_entry_for,
    verdict_for,
};
use crate::model::Episode;

pub const STATEWIDE: &str = "Statewide";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub numerator: u64,
    pub denominator: u64,
}

impl Counts {
    pub fn add(&mut self, verdict: &Verdict) {
        if verdict.in_denominator() {
            self.denominator += 1;
            if verdict.in_numerator() {
                self.numerator += 1;
            }
        }
    }

    /// numerator / denominator, or `None` when the denominator is 0.
    pub fn rate(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    fn plus(self, other: Self) -> Self {
        Self {
            numerator: self.numerator + other.numerator,
            denominator: self.denominator + other.denominator,
        }
    }

    fn minus(self, other: Self) -> Self {
        Self {
            numerator: self.numerator - other.numerator,
            denominator: self.denominator - other.denominator,
        }
    }
}

/// One row of `measures.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct RateRow {
    pub measure: &'static str,
    pub office: String,
    pub kind: PeriodKind,
    pub period: Period,
    pub counts: Counts,
    pub target: Option<f64>,
}

/// One row of `cases.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub office: String,
    pub measure: &'static str,
    pub status: CaseStatus,
    pub child_id: String,
    pub removal_id: String,
    pub removal_date: NaiveDate,
    pub deadline: NaiveDate,
    pub days_overdue: i64,
}

/// One row of `equity.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquityRow {
    pub measure: &'static str,
    pub office: String,
    pub group: String,
    pub group_counts: Counts,
    pub others_counts: Counts,
}

/// Everything the outputs and reports are made from.
#[derive(Debug, Clone)]
pub struct Results {
    pub as_of: NaiveDate,
    pub reporting_period: Period,
    /// Offices in report order (alphabetical); `Statewide` is not among them.
    pub offices: Vec<String>,
    /// Race/ethnicity groups: configured categories first, then other values seen.
    pub groups: Vec<String>,
    pub rates: Vec<RateRow>,
    pub cases: Vec<CaseRow>,
    pub equity: Vec<EquityRow>,
    /// `headline_verdicts[measure]`, measures in registry order: each episode's verdict code.
    pub headline_verdicts: Vec<VerdictCodes>,
}

impl Results {
    /// The headline rows (every measure, office and Statewide), for `series.csv`.
    pub fn headline_rows(&self) -> Vec<RateRow> {
        self.rates
            .iter()
            .filter(|row| row.kind == PeriodKind::Headline)
            .cloned()
            .collect()
    }
}

/// What one measure contributes, computed on its own thread.
struct MeasureOutcome {
    rates: Vec<RateRow>,
    equity: Vec<EquityRow>,
    verdicts: VerdictCodes,
}

/// One measure's headline verdict for every episode, one byte each (a million episodes ×
/// eight measures would take hundreds of megabytes as full `Verdict`s).
#[derive(Debug, Clone, Default)]
pub struct VerdictCodes {
    /// 0 = numerator, 1 = denominator only, 2 + i = excluded by `rules[i]`.
    codes: Vec<u8>,
    rules: Vec<&'static str>,
}

impl VerdictCodes {
    fn push(&mut self, verdict: &Verdict) {
        let code = match verdict {
            Verdict::Counted { in_numerator: true, .. } => 0,
            Verdict::Counted { .. } => 1,
            Verdict::Excluded(exclusion) => {
                // Rules are literals: the same rule is almost always the same pointer.
                let index = match (self.rules.iter().position(|rule| std::ptr::eq(*rule, exclusion.rule)))
                    .or_else(|| self.rules.iter().position(|rule| *rule == exclusion.rule))
                {
                    Some(index) => index,
                    None => {
                        self.rules.push(exclusion.rule);
                        self.rules.len() - 1
                    }
                };
                // A measure has a handful of rules; 254 would be a programming error.
                2 + u8::try_from(index).unwrap_or(u8::MAX - 2)
            }
        };
        self.codes.push(code);
    }

    /// `numerator`, `denominator` or `excluded:<rule>`: the text of `code`.
    fn code_text(&self, code: u8) -> String {
        match code {
            0 => "numerator".to_string(),
            1 => "denominator".to_string(),
            code => format!(
                "excluded:{}",
                self.rules.get(usize::from(code - 2)).copied().unwrap_or("unknown")
            ),
        }
    }

    /// Every episode's code, and the text of each code (`texts[code]`): for writing a million
    /// rows without building a string per cell.
    pub fn codes_and_texts(&self) -> (&[u8], Vec<String>) {
        let texts = (0..2 + self.rules.len())
            .map(|code| self.code_text(u8::try_from(code).unwrap_or(u8::MAX)))
            .collect();
        (&self.codes, texts)
    }
}

/// Everything about the episodes that does not depend on `as_of`, prepared once and reused for
/// every date of a backfill: offices, groups, and each measure's candidates sorted by date.
pub struct Engine<'a> {
    episodes: &'a [Episode],
    index: &'a EpisodeIndex,
    config: &'a Config,
    offices: Vec<String>,
    groups: Vec<String>,
    /// Each episode's office and group (indexes into `offices`, `groups`).
    episode_scopes: Vec<EpisodeScope>,
    /// Each office's place in alphabetical order (`offices` is alphabetical but for an
    /// unconfigured office found in the data, appended at its end).
    office_ranks: Vec<u32>,
    /// Per measure (registry order), what `Measure::candidates` asked for, made ready.
    candidates: Vec<PreparedCandidates>,
    /// The candidates of `PreparedCandidates::ByDate` lists, each ascending by date, then
    /// position.
    dated_lists: Vec<Vec<(NaiveDate, Candidate)>>,
}

/// Where an episode is counted: its office and its race/ethnicity group.
#[derive(Debug, Clone, Copy)]
struct EpisodeScope {
    office: u32,
    group: u32,
}

/// An episode a period may count, with what counting it needs, so that lists of candidates
/// are read in order instead of looking each episode's office up elsewhere.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    position: usize,
    scope: EpisodeScope,
}

/// A measure's candidates, prepared once per data set.
enum PreparedCandidates {
    Every,
    /// The candidates are `Engine::dated_lists[i]`.
    ByDate(usize),
    /// Taken from the date's list of episodes in care during its periods (`DateInputs`).
    InCareDuring,
}

impl<'a> Engine<'a> {
    pub fn new(episodes: &'a [Episode], index: &'a EpisodeIndex, config: &'a Config) -> Self {
        // Offices and groups: one pass each (on two threads) over a million episodes.
        let ((offices, episode_office), (groups, episode_group)) = std::thread::scope(|scope| {
            let groups = scope.spawn(|| group_list(episodes, config));
            let offices = office_list(episodes, config);
            (
                offices,
                groups.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        // A million offices and groups fit in a few megabytes as 32-bit indexes (an index is
        // below the number of episodes, which memory keeps far below 2^32).
        let episode_scopes: Vec<EpisodeScope> = episode_office
            .into_iter()
            .zip(episode_group)
            .map(|(office, group)| EpisodeScope {
                office: office as u32,
                group: group as u32,
            })
            .collect();
        let mut alphabetical: Vec<usize> = (0..offices.len()).collect();
        alphabetical.sort_by(|&left, &right| offices[left].cmp(&offices[right]));
        let mut office_ranks = vec![0; offices.len()];
        for (rank, &office) in alphabetical.iter().enumerate() {
            office_ranks[office] = rank as u32;
        }
        let scopes = &episode_scopes;
        // Each date function's candidates sorted by date, one thread per list. Measures that
        // name the same function (the three timely-permanency measures, and those using
        // `Candidates::BY_REMOVAL_DATE`) share a list: equal addresses are the same code
        // (unequal ones would only mean a list built twice).
        let mut date_functions: Vec<fn(&Episode) -> Option<NaiveDate>> = Vec::new();
        let candidates: Vec<PreparedCandidates> = REGISTRY
            .iter()
            .map(|measure| match measure.candidates() {
                Candidates::Every => PreparedCandidates::Every,
                Candidates::InCareDuring => PreparedCandidates::InCareDuring,
                Candidates::ByDate(date_of) => PreparedCandidates::ByDate(
                    match date_functions
                        .iter()
                        .position(|&known| std::ptr::fn_addr_eq(known, date_of))
                    {
                        Some(list) => list,
                        None => {
                            date_functions.push(date_of);
                            date_functions.len() - 1
                        }
                    },
                ),
            })
            .collect();
        let dated_lists = std::thread::scope(|scope| {
            let handles: Vec<_> = date_functions
                .iter()
                .map(|&date_of| {
                    scope.spawn(move || {
                        sorted_by_date(episodes.iter().enumerate().filter_map(|(position, episode)| {
                            let scope = scopes[position];
                            date_of(episode).map(|date| (date, Candidate { position, scope }))
                        }))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        Self {
            episodes,
            index,
            config,
            offices,
            groups,
            episode_scopes,
            office_ranks,
            candidates,
            dated_lists,
        }
    }

    /// The figures as known on `as_of`. With `keep_verdicts`, every episode's headline verdict
    /// is kept for `episodes.csv` (a full pass per measure); without, only candidates are
    /// evaluated, which is what a backfill needs.
    pub fn compute(&self, as_of: NaiveDate, keep_verdicts: bool) -> Results {
        // Every case-list rule requires the child to be in care on as_of; point-in-time
        // measures count only episodes in care during their periods. One pass finds both.
        let in_care_window = self.in_care_window(as_of);
        let mut in_care = Vec::new();
        let mut in_care_during_window: Vec<Candidate> = Vec::new();
        for position in 0..self.episodes.len() {
            let known = EpisodeAsOf::new(self.episodes, position, as_of);
            if known.in_care_on(as_of) {
                in_care.push(position);
            }
            if in_care_window.is_some_and(|window| known.in_care_during(window)) {
                in_care_during_window.push(Candidate {
                    position,
                    scope: self.episode_scopes[position],
                });
            }
        }
        let date = DateInputs {
            engine: self,
            as_of,
            in_care: &in_care,
            in_care_during_window: &in_care_during_window,
            keep_verdicts,
        };
        // Two cores: one thread per measure and one for the case lists, the scheduler spreads
        // them.
        let (outcomes, cases): (Vec<MeasureOutcome>, Vec<CaseRow>) = std::thread::scope(|scope| {
            let handles: Vec<_> = REGISTRY
                .iter()
                .enumerate()
                .map(|(number, &measure)| {
                    let date = &date;
                    scope.spawn(move || date.evaluate_measure(number, measure))
                })
                .collect();
            let cases = date.case_lists();
            (
                handles
                    .into_iter()
                    .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                    .collect(),
                cases,
            )
        });

        let mut results = Results {
            as_of,
            reporting_period: Period::reporting_period(as_of),
            offices: self.offices.clone(),
            groups: self.groups.clone(),
            rates: Vec::new(),
            cases,
            equity: Vec::new(),
            headline_verdicts: Vec::new(),
        };
        for outcome in outcomes {
            results.rates.extend(outcome.rates);
            results.equity.extend(outcome.equity);
            results.headline_verdicts.push(outcome.verdicts);
        }
        results
    }

    /// The days spanned by every period (headline and trend months) of the measures whose
    /// candidates are the episodes in care during the period; `None` if there are none.
    fn in_care_window(&self, as_of: NaiveDate) -> Option<Period> {
        let timeframes = &self.config.timeframes;
        REGISTRY
            .iter()
            .filter(|measure| matches!(measure.candidates(), Candidates::InCareDuring))
            .flat_map(|measure| {
                let headline = measure.cohort_period(Period::reporting_period(as_of), PeriodKind::Headline, timeframes);
                let months = Period::trend_months(as_of)
                    .into_iter()
                    .map(|month| measure.cohort_period(month, PeriodKind::Month, timeframes));
                std::iter::once(headline).chain(months)
            })
            .reduce(|window, period| Period::new(window.start.min(period.start), window.end.max(period.end)))
    }
}

/// One run's figures, with every episode's headline verdict (see `Engine` for backfills).
pub fn compute(episodes: &[Episode], index: &EpisodeIndex, config: &Config, as_of: NaiveDate) -> Results {
    Engine::new(episodes, index, config).compute(as_of, true)
}

/// What one as-of date's threads share.
struct DateInputs<'a> {
    engine: &'a Engine<'a>,
    as_of: NaiveDate,
    in_care: &'a [usize],
    /// Episodes in care on some day of `Engine::in_care_window`, ascending.
    in_care_during_window: &'a [Candidate],
    keep_verdicts: bool,
}

impl DateInputs<'_> {
    fn context(&self, period: Period) -> EvaluationContext<'_> {
        EvaluationContext {
            as_of: self.as_of,
            period,
            timeframes: &self.engine.config.timeframes,
            holidays: &self.engine.config.holidays,
            episodes: self.engine.episodes,
            index: self.engine.index,
        }
    }

    /// Calls `visit(i, candidate)` with each episode `measure` (number `number`) could count in
    /// `periods[i]`. Where an episode can count in several periods, all of its visits come
    /// together (it is then in the cache once, not once per period).
    fn for_each_candidate(&self, number: usize, periods: &[Period], mut visit: impl FnMut(usize, Candidate)) {
        match &self.engine.candidates[number] {
            PreparedCandidates::Every => {
                for (position, &scope) in self.engine.episode_scopes.iter().enumerate() {
                    (0..periods.len()).for_each(|period| visit(period, Candidate { position, scope }));
                }
            }
            PreparedCandidates::ByDate(list) => {
                let dated = &self.engine.dated_lists[*list];
                let (Some(start), Some(end)) = (
                    periods.iter().map(|period| period.start).min(),
                    periods.iter().map(|period| period.end).max(),
                ) else {
                    return;
                };
                let first = dated.partition_point(|&(date, _)| date < start);
                let last = dated.partition_point(|&(date, _)| date <= end);
                let candidates = &dated[first..last];
                for (number, &(date, candidate)) in candidates.iter().enumerate() {
                    self.prefetch_ahead(number, |ahead| {
                        candidates.get(ahead).map(|(_, candidate)| candidate.position)
                    });
                    for (period_number, period) in periods.iter().enumerate() {
                        if period.contains(date) {
                            visit(period_number, candidate);
                        }
                    }
                }
            }
            PreparedCandidates::InCareDuring => {
                let candidates = self.in_care_during_window;
                for (number, &candidate) in candidates.iter().enumerate() {
                    self.prefetch_ahead(number, |ahead| {
                        candidates.get(ahead).map(|candidate| candidate.position)
                    });
                    let known = EpisodeAsOf::new(self.engine.episodes, candidate.position, self.as_of);
                    for (period_number, &period) in periods.iter().enumerate() {
                        if known.in_care_during(period) {
                            visit(period_number, candidate);
                        }
                    }
                }
            }
        }
    }

    /// While visiting the `number`th of a list of episodes, asks for those a little further on
    /// to be fetched (the episode first, then, once it has arrived, its notices and meetings).
    /// `position_at(n)` is the position of the list's `n`th episode, `None` past its end.
    fn prefetch_ahead(&self, number: usize, position_at: impl Fn(usize) -> Option<usize>) {
        if let Some(position) = position_at(number + 2 * PREFETCH_DISTANCE) {
            prefetch_episode(&self.engine.episodes[position]);
        }
        if let Some(position) = position_at(number + PREFETCH_DISTANCE) {
            prefetch_linked_events(&self.engine.episodes[position]);
        }
    }

    /// Every measure's case list: only children in care on `as_of` can be overdue or due soon.
    /// One pass over them asking every measure, so each episode is fetched once. Sorted by
    /// office, measure (registry order), status, days overdue (most first) and removal_id.
    fn case_lists(&self) -> Vec<CaseRow> {
        let engine = self.engine;
        let reporting_period = Period::reporting_period(self.as_of);
        let contexts: Vec<EvaluationContext<'_>> = REGISTRY
            .iter()
            .map(|measure| {
                self.context(measure.cohort_period(reporting_period, PeriodKind::Headline, &engine.config.timeframes))
            })
            .collect();
        // Sorted as numbers: the office's alphabetical rank stands for its name, and the
        // episode's position for its removal_id (episodes are in removal_id order).
        /// A case found, before its row is made.
        struct FoundCase {
            office_rank: u32,
            measure_number: usize,
            status: CaseStatus,
            days_overdue: i64,
            position: usize,
            deadline: NaiveDate,
        }
        let mut found: Vec<FoundCase> = Vec::new();
        for (visited, &position) in self.in_care.iter().enumerate() {
            self.prefetch_ahead(visited, |ahead| self.in_care.get(ahead).copied());
            let known = EpisodeAsOf::new(engine.episodes, position, self.as_of);
            let office_rank = engine.office_ranks[engine.episode_scopes[position].office as usize];
            for (measure_number, (measure, context)) in REGISTRY.iter().zip(&contexts).enumerate() {
                if let Some(entry) = case_entry_for(*measure, &known, context) {
                    found.push(FoundCase {
                        office_rank,
                        measure_number,
                        status: entry.status,
                        days_overdue: entry.days_overdue(self.as_of),
                        position,
                        deadline: entry.deadline,
                    });
                }
            }
        }
        found.sort_unstable_by_key(|case| {
            (
                case.office_rank,
                case.measure_number,
                case.status,
                std::cmp::Reverse(case.days_overdue),
                case.position,
            )
        });
        found
            .into_iter()
            .map(|case| {
                let episode = &engine.episodes[case.position];
                CaseRow {
                    office: episode.office.clone(),
                    measure: REGISTRY[case.measure_number].id(),
                    status: case.status,
                    child_id: episode.child_id.clone(),
                    removal_id: episode.removal_id.clone(),
                    removal_date: episode.removal_date,
                    deadline: case.deadline,
                    days_overdue: case.days_overdue,
                }
            })
            .collect()
    }

    fn evaluate_measure(&self, number: usize, measure: &dyn Measure) -> MeasureOutcome {
        let engine = self.engine;
        let timeframes = &engine.config.timeframes;
        let target = engine.config.targets.get(measure.id()).copied();
        let office_count = engine.offices.len();
        let group_count = engine.groups.len();

        // Headline: office counts, group counts, and (when kept) every episode's verdict.
        let headline_period =
            measure.cohort_period(Period::reporting_period(self.as_of), PeriodKind::Headline, timeframes);
        let context = self.context(headline_period);
        let mut verdicts = VerdictCodes::default();
        let mut office_counts = vec![Counts::default(); office_count];
        let mut group_counts = vec![vec![Counts::default(); group_count]; office_count];
        let mut count = |scope: EpisodeScope, verdict: &Verdict| {
            let (office, group) = (scope.office as usize, scope.group as usize);
            office_counts[office].add(verdict);
            group_counts[office][group].add(verdict);
        };
        if self.keep_verdicts {
            verdicts.codes.reserve(engine.episodes.len());
            for (position, &scope) in engine.episode_scopes.iter().enumerate() {
                self.prefetch_ahead(position, |ahead| (ahead < engine.episodes.len()).then_some(ahead));
                let verdict = verdict_for(
                    measure,
                    &EpisodeAsOf::new(engine.episodes, position, self.as_of),
                    &context,
                );
                count(scope, &verdict);
                verdicts.push(&verdict);
            }
        }

        // Trend months (each evaluates only its candidates), and the headline too when only its
        // candidates are wanted: one pass over the candidates of them all.
        let month_periods: Vec<Period> = Period::trend_months(self.as_of)
            .into_iter()
            .map(|month| measure.cohort_period(month, PeriodKind::Month, timeframes))
            .collect();
        let headline_by_candidates = !self.keep_verdicts;
        let periods: Vec<Period> = (headline_by_candidates.then_some(headline_period).into_iter())
            .chain(month_periods.iter().copied())
            .collect();
        let contexts: Vec<EvaluationContext<'_>> = periods.iter().map(|&period| self.context(period)).collect();
        let first_month = usize::from(headline_by_candidates);
        let mut month_counts = vec![vec![Counts::default(); office_count]; month_periods.len()];
        self.for_each_candidate(number, &periods, |period, candidate| {
            let known = EpisodeAsOf::new(engine.episodes, candidate.position, self.as_of);
            let verdict = verdict_for(measure, &known, &contexts[period]);
            match period.checked_sub(first_month) {
                Some(month) => month_counts[month][candidate.scope.office as usize].add(&verdict),
                None => count(candidate.scope, &verdict),
            }
        });
        let months: Vec<(Period, Vec<Counts>)> = month_periods.into_iter().zip(month_counts).collect();

        let mut rates = Vec::new();
        let scopes = engine
            .offices
            .iter()
            .map(String::as_str)
            .enumerate()
            .map(|(i, name)| (Some(i), name));
        for (office, name) in scopes.chain(std::iter::once((None, STATEWIDE))) {
            let pick = |counts: &[Counts]| match office {
                Some(i) => counts[i],
                None => counts.iter().fold(Counts::default(), |sum, &each| sum.plus(each)),
            };
            rates.push(RateRow {
                measure: measure.id(),
                office: name.to_string(),
                kind: PeriodKind::Headline,
                period: headline_period,
                counts: pick(&office_counts),
                target,
            });
            for (period, counts) in &months {
                rates.push(RateRow {
                    measure: measure.id(),
                    office: name.to_string(),
                    kind: PeriodKind::Month,
                    period: *period,
                    counts: pick(counts),
                    target,
                });
            }
        }

        let mut equity = Vec::new();
        let statewide_groups: Vec<Counts> = (0..group_count)
            .map(|group| {
                group_counts
                    .iter()
                    .fold(Counts::default(), |sum, office| sum.plus(office[group]))
            })
            .collect();
        let statewide_total = office_counts
            .iter()
            .fold(Counts::default(), |sum, &each| sum.plus(each));
        let mut push_scope = |name: &str, per_group: &[Counts], total: Counts| {
            for (group, &counts) in per_group.iter().enumerate() {
                equity.push(EquityRow {
                    measure: measure.id(),
                    office: name.to_string(),
                    group: engine.groups[group].clone(),
                    group_counts: counts,
                    others_counts: total.minus(counts),
                });
            }
        };
        for (office, name) in engine.offices.iter().enumerate() {
            push_scope(name, &group_counts[office], office_counts[office]);
        }
        push_scope(STATEWIDE, &statewide_groups, statewide_total);

        MeasureOutcome {
            rates,
            equity,
            verdicts,
        }
    }
}

/// How many candidates ahead `DateInputs::prefetch_ahead` asks for linked events to be fetched
/// (and twice as far ahead for the episode itself).
const PREFETCH_DISTANCE: usize = 8;

/// Candidates in date order are scattered across memory, and without a hint each one's first
/// read waits for memory in turn. An episode spans three cache lines; measures read all of them.
fn prefetch_episode(episode: &Episode) {
    let first = std::ptr::from_ref(episode).cast::<u8>();
    prefetch(first);
    prefetch(first.wrapping_add(64));
    prefetch(first.wrapping_add(size_of::<Episode>() - 1));
}

/// The first cache line of the episode's notices and of its meetings (reads the episode).
fn prefetch_linked_events(episode: &Episode) {
    prefetch(episode.notice_dates.as_ptr().cast());
    prefetch(episode.meetings.as_ptr().cast());
}

/// Asks the processor to start loading the cache line of `address`: a hint, with no effect on
/// any result.
#[inline]
fn prefetch(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, even on an invalid address, and reads nothing the
    // program sees.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

/// `(date, item)` pairs, given in ascending position, sorted by date then position (a stable
/// sort): a counting sort by day (dates lie within the configured plausible range, so the days
/// are a few tens of thousands at most), linear where a comparison sort of a million pairs is
/// not. Dates spread wider than that fall back to a comparison sort.
fn sorted_by_date<T: Copy>(pairs: impl Iterator<Item = (NaiveDate, T)>) -> Vec<(NaiveDate, T)> {
    // Room for every item the iterator may give (a filter's upper bound), so the vector of
    // up to a million pairs is allocated once instead of grown by doubling.
    let mut collected = Vec::with_capacity(pairs.size_hint().1.unwrap_or(0));
    collected.extend(pairs);
    let pairs = collected;
    let (Some(first), Some(last)) = (
        pairs.iter().map(|&(date, _)| date).min(),
        pairs.iter().map(|&(date, _)| date).max(),
    ) else {
        return pairs;
    };
    let day_of = |date: NaiveDate| (date - first).num_days() as usize;
    if day_of(last) > 4 * pairs.len() + 100_000 {
        // Dates spread far wider than a plausible range: a comparison sort costs less memory.
        let mut pairs = pairs;
        pairs.sort_by_key(|&(date, _)| date);
        return pairs;
    }
    let mut starts = vec![0usize; day_of(last) + 2];
    for &(date, _) in &pairs {
        starts[day_of(date) + 1] += 1;
    }
    for day in 1..starts.len() {
        starts[day] += starts[day - 1];
    }
    let mut sorted = vec![pairs[0]; pairs.len()];
    // Positions arrive ascending, so each day's bucket fills in ascending position.
    for (date, item) in pairs {
        let slot = &mut starts[day_of(date)];
        sorted[*slot] = (date, item);
        *slot += 1;
    }
    sorted
}

/// The distinct values of `value_of` in the order first seen, and each episode's value as an
/// index into them. One hash lookup per episode on a handful of values.
fn distinct_values(episodes: &[Episode], value_of: fn(&Episode) -> &str) -> (Vec<&str>, Vec<usize>) {
    let mut index_of: crate::FastHashMap<&str, usize> = Default::default();
    let mut distinct = Vec::new();
    let per_episode = episodes
        .iter()
        .map(|episode| {
            let value = value_of(episode);
            *index_of.entry(value).or_insert_with(|| {
                distinct.push(value);
                distinct.len() - 1
            })
        })
        .collect();
    (distinct, per_episode)
}

/// `list`, and each episode's value as an index into it. Ingest admits only listed values; a
/// value missing from `list` all the same is appended to it rather than lost.
fn indexed_by(mut list: Vec<String>, distinct: &[&str], per_episode: Vec<usize>) -> (Vec<String>, Vec<usize>) {
    let position_in_list: Vec<usize> = distinct
        .iter()
        .map(|value| match list.iter().position(|listed| listed == value) {
            Some(position) => position,
            None => {
                list.push(value.to_string());
                list.len() - 1
            }
        })
        .collect();
    let per_episode = per_episode.into_iter().map(|index| position_in_list[index]).collect();
    (list, per_episode)
}

/// The offices (configured, else those seen), alphabetically, and each episode's office.
fn office_list(episodes: &[Episode], config: &Config) -> (Vec<String>, Vec<usize>) {
    let (seen, per_episode) = distinct_values(episodes, |episode| &episode.office);
    let mut offices: Vec<String> = if config.offices.is_empty() {
        seen.iter().map(|office| office.to_string()).collect()
    } else {
        config.offices.clone()
    };
    offices.sort();
    offices.dedup();
    indexed_by(offices, &seen, per_episode)
}

/// Configured categories in their order, then any other value seen, alphabetically; and each
/// episode's group.
fn group_list(episodes: &[Episode], config: &Config) -> (Vec<String>, Vec<usize>) {
    let (seen, per_episode) = distinct_values(episodes, |episode| &episode.race_ethnicity);
    let mut groups = config.race_categories.clone();
    let mut others: Vec<String> = seen
        .iter()
        .filter(|group| !config.race_categories.iter().any(|category| category == *group))
        .map(|group| group.to_string())
        .collect();
    others.sort();
    others.dedup();
    groups.extend(others);
    indexed_by(groups, &seen, per_episode)
}

#[cfg(test)]
mod tests {
    use super::sorted_by_date;
    use chrono::NaiveDate;

    #[test]
    fn counting_sort_by_date_equals_a_comparison_sort() {
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let dates = [
            "2024-02-29",
            "2023-01-01",
            "2024-02-29",
            "2026-10-31",
            "1900-01-01",
            "2023-01-01",
            "2100-12-31",
            "2024-03-01",
        ];
        let pairs: Vec<(NaiveDate, usize)> = dates
            .iter()
            .enumerate()
            .map(|(position, text)| (date(text), position))
            .collect();
        let mut expected = pairs.clone();
        expected.sort_unstable();
        assert_eq!(sorted_by_date(pairs.into_iter()), expected);
        assert_eq!(sorted_by_date(std::iter::empty::<(NaiveDate, usize)>()), Vec::new());
        // A spread far wider than the pairs: the comparison-sort fallback, same order.
        let wide = vec![
            (NaiveDate::MAX, 0),
            (NaiveDate::MIN, 1),
            (date("2024-01-01"), 2),
            (NaiveDate::MIN, 3),
        ];
        let mut expected = wide.clone();
        expected.sort_unstable();
        assert_eq!(sorted_by_date(wide.into_iter()), expected);
    }
}
