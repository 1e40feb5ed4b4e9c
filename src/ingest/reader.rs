//! Reads one extract: header mapping, line numbers, field decoding, and the bookkeeping that
//! guarantees rows read = rows accepted + rows rejected. Records are split by `csv_records`,
//! which reads them exactly as the `csv` crate does.
//!
//! Why not polars' CSV reader here: the contract needs the line on which each rejected record
//! *starts* (quoted line breaks make records span lines) and the rejected row's original
//! values; `csv_records` gives both, streams, and never guesses types.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::{Config, ExtractInput};
use crate::extracts::{CanonicalColumn, Extract};
use crate::ingest::csv_records::{CsvRecord, CsvRecordBatch, CsvRecords, NormalizeLineEnds, RecordLimits};
use crate::ingest::read_ahead::ReadAhead;
use crate::ingest::rejects::{Problem, RejectKind, RejectedRow};
use crate::ingest::repeated_ids::RepeatedIdDetector;

/// An extract that cannot be read at all: the run stops with exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{extract} extract: no file is configured for it")]
    NotConfigured { extract: &'static str },
    #[error("{extract} extract {path}: cannot open the file")]
    Unreadable {
        extract: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{extract} extract {path}: the file is empty (no header line)")]
    Empty { extract: &'static str, path: PathBuf },
    #[error(
        "{extract} extract {path}, line 1: required column {column:?} is missing from the header (it has {fields} \
         fields; is the header line missing, or named differently? see [input.columns.{extract}])"
    )]
    MissingColumn {
        extract: &'static str,
        path: PathBuf,
        column: String,
        fields: usize,
    },
    #[error("{extract} extract {path}: not a regular file (a device, a directory or a pipe cannot be an extract)")]
    NotAFile { extract: &'static str, path: PathBuf },
    #[error("{extract} extract {path}, line 1: the header line is longer than {limit} bytes; is the file an extract?")]
    HeaderTooLong {
        extract: &'static str,
        path: PathBuf,
        limit: usize,
    },
    #[error("{extract} extract {path}, line 1: column {column:?} appears more than once in the header")]
    DuplicateColumn {
        extract: &'static str,
        path: PathBuf,
        column: String,
    },
    #[error("{extract} extract {path}: the file cannot be read as Parquet")]
    NotParquet {
        extract: &'static str,
        path: PathBuf,
        #[source]
        source: anyhow::Error,
    },
    #[error("{extract} extract {path}, line {line}: the file cannot be read as CSV")]
    Malformed {
        extract: &'static str,
        path: PathBuf,
        line: u64,
        #[source]
        source: csv::Error,
    },
}

/// What reading one extract found, for the data-quality report and the manifest.
#[derive(Debug, Clone, Default)]
pub struct ExtractReport {
    pub path: PathBuf,
    pub size_bytes: u64,
    pub sha256: String,
    /// The header as it is in the file, for the rejects file.
    pub header: Vec<String>,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rejected: Vec<RejectedRow>,
    /// Accepted rows that link to no episode (notices and meetings only), by why.
    pub orphaned_by_reason: BTreeMap<&'static str, u64>,
    /// The newest date in any date column of an accepted row, as read (even after as_of):
    /// how fresh the extract is.
    pub newest_date: Option<chrono::NaiveDate>,
    /// The canonical columns the header holds.
    pub present_columns: Vec<&'static str>,
    /// Where each canonical column the header holds is in a row (as in a rejected row's
    /// `raw_values`).
    pub column_positions: Vec<(&'static str, usize)>,
    /// How long reading, validating and linking the extract took (for the log; never in an
    /// output, which must not depend on it).
    pub read_time: std::time::Duration,
}

impl ExtractReport {
    /// Notes a date of an accepted row.
    pub fn saw_date(&mut self, date: chrono::NaiveDate) {
        self.newest_date = self.newest_date.max(Some(date));
    }

    pub fn rows_rejected(&self) -> u64 {
        self.rejected.len() as u64
    }

    pub fn rows_orphaned(&self) -> u64 {
        self.orphaned_by_reason.values().sum()
    }

    pub fn rejected_by_kind(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for row in &self.rejected {
            *counts.entry(row.kind().as_str()).or_insert(0) += 1;
        }
        counts
    }

    /// Where `column` (canonical name) is in a row, when the header holds it.
    pub fn position_of(&self, column: &str) -> Option<usize> {
        (self.column_positions.iter()).find_map(|&(name, position)| (name == column).then_some(position))
    }

    pub fn rejected_share(&self) -> f64 {
        if self.rows_read == 0 {
            0.0
        } else {
            self.rows_rejected() as f64 / self.rows_read as f64
        }
    }
}

/// `value` in ASCII lower case, in `buffer`, when it is ASCII and fits (what
/// `config::normalize_code` makes of a trimmed ASCII value, without allocating).
fn ascii_lowercase<'b>(value: &str, buffer: &'b mut [u8; 32]) -> Option<&'b str> {
    let bytes = value.as_bytes();
    if !value.is_ascii() || bytes.len() > buffer.len() {
        return None;
    }
    let lowercase = &mut buffer[..bytes.len()];
    lowercase.copy_from_slice(bytes);
    lowercase.make_ascii_lowercase();
    std::str::from_utf8(lowercase).ok()
}

/// The values of one data row, looked up by canonical column, with the problems found so far.
pub struct RowFields<'a> {
    record: CsvRecord<'a>,
    /// The whole record as text when it and each of its fields are valid UTF-8, so fields need
    /// no second check.
    record_text: Option<&'a str>,
    headers: &'a [String],
    column_positions: &'a [Option<usize>],
    columns: &'static [CanonicalColumn],
    /// Where in `columns` the next column asked for probably is (`position_of`).
    next_column: std::cell::Cell<usize>,
    pub config: &'a Config,
    pub problems: Vec<Problem>,
}

impl<'a> RowFields<'a> {
    /// The field at `position` as text; `None` when it is not UTF-8 (already a problem).
    #[inline]
    fn text_at(&self, position: usize) -> Option<&'a str> {
        let range = self.record.range(position)?;
        match self.record_text {
            Some(text) => text.get(range),
            None => std::str::from_utf8(&self.record.bytes()[range]).ok(),
        }
    }

    #[inline]
    fn position_of(&self, column: &str) -> Option<usize> {
        // Validation asks for the columns in the order they are declared, so the one after the
        // last asked is tried first, then the last asked again (a value read twice). Callers
        // pass the same literals as `columns`, usually merged into one: pointer first.
        let next = self.next_column.get();
        let is = |index: usize| (self.columns.get(index)).is_some_and(|known| std::ptr::eq(known.name, column));
        let index = if is(next) {
            next
        } else if next > 0 && is(next - 1) {
            next - 1
        } else {
            self.index_of(column)?
        };
        self.next_column.set(index + 1);
        *self.column_positions.get(index)?
    }

    /// Where `column` is in `columns` when it is not the one `position_of` tried first.
    #[cold]
    #[inline(never)]
    fn index_of(&self, column: &str) -> Option<usize> {
        (self.columns.iter())
            .position(|known| std::ptr::eq(known.name, column))
            .or_else(|| self.columns.iter().position(|known| known.name == column))
    }

    /// The header the file uses for `column` (for messages).
    pub fn header_of(&self, column: &str) -> String {
        match self.position_of(column) {
            Some(position) => self.headers[position].clone(),
            None => column.to_string(),
        }
    }

    /// The trimmed value, or `None` when the column is absent or the value empty.
    #[inline]
    pub fn optional(&self, column: &str) -> Option<&'a str> {
        let position = self.position_of(column)?;
        let value = trim_whitespace(self.text_at(position)?);
        (!value.is_empty()).then_some(value)
    }

    /// The trimmed value; records a `missing_value` problem when it is empty.
    #[inline]
    pub fn required(&mut self, column: &str) -> Option<&'a str> {
        let value = self.optional(column);
        if value.is_none() {
            self.missing(column);
        }
        value
    }

    /// Records that the required `column` is empty.
    #[cold]
    #[inline(never)]
    fn missing(&mut self, column: &str) {
        self.add_problem(
            RejectKind::MissingValue,
            column,
            None,
            "required value is missing".into(),
        );
    }

    /// A date in one of the configured formats; records `bad_date` when it does not parse.
    pub fn date(&mut self, column: &str, is_required: bool) -> Option<chrono::NaiveDate> {
        use crate::date_format::DateParseError;
        let value = if is_required {
            self.required(column)?
        } else {
            self.optional(column)?
        };
        let formats = &self.config.date_formats;
        let detail = match formats.parse(value) {
            Ok(date) => return Some(date),
            Err(DateParseError::NoPatternFits) => {
                format!("{value:?} is not a date (expected {})", formats.describe())
            }
            Err(DateParseError::Implausible(date)) => format!(
                "{value:?} ({date}) is outside the plausible range {} to {} (input.earliest_date, input.latest_date)",
                formats.earliest(),
                formats.latest()
            ),
            Err(DateParseError::Ambiguous(first, second)) => {
                format!("{value:?} is ambiguous: it reads as {first} and as {second} in the configured formats")
            }
        };
        self.add_problem(RejectKind::BadDate, column, Some(value), detail);
        None
    }

    /// A code mapped through `codes`; records `unknown_code` when it is not in the map.
    pub fn code<Code: Copy>(
        &mut self,
        column: &str,
        is_required: bool,
        codes: &crate::performance::code_map::CodeMap<Code>,
        described_as: &str,
    ) -> Option<Code> {
        let value = if is_required {
            self.required(column)?
        } else {
            self.optional(column)?
        };
        // Exact first: canonical codes need no lower-casing; then lower-cased, without an
        // allocation when the value is short ASCII (`Y` for `y`).
        match codes.get(value).or_else(|| match ascii_lowercase(value, &mut [0; 32]) {
            Some(lowercase) => codes.get(lowercase),
            None => codes.get(&crate::config::normalize_code(value)),
        }) {
            Some(&code) => Some(code),
            None => {
                let detail = format!("{value:?} is not a known {described_as} (see [codes] in the configuration)");
                self.add_problem(RejectKind::UnknownCode, column, Some(value), detail);
                None
            }
        }
    }

    /// Records a problem of `column` (canonical name), whose value was `value`.
    pub fn add_problem(&mut self, kind: RejectKind, column: &str, value: Option<&str>, detail: String) {
        let header = self.header_of(column);
        self.problems
            .push(Problem::of_column(kind, &header, column, value, detail));
    }
}

/// `value.trim()`, without decoding characters when both ends are plain ASCII (nearly every
/// value): only then can an end be whitespace without being a multi-byte character.
fn trim_whitespace(value: &str) -> &str {
    let plain = |byte: u8| byte.is_ascii() && !char::from(byte).is_whitespace();
    match value.as_bytes() {
        [] => value,
        [first, .., last] | [first @ last] if plain(*first) && plain(*last) => value,
        _ => value.trim(),
    }
}

/// What became of one data row.
enum RowOutcome<Parsed> {
    Accepted(Parsed),
    Rejected(RejectedRow),
}

/// The header as read and where each canonical column is in it.
struct HeaderLayout {
    header: Vec<String>,
    /// By canonical column (the extract's declaration order).
    column_positions: Vec<Option<usize>>,
    /// Where the column whose repeats are rejected is.
    id_position: Option<usize>,
}

/// Reads `extract` from its configured path. `validate` decodes and checks each data row whose
/// fields decoded: it returns the row's value when the row is acceptable, or records problems on
/// the row and returns `None`. It may keep what helps the next row in its worker's
/// `WorkerMemory` (a lookup cache), never anything that changes a row's outcome. `apply` then
/// receives every accepted row's value. Repeats of the extract's id column are rejected.
///
/// Three stages on their own threads, so both cores stay busy (`read_rows`). Rows are applied
/// (and rejected rows listed) exactly in the order of the file.
pub fn read_extract<Parsed: Send, WorkerMemory: Default>(
    config: &Config,
    extract: Extract,
    progress: crate::progress::Progress,
    validate: impl Fn(&mut RowFields<'_>, &mut WorkerMemory) -> Option<Parsed> + Sync,
    apply: impl FnMut(Parsed),
) -> Result<ExtractReport, ExtractError> {
    let input = config.extract(extract).ok_or_else(|| ExtractError::NotConfigured {
        extract: extract.name(),
    })?;
    let path = archived_or_configured(&input.path);
    let file = File::open(&path).map_err(|source| ExtractError::Unreadable {
        extract: extract.name(),
        path: path.clone(),
        source,
    })?;
    let metadata = file.metadata().map_err(|source| ExtractError::Unreadable {
        extract: extract.name(),
        path: path.clone(),
        source,
    })?;
    if !metadata.is_file() {
        return Err(ExtractError::NotAFile {
            extract: extract.name(),
            path: path.clone(),
        });
    }
    if crate::ingest::parquet_extract::is_parquet(&path) {
        drop(file);
        return read_parquet_extract(config, extract, input, &path, &validate, apply);
    }
    let progress = progress.bytes(extract.name(), metadata.len());
    let started = std::time::Instant::now();
    let mut reading = ReadAhead::start(file, progress.clone());
    let mut report = ExtractReport {
        path: path.clone(),
        ..ExtractReport::default()
    };
    read_records(
        NormalizeLineEnds::new(&mut reading),
        config,
        extract,
        input,
        &path,
        &validate,
        apply,
        &mut report,
    )?;
    let summary = reading.finish();
    progress.finish_and_clear();
    report.size_bytes = summary.bytes;
    report.sha256 = summary.sha256;
    report.read_time = started.elapsed();
    Ok(report)
}

/// The configured path, or, when it does not exist and `<stem>.parquet` beside it does (an
/// archived night: `run --input-dir <archive>/<as_of>`), that.
fn archived_or_configured(configured: &Path) -> PathBuf {
    let parquet = configured.with_extension("parquet");
    if !configured.exists() && parquet.is_file() {
        parquet
    } else {
        configured.to_path_buf()
    }
}

/// A Parquet extract: read through polars as the CSV text of its values
/// (`parquet_extract`), then exactly as a CSV; a rejected row's line is its row number (or,
/// from the archive, the line it had in the night's CSV).
fn read_parquet_extract<Parsed: Send, WorkerMemory: Default>(
    config: &Config,
    extract: Extract,
    input: &ExtractInput,
    path: &Path,
    validate: &(impl Fn(&mut RowFields<'_>, &mut WorkerMemory) -> Option<Parsed> + Sync),
    apply: impl FnMut(Parsed),
) -> Result<ExtractReport, ExtractError> {
    let started = std::time::Instant::now();
    let parquet = crate::ingest::parquet_extract::read_as_csv(path, config.delimiter).map_err(|source| {
        ExtractError::NotParquet {
            extract: extract.name(),
            path: path.to_path_buf(),
            source,
        }
    })?;
    let mut report = ExtractReport {
        path: path.to_path_buf(),
        ..ExtractReport::default()
    };
    read_records(
        NormalizeLineEnds::new(parquet.csv.as_slice()),
        config,
        extract,
        input,
        path,
        validate,
        apply,
        &mut report,
    )?;
    for row in &mut report.rejected {
        row.line = parquet.reported_line(row.line);
    }
    report.size_bytes = parquet.file_bytes.len() as u64;
    report.sha256 = crate::digest::sha256_hex(&parquet.file_bytes);
    report.read_time = started.elapsed();
    Ok(report)
}

/// The header and rows of an extract's CSV text, into `report`.
#[allow(clippy::too_many_arguments)]
fn read_records<Input: Read + Send, Parsed: Send, WorkerMemory: Default>(
    text: Input,
    config: &Config,
    extract: Extract,
    input: &ExtractInput,
    path: &Path,
    validate: &(impl Fn(&mut RowFields<'_>, &mut WorkerMemory) -> Option<Parsed> + Sync),
    apply: impl FnMut(Parsed),
    report: &mut ExtractReport,
) -> Result<(), ExtractError> {
    let mut records = CsvRecords::new(text, config.delimiter);
    records.set_limits(HEADER_LIMITS);
    let layout = read_header(&mut records, extract, input, path)?;
    records.set_limits(RecordLimits::for_rows(
        layout.header.len(),
        config.limits.max_value_bytes,
    ));
    read_rows(records, &layout, config, extract, validate, apply, report).map_err(|source| {
        ExtractError::Malformed {
            extract: extract.name(),
            path: path.to_path_buf(),
            line: 0,
            source: csv::Error::from(source),
        }
    })?;
    report.present_columns = extract
        .columns()
        .iter()
        .zip(&layout.column_positions)
        .filter(|(_, position)| position.is_some())
        .map(|(column, _)| column.name)
        .collect();
    report.column_positions = extract
        .columns()
        .iter()
        .zip(&layout.column_positions)
        .filter_map(|(column, position)| Some((column.name, (*position)?)))
        .collect();
    report.header = layout.header;
    Ok(())
}

/// The longest header line read: 256 columns of 256 bytes.
const HEADER_LIMITS: RecordLimits = RecordLimits {
    max_record_bytes: 1 << 16,
    max_fields: 256,
};

/// Reads the header line and finds the canonical columns in it.
fn read_header<Input: Read>(
    records: &mut CsvRecords<Input>,
    extract: Extract,
    input: &ExtractInput,
    path: &Path,
) -> Result<HeaderLayout, ExtractError> {
    let mut header_batch = CsvRecordBatch::default();
    // Only reading can fail: any sequence of bytes splits into records.
    records
        .read_record(&mut header_batch)
        .map_err(|source| ExtractError::Malformed {
            extract: extract.name(),
            path: path.to_path_buf(),
            line: 0,
            source: csv::Error::from(source),
        })?;
    // No header line, or one that is a single empty value (`""`).
    let is_blank = |record: &CsvRecord<'_>| record.is_empty() || (record.len() == 1 && record.field(0) == Some(b""));
    let Some(header_record) = header_batch.last().filter(|record| !is_blank(record)) else {
        return Err(ExtractError::Empty {
            extract: extract.name(),
            path: path.to_path_buf(),
        });
    };
    if header_record.oversized {
        return Err(ExtractError::HeaderTooLong {
            extract: extract.name(),
            path: path.to_path_buf(),
            limit: HEADER_LIMITS.max_record_bytes,
        });
    }
    let header: Vec<String> = header_record
        .fields()
        .map(|field| String::from_utf8_lossy(field).trim().to_string())
        .collect();
    let columns = extract.columns();
    let column_positions = locate_columns(extract, path, input, columns, &header)?;
    let id_position = columns
        .iter()
        .position(|column| column.name == extract.spec().id_column)
        .and_then(|index| column_positions[index]);
    Ok(HeaderLayout {
        header,
        column_positions,
        id_position,
    })
}

/// Records, and whether each one's id repeats an earlier row's.
type Batch = (CsvRecordBatch, Vec<bool>);

/// Records per batch.
const BATCH: usize = 2048;

/// The data rows: one thread parses CSV (and numbers the lines and finds
/// repeated ids, which depend on file order), validation workers run `validate` on whole
/// batches, and the calling thread runs `apply`. Batches are put back in file order first.
fn read_rows<Input: Read + Send, Parsed: Send, WorkerMemory: Default>(
    records: CsvRecords<Input>,
    layout: &HeaderLayout,
    config: &Config,
    extract: Extract,
    validate: &(impl Fn(&mut RowFields<'_>, &mut WorkerMemory) -> Option<Parsed> + Sync),
    apply: impl FnMut(Parsed),
    report: &mut ExtractReport,
) -> Result<(), std::io::Error> {
    let row_layout = RowLayout {
        header: &layout.header,
        column_positions: &layout.column_positions,
        columns: extract.columns(),
        id_position: layout.id_position,
    };
    let workers = std::thread::available_parallelism().map_or(1, |count| count.get().clamp(1, 4));
    // Batches of records go from the parser to a worker and back, so no batch is allocated
    // twice; they are numbered in file order. Eight batches a worker may wait in each queue,
    // so a stage that is briefly not scheduled (four threads share two cores) does not leave
    // the others without work.
    let (full_batches, batches_to_check) = std::sync::mpsc::sync_channel::<(u64, Batch)>(8 * workers);
    let batches_to_check = std::sync::Mutex::new(batches_to_check);
    let (empty_batches, batches_to_reuse) = std::sync::mpsc::channel::<Batch>();
    let (checked_batches, outcomes_to_apply) =
        std::sync::mpsc::sync_channel::<(u64, Batch, Vec<RowOutcome<Parsed>>)>(8 * workers);
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || parse_batches(records, layout.id_position, &full_batches, &batches_to_reuse));
        for _ in 0..workers {
            let checked_batches = checked_batches.clone();
            let batches_to_check = &batches_to_check;
            let row_layout = &row_layout;
            scope.spawn(move || check_batches(batches_to_check, &checked_batches, row_layout, config, validate));
        }
        drop(checked_batches);
        apply_in_file_order(outcomes_to_apply, &empty_batches, apply, report);
        parser.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The parser thread: fills batches with records, marking each whose id repeats an earlier
/// row's (judged against every earlier row that carried an id).
fn parse_batches<Input: Read>(
    mut records: CsvRecords<Input>,
    id_position: Option<usize>,
    full_batches: &std::sync::mpsc::SyncSender<(u64, Batch)>,
    batches_to_reuse: &std::sync::mpsc::Receiver<Batch>,
) -> Result<(), std::io::Error> {
    let mut seen_ids = RepeatedIdDetector::default();
    for sequence in 0_u64.. {
        let (mut batch, mut repeated_ids) = batches_to_reuse.try_recv().unwrap_or_default();
        batch.clear();
        repeated_ids.clear();
        let mut finished = false;
        while batch.len() < BATCH {
            if !records.read_record(&mut batch)? {
                finished = true;
                break;
            }
            let id = id_position
                .and_then(|position| batch.last().and_then(|record| record.field(position)))
                .and_then(|field| std::str::from_utf8(field).ok())
                .map(trim_whitespace)
                .filter(|id| !id.is_empty());
            repeated_ids.push(id.is_some_and(|id| seen_ids.is_repeat(id.as_bytes())));
        }
        if full_batches.send((sequence, (batch, repeated_ids))).is_err() || finished {
            break;
        }
    }
    Ok(())
}

/// A validation worker: checks whole batches until none is left.
fn check_batches<Parsed, WorkerMemory: Default>(
    batches_to_check: &std::sync::Mutex<std::sync::mpsc::Receiver<(u64, Batch)>>,
    checked_batches: &std::sync::mpsc::SyncSender<(u64, Batch, Vec<RowOutcome<Parsed>>)>,
    layout: &RowLayout<'_>,
    config: &Config,
    validate: &impl Fn(&mut RowFields<'_>, &mut WorkerMemory) -> Option<Parsed>,
) {
    let mut memory = WorkerMemory::default();
    loop {
        let next = match batches_to_check.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return, // another worker panicked; the scope re-raises it
        };
        let Ok((sequence, batch)) = next else {
            return;
        };
        let (records, repeated_ids) = &batch;
        // Sized once: collected, the list grew (and was copied) a dozen times a batch.
        let mut outcomes = Vec::with_capacity(records.len());
        let batch_text = records.text();
        for (index, &repeated_id) in repeated_ids.iter().enumerate() {
            let Some((record, record_text)) = records.record_with_text(index, batch_text) else {
                break;
            };
            outcomes.push(check_row(record, record_text, repeated_id, layout, config, |fields| {
                validate(fields, &mut memory)
            }));
        }
        if checked_batches.send((sequence, batch, outcomes)).is_err() {
            return;
        }
    }
}

/// The calling thread: applies each batch's outcomes in file order (workers finish out of
/// order; batches that arrive early wait for their turn) and counts them.
fn apply_in_file_order<Parsed>(
    outcomes_to_apply: std::sync::mpsc::Receiver<(u64, Batch, Vec<RowOutcome<Parsed>>)>,
    empty_batches: &std::sync::mpsc::Sender<Batch>,
    mut apply: impl FnMut(Parsed),
    report: &mut ExtractReport,
) {
    let mut next_sequence = 0;
    let mut arrived_early = BTreeMap::new();
    for (sequence, batch, outcomes) in outcomes_to_apply {
        arrived_early.insert(sequence, (batch, outcomes));
        while let Some((batch, outcomes)) = arrived_early.remove(&next_sequence) {
            next_sequence += 1;
            for outcome in outcomes {
                report.rows_read += 1;
                match outcome {
                    RowOutcome::Accepted(parsed) => {
                        report.rows_accepted += 1;
                        apply(parsed);
                    }
                    RowOutcome::Rejected(row) => report.rejected.push(row),
                }
            }
            let _ = empty_batches.send(batch);
        }
    }
}

/// Where a row's fields are, for `check_row`.
struct RowLayout<'a> {
    header: &'a [String],
    column_positions: &'a [Option<usize>],
    columns: &'static [CanonicalColumn],
    id_position: Option<usize>,
}

/// Checks one data row: field count, UTF-8 (`record_text` is the record's bytes as text when
/// they are valid), a repeated id, then the extract's own `validate`.
fn check_row<'batch, Parsed>(
    record: CsvRecord<'batch>,
    record_text: Option<&'batch str>,
    repeated_id: bool,
    layout: &RowLayout<'_>,
    config: &Config,
    validate: impl FnOnce(&mut RowFields<'_>) -> Option<Parsed>,
) -> RowOutcome<Parsed> {
    let RowLayout {
        header,
        column_positions,
        columns,
        id_position,
    } = *layout;
    let max_value_bytes = config.limits.max_value_bytes;
    let raw_values = || raw_values_of(&record, max_value_bytes);
    if let Some(problem) = shape_problem(&record, header, max_value_bytes) {
        return RowOutcome::Rejected(RejectedRow::new(record.line, vec![problem], raw_values()));
    }
    // One check for the whole row (`record_text`, made with its batch's); per field only when
    // it fails, to name the column. A valid whole can still have a field boundary inside a
    // character, where quoted values sit back to back (`"\xC3","\xA9"`): then each field is
    // checked too.
    let record_text = record_text.filter(|text| {
        (0..record.len()).all(|index| {
            record
                .range(index)
                .is_some_and(|range| text.is_char_boundary(range.start) && text.is_char_boundary(range.end))
        })
    });
    let mut problems = Vec::new();
    if record_text.is_none() {
        for (position, field) in record.fields().enumerate() {
            if std::str::from_utf8(field).is_err() {
                problems.push(Problem::of_column(
                    RejectKind::InvalidUtf8,
                    &header[position],
                    "",
                    None,
                    "the value is not valid UTF-8 (export the file as UTF-8)".into(),
                ));
            }
        }
    }
    let mut fields = RowFields {
        record,
        record_text,
        headers: header,
        column_positions,
        columns,
        next_column: std::cell::Cell::new(0),
        config,
        problems,
    };
    if repeated_id && let Some(position) = id_position {
        let id = fields.text_at(position).unwrap_or_default().trim();
        fields.problems.push(Problem::of_column(
            RejectKind::DuplicateId,
            &header[position],
            "_id",
            None,
            format!("id {id:?} repeats an earlier row's id"),
        ));
    }
    if fields.problems.is_empty()
        && let Some(parsed) = validate(&mut fields)
        && fields.problems.is_empty()
    {
        return RowOutcome::Accepted(parsed);
    }
    RowOutcome::Rejected(RejectedRow::new(record.line, fields.problems, raw_values()))
}

/// A row that cannot be read as one: too long, too many or too few fields, or a value longer
/// than the longest accepted.
fn shape_problem(record: &CsvRecord<'_>, header: &[String], max_value_bytes: usize) -> Option<Problem> {
    // A field is a part of its record: in a record no longer than the limit, none is too long
    // (nearly every record; the others are looked at field by field).
    let too_long = (record.bytes().len() > max_value_bytes)
        .then(|| (record.fields().enumerate()).find(|(_, field)| field.len() > max_value_bytes))
        .flatten();
    if let Some((position, field)) = too_long
        && (record.oversized || record.len() == header.len())
    {
        let length = if record.oversized {
            format!("more than {} bytes long", field.len())
        } else {
            format!("{} bytes long", field.len())
        };
        return Some(Problem::of_column(
            RejectKind::ValueTooLong,
            header.get(position).map_or("?", String::as_str),
            "",
            None,
            format!(
                "the value is {length}, longer than input.max_value_bytes ({max_value_bytes}); only its beginning is kept"
            ),
        ));
    }
    if record.oversized {
        return Some(Problem::of_row(
            RejectKind::ValueTooLong,
            format!(
                "the row is longer than a row of {} values of at most {max_value_bytes} bytes (input.max_value_bytes) can be; only its beginning is kept",
                header.len()
            ),
        ));
    }
    (record.len() != header.len()).then(|| {
        Problem::of_row(
            RejectKind::WrongFieldCount,
            format!(
                "the row has {} fields but the header has {} (a stray delimiter or an unclosed quote?)",
                record.len(),
                header.len()
            ),
        )
    })
}

/// The row's fields as read, each cut at `max_value_bytes` (`…` marks a cut).
fn raw_values_of(record: &CsvRecord<'_>, max_value_bytes: usize) -> Vec<String> {
    record
        .fields()
        .map(|field| {
            if field.len() <= max_value_bytes {
                return String::from_utf8_lossy(field).into_owned();
            }
            let mut text = String::from_utf8_lossy(&field[..max_value_bytes]).into_owned();
            text.push('…');
            text
        })
        .collect()
}

/// Where each canonical column is in the file's header (matched trimmed, case-insensitively).
fn locate_columns(
    extract: Extract,
    path: &Path,
    input: &ExtractInput,
    columns: &[CanonicalColumn],
    header: &[String],
) -> Result<Vec<Option<usize>>, ExtractError> {
    let mut positions = Vec::with_capacity(columns.len());
    for column in columns {
        let wanted = &input.headers[column.name];
        let matches: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, found)| found.trim_start_matches('\u{feff}').eq_ignore_ascii_case(wanted))
            .map(|(position, _)| position)
            .collect();
        match matches.as_slice() {
            [] if column.required => {
                tracing::debug!(extract = extract.name(), header = ?header, "the header as read");
                return Err(ExtractError::MissingColumn {
                    extract: extract.name(),
                    path: path.to_path_buf(),
                    column: wanted.clone(),
                    fields: header.len(),
                });
            }
            [] => positions.push(None),
            [position] => positions.push(Some(*position)),
            _ => {
                return Err(ExtractError::DuplicateColumn {
                    extract: extract.name(),
                    path: path.to_path_buf(),
                    column: wanted.clone(),
                });
            }
        }
    }
    Ok(positions)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_lowercase_is_normalize_code_without_allocating() {
        for value in [
            "Y",
            "n",
            "Relative_Foster",
            "HELD",
            "trial_home_visit",
            "0",
            "x".repeat(32).as_str(),
        ] {
            let mut buffer = [0; 32];
            assert_eq!(
                super::ascii_lowercase(value, &mut buffer),
                Some(crate::config::normalize_code(value).as_str())
            );
        }
        // Not ASCII, or too long: left to `normalize_code`.
        assert_eq!(super::ascii_lowercase("Ä", &mut [0; 32]), None);
        assert_eq!(super::ascii_lowercase(&"x".repeat(33), &mut [0; 32]), None);
    }

    #[test]
    fn trimming_matches_str_trim() {
        let values = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a\u{a0}",
            "\u{b}x\u{b}",
            "\tR1\r",
            "é",
            " é ",
            "\u{3000}C1",
            "x\u{2029}",
            "\u{1c}x",
        ];
        for value in values {
            assert_eq!(super::trim_whitespace(value), value.trim(), "{value:?}");
        }
        // Every byte at either end, alone and around a letter.
        for byte in 0..=0x7f_u8 {
            let character = char::from(byte);
            for value in [character.to_string(), format!("{character}a"), format!("a{character}")] {
                assert_eq!(super::trim_whitespace(&value), value.trim(), "{value:?}");
            }
        }
    }
}
