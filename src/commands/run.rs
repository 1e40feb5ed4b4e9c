//! `run`: the nightly job. Reads the extracts, computes every measure, writes the outputs of
//! `outputs.md` into `<out>/<as_of>/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use tracing::{info, warn};

use crate::cli::RunArgs;
use crate::commands::validate::over_limit_extracts;
use crate::commands::{as_of_or_yesterday, load_config};
use crate::failure::Failure;
use crate::ingest;
use crate::output::manifest::{ConfigurationEntry, Manifest, input_entries};
use crate::output::{self, tables};
use crate::results::{self, STATEWIDE};

pub fn run(arguments: &RunArgs, today: chrono::NaiveDate) -> Result<(), Failure> {
    let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
    let as_of = as_of_or_yesterday(arguments.as_of, today);
    let out_root = arguments.out.clone().unwrap_or_else(|| config.output_dir.clone());
    let run_directory = out_root.join(as_of.to_string());
    let mut timings: BTreeMap<&'static str, u128> = BTreeMap::new();

    let started = Instant::now();
    info!(as_of = %as_of, input_dir = %config.input_dir.display(), "reading extracts");
    let data = match ingest::read_extracts(&config) {
        Ok(data) => data,
        Err(error) => {
            let message = format!("{:#}", anyhow::Error::from(error));
            if !arguments.dry_run {
                let text = format!("as_of {as_of}: reports withheld.\n{message}\n");
                output::write_file_atomically(&run_directory.join("data_quality.txt"), text.as_bytes())
                    .map_err(Failure::Output)?;
            }
            return Err(Failure::Input(anyhow::anyhow!("{message}")));
        }
    };
    timings.insert("ingest", started.elapsed().as_millis());
    for (extract, report) in &data.reports {
        info!(
            extract = extract.name(),
            rows_read = report.rows_read,
            rows_accepted = report.rows_accepted,
            rows_rejected = report.rows_rejected(),
            rows_orphaned = report.rows_orphaned(),
            "extract read"
        );
    }

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let render = |error: anyhow::Error| Failure::Output(error.context("cannot render outputs"));
    for (extract, report) in &data.reports {
        files.insert(
            format!("rejects/{}.csv", extract.name()),
            tables::rejects_csv(report).map_err(render)?,
        );
    }
    files.insert(
        "data_quality.csv".into(),
        tables::data_quality_csv(&data.reports).map_err(render)?,
    );
    files.insert(
        "data_quality.txt".into(),
        tables::data_quality_text(&data.reports, config.max_rejected_share).into_bytes(),
    );

    let over_limit = over_limit_extracts(&data.reports, config.max_rejected_share);
    if !over_limit.is_empty() {
        let failure = anyhow::anyhow!(
            "too many rejected rows in {} (limit {:.2}% of rows read): reports withheld; see {}",
            over_limit.join(", "),
            config.max_rejected_share * 100.0,
            run_directory.join("data_quality.txt").display()
        );
        if !arguments.dry_run {
            write_files(&run_directory, &files).map_err(Failure::Output)?;
        }
        return Err(Failure::Input(failure));
    }

    let started = Instant::now();
    let results = results::compute(&data.episodes, &data.index, &config, as_of);
    timings.insert("measures", started.elapsed().as_millis());

    let started = Instant::now();
    files.insert("measures.csv".into(), tables::measures_csv(&results).map_err(render)?);
    files.insert("cases.csv".into(), tables::cases_csv(&results).map_err(render)?);
    files.insert("equity.csv".into(), tables::equity_csv(&results).map_err(render)?);
    files.insert(
        "episodes.csv".into(),
        tables::episodes_csv(&data.episodes, &results).map_err(render)?,
    );
    files.extend(crate::reports::render_all(&results, &config, &data.reports).map_err(render)?);
    timings.insert("render", started.elapsed().as_millis());

    let manifest = Manifest {
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
            .map(|(name, bytes)| (name.clone(), output::sha256_hex(bytes)))
            .collect(),
        timings_ms: timings,
    };
    files.insert("manifest.json".into(), manifest.to_json().map_err(render)?);

    if arguments.dry_run {
        println!(
            "dry run: nothing written. A run would write into {}:",
            run_directory.display()
        );
        for (name, bytes) in &files {
            println!("  {name} ({} bytes)", bytes.len());
        }
    } else {
        write_files(&run_directory, &files).map_err(Failure::Output)?;
        info!(directory = %run_directory.display(), files = files.len(), "outputs written");
        if !arguments.no_email {
            warn!("email delivery is not available in this version; the reports are on disk only");
        }
    }
    print_statewide_summary(&results);
    Ok(())
}

fn write_files(directory: &Path, files: &BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    for (name, bytes) in files {
        output::write_file_atomically(&directory.join(name), bytes)
            .with_context(|| format!("cannot write the run's outputs into {}", directory.display()))?;
    }
    Ok(())
}

fn print_statewide_summary(results: &results::Results) {
    println!(
        "as of {} (reporting period {} to {}), statewide:",
        results.as_of, results.reporting_period.start, results.reporting_period.end
    );
    for row in results
        .rates
        .iter()
        .filter(|row| row.office == STATEWIDE && row.kind == crate::measures::PeriodKind::Headline)
    {
        let rate = row
            .counts
            .rate()
            .map_or_else(|| "—".to_string(), |rate| format!("{:.1}%", rate * 100.0));
        println!(
            "  {:<22} {:>7} / {:<7} {rate}",
            row.measure, row.counts.numerator, row.counts.denominator
        );
    }
}
