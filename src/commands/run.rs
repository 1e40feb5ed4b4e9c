//! `run`: the nightly job. Reads the extracts, computes every measure, writes the outputs of
//! `outputs.md` into `<out>/<as_of>/`, and delivers the reports.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use tracing::{info, warn};

use crate::cli::RunArgs;
use crate::commands::outputs;
use crate::commands::validate::over_limit_extracts;
use crate::commands::{as_of_or_yesterday, load_config};
use crate::delivery::Mailer;
use crate::delivery::messages::report_messages;
use crate::failure::Failure;
use crate::ingest;
use crate::output::run_directory;
use crate::progress::Progress;
use crate::results::{self, STATEWIDE};

pub fn run(arguments: &RunArgs, today: NaiveDate, progress: Progress) -> Result<(), Failure> {
    let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
    let as_of = as_of_or_yesterday(arguments.as_of, today);
    let out_root = arguments.out.clone().unwrap_or_else(|| config.output_dir.clone());
    let run_directory = out_root.join(as_of.to_string());
    let mailer = Mailer::prepare(&config, &out_root, arguments.no_email || arguments.dry_run)
        .map_err(|error| Failure::Configuration(error.context("cannot set up delivery")))?;
    let _lock = if arguments.dry_run {
        None
    } else {
        Some(run_directory::lock_output_directory(&out_root).map_err(|error| Failure::Output(error.into()))?)
    };
    let mut timings: BTreeMap<&'static str, u128> = BTreeMap::new();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();

    let started = Instant::now();
    info!(as_of = %as_of, input_dir = %config.input_dir.display(), "reading extracts");
    let data = match ingest::read_extracts(&config, progress) {
        Ok(data) => data,
        Err(error) => {
            let message = format!("{:#}", anyhow::Error::from(error));
            let text = format!("as_of {as_of}: reports withheld.\n{message}\n");
            files.insert("data_quality.txt".into(), text.clone().into_bytes());
            mailer.alert(&mut files, as_of, "input error, reports withheld", &text);
            write_unless_dry_run(arguments, &out_root, as_of, &files, config.output_permissions)?;
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

    let render = |error: anyhow::Error| Failure::Output(error.context("cannot render outputs"));
    files.extend(outputs::quality_files(&data, &config).map_err(render)?);
    let over_limit = over_limit_extracts(&data.reports, config.max_rejected_share);
    if !over_limit.is_empty() {
        let failure = format!(
            "too many rejected rows in {} (limit {:.2}% of rows read): reports withheld; see {}",
            over_limit.join(", "),
            config.max_rejected_share * 100.0,
            run_directory.join("data_quality.txt").display()
        );
        let quality_text = String::from_utf8_lossy(&files["data_quality.txt"]).into_owned();
        mailer.alert(
            &mut files,
            as_of,
            "too many rejected rows, reports withheld",
            &format!("{failure}\n\n{quality_text}"),
        );
        write_unless_dry_run(arguments, &out_root, as_of, &files, config.output_permissions)?;
        return Err(Failure::Input(anyhow::anyhow!(failure)));
    }

    let started = Instant::now();
    let results = results::compute(&data.episodes, &data.index, &config, as_of);
    timings.insert("measures", started.elapsed().as_millis());

    let started = Instant::now();
    let detail = outputs::Detail {
        episodes: true,
        reports: true,
    };
    // The staging directory exists from here so that episodes.csv can be streamed into it.
    let staging = if arguments.dry_run {
        None
    } else {
        Some(
            run_directory::Staging::create(&out_root, &as_of.to_string(), config.output_permissions)
                .map_err(Failure::Output)?,
        )
    };
    let outputs::ResultFiles {
        files: result_files,
        streamed,
        rendered,
    } = outputs::result_files(&data, &results, &config, detail, staging.as_ref()).map_err(render)?;
    files.extend(result_files);
    let messages = match mailer.settings() {
        Some(settings) => {
            let plan = report_messages(&rendered, settings, as_of).map_err(render)?;
            for scope in &plan.unrouted {
                warn!(report = %scope, "no recipients are configured for this report: written, not sent");
            }
            plan.messages
        }
        None => Vec::new(),
    };
    // Outbox messages become files of this run; SMTP ones are sent once the files are on disk.
    if matches!(mailer, Mailer::Outbox(_)) {
        mailer
            .deliver(&messages, &mut files, as_of, arguments.resend)
            .map_err(Failure::Delivery)?;
    }
    timings.insert("render", started.elapsed().as_millis());
    let manifest = outputs::manifest_file(&config, &data, as_of, &files, &streamed, timings).map_err(render)?;
    files.insert("manifest.json".into(), manifest);

    let Some(staging) = staging else {
        println!(
            "dry run: nothing written or sent. A run would write into {}:",
            run_directory.display()
        );
        for (name, bytes) in &files {
            println!("  {name} ({} bytes)", bytes.len());
        }
        print_statewide_summary(&results);
        return Ok(());
    };
    staging.write_files(&files).map_err(Failure::Output)?;
    staging.publish().map_err(Failure::Output)?;
    info!(directory = %run_directory.display(), files = files.len(), "outputs written");
    print_statewide_summary(&results);
    super::release_in_background((data, results));

    if !matches!(mailer, Mailer::Smtp { .. }) {
        return Ok(());
    }
    let failures = mailer
        .deliver(&messages, &mut files, as_of, arguments.resend)
        .map_err(Failure::Delivery)?;
    if !failures.is_empty() {
        let body = format!(
            "The reports are written in {} but {} message(s) could not be delivered:\n{}\n",
            run_directory.display(),
            failures.len(),
            failures.join("\n")
        );
        let mut alert_files = BTreeMap::new();
        mailer.alert(&mut alert_files, as_of, "delivery failed", &body);
        return Err(Failure::Delivery(anyhow::anyhow!(
            "{} message(s) could not be delivered; the reports are on disk in {}:\n  {}",
            failures.len(),
            run_directory.display(),
            failures.join("\n  ")
        )));
    }
    Ok(())
}

fn write_unless_dry_run(
    arguments: &RunArgs,
    out_root: &Path,
    as_of: NaiveDate,
    files: &BTreeMap<String, Vec<u8>>,
    permissions: crate::config::OutputPermissions,
) -> Result<(), Failure> {
    if arguments.dry_run {
        return Ok(());
    }
    run_directory::publish(out_root, &as_of.to_string(), files, permissions)
        .map(|_| ())
        .map_err(Failure::Output)
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
