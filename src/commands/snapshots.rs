//! `backfill --snapshots DIR`: the figures as they were reported. DIR holds one sub-directory
//! per night, named `YYYY-MM-DD`, with that night's extracts (CSV or Parquet: the archive is
//! such a directory). Each date is computed from its own snapshot as of that date, and again
//! from the newest snapshot; `revisions.csv` puts the two side by side (outputs.md,
//! "Historical extracts"). Sends no email; never writes into a directory a run wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use tracing::info;

use crate::cli::BackfillArgs;
use crate::commands::guards::over_limit_extracts;
use crate::commands::outputs;
use crate::config::Config;
use crate::engine::{self, Counts, RateRow};
use crate::failure::Failure;
use crate::ingest::{self, IngestedData};
use crate::output::tables::{Revision, RevisionsTable, SeriesTable, Table};
use crate::output::{csv_writer, parquet_writer, run_directory};
use crate::progress::Progress;

/// The figures alone, for today's knowledge of a past date.
const FIGURES_ONLY: engine::Wanted = engine::Wanted {
    verdicts: false,
    evidence: false,
    breakdown: false,
};

pub fn backfill_from_snapshots(
    arguments: &BackfillArgs,
    config: &Config,
    snapshots: &Path,
    progress: Progress,
) -> Result<(), Failure> {
    let nights = nights_in(snapshots).map_err(Failure::Configuration)?;
    let Some(&(newest, ref newest_directory)) = nights.last() else {
        return Err(Failure::Configuration(anyhow::anyhow!(
            "{} holds no snapshot (a sub-directory named YYYY-MM-DD)",
            snapshots.display()
        )));
    };
    let out_root = (arguments.out.clone()).unwrap_or_else(|| config.output_dir.join("backfill"));
    let _lock = run_directory::lock_output_directory(&out_root, config.output_permissions)
        .map_err(|error| Failure::Output(error.into()))?;
    let dates: Vec<NaiveDate> = nights.iter().map(|(date, _)| *date).collect();
    super::backfill::refuse_run_directories(&out_root, &dates)?;
    let render = |error: anyhow::Error| Failure::Output(error.context("cannot render outputs"));
    let detail = outputs::Detail {
        episodes: arguments.with_episodes,
        reports: arguments.with_reports,
        units: arguments.with_units,
    };

    // Today's knowledge of every date: the newest snapshot, computed as of each.
    let newest_config = config_reading(config, newest_directory);
    let newest_data = read_snapshot(&newest_config, newest, progress)?;
    let measures = crate::measures::reported_measures(&newest_data.extracts_read());
    let current: Vec<Vec<RateRow>> = {
        let engine = engine::Engine::new(engine::Knowledge::of(&newest_data, &newest_config, &measures));
        dates
            .iter()
            .map(|&as_of| engine.compute(as_of, FIGURES_ONLY).headline_rows())
            .collect()
    };

    let bar = progress.steps("snapshots", nights.len() as u64);
    let mut reported = Vec::with_capacity(nights.len());
    for (as_of, directory) in &nights {
        let started = Instant::now();
        let (snapshot_config, data) = if *as_of == newest {
            (newest_config.clone(), None)
        } else {
            let snapshot_config = config_reading(config, directory);
            let data = read_snapshot(&snapshot_config, *as_of, progress)?;
            (snapshot_config, Some(data))
        };
        let data = data.as_ref().unwrap_or(&newest_data);
        let ingest_ms = started.elapsed().as_millis();
        let started = Instant::now();
        let measures = crate::measures::reported_measures(&data.extracts_read());
        let results = engine::Engine::new(engine::Knowledge::of(data, &snapshot_config, &measures)).compute(
            *as_of,
            engine::Wanted {
                verdicts: arguments.with_episodes,
                evidence: arguments.with_episodes && config.parquet_tables,
                breakdown: arguments.with_units || arguments.with_reports,
            },
        );
        let measures_ms = started.elapsed().as_millis();
        let staging = run_directory::Staging::create(&out_root, &as_of.to_string(), config.output_permissions)
            .map_err(Failure::Output)?;
        let outputs::ResultFiles {
            mut files, streamed, ..
        } = outputs::result_files(data, &results, &snapshot_config, detail, Some(&staging)).map_err(render)?;
        files.extend(outputs::quality_files(data, &snapshot_config).map_err(render)?);
        let timings = BTreeMap::from([("ingest", ingest_ms), ("measures", measures_ms)]);
        let manifest = outputs::manifest_file("backfill", &snapshot_config, data, *as_of, &files, &streamed, timings)
            .map_err(render)?;
        files.insert("manifest.json".into(), manifest);
        staging.write_files(&files).map_err(Failure::Output)?;
        staging.publish().map_err(Failure::Output)?;
        reported.push(results.headline_rows());
        bar.inc(1);
    }
    bar.finish_and_clear();

    let series_rows: Vec<(NaiveDate, Vec<RateRow>)> = dates.iter().copied().zip(reported.iter().cloned()).collect();
    publish_table(&out_root, &SeriesTable(&series_rows), config).map_err(render)?;
    let revisions: Vec<Revision> = (dates.iter().zip(reported.iter().zip(&current)))
        .flat_map(|(&as_of, (reported, current))| revisions_of(as_of, reported, current))
        .collect();
    let path = publish_table(&out_root, &RevisionsTable(&revisions), config).map_err(render)?;
    let moved = revisions
        .iter()
        .filter(|revision| revision.reported != revision.current)
        .count();
    info!(snapshots = nights.len(), moved, directory = %out_root.display(), "snapshot backfill written");
    println!(
        "wrote {} nights ({} to {}) from their snapshots into {}; {} of {} figures moved since they were reported: {}",
        nights.len(),
        dates[0],
        newest,
        out_root.display(),
        moved,
        revisions.len(),
        path.display()
    );
    Ok(())
}

/// The snapshots in `directory`: its sub-directories named as dates, oldest first.
fn nights_in(directory: &Path) -> anyhow::Result<Vec<(NaiveDate, PathBuf)>> {
    let entries = std::fs::read_dir(directory)
        .map_err(|error| anyhow::anyhow!("cannot read the snapshots directory {}: {error}", directory.display()))?;
    let mut nights: Vec<(NaiveDate, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| {
            let date = crate::date_format::parse_iso_date(entry.file_name().to_str()?)?;
            Some((date, entry.path()))
        })
        .collect();
    nights.sort();
    Ok(nights)
}

fn config_reading(config: &Config, directory: &Path) -> Config {
    let mut config = config.clone();
    config.read_extracts_from(directory);
    config
}

/// One night's extracts; too many rejected rows stop the backfill, as they stop a night.
fn read_snapshot(config: &Config, as_of: NaiveDate, progress: Progress) -> Result<IngestedData, Failure> {
    let data = ingest::read_extracts(config, progress)
        .map_err(|error| Failure::Input(anyhow::Error::from(error).context(format!("snapshot {as_of}"))))?;
    let over_limit = over_limit_extracts(&data.reports, config.limits.max_rejected_share);
    if !over_limit.is_empty() {
        return Err(Failure::Input(anyhow::anyhow!(
            "snapshot {as_of}: too many rejected rows in {} (limit {:.2}% of rows read)",
            over_limit.join(", "),
            config.limits.max_rejected_share * 100.0
        )));
    }
    Ok(data)
}

/// Every (measure, office) headline of `as_of`, as reported and as now.
fn revisions_of(as_of: NaiveDate, reported: &[RateRow], current: &[RateRow]) -> Vec<Revision> {
    let counts_of = |rows: &[RateRow]| -> BTreeMap<(&'static str, String), Counts> {
        (rows.iter())
            .map(|row| ((row.measure, row.scope.office_label().to_string()), row.counts))
            .collect()
    };
    let (reported, current) = (counts_of(reported), counts_of(current));
    let mut keys: Vec<&(&'static str, String)> = reported.keys().chain(current.keys()).collect();
    keys.sort_by(|left, right| {
        measure_order(left.0)
            .cmp(&measure_order(right.0))
            .then(left.1.cmp(&right.1))
    });
    keys.dedup();
    keys.into_iter()
        .map(|key| Revision {
            as_of,
            measure: key.0,
            office: key.1.clone(),
            reported: reported.get(key).copied(),
            current: current.get(key).copied(),
        })
        .collect()
}

/// Registry order, as in every other table.
fn measure_order(id: &str) -> usize {
    (crate::measures::REGISTRY.iter())
        .position(|measure| measure.id() == id)
        .unwrap_or(usize::MAX)
}

/// Writes `<name>.csv` (and `.parquet` when configured) into `out_root`; the CSV's path.
fn publish_table(out_root: &Path, table: &dyn Table, config: &Config) -> anyhow::Result<PathBuf> {
    let name = table.spec().name;
    let path = run_directory::publish_file(
        out_root,
        &format!("{name}.csv"),
        &csv_writer::render(table)?,
        config.output_permissions,
    )?;
    if config.parquet_tables {
        run_directory::publish_file(
            out_root,
            &format!("{name}.parquet"),
            &parquet_writer::render(table)?,
            config.output_permissions,
        )?;
    }
    Ok(path)
}
