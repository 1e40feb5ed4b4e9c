//! The files of one as-of date, shared by `run` and `backfill`: pure rendering into a map of
//! relative file name → bytes, published afterwards by `output::run_directory`.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::config::Config;
use crate::ingest::IngestedData;
use crate::output::manifest::{ConfigurationEntry, Manifest, input_entries};
use crate::output::{sha256_hex, tables};
use crate::reports::RenderedReport;
use crate::results::Results;

pub type Files = BTreeMap<String, Vec<u8>>;

/// `rejects/<extract>.csv`, `data_quality.csv` and `data_quality.txt`.
pub fn quality_files(data: &IngestedData, config: &Config) -> anyhow::Result<Files> {
    let mut files = Files::new();
    for (extract, report) in &data.reports {
        files.insert(format!("rejects/{}.csv", extract.name()), tables::rejects_csv(report)?);
    }
    files.insert("data_quality.csv".into(), tables::data_quality_csv(&data.reports)?);
    files.insert(
        "data_quality.txt".into(),
        tables::data_quality_text(&data.reports, config.max_rejected_share).into_bytes(),
    );
    Ok(files)
}

/// Which of a date's outputs to make.
#[derive(Debug, Clone, Copy)]
pub struct Detail {
    /// `episodes.csv`: one row per episode (large at national scale).
    pub episodes: bool,
    /// The workbooks and pages.
    pub reports: bool,
}

/// `measures.csv`, `cases.csv`, `equity.csv`, and as `detail` asks `episodes.csv` and the
/// workbooks and pages (returned rendered, for delivery).
pub fn result_files(
    data: &IngestedData,
    results: &Results,
    config: &Config,
    detail: Detail,
) -> anyhow::Result<(Files, Vec<RenderedReport>)> {
    let mut files = Files::new();
    files.insert("measures.csv".into(), tables::measures_csv(results)?);
    files.insert("cases.csv".into(), tables::cases_csv(results)?);
    files.insert("equity.csv".into(), tables::equity_csv(results)?);
    // episodes.csv (hundreds of MB at national scale) is written while the reports render.
    let (episodes_csv, rendered) = std::thread::scope(|scope| {
        let episodes_csv = scope.spawn(|| {
            detail
                .episodes
                .then(|| tables::episodes_csv(&data.episodes, results))
                .transpose()
        });
        let rendered = if detail.reports {
            crate::reports::render_all(results, config, &data.reports)
        } else {
            Ok(Vec::new())
        };
        let episodes_csv = episodes_csv
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (episodes_csv, rendered)
    });
    if let Some(bytes) = episodes_csv? {
        files.insert("episodes.csv".into(), bytes);
    }
    let rendered = rendered?;
    for report in &rendered {
        files.insert(report.workbook_name(), report.workbook.clone());
        files.insert(report.page_name(), report.page.clone().into_bytes());
    }
    Ok((files, rendered))
}

/// `manifest.json` for `files` (which it lists with their SHA-256).
pub fn manifest_file(
    config: &Config,
    data: &IngestedData,
    as_of: NaiveDate,
    files: &Files,
    timings_ms: BTreeMap<&'static str, u128>,
) -> anyhow::Result<Vec<u8>> {
    Manifest {
        as_of: as_of.to_string(),
        program: env!("CARGO_PKG_NAME"),
        program_version: env!("CARGO_PKG_VERSION"),
        configuration: ConfigurationEntry {
            path: config.source.display().to_string(),
            sha256: config.digest.clone(),
            holidays: config.holidays.dates().map(ToString::to_string).collect(),
        },
        inputs: input_entries(&data.reports),
        outputs: files
            .iter()
            .map(|(name, bytes)| (name.clone(), sha256_hex(bytes)))
            .collect(),
        timings_ms,
    }
    .to_json()
}
