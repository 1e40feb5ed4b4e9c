//! Renders any declared table (`tables`) as Parquet through polars: the spec's columns, typed —
//! text as String, dates as Date, counts as Int64, rates as Float64 (null when there is none).
//! Text is written as it is (the CSV's formula-neutralising `'` is for spreadsheets only). A
//! rejected row with fewer fields than its header has nulls for the others; one with more has
//! the surplus in its last column, joined by commas.
//! Zstandard-compressed; the same table gives the same bytes.

use polars::prelude::{
    Column, DataFrame, Float64Chunked, Int32Chunked, Int64Chunked, IntoColumn, IntoSeries, NewChunkedArray,
    ParquetCompression, ParquetWriter, PlSmallStr, StringChunked, StringChunkedBuilder,
};

use crate::calendar::days_since_epoch;
use crate::output::tables::{Cell, ColumnType, EpisodesWithDecidingDates, Table};

/// One column's values while the rows are visited.
enum ColumnBuilder {
    Text(StringChunkedBuilder),
    Date(Vec<Option<i32>>),
    Integer(Vec<Option<i64>>),
    Decimal(Vec<Option<f64>>),
}

impl ColumnBuilder {
    fn new(kind: ColumnType, name: &str, capacity: usize) -> Self {
        match kind {
            ColumnType::Text => Self::Text(StringChunkedBuilder::new(PlSmallStr::from(name), capacity)),
            ColumnType::Date => Self::Date(Vec::with_capacity(capacity)),
            ColumnType::Integer => Self::Integer(Vec::with_capacity(capacity)),
            ColumnType::Decimal => Self::Decimal(Vec::with_capacity(capacity)),
        }
    }

    fn push(&mut self, cell: &Cell<'_>) -> anyhow::Result<()> {
        match (self, cell) {
            (Self::Text(builder), Cell::Text(text)) => builder.append_value(text),
            (Self::Date(values), Cell::Date(date)) => values.push(Some(days_since_epoch(*date))),
            (Self::Integer(values), Cell::Integer(value)) => values.push(Some(*value)),
            (Self::Decimal(values), Cell::Decimal(rate)) => values.push(*rate),
            (builder, Cell::Missing) => builder.push_missing(),
            (_, cell) => anyhow::bail!("a cell of the wrong type for its column: {cell:?}"),
        }
        Ok(())
    }

    /// A cell the row does not have (a rejected row with fewer fields than the header).
    fn push_missing(&mut self) {
        match self {
            Self::Text(builder) => builder.append_null(),
            Self::Date(values) => values.push(None),
            Self::Integer(values) => values.push(None),
            Self::Decimal(values) => values.push(None),
        }
    }

    fn finish(self, name: &str) -> Column {
        let name = PlSmallStr::from(name);
        match self {
            Self::Text(builder) => builder.finish().into_column(),
            Self::Date(values) => Int32Chunked::from_iter_options(name, values.into_iter())
                .into_series()
                .into_date()
                .into_column(),
            Self::Integer(values) => Int64Chunked::from_iter_options(name, values.into_iter()).into_column(),
            Self::Decimal(values) => Float64Chunked::from_iter_options(name, values.into_iter()).into_column(),
        }
    }
}

/// `episodes.parquet` column by column from the engine's arrays (a million episodes × sixty
/// columns: visiting rows cell by cell took seconds); the same bytes as `render` gives for
/// the table (a test holds it to that).
pub fn render_episodes(table: &EpisodesWithDecidingDates<'_>) -> anyhow::Result<Vec<u8>> {
    let spec = table.spec();
    let names: Vec<PlSmallStr> = (spec.columns.iter())
        .map(|column| PlSmallStr::from(column.name.as_ref()))
        .collect();
    let rows = table.0.episodes.len();
    let first = episodes_frame(table, &names, 0..rows.min(ROWS_PER_GROUP))?;
    let mut bytes = Vec::new();
    let mut writer = ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .batched(first.schema())?;
    writer.write_batch(&first)?;
    // One row group at a time: the memory is a group's, not the table's.
    for start in (ROWS_PER_GROUP..rows).step_by(ROWS_PER_GROUP) {
        writer.write_batch(&episodes_frame(table, &names, start..rows.min(start + ROWS_PER_GROUP))?)?;
    }
    writer.finish()?;
    Ok(bytes)
}

/// The episodes at `range` as a frame of `episodes.parquet`'s columns (`names`, in order).
fn episodes_frame(
    table: &EpisodesWithDecidingDates<'_>,
    names: &[PlSmallStr],
    range: std::ops::Range<usize>,
) -> anyhow::Result<DataFrame> {
    let (episodes, results) = (&table.0.episodes[range.clone()], table.0.results);
    let mut names = names.iter().cloned();
    let mut next_name = || names.next().unwrap_or_default();
    let mut columns: Vec<Column> = Vec::new();
    let ids = [
        episodes
            .iter()
            .map(|episode| &*episode.removal_id)
            .collect::<Vec<&str>>(),
        episodes.iter().map(|episode| &*episode.child_id).collect(),
        episodes.iter().map(|episode| &*episode.office).collect(),
    ];
    for values in ids {
        columns.push(StringChunked::from_iter_values(next_name(), values.into_iter()).into_column());
    }
    let removal_days = episodes.iter().map(|episode| days_since_epoch(episode.removal_date));
    columns.push(date_column(next_name(), removal_days.map(Some)));
    for verdicts in &results.headline_verdicts {
        let (codes, texts) = verdicts.codes_and_texts();
        let values = codes[range.clone()]
            .iter()
            .map(|&code| texts.get(usize::from(code)).map_or("", String::as_str));
        columns.push(StringChunked::from_iter_values(next_name(), values).into_column());
    }
    const NONE: i32 = i32::MIN;
    let known = |days: i32| (days != NONE).then_some(days);
    for verdicts in &results.headline_verdicts {
        let (deadlines, decided) = verdicts
            .deciding_days()
            .ok_or_else(|| anyhow::anyhow!("episodes.parquet needs the engine's deciding dates (Wanted::evidence)"))?;
        let (deadlines, decided) = (&deadlines[range.clone()], &decided[range.clone()]);
        columns.push(date_column(next_name(), deadlines.iter().map(|&days| known(days))));
        columns.push(date_column(next_name(), decided.iter().map(|&days| known(days))));
        let days_from_deadline = (deadlines.iter().zip(decided))
            .map(|(&deadline, &decided)| Some(i64::from(known(decided)?) - i64::from(known(deadline)?)));
        columns.push(Int64Chunked::from_iter_options(next_name(), days_from_deadline).into_column());
    }
    Ok(DataFrame::new(episodes.len(), columns)?)
}

fn date_column(name: PlSmallStr, days: impl Iterator<Item = Option<i32>>) -> Column {
    Int32Chunked::from_iter_options(name, days)
        .into_series()
        .into_date()
        .into_column()
}

/// Rows written at a time (a row group): the memory a table takes while written is this many
/// rows' worth, not the whole table's (a million episodes with their deciding dates took 3 GB).
const ROWS_PER_GROUP: usize = 1 << 17;

/// The table as Parquet bytes.
pub fn render(table: &dyn Table) -> anyhow::Result<Vec<u8>> {
    let spec = table.spec();
    let new_builders = || -> Vec<ColumnBuilder> {
        (spec.columns.iter())
            .map(|column| ColumnBuilder::new(column.kind, &column.name, ROWS_PER_GROUP))
            .collect()
    };
    let empty = frame(new_builders(), &spec, 0)?;
    let mut bytes = Vec::new();
    let mut writer = ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .batched(empty.schema())?;
    let mut builders = new_builders();
    let mut rows = 0;
    let mut wrote_a_group = false;
    let mut surplus = String::new();
    table.for_each_row(&mut |cells| {
        push_row(&mut builders, cells, &mut surplus)?;
        rows += 1;
        if rows == ROWS_PER_GROUP {
            writer.write_batch(&frame(std::mem::replace(&mut builders, new_builders()), &spec, rows)?)?;
            rows = 0;
            wrote_a_group = true;
        }
        Ok(())
    })?;
    // The last rows, or a table without rows (its columns all the same).
    if rows > 0 || !wrote_a_group {
        writer.write_batch(&frame(builders, &spec, rows)?)?;
    }
    writer.finish()?;
    Ok(bytes)
}

/// The builders' values as a frame of `rows` rows.
fn frame(
    builders: Vec<ColumnBuilder>,
    spec: &crate::output::tables::TableSpec,
    rows: usize,
) -> anyhow::Result<DataFrame> {
    let columns: Vec<Column> = (builders.into_iter().zip(&spec.columns))
        .map(|(builder, column)| builder.finish(&column.name))
        .collect();
    Ok(DataFrame::new(rows, columns)?)
}

/// One row's cells into the builders: a row with fewer cells than columns has nulls for the
/// others; one with more has the surplus in its last column, joined by commas.
fn push_row(builders: &mut [ColumnBuilder], cells: &[Cell<'_>], surplus: &mut String) -> anyhow::Result<()> {
    let columns = builders.len();
    if cells.len() <= columns {
        for (builder, cell) in builders.iter_mut().zip(cells) {
            builder.push(cell)?;
        }
        for builder in &mut builders[cells.len()..] {
            builder.push_missing();
        }
        return Ok(());
    }
    for (builder, cell) in builders.iter_mut().zip(&cells[..columns - 1]) {
        builder.push(cell)?;
    }
    surplus.clear();
    for (index, cell) in cells[columns - 1..].iter().enumerate() {
        if index > 0 {
            surplus.push(',');
        }
        if let Cell::Text(text) = cell {
            surplus.push_str(text);
        }
    }
    builders[columns - 1].push(&Cell::Text(surplus))
}

#[cfg(test)]
mod tests {
    use polars::prelude::{AnyValue, ParquetReader, SerReader};

    use super::{ROWS_PER_GROUP, render};
    use crate::output::tables::{Cell, Column, ColumnType, RowVisitor, Table, TableSpec};

    /// Rows in several row groups, a ragged row, nulls and every type.
    struct Numbers(usize);

    impl Table for Numbers {
        fn spec(&self) -> TableSpec {
            TableSpec {
                name: "numbers".into(),
                columns: [
                    ("id", ColumnType::Text),
                    ("day", ColumnType::Date),
                    ("n", ColumnType::Integer),
                    ("rate", ColumnType::Decimal),
                ]
                .into_iter()
                .map(|(name, kind)| Column {
                    name: name.into(),
                    kind,
                })
                .collect(),
            }
        }

        fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
            let day = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
            for row in 0..self.0 {
                let id = format!("R{row}");
                if row == 7 {
                    visit(&[Cell::Text(&id)])?;
                } else {
                    visit(&[
                        Cell::Text(&id),
                        if row % 2 == 0 { Cell::Date(day) } else { Cell::Missing },
                        Cell::Integer(row as i64),
                        Cell::Decimal((row % 3 != 0).then_some(row as f64 / 2.0)),
                    ])?;
                }
            }
            Ok(())
        }
    }

    #[test]
    fn a_table_of_several_row_groups_reads_back_row_for_row() {
        let rows = 2 * ROWS_PER_GROUP + 5;
        let bytes = render(&Numbers(rows)).expect("written");
        assert_eq!(bytes, render(&Numbers(rows)).expect("again"), "the same bytes");
        let frame = ParquetReader::new(std::io::Cursor::new(bytes)).finish().expect("read");
        assert_eq!(frame.height(), rows);
        let value = |column: &str, row: usize| {
            frame
                .column(column)
                .expect("column")
                .get(row)
                .expect("value")
                .into_static()
        };
        for row in [0, 1, 7, ROWS_PER_GROUP - 1, ROWS_PER_GROUP, rows - 1] {
            assert_eq!(
                value("id", row),
                AnyValue::StringOwned(format!("R{row}").into()),
                "{row}"
            );
            if row == 7 {
                assert!(value("n", row).is_null(), "a short row's missing cells are null");
                continue;
            }
            assert_eq!(value("n", row), AnyValue::Int64(row as i64), "{row}");
            assert_eq!(value("day", row).is_null(), row % 2 == 1, "{row}");
            assert_eq!(value("rate", row).is_null(), row % 3 == 0, "{row}");
        }
        assert_eq!(value("day", 0), AnyValue::Date(19_782), "2024-02-29 is day 19,782");
        let empty = render(&Numbers(0)).expect("an empty table");
        let frame = ParquetReader::new(std::io::Cursor::new(empty)).finish().expect("read");
        assert_eq!((frame.height(), frame.width()), (0, 4), "no rows, every column");
    }
}
