//! `run`: the nightly job. Reads the extracts, computes every measure, writes the outputs
//! (`docs/outputs.md`) into `<out>/<as_of>/`, and delivers the reports. Each phase is a
//! method of `Night`: prepare, read, check, compute, render, publish, deliver.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use tracing::{info, warn};

use crate::cli::RunArgs;
use crate::commands::outputs::{self, Files};
use crate::commands::validate::over_limit_extracts;
use crate::commands::{as_of_or_yesterday, load_config};
use crate::config::Config;
use crate::delivery::Mailer;
use crate::delivery::messages::{OutgoingMessage, report_messages};
use crate::engine::{self, Results};
use crate::failure::Failure;
use crate::ingest::{self, IngestedData};
use crate::output::run_directory::{self, OutputLock, Staging};
use crate::progress::Progress;

pub fn run(arguments: &RunArgs, today: NaiveDate, progress: Progress) -> Result<(), Failure> {
    let mut night = Night::prepare(arguments, today)?;
    let data = night.read_extracts(progress)?;
    night.withhold_if_too_many_rejected(&data)?;
    let results = night.compute(&data);
    let (staging, messages) = night.render(&data, &results)?;
    let Some(staging) = staging else {
        night.print_dry_run(&results);
        return Ok(());
    };
    night.publish(staging, &results)?;
    super::release_in_background((data, results));
    night.deliver_by_smtp(&messages)
}

/// One night's run: what it was asked, what it has made so far.
struct Night<'a> {
    arguments: &'a RunArgs,
    config: Config,
    as_of: NaiveDate,
    out_root: PathBuf,
    run_directory: PathBuf,
    mailer: Mailer,
    /// Held until the run ends; `None` in a dry run, which writes nothing.
    _lock: Option<OutputLock>,
    timings: BTreeMap<&'static str, u128>,
    files: Files,
}

impl<'a> Night<'a> {
    /// Configuration, as-of date, delivery (credentials included) and the output lock: every
    /// configuration problem is found before any work.
    fn prepare(arguments: &'a RunArgs, today: NaiveDate) -> Result<Self, Failure> {
        let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
        let as_of = as_of_or_yesterday(arguments.as_of, today);
        let out_root = arguments.out.clone().unwrap_or_else(|| config.output_dir.clone());
        let run_directory = out_root.join(as_of.to_string());
        let mailer = Mailer::prepare(&config, &out_root, arguments.no_email || arguments.dry_run)
            .map_err(|error| Failure::Configuration(error.context("cannot set up delivery")))?;
        let lock = if arguments.dry_run {
            None
        } else {
            Some(run_directory::lock_output_directory(&out_root).map_err(|error| Failure::Output(error.into()))?)
        };
        Ok(Self {
            arguments,
            config,
            as_of,
            out_root,
            run_directory,
            mailer,
            _lock: lock,
            timings: BTreeMap::new(),
            files: Files::new(),
        })
    }

    /// Reads and links the extracts; an extract that cannot be read withholds the reports.
    fn read_extracts(&mut self, progress: Progress) -> Result<IngestedData, Failure> {
        let started = Instant::now();
        info!(as_of = %self.as_of, input_dir = %self.config.input_dir.display(), "reading extracts");
        let data = match ingest::read_extracts(&self.config, progress) {
            Ok(data) => data,
            Err(error) => {
                let message = format!("{:#}", anyhow::Error::from(error));
                let text = format!("as_of {}: reports withheld.\n{message}\n", self.as_of);
                self.files.insert("data_quality.txt".into(), text.clone().into_bytes());
                return Err(self.withhold("input error, reports withheld", &text, message));
            }
        };
        self.timings.insert("ingest", started.elapsed().as_millis());
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
        let quality = outputs::quality_files(&data, &self.config).map_err(render_failure)?;
        self.files.extend(quality);
        Ok(data)
    }

    /// Withholds the reports when an extract rejected more rows than the configured share.
    fn withhold_if_too_many_rejected(&mut self, data: &IngestedData) -> Result<(), Failure> {
        let over_limit = over_limit_extracts(&data.reports, self.config.max_rejected_share);
        if over_limit.is_empty() {
            return Ok(());
        }
        let failure = format!(
            "too many rejected rows in {} (limit {:.2}% of rows read): reports withheld; see {}",
            over_limit.join(", "),
            self.config.max_rejected_share * 100.0,
            self.run_directory.join("data_quality.txt").display()
        );
        let quality_text = String::from_utf8_lossy(&self.files["data_quality.txt"]).into_owned();
        let body = format!("{failure}\n\n{quality_text}");
        Err(self.withhold("too many rejected rows, reports withheld", &body, failure))
    }

    /// Alerts operations, writes the data-quality files (never the reports) and returns the
    /// input failure.
    fn withhold(&mut self, subject: &str, body: &str, failure: String) -> Failure {
        self.mailer.alert(&mut self.files, self.as_of, subject, body);
        if !self.arguments.dry_run
            && let Err(error) = run_directory::publish(
                &self.out_root,
                &self.as_of.to_string(),
                &self.files,
                self.config.output_permissions,
            )
        {
            return Failure::Output(error);
        }
        Failure::Input(anyhow::anyhow!(failure))
    }

    fn compute(&mut self, data: &IngestedData) -> Results {
        let started = Instant::now();
        let results = engine::compute(&data.episodes, &data.index, &self.config, self.as_of);
        self.timings.insert("measures", started.elapsed().as_millis());
        results
    }

    /// Renders every file (streaming `episodes.csv` into the staging directory, which a dry run
    /// does not create), plans the messages, and adds outbox messages and the manifest.
    fn render(
        &mut self,
        data: &IngestedData,
        results: &Results,
    ) -> Result<(Option<Staging>, Vec<OutgoingMessage>), Failure> {
        let started = Instant::now();
        let detail = outputs::Detail {
            episodes: true,
            reports: true,
        };
        let staging = if self.arguments.dry_run {
            None
        } else {
            Some(
                Staging::create(&self.out_root, &self.as_of.to_string(), self.config.output_permissions)
                    .map_err(Failure::Output)?,
            )
        };
        let outputs::ResultFiles {
            files: result_files,
            streamed,
            rendered,
        } = outputs::result_files(data, results, &self.config, detail, staging.as_ref()).map_err(render_failure)?;
        self.files.extend(result_files);
        let messages = match self.mailer.settings() {
            Some(settings) => {
                let plan = report_messages(&rendered, settings, self.as_of).map_err(render_failure)?;
                for scope in &plan.unrouted {
                    warn!(report = %scope, "no recipients are configured for this report: written, not sent");
                }
                plan.messages
            }
            None => Vec::new(),
        };
        // Outbox messages become files of this run; SMTP ones are sent once the files are on disk.
        if matches!(self.mailer, Mailer::Outbox(_)) {
            self.mailer
                .deliver(&messages, &mut self.files, self.as_of, self.arguments.resend)
                .map_err(Failure::Delivery)?;
        }
        self.timings.insert("render", started.elapsed().as_millis());
        let timings = std::mem::take(&mut self.timings);
        let manifest = outputs::manifest_file(&self.config, data, self.as_of, &self.files, &streamed, timings)
            .map_err(render_failure)?;
        self.files.insert("manifest.json".into(), manifest);
        Ok((staging, messages))
    }

    fn print_dry_run(&self, results: &Results) {
        println!(
            "dry run: nothing written or sent. A run would write into {}:",
            self.run_directory.display()
        );
        for (name, bytes) in &self.files {
            println!("  {name} ({} bytes)", bytes.len());
        }
        print_statewide_summary(results);
    }

    /// Writes the files into the staging directory and renames it into place.
    fn publish(&self, staging: Staging, results: &Results) -> Result<(), Failure> {
        staging.write_files(&self.files).map_err(Failure::Output)?;
        staging.publish().map_err(Failure::Output)?;
        info!(directory = %self.run_directory.display(), files = self.files.len(), "outputs written");
        print_statewide_summary(results);
        Ok(())
    }

    /// Sends the messages through SMTP, now that the files are on disk; alerts operations of
    /// what could not be delivered.
    fn deliver_by_smtp(&self, messages: &[OutgoingMessage]) -> Result<(), Failure> {
        if !matches!(self.mailer, Mailer::Smtp { .. }) {
            return Ok(());
        }
        let mut files = Files::new();
        let failures = self
            .mailer
            .deliver(messages, &mut files, self.as_of, self.arguments.resend)
            .map_err(Failure::Delivery)?;
        if failures.is_empty() {
            return Ok(());
        }
        let body = format!(
            "The reports are written in {} but {} message(s) could not be delivered:\n{}\n",
            self.run_directory.display(),
            failures.len(),
            failures.join("\n")
        );
        self.mailer.alert(&mut files, self.as_of, "delivery failed", &body);
        Err(Failure::Delivery(anyhow::anyhow!(
            "{} message(s) could not be delivered; the reports are on disk in {}:\n  {}",
            failures.len(),
            self.run_directory.display(),
            failures.join("\n  ")
        )))
    }
}

fn render_failure(error: anyhow::Error) -> Failure {
    Failure::Output(error.context("cannot render outputs"))
}

fn print_statewide_summary(results: &Results) {
    println!(
        "as of {} (reporting period {} to {}), statewide:",
        results.as_of, results.reporting_period.start, results.reporting_period.end
    );
    for row in results
        .rates
        .iter()
        .filter(|row| row.scope == crate::scope::Scope::Statewide && row.kind == crate::measures::PeriodKind::Headline)
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
