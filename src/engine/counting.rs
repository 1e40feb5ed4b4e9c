//! Counting one measure's verdicts for one as-of date: the headline per office and group
//! (with every episode's verdict when kept), the trend months and rolling points per office,
//! and the rows they roll up into: each office and statewide (sums of the offices' numerators
//! and denominators), and each group beside all other children.

use std::ops::Range;

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::engine::organisation::{EpisodePlace, Organisation};
use crate::engine::{BreakdownRow, Counts, DateInputs, EquityRow, Knowledge, RateRow, StatusCounts, VerdictCodes};
use crate::measures::{EpisodeAsOf, EvaluationContext, Measure, PeriodKind, RollingPoints, Verdict, verdict_for};
use crate::scope::Scope;

/// How many points a trend has (months, and rolling points).
const TREND_MONTHS: usize = 12;

/// What one measure contributes, computed on its own thread.
pub(super) struct MeasureOutcome {
    pub rates: Vec<RateRow>,
    pub year_ago: Vec<RateRow>,
    pub equity: Vec<EquityRow>,
    pub breakdown: Vec<BreakdownRow>,
    pub verdicts: VerdictCodes,
}

/// The headline counts of one measure: per office, per office and group, and per worker
/// (the leaves units and offices add up from).
pub(super) struct HeadlineCounts {
    offices: Vec<Counts>,
    /// `groups[office][group]`.
    groups: Vec<Vec<Counts>>,
    /// By worker (`Organisation::workers`).
    workers: Vec<Counts>,
}

impl HeadlineCounts {
    pub(super) fn new(organisation: &Organisation) -> Self {
        let (office_count, group_count) = (organisation.offices.len(), organisation.groups.len());
        Self {
            offices: vec![Counts::default(); office_count],
            groups: vec![vec![Counts::default(); group_count]; office_count],
            workers: vec![Counts::default(); organisation.workers.len()],
        }
    }

    pub(super) fn add(&mut self, place: EpisodePlace, verdict: &Verdict) {
        self.add_to_office_and_group(place, verdict);
        self.workers[place.worker as usize].add(verdict);
    }

    /// `add`, but for the worker's counts, which the caller keeps (`set_worker_counts`).
    pub(super) fn add_to_office_and_group(&mut self, place: EpisodePlace, verdict: &Verdict) {
        let (office, group) = (place.office as usize, place.group as usize);
        self.offices[office].add(verdict);
        self.groups[office][group].add(verdict);
    }

    /// Takes each worker's counts from `counts`, every `stride`th from `first`.
    pub(super) fn set_worker_counts(&mut self, counts: &[Counts], first: usize, stride: usize) {
        for (worker, mine) in self.workers.iter_mut().enumerate() {
            *mine = counts[worker * stride + first];
        }
    }

    /// Adds `other`'s counts (of other episodes) to these.
    pub(super) fn merge(&mut self, other: &Self) {
        let add_all = |mine: &mut [Counts], theirs: &[Counts]| {
            for (mine, theirs) in mine.iter_mut().zip(theirs) {
                *mine = mine.plus(*theirs);
            }
        };
        add_all(&mut self.offices, &other.offices);
        for (mine, theirs) in self.groups.iter_mut().zip(&other.groups) {
            add_all(mine, theirs);
        }
        add_all(&mut self.workers, &other.workers);
    }
}

/// One measure's counts per office for each period of `TrendPeriods::months` and `rolling`.
struct Trend {
    months: Vec<Vec<Counts>>,
    /// The year-ago point first (`TrendPeriods::rolling`).
    rolling: Vec<Vec<Counts>>,
}

/// The periods one measure's trend is counted over for one as-of date, and how the points
/// are made from them (`RollingPoints`).
pub(super) struct TrendPeriods {
    /// The 12 trend months, each as the measure counts it (`Measure::cohort_period`): what
    /// `measures.csv` shows.
    pub months: Vec<Period>,
    /// 13 rolling points, each the headline's period had the reporting period ended on the
    /// month's last day (or `as_of`): first the point a year before the last (for the reports'
    /// change since a year ago; not in `measures.csv`), then the 12 that `measures.csv` shows.
    pub rolling: Vec<Period>,
    /// The periods evaluated (besides the headline), ascending.
    pub evaluated: Vec<Period>,
    /// Each month's point: the sum of these `evaluated` periods' counts.
    month_sources: Vec<Range<usize>>,
    /// Each rolling point: the sum of these `evaluated` periods' counts, or the headline.
    rolling_sources: Vec<Option<Range<usize>>>,
}

impl TrendPeriods {
    /// The trend periods of `measure` as of `as_of`.
    pub(super) fn of(knowledge: &Knowledge<'_>, measure: &dyn Measure, as_of: NaiveDate) -> Self {
        let calendar_months = Period::months_ending_with(as_of, (TREND_MONTHS + 1) as u16);
        let rolling: Vec<Period> = (calendar_months.iter())
            .map(|month| knowledge.cohort_period(measure, Period::reporting_period(month.end), PeriodKind::Headline))
            .collect();
        let months_with_year_ago: Vec<Period> = (calendar_months.iter())
            .map(|&month| knowledge.cohort_period(measure, month, PeriodKind::Month))
            .collect();
        let months = months_with_year_ago[1..].to_vec();
        let points = rolling.len();
        let last = points - 1;
        let (evaluated, month_sources, rolling_sources) = match measure.rolling_points() {
            RollingPoints::Recomputed => (
                months.iter().chain(&rolling[..last]).copied().collect(),
                (0..TREND_MONTHS).map(|month| month..month + 1).collect(),
                (0..points)
                    .map(|point| (point < last).then(|| TREND_MONTHS + point..TREND_MONTHS + point + 1))
                    .collect(),
            ),
            RollingPoints::SameAsMonth => (
                months_with_year_ago,
                (1..points).map(|month| month..month + 1).collect(),
                (0..points).map(|month| Some(month..month + 1)).collect(),
            ),
            RollingPoints::Additive => {
                // Cut the days from the first rolling point's start to as_of wherever a month or
                // a rolling point begins or ends: every point is then a run of pieces.
                let pieces = pieces_of(months.iter().chain(&rolling[..last]));
                let sources = |period: &Period| {
                    let first = pieces.partition_point(|piece| piece.start < period.start);
                    let end = pieces.partition_point(|piece| piece.end <= period.end);
                    first..end
                };
                let month_sources = months.iter().map(sources).collect();
                let rolling_sources = (rolling.iter().enumerate())
                    .map(|(point, period)| (point < last).then(|| sources(period)))
                    .collect();
                (pieces, month_sources, rolling_sources)
            }
        };
        Self {
            months,
            rolling,
            evaluated,
            month_sources,
            rolling_sources,
        }
    }
}

/// The shortest periods that cover `periods` and of which each of them is a run: the days from
/// the earliest start to the latest end, cut before every start and after every end.
fn pieces_of<'a>(periods: impl Iterator<Item = &'a Period> + Clone) -> Vec<Period> {
    let mut cuts: Vec<NaiveDate> = periods
        .clone()
        .flat_map(|period| [period.start, crate::calendar::add_days(period.end, 1)])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|pair| Period::new(pair[0], crate::calendar::add_days(pair[1], -1)))
        .filter(|piece| periods.clone().any(|period| period.contains(piece.start)))
        .collect()
}

impl DateInputs<'_> {
    /// One measure's figures. `headline` is its headline counts and every episode's verdict
    /// when the headline pass made them (`episodes.csv` wanted); without, the headline is
    /// counted from its candidates with the trend.
    pub(super) fn evaluate_measure(
        &self,
        number: usize,
        measure: &dyn Measure,
        headline: Option<(HeadlineCounts, VerdictCodes)>,
    ) -> MeasureOutcome {
        let headline_period = self.cohort_period(measure, Period::reporting_period(self.as_of), PeriodKind::Headline);
        let headline_by_candidates = headline.is_none();
        let (mut headline, verdicts) =
            headline.unwrap_or_else(|| (HeadlineCounts::new(&self.engine.organisation), VerdictCodes::default()));
        let periods = TrendPeriods::of(&self.engine.knowledge, measure, self.as_of);
        let trend = self.trend_and_candidates(
            number,
            measure,
            headline_by_candidates.then_some(headline_period),
            &periods,
            &mut headline,
        );
        let (rates, year_ago) = self.rate_rows(measure, headline_period, &headline, &periods, &trend);
        MeasureOutcome {
            rates,
            year_ago,
            equity: self.equity_rows(measure, &headline),
            breakdown: if self.breakdown {
                self.breakdown_rows(measure, &headline)
            } else {
                Vec::new()
            },
            verdicts,
        }
    }

    /// The trend (each month and extra period evaluates only its candidates), and the headline
    /// too when `headline_period` is given: one pass over the candidates of them all.
    fn trend_and_candidates(
        &self,
        number: usize,
        measure: &dyn Measure,
        headline_period: Option<Period>,
        periods: &TrendPeriods,
        headline: &mut HeadlineCounts,
    ) -> Trend {
        let engine = self.engine;
        let headline_by_candidates = headline_period.is_some();
        let evaluated: Vec<Period> = (headline_period.into_iter())
            .chain(periods.evaluated.iter().copied())
            .collect();
        let contexts: Vec<EvaluationContext<'_>> = evaluated.iter().map(|&period| self.context(period)).collect();
        let first_trend = usize::from(headline_by_candidates);
        let office_count = engine.organisation.offices.len();
        let mut counts = vec![vec![Counts::default(); office_count]; evaluated.len() - first_trend];
        // A candidate's periods come together: when its verdict is the same in all of them,
        // it is evaluated once.
        let mut same_in_every_period: Option<(usize, Verdict)> = None;
        engine
            .candidates
            .for_each(number, &evaluated, self, |period, candidate| {
                let verdict = match same_in_every_period {
                    Some((position, verdict)) if position == candidate.position => verdict,
                    _ => {
                        let known = EpisodeAsOf::new(engine.episodes, candidate.position, self.as_of);
                        let context = &contexts[period];
                        let verdict = verdict_for(measure, &known, context);
                        same_in_every_period = measure
                            .same_verdict_in_every_period(&known, context)
                            .then_some((candidate.position, verdict));
                        verdict
                    }
                };
                match period.checked_sub(first_trend) {
                    Some(trend) => counts[trend][candidate.place.office as usize].add(&verdict),
                    None => headline.add(candidate.place, &verdict),
                }
            });
        let sum = |range: &Range<usize>| -> Vec<Counts> {
            (0..office_count)
                .map(|office| Counts::total(counts[range.clone()].iter().map(|period| &period[office])))
                .collect()
        };
        Trend {
            months: periods.month_sources.iter().map(sum).collect(),
            rolling: (periods.rolling_sources.iter())
                .map(|source| source.as_ref().map_or_else(|| headline.offices.clone(), sum))
                .collect(),
        }
    }

    /// Each office's headline, month and rolling rows, then statewide's (the offices' sums);
    /// and apart, each one's rolling point a year before the last.
    fn rate_rows(
        &self,
        measure: &dyn Measure,
        headline_period: Period,
        headline: &HeadlineCounts,
        periods: &TrendPeriods,
        trend: &Trend,
    ) -> (Vec<RateRow>, Vec<RateRow>) {
        let target = self.engine.config.targets.get(measure.id()).copied();
        let offices = &self.engine.organisation.offices;
        let scopes = offices
            .iter()
            .enumerate()
            .map(|(index, name)| (Some(index), Scope::Office { office: name.clone() }));
        let mut rates = Vec::new();
        let mut year_ago = Vec::new();
        for (office, scope) in scopes.chain(std::iter::once((None, Scope::Statewide))) {
            let pick = |counts: &[Counts]| match office {
                Some(index) => counts[index],
                None => Counts::total(counts),
            };
            let row = |kind, period, counts| RateRow {
                measure: measure.id(),
                scope: scope.clone(),
                kind,
                period,
                counts,
                target,
            };
            rates.push(row(PeriodKind::Headline, headline_period, pick(&headline.offices)));
            for (period, counts) in periods.months.iter().zip(&trend.months) {
                rates.push(row(PeriodKind::Month, *period, pick(counts)));
            }
            for (period, counts) in periods.rolling.iter().zip(&trend.rolling).skip(1) {
                rates.push(row(PeriodKind::Rolling, *period, pick(counts)));
            }
            if let (Some(period), Some(counts)) = (periods.rolling.first(), trend.rolling.first()) {
                year_ago.push(row(PeriodKind::Rolling, *period, pick(counts)));
            }
        }
        (rates, year_ago)
    }

    /// Each unit's headline (the sum of its workers'), then each of its workers', units in
    /// report order; their case counts are added once the case lists are made
    /// (`add_case_counts`).
    fn breakdown_rows(&self, measure: &dyn Measure, headline: &HeadlineCounts) -> Vec<BreakdownRow> {
        let organisation = &self.engine.organisation;
        let mut rows = Vec::with_capacity(organisation.units.len() + organisation.workers.len());
        for (unit_number, workers) in organisation.unit_spans() {
            let unit = &organisation.units[unit_number as usize];
            let office = &organisation.offices[unit.office as usize];
            let row = |scope, counts| BreakdownRow {
                measure: measure.id(),
                scope,
                counts,
                cases: StatusCounts::default(),
            };
            rows.push(row(
                Scope::Unit {
                    office: office.clone(),
                    unit: unit.name.clone(),
                },
                Counts::total(&headline.workers[workers.clone()]),
            ));
            for (worker, &counts) in organisation.workers[workers.clone()]
                .iter()
                .zip(&headline.workers[workers])
            {
                let scope = Scope::Worker {
                    office: office.clone(),
                    unit: unit.name.clone(),
                    worker: worker.id.clone(),
                };
                rows.push(row(scope, counts));
            }
        }
        rows
    }

    /// Each office's groups beside the office's other children, then statewide's.
    fn equity_rows(&self, measure: &dyn Measure, headline: &HeadlineCounts) -> Vec<EquityRow> {
        let organisation = &self.engine.organisation;
        let statewide_groups: Vec<Counts> = (0..organisation.groups.len())
            .map(|group| Counts::total(headline.groups.iter().map(|office| &office[group])))
            .collect();
        let statewide_total = Counts::total(&headline.offices);
        let mut equity = Vec::new();
        let mut push_scope = |scope: Scope, per_group: &[Counts], total: Counts| {
            for (group, &counts) in per_group.iter().enumerate() {
                equity.push(EquityRow {
                    measure: measure.id(),
                    scope: scope.clone(),
                    group: organisation.groups[group].clone(),
                    group_counts: counts,
                    others_counts: total.minus(counts),
                });
            }
        };
        for (office, name) in organisation.offices.iter().enumerate() {
            push_scope(
                Scope::Office { office: name.clone() },
                &headline.groups[office],
                headline.offices[office],
            );
        }
        push_scope(Scope::Statewide, &statewide_groups, statewide_total);
        equity
    }
}

/// Gives `rows` (one measure's `breakdown_rows`) their case counts: each worker's from
/// `by_worker` (by `Organisation::workers` index; empty when the measure has no case), each
/// unit's the sum of its workers'.
pub(super) fn add_case_counts(rows: &mut [BreakdownRow], organisation: &Organisation, by_worker: &[StatusCounts]) {
    if by_worker.is_empty() {
        return;
    }
    let mut rows = rows.iter_mut();
    for (_, workers) in organisation.unit_spans() {
        if let Some(unit_row) = rows.next() {
            unit_row.cases = StatusCounts::total(&by_worker[workers.clone()]);
        }
        // The workers' counts first: `zip` stops when they run out without taking the next
        // unit's row.
        for (&counts, worker_row) in by_worker[workers].iter().zip(rows.by_ref()) {
            worker_row.cases = counts;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pieces_of;
    use crate::calendar::Period;
    use crate::measures::test_support::date;

    fn period(start: &str, end: &str) -> Period {
        Period::new(date(start), date(end))
    }

    #[test]
    fn pieces_cut_wherever_a_period_begins_or_ends() {
        // The 12 months ending 2025-02-28 begin on 2024-02-29, inside February 2024.
        let periods = [
            period("2024-02-01", "2024-02-29"),
            period("2024-03-01", "2024-03-31"),
            period("2024-02-29", "2025-02-28"),
        ];
        assert_eq!(
            pieces_of(periods.iter()),
            vec![
                period("2024-02-01", "2024-02-28"),
                period("2024-02-29", "2024-02-29"),
                period("2024-03-01", "2024-03-31"),
                period("2024-04-01", "2025-02-28"),
            ]
        );
        // A gap between periods is no piece.
        let apart = [period("2024-01-01", "2024-01-31"), period("2024-03-01", "2024-03-31")];
        assert_eq!(pieces_of(apart.iter()), apart.to_vec());
    }
}
