//! The guards that withhold a night's reports (exit status 2) rather than mail figures
//! nobody should believe (`docs/extracts.md`, "Freshness"): too many rejected rows, an extract
//! older than `input.max_staleness_days`, or one that shrank by more than
//! `input.max_row_drop_share` since the run with the latest earlier as-of.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::config::InputLimits;
use crate::extracts::Extract;
use crate::ingest::ExtractReport;

type Reports = BTreeMap<Extract, ExtractReport>;

/// Names of the extracts whose rejected share is above the limit.
pub fn over_limit_extracts(reports: &Reports, max_rejected_share: f64) -> Vec<&'static str> {
    reports
        .iter()
        .filter(|(_, report)| report.rejected_share() > max_rejected_share)
        .map(|(extract, _)| extract.name())
        .collect()
}

/// What is wrong with the night's freshness, one sentence per extract; empty when nothing is.
pub fn freshness_problems(
    reports: &Reports,
    as_of: NaiveDate,
    limits: &InputLimits,
    previous: Option<&PreviousRun>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (extract, report) in reports {
        if report.rows_read > 0
            && let Some(newest) = report.newest_date
            && crate::calendar::days_between(newest, as_of) > i64::from(limits.max_staleness_days)
        {
            problems.push(format!(
                "{} is stale: its newest date is {newest}, {} days before the as-of date {as_of} (input.max_staleness_days = {})",
                extract.name(),
                crate::calendar::days_between(newest, as_of),
                limits.max_staleness_days
            ));
        }
        if let Some(previous) = previous
            && let Some(&before) = previous.rows_read.get(extract.name())
            && (report.rows_read as f64) < before as f64 * (1.0 - limits.max_row_drop_share)
        {
            problems.push(format!(
                "{} shrank: {} rows against {before} in the run as of {} ({:.1}% fewer; input.max_row_drop_share = {:.1}%)",
                extract.name(),
                report.rows_read,
                previous.as_of,
                (1.0 - report.rows_read as f64 / before as f64) * 100.0,
                limits.max_row_drop_share * 100.0
            ));
        }
    }
    problems
}

/// The run with the latest as-of before this one in the same output directory, as its manifest
/// recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousRun {
    pub as_of: NaiveDate,
    /// Rows read, by extract name.
    pub rows_read: BTreeMap<String, u64>,
}

/// The complete run directory (one with a manifest) with the latest as-of before `as_of`.
pub fn previous_run(out_root: &Path, as_of: NaiveDate) -> Option<PreviousRun> {
    let entries = std::fs::read_dir(out_root).ok()?;
    let mut dated: Vec<NaiveDate> = entries
        .flatten()
        .filter_map(|entry| crate::date_format::parse_iso_date(&entry.file_name().to_string_lossy()))
        .filter(|date| *date < as_of)
        .collect();
    dated.sort_unstable();
    dated.into_iter().rev().find_map(|date| {
        let text = std::fs::read_to_string(out_root.join(date.to_string()).join("manifest.json")).ok()?;
        let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
        let inputs = manifest.get("inputs")?.as_object()?;
        let rows_read = inputs
            .iter()
            .filter_map(|(name, input)| Some((name.clone(), input.get("rows_read")?.as_u64()?)))
            .collect();
        Some(PreviousRun { as_of: date, rows_read })
    })
}
