//! The CSV files of one run: `measures.csv`, `cases.csv`, `equity.csv`, `episodes.csv`,
//! `rejects/<extract>.csv` and `data_quality.csv`. Each function returns the file's bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ingest::ExtractReport;
use crate::ingest::columns::Extract;
use crate::measures::REGISTRY;
use crate::model::Episode;
use crate::output::{format_rate, neutralise_csv_text};
use crate::results::Results;

fn finish(writer: csv::Writer<Vec<u8>>) -> anyhow::Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|error| anyhow::anyhow!("cannot finish CSV: {error}"))
}

fn new_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().flexible(true).from_writer(Vec::new())
}

pub fn measures_csv(results: &Results) -> anyhow::Result<Vec<u8>> {
    let mut writer = new_writer();
    writer.write_record([
        "as_of",
        "measure",
        "office",
        "kind",
        "period_start",
        "period_end",
        "numerator",
        "denominator",
        "rate",
        "target",
    ])?;
    let as_of = results.as_of.to_string();
    for row in &results.rates {
        writer.write_record([
            as_of.as_str(),
            row.measure,
            &neutralise_csv_text(&row.office),
            row.kind.as_str(),
            &row.period.start.to_string(),
            &row.period.end.to_string(),
            &row.counts.numerator.to_string(),
            &row.counts.denominator.to_string(),
            &format_rate(row.counts.rate()),
            &format_rate(row.target),
        ])?;
    }
    finish(writer)
}

pub fn cases_csv(results: &Results) -> anyhow::Result<Vec<u8>> {
    let mut writer = new_writer();
    writer.write_record([
        "office",
        "measure",
        "status",
        "child_id",
        "removal_id",
        "removal_date",
        "deadline",
        "days_overdue",
    ])?;
    for row in &results.cases {
        writer.write_record([
            &*neutralise_csv_text(&row.office),
            row.measure,
            row.status.as_str(),
            &neutralise_csv_text(&row.child_id),
            &neutralise_csv_text(&row.removal_id),
            &row.removal_date.to_string(),
            &row.deadline.to_string(),
            &row.days_overdue.to_string(),
        ])?;
    }
    finish(writer)
}

pub fn equity_csv(results: &Results) -> anyhow::Result<Vec<u8>> {
    let mut writer = new_writer();
    writer.write_record([
        "measure",
        "office",
        "group",
        "numerator",
        "denominator",
        "rate",
        "others_numerator",
        "others_denominator",
        "others_rate",
    ])?;
    for row in &results.equity {
        writer.write_record([
            row.measure,
            &neutralise_csv_text(&row.office),
            &neutralise_csv_text(&row.group),
            &row.group_counts.numerator.to_string(),
            &row.group_counts.denominator.to_string(),
            &format_rate(row.group_counts.rate()),
            &row.others_counts.numerator.to_string(),
            &row.others_counts.denominator.to_string(),
            &format_rate(row.others_counts.rate()),
        ])?;
    }
    finish(writer)
}

/// One row per accepted episode: ids, office, removal date, then each measure's verdict for
/// the headline period (`numerator`, `denominator` or `excluded:<rule>`).
pub fn episodes_csv(episodes: &[Episode], results: &Results) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    write_episodes_csv(&mut bytes, episodes, results)?;
    Ok(bytes)
}

/// `episodes.csv` into `out` (a file, at national scale: hundreds of MB never held in memory).
/// A million episodes × twelve fields: the rows are laid out by hand, byte for byte as the
/// `csv` crate writes them (`push_csv_field`), each verdict's text encoded once per code and
/// dates laid out by hand; `out` gets 64 KiB at a time.
pub fn write_episodes_csv(out: &mut dyn std::io::Write, episodes: &[Episode], results: &Results) -> anyhow::Result<()> {
    const FLUSH_AT: usize = 1 << 16;
    let mut buffer = Vec::with_capacity(FLUSH_AT + 1024);
    let mut header = vec!["removal_id", "child_id", "office", "removal_date"];
    header.extend(REGISTRY.iter().map(|measure| measure.id()));
    for (index, name) in header.iter().enumerate() {
        if index > 0 {
            buffer.push(b',');
        }
        push_csv_field(&mut buffer, name.as_bytes());
    }
    buffer.push(b'\n');
    let measures: Vec<(&[u8], Vec<Vec<u8>>)> = (results.headline_verdicts.iter())
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
    for (position, episode) in episodes.iter().enumerate() {
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

/// `date` as `YYYY-MM-DD` (as chrono writes it), laid out by hand for years 0–9999.
fn iso_date(date: chrono::NaiveDate, buffer: &mut String) -> &[u8] {
    use chrono::Datelike;
    buffer.clear();
    let (year, month, day) = (date.year(), date.month(), date.day());
    if (0..=9999).contains(&year) {
        for digit in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10] {
            buffer.push(char::from(b'0' + digit as u8));
        }
        for value in [month, day] {
            buffer.push('-');
            buffer.push(char::from(b'0' + (value / 10) as u8));
            buffer.push(char::from(b'0' + (value % 10) as u8));
        }
    } else {
        let _ = write!(buffer, "{date}");
    }
    buffer.as_bytes()
}

/// The rejected rows as read, with `line` and `reason` first.
pub fn rejects_csv(report: &ExtractReport) -> anyhow::Result<Vec<u8>> {
    let mut writer = new_writer();
    let mut header = vec!["line".to_string(), "reason".to_string()];
    header.extend(report.header.iter().map(|name| neutralise_csv_text(name).into_owned()));
    writer.write_record(&header)?;
    for row in &report.rejected {
        let mut record = vec![row.line.to_string(), neutralise_csv_text(&row.reason()).into_owned()];
        record.extend(
            row.raw_values
                .iter()
                .map(|value| neutralise_csv_text(value).into_owned()),
        );
        writer.write_record(&record)?;
    }
    finish(writer)
}

/// `extract,measure_of_quality,reason,rows`: read / accepted / rejected (by reason) /
/// orphaned (by reason) for every extract.
pub fn data_quality_csv(reports: &BTreeMap<Extract, ExtractReport>) -> anyhow::Result<Vec<u8>> {
    let mut writer = new_writer();
    writer.write_record(["extract", "count", "reason", "rows"])?;
    for (extract, report) in reports {
        let name = extract.name();
        writer.write_record([name, "read", "", &report.rows_read.to_string()])?;
        writer.write_record([name, "accepted", "", &report.rows_accepted.to_string()])?;
        writer.write_record([name, "rejected", "", &report.rows_rejected().to_string()])?;
        for (reason, rows) in report.rejected_by_kind() {
            writer.write_record([name, "rejected", reason, &rows.to_string()])?;
        }
        writer.write_record([name, "orphaned", "", &report.rows_orphaned().to_string()])?;
        for (reason, rows) in &report.orphaned_by_reason {
            writer.write_record([name, "orphaned", reason, &rows.to_string()])?;
        }
    }
    finish(writer)
}

/// The human summary `validate` prints and the run writes as `data_quality.txt`.
pub fn data_quality_text(reports: &BTreeMap<Extract, ExtractReport>, max_rejected_share: f64) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    for (extract, report) in reports {
        let _ = writeln!(
            text,
            "{name}: {path}\n  read {read}, accepted {accepted}, rejected {rejected} ({share:.2}% of rows; limit {limit:.2}%), orphaned {orphaned}",
            name = extract.name(),
            path = report.path.display(),
            read = report.rows_read,
            accepted = report.rows_accepted,
            rejected = report.rows_rejected(),
            share = report.rejected_share() * 100.0,
            limit = max_rejected_share * 100.0,
            orphaned = report.rows_orphaned(),
        );
        for (reason, rows) in report.rejected_by_kind() {
            let _ = writeln!(text, "    rejected {reason}: {rows}");
        }
        for (reason, rows) in &report.orphaned_by_reason {
            let _ = writeln!(text, "    orphaned {reason}: {rows}");
        }
        for row in report.rejected.iter().take(5) {
            let _ = writeln!(
                text,
                "    {}, line {}: {}",
                report.path.display(),
                row.line,
                row.reason()
            );
        }
        if report.rejected.len() > 5 {
            let _ = writeln!(
                text,
                "    … and {} more in rejects/{}.csv",
                report.rejected.len() - 5,
                extract.name()
            );
        }
    }
    text
}

/// `series.csv`: the headline figures of several as-of dates, for analysts' time series:
/// `as_of,measure,office,numerator,denominator,rate,target`.
pub fn series_csv(dates: &[(chrono::NaiveDate, Vec<crate::results::RateRow>)]) -> anyhow::Result<Vec<u8>> {
    let mut writer = new_writer();
    writer.write_record([
        "as_of",
        "measure",
        "office",
        "numerator",
        "denominator",
        "rate",
        "target",
    ])?;
    for (as_of, rows) in dates {
        let as_of = as_of.to_string();
        for row in rows {
            writer.write_record([
                as_of.as_str(),
                row.measure,
                &neutralise_csv_text(&row.office),
                &row.counts.numerator.to_string(),
                &row.counts.denominator.to_string(),
                &format_rate(row.counts.rate()),
                &format_rate(row.target),
            ])?;
        }
    }
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::{iso_date, push_csv_field};
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
    fn iso_dates_are_laid_out_as_chrono_writes_them() {
        let mut buffer = String::new();
        for (year, month, day) in [
            (2024, 2, 29),
            (1900, 1, 1),
            (2100, 12, 31),
            (0, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
            (5, 10, 9),
        ] {
            let date = NaiveDate::from_ymd_opt(year, month, day).expect("valid date");
            assert_eq!(iso_date(date, &mut buffer), date.to_string().as_bytes(), "{date}");
        }
    }
}
