//! The nightly archive (`[archive] dir`): each extract of the night kept exactly as read, as
//! `<archive>/<as_of>/<extract>.parquet` (zstd), so that `run --input-dir <archive>/<as_of>
//! --as-of <as_of>` reproduces that night's outputs (outputs.md, "Historical extracts").
//!
//! Every column is kept exactly as the CSV reader split it: as text, or, when a value is not
//! UTF-8, as the bytes read (Binary); with the CSV line each record started on (`__line`), and
//! fields past the header's in `__extra_<n>`; a field a short row did not have is null (`parquet_extract` reads it back).
//! The file is read again for the archive and must hash to what the night read.

use std::fs::File;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::{
    BinaryChunkedBuilder, Column, DataFrame, DataType, Int64Chunked, IntoColumn, ParquetCompression, ParquetWriter,
    PlSmallStr,
};

use crate::config::Config;
use crate::extracts::Extract;
use crate::ingest::csv_records::{CsvRecordBatch, CsvRecords, NormalizeLineEnds, RecordLimits};
use crate::ingest::parquet_extract::{EXTRA_COLUMN_PREFIX, LINE_COLUMN, is_parquet};
use crate::ingest::read_ahead::ReadAhead;
use crate::ingest::reader::ExtractReport;

/// What archiving one extract wrote.
#[derive(Debug)]
pub struct Archived {
    pub extract: &'static str,
    pub path: PathBuf,
    pub csv_bytes: u64,
    pub parquet_bytes: u64,
}

/// Archives every extract the night read into `<dir>/<as_of>/`. A Parquet extract is copied
/// as it is.
pub fn archive_night(
    config: &Config,
    reports: &std::collections::BTreeMap<Extract, ExtractReport>,
    dir: &Path,
    as_of: chrono::NaiveDate,
) -> anyhow::Result<Vec<Archived>> {
    let night = dir.join(as_of.to_string());
    std::fs::create_dir_all(&night).with_context(|| format!("creating {}", night.display()))?;
    // The data is about children: the archive has the permissions of every output.
    let permissions = config.output_permissions;
    for directory in [dir, night.as_path()] {
        std::fs::set_permissions(directory, std::fs::Permissions::from_mode(permissions.directory_mode))
            .with_context(|| format!("setting the permissions of {}", directory.display()))?;
    }
    // The largest extracts first, two at a time: meetings alone is most of the work.
    let mut extracts: Vec<(&Extract, &ExtractReport)> = reports.iter().collect();
    extracts.sort_by_key(|(_, report)| std::cmp::Reverse(report.size_bytes));
    let mut archived = crate::performance::work_queue::map_on_two_threads(&extracts, |(extract, report)| {
        archive_extract(config, &night, **extract, report)
    })?;
    archived.sort_by_key(|file| file.extract);
    Ok(archived)
}

/// One extract into `night/<extract>.parquet` (written aside, then renamed).
fn archive_extract(
    config: &Config,
    night: &Path,
    extract: Extract,
    report: &ExtractReport,
) -> anyhow::Result<Archived> {
    let permissions = config.output_permissions;
    let target = night.join(format!("{}.parquet", extract.name()));
    let bytes = if is_parquet(&report.path) {
        std::fs::read(&report.path).with_context(|| format!("reading {}", report.path.display()))?
    } else {
        csv_as_archive(&report.path, config.delimiter, &report.sha256)?
    };
    let temporary = night.join(format!(".{}.parquet.partial", extract.name()));
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(permissions.file_mode)
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    std::io::Write::write_all(&mut file, &bytes).with_context(|| format!("writing {}", temporary.display()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &target).with_context(|| format!("renaming to {}", target.display()))?;
    Ok(Archived {
        extract: extract.name(),
        path: target,
        csv_bytes: report.size_bytes,
        parquet_bytes: bytes.len() as u64,
    })
}

/// A column as text (String) when every value is UTF-8, as nearly every extract's is; as the
/// bytes read (Binary) otherwise, so that nothing read is changed.
fn as_text_when_it_is(column: Column) -> Column {
    column.cast(&DataType::String).unwrap_or(column)
}

/// The CSV extract at `path` as archive Parquet bytes; its SHA-256 must be `expected_sha256`
/// (the file the night read).
fn csv_as_archive(path: &Path, delimiter: u8, expected_sha256: &str) -> anyhow::Result<Vec<u8>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reading = ReadAhead::start(file, indicatif::ProgressBar::hidden());
    let mut records = CsvRecords::new(NormalizeLineEnds::new(&mut reading), delimiter);
    records.set_limits(RecordLimits::UNLIMITED);
    let mut batch = CsvRecordBatch::default();
    let mut header: Vec<String> = Vec::new();
    let mut columns: Vec<BinaryChunkedBuilder> = Vec::new();
    let mut extras: Vec<BinaryChunkedBuilder> = Vec::new();
    let mut lines: Vec<i64> = Vec::new();
    let mut header_read = false;
    loop {
        batch.clear();
        if !records.read_record(&mut batch)? {
            break;
        }
        let Some(record) = batch.last() else { break };
        if !header_read {
            header_read = true;
            header = record
                .fields()
                .map(|name| String::from_utf8_lossy(name).into_owned())
                .collect();
            columns = (header.iter())
                .map(|name| BinaryChunkedBuilder::new(PlSmallStr::from(name.as_str()), 0))
                .collect();
            continue;
        }
        let rows = lines.len();
        lines.push(i64::try_from(record.line).unwrap_or(i64::MAX));
        let fields: Vec<&[u8]> = record.fields().collect();
        for (index, column) in columns.iter_mut().enumerate() {
            match fields.get(index) {
                Some(value) => column.append_value(value),
                None => column.append_null(),
            }
        }
        for (offset, value) in fields.iter().skip(header.len()).enumerate() {
            if extras.len() <= offset {
                let mut extra =
                    BinaryChunkedBuilder::new(PlSmallStr::from(format!("{EXTRA_COLUMN_PREFIX}{}", offset + 1)), 0);
                for _ in 0..rows {
                    extra.append_null();
                }
                extras.push(extra);
            }
            extras[offset].append_value(value);
        }
        for extra in extras.iter_mut().skip(fields.len().saturating_sub(header.len())) {
            extra.append_null();
        }
    }
    drop(records);
    let sha256 = reading.finish().sha256;
    anyhow::ensure!(
        sha256 == expected_sha256,
        "{} changed after the night read it (SHA-256 {sha256}, read {expected_sha256}): not archived",
        path.display()
    );
    let rows = lines.len();
    let mut all: Vec<Column> = (columns.into_iter().chain(extras))
        .map(|column| as_text_when_it_is(column.finish().into_column()))
        .collect();
    all.push(Int64Chunked::from_vec(PlSmallStr::from(LINE_COLUMN), lines).into_column());
    let mut frame = DataFrame::new(rows, all)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut frame)?;
    Ok(bytes)
}
