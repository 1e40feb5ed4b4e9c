//! Splits an extract into CSV records and numbers the line each record starts on.
//!
//! The records are exactly those the `csv` crate reads with this program's settings (the
//! configured delimiter, `"` quotes with doubled quotes inside, no escape or comment
//! character, any number of fields per record, blank lines skipped); the test below checks
//! that against `csv` itself on many generated inputs. What differs is speed: nearly every
//! line of an extract holds no quote, and such a line is one record whose fields lie between
//! delimiters, so it is split eight bytes at a time (`split_plain_line`) instead of by
//! `csv_core`'s byte-by-byte state machine (at national scale that parser was a fifth of
//! ingest's CPU, on the one thread every row passes through). A line with a quote goes to
//! `csv_core`, the parser the `csv` crate uses, from the record's first byte to its last,
//! however many lines it spans.
//!
//! The input must have LF line ends only (`NormalizeLineEnds` below makes it so); then the
//! line a record starts on is exact, blank lines and quoted line breaks included.

use std::io::Read;
use std::ops::Range;

/// Records read one after another into one buffer: their bytes back to back and their
/// fields' ranges, so that a batch of thousands of records is three allocations, written and
/// then read in order (records allocated one by one were scattered in memory, and the
/// parser's writes into them missed the cache).
#[derive(Debug, Default)]
pub struct CsvRecordBatch {
    bytes: Vec<u8>,
    /// Each field's range in its record's bytes.
    field_ranges: Vec<Range<usize>>,
    records: Vec<RecordSpan>,
}

/// Where one record of a batch lies.
#[derive(Debug, Clone, Copy)]
struct RecordSpan {
    line: u64,
    oversized: bool,
    bytes_start: usize,
    bytes_end: usize,
    fields_start: usize,
    fields_end: usize,
}

impl CsvRecordBatch {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.field_ranges.clear();
        self.records.clear();
    }

    pub fn get(&self, index: usize) -> Option<CsvRecord<'_>> {
        let span = self.records.get(index)?;
        Some(CsvRecord {
            line: span.line,
            oversized: span.oversized,
            bytes: &self.bytes[span.bytes_start..span.bytes_end],
            field_ranges: &self.field_ranges[span.fields_start..span.fields_end],
        })
    }

    pub fn last(&self) -> Option<CsvRecord<'_>> {
        self.get(self.len().checked_sub(1)?)
    }

    pub fn iter(&self) -> impl Iterator<Item = CsvRecord<'_>> {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// The batch's bytes as text, when they are all valid UTF-8: checked in one pass (a few
    /// hundred kilobytes instead of 2,048 short checks), for `record_with_text`.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// Record `index` with its bytes as text, when they are valid UTF-8. With the batch's
    /// `text()`, a record is valid exactly when it starts and ends on a character boundary of
    /// it (a record cut inside a character begins or ends with a partial one); without it (an
    /// invalid byte somewhere in the batch) the record is checked on its own.
    pub fn record_with_text<'batch>(
        &'batch self,
        index: usize,
        batch_text: Option<&'batch str>,
    ) -> Option<(CsvRecord<'batch>, Option<&'batch str>)> {
        let record = self.get(index)?;
        let text = match batch_text {
            Some(batch_text) => {
                let span = self.records.get(index)?;
                batch_text.get(span.bytes_start..span.bytes_end)
            }
            None => std::str::from_utf8(record.bytes()).ok(),
        };
        Some((record, text))
    }

    /// Makes the bytes and fields added since `bytes_start` and `fields_start` a record.
    fn push_record(&mut self, line: u64, bytes_start: usize, fields_start: usize) {
        self.push_span(line, bytes_start, fields_start, false);
    }

    fn push_span(&mut self, line: u64, bytes_start: usize, fields_start: usize, oversized: bool) {
        self.records.push(RecordSpan {
            line,
            oversized,
            bytes_start,
            bytes_end: self.bytes.len(),
            fields_start,
            fields_end: self.field_ranges.len(),
        });
    }
}

/// One record of a batch: the line it starts on, its bytes and where each field lies in them.
/// A record read from a line without quotes keeps the line's delimiters between its fields;
/// one with quotes holds its fields' unquoted values back to back. Either way `field` is the
/// field's value as `csv` gives it.
#[derive(Debug, Clone, Copy)]
pub struct CsvRecord<'batch> {
    pub line: u64,
    /// The record was longer than `RecordLimits::max_record_bytes`: only its beginning is
    /// kept (its fields cut at the limit).
    pub oversized: bool,
    bytes: &'batch [u8],
    field_ranges: &'batch [Range<usize>],
}

impl<'batch> CsvRecord<'batch> {
    pub fn len(&self) -> usize {
        self.field_ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.field_ranges.is_empty()
    }

    /// Where field `index` lies in `bytes()`.
    pub fn range(&self, index: usize) -> Option<Range<usize>> {
        self.field_ranges.get(index).cloned()
    }

    pub fn field(&self, index: usize) -> Option<&'batch [u8]> {
        let bytes = self.bytes;
        self.field_ranges.get(index).map(|range| &bytes[range.clone()])
    }

    pub fn fields(&self) -> impl Iterator<Item = &'batch [u8]> + use<'batch> {
        let bytes = self.bytes;
        self.field_ranges.iter().map(move |range| &bytes[range.clone()])
    }

    /// The bytes the fields are ranges of (with or without delimiters between them).
    pub fn bytes(&self) -> &'batch [u8] {
        self.bytes
    }
}

/// Reads records from `Input` (LF line ends only).
pub struct CsvRecords<Input> {
    input: Input,
    /// `buffer[consumed..filled]` has been read and not yet split into records.
    buffer: Vec<u8>,
    consumed: usize,
    filled: usize,
    input_ended: bool,
    /// Whether the first record has been looked for (and a UTF-8 byte order mark skipped).
    started: bool,
    delimiter: u8,
    /// The line that `buffer[consumed]` is on (1 is the first line of the file).
    line: u64,
    /// For records with a quote: the `csv` crate's own parser, always left between records.
    quoted_records: csv_core::Reader,
    /// `quoted_records`' output: the record's field bytes, and where each field ends.
    field_bytes: Vec<u8>,
    field_ends: Vec<usize>,
    limits: RecordLimits,
}

/// How much of one record is kept, so that memory is bounded by the configuration, not by
/// the input: a record longer than a valid row can be is kept only up to the limit (and
/// rejected), however long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    pub max_record_bytes: usize,
    pub max_fields: usize,
}

impl RecordLimits {
    pub const UNLIMITED: Self = Self {
        max_record_bytes: usize::MAX,
        max_fields: usize::MAX,
    };

    /// Records of a file whose rows have `fields` fields, none longer than `max_value_bytes`:
    /// room for every field at its longest, and for a few fields too many (which the reader
    /// rejects as such).
    pub fn for_rows(fields: usize, max_value_bytes: usize) -> Self {
        Self {
            max_record_bytes: fields.max(1).saturating_mul(max_value_bytes.saturating_add(1)),
            max_fields: fields.saturating_add(8),
        }
    }
}

/// A line longer than this without its line end is left to `csv_core` (which streams it)
/// rather than searched again after every read.
const LONGEST_SPLIT_LINE: usize = 1 << 16;

impl<Input: Read> CsvRecords<Input> {
    pub fn new(input: Input, delimiter: u8) -> Self {
        Self::with_buffer_size(input, delimiter, 1 << 20)
    }

    fn with_buffer_size(input: Input, delimiter: u8, buffer_size: usize) -> Self {
        Self {
            input,
            buffer: vec![0; buffer_size.max(1)],
            consumed: 0,
            filled: 0,
            input_ended: false,
            started: false,
            delimiter,
            line: 1,
            quoted_records: quoted_record_parser(delimiter),
            field_bytes: vec![0; 1 << 10],
            field_ends: vec![0; 64],
            limits: RecordLimits::UNLIMITED,
        }
    }

    /// Bounds the records read from now on.
    pub fn set_limits(&mut self, limits: RecordLimits) {
        self.limits = limits;
    }

    /// Reads the next record onto the end of `batch`; `false` once the input is exhausted.
    pub fn read_record(&mut self, batch: &mut CsvRecordBatch) -> std::io::Result<bool> {
        if !self.started {
            self.skip_byte_order_mark()?;
        }
        let fields_start = batch.field_ranges.len();
        loop {
            let unread = &self.buffer[self.consumed..self.filled];
            let found = split_plain_line(unread, self.delimiter, &mut batch.field_ranges);
            if !matches!(found, PlainLine::Found { length } if length > 0) {
                batch.field_ranges.truncate(fields_start);
            }
            let over_limits =
                |length: usize, fields: usize| length > self.limits.max_record_bytes || fields > self.limits.max_fields;
            match found {
                // A line past the limits: `csv_core` streams it and keeps only what fits.
                PlainLine::Found { length } if over_limits(length, batch.field_ranges.len() - fields_start) => {
                    batch.field_ranges.truncate(fields_start);
                    return self.read_quoted_record(batch);
                }
                // A blank line is no record (as in `csv`), only a line.
                PlainLine::Found { length: 0 } => {
                    self.consumed += 1;
                    self.line += 1;
                }
                PlainLine::Found { length } => {
                    let bytes_start = batch.bytes.len();
                    batch.bytes.extend_from_slice(&unread[..length]);
                    batch.push_record(self.line, bytes_start, fields_start);
                    self.consumed += length + 1;
                    self.line += 1;
                    return Ok(true);
                }
                PlainLine::HasQuote => return self.read_quoted_record(batch),
                PlainLine::NoLineEnd if self.input_ended && unread.is_empty() => return Ok(false),
                // The last line has no line end, or a line is too long to search again.
                PlainLine::NoLineEnd if self.input_ended || unread.len() >= LONGEST_SPLIT_LINE => {
                    return self.read_quoted_record(batch);
                }
                PlainLine::NoLineEnd => self.fill()?,
            }
        }
    }

    /// One record, by `csv_core`, starting at `buffer[consumed]` (the first byte of a record,
    /// never a line end); it may span lines and reads. Past the limits, the parser goes on to
    /// the record's end but its output is dropped.
    fn read_quoted_record(&mut self, batch: &mut CsvRecordBatch) -> std::io::Result<bool> {
        use csv_core::ReadRecordResult;
        let first_line = self.line;
        let (mut bytes_written, mut ends_written) = (0, 0);
        let (mut dropped_bytes, mut dropped_ends) = (Vec::new(), Vec::new());
        let mut oversized = false;
        loop {
            let unread = &self.buffer[self.consumed..self.filled];
            let bytes_out: &mut [u8] = if oversized {
                &mut dropped_bytes
            } else {
                &mut self.field_bytes[bytes_written..]
            };
            let ends_out: &mut [usize] = if ends_written >= self.limits.max_fields {
                &mut dropped_ends
            } else {
                &mut self.field_ends[ends_written..]
            };
            let (result, bytes_read, bytes_out, ends_out) =
                self.quoted_records.read_record(unread, bytes_out, ends_out);
            self.line += unread[..bytes_read].iter().filter(|&&byte| byte == b'\n').count() as u64;
            self.consumed += bytes_read;
            if !oversized {
                bytes_written += bytes_out;
            }
            if ends_written < self.limits.max_fields {
                ends_written += ends_out;
            }
            match result {
                // With the input ended, the next call passes no bytes, which `csv_core` takes
                // as the end of the input.
                ReadRecordResult::InputEmpty if !self.input_ended => self.fill()?,
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull if oversized => {}
                ReadRecordResult::OutputFull if self.field_bytes.len() >= self.limits.max_record_bytes => {
                    oversized = true;
                    dropped_bytes.resize(1 << 16, 0);
                }
                ReadRecordResult::OutputFull => {
                    let grown =
                        (self.field_bytes.len() * 2).min(self.limits.max_record_bytes.max(self.field_bytes.len() + 1));
                    self.field_bytes.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull if ends_written >= self.limits.max_fields => {
                    dropped_ends.resize(1 << 10, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = (self.field_ends.len() * 2).min(self.limits.max_fields.max(self.field_ends.len() + 1));
                    self.field_ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.push_quoted_record(batch, first_line, bytes_written, ends_written, oversized);
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
            }
        }
    }

    /// Adds the record `read_quoted_record` parsed: its fields, cut at the bytes kept.
    fn push_quoted_record(
        &self,
        batch: &mut CsvRecordBatch,
        line: u64,
        bytes_written: usize,
        ends_written: usize,
        oversized: bool,
    ) {
        let (bytes_start, fields_start) = (batch.bytes.len(), batch.field_ranges.len());
        batch.bytes.extend_from_slice(&self.field_bytes[..bytes_written]);
        let mut field_start = 0;
        for &field_end in &self.field_ends[..ends_written] {
            let field_end = field_end.min(bytes_written);
            batch.field_ranges.push(field_start.min(field_end)..field_end);
            field_start = field_end;
        }
        batch.push_span(line, bytes_start, fields_start, oversized);
    }

    /// Like `csv`, skips a UTF-8 byte order mark at the very start of the input.
    fn skip_byte_order_mark(&mut self) -> std::io::Result<()> {
        self.started = true;
        while self.filled < 3 && !self.input_ended {
            self.fill()?;
        }
        if self.buffer[..self.filled].starts_with(b"\xef\xbb\xbf") {
            self.consumed = 3;
        }
        Ok(())
    }

    /// Moves the unread bytes to the front of the buffer and reads more after them.
    fn fill(&mut self) -> std::io::Result<()> {
        self.buffer.copy_within(self.consumed..self.filled, 0);
        self.filled -= self.consumed;
        self.consumed = 0;
        if self.filled == self.buffer.len() {
            // A line longer than the buffer (and shorter than `LONGEST_SPLIT_LINE`).
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        loop {
            match self.input.read(&mut self.buffer[self.filled..]) {
                Ok(0) => {
                    self.input_ended = true;
                    return Ok(());
                }
                Ok(count) => {
                    self.filled += count;
                    return Ok(());
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

/// What `split_plain_line` found at the start of the unread bytes.
#[derive(Debug, PartialEq)]
enum PlainLine {
    /// A line of `length` bytes (its LF not counted) without a quote or CR: one record, whose
    /// fields lie between its delimiters.
    Found { length: usize },
    /// A quote or CR comes before the line end: `csv_core` reads the record.
    HasQuote,
    /// No line end in the bytes.
    NoLineEnd,
}

/// Looks for the end of the first line of `bytes` and the delimiters before it, many bytes at
/// a time. For `PlainLine::Found`, the line's fields have been pushed onto `fields` as ranges
/// in the line (otherwise some may have been: the caller removes them).
fn split_plain_line(bytes: &[u8], delimiter: u8, fields: &mut Vec<Range<usize>>) -> PlainLine {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64 itself: every processor this code runs on has it.
    return unsafe { split_plain_line_by_blocks(bytes, delimiter, fields) };
    #[cfg(not(target_arch = "x86_64"))]
    return split_plain_line_by_words(bytes, delimiter, fields);
}

/// `split_plain_line` sixteen bytes at a time (SSE2, which every x86-64 processor has: each
/// byte compared with LF, the delimiter, `"` and CR at once), the last few one by one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn split_plain_line_by_blocks(bytes: &[u8], delimiter: u8, fields: &mut Vec<Range<usize>>) -> PlainLine {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let splat = |byte: u8| _mm_set1_epi8(byte as i8);
    let (line_end, quote, carriage_return, delimiter_bytes) =
        (splat(b'\n'), splat(b'"'), splat(b'\r'), splat(delimiter));
    // One bit per byte of the block, set where the byte equals the one in `wanted`.
    let matching = |block: __m128i, wanted: __m128i| _mm_movemask_epi8(_mm_cmpeq_epi8(block, wanted)) as u32;
    let mut field_start = 0;
    let blocks = bytes.chunks_exact(16);
    let rest = blocks.remainder();
    for (block_index, block) in blocks.enumerate() {
        // SAFETY: `block` is 16 readable bytes; the load has no alignment requirement.
        let block = unsafe { _mm_loadu_si128(block.as_ptr().cast()) };
        let line_ends = matching(block, line_end);
        // Every byte before the first LF of the block (all of them when it has none).
        let before_line_end = match line_ends {
            0 => u32::MAX,
            _ => (line_ends & line_ends.wrapping_neg()) - 1,
        };
        let quotes = _mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(block, quote),
            _mm_cmpeq_epi8(block, carriage_return),
        )) as u32;
        if quotes & before_line_end != 0 {
            return PlainLine::HasQuote;
        }
        let offset = block_index * 16;
        let mut delimiters = matching(block, delimiter_bytes) & before_line_end;
        while delimiters != 0 {
            let position = offset + delimiters.trailing_zeros() as usize;
            fields.push(field_start..position);
            field_start = position + 1;
            delimiters &= delimiters - 1;
        }
        if line_ends != 0 {
            let length = offset + line_ends.trailing_zeros() as usize;
            fields.push(field_start..length);
            return PlainLine::Found { length };
        }
    }
    split_plain_rest(rest, bytes.len() - rest.len(), field_start, delimiter, fields)
}

/// `split_plain_line` eight bytes at a time, each byte compared with LF, the delimiter, `"`
/// and CR by word arithmetic (for processors without SSE2; on x86-64 only its tests use it).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn split_plain_line_by_words(bytes: &[u8], delimiter: u8, fields: &mut Vec<Range<usize>>) -> PlainLine {
    let mut field_start = 0;
    let words = bytes.chunks_exact(8);
    let rest = words.remainder();
    for (word_index, word) in words.enumerate() {
        let word = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
        let line_ends = bytes_equal_to(word, b'\n');
        // Every byte before the first LF of the word (all of them when it has none).
        let before_line_end = match line_ends {
            0 => u64::MAX,
            _ => (line_ends & line_ends.wrapping_neg()) - 1,
        };
        if (bytes_equal_to(word, b'"') | bytes_equal_to(word, b'\r')) & before_line_end != 0 {
            return PlainLine::HasQuote;
        }
        let offset = word_index * 8;
        let mut delimiters = bytes_equal_to(word, delimiter) & before_line_end;
        while delimiters != 0 {
            let position = offset + delimiters.trailing_zeros() as usize / 8;
            fields.push(field_start..position);
            field_start = position + 1;
            delimiters &= delimiters - 1;
        }
        if line_ends != 0 {
            let length = offset + line_ends.trailing_zeros() as usize / 8;
            fields.push(field_start..length);
            return PlainLine::Found { length };
        }
    }
    split_plain_rest(rest, bytes.len() - rest.len(), field_start, delimiter, fields)
}

/// The bytes after the last whole block, `rest`, which start at `offset` in the line, one by
/// one; the field being read started at `field_start`.
fn split_plain_rest(
    rest: &[u8],
    offset: usize,
    mut field_start: usize,
    delimiter: u8,
    fields: &mut Vec<Range<usize>>,
) -> PlainLine {
    for (index, &byte) in rest.iter().enumerate() {
        match byte {
            b'\n' => {
                fields.push(field_start..offset + index);
                return PlainLine::Found { length: offset + index };
            }
            b'"' | b'\r' => return PlainLine::HasQuote,
            _ if byte == delimiter => {
                fields.push(field_start..offset + index);
                field_start = offset + index + 1;
            }
            _ => {}
        }
    }
    PlainLine::NoLineEnd
}

/// The high bit of each byte of `word` that equals `byte`, and no other bit. Exact: no carry
/// crosses from one byte to the next.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn bytes_equal_to(word: u64, byte: u8) -> u64 {
    const LOW_SEVEN_BITS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let zero_where_equal = word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    !(((zero_where_equal & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | zero_where_equal | LOW_SEVEN_BITS)
}

/// The `csv` crate's parser with `csv`'s defaults and `delimiter`, past its first call: it
/// skips a byte order mark only on its first call, and `CsvRecords` has done that already (a
/// second mark, after the first, is data for `csv` too).
fn quoted_record_parser(delimiter: u8) -> csv_core::Reader {
    let mut parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let (mut field_bytes, mut field_ends) = ([0; 8], [0; 8]);
    let (result, ..) = parser.read_record(b"x\n", &mut field_bytes, &mut field_ends);
    debug_assert!(matches!(result, csv_core::ReadRecordResult::Record));
    parser
}

/// Turns CRLF and lone CR line ends into LF before the records are split, and ends the stream
/// with an LF if the file does not. Then every record ends with exactly one LF, every line
/// break inside a quoted field is one LF (a CRLF inside a quoted value is read as LF), and
/// line numbers are exact. The SHA-256 below this reader still sees the file's bytes as they
/// are.
pub struct NormalizeLineEnds<Inner> {
    inner: Inner,
    after_carriage_return: bool,
    /// The last byte handed on, to know whether the stream needs a final LF.
    last_byte: Option<u8>,
    finished: bool,
}

impl<Inner> NormalizeLineEnds<Inner> {
    pub fn new(inner: Inner) -> Self {
        Self {
            inner,
            after_carriage_return: false,
            last_byte: None,
            finished: false,
        }
    }
}

impl<Inner: Read> Read for NormalizeLineEnds<Inner> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.finished || buffer.is_empty() {
                return Ok(0);
            }
            let count = self.inner.read(buffer)?;
            if count == 0 {
                self.finished = true;
                if self.last_byte.is_some_and(|byte| byte != b'\n') {
                    buffer[0] = b'\n';
                    return Ok(1);
                }
                return Ok(0);
            }
            let kept = if !self.after_carriage_return && !buffer[..count].contains(&b'\r') {
                count
            } else {
                let mut kept = 0;
                for index in 0..count {
                    let byte = buffer[index];
                    if self.after_carriage_return && byte == b'\n' {
                        self.after_carriage_return = false;
                        continue; // the LF of a CRLF: the CR already became one
                    }
                    self.after_carriage_return = byte == b'\r';
                    buffer[kept] = if byte == b'\r' { b'\n' } else { byte };
                    kept += 1;
                }
                kept
            };
            if kept > 0 {
                self.last_byte = Some(buffer[kept - 1]);
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as the `csv` crate reads them, with the settings ingest used before this module
    /// existed, and the line each starts on: the line of the first byte of the record, past
    /// the blank lines (and at the start the byte order mark) that `csv` skipped before it.
    fn as_csv_reads(input: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut normalized = Vec::new();
        NormalizeLineEnds::new(input)
            .read_to_end(&mut normalized)
            .expect("reading from memory");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(&normalized[..]);
        let mut record = csv::ByteRecord::new();
        let mut records = Vec::new();
        loop {
            let mut start = reader.position().byte() as usize;
            if !reader.read_byte_record(&mut record).expect("reading from memory") {
                return records;
            }
            if start == 0 && normalized.starts_with(b"\xef\xbb\xbf") {
                start = 3;
            }
            while normalized.get(start) == Some(&b'\n') {
                start += 1;
            }
            let line = 1 + normalized[..start].iter().filter(|&&byte| byte == b'\n').count() as u64;
            records.push((line, record.iter().map(<[u8]>::to_vec).collect()));
        }
    }

    fn as_split(input: &[u8], delimiter: u8, buffer_size: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        // Records read in batches of up to three, as ingest reads them in batches.
        let mut reader = CsvRecords::with_buffer_size(NormalizeLineEnds::new(input), delimiter, buffer_size);
        let mut batch = CsvRecordBatch::default();
        let mut records = Vec::new();
        loop {
            batch.clear();
            let mut more = true;
            while more && batch.len() < 3 {
                more = reader.read_record(&mut batch).expect("reading from memory");
            }
            records.extend(
                batch
                    .iter()
                    .map(|record| (record.line, record.fields().map(<[u8]>::to_vec).collect())),
            );
            if !more {
                return records;
            }
        }
    }

    fn check(input: &[u8], delimiter: u8) {
        let expected = as_csv_reads(input, delimiter);
        for buffer_size in [1, 2, 3, 7, 64, 1 << 20] {
            assert_eq!(
                as_split(input, delimiter, buffer_size),
                expected,
                "input {:?}, buffer of {buffer_size} bytes",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn reads_what_csv_reads_on_chosen_inputs() {
        let inputs: [&[u8]; 22] = [
            b"",
            b"\n",
            b"\n\n\n",
            b"a,b,c\n1,2,3\n",
            b"a,b,c\r\n1,2,3\r\n",
            b"a,b\n1,2",
            b"a,b\n\n\n1,2\n\n",
            b",\n,,\n",
            b"a,\"b,c\",d\n",
            b"a,\"line\nbreak\",d\nnext,row\n",
            b"a,\"line\r\nbreak\"\r\nnext\r\n",
            b"a,\"doubled \"\"quote\"\"\",b\n",
            b"a,b\"c,d\n",
            b"\"unclosed,quote\nand more\n",
            b"\"unclosed at the end",
            b"\"\"\n\"\n\"\n",
            b"a\rb\rc",
            b"\xef\xbb\xbfid,name\n\xc3\xa9,\xff\n",
            b"\xef\xbb\xbf\"id\",name\n1,2\n",
            b"\xef\xbb\xbf\xef\xbb\xbfid\n",
            b"\xef\xbb\xbf\n\nid\n",
            b"\n\xef\xbb\xbfid\n",
        ];
        for input in inputs {
            check(input, b',');
            check(input, b';');
        }
    }

    #[test]
    fn reads_what_csv_reads_on_generated_inputs() {
        // The same inputs every run.
        let mut random = crate::generate::Random::from_seed(7);
        let alphabet = b"ab,,;\"\"\n\n\r \t\xc3";
        for _ in 0..20_000 {
            let length = (random.next() % 40) as usize;
            let input: Vec<u8> = (0..length)
                .map(|_| alphabet[(random.next() % alphabet.len() as u64) as usize])
                .collect();
            check(&input, b',');
        }
    }

    #[test]
    fn blocks_and_words_split_every_line_alike() {
        // Long lines with few special bytes, so whole blocks and words are exercised past the
        // short inputs above; the two ways must agree on the outcome and every field.
        let mut random = crate::generate::Random::from_seed(11);
        let specials = b",,;,\"\n\r\xc3-\n";
        let mut lines_found = 0;
        for _ in 0..20_000 {
            let length = (random.next() % 200) as usize;
            let input: Vec<u8> = (0..length)
                .map(|_| match random.next() % 40 {
                    0..=29 => b'a' + (random.next() % 26) as u8,
                    special => specials[special as usize - 30],
                })
                .collect();
            for delimiter in [b',', b';'] {
                let (mut by_blocks, mut by_words) = (Vec::new(), Vec::new());
                let split = split_plain_line(&input, delimiter, &mut by_blocks);
                assert_eq!(split, split_plain_line_by_words(&input, delimiter, &mut by_words));
                if let PlainLine::Found { .. } = split {
                    assert_eq!(by_blocks, by_words, "{:?}", String::from_utf8_lossy(&input));
                    lines_found += 1;
                }
            }
        }
        assert!(lines_found > 5_000, "{lines_found}");
    }

    #[test]
    fn a_record_has_text_exactly_when_its_own_bytes_are_utf8() {
        // The second record ends with the first byte of "é" and the third starts with its
        // second: the batch's bytes hold a whole character across them, neither record does.
        let input: &[u8] = b"a,caf\xc3\xa9\nb,x\xc3\n\xa9y,z\nc,ok\n";
        let mut records = CsvRecords::new(input, b',');
        let mut batch = CsvRecordBatch::default();
        while records.read_record(&mut batch).expect("read") {}
        let texts = texts_of(&batch);
        let own: Vec<Option<&str>> = batch
            .iter()
            .map(|record| std::str::from_utf8(record.bytes()).ok())
            .collect();
        assert_eq!(texts, own);
        assert_eq!(texts.iter().filter(|text| text.is_none()).count(), 2, "{texts:?}");
        // A batch with an invalid byte elsewhere: each record checked on its own.
        let input: &[u8] = b"a,\xff\nb,fine\n";
        let mut records = CsvRecords::new(input, b',');
        let mut batch = CsvRecordBatch::default();
        while records.read_record(&mut batch).expect("read") {}
        assert_eq!(texts_of(&batch), [None, Some("b,fine")]);
    }

    fn texts_of(batch: &CsvRecordBatch) -> Vec<Option<&str>> {
        let batch_text = batch.text();
        (0..batch.len())
            .map(|index| batch.record_with_text(index, batch_text).expect("record").1)
            .collect()
    }

    #[test]
    fn bytes_equal_to_marks_exactly_the_equal_bytes() {
        let bytes = [b'\n', 0, 0xff, b',', 0x80, b',', 0x2c ^ 0x80, 0x7f];
        let word = u64::from_le_bytes(bytes);
        for target in [b'\n', b',', 0, 0xff, 0x80, 0x7f, b'"'] {
            let expected = bytes
                .iter()
                .enumerate()
                .filter(|(_, byte)| **byte == target)
                .fold(0, |mask, (index, _)| mask | 0x80 << (8 * index));
            assert_eq!(bytes_equal_to(word, target), expected, "{target:#x}");
        }
    }

    #[test]
    fn a_long_line_is_read_whole() {
        let mut input = vec![b'x'; 3 * LONGEST_SPLIT_LINE];
        input.extend_from_slice(b",y\nnext,\"quoted\nline\"\nlast\n");
        let expected = as_csv_reads(&input, b',');
        assert_eq!(expected.len(), 3);
        assert_eq!(as_split(&input, b',', 1 << 12), expected);
        assert_eq!(as_split(&input, b',', 1 << 20), expected);
    }
}
