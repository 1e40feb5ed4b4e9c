//! Counting one measure's verdicts for one as-of date: the headline per office and group
//! (with every episode's verdict when kept), the trend months per office, and the rows they
//! roll up into: each office and statewide (sums of the offices' numerators and denominators),
//! and each group beside all other children.

use crate::calendar::Period;
use crate::engine::organisation::{EpisodePlace, Organisation};
use crate::engine::{BreakdownRow, Counts, DateInputs, EquityRow, RateRow, VerdictCodes};
use crate::measures::{EpisodeAsOf, EvaluationContext, Measure, PeriodKind, Verdict, verdict_for};
use crate::scope::Scope;

/// What one measure contributes, computed on its own thread.
pub(super) struct MeasureOutcome {
    pub rates: Vec<RateRow>,
    pub equity: Vec<EquityRow>,
    pub breakdown: Vec<BreakdownRow>,
    pub verdicts: VerdictCodes,
}

/// The headline counts of one measure: per office, per office and group, and per worker
/// (the leaves units and offices add up from).
struct HeadlineCounts {
    offices: Vec<Counts>,
    /// `groups[office][group]`.
    groups: Vec<Vec<Counts>>,
    /// By worker (`Organisation::workers`).
    workers: Vec<Counts>,
}

impl HeadlineCounts {
    fn new(organisation: &Organisation) -> Self {
        let (office_count, group_count) = (organisation.offices.len(), organisation.groups.len());
        Self {
            offices: vec![Counts::default(); office_count],
            groups: vec![vec![Counts::default(); group_count]; office_count],
            workers: vec![Counts::default(); organisation.workers.len()],
        }
    }

    fn add(&mut self, place: EpisodePlace, verdict: &Verdict) {
        let (office, group) = (place.office as usize, place.group as usize);
        self.offices[office].add(verdict);
        self.groups[office][group].add(verdict);
        self.workers[place.worker as usize].add(verdict);
    }
}

/// One measure's trend: each month's period and its counts per office.
type Months = Vec<(Period, Vec<Counts>)>;

impl DateInputs<'_> {
    pub(super) fn evaluate_measure(&self, number: usize, measure: &dyn Measure) -> MeasureOutcome {
        let headline_period = self.cohort_period(measure, Period::reporting_period(self.as_of), PeriodKind::Headline);
        let mut headline = HeadlineCounts::new(&self.engine.organisation);
        let verdicts = if self.keep_verdicts {
            self.every_episode(measure, headline_period, &mut headline)
        } else {
            VerdictCodes::default()
        };
        let months = self.months_and_candidates(number, measure, headline_period, &mut headline);
        MeasureOutcome {
            rates: self.rate_rows(measure, headline_period, &headline, &months),
            equity: self.equity_rows(measure, &headline),
            breakdown: if self.breakdown {
                self.breakdown_rows(measure, &headline)
            } else {
                Vec::new()
            },
            verdicts,
        }
    }

    /// Evaluates every episode for the headline, counting it and keeping its verdict.
    fn every_episode(&self, measure: &dyn Measure, period: Period, headline: &mut HeadlineCounts) -> VerdictCodes {
        let engine = self.engine;
        let context = self.context(period);
        let mut verdicts = VerdictCodes::with_capacity(engine.episodes.len());
        for (position, &place) in engine.organisation.places.iter().enumerate() {
            super::candidates::prefetch_ahead(engine.episodes, position, |ahead| {
                (ahead < engine.episodes.len()).then_some(ahead)
            });
            let verdict = verdict_for(
                measure,
                &EpisodeAsOf::new(engine.episodes, position, self.as_of),
                &context,
            );
            headline.add(place, &verdict);
            verdicts.push(&verdict);
        }
        verdicts
    }

    /// The trend months (each evaluates only its candidates), and the headline too when every
    /// episode's verdict is not kept: one pass over the candidates of them all.
    fn months_and_candidates(
        &self,
        number: usize,
        measure: &dyn Measure,
        headline_period: Period,
        headline: &mut HeadlineCounts,
    ) -> Months {
        let engine = self.engine;
        let month_periods: Vec<Period> = Period::trend_months(self.as_of)
            .into_iter()
            .map(|month| self.cohort_period(measure, month, PeriodKind::Month))
            .collect();
        let headline_by_candidates = !self.keep_verdicts;
        let periods: Vec<Period> = (headline_by_candidates.then_some(headline_period).into_iter())
            .chain(month_periods.iter().copied())
            .collect();
        let contexts: Vec<EvaluationContext<'_>> = periods.iter().map(|&period| self.context(period)).collect();
        let first_month = usize::from(headline_by_candidates);
        let mut month_counts = vec![vec![Counts::default(); engine.organisation.offices.len()]; month_periods.len()];
        engine.candidates.for_each(number, &periods, self, |period, candidate| {
            let known = EpisodeAsOf::new(engine.episodes, candidate.position, self.as_of);
            let verdict = verdict_for(measure, &known, &contexts[period]);
            match period.checked_sub(first_month) {
                Some(month) => month_counts[month][candidate.place.office as usize].add(&verdict),
                None => headline.add(candidate.place, &verdict),
            }
        });
        month_periods.into_iter().zip(month_counts).collect()
    }

    /// Each office's headline and month rows, then statewide's (the offices' sums).
    fn rate_rows(
        &self,
        measure: &dyn Measure,
        headline_period: Period,
        headline: &HeadlineCounts,
        months: &Months,
    ) -> Vec<RateRow> {
        let target = self.engine.config.targets.get(measure.id()).copied();
        let offices = &self.engine.organisation.offices;
        let scopes = offices
            .iter()
            .enumerate()
            .map(|(index, name)| (Some(index), Scope::Office { office: name.clone() }));
        let mut rates = Vec::new();
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
            for (period, counts) in months {
                rates.push(row(PeriodKind::Month, *period, pick(counts)));
            }
        }
        rates
    }

    /// Each unit's headline (the sum of its workers'), then each of its workers', units in
    /// report order.
    fn breakdown_rows(&self, measure: &dyn Measure, headline: &HeadlineCounts) -> Vec<BreakdownRow> {
        let organisation = &self.engine.organisation;
        let workers = &organisation.workers;
        let mut rows = Vec::with_capacity(organisation.units.len() + workers.len());
        let mut start = 0;
        while start < workers.len() {
            let unit_number = workers[start].unit;
            let end = start
                + workers[start..]
                    .iter()
                    .take_while(|worker| worker.unit == unit_number)
                    .count();
            let unit = &organisation.units[unit_number as usize];
            let office = &organisation.offices[unit.office as usize];
            let row = |scope, counts| BreakdownRow {
                measure: measure.id(),
                scope,
                counts,
            };
            rows.push(row(
                Scope::Unit {
                    office: office.clone(),
                    unit: unit.name.clone(),
                },
                Counts::total(&headline.workers[start..end]),
            ));
            for (worker, &counts) in workers[start..end].iter().zip(&headline.workers[start..end]) {
                let scope = Scope::Worker {
                    office: office.clone(),
                    unit: unit.name.clone(),
                    worker: worker.id.clone(),
                };
                rows.push(row(scope, counts));
            }
            start = end;
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
