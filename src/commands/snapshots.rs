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
use crate::commands::backfill::{backfill_directory, publish_table, read_checked, render_failure, wanted, write_date};
use crate::commands::outputs;
use crate::config::Config;
use crate::engine::{self, Counts, RateRow};
use crate::failure::Failure;
use crate::ingest::IngestedData;
use crate::output::tables::{Revision, RevisionsTable, SeriesTable};
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
    let Some((newest, newest_directory)) = nights.last().cloned() else {
        return Err(Failure::Configuration(anyhow::anyhow!(
            "{} holds no snapshot (a sub-directory named YYYY-MM-DD)",
            snapshots.display()
        )));
    };
    let dates: Vec<NaiveDate> = nights.iter().map(|(date, _)| *date).collect();
    let (out_root, _lock) = backfill_directory(arguments, config, &dates)?;
    let newest_config = config_reading(config, &newest_directory);
    let newest_data = read_snapshot(&newest_config, newest, progress)?;
    let current = current_figures(&newest_data, &newest_config, &dates);

    let bar = progress.steps("snapshots", nights.len() as u64);
    let mut reported = Vec::with_capacity(nights.len());
    for (as_of, directory) in &nights {
        let started = Instant::now();
        let snapshot_config = config_reading(config, directory);
        let own_data = if *as_of == newest {
            None
        } else {
            Some(read_snapshot(&snapshot_config, *as_of, progress)?)
        };
        let data = own_data.as_ref().unwrap_or(&newest_data);
        let ingest_ms = started.elapsed().as_millis();
        let started = Instant::now();
        let measures = crate::measures::reported_measures(&data.extracts_read());
        let results = engine::Engine::new(engine::Knowledge::of(data, &snapshot_config, &measures))
            .compute(*as_of, wanted(arguments, config));
        let timings = BTreeMap::from([("ingest", ingest_ms), ("measures", started.elapsed().as_millis())]);
        let quality = outputs::quality_files(data, &snapshot_config).map_err(render_failure)?;
        write_date(arguments, &snapshot_config, data, &results, quality, &out_root, timings)?;
        reported.push(results.headline_rows());
        bar.inc(1);
    }
    bar.finish_and_clear();

    let series_rows: Vec<(NaiveDate, Vec<RateRow>)> = dates.iter().copied().zip(reported.iter().cloned()).collect();
    publish_table(&out_root, &SeriesTable(&series_rows), config)?;
    let revisions: Vec<Revision> = (dates.iter().zip(reported.iter().zip(&current)))
        .flat_map(|(&as_of, (reported, current))| revisions_of(as_of, reported, current))
        .collect();
    let path = publish_table(&out_root, &RevisionsTable(&revisions), config)?;
    let moved = (revisions.iter())
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

/// Today's knowledge of every date: the newest snapshot, computed as of each.
fn current_figures(newest: &IngestedData, config: &Config, dates: &[NaiveDate]) -> Vec<Vec<RateRow>> {
    let measures = crate::measures::reported_measures(&newest.extracts_read());
    let engine = engine::Engine::new(engine::Knowledge::of(newest, config, &measures));
    (dates.iter())
        .map(|&as_of| engine.compute(as_of, FIGURES_ONLY).headline_rows())
        .collect()
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

/// One night's extracts (`read_checked`), a failure naming the night.
fn read_snapshot(config: &Config, as_of: NaiveDate, progress: Progress) -> Result<IngestedData, Failure> {
    read_checked(config, progress).map_err(|failure| match failure {
        Failure::Input(error) => Failure::Input(error.context(format!("snapshot {as_of}"))),
        other => other,
    })
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
