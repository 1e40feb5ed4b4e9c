//! Parquet extracts (extracts.md, "Parquet extracts"), read through polars and handed to the
//! CSV reader as the CSV text of the same values, so that every rule applies exactly as for the
//! same text in a CSV: a typed value is written as its text (a Date as `YYYY-MM-DD`, a Boolean
//! as `true`/`false`, a number as its digits), a null as an empty value. A rejected row's line
//! is its 1-based row number in the file.
//!
//! The nightly archive (`archive`) writes extracts in this form with every column exactly as
//! read (text, or bytes when a value is not UTF-8), plus two reserved columns: `__line`, the
//! CSV line each record started on (reported instead of the row number, so a rerun from the
//! archive names the same lines), and `__extra_<n>`, fields past the header's (a row with too
//! many fields). In an archive a null
//! header column is a field the row did not have (too few fields), not an empty one.

use std::io::Cursor;
use std::path::Path;

use anyhow::Context;
use polars::prelude::{BinaryChunked, DataType, ParquetReader, SerReader, StringChunked};

/// Whether the extract at `path` is Parquet (its name ends in `.parquet`).
pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("parquet"))
}

/// The reserved column of an archive holding each record's CSV line.
pub const LINE_COLUMN: &str = "__line";
/// The reserved prefix of an archive's columns holding fields past the header's.
pub const EXTRA_COLUMN_PREFIX: &str = "__extra_";

/// A Parquet extract as the CSV text of its values.
pub struct ParquetAsCsv {
    /// The file's bytes, for its size and SHA-256 in the manifest.
    pub file_bytes: Vec<u8>,
    /// The header line and one record per row.
    pub csv: Vec<u8>,
    /// The CSV line each row's record starts on, ascending.
    csv_lines: Vec<u64>,
    /// The line to report for each row: its row number, or its archived CSV line.
    reported_lines: Vec<u64>,
}

impl ParquetAsCsv {
    /// The line to report for the record starting on `csv_line` of `csv`.
    pub fn reported_line(&self, csv_line: u64) -> u64 {
        match self.csv_lines.binary_search(&csv_line) {
            Ok(row) => self.reported_lines[row],
            Err(_) => csv_line,
        }
    }
}

/// One column's values as bytes (`None`: null).
enum ColumnBytes {
    Text(StringChunked),
    Binary(BinaryChunked),
}

impl ColumnBytes {
    fn get(&self, row: usize) -> Option<&[u8]> {
        match self {
            Self::Text(text) => text.get(row).map(str::as_bytes),
            Self::Binary(binary) => binary.get(row),
        }
    }
}

/// Reads the Parquet file at `path` and writes its rows as CSV with `delimiter`.
pub fn read_as_csv(path: &Path, delimiter: u8) -> anyhow::Result<ParquetAsCsv> {
    let file_bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let frame = ParquetReader::new(Cursor::new(file_bytes.as_slice()))
        .finish()
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    let mut header: Vec<String> = Vec::new();
    let mut values: Vec<ColumnBytes> = Vec::new();
    let mut extras: Vec<ColumnBytes> = Vec::new();
    let mut archived_lines: Option<Vec<u64>> = None;
    for column in frame.columns() {
        let name = column.name().as_str();
        if name == LINE_COLUMN {
            let lines = column.cast(&DataType::Int64)?;
            let lines = lines.i64()?;
            archived_lines = Some(
                (0..lines.len())
                    .map(|row| lines.get(row).map_or(0, |line| line.max(0) as u64))
                    .collect(),
            );
        } else if name.starts_with(EXTRA_COLUMN_PREFIX) {
            extras.push(column_bytes(column)?);
        } else {
            header.push(name.to_string());
            values.push(column_bytes(column)?);
        }
    }
    let archive = archived_lines.is_some();
    let rows = frame.height();
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(&header)?;
    let mut csv_lines = Vec::with_capacity(rows);
    let mut line = 2;
    for row in 0..rows {
        let mut fields: Vec<&[u8]> = Vec::with_capacity(header.len());
        let mut present = header.len();
        if archive {
            // Trailing nulls are fields the row did not have.
            while present > 0 && values[present - 1].get(row).is_none() {
                present -= 1;
            }
        }
        for column in &values[..present] {
            fields.push(column.get(row).unwrap_or(b""));
        }
        for extra in &extras {
            if let Some(value) = extra.get(row) {
                fields.push(value);
            }
        }
        csv_lines.push(line);
        writer.write_record(&fields)?;
        writer.flush()?;
        line += 1 + fields.iter().map(|field| newlines(field)).sum::<u64>();
    }
    let csv = writer.into_inner().map_err(|error| anyhow::anyhow!("{error}"))?;
    let reported_lines = archived_lines.unwrap_or_else(|| (1..=rows as u64).collect());
    Ok(ParquetAsCsv {
        file_bytes,
        csv,
        csv_lines,
        reported_lines,
    })
}

/// Line ends in a value as the CSV reader counts them (LF, CR LF or a lone CR: one each).
fn newlines(field: &[u8]) -> u64 {
    let mut count = 0;
    for (index, &byte) in field.iter().enumerate() {
        if byte == b'\n' || (byte == b'\r' && field.get(index + 1) != Some(&b'\n')) {
            count += 1;
        }
    }
    count
}

/// A column's values as bytes: text and binary as they are, anything typed as the text polars
/// gives it (dates `YYYY-MM-DD`, booleans `true`/`false`, numbers their digits).
fn column_bytes(column: &polars::prelude::Column) -> anyhow::Result<ColumnBytes> {
    Ok(match column.dtype() {
        DataType::Binary => ColumnBytes::Binary(column.binary()?.rechunk().into_owned()),
        DataType::String => ColumnBytes::Text(column.str()?.rechunk().into_owned()),
        _ => ColumnBytes::Text(column.cast(&DataType::String)?.str()?.rechunk().into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use polars::prelude::{Column, DataFrame, DataType, IntoColumn, NamedFrom, ParquetWriter, Series};

    use super::read_as_csv;

    #[test]
    fn typed_values_are_read_as_the_text_a_csv_would_have() {
        let directory = tempfile::tempdir().expect("temp dir");
        let path = directory.path().join("removals.parquet");
        let dates = Series::new("removal_date".into(), [Some(19_782), None])
            .cast(&DataType::Date)
            .expect("dates");
        let columns: Vec<Column> = vec![
            Series::new("removal_id".into(), ["R1", "R,2"]).into_column(),
            dates.into_column(),
            Series::new("emergency".into(), [Some(true), Some(false)]).into_column(),
            Series::new("children".into(), [3_i64, 12]).into_column(),
        ];
        let mut frame = DataFrame::new(2, columns).expect("frame");
        ParquetWriter::new(std::fs::File::create(&path).expect("file"))
            .finish(&mut frame)
            .expect("write");
        let read = read_as_csv(&path, b',').expect("read");
        assert_eq!(
            String::from_utf8(read.csv.clone()).expect("utf-8"),
            "removal_id,removal_date,emergency,children\nR1,2024-02-29,true,3\n\"R,2\",,false,12\n"
        );
        assert_eq!(
            (read.reported_line(2), read.reported_line(3)),
            (1, 2),
            "row numbers, not CSV lines"
        );
    }
}
