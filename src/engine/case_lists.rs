//! The case lists: every measure asked about each child in care on `as_of` (only they can be
//! overdue or due soon), in one pass so each episode is fetched once.

use crate::calendar::Period;
use crate::engine::{CaseRow, DateInputs, StatusCounts};
use crate::measures::{CaseStatus, EpisodeAsOf, EvaluationContext, Measure, PeriodKind, case_entry_for};
use crate::scope::Name;

/// Per measure (in the night's order), each worker's counts (by `Organisation::workers`
/// index; empty for a measure without cases).
pub(super) type CaseCountsByWorker = Vec<Vec<StatusCounts>>;

/// A case found, before its row is made. Sorted as numbers: the office's alphabetical rank
/// stands for its name, and the episode's position for its removal_id (episodes are in
/// removal_id order).
struct FoundCase {
    office_rank: u32,
    measure_number: usize,
    status: CaseStatus,
    days_overdue: i64,
    position: usize,
    deadline: chrono::NaiveDate,
}

impl DateInputs<'_> {
    /// Sorted by office, measure (report order), status, days overdue (most first) and
    /// removal_id; and each measure's counts per worker (`CaseCountsByWorker`).
    pub(super) fn case_lists(&self) -> (Vec<CaseRow>, CaseCountsByWorker) {
        let engine = self.engine;
        let reporting_period = Period::reporting_period(self.as_of);
        let measures = self.engine.knowledge.measures;
        let listed: Vec<(usize, &dyn Measure, EvaluationContext<'_>)> = (measures.iter().enumerate())
            .filter(|(_, measure)| measure.has_case_list())
            .map(|(number, &measure)| {
                let context = self.context(self.cohort_period(measure, reporting_period, PeriodKind::Headline));
                (number, measure, context)
            })
            .collect();
        let mut found: Vec<FoundCase> = Vec::new();
        for (visited, &position) in self.in_care.iter().enumerate() {
            super::candidates::prefetch_ahead(engine.episodes, engine.knowledge.index, visited, |ahead| {
                self.in_care.get(ahead).copied()
            });
            let known = EpisodeAsOf::new(engine.episodes, position, self.as_of);
            let office = engine.organisation.places[position].office as usize;
            let office_rank = engine.organisation.office_ranks[office];
            for &(measure_number, measure, ref context) in &listed {
                if let Some(entry) = case_entry_for(measure, &known, context) {
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
        let mut by_worker: CaseCountsByWorker = vec![Vec::new(); measures.len()];
        for case in &found {
            let counts = &mut by_worker[case.measure_number];
            if counts.is_empty() {
                counts.resize(engine.organisation.workers.len(), StatusCounts::default());
            }
            counts[engine.organisation.places[case.position].worker as usize].count(case.status);
        }
        (found.into_iter().map(|case| self.case_row(&case)).collect(), by_worker)
    }

    fn case_row(&self, case: &FoundCase) -> CaseRow {
        let engine = self.engine;
        let episode = &engine.episodes[case.position];
        let place = engine.organisation.places[case.position];
        let office: &Name = &engine.organisation.offices[place.office as usize];
        CaseRow {
            office: office.clone(),
            unit: episode.unit.clone(),
            worker_id: engine.organisation.workers[place.worker as usize].id.clone(),
            measure: engine.knowledge.measures[case.measure_number].id(),
            status: case.status,
            child_id: episode.child_id.clone(),
            removal_id: episode.removal_id.clone(),
            removal_date: episode.removal_date,
            deadline: case.deadline,
            days_overdue: case.days_overdue,
        }
    }
}
