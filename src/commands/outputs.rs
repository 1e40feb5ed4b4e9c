//! The files of one as-of date, shared by `run` and `backfill`: rendering into a map of
//! relative file name → bytes, published afterwards by `output::run_directory` (only
//! `episodes.csv` may be streamed straight into the staging directory).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::config::Config;
use crate::digest::sha256_hex;
use crate::engine::Results;
use crate::ingest::IngestedData;
use crate::output::data_quality::data_quality_text;
use crate::output::manifest::{ConfigurationEntry, Manifest, input_entries};
use crate::output::run_directory::Staging;
use crate::output::tables::{
    CasesTable, DataQualityTable, EpisodesTable, EpisodesWithDecidingDates, EquityTable, MeasuresTable, RejectsTable,
    Table, UnitsTable,
};
use crate::output::{csv_writer, parquet_writer};
use crate::reports::RenderedReport;
use crate::reports::actions::ActionOrder;

pub type Files = BTreeMap<String, Vec<u8>>;

/// `rejects/<extract>.csv`, `data_quality.csv` and `data_quality.txt`.
pub fn quality_files(data: &IngestedData, config: &Config) -> anyhow::Result<Files> {
    let mut files = Files::new();
    for (extract, report) in &data.reports {
        files.insert(
            format!("rejects/{}.csv", extract.name()),
            csv_writer::render(&RejectsTable(report))?,
        );
        if config.parquet_tables {
            files.insert(
                format!("rejects/{}.parquet", extract.name()),
                parquet_writer::render(&RejectsTable(report))?,
            );
        }
    }
    insert_table(&mut files, &DataQualityTable(&data.reports), config)?;
    files.insert(
        "data_quality.txt".into(),
        data_quality_text(&data.reports, config.limits.max_rejected_share).into_bytes(),
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
    /// `units.csv`, when removals carry units or workers (a row per worker and measure: large
    /// at national scale).
    pub units: bool,
}

/// A date's files: those held in memory, and those already streamed to disk.
pub struct ResultFiles {
    pub files: Files,
    /// Files written straight into the staging directory: relative name → SHA-256.
    pub streamed: BTreeMap<String, String>,
    pub rendered: Vec<RenderedReport>,
}

/// `measures.csv`, `cases.csv`, `equity.csv`, and as `detail` asks `episodes.csv` and the
/// workbooks and pages (returned rendered, for delivery; their action lists in
/// `action_order`, which may be empty when `detail` asks for no report). With `staging`,
/// `episodes.csv` (hundreds of MB at national scale) is streamed into it rather than held in
/// memory.
pub fn result_files(
    data: &IngestedData,
    results: &Results,
    config: &Config,
    detail: Detail,
    action_order: &ActionOrder<'_>,
    staging: Option<&Staging>,
) -> anyhow::Result<ResultFiles> {
    let mut files = Files::new();
    let mut streamed = BTreeMap::new();
    // Two cores, three jobs of uneven length: episodes.csv (and .parquet) on a thread of its
    // own from the start; the other tables on another once the case counts are made; the
    // reports on this thread and a helper. The scheduler spreads them.
    let (episodes, tables, rendered) = std::thread::scope(|scope| {
        let episodes = scope.spawn(|| -> anyhow::Result<Option<EpisodesFiles>> {
            detail
                .episodes
                .then(|| episodes_files(scope, data, results, config, staging))
                .transpose()
        });
        // Counted once for every report, and only when one is written.
        let case_counts = crate::engine::CaseCounts::new(if detail.reports { &results.cases } else { &[] });
        let (tables, rendered) = std::thread::scope(|inner| {
            let tables = inner.spawn(|| table_files(data, results, config, detail));
            let rendered = if detail.reports {
                rendered_reports(data, results, config, &case_counts, action_order)
            } else {
                Ok(Vec::new())
            };
            (joined(tables), rendered)
        });
        (joined(episodes), tables, rendered)
    });
    files.extend(tables?);
    if let Some(episodes) = episodes? {
        episodes.add_to(&mut files, &mut streamed);
    }
    let rendered = rendered?;
    for report in &rendered {
        files.insert(report.workbook_name(), report.workbook.clone());
        files.insert(report.page_name(), report.page.clone().into_bytes());
    }
    Ok(ResultFiles {
        files,
        streamed,
        rendered,
    })
}

/// `measures.csv`, `cases.csv`, `equity.csv`, and `units.csv` when `detail` asks for it and
/// removals carry units or workers (each with its `.parquet` when configured).
fn table_files(data: &IngestedData, results: &Results, config: &Config, detail: Detail) -> anyhow::Result<Files> {
    let mut files = Files::new();
    insert_table(&mut files, &MeasuresTable(results), config)?;
    insert_table(&mut files, &CasesTable(results), config)?;
    insert_table(&mut files, &EquityTable(results), config)?;
    if detail.units && data.has_assignments() {
        insert_table(&mut files, &UnitsTable(results), config)?;
    }
    Ok(files)
}

/// A scoped thread's result (its panic, resumed).
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `episodes.csv` and, when configured, `episodes.parquet`.
struct EpisodesFiles {
    csv: EpisodesCsv,
    parquet: Option<Vec<u8>>,
}

impl EpisodesFiles {
    fn add_to(self, files: &mut Files, streamed: &mut BTreeMap<String, String>) {
        if let Some(parquet) = self.parquet {
            files.insert(format!("{EPISODES}.parquet"), parquet);
        }
        match self.csv {
            EpisodesCsv::InMemory(bytes) => {
                files.insert(format!("{EPISODES}.csv"), bytes);
            }
            EpisodesCsv::Streamed(sha256) => {
                streamed.insert(format!("{EPISODES}.csv"), sha256);
            }
        }
    }
}

/// The episodes table's name (`EpisodesTable`'s spec).
const EPISODES: &str = "episodes";

/// `episodes.csv` (streamed into `staging`, or held) and `episodes.parquet` on a thread of its
/// own beside it.
fn episodes_files<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    data: &'scope IngestedData,
    results: &'scope Results,
    config: &'scope Config,
    staging: Option<&Staging>,
) -> anyhow::Result<EpisodesFiles> {
    let table = EpisodesTable {
        episodes: &data.episodes,
        results,
    };
    let parquet = (config.parquet_tables)
        .then(|| scope.spawn(move || parquet_writer::render_episodes(&EpisodesWithDecidingDates(table))));
    let csv = match staging {
        Some(staging) => EpisodesCsv::Streamed(staging.stream_file(&format!("{EPISODES}.csv"), |out| {
            csv_writer::write_episodes(out, &table)
        })?),
        None => EpisodesCsv::InMemory(csv_writer::render(&table)?),
    };
    let parquet = parquet.map(joined).transpose()?;
    Ok(EpisodesFiles { csv, parquet })
}

/// Every workbook and page of the night.
fn rendered_reports(
    data: &IngestedData,
    results: &Results,
    config: &Config,
    case_counts: &crate::engine::CaseCounts<'_>,
    action_order: &ActionOrder<'_>,
) -> anyhow::Result<Vec<RenderedReport>> {
    let office_quality = crate::ingest::office_quality::OfficeQuality::count(data, config);
    crate::reports::render_all(&crate::reports::ReportSources {
        results,
        config,
        extract_reports: &data.reports,
        staff: &data.staff,
        has_assignments: data.has_assignments(),
        case_counts,
        action_order,
        office_quality: &office_quality,
    })
}

/// Adds `<name>.csv` for `table`, and `<name>.parquet` when the configuration asks for it.
fn insert_table(files: &mut Files, table: &dyn Table, config: &Config) -> anyhow::Result<()> {
    let name = table.spec().name;
    files.insert(format!("{name}.csv"), csv_writer::render(table)?);
    if config.parquet_tables {
        files.insert(format!("{name}.parquet"), parquet_writer::render(table)?);
    }
    Ok(())
}

enum EpisodesCsv {
    InMemory(Vec<u8>),
    /// Its SHA-256.
    Streamed(String),
}

/// `manifest.json` for `files` and the `streamed` ones (which it lists with their SHA-256).
pub fn manifest_file(
    command: &'static str,
    config: &Config,
    data: &IngestedData,
    as_of: NaiveDate,
    files: &Files,
    streamed: &BTreeMap<String, String>,
    timings_ms: BTreeMap<&'static str, u128>,
) -> anyhow::Result<Vec<u8>> {
    // 20,000 outbox messages make 200 MB to hash at national scale: both cores, the largest
    // files first.
    let named = crate::output::run_directory::largest_first(files);
    let hashed = crate::performance::work_queue::map_all_on_two_threads(&named, |(name, bytes)| {
        ((*name).clone(), sha256_hex(bytes))
    });
    Manifest {
        as_of: as_of.to_string(),
        command,
        program: env!("CARGO_PKG_NAME"),
        program_version: env!("CARGO_PKG_VERSION"),
        configuration: ConfigurationEntry {
            path: config.source.display().to_string(),
            sha256: config.digest.clone(),
            holidays: config.holidays.dates().map(ToString::to_string).collect(),
        },
        inputs: input_entries(&data.reports),
        outputs: hashed
            .into_iter()
            .chain(streamed.iter().map(|(name, sha256)| (name.clone(), sha256.clone())))
            .collect(),
        timings_ms,
    }
    .to_json()
}
