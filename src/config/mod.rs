//! The configuration file: what the TOML may say (`ConfigFile`, parsed with
//! `deny_unknown_fields`), and the validated, resolved `Config` the rest of the program uses.
//!
//! Validation happens before any work starts; every error names the file, the key and what is
//! wrong. `config/permanency.toml` documents every field.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

pub mod delivery;

use crate::FastHashMap;
use crate::calendar::HolidayCalendar;
use crate::date_format::{DateFormats, DatePattern};
use crate::ingest::columns::{Extract, canonical_columns};
use crate::model::{DischargeReason, MeetingStatus, MeetingType, PermanencyGoal};

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
    input: InputSection,
    output: OutputSection,
    #[serde(default)]
    offices: OfficesSection,
    #[serde(default)]
    codes: CodesSection,
    race_ethnicity: RaceEthnicitySection,
    #[serde(default)]
    timeframes: Timeframes,
    #[serde(default)]
    holidays: HolidaysSection,
    #[serde(default)]
    targets: BTreeMap<String, f64>,
    #[serde(default)]
    reports: ReportsSettings,
    #[serde(default)]
    delivery: Option<delivery::DeliverySection>,
}

/// `[reports]`: how the human reports are made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsSettings {
    #[serde(default)]
    pub suppression: SuppressionSettings,
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
struct InputSection {
    dir: PathBuf,
    #[serde(default = "default_removals_file")]
    removals_file: String,
    #[serde(default = "default_notifications_file")]
    notifications_file: String,
    #[serde(default = "default_meetings_file")]
    meetings_file: String,
    #[serde(default = "default_delimiter")]
    delimiter: String,
    date_formats: Vec<String>,
    #[serde(default = "default_earliest_date")]
    earliest_date: String,
    #[serde(default = "default_latest_date")]
    latest_date: String,
    max_rejected_share: f64,
    #[serde(default)]
    columns: ColumnsSection,
}

fn default_removals_file() -> String {
    "removals.csv".into()
}
fn default_notifications_file() -> String {
    "notifications.csv".into()
}
fn default_meetings_file() -> String {
    "meetings.csv".into()
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnsSection {
    #[serde(default)]
    removals: BTreeMap<String, String>,
    #[serde(default)]
    notifications: BTreeMap<String, String>,
    #[serde(default)]
    meetings: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    dir: PathBuf,
    #[serde(default = "default_file_mode")]
    file_mode: String,
    #[serde(default = "default_directory_mode")]
    directory_mode: String,
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
struct OfficesSection {
    #[serde(default)]
    names: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodesSection {
    #[serde(default)]
    discharge_reason: BTreeMap<String, String>,
    #[serde(default)]
    permanency_goal: BTreeMap<String, String>,
    #[serde(default)]
    meeting_type: BTreeMap<String, String>,
    #[serde(default)]
    meeting_status: BTreeMap<String, String>,
    #[serde(default)]
    yes: Vec<String>,
    #[serde(default)]
    no: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RaceEthnicitySection {
    categories: Vec<String>,
    missing: String,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidaysSection {
    #[serde(default)]
    dates: Vec<String>,
}

/// Every timeframe of `measures.md`; the defaults are the spec's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeframes {
    pub reunification_months: u32,
    pub guardianship_months: u32,
    pub adoption_months: u32,
    pub entry_cohort_permanency_months: u32,
    pub short_stay_days: u32,
    pub adult_age_months: u32,
    pub relative_notice_days: u32,
    pub initial_joint_days: u32,
    pub emergency_team_business_days: u32,
    pub teaming_interval_days: u32,
    pub due_soon_days: u32,
}

impl Default for Timeframes {
    fn default() -> Self {
        Self {
            reunification_months: 12,
            guardianship_months: 18,
            adoption_months: 24,
            entry_cohort_permanency_months: 12,
            short_stay_days: 8,
            adult_age_months: 216,
            relative_notice_days: 30,
            initial_joint_days: 5,
            emergency_team_business_days: 2,
            teaming_interval_days: 90,
            due_soon_days: 60,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The validated configuration.

/// How one extract's agency headers map onto canonical columns.
#[derive(Debug, Clone)]
pub struct ExtractInput {
    pub path: PathBuf,
    /// canonical column → the header the agency's file uses.
    pub headers: BTreeMap<&'static str, String>,
}

/// Agency codes (lower-cased, trimmed) → canonical values. Offices and race/ethnicity also
/// hold their spellings as configured, so the common case needs no lower-casing.
#[derive(Debug, Clone, Default)]
pub struct CodeMaps {
    pub discharge_reason: FastHashMap<String, DischargeReason>,
    pub permanency_goal: FastHashMap<String, PermanencyGoal>,
    pub meeting_type: FastHashMap<String, MeetingType>,
    pub meeting_status: FastHashMap<String, MeetingStatus>,
    pub yes_no: FastHashMap<String, bool>,
    /// Office spelling (as configured, and lower-cased) → canonical spelling; empty = any
    /// office accepted.
    pub offices: FastHashMap<String, String>,
    /// Category or alias (as configured, and lower-cased) → category.
    pub race_ethnicity: FastHashMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from, for messages.
    pub source: PathBuf,
    pub input_dir: PathBuf,
    pub removals: ExtractInput,
    pub notifications: ExtractInput,
    pub meetings: ExtractInput,
    pub delimiter: u8,
    pub date_formats: DateFormats,
    pub max_rejected_share: f64,
    pub output_dir: PathBuf,
    pub output_permissions: OutputPermissions,
    /// Offices in the configured order; empty when the file lists none.
    pub offices: Vec<String>,
    pub codes: CodeMaps,
    pub race_categories: Vec<String>,
    pub race_missing_category: String,
    pub timeframes: Timeframes,
    pub holidays: HolidayCalendar,
    pub targets: BTreeMap<String, f64>,
    pub reports: ReportsSettings,
    /// `None` when the file has no `[delivery]` section: reports are written, nothing is sent.
    pub delivery: Option<delivery::DeliverySettings>,
    /// SHA-256 of the configuration file's bytes, for the manifest.
    pub digest: String,
}

impl Config {
    /// Reads, parses and validates `path`. `known_measures` are the registry's ids (targets
    /// may only name those).
    pub fn load(path: &Path, known_measures: &[&str]) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(path, &text, known_measures)
    }

    pub fn from_toml(path: &Path, text: &str, known_measures: &[&str]) -> Result<Self, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: error.to_string().trim_end().to_string(),
        })?;
        let digest = crate::output::sha256_hex(text.as_bytes());
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

    pub fn extract(&self, extract: Extract) -> &ExtractInput {
        match extract {
            Extract::Removals => &self.removals,
            Extract::Notifications => &self.notifications,
            Extract::Meetings => &self.meetings,
        }
    }
}

/// `YYYY-MM-DD`, strictly (configuration, flags and holiday files; no plausibility range).
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    DatePattern::parse("YYYY-MM-DD").ok()?.parse_date(text)
}

struct Validator<'a> {
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

    fn validate(&self, file: ConfigFile, known_measures: &[&str], digest: String) -> Result<Config, ConfigError> {
        // Relative paths in the file are relative to the working directory, like the flags.
        let input = &file.input;
        let delimiter = match input.delimiter.as_bytes() {
            [byte] if byte.is_ascii() && *byte != b'"' && *byte != b'\n' && *byte != b'\r' => *byte,
            _ => {
                return Err(self.invalid(
                    "input.delimiter",
                    format!(
                        "{:?} must be a single ASCII character other than a quote or line end",
                        input.delimiter
                    ),
                ));
            }
        };
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
        let earliest_date = parse_iso_date(&input.earliest_date).ok_or_else(|| {
            self.invalid(
                "input.earliest_date",
                format!("{:?} is not a date in the form YYYY-MM-DD", input.earliest_date),
            )
        })?;
        let latest_date = parse_iso_date(&input.latest_date).ok_or_else(|| {
            self.invalid(
                "input.latest_date",
                format!("{:?} is not a date in the form YYYY-MM-DD", input.latest_date),
            )
        })?;
        if latest_date < earliest_date {
            return Err(self.invalid("input.latest_date", "is before input.earliest_date"));
        }
        if !(0.0..=1.0).contains(&input.max_rejected_share) {
            return Err(self.invalid(
                "input.max_rejected_share",
                format!(
                    "{} is not a share between 0 and 1 (0.05 = 5%)",
                    input.max_rejected_share
                ),
            ));
        }
        let removals = self.extract_input(input, Extract::Removals, &input.removals_file, &input.columns.removals)?;
        let notifications = self.extract_input(
            input,
            Extract::Notifications,
            &input.notifications_file,
            &input.columns.notifications,
        )?;
        let meetings = self.extract_input(input, Extract::Meetings, &input.meetings_file, &input.columns.meetings)?;

        let mut codes = CodeMaps {
            discharge_reason: self.code_map(
                "codes.discharge_reason",
                &file.codes.discharge_reason,
                &DischargeReason::ALL,
                |c| c.canonical_code(),
            )?,
            permanency_goal: self.code_map(
                "codes.permanency_goal",
                &file.codes.permanency_goal,
                &PermanencyGoal::ALL,
                |c| c.canonical_code(),
            )?,
            meeting_type: self.code_map("codes.meeting_type", &file.codes.meeting_type, &MeetingType::ALL, |c| {
                c.canonical_code()
            })?,
            meeting_status: self.code_map(
                "codes.meeting_status",
                &file.codes.meeting_status,
                &MeetingStatus::ALL,
                |c| c.canonical_code(),
            )?,
            ..CodeMaps::default()
        };
        for (flag, spellings, key) in [
            (true, &file.codes.yes, "codes.yes"),
            (false, &file.codes.no, "codes.no"),
        ] {
            let defaults: &[&str] = if flag {
                &["y", "yes", "true", "1"]
            } else {
                &["n", "no", "false", "0"]
            };
            for spelling in defaults.iter().map(|s| s.to_string()).chain(spellings.iter().cloned()) {
                let normalized = normalize_code(&spelling);
                if normalized.is_empty() {
                    return Err(self.invalid(key, "an empty spelling cannot mean yes or no (empty already means N)"));
                }
                if codes.yes_no.insert(normalized, flag) == Some(!flag) {
                    return Err(self.invalid(key, format!("{spelling:?} is listed as both yes and no")));
                }
            }
        }

        let mut offices = Vec::new();
        let mut seen_offices = BTreeSet::new();
        for (index, name) in file.offices.names.iter().enumerate() {
            let trimmed = name.trim();
            if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("Statewide") {
                return Err(self.invalid(
                    format!("offices.names[{index}]"),
                    format!("{name:?} cannot be an office name (empty, or the reserved word Statewide)"),
                ));
            }
            if !seen_offices.insert(normalize_code(trimmed)) {
                return Err(self.invalid(format!("offices.names[{index}]"), format!("{name:?} is listed twice")));
            }
            codes.offices.insert(trimmed.to_string(), trimmed.to_string());
            codes.offices.insert(normalize_code(trimmed), trimmed.to_string());
            offices.push(trimmed.to_string());
        }

        let race = &file.race_ethnicity;
        if race.categories.is_empty() {
            return Err(self.invalid("race_ethnicity.categories", "list at least one reporting category"));
        }
        let mut seen_categories = BTreeSet::new();
        for category in &race.categories {
            if !seen_categories.insert(normalize_code(category)) {
                return Err(self.invalid("race_ethnicity.categories", format!("{category:?} is listed twice")));
            }
            codes.race_ethnicity.insert(category.clone(), category.clone());
            codes.race_ethnicity.insert(normalize_code(category), category.clone());
        }
        if !race.categories.contains(&race.missing) {
            return Err(self.invalid(
                "race_ethnicity.missing",
                format!("{:?} is not one of race_ethnicity.categories", race.missing),
            ));
        }
        for (alias, category) in &race.aliases {
            if !race.categories.contains(category) {
                return Err(self.invalid(
                    format!("race_ethnicity.aliases.{alias:?}"),
                    format!("{category:?} is not one of race_ethnicity.categories"),
                ));
            }
            codes.race_ethnicity.insert(alias.clone(), category.clone());
            codes.race_ethnicity.insert(normalize_code(alias), category.clone());
        }

        self.validate_timeframes(&file.timeframes)?;
        if file.reports.suppression.enabled && file.reports.suppression.threshold == 0 {
            return Err(self.invalid(
                "reports.suppression.threshold",
                "must be at least 1 when suppression is enabled (counts from 1 to the threshold are masked)",
            ));
        }

        let mut holidays = Vec::new();
        for (index, text) in file.holidays.dates.iter().enumerate() {
            let date = parse_iso_date(text).ok_or_else(|| {
                self.invalid(
                    format!("holidays.dates[{index}]"),
                    format!("{text:?} is not a date in the form YYYY-MM-DD"),
                )
            })?;
            holidays.push(date);
        }

        for (measure, target) in &file.targets {
            if !known_measures.contains(&measure.as_str()) {
                return Err(self.invalid(
                    format!("targets.{measure}"),
                    format!("no such measure; the measures are {}", known_measures.join(", ")),
                ));
            }
            if !(0.0..=1.0).contains(target) {
                return Err(self.invalid(
                    format!("targets.{measure}"),
                    format!("{target} is not a rate between 0 and 1 (0.75 = 75%)"),
                ));
            }
        }

        let delivery = file
            .delivery
            .map(|section| delivery::validate(section, &offices).map_err(|(key, message)| self.invalid(key, message)))
            .transpose()?;

        Ok(Config {
            source: self.path.to_path_buf(),
            input_dir: input.dir.clone(),
            removals,
            notifications,
            meetings,
            delimiter,
            date_formats: DateFormats::new(patterns).with_range(earliest_date, latest_date),
            max_rejected_share: input.max_rejected_share,
            output_dir: file.output.dir.clone(),
            output_permissions: OutputPermissions {
                file_mode: self.mode("output.file_mode", &file.output.file_mode)?,
                directory_mode: self.mode("output.directory_mode", &file.output.directory_mode)?,
            },
            offices,
            codes,
            race_categories: race.categories.clone(),
            race_missing_category: race.missing.clone(),
            timeframes: file.timeframes,
            holidays: HolidayCalendar::new(holidays),
            targets: file.targets,
            reports: file.reports,
            delivery,
            digest,
        })
    }

    fn extract_input(
        &self,
        input: &InputSection,
        extract: Extract,
        file_name: &str,
        overrides: &BTreeMap<String, String>,
    ) -> Result<ExtractInput, ConfigError> {
        let section = format!("input.columns.{}", extract.name());
        let canonical = canonical_columns(extract);
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
        if file_name.trim().is_empty() {
            return Err(self.invalid(format!("input.{}_file", extract.name()), "the file name is empty"));
        }
        Ok(ExtractInput {
            path: input.dir.join(file_name),
            headers,
        })
    }

    fn code_map<Code: Copy>(
        &self,
        key: &str,
        aliases: &BTreeMap<String, String>,
        all: &[Code],
        canonical: fn(Code) -> &'static str,
    ) -> Result<FastHashMap<String, Code>, ConfigError> {
        let mut map: FastHashMap<String, Code> = all.iter().map(|&code| (canonical(code).to_string(), code)).collect();
        for (agency_code, target) in aliases {
            let Some(&code) = all.iter().find(|&&code| canonical(code) == target.trim()) else {
                let names: Vec<&str> = all.iter().map(|&code| canonical(code)).collect();
                return Err(self.invalid(
                    format!("{key}.{agency_code:?}"),
                    format!("{target:?} is not a canonical code; use one of {}", names.join(", ")),
                ));
            };
            if normalize_code(agency_code).is_empty() {
                return Err(self.invalid(key, "an agency code cannot be empty"));
            }
            map.insert(normalize_code(agency_code), code);
        }
        Ok(map)
    }

    /// An octal permission string such as "0600".
    fn mode(&self, key: &str, text: &str) -> Result<u32, ConfigError> {
        u32::from_str_radix(text.trim_start_matches("0o"), 8)
            .ok()
            .filter(|mode| *mode <= 0o777)
            .ok_or_else(|| self.invalid(key, format!("{text:?} is not an octal permission such as \"0600\"")))
    }

    fn validate_timeframes(&self, timeframes: &Timeframes) -> Result<(), ConfigError> {
        let checks = [
            ("reunification_months", timeframes.reunification_months, 1, 240),
            ("guardianship_months", timeframes.guardianship_months, 1, 240),
            ("adoption_months", timeframes.adoption_months, 1, 240),
            (
                "entry_cohort_permanency_months",
                timeframes.entry_cohort_permanency_months,
                1,
                240,
            ),
            ("short_stay_days", timeframes.short_stay_days, 0, 366),
            ("adult_age_months", timeframes.adult_age_months, 1, 600),
            ("relative_notice_days", timeframes.relative_notice_days, 0, 366),
            ("initial_joint_days", timeframes.initial_joint_days, 0, 366),
            (
                "emergency_team_business_days",
                timeframes.emergency_team_business_days,
                0,
                60,
            ),
            ("teaming_interval_days", timeframes.teaming_interval_days, 1, 3660),
            ("due_soon_days", timeframes.due_soon_days, 0, 3660),
        ];
        for (name, value, lowest, highest) in checks {
            if !(lowest..=highest).contains(&value) {
                return Err(self.invalid(
                    format!("timeframes.{name}"),
                    format!("{value} is outside the sensible range {lowest}..={highest}"),
                ));
            }
        }
        Ok(())
    }
}

/// Codes compare trimmed and case-insensitively.
pub fn normalize_code(text: &str) -> String {
    text.trim().to_lowercase()
}
