//! `backfill`: the outputs of every as-of date in a range, from one read of the extracts, plus
//! `series.csv` of the headline figures by date. Sends no email. Much cheaper than separate
//! runs: the extracts are read, parsed and linked once, and by default neither `episodes.csv`
//! nor the workbooks are made for each date.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tracing::info;

use crate::calendar::as_of_series;
use crate::cli::BackfillArgs;
use crate::commands::guards::over_limit_extracts;
use crate::commands::{load_config, outputs};
use crate::config::Config;
use crate::engine::{self, RateRow};
use crate::failure::Failure;
use crate::ingest::{self, IngestedData};
use crate::output::data_quality::data_quality_text;
use crate::output::tables::{SeriesTable, Table};
use crate::output::{csv_writer, parquet_writer, run_directory};
use crate::performance::work_queue::map_on_two_threads;
use crate::progress::Progress;
use crate::reports::actions::ActionOrder;

pub fn backfill(arguments: &BackfillArgs, progress: Progress) -> Result<(), Failure> {
    let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
    if let Some(snapshots) = &arguments.snapshots {
        return super::snapshots::backfill_from_snapshots(arguments, &config, snapshots, progress);
    }
    let (Some(from), Some(to)) = (arguments.from, arguments.to) else {
        return Err(Failure::Configuration(anyhow::anyhow!(
            "backfill needs --from and --to, or --snapshots"
        )));
    };
    let dates = as_of_series(from, to, arguments.every.into());
    if dates.is_empty() {
        return Err(Failure::Configuration(anyhow::anyhow!(
            "no as-of date between --from {from} and --to {to}"
        )));
    }
    let (out_root, _lock) = backfill_directory(arguments, &config, &dates)?;
    let started = Instant::now();
    let data = read_checked(&config, progress)?;
    let ingest_ms = started.elapsed().as_millis();
    let quality = outputs::quality_files(&data, &config).map_err(render_failure)?;

    let bar = progress.steps("as-of dates", dates.len() as u64);
    let measures = crate::measures::reported_measures(&data.extracts_read());
    let engine = engine::Engine::new(engine::Knowledge::of(&data, &config, &measures));
    // Two dates at a time: within one date the per-measure threads are uneven, so a second
    // date keeps both cores busy. Only each date's headline rows are kept, for series.csv.
    let one_date = |&as_of: &chrono::NaiveDate| -> Result<Vec<RateRow>, Failure> {
        let started = Instant::now();
        let results = engine.compute(as_of, wanted(arguments, &config));
        let timings = BTreeMap::from([
            ("ingest_shared", ingest_ms),
            ("measures", started.elapsed().as_millis()),
        ]);
        write_date(arguments, &config, &data, &results, quality.clone(), &out_root, timings)?;
        bar.inc(1);
        Ok(results.headline_rows())
    };
    let finished = map_on_two_threads(&dates, one_date)?;
    drop(engine);
    super::release_in_background(data);
    let series_rows: Vec<(chrono::NaiveDate, Vec<RateRow>)> = dates.iter().copied().zip(finished).collect();
    bar.finish_and_clear();
    let path = publish_table(&out_root, &SeriesTable(&series_rows), &config)?;
    info!(dates = dates.len(), directory = %out_root.display(), "backfill written");
    println!(
        "wrote {} as-of dates ({} to {}) into {} and the series into {}",
        dates.len(),
        dates[0],
        dates[dates.len() - 1],
        out_root.display(),
        path.display()
    );
    Ok(())
}

// What `backfill` and `backfill --snapshots` share.

pub(super) fn render_failure(error: anyhow::Error) -> Failure {
    Failure::Output(error.context("cannot render outputs"))
}

/// `--out` (by default `<output.dir>/backfill/`: never beside the nightly runs unless asked),
/// locked, and refused when a date's directory is a run's.
pub(super) fn backfill_directory(
    arguments: &BackfillArgs,
    config: &Config,
    dates: &[chrono::NaiveDate],
) -> Result<(PathBuf, run_directory::OutputLock), Failure> {
    let out_root = (arguments.out.clone()).unwrap_or_else(|| config.output_dir.join("backfill"));
    let lock = run_directory::lock_output_directory(&out_root, config.output_permissions)
        .map_err(|error| Failure::Output(error.into()))?;
    refuse_run_directories(&out_root, dates)?;
    Ok((out_root, lock))
}

/// The extracts `config` names; too many rejected rows stop the backfill, as they stop a night.
pub(super) fn read_checked(config: &Config, progress: Progress) -> Result<IngestedData, Failure> {
    let data = ingest::read_extracts(config, progress).map_err(|error| Failure::Input(error.into()))?;
    let over_limit = over_limit_extracts(&data.reports, config.limits.max_rejected_share);
    if !over_limit.is_empty() {
        eprint!("{}", data_quality_text(&data.reports, config.limits.max_rejected_share));
        return Err(Failure::Input(anyhow::anyhow!(
            "too many rejected rows in {} (limit {:.2}% of rows read): nothing written",
            over_limit.join(", "),
            config.limits.max_rejected_share * 100.0
        )));
    }
    Ok(data)
}

/// What the engine makes for each date: episodes' verdicts (and their deciding dates for
/// Parquet) and the unit breakdown only when their files are asked for.
pub(super) fn wanted(arguments: &BackfillArgs, config: &Config) -> engine::Wanted {
    engine::Wanted {
        verdicts: arguments.with_episodes,
        evidence: arguments.with_episodes && config.parquet_tables,
        breakdown: arguments.with_units || arguments.with_reports,
    }
}

/// One date's directory, as a run writes it (no email), with `quality` (the data-quality
/// files of the extracts read).
pub(super) fn write_date(
    arguments: &BackfillArgs,
    config: &Config,
    data: &IngestedData,
    results: &engine::Results,
    quality: outputs::Files,
    out_root: &Path,
    timings: BTreeMap<&'static str, u128>,
) -> Result<(), Failure> {
    let detail = outputs::Detail {
        episodes: arguments.with_episodes,
        reports: arguments.with_reports,
        units: arguments.with_units,
    };
    let as_of = results.as_of;
    let action_order = ActionOrder::new(if detail.reports { &results.cases } else { &[] });
    let staging = run_directory::Staging::create(out_root, &as_of.to_string(), config.output_permissions)
        .map_err(Failure::Output)?;
    let outputs::ResultFiles {
        mut files, streamed, ..
    } = outputs::result_files(data, results, config, detail, &action_order, Some(&staging)).map_err(render_failure)?;
    files.extend(quality);
    let manifest =
        outputs::manifest_file("backfill", config, data, as_of, &files, &streamed, timings).map_err(render_failure)?;
    files.insert("manifest.json".into(), manifest);
    staging.write_files(&files).map_err(Failure::Output)?;
    staging.publish().map_err(Failure::Output)?;
    Ok(())
}

/// Writes `<name>.csv` (and `.parquet` when configured) into `out_root`; the CSV's path.
pub(super) fn publish_table(out_root: &Path, table: &dyn Table, config: &Config) -> Result<PathBuf, Failure> {
    let name = table.spec().name;
    let csv = csv_writer::render(table).map_err(render_failure)?;
    let path = run_directory::publish_file(out_root, &format!("{name}.csv"), &csv, config.output_permissions)
        .map_err(Failure::Output)?;
    if config.parquet_tables {
        let parquet = parquet_writer::render(table).map_err(render_failure)?;
        run_directory::publish_file(
            out_root,
            &format!("{name}.parquet"),
            &parquet,
            config.output_permissions,
        )
        .map_err(Failure::Output)?;
    }
    Ok(path)
}

/// A backfill never replaces or deletes a run's directory (outputs.md): before anything is
/// written, every date's directory that already exists must be one a backfill wrote (its
/// manifest says `"command": "backfill"`).
fn refuse_run_directories(out_root: &std::path::Path, dates: &[chrono::NaiveDate]) -> Result<(), Failure> {
    for date in dates {
        let directory = out_root.join(date.to_string());
        if !directory.exists() {
            continue;
        }
        let manifest = std::fs::read(directory.join("manifest.json")).ok();
        let command = manifest
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|manifest| manifest.get("command")?.as_str().map(str::to_string));
        if command.as_deref() != Some("backfill") {
            return Err(Failure::Configuration(anyhow::anyhow!(
                "{} was written by `{}`, not by a backfill: a backfill never replaces a run's directory; give another --out \
                 (by default a backfill writes under <output.dir>/backfill/)",
                directory.display(),
                command.as_deref().unwrap_or("run (or is not a report directory)")
            )));
        }
    }
    Ok(())
}
