//! Renders any declared table (`tables`) as Parquet through polars: the spec's columns, typed —
//! text as String, dates as Date, counts as Int64, rates as Float64 (null when there is none).
//! Text is written as it is (the CSV's formula-neutralising `'` is for spreadsheets only). A
//! rejected row with fewer fields than its header has nulls for the others; one with more has
//! the surplus in its last column, joined by commas.
//! Zstandard-compressed; the same table gives the same bytes.

use polars::prelude::{
    Column, DataFrame, Float64Chunked, Int32Chunked, Int64Chunked, IntoColumn, IntoSeries, NewChunkedArray,
    ParquetCompression, ParquetWriter, PlSmallStr, StringChunkedBuilder,
};

use crate::output::tables::{Cell, ColumnType, Table};

/// Days from 1970-01-01, as Parquet's Date counts them.
fn days_since_epoch(date: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from((date - epoch).num_days()).unwrap_or(i32::MAX)
}

/// One column's values while the rows are visited.
enum ColumnBuilder {
    Text(StringChunkedBuilder),
    Date(Vec<Option<i32>>),
    Integer(Vec<Option<i64>>),
    Decimal(Vec<Option<f64>>),
}

impl ColumnBuilder {
    fn new(kind: ColumnType, name: &str) -> Self {
        match kind {
            ColumnType::Text => Self::Text(StringChunkedBuilder::new(PlSmallStr::from(name), 0)),
            ColumnType::Date => Self::Date(Vec::new()),
            ColumnType::Integer => Self::Integer(Vec::new()),
            ColumnType::Decimal => Self::Decimal(Vec::new()),
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

/// The table as Parquet bytes.
pub fn render(table: &dyn Table) -> anyhow::Result<Vec<u8>> {
    let spec = table.spec();
    let mut builders: Vec<ColumnBuilder> = (spec.columns.iter())
        .map(|column| ColumnBuilder::new(column.kind, &column.name))
        .collect();
    let mut rows = 0;
    let mut surplus = String::new();
    table.for_each_row(&mut |cells| {
        let columns = builders.len();
        if cells.len() <= columns {
            for (builder, cell) in builders.iter_mut().zip(cells) {
                builder.push(cell)?;
            }
            for builder in &mut builders[cells.len()..] {
                builder.push_missing();
            }
        } else {
            // A rejected row with more fields than the header: the last column holds the
            // last field and those past it, joined by commas, so nothing read is lost.
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
            builders[columns - 1].push(&Cell::Text(&surplus))?;
        }
        rows += 1;
        Ok(())
    })?;
    let columns: Vec<Column> = (builders.into_iter().zip(&spec.columns))
        .map(|(builder, column)| builder.finish(&column.name))
        .collect();
    let mut frame = DataFrame::new(rows, columns)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut frame)?;
    Ok(bytes)
}
