//! `backfill`: the outputs of every as-of date in a range, from one read of the extracts, plus
//! `series.csv` of the headline figures by date. Sends no email. Much cheaper than separate
//! runs: the extracts are read, parsed and linked once, and by default neither `episodes.csv`
//! nor the workbooks are made for each date.

use std::collections::BTreeMap;
use std::time::Instant;

use tracing::info;

use crate::calendar::as_of_series;
use crate::cli::BackfillArgs;
use crate::commands::guards::over_limit_extracts;
use crate::commands::{load_config, outputs};
use crate::engine::{self, RateRow};
use crate::failure::Failure;
use crate::ingest;
use crate::output::data_quality::data_quality_text;
use crate::output::tables::{SeriesTable, Table};
use crate::output::{csv_writer, parquet_writer, run_directory};
use crate::performance::work_queue::map_on_two_threads;
use crate::progress::Progress;

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
    // Never beside the nightly runs unless asked: `<output.dir>/backfill/` by default.
    let out_root = (arguments.out.clone()).unwrap_or_else(|| config.output_dir.join("backfill"));
    let _lock = run_directory::lock_output_directory(&out_root, config.output_permissions)
        .map_err(|error| Failure::Output(error.into()))?;
    refuse_run_directories(&out_root, &dates)?;

    let started = Instant::now();
    let data = ingest::read_extracts(&config, progress).map_err(|error| Failure::Input(error.into()))?;
    let ingest_ms = started.elapsed().as_millis();
    let over_limit = over_limit_extracts(&data.reports, config.limits.max_rejected_share);
    if !over_limit.is_empty() {
        eprint!("{}", data_quality_text(&data.reports, config.limits.max_rejected_share));
        return Err(Failure::Input(anyhow::anyhow!(
            "too many rejected rows in {} (limit {:.2}% of rows read): nothing written",
            over_limit.join(", "),
            config.limits.max_rejected_share * 100.0
        )));
    }
    let render = |error: anyhow::Error| Failure::Output(error.context("cannot render outputs"));
    let quality = outputs::quality_files(&data, &config).map_err(render)?;
    let detail = outputs::Detail {
        episodes: arguments.with_episodes,
        reports: arguments.with_reports,
        units: arguments.with_units,
    };

    let bar = progress.steps("as-of dates", dates.len() as u64);
    let measures = crate::measures::reported_measures(&data.extracts_read());
    let engine = engine::Engine::new(engine::Knowledge::of(&data, &config, &measures));
    // Two dates at a time: within one date the per-measure threads are uneven, so a second
    // date keeps both cores busy. Only each date's headline rows are kept, for series.csv.
    let one_date = |&as_of: &chrono::NaiveDate| -> Result<Vec<RateRow>, Failure> {
        let started = Instant::now();
        let wanted = engine::Wanted {
            verdicts: arguments.with_episodes,
            evidence: arguments.with_episodes && config.parquet_tables,
            breakdown: arguments.with_units || arguments.with_reports,
        };
        let results = engine.compute(as_of, wanted);
        let measures_ms = started.elapsed().as_millis();
        let staging = run_directory::Staging::create(&out_root, &as_of.to_string(), config.output_permissions)
            .map_err(Failure::Output)?;
        let outputs::ResultFiles {
            mut files, streamed, ..
        } = outputs::result_files(&data, &results, &config, detail, Some(&staging)).map_err(render)?;
        files.extend(quality.clone());
        let timings = BTreeMap::from([("ingest_shared", ingest_ms), ("measures", measures_ms)]);
        let manifest =
            outputs::manifest_file("backfill", &config, &data, as_of, &files, &streamed, timings).map_err(render)?;
        files.insert("manifest.json".into(), manifest);
        staging.write_files(&files).map_err(Failure::Output)?;
        staging.publish().map_err(Failure::Output)?;
        bar.inc(1);
        Ok(results.headline_rows())
    };
    let finished = map_on_two_threads(&dates, one_date)?;
    drop(engine);
    super::release_in_background(data);
    let series_rows: Vec<(chrono::NaiveDate, Vec<RateRow>)> = dates.iter().copied().zip(finished).collect();
    bar.finish_and_clear();
    let series = SeriesTable(&series_rows);
    let bytes = csv_writer::render(&series).map_err(render)?;
    let file_name = format!("{}.csv", series.spec().name);
    let path = run_directory::publish_file(&out_root, &file_name, &bytes, config.output_permissions)
        .map_err(Failure::Output)?;
    if config.parquet_tables {
        let bytes = parquet_writer::render(&series).map_err(render)?;
        let file_name = format!("{}.parquet", series.spec().name);
        run_directory::publish_file(&out_root, &file_name, &bytes, config.output_permissions)
            .map_err(Failure::Output)?;
    }
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

/// A backfill never replaces or deletes a run's directory (outputs.md): before anything is
/// written, every date's directory that already exists must be one a backfill wrote (its
/// manifest says `"command": "backfill"`).
pub(super) fn refuse_run_directories(out_root: &std::path::Path, dates: &[chrono::NaiveDate]) -> Result<(), Failure> {
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
