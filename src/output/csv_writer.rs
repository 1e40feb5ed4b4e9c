//! Renders any declared table (`tables`) as CSV: a header of the spec's column names, then
//! one record per row. Text from the data is neutralised for spreadsheets
//! (`neutralise_csv_text`); dates are `YYYY-MM-DD`; rates the shortest exact decimal.
//! `episodes.csv` (hundreds of MB at national scale) has a streaming writer of its own that
//! writes the same bytes faster (a test holds it to `render`).

use std::fmt::Write as _;

use crate::output::neutralise_csv_text;
use crate::output::tables::{Cell, EpisodesTable, Table};

/// The table as CSV bytes, laid out as the `csv` crate writes them (`push_csv_field`), with no
/// allocation per cell: a cases or units table has hundreds of thousands of rows.
pub fn render(table: &dyn Table) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let spec = table.spec();
    for (index, column) in spec.columns.iter().enumerate() {
        if index > 0 {
            bytes.push(b',');
        }
        push_csv_field(&mut bytes, column.name.as_bytes());
    }
    bytes.push(b'\n');
    let mut scratch = String::new();
    table.for_each_row(&mut |cells| {
        for (index, cell) in cells.iter().enumerate() {
            if index > 0 {
                bytes.push(b',');
            }
            push_cell(&mut bytes, cell, &mut scratch);
        }
        bytes.push(b'\n');
        Ok(())
    })?;
    Ok(bytes)
}

/// How one cell is written: text neutralised for spreadsheets and quoted when needed, dates
/// `YYYY-MM-DD`, rates in their shortest exact form (empty when there is none).
fn push_cell(bytes: &mut Vec<u8>, cell: &Cell<'_>, scratch: &mut String) {
    match cell {
        Cell::Text(text) => push_csv_field(bytes, neutralise_csv_text(text).as_bytes()),
        Cell::Date(date) => bytes.extend_from_slice(iso_date(*date, scratch)),
        Cell::Integer(value) => bytes.extend_from_slice(itoa::Buffer::new().format(*value).as_bytes()),
        Cell::Missing => {}
        Cell::Decimal(rate) => {
            if let Some(rate) = rate {
                scratch.clear();
                let _ = write!(scratch, "{rate}");
                bytes.extend_from_slice(scratch.as_bytes());
            }
        }
    }
}

/// `episodes.csv` into `out` (a file, at national scale: hundreds of MB never held in memory).
/// A million episodes × twelve fields: the rows are laid out by hand, byte for byte as
/// `render` writes them (`push_csv_field`), each verdict's text encoded once per code and
/// dates laid out by hand; `out` gets 64 KiB at a time.
pub fn write_episodes(out: &mut dyn std::io::Write, table: &EpisodesTable<'_>) -> anyhow::Result<()> {
    const FLUSH_AT: usize = 1 << 16;
    let mut buffer = Vec::with_capacity(FLUSH_AT + 1024);
    for (index, column) in table.spec().columns.iter().enumerate() {
        if index > 0 {
            buffer.push(b',');
        }
        push_csv_field(&mut buffer, column.name.as_bytes());
    }
    buffer.push(b'\n');
    let measures: Vec<(&[u8], Vec<Vec<u8>>)> = (table.results.headline_verdicts.iter())
        .map(|verdicts| {
            let (codes, texts) = verdicts.codes_and_texts();
            let encoded = texts
                .iter()
                .map(|text| {
                    let mut field = Vec::new();
                    push_csv_field(&mut field, text.as_bytes());
                    field
                })
                .collect();
            (codes, encoded)
        })
        .collect();
    let mut date_text = String::new();
    for (position, episode) in table.episodes.iter().enumerate() {
        push_csv_field(&mut buffer, neutralise_csv_text(&episode.removal_id).as_bytes());
        buffer.push(b',');
        push_csv_field(&mut buffer, neutralise_csv_text(&episode.child_id).as_bytes());
        buffer.push(b',');
        push_csv_field(&mut buffer, neutralise_csv_text(&episode.office).as_bytes());
        buffer.push(b',');
        push_csv_field(&mut buffer, iso_date(episode.removal_date, &mut date_text));
        for (codes, texts) in &measures {
            buffer.push(b',');
            if let Some(text) = codes.get(position).and_then(|&code| texts.get(usize::from(code))) {
                buffer.extend_from_slice(text);
            }
        }
        buffer.push(b'\n');
        if buffer.len() >= FLUSH_AT {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    out.write_all(&buffer)?;
    out.flush()?;
    Ok(())
}

/// Appends `field` as the `csv` crate's writer (default settings) writes a field: quoted, with
/// its quotes doubled, when it holds a comma, a quote or a line end; as it is otherwise.
fn push_csv_field(buffer: &mut Vec<u8>, field: &[u8]) {
    if field.iter().any(|byte| matches!(byte, b',' | b'"' | b'\r' | b'\n')) {
        buffer.push(b'"');
        for &byte in field {
            if byte == b'"' {
                buffer.push(b'"');
            }
            buffer.push(byte);
        }
        buffer.push(b'"');
    } else {
        buffer.extend_from_slice(field);
    }
}

/// `date` as `YYYY-MM-DD` in `buffer` (`date_format::push_iso_date`).
fn iso_date(date: chrono::NaiveDate, buffer: &mut String) -> &[u8] {
    buffer.clear();
    crate::date_format::push_iso_date(buffer, date);
    buffer.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::{push_csv_field, render, write_episodes};
    use crate::output::tables::EpisodesTable;
    use chrono::NaiveDate;

    #[test]
    fn fields_are_written_as_the_csv_crate_writes_them() {
        let fields: [&[u8]; 12] = [
            b"",
            b"R1",
            b"a,b",
            b"say \"hi\"",
            b"\"",
            b"line\nbreak",
            b"carriage\rreturn",
            b" spaced ",
            b"'=1+1",
            b"\t",
            "é, ü".as_bytes(),
            b"#comment",
        ];
        let mut by_csv = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        let mut by_hand = Vec::new();
        for field in fields {
            by_csv
                .write_record([b"x".as_slice(), field, field])
                .expect("writing to memory");
            by_hand.extend_from_slice(b"x,");
            push_csv_field(&mut by_hand, field);
            by_hand.push(b',');
            push_csv_field(&mut by_hand, field);
            by_hand.push(b'\n');
        }
        let by_csv = by_csv.into_inner().expect("writing to memory");
        assert_eq!(String::from_utf8_lossy(&by_hand), String::from_utf8_lossy(&by_csv));
    }

    #[test]
    fn tables_are_rendered_as_the_csv_crate_writes_them() {
        use crate::output::tables::{Cell, ColumnType, RowVisitor, Table, TableSpec};
        struct Sample;
        impl Table for Sample {
            fn spec(&self) -> TableSpec {
                TableSpec {
                    name: "sample".into(),
                    columns: ["a,b", "date", "n", "rate"]
                        .iter()
                        .zip([
                            ColumnType::Text,
                            ColumnType::Date,
                            ColumnType::Integer,
                            ColumnType::Decimal,
                        ])
                        .map(|(name, kind)| crate::output::tables::Column {
                            name: (*name).into(),
                            kind,
                        })
                        .collect(),
                }
            }
            fn for_each_row(&self, visit: &mut RowVisitor<'_>) -> anyhow::Result<()> {
                let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
                for (text, number, rate) in [
                    ("plain", 0, Some(0.75)),
                    ("=SUM(A1)", -12, None),
                    ("line\nbreak \"quoted\"", i64::MAX, Some(2.0 / 3.0)),
                    ("", 7, Some(1e-7)),
                    ("min", i64::MIN, Some(1.0)),
                ] {
                    visit(&[
                        Cell::Text(text),
                        Cell::Date(date),
                        Cell::Integer(number),
                        Cell::Decimal(rate),
                    ])?;
                }
                Ok(())
            }
        }
        let mut by_csv = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        by_csv.write_record(["a,b", "date", "n", "rate"]).expect("memory");
        Sample
            .for_each_row(&mut |cells| {
                let fields: Vec<String> = cells
                    .iter()
                    .map(|cell| match cell {
                        Cell::Text(text) => crate::output::neutralise_csv_text(text).into_owned(),
                        Cell::Date(date) => date.to_string(),
                        Cell::Integer(value) => value.to_string(),
                        Cell::Decimal(rate) => crate::output::format_rate(*rate),
                        Cell::Missing => String::new(),
                    })
                    .collect();
                by_csv.write_record(&fields)?;
                Ok(())
            })
            .expect("rows");
        let by_csv = by_csv.into_inner().expect("memory");
        assert_eq!(
            String::from_utf8_lossy(&render(&Sample).expect("renders")),
            String::from_utf8_lossy(&by_csv)
        );
    }

    #[test]
    fn the_streaming_episodes_writer_writes_what_the_table_renders() {
        use crate::measures::test_support::removal;
        let mut episodes: Vec<crate::model::Episode> = vec![
            removal("2025-03-15")
                .ids("R1", "C1")
                .discharged("2026-03-15", "reunification")
                .0,
            removal("2026-01-10").ids("R2", "=C2,\"x\"").0,
            removal("2024-02-29").ids("-R3", "C3").emergency().0,
        ];
        episodes[1].office = "New, Haven".into();
        episodes.sort_by(|left, right| left.removal_id.cmp(&right.removal_id));
        let index = crate::ingest::linking::EpisodeIndex::new(&episodes);
        let config = crate::config::Config::from_toml(
            std::path::Path::new("test.toml"),
            "[input]\ndir = \".\"\ndate_formats = [\"YYYY-MM-DD\"]\nmax_rejected_share = 0.1\n[output]\ndir = \".\"\n\
             [race_ethnicity]\ncategories = [\"Unknown\"]\nmissing = \"Unknown\"\n",
            &crate::measures::known_to_configuration(),
        )
        .expect("valid configuration");
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let measures = crate::measures::REGISTRY.to_vec();
        let worker_ids = crate::model::WorkerIds::default();
        let knowledge = crate::engine::Knowledge {
            episodes: &episodes,
            index: &index,
            worker_ids: &worker_ids,
            config: &config,
            measures: &measures,
        };
        let results = crate::engine::compute(knowledge, as_of);
        let table = EpisodesTable {
            episodes: &episodes,
            results: &results,
        };
        let mut streamed = Vec::new();
        write_episodes(&mut streamed, &table).expect("writing to memory");
        assert_eq!(
            String::from_utf8_lossy(&streamed),
            String::from_utf8_lossy(&render(&table).expect("rendering"))
        );
    }
}
