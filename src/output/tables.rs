//! Every output table, declared once: its name, its columns and their types (`TableSpec`), and
//! its rows as typed cells (`Table::for_each_row`). Writers render any table from that: the CSV
//! writer (`csv_writer`) today; a second format restates no column list.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::engine::{RateRow, Results};
use crate::extracts::Extract;
use crate::ingest::ExtractReport;
use crate::model::Episode;
use crate::output::neutralise_csv_text;

/// A column's type: how it is written and what an analyst's tool reads it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Date,
    Integer,
    /// A rate: a decimal fraction, empty when there is none.
    Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: Cow<'static, str>,
    pub kind: ColumnType,
}

/// A table's name (its file is `<name>.csv`) and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub name: Cow<'static, str>,
    pub columns: Vec<Column>,
}

impl TableSpec {
    fn new(name: impl Into<Cow<'static, str>>, columns: &[(&'static str, ColumnType)]) -> Self {
        Self {
            name: name.into(),
            columns: columns
                .iter()
                .map(|&(name, kind)| Column {
                    name: Cow::Borrowed(name),
                    kind,
                })
                .collect(),
        }
    }

    fn column(mut self, name: impl Into<Cow<'static, str>>, kind: ColumnType) -> Self {
        self.columns.push(Column {
            name: name.into(),
            kind,
        });
        self
    }
}

/// One value of a row, of its column's type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Date(NaiveDate),
    Integer(i64),
    Decimal(Option<f64>),
    /// No value (an empty CSV field, a Parquet null), in a column of any type.
    Missing,
}

/// A table's rows, visited one at a time (no table is built in memory as cells).
pub type RowVisitor<'v> = dyn FnMut(&[Cell<'_>]) -> anyhow::Result<()> + 'v;

pub trait Table {
    fn spec(&self) -> TableSpec;
    /// Calls `visit` with each row's cells, in the spec's column order.
    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()>;
}

use ColumnType::{Date, Decimal, Integer, Text};

fn count(value: u64) -> Cell<'static> {
    Cell::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

/// `measures.csv`: every measure's figure per office and statewide, headline and trend.
pub struct MeasuresTable<'a>(pub &'a Results);

impl Table for MeasuresTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "measures",
            &[
                ("as_of", Date),
                ("measure", Text),
                ("office", Text),
                ("kind", Text),
                ("period_start", Date),
                ("period_end", Date),
                ("numerator", Integer),
                ("denominator", Integer),
                ("rate", Decimal),
                ("target", Decimal),
            ],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for row in &self.0.rates {
            visit(&[
                Cell::Date(self.0.as_of),
                Cell::Text(row.measure),
                Cell::Text(row.scope.office_label()),
                Cell::Text(row.kind.as_str()),
                Cell::Date(row.period.start),
                Cell::Date(row.period.end),
                count(row.counts.numerator),
                count(row.counts.denominator),
                Cell::Decimal(row.counts.rate()),
                Cell::Decimal(row.target),
            ])?;
        }
        Ok(())
    }
}

/// `cases.csv`: the children overdue or due soon, ids only.
pub struct CasesTable<'a>(pub &'a Results);

impl Table for CasesTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "cases",
            &[
                ("office", Text),
                ("measure", Text),
                ("status", Text),
                ("child_id", Text),
                ("removal_id", Text),
                ("removal_date", Date),
                ("deadline", Date),
                ("days_overdue", Integer),
                ("unit", Text),
                ("worker_id", Text),
            ],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for row in &self.0.cases {
            visit(&[
                Cell::Text(&row.office),
                Cell::Text(row.measure),
                Cell::Text(row.status.as_str()),
                Cell::Text(&row.child_id),
                Cell::Text(&row.removal_id),
                Cell::Date(row.removal_date),
                Cell::Date(row.deadline),
                Cell::Integer(row.days_overdue),
                Cell::Text(&row.unit),
                Cell::Text(&row.worker_id),
            ])?;
        }
        Ok(())
    }
}

/// `units.csv`: every headline figure and case-list count per unit (the row with an empty
/// `worker_id`, the sum of its workers') and per worker, headline period. Written only when
/// removals carry `unit` or `worker_id`.
pub struct UnitsTable<'a>(pub &'a Results);

impl Table for UnitsTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "units",
            &[
                ("as_of", Date),
                ("measure", Text),
                ("office", Text),
                ("unit", Text),
                ("worker_id", Text),
                ("numerator", Integer),
                ("denominator", Integer),
                ("rate", Decimal),
                ("overdue", Integer),
                ("due_soon", Integer),
            ],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for row in &self.0.breakdown {
            visit(&[
                Cell::Date(self.0.as_of),
                Cell::Text(row.measure),
                Cell::Text(row.scope.office_label()),
                Cell::Text(row.scope.unit_name().unwrap_or_default()),
                Cell::Text(row.scope.worker_id().unwrap_or_default()),
                count(row.counts.numerator),
                count(row.counts.denominator),
                Cell::Decimal(row.counts.rate()),
                count(row.cases.overdue),
                count(row.cases.due_soon),
            ])?;
        }
        Ok(())
    }
}

/// `equity.csv`: each race/ethnicity group beside all other children.
pub struct EquityTable<'a>(pub &'a Results);

impl Table for EquityTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "equity",
            &[
                ("measure", Text),
                ("office", Text),
                ("group", Text),
                ("numerator", Integer),
                ("denominator", Integer),
                ("rate", Decimal),
                ("others_numerator", Integer),
                ("others_denominator", Integer),
                ("others_rate", Decimal),
            ],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for row in &self.0.equity {
            visit(&[
                Cell::Text(row.measure),
                Cell::Text(row.scope.office_label()),
                Cell::Text(&row.group),
                count(row.group_counts.numerator),
                count(row.group_counts.denominator),
                Cell::Decimal(row.group_counts.rate()),
                count(row.others_counts.numerator),
                count(row.others_counts.denominator),
                Cell::Decimal(row.others_counts.rate()),
            ])?;
        }
        Ok(())
    }
}

/// `episodes.csv`: one row per accepted episode, each measure's headline verdict
/// (`numerator`, `denominator` or `excluded:<rule>`).
#[derive(Clone, Copy)]
pub struct EpisodesTable<'a> {
    pub episodes: &'a [Episode],
    pub results: &'a Results,
}

impl Table for EpisodesTable<'_> {
    fn spec(&self) -> TableSpec {
        self.results.measures.iter().fold(
            TableSpec::new(
                "episodes",
                &[
                    ("removal_id", Text),
                    ("child_id", Text),
                    ("office", Text),
                    ("removal_date", Date),
                ],
            ),
            |spec, measure| spec.column(measure.id(), Text),
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        let verdicts = self.verdict_texts();
        let mut cells = Vec::with_capacity(4 + verdicts.len());
        for position in 0..self.episodes.len() {
            cells.clear();
            self.push_cells(&mut cells, position, &verdicts);
            visit(&cells)?;
        }
        Ok(())
    }
}

/// Each measure's verdicts: every episode's code, and the text of each code.
type VerdictTexts<'a> = Vec<(&'a [u8], Vec<String>)>;

impl<'a> EpisodesTable<'a> {
    fn verdict_texts(&self) -> VerdictTexts<'a> {
        (self.results.headline_verdicts.iter())
            .map(|verdicts| verdicts.codes_and_texts())
            .collect()
    }

    /// The cells of `episodes.csv` for the episode at `position`: ids, office, removal date
    /// and each measure's verdict.
    fn push_cells<'c>(&self, cells: &mut Vec<Cell<'c>>, position: usize, verdicts: &'c VerdictTexts<'_>)
    where
        'a: 'c,
    {
        let episode = &self.episodes[position];
        cells.extend([
            Cell::Text(&episode.removal_id),
            Cell::Text(&episode.child_id),
            Cell::Text(&episode.office),
            Cell::Date(episode.removal_date),
        ]);
        for (codes, texts) in verdicts {
            let text = codes.get(position).and_then(|&code| texts.get(usize::from(code)));
            cells.push(Cell::Text(text.map_or("", String::as_str)));
        }
    }
}

/// `episodes.parquet`: `episodes` and, for each measure, what decided the verdict:
/// `<measure>_deadline` (the last on-time day), `<measure>_deciding_date` (the deciding
/// event's date) and `<measure>_days_from_deadline` (the one minus the other; negative:
/// before), null where there is none. Needs the engine's deciding dates (`Wanted::evidence`).
pub struct EpisodesWithDecidingDates<'a>(pub EpisodesTable<'a>);

impl Table for EpisodesWithDecidingDates<'_> {
    fn spec(&self) -> TableSpec {
        self.0.results.measures.iter().fold(self.0.spec(), |spec, measure| {
            spec.column(format!("{}_deadline", measure.id()), Date)
                .column(format!("{}_deciding_date", measure.id()), Date)
                .column(format!("{}_days_from_deadline", measure.id()), Integer)
        })
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        let verdicts = &self.0.results.headline_verdicts;
        let texts = self.0.verdict_texts();
        let mut cells = Vec::with_capacity(4 + 4 * texts.len());
        for position in 0..self.0.episodes.len() {
            cells.clear();
            self.0.push_cells(&mut cells, position, &texts);
            for measure in verdicts {
                let dates = measure.deciding_dates(position);
                let deadline = dates.and_then(|dates| dates.deadline);
                let decided = dates.and_then(|dates| dates.event).map(|(_, date)| date);
                cells.push(deadline.map_or(Cell::Missing, Cell::Date));
                cells.push(decided.map_or(Cell::Missing, Cell::Date));
                cells.push(match (deadline, decided) {
                    (Some(deadline), Some(decided)) => Cell::Integer((decided - deadline).num_days()),
                    _ => Cell::Missing,
                });
            }
            visit(&cells)?;
        }
        Ok(())
    }
}

/// `rejects/<extract>.csv`: the rejected rows as read, with `line` and `reason` first.
pub struct RejectsTable<'a>(pub &'a ExtractReport);

impl Table for RejectsTable<'_> {
    fn spec(&self) -> TableSpec {
        let header = self.0.header.iter().map(|name| neutralise_csv_text(name).into_owned());
        header.fold(
            TableSpec::new("rejects", &[("line", Integer), ("reason", Text)]),
            |spec, name| spec.column(name, Text),
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for row in &self.0.rejected {
            let reason = row.reason();
            let mut cells = Vec::with_capacity(2 + row.raw_values.len());
            cells.push(count(row.line));
            cells.push(Cell::Text(&reason));
            cells.extend(row.raw_values.iter().map(|value| Cell::Text(value)));
            visit(&cells)?;
        }
        Ok(())
    }
}

/// `data_quality.csv`: rows read / accepted / rejected (by reason) / orphaned (by reason) for
/// every extract.
pub struct DataQualityTable<'a>(pub &'a BTreeMap<Extract, ExtractReport>);

impl Table for DataQualityTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "data_quality",
            &[("extract", Text), ("count", Text), ("reason", Text), ("rows", Integer)],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for (extract, report) in self.0 {
            let name = extract.name();
            visit(&[
                Cell::Text(name),
                Cell::Text("read"),
                Cell::Text(""),
                count(report.rows_read),
            ])?;
            visit(&[
                Cell::Text(name),
                Cell::Text("accepted"),
                Cell::Text(""),
                count(report.rows_accepted),
            ])?;
            visit(&[
                Cell::Text(name),
                Cell::Text("rejected"),
                Cell::Text(""),
                count(report.rows_rejected()),
            ])?;
            for (reason, rows) in report.rejected_by_kind() {
                visit(&[
                    Cell::Text(name),
                    Cell::Text("rejected"),
                    Cell::Text(reason),
                    count(rows),
                ])?;
            }
            visit(&[
                Cell::Text(name),
                Cell::Text("orphaned"),
                Cell::Text(""),
                count(report.rows_orphaned()),
            ])?;
            for (reason, &rows) in &report.orphaned_by_reason {
                visit(&[
                    Cell::Text(name),
                    Cell::Text("orphaned"),
                    Cell::Text(reason),
                    count(rows),
                ])?;
            }
        }
        Ok(())
    }
}

/// `series.csv`: the headline figures of several as-of dates, for analysts' time series.
pub struct SeriesTable<'a>(pub &'a [(NaiveDate, Vec<RateRow>)]);

impl Table for SeriesTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "series",
            &[
                ("as_of", Date),
                ("measure", Text),
                ("office", Text),
                ("numerator", Integer),
                ("denominator", Integer),
                ("rate", Decimal),
                ("target", Decimal),
            ],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        for (as_of, rows) in self.0 {
            for row in rows {
                visit(&[
                    Cell::Date(*as_of),
                    Cell::Text(row.measure),
                    Cell::Text(row.scope.office_label()),
                    count(row.counts.numerator),
                    count(row.counts.denominator),
                    Cell::Decimal(row.counts.rate()),
                    Cell::Decimal(row.target),
                ])?;
            }
        }
        Ok(())
    }
}

/// One figure of `revisions.csv`: a date's headline for a measure and office as it was
/// reported (from that night's snapshot) and as it is now (the same date from the newest).
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub as_of: NaiveDate,
    pub measure: &'static str,
    pub office: String,
    /// `None` when the figure was not reported that night (or is not reported now).
    pub reported: Option<crate::engine::Counts>,
    pub current: Option<crate::engine::Counts>,
}

/// `revisions.csv` (`backfill --snapshots`): how late-entered data moved each figure.
pub struct RevisionsTable<'a>(pub &'a [Revision]);

impl Table for RevisionsTable<'_> {
    fn spec(&self) -> TableSpec {
        TableSpec::new(
            "revisions",
            &[
                ("as_of", Date),
                ("measure", Text),
                ("office", Text),
                ("reported_numerator", Integer),
                ("reported_denominator", Integer),
                ("reported_rate", Decimal),
                ("current_numerator", Integer),
                ("current_denominator", Integer),
                ("current_rate", Decimal),
            ],
        )
    }

    fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
        // A figure absent on one side counts as 0 of 0 (no rate) there.
        let cells = |counts: Option<crate::engine::Counts>| {
            let counts = counts.unwrap_or_default();
            [
                count(counts.numerator),
                count(counts.denominator),
                Cell::Decimal(counts.rate()),
            ]
        };
        for revision in self.0 {
            let [reported_numerator, reported_denominator, reported_rate] = cells(revision.reported);
            let [current_numerator, current_denominator, current_rate] = cells(revision.current);
            visit(&[
                Cell::Date(revision.as_of),
                Cell::Text(revision.measure),
                Cell::Text(&revision.office),
                reported_numerator,
                reported_denominator,
                reported_rate,
                current_numerator,
                current_denominator,
                current_rate,
            ])?;
        }
        Ok(())
    }
}
