//! Renders any declared table (`tables`) as Parquet through polars: the spec's columns, typed —
//! text as String, dates as Date, counts as Int64, rates as Float64 (null when there is none).
//! Text is written as it is (the CSV's formula-neutralising `'` is for spreadsheets only).
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
    Date(Vec<i32>),
    Integer(Vec<i64>),
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
            (Self::Date(values), Cell::Date(date)) => values.push(days_since_epoch(*date)),
            (Self::Integer(values), Cell::Integer(value)) => values.push(*value),
            (Self::Decimal(values), Cell::Decimal(rate)) => values.push(*rate),
            (_, cell) => anyhow::bail!("a cell of the wrong type for its column: {cell:?}"),
        }
        Ok(())
    }

    fn finish(self, name: &str) -> Column {
        let name = PlSmallStr::from(name);
        match self {
            Self::Text(builder) => builder.finish().into_column(),
            Self::Date(values) => Int32Chunked::from_vec(name, values)
                .into_series()
                .into_date()
                .into_column(),
            Self::Integer(values) => Int64Chunked::from_vec(name, values).into_column(),
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
    table.for_each_row(&mut |cells| {
        for (builder, cell) in builders.iter_mut().zip(cells) {
            builder.push(cell)?;
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
