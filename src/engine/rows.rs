//! What the engine produces: the rows behind `measures.csv`, `cases.csv` and `equity.csv`,
//! each episode's headline verdicts, and the counts they are made of.

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::engine::VerdictCodes;
use crate::measures::{CaseStatus, Measure, PeriodKind, Verdict};
use crate::performance::FastHashMap;
use crate::scope::{Name, Scope};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub numerator: u64,
    pub denominator: u64,
}

impl Counts {
    /// Adds what `verdict` counts (`Verdict::tally`).
    pub fn add(&mut self, verdict: &Verdict) {
        let tally = verdict.tally();
        self.numerator += u64::from(tally.numerator);
        self.denominator += u64::from(tally.denominator);
    }

    /// numerator / denominator, or `None` when the denominator is 0.
    pub fn rate(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    pub fn plus(self, other: Self) -> Self {
        Self {
            numerator: self.numerator + other.numerator,
            denominator: self.denominator + other.denominator,
        }
    }

    pub fn minus(self, other: Self) -> Self {
        Self {
            numerator: self.numerator - other.numerator,
            denominator: self.denominator - other.denominator,
        }
    }

    /// The sum of `counts`.
    pub fn total<'a>(counts: impl IntoIterator<Item = &'a Counts>) -> Self {
        counts.into_iter().fold(Self::default(), |sum, &each| sum.plus(each))
    }
}

/// One row of `measures.csv`: a measure's figure for one scope (an office or statewide) and
/// one period.
#[derive(Debug, Clone, PartialEq)]
pub struct RateRow {
    pub measure: &'static str,
    pub scope: Scope,
    pub kind: PeriodKind,
    pub period: Period,
    pub counts: Counts,
    pub target: Option<f64>,
}

/// A measure's headline figure for a unit (the sum of its workers') or a worker: the rows of
/// `units.csv` before their case-list counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownRow {
    pub measure: &'static str,
    /// `Scope::Unit` or `Scope::Worker`.
    pub scope: Scope,
    pub counts: Counts,
    /// The scope's children in the measure's case list, overdue and due soon.
    pub cases: StatusCounts,
}

/// One row of `cases.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub office: Name,
    pub unit: Name,
    pub worker_id: Name,
    pub measure: &'static str,
    pub status: CaseStatus,
    pub child_id: Name,
    pub removal_id: Name,
    pub removal_date: NaiveDate,
    pub deadline: NaiveDate,
    pub days_overdue: i64,
}

/// One row of `equity.csv`: a group's figure beside all other children's, in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquityRow {
    pub measure: &'static str,
    pub scope: Scope,
    pub group: String,
    pub group_counts: Counts,
    pub others_counts: Counts,
}

/// Everything the outputs and reports are made from.
#[derive(Debug, Clone)]
pub struct Results {
    pub as_of: NaiveDate,
    /// The measures reported, in report order (`measures::reported_measures`); every list
    /// below that is "per measure" follows it.
    pub measures: Vec<&'static dyn Measure>,
    pub reporting_period: Period,
    /// Offices in report order (alphabetical).
    pub offices: Vec<Name>,
    /// Race/ethnicity groups: configured categories first, then other values seen.
    pub groups: Vec<String>,
    /// Per measure (report order): every office's rows, then statewide's; each scope's
    /// headline row, then its months in order.
    pub rates: Vec<RateRow>,
    /// Per measure: every office's, then statewide's rolling point a year before the headline
    /// (the 12 months ending on the last day of as_of's month a year earlier), for the reports'
    /// change since a year ago. Not in `measures.csv`.
    pub year_ago: Vec<RateRow>,
    pub cases: Vec<CaseRow>,
    pub equity: Vec<EquityRow>,
    /// Per measure (report order): each unit's headline, then its workers', units by office
    /// and name, workers by id.
    pub breakdown: Vec<BreakdownRow>,
    /// `headline_verdicts[measure]`, in the order of `measures`: each episode's verdict code.
    pub headline_verdicts: Vec<VerdictCodes>,
}

/// How many children a case list has overdue and due soon in one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub overdue: u64,
    pub due_soon: u64,
}

impl StatusCounts {
    /// Counts one more child of `status`.
    pub fn count(&mut self, status: CaseStatus) {
        match status {
            CaseStatus::Overdue => self.overdue += 1,
            CaseStatus::DueSoon => self.due_soon += 1,
        }
    }

    /// The counts of several scopes together.
    pub fn total<'a>(counts: impl IntoIterator<Item = &'a StatusCounts>) -> Self {
        counts.into_iter().fold(Self::default(), |total, counts| Self {
            overdue: total.overdue + counts.overdue,
            due_soon: total.due_soon + counts.due_soon,
        })
    }
}

/// (measure, office, unit); `None` stands for all of a level.
type CaseKey<'a> = (&'static str, Option<&'a str>, Option<&'a str>);

/// Overdue and due-soon counts of every measure statewide, in each office and in each unit,
/// counted once from the case lists (a worker's are on its `BreakdownRow`).
pub struct CaseCounts<'a> {
    counts: FastHashMap<CaseKey<'a>, StatusCounts>,
}

impl<'a> CaseCounts<'a> {
    pub fn new(cases: &'a [CaseRow]) -> Self {
        let mut counts: FastHashMap<_, StatusCounts> = Default::default();
        for case in cases {
            let (office, unit) = (Some(&*case.office), Some(&*case.unit));
            for key in [
                (case.measure, None, None),
                (case.measure, office, None),
                (case.measure, office, unit),
            ] {
                let entry = counts.entry(key).or_default();
                entry.count(case.status);
            }
        }
        Self { counts }
    }

    /// The counts of `measure` in `scope` (zero when it has no case); statewide, an office or
    /// a unit (a worker's are on its `BreakdownRow`).
    pub fn of(&self, measure: &'static str, scope: &Scope) -> StatusCounts {
        debug_assert!(
            scope.worker_id().is_none(),
            "a worker's case counts are on its breakdown row"
        );
        let key = (measure, scope.office_name(), scope.unit_name());
        self.counts.get(&key).copied().unwrap_or_default()
    }
}

impl Results {
    /// The breakdown rows of `measure` in `office`: its units and their workers (a slice: the
    /// breakdown is in measure, then office, order).
    pub fn breakdown_of(&self, measure: &str, office: &str) -> &[BreakdownRow] {
        let rank = |id: &str| self.measures.iter().position(|known| known.id() == id);
        let wanted = rank(measure);
        let start = self.breakdown.partition_point(|row| rank(row.measure) < wanted);
        let end = self.breakdown.partition_point(|row| rank(row.measure) <= wanted);
        let rows = &self.breakdown[start..end];
        let first = rows.partition_point(|row| row.scope.office_label() < office);
        let last = rows.partition_point(|row| row.scope.office_label() <= office);
        &rows[first..last]
    }

    /// The headline rows (every measure, office and statewide), for `series.csv`.
    pub fn headline_rows(&self) -> Vec<RateRow> {
        self.rates
            .iter()
            .filter(|row| row.kind == PeriodKind::Headline)
            .cloned()
            .collect()
    }
}
