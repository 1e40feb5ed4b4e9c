//! Every measure's headline verdict for every episode (for `episodes.csv`), in one pass over
//! the episodes: each episode is fetched once for all the measures rather than once per
//! measure (a million episodes, fourteen measures), on two threads that take half the episodes
//! each; their counts are added and their verdicts put one after the other.

use std::ops::Range;

use crate::calendar::Period;
use crate::engine::counting::HeadlineCounts;
use crate::engine::{Counts, DateInputs, VerdictCodes};
use crate::measures::{EpisodeAsOf, EvaluationContext, PeriodKind, verdict_for};
use crate::performance::prefetch::prefetch;

/// How many episodes ahead the worker's counts are asked for.
const WORKER_PREFETCH_DISTANCE: usize = 8;

impl DateInputs<'_> {
    /// For each measure (in the night's order), its headline counts and every episode's
    /// headline verdict.
    pub(super) fn headline_pass(&self) -> Vec<(HeadlineCounts, VerdictCodes)> {
        let (mut first, second) =
            crate::performance::work_queue::on_two_halves(self.engine.episodes.len(), |positions| {
                self.headline_of(positions)
            });
        for ((counts, verdicts), (more_counts, more_verdicts)) in first.iter_mut().zip(&second) {
            counts.merge(more_counts);
            verdicts.append(more_verdicts);
        }
        first
    }

    /// The headline counts and verdicts of the episodes at `positions`, for every measure.
    fn headline_of(&self, positions: Range<usize>) -> Vec<(HeadlineCounts, VerdictCodes)> {
        let engine = self.engine;
        let measures = engine.knowledge.measures;
        let contexts: Vec<EvaluationContext<'_>> = measures
            .iter()
            .map(|&measure| {
                self.context(self.cohort_period(measure, Period::reporting_period(self.as_of), PeriodKind::Headline))
            })
            .collect();
        let mut outcome: Vec<(HeadlineCounts, VerdictCodes)> = measures
            .iter()
            .map(|_| {
                let verdicts = VerdictCodes::with_capacity(positions.len());
                (
                    HeadlineCounts::new(&engine.organisation),
                    if self.evidence {
                        verdicts.with_evidence()
                    } else {
                        verdicts
                    },
                )
            })
            .collect();
        // Each worker's counts of every measure side by side: an episode's worker is anywhere
        // among thousands, and its fourteen counts then share a few cache lines (asked for a
        // little ahead) instead of one line in each of fourteen tables.
        let stride = measures.len();
        let mut worker_counts = vec![Counts::default(); engine.organisation.workers.len() * stride];
        let end = positions.end;
        for position in positions {
            super::candidates::prefetch_ahead(engine.episodes, engine.knowledge.index, position, |ahead| {
                (ahead < end).then_some(ahead)
            });
            if let Some(ahead) = engine.organisation.places.get(position + WORKER_PREFETCH_DISTANCE) {
                let block = &worker_counts[ahead.worker as usize * stride..][..stride];
                prefetch(block.as_ptr());
                prefetch(block.last().map_or(block.as_ptr(), std::ptr::from_ref));
            }
            let known = EpisodeAsOf::new(engine.episodes, position, self.as_of);
            let place = engine.organisation.places[position];
            let workers = &mut worker_counts[place.worker as usize * stride..][..stride];
            for (((measure, context), (counts, verdicts)), worker) in
                measures.iter().zip(&contexts).zip(&mut outcome).zip(workers)
            {
                let verdict = verdict_for(*measure, &known, context);
                counts.add_to_office_and_group(place, &verdict);
                worker.add(&verdict);
                verdicts.push(&verdict);
            }
        }
        for (number, (counts, _)) in outcome.iter_mut().enumerate() {
            counts.set_worker_counts(&worker_counts, number, stride);
        }
        outcome
    }
}
