//! The configuration file: what the TOML may say (`ConfigFile`, parsed with
//! `deny_unknown_fields`), and the validated, resolved `Config` the rest of the program uses.
//!
//! Validation happens before any work starts, one function per section (`input`, `codes`,
//! `delivery`, …); every error names the file, the key and what is wrong.
//! `config/permanency.toml` documents every key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod codes;
pub mod delivery;
mod input;

pub use codes::CodeMaps;
pub use input::{ExtractInput, InputLimits};

use crate::calendar::HolidayCalendar;
use crate::date_format::{DateFormats, parse_iso_date};
use crate::extracts::Extract;
use crate::timeframes::Timeframes;

/// A configuration problem: the program writes nothing and exits with status 1.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("configuration file {path}, key `{key}`: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error("holiday file {path}, line {line}: {message}")]
    HolidayFile {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

// ---------------------------------------------------------------------------------------------
// The file as written.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    input: input::InputSection,
    output: OutputSection,
    #[serde(default)]
    offices: codes::OfficesSection,
    #[serde(default)]
    codes: codes::CodesSection,
    race_ethnicity: codes::RaceEthnicitySection,
    #[serde(default)]
    timeframes: Timeframes,
    #[serde(default)]
    holidays: HolidaysSection,
    #[serde(default)]
    targets: BTreeMap<String, f64>,
    #[serde(default)]
    national: BTreeMap<String, f64>,
    #[serde(default)]
    reports: ReportsSettings,
    #[serde(default)]
    delivery: Option<delivery::DeliverySection>,
    #[serde(default)]
    metrics: Option<MetricsSection>,
    #[serde(default)]
    archive: Option<ArchiveSection>,
}

/// `[archive]`: where each night's extracts are kept as read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveSection {
    dir: PathBuf,
}

/// `[metrics]`: where each run's Prometheus metrics go.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsSection {
    #[serde(default)]
    textfile: Option<PathBuf>,
    #[serde(default)]
    pushgateway: Option<String>,
    #[serde(default = "default_metrics_job")]
    job: String,
    #[serde(default = "default_metrics_timeout_seconds")]
    timeout_seconds: u64,
}

fn default_metrics_job() -> String {
    "permanency-report".into()
}
fn default_metrics_timeout_seconds() -> u64 {
    10
}

/// Validated `[metrics]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    /// A node-exporter textfile (`.prom`), written through a temporary file and a rename.
    pub textfile: Option<PathBuf>,
    /// A Pushgateway base URL, `http://host:9091`.
    pub pushgateway: Option<String>,
    /// The `job` label.
    pub job: String,
    pub timeout: std::time::Duration,
}

/// `[reports]`: how the human reports are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsSettings {
    #[serde(default)]
    pub suppression: SuppressionSettings,
    /// A workbook and page for every unit, not only for those with recipients.
    #[serde(default)]
    pub all_units: bool,
    /// Below this denominator a rate is shown but never judged on or off track.
    #[serde(default = "default_min_denominator")]
    pub min_denominator: u64,
}

fn default_min_denominator() -> u64 {
    10
}

impl Default for ReportsSettings {
    fn default() -> Self {
        Self {
            suppression: SuppressionSettings::default(),
            all_units: false,
            min_denominator: default_min_denominator(),
        }
    }
}

/// `[reports.suppression]`: small-cell suppression for reports that go to a wide audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuppressionSettings {
    pub enabled: bool,
    /// Counts from 1 to this are masked.
    pub threshold: u64,
    /// Which reports are suppressed.
    pub scope: SuppressionScope,
}

impl Default for SuppressionSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            threshold: 10,
            scope: SuppressionScope::Statewide,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionScope {
    /// Only the statewide report (the one that goes to the widest audience).
    Statewide,
    /// Every report, office reports included.
    All,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    dir: PathBuf,
    #[serde(default = "default_formats")]
    formats: Vec<OutputFormat>,
    #[serde(default = "default_file_mode")]
    file_mode: String,
    #[serde(default = "default_directory_mode")]
    directory_mode: String,
}

fn default_formats() -> Vec<OutputFormat> {
    vec![OutputFormat::Csv]
}

/// A format the tables are written in (`output.formats`): CSV always, Parquet besides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Csv,
    Parquet,
}

fn default_file_mode() -> String {
    "0600".into()
}
fn default_directory_mode() -> String {
    "0700".into()
}

/// Unix permissions for everything a run writes (the data is about children).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputPermissions {
    pub file_mode: u32,
    pub directory_mode: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidaysSection {
    #[serde(default)]
    dates: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// The validated configuration.

#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from, for messages.
    pub source: PathBuf,
    pub input_dir: PathBuf,
    /// Every extract to read (the optional ones only when configured).
    pub extracts: BTreeMap<Extract, ExtractInput>,
    pub delimiter: u8,
    pub date_formats: DateFormats,
    pub limits: InputLimits,
    pub output_dir: PathBuf,
    /// Tables are also written as `<name>.parquet` (`output.formats` includes "parquet").
    pub parquet_tables: bool,
    pub output_permissions: OutputPermissions,
    /// Offices in the configured order; empty when the file lists none.
    pub offices: Vec<String>,
    pub codes: CodeMaps,
    pub race_categories: Vec<String>,
    pub race_missing_category: String,
    pub timeframes: Timeframes,
    pub holidays: HolidayCalendar,
    /// Each measure's target as a rate (numerator / denominator: moves per day for a measure
    /// shown per 1,000 days).
    pub targets: BTreeMap<String, f64>,
    /// The national performance beside each federal indicator, as a rate: the defaults of
    /// docs/measures.md with `[national]` over them.
    pub national: BTreeMap<String, f64>,
    pub reports: ReportsSettings,
    /// `None` when the file has no `[delivery]` section: reports are written, nothing is sent.
    pub delivery: Option<delivery::DeliverySettings>,
    /// `None` when the file has no `[metrics]` section.
    pub metrics: Option<MetricsSettings>,
    /// `archive.dir`: each night's extracts are kept there, as read, in Parquet (`archive`).
    pub archive_dir: Option<PathBuf>,
    /// SHA-256 of the configuration file's bytes, for the manifest.
    pub digest: String,
}

/// What the configuration needs to know of a measure (`measures::known_to_configuration`):
/// targets and national figures may only name known measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnownMeasure {
    pub id: &'static str,
    /// Its targets and national figure are written per 1,000 (days), as its rate is shown,
    /// rather than as a fraction.
    pub per_thousand: bool,
    /// The national performance shown beside it unless `[national]` says otherwise, as a rate;
    /// `None` for the state's own policy measures.
    pub national: Option<f64>,
}

impl Config {
    /// Reads, parses and validates `path`. `known_measures` are the registry's measures
    /// (targets and national figures may only name those).
    pub fn load(path: &Path, known_measures: &[KnownMeasure]) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(path, &text, known_measures)
    }

    pub fn from_toml(path: &Path, text: &str, known_measures: &[KnownMeasure]) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: error.to_string().trim_end().to_string(),
        })?;
        let digest = crate::digest::sha256_hex(text.as_bytes());
        Validator { path }.validate(file, known_measures, digest)
    }

    /// Replaces the holiday list with the dates in `path` (`--holidays FILE`): ISO dates, one a
    /// line; blank lines and lines starting with `#` are skipped.
    pub fn replace_holidays_from_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let mut dates = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let date = parse_iso_date(line).ok_or_else(|| ConfigError::HolidayFile {
                path: path.to_path_buf(),
                line: index + 1,
                message: format!("{line:?} is not a date in the form YYYY-MM-DD"),
            })?;
            dates.push(date);
        }
        self.holidays = HolidayCalendar::new(dates);
        Ok(())
    }

    /// `--input-dir`: every extract is read from `directory`, under its configured file name.
    pub fn read_extracts_from(&mut self, directory: &Path) {
        self.input_dir = directory.to_path_buf();
        input::move_extracts(&mut self.extracts, directory);
    }

    /// Where and how to read `extract`; `None` when it is optional and not configured.
    pub fn extract(&self, extract: Extract) -> Option<&ExtractInput> {
        self.extracts.get(&extract)
    }
}

/// Validates the file section by section; each section's checks are in its own module.
pub(crate) struct Validator<'a> {
    path: &'a Path,
}

impl Validator<'_> {
    fn invalid(&self, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            key: key.into(),
            message: message.into(),
        }
    }

    fn validate(
        &self,
        file: ConfigFile,
        known_measures: &[KnownMeasure],
        digest: String,
    ) -> Result<Config, ConfigError> {
        let input = self.input(&file.input)?;
        let mut codes = self.codes(&file.codes)?;
        let offices = self.offices(&file.offices, &mut codes)?;
        let race = self.race_categories(&file.race_ethnicity, &mut codes)?;
        if let Some((key, message)) = file.timeframes.out_of_range() {
            return Err(self.invalid(format!("timeframes.{key}"), message));
        }
        if file.timeframes.in_care_band_months >= file.timeframes.in_care_long_band_months {
            return Err(self.invalid(
                "timeframes.in_care_long_band_months",
                "must be more than timeframes.in_care_band_months (the 12–23 months band ends where the 24+ band begins)",
            ));
        }
        self.reports(&file.reports)?;
        if !file.output.formats.contains(&OutputFormat::Csv) {
            return Err(self.invalid(
                "output.formats",
                "must include \"csv\" (the reports and checks read the CSV tables): [\"csv\"] or [\"csv\", \"parquet\"]",
            ));
        }
        let holidays = self.holidays(&file.holidays)?;
        let targets = self.goals("targets", &file.targets, known_measures, |_| true)?;
        let mut national: BTreeMap<String, f64> = (known_measures.iter())
            .filter_map(|measure| Some((measure.id.to_string(), measure.national?)))
            .collect();
        national.extend(self.goals("national", &file.national, known_measures, |measure| {
            measure.national.is_some()
        })?);
        let delivery = file
            .delivery
            .map(|section| delivery::validate(section, &offices).map_err(|(key, message)| self.invalid(key, message)))
            .transpose()?;
        let metrics = file.metrics.map(|section| self.metrics(section)).transpose()?;
        let archive_dir = file.archive.map(|section| section.dir);
        Ok(Config {
            source: self.path.to_path_buf(),
            input_dir: input.dir,
            extracts: input.extracts,
            delimiter: input.delimiter,
            date_formats: input.date_formats,
            limits: input.limits,
            output_dir: file.output.dir.clone(),
            parquet_tables: file.output.formats.contains(&OutputFormat::Parquet),
            output_permissions: self.output_permissions(&file.output)?,
            offices,
            codes,
            race_categories: race.categories,
            race_missing_category: race.missing,
            timeframes: file.timeframes,
            holidays,
            targets,
            national,
            reports: file.reports,
            delivery,
            metrics,
            archive_dir,
            digest,
        })
    }

    fn metrics(&self, section: MetricsSection) -> Result<MetricsSettings, ConfigError> {
        if section.textfile.is_none() && section.pushgateway.is_none() {
            return Err(self.invalid("metrics", "name a textfile, a pushgateway, or both"));
        }
        if let Some(url) = &section.pushgateway
            && !url.starts_with("http://")
        {
            return Err(self.invalid(
                "metrics.pushgateway",
                format!("{url:?} must be a plain http:// URL such as \"http://127.0.0.1:9091\""),
            ));
        }
        let job_is_plain = |character: char| character.is_ascii_alphanumeric() || "_.-".contains(character);
        if section.job.is_empty() || !section.job.chars().all(job_is_plain) {
            return Err(self.invalid(
                "metrics.job",
                format!("{:?} must be letters, digits, '_', '.' or '-'", section.job),
            ));
        }
        if section.timeout_seconds == 0 {
            return Err(self.invalid("metrics.timeout_seconds", "must be at least 1"));
        }
        Ok(MetricsSettings {
            textfile: section.textfile,
            pushgateway: section.pushgateway,
            job: section.job,
            timeout: std::time::Duration::from_secs(section.timeout_seconds),
        })
    }

    fn reports(&self, reports: &ReportsSettings) -> Result<(), ConfigError> {
        if reports.suppression.enabled && reports.suppression.threshold == 0 {
            return Err(self.invalid(
                "reports.suppression.threshold",
                "must be at least 1 when suppression is enabled (counts from 1 to the threshold are masked)",
            ));
        }
        Ok(())
    }

    fn holidays(&self, section: &HolidaysSection) -> Result<HolidayCalendar, ConfigError> {
        let mut holidays = Vec::new();
        for (index, text) in section.dates.iter().enumerate() {
            holidays.push(self.iso_date(&format!("holidays.dates[{index}]"), text)?);
        }
        Ok(HolidayCalendar::new(holidays))
    }

    /// `[targets]` or `[national]` (`section`), as rates: each key a known measure for which
    /// `allowed` holds, each value a fraction (0.75 = 75%), or per 1,000 for a measure shown
    /// per 1,000 days.
    fn goals(
        &self,
        section: &str,
        goals: &BTreeMap<String, f64>,
        known_measures: &[KnownMeasure],
        allowed: impl Fn(&KnownMeasure) -> bool,
    ) -> Result<BTreeMap<String, f64>, ConfigError> {
        let mut rates = BTreeMap::new();
        for (measure, value) in goals {
            let key = format!("{section}.{measure}");
            let Some(known) = known_measures.iter().find(|known| known.id == measure) else {
                let ids: Vec<&str> = known_measures.iter().map(|known| known.id).collect();
                return Err(self.invalid(key, format!("no such measure; the measures are {}", ids.join(", "))));
            };
            if !allowed(known) {
                let ids: Vec<&str> = (known_measures.iter())
                    .filter(|known| allowed(known))
                    .map(|known| known.id)
                    .collect();
                return Err(self.invalid(
                    key,
                    format!("national figures are for the federal indicators: {}", ids.join(", ")),
                ));
            }
            let rate = if known.per_thousand {
                (value.is_finite() && *value >= 0.0)
                    .then(|| value / 1000.0)
                    .ok_or_else(|| self.invalid(&key, format!("{value} is not a number of events per 1,000 days")))?
            } else {
                (0.0..=1.0)
                    .contains(value)
                    .then_some(*value)
                    .ok_or_else(|| self.invalid(&key, format!("{value} is not a rate between 0 and 1 (0.75 = 75%)")))?
            };
            rates.insert(measure.clone(), rate);
        }
        Ok(rates)
    }

    fn output_permissions(&self, output: &OutputSection) -> Result<OutputPermissions, ConfigError> {
        Ok(OutputPermissions {
            file_mode: self.mode("output.file_mode", &output.file_mode)?,
            directory_mode: self.mode("output.directory_mode", &output.directory_mode)?,
        })
    }

    /// An octal permission string such as "0600".
    fn mode(&self, key: &str, text: &str) -> Result<u32, ConfigError> {
        u32::from_str_radix(text.trim_start_matches("0o"), 8)
            .ok()
            .filter(|mode| *mode <= 0o777)
            .ok_or_else(|| self.invalid(key, format!("{text:?} is not an octal permission such as \"0600\"")))
    }
}

/// Codes compare trimmed and case-insensitively.
pub fn normalize_code(text: &str) -> String {
    text.trim().to_lowercase()
}
