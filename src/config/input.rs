//! `[input]`: where the extracts are, how they are written (delimiter, date layouts, header
//! names), and how many rejected rows a night tolerates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{ConfigError, Validator};
use crate::date_format::{DateFormats, DatePattern, parse_iso_date};
use crate::extracts::{Extract, Presence};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InputSection {
    dir: PathBuf,
    #[serde(default)]
    removals_file: Option<String>,
    #[serde(default)]
    notifications_file: Option<String>,
    #[serde(default)]
    meetings_file: Option<String>,
    #[serde(default)]
    placements_file: Option<String>,
    #[serde(default)]
    staff_file: Option<String>,
    #[serde(default = "default_delimiter")]
    delimiter: String,
    date_formats: Vec<String>,
    #[serde(default = "default_earliest_date")]
    earliest_date: String,
    #[serde(default = "default_latest_date")]
    latest_date: String,
    max_rejected_share: f64,
    #[serde(default = "default_max_value_bytes")]
    max_value_bytes: usize,
    #[serde(default = "default_max_staleness_days")]
    max_staleness_days: u32,
    #[serde(default = "default_max_row_drop_share")]
    max_row_drop_share: f64,
    #[serde(default)]
    columns: ColumnsSection,
}

fn default_max_value_bytes() -> usize {
    1024
}
fn default_max_staleness_days() -> u32 {
    3
}
fn default_max_row_drop_share() -> f64 {
    0.05
}

fn default_earliest_date() -> String {
    "1900-01-01".into()
}
fn default_latest_date() -> String {
    "2100-12-31".into()
}
fn default_delimiter() -> String {
    ",".into()
}

/// `[input.columns.<extract>]`: canonical column → the agency's header.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnsSection {
    #[serde(default)]
    removals: BTreeMap<String, String>,
    #[serde(default)]
    notifications: BTreeMap<String, String>,
    #[serde(default)]
    meetings: BTreeMap<String, String>,
    #[serde(default)]
    placements: BTreeMap<String, String>,
    #[serde(default)]
    staff: BTreeMap<String, String>,
}

impl InputSection {
    /// `input.<extract>_file` as written, if any.
    fn file_name(&self, extract: Extract) -> Option<&String> {
        match extract {
            Extract::Removals => self.removals_file.as_ref(),
            Extract::Notifications => self.notifications_file.as_ref(),
            Extract::Meetings => self.meetings_file.as_ref(),
            Extract::Placements => self.placements_file.as_ref(),
            Extract::Staff => self.staff_file.as_ref(),
        }
    }

    /// `[input.columns.<extract>]` as written.
    fn header_overrides(&self, extract: Extract) -> &BTreeMap<String, String> {
        match extract {
            Extract::Removals => &self.columns.removals,
            Extract::Notifications => &self.columns.notifications,
            Extract::Meetings => &self.columns.meetings,
            Extract::Placements => &self.columns.placements,
            Extract::Staff => &self.columns.staff,
        }
    }
}

/// How one extract's agency headers map onto canonical columns.
#[derive(Debug, Clone)]
pub struct ExtractInput {
    pub path: PathBuf,
    /// canonical column → the header the agency's file uses.
    pub headers: BTreeMap<&'static str, String>,
}

/// How much of the input a night tolerates, and how fresh it must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputLimits {
    /// Largest share of an extract's rows that may be rejected.
    pub max_rejected_share: f64,
    /// Longest value in bytes; a longer one rejects its row (memory stays bounded by it).
    pub max_value_bytes: usize,
    /// `as_of` may be at most this many days after the newest date of an extract.
    pub max_staleness_days: u32,
    /// An extract may have at most this share fewer rows than the latest earlier run's.
    pub max_row_drop_share: f64,
}

/// The validated `[input]` section.
pub(super) struct Input {
    pub dir: PathBuf,
    pub extracts: BTreeMap<Extract, ExtractInput>,
    pub delimiter: u8,
    pub date_formats: DateFormats,
    pub limits: InputLimits,
}

impl Validator<'_> {
    pub(super) fn input(&self, input: &InputSection) -> Result<Input, ConfigError> {
        // Relative paths in the file are relative to the working directory, like the flags.
        let delimiter = self.delimiter(&input.delimiter)?;
        let date_formats = self.date_formats(input)?;
        let limits = InputLimits {
            max_rejected_share: self.share("input.max_rejected_share", input.max_rejected_share)?,
            max_value_bytes: self.max_value_bytes(input.max_value_bytes)?,
            max_staleness_days: input.max_staleness_days,
            max_row_drop_share: self.share("input.max_row_drop_share", input.max_row_drop_share)?,
        };
        let mut extracts = BTreeMap::new();
        for extract in Extract::ALL {
            if let Some(configured) = self.extract_input(input, extract)? {
                extracts.insert(extract, configured);
            }
        }
        Ok(Input {
            dir: input.dir.clone(),
            extracts,
            delimiter,
            date_formats,
            limits,
        })
    }

    fn delimiter(&self, text: &str) -> Result<u8, ConfigError> {
        match text.as_bytes() {
            [byte] if byte.is_ascii() && *byte != b'"' && *byte != b'\n' && *byte != b'\r' => Ok(*byte),
            _ => Err(self.invalid(
                "input.delimiter",
                format!("{text:?} must be a single ASCII character other than a quote or line end"),
            )),
        }
    }

    fn date_formats(&self, input: &InputSection) -> Result<DateFormats, ConfigError> {
        if input.date_formats.is_empty() {
            return Err(self.invalid(
                "input.date_formats",
                "list at least one date format, e.g. \"YYYY-MM-DD\"",
            ));
        }
        let mut patterns = Vec::new();
        for (index, text) in input.date_formats.iter().enumerate() {
            let pattern = DatePattern::parse(text)
                .map_err(|message| self.invalid(format!("input.date_formats[{index}]"), message))?;
            patterns.push(pattern);
        }
        let earliest_date = self.iso_date("input.earliest_date", &input.earliest_date)?;
        let latest_date = self.iso_date("input.latest_date", &input.latest_date)?;
        if latest_date < earliest_date {
            return Err(self.invalid("input.latest_date", "is before input.earliest_date"));
        }
        Ok(DateFormats::new(patterns).with_range(earliest_date, latest_date))
    }

    pub(super) fn iso_date(&self, key: &str, text: &str) -> Result<chrono::NaiveDate, ConfigError> {
        parse_iso_date(text).ok_or_else(|| self.invalid(key, format!("{text:?} is not a date in the form YYYY-MM-DD")))
    }

    fn max_value_bytes(&self, bytes: usize) -> Result<usize, ConfigError> {
        // At most a spreadsheet cell's 32,767 characters: every accepted value fits a workbook.
        if (16..=32_767).contains(&bytes) {
            Ok(bytes)
        } else {
            Err(self.invalid(
                "input.max_value_bytes",
                format!("{bytes} is outside the sensible range 16..=32767 (bytes; a spreadsheet cell holds 32,767 characters)"),
            ))
        }
    }

    fn share(&self, key: &str, share: f64) -> Result<f64, ConfigError> {
        if (0.0..=1.0).contains(&share) {
            Ok(share)
        } else {
            Err(self.invalid(key, format!("{share} is not a share between 0 and 1 (0.05 = 5%)")))
        }
    }

    /// The extract's path and header mapping; `None` for an optional extract with no file.
    fn extract_input(&self, input: &InputSection, extract: Extract) -> Result<Option<ExtractInput>, ConfigError> {
        let spec = extract.spec();
        let file_key = format!("input.{}_file", spec.name);
        let file_name = match (input.file_name(extract), spec.default_file) {
            (Some(name), _) => name.as_str(),
            (None, Some(default)) => default,
            (None, None) if spec.presence == Presence::Optional => return Ok(None),
            (None, None) => return Err(self.invalid(file_key, "name the file")),
        };
        if file_name.trim().is_empty() {
            return Err(self.invalid(file_key, "the file name is empty"));
        }
        Ok(Some(ExtractInput {
            path: input.dir.join(file_name),
            headers: self.headers(extract, input.header_overrides(extract))?,
        }))
    }

    fn headers(
        &self,
        extract: Extract,
        overrides: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<&'static str, String>, ConfigError> {
        let section = format!("input.columns.{}", extract.name());
        let canonical = extract.columns();
        let mut headers: BTreeMap<&'static str, String> = canonical
            .iter()
            .map(|column| (column.name, column.name.to_string()))
            .collect();
        for (column, header) in overrides {
            let Some(known) = canonical.iter().find(|known| known.name == column) else {
                let names: Vec<&str> = canonical.iter().map(|known| known.name).collect();
                return Err(self.invalid(
                    format!("{section}.{column}"),
                    format!(
                        "not a column of {}; its columns are {}",
                        extract.name(),
                        names.join(", ")
                    ),
                ));
            };
            if header.trim().is_empty() {
                return Err(self.invalid(format!("{section}.{column}"), "the header name is empty"));
            }
            headers.insert(known.name, header.trim().to_string());
        }
        let mut seen = BTreeSet::new();
        for (column, header) in &headers {
            if !seen.insert(header.to_lowercase()) {
                return Err(self.invalid(
                    format!("{section}.{column}"),
                    format!("header {header:?} is mapped to two columns"),
                ));
            }
        }
        Ok(headers)
    }
}

/// Points every configured extract at the same file name inside `directory` (`--input-dir`).
pub(super) fn move_extracts(extracts: &mut BTreeMap<Extract, ExtractInput>, directory: &Path) {
    for extract in extracts.values_mut() {
        let file_name = extract.path.file_name().map(ToOwned::to_owned).unwrap_or_default();
        extract.path = directory.join(file_name);
    }
}
