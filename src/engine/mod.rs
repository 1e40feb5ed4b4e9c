//! The engine: runs every registered measure over the episodes and counts the verdicts, per
//! office and statewide (sums of numerators and denominators), for the headline period and
//! the 12 trend months, by race/ethnicity group, plus the case lists and each episode's
//! headline verdicts. A pure function of the ingested data, the configuration and `as_of`.
//!
//! - `Engine::new` prepares what does not depend on `as_of` (where each episode is counted,
//!   the candidate lists), once for every date of a backfill;
//! - `Engine::compute(as_of)` runs one thread per measure (`counting`) and one for the case
//!   lists (`case_lists`);
//! - `evaluate_episode` is the same evaluation for one episode, for `explain`.

mod candidates;
mod case_lists;
mod counting;
mod headline_pass;
mod organisation;
mod rows;
mod verdict_codes;

pub use rows::{BreakdownRow, CaseCounts, CaseRow, Counts, EquityRow, RateRow, Results, StatusCounts};
pub use verdict_codes::{DecidingDates, VerdictCodes};

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::config::Config;
use crate::ingest::IngestedData;
use crate::ingest::linking::EpisodeIndex;
use crate::measures::{
    CaseEntry, DecidingDate, EpisodeAsOf, EvaluationContext, Measure, PeriodKind, Verdict, case_entry_for, verdict_for,
};
use crate::model::{Episode, WorkerIds};
use candidates::{Candidate, CandidateLists, WINDOW_KINDS, WindowCandidates, window_of};
use counting::{MeasureOutcome, TrendPeriods};
use organisation::Organisation;

/// What the measures may see: the episodes, the index of each child's episodes, and the
/// configuration (timeframes, holidays); and which measures the night reports (those whose
/// extracts were read: `measures::reported_measures`). Contexts are made here, for the engine
/// and `explain` alike.
#[derive(Clone, Copy)]
pub struct Knowledge<'a> {
    pub episodes: &'a [Episode],
    pub index: &'a EpisodeIndex,
    /// The ids of the episodes' workers (`Episode::worker`).
    pub worker_ids: &'a WorkerIds,
    pub config: &'a Config,
    pub measures: &'a [&'static dyn Measure],
}

impl<'a> Knowledge<'a> {
    /// What the measures may see of `data`; `measures` are the night's
    /// (`measures::reported_measures(&data.extracts_read())`).
    pub fn of(data: &'a IngestedData, config: &'a Config, measures: &'a [&'static dyn Measure]) -> Self {
        Self {
            episodes: &data.episodes,
            index: &data.index,
            worker_ids: &data.worker_ids,
            config,
            measures,
        }
    }

    /// The context of one period, as known on `as_of`.
    pub fn context(&self, as_of: NaiveDate, period: Period) -> EvaluationContext<'a> {
        EvaluationContext::new(
            as_of,
            period,
            &self.config.timeframes,
            &self.config.holidays,
            self.episodes,
            self.index,
        )
    }

    /// The cohort period `measure` counts for the reporting `period` of `kind`.
    pub fn cohort_period(&self, measure: &dyn Measure, period: Period, kind: PeriodKind) -> Period {
        measure.cohort_period(period, kind, &self.config.timeframes)
    }
}

/// One measure's evaluation of one episode for the headline period (for `explain`).
pub struct EpisodeEvaluation {
    pub measure: &'static dyn Measure,
    pub period: Period,
    pub verdict: Verdict,
    /// The dates besides the deadline and event that decided the verdict
    /// (`Measure::deciding_dates`).
    pub deciding_dates: Vec<DecidingDate>,
    pub case_entry: Option<CaseEntry>,
}

/// Every measure's headline verdict and case-list entry for the episode at `position`, as
/// known on `as_of`, made exactly as `Engine::compute` makes them.
pub fn evaluate_episode(knowledge: Knowledge<'_>, position: usize, as_of: NaiveDate) -> Vec<EpisodeEvaluation> {
    let known = EpisodeAsOf::new(knowledge.episodes, position, as_of);
    knowledge
        .measures
        .iter()
        .map(|&measure| {
            let period = knowledge.cohort_period(measure, Period::reporting_period(as_of), PeriodKind::Headline);
            let context = knowledge.context(as_of, period);
            let verdict = verdict_for(measure, &known, &context);
            EpisodeEvaluation {
                measure,
                period,
                verdict,
                deciding_dates: if known.exists() {
                    measure.deciding_dates(&known, &context)
                } else {
                    Vec::new()
                },
                case_entry: case_entry_for(measure, &known, &context),
            }
        })
        .collect()
}

/// Everything about the episodes that does not depend on `as_of`, prepared once and reused for
/// every date of a backfill.
pub struct Engine<'a> {
    episodes: &'a [Episode],
    config: &'a Config,
    knowledge: Knowledge<'a>,
    organisation: Organisation,
    candidates: CandidateLists,
}

impl<'a> Engine<'a> {
    pub fn new(knowledge: Knowledge<'a>) -> Self {
        let organisation = Organisation::new(knowledge.episodes, knowledge.worker_ids, knowledge.config);
        let candidates = CandidateLists::new(knowledge.measures, knowledge.episodes, &organisation.places);
        Self {
            episodes: knowledge.episodes,
            config: knowledge.config,
            knowledge,
            organisation,
            candidates,
        }
    }

    /// The figures as known on `as_of`. With `wanted.verdicts`, every episode's headline
    /// verdict is kept for `episodes.csv` (one pass over every episode for all the measures,
    /// `headline_pass`); without, only candidates are evaluated, which is what a backfill
    /// needs. `wanted.breakdown`: the unit and worker rows.
    pub fn compute(&self, as_of: NaiveDate, wanted: Wanted) -> Results {
        let (in_care, window_candidates) = self.date_lists(as_of);
        let date = DateInputs {
            engine: self,
            as_of,
            in_care: &in_care,
            window_candidates: &window_candidates,
            breakdown: wanted.breakdown,
            evidence: wanted.evidence,
        };
        let headlines: Vec<Option<_>> = if wanted.verdicts {
            date.headline_pass().into_iter().map(Some).collect()
        } else {
            self.knowledge.measures.iter().map(|_| None).collect()
        };
        let (mut outcomes, (cases, case_counts_by_worker)) = date.measures_and_case_lists(headlines);
        for (outcome, by_worker) in outcomes.iter_mut().zip(&case_counts_by_worker) {
            counting::add_case_counts(&mut outcome.breakdown, &self.organisation, by_worker);
        }
        let mut results = Results {
            as_of,
            measures: self.knowledge.measures.to_vec(),
            reporting_period: Period::reporting_period(as_of),
            offices: self.organisation.offices.clone(),
            groups: self.organisation.groups.clone(),
            rates: Vec::new(),
            year_ago: Vec::new(),
            cases,
            equity: Vec::new(),
            breakdown: Vec::new(),
            headline_verdicts: Vec::new(),
        };
        for outcome in outcomes {
            results.rates.extend(outcome.rates);
            results.year_ago.extend(outcome.year_ago);
            results.equity.extend(outcome.equity);
            results.breakdown.extend(outcome.breakdown);
            results.headline_verdicts.push(outcome.verdicts);
        }
        results
    }

    /// The episodes in care on `as_of` (every case list is of them), and the candidates of
    /// each `WINDOW_KINDS` kind over the window its measures' periods span (`WindowCandidates`):
    /// one pass finds them all.
    fn date_lists(&self, as_of: NaiveDate) -> (Vec<usize>, WindowCandidates) {
        let windows: Vec<Option<Period>> = WINDOW_KINDS
            .iter()
            .map(|&kind| {
                window_of(self.knowledge.measures, kind, |measure| {
                    let headline =
                        self.knowledge
                            .cohort_period(measure, Period::reporting_period(as_of), PeriodKind::Headline);
                    let trend = TrendPeriods::of(&self.knowledge, measure, as_of);
                    std::iter::once(headline).chain(trend.evaluated).collect()
                })
            })
            .collect();
        // Two threads, half the episodes each; the halves' lists put one after the other stay
        // ascending.
        let (mut first, second) = crate::performance::work_queue::on_two_halves(self.episodes.len(), |positions| {
            self.date_lists_of(positions, as_of, &windows)
        });
        first.0.extend(second.0);
        for (candidates, more) in first.1.iter_mut().zip(second.1) {
            candidates.extend(more);
        }
        first
    }

    /// `date_lists` of the episodes at `positions`, given each window kind's window.
    fn date_lists_of(
        &self,
        positions: std::ops::Range<usize>,
        as_of: NaiveDate,
        windows: &[Option<Period>],
    ) -> (Vec<usize>, WindowCandidates) {
        let mut in_care = Vec::new();
        let mut window_candidates: WindowCandidates = vec![Vec::new(); WINDOW_KINDS.len()];
        for position in positions {
            let known = EpisodeAsOf::new(self.episodes, position, as_of);
            if known.in_care_on(as_of) {
                in_care.push(position);
            }
            for ((kind, window), candidates) in WINDOW_KINDS.iter().zip(windows).zip(&mut window_candidates) {
                if window.is_some_and(|window| kind.includes(&known, window)) {
                    candidates.push(Candidate {
                        position,
                        place: self.organisation.places[position],
                    });
                }
            }
        }
        (in_care, window_candidates)
    }
}

/// One run's figures, with every episode's headline verdict (see `Engine` for backfills).
pub fn compute(knowledge: Knowledge<'_>, as_of: NaiveDate) -> Results {
    Engine::new(knowledge).compute(as_of, Wanted::ALL)
}

/// What one as-of date's threads share.
struct DateInputs<'a> {
    engine: &'a Engine<'a>,
    as_of: NaiveDate,
    /// Positions of the episodes in care on `as_of`, ascending.
    in_care: &'a [usize],
    /// For each of `WINDOW_KINDS`, its candidates over the window of its measures' periods,
    /// ascending.
    window_candidates: &'a WindowCandidates,
    /// Keep each headline verdict's deciding dates (`Wanted::evidence`).
    evidence: bool,
    breakdown: bool,
}

/// What `Engine::compute` makes besides the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// Every episode's headline verdict (`episodes.csv`).
    pub verdicts: bool,
    /// With `verdicts`, the dates that decided each (`episodes.parquet`).
    pub evidence: bool,
    /// Every unit's and worker's headline (`units.csv`, unit tables).
    pub breakdown: bool,
}

impl Wanted {
    /// Everything: a night's run.
    pub const ALL: Self = Self {
        verdicts: true,
        evidence: true,
        breakdown: true,
    };
}

/// One piece of an as-of date's work after the headline pass (`measures_and_case_lists`).
enum DateWork<Headline> {
    CaseLists,
    /// The measure of this number, with its headline counts and verdicts when they are made.
    Measure(usize, std::sync::Mutex<Option<Headline>>),
}

/// What a `DateWork` made.
enum DateWorkDone {
    CaseLists((Vec<CaseRow>, case_lists::CaseCountsByWorker)),
    Measure(MeasureOutcome),
}

impl DateInputs<'_> {
    /// Each measure's outcome (in the night's order) and the case lists, on two threads that
    /// each take the next piece of work when done: each measure's trend walks its candidates
    /// on one core without another measure's walk evicting its data between time slices (one
    /// thread per measure was 14 threads on two cores).
    fn measures_and_case_lists(
        &self,
        headlines: Vec<Option<(counting::HeadlineCounts, VerdictCodes)>>,
    ) -> (Vec<MeasureOutcome>, (Vec<CaseRow>, case_lists::CaseCountsByWorker)) {
        let work: Vec<DateWork<_>> = std::iter::once(DateWork::CaseLists)
            .chain(
                (headlines.into_iter().enumerate())
                    .map(|(number, headline)| DateWork::Measure(number, std::sync::Mutex::new(headline))),
            )
            .collect();
        let measures = self.engine.knowledge.measures;
        let done = crate::performance::work_queue::map_all_on_two_threads(&work, |piece| match piece {
            DateWork::CaseLists => DateWorkDone::CaseLists(self.case_lists()),
            DateWork::Measure(number, headline) => {
                // Each piece is taken once: the lock is never contended, and never poisoned (no
                // panic while it is held).
                let headline = headline
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                DateWorkDone::Measure(self.evaluate_measure(*number, measures[*number], headline))
            }
        });
        let mut outcomes = Vec::with_capacity(measures.len());
        let mut cases = (Vec::new(), Vec::new());
        for piece in done {
            match piece {
                DateWorkDone::CaseLists(rows) => cases = rows,
                DateWorkDone::Measure(outcome) => outcomes.push(outcome),
            }
        }
        (outcomes, cases)
    }

    fn context(&self, period: Period) -> EvaluationContext<'_> {
        self.engine.knowledge.context(self.as_of, period)
    }

    fn cohort_period(&self, measure: &dyn Measure, period: Period, kind: PeriodKind) -> Period {
        self.engine.knowledge.cohort_period(measure, period, kind)
    }
}
