//! `run`: the nightly job. Reads the extracts, computes every measure, writes the outputs
//! (`docs/outputs.md`) into `<out>/<as_of>/`, and delivers the reports. Each phase is a
//! method of `Night`: prepare, read, check, compute, render, publish, deliver.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use tracing::{info, warn};

use crate::cli::RunArgs;
use crate::commands::guards::{self, over_limit_extracts};
use crate::commands::outputs::{self, Files};
use crate::commands::{as_of_or_yesterday, load_config};
use crate::config::Config;
use crate::delivery::Mailer;
use crate::delivery::Outbox;
use crate::delivery::messages::{OutgoingMessage, report_messages};
use crate::engine::{self, Results};
use crate::failure::Failure;
use crate::ingest::{self, IngestedData};
use crate::metrics::{RowCounts, RunFacts};
use crate::output::run_directory::{self, OutputLock, Staging};
use crate::progress::Progress;
use crate::reports::actions::ActionOrder;

pub fn run(arguments: &RunArgs, today: NaiveDate, progress: Progress) -> Result<(), Failure> {
    let started = Instant::now();
    let config = load_config(&arguments.input, arguments.holidays.as_deref())?;
    let metrics = config.metrics.clone();
    let mut facts = RunFacts::default();
    let result = match Night::prepare(arguments, today, config) {
        Ok(mut night) => {
            let result = night.run(progress);
            facts = std::mem::take(&mut night.facts);
            // The night's files are freed while metrics are pushed and the process ends.
            super::release_in_background(std::mem::take(&mut night.files));
            result
        }
        Err(failure) => Err(failure),
    };
    if !arguments.dry_run
        && let Some(metrics) = metrics
    {
        facts.finished = Some(std::time::SystemTime::now());
        facts.duration = started.elapsed();
        facts.exit_status = result.as_ref().err().map_or(0, Failure::exit_code);
        for problem in crate::metrics::publish(&metrics, &facts) {
            warn!(problem = %problem, "metrics not written");
        }
    }
    result
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
    /// What the metrics say of the run.
    facts: RunFacts,
}

impl<'a> Night<'a> {
    /// As-of date, delivery (credentials included) and the output lock: every configuration
    /// problem is found before any work.
    fn prepare(arguments: &'a RunArgs, today: NaiveDate, config: Config) -> Result<Self, Failure> {
        let as_of = as_of_or_yesterday(arguments.as_of, today);
        let formats = &config.date_formats;
        if !(formats.earliest()..=formats.latest()).contains(&as_of) {
            return Err(Failure::Configuration(anyhow::anyhow!(
                "the as-of date {as_of} is outside the plausible range {} to {} (input.earliest_date, input.latest_date)",
                formats.earliest(),
                formats.latest()
            )));
        }
        let out_root = arguments.out.clone().unwrap_or_else(|| config.output_dir.clone());
        let run_directory = out_root.join(as_of.to_string());
        let mailer = Mailer::prepare(&config, &out_root, arguments.no_email || arguments.dry_run)
            .map_err(|error| Failure::Configuration(error.context("cannot set up delivery")))?;
        let lock = if arguments.dry_run {
            None
        } else {
            Some(
                run_directory::lock_output_directory(&out_root, config.output_permissions)
                    .map_err(|error| Failure::Output(error.into()))?,
            )
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
            facts: RunFacts {
                as_of: Some(as_of),
                ..RunFacts::default()
            },
        })
    }

    /// The night's phases, in order.
    fn run(&mut self, progress: Progress) -> Result<(), Failure> {
        let data = self.read_extracts(progress)?;
        self.archive(&data);
        self.withhold_if_untrustworthy(&data)?;
        let results = self.compute(&data);
        let (staging, messages) = self.render(&data, &results)?;
        let Some(staging) = staging else {
            self.print_dry_run(&results);
            return Ok(());
        };
        self.publish(staging, &results)?;
        super::release_in_background((data, results));
        let delivered = self.deliver_by_smtp(&messages);
        super::release_in_background(messages);
        delivered
    }

    /// Keeps the night's extracts as read in `archive.dir` (not on a dry run). Archiving is a
    /// copy for later: a failure is logged as an error and never changes the night.
    fn archive(&mut self, data: &IngestedData) {
        let (Some(dir), false) = (&self.config.archive_dir, self.arguments.dry_run) else {
            return;
        };
        let started = Instant::now();
        match ingest::archive::archive_night(&self.config, &data.reports, dir, self.as_of) {
            Ok(archived) => {
                for file in &archived {
                    info!(
                        extract = file.extract,
                        path = %file.path.display(),
                        csv_bytes = file.csv_bytes,
                        parquet_bytes = file.parquet_bytes,
                        "extract archived"
                    );
                }
                self.timings.insert("archive", started.elapsed().as_millis());
            }
            Err(error) => tracing::error!(error = format!("{error:#}"), "the night's extracts were not archived"),
        }
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
            self.facts.rows.insert(
                extract.name(),
                RowCounts {
                    read: report.rows_read,
                    accepted: report.rows_accepted,
                    rejected: report.rows_rejected(),
                    orphaned: report.rows_orphaned(),
                },
            );
            if let Some(newest) = report.newest_date {
                self.facts.newest_dates.insert(extract.name(), newest);
            }
            info!(
                extract = extract.name(),
                rows_read = report.rows_read,
                rows_accepted = report.rows_accepted,
                rows_rejected = report.rows_rejected(),
                rows_orphaned = report.rows_orphaned(),
                microseconds_per_row = format!(
                    "{:.3}",
                    report.read_time.as_secs_f64() * 1e6 / report.rows_read.max(1) as f64
                ),
                "extract read"
            );
        }
        let quality = outputs::quality_files(&data, &self.config).map_err(render_failure)?;
        self.files.extend(quality);
        Ok(data)
    }

    /// Withholds the reports when an extract rejected more rows than the configured share, or
    /// is stale, or shrank.
    fn withhold_if_untrustworthy(&mut self, data: &IngestedData) -> Result<(), Failure> {
        let limits = self.config.limits;
        let over_limit = over_limit_extracts(&data.reports, limits.max_rejected_share);
        if !over_limit.is_empty() {
            let failure = format!(
                "too many rejected rows in {} (limit {:.2}% of rows read): reports withheld; see data_quality.txt",
                over_limit.join(", "),
                limits.max_rejected_share * 100.0,
            );
            let quality_text = String::from_utf8_lossy(&self.files["data_quality.txt"]).into_owned();
            let body = format!("{failure}\n\n{quality_text}");
            return Err(self.withhold("too many rejected rows, reports withheld", &body, failure));
        }
        let previous = guards::previous_run(&self.out_root, self.as_of);
        let problems = guards::freshness_problems(&data.reports, self.as_of, &limits, previous.as_ref());
        if problems.is_empty() {
            return Ok(());
        }
        let failure = format!(
            "the extracts are not tonight's: reports withheld.\n  {}",
            problems.join("\n  ")
        );
        let text = format!("as_of {}: {failure}\n", self.as_of);
        let quality = self.files.entry("data_quality.txt".into()).or_default();
        let mut with_freshness = text.clone().into_bytes();
        with_freshness.extend_from_slice(quality);
        *quality = with_freshness;
        Err(self.withhold("stale or shrunken extract, reports withheld", &text, failure))
    }

    /// Alerts operations, writes the data-quality files (never the reports) and returns the
    /// input failure. A complete run directory of the same as-of is never replaced: the files
    /// go to `<as_of>-withheld` beside it instead.
    fn withhold(&mut self, subject: &str, body: &str, failure: String) -> Failure {
        self.mailer.alert(&mut self.files, self.as_of, subject, body);
        if self.arguments.dry_run {
            return Failure::Input(anyhow::anyhow!(failure));
        }
        let keep_complete_run = run_directory::is_complete_run(&self.run_directory);
        let name = if keep_complete_run {
            format!("{}-withheld", self.as_of)
        } else {
            self.as_of.to_string()
        };
        match run_directory::publish(&self.out_root, &name, &self.files, self.config.output_permissions) {
            Err(error) => Failure::Output(error),
            Ok(written) if keep_complete_run => Failure::Input(anyhow::anyhow!(
                "{failure}\nThe complete run directory {} is kept; this attempt's data-quality files are in {}",
                self.run_directory.display(),
                written.display()
            )),
            Ok(_) => Failure::Input(anyhow::anyhow!(failure)),
        }
    }

    fn compute(&mut self, data: &IngestedData) -> Results {
        let started = Instant::now();
        let measures = crate::measures::reported_measures(&data.extracts_read());
        // The deciding dates only for episodes.parquet.
        let wanted = engine::Wanted {
            evidence: self.config.parquet_tables,
            ..engine::Wanted::ALL
        };
        let results =
            engine::Engine::new(engine::Knowledge::of(data, &self.config, &measures)).compute(self.as_of, wanted);
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
            units: true,
        };
        let staging = if self.arguments.dry_run {
            None
        } else {
            Some(
                Staging::create(&self.out_root, &self.as_of.to_string(), self.config.output_permissions)
                    .map_err(Failure::Output)?,
            )
        };
        // The reports' action lists and the workers' messages list their items in one order.
        let action_order = ActionOrder::new(&results.cases);
        // Workers' messages need only the case lists: they are built (and, in the outbox,
        // filed) while the files render, whose last workbooks leave a core idle.
        let (rendered_files, workers) = std::thread::scope(|scope| {
            let workers =
                scope.spawn(|| (self.mailer).workers_mail(&action_order, &data.staff, staging.as_ref(), self.as_of));
            let rendered_files =
                outputs::result_files(data, results, &self.config, detail, &action_order, staging.as_ref());
            let workers = workers.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (rendered_files, workers)
        });
        let outputs::ResultFiles {
            files: result_files,
            mut streamed,
            rendered,
        } = rendered_files.map_err(render_failure)?;
        self.files.extend(result_files);
        let workers = workers.map_err(render_failure)?;
        if let Some(filed) = &workers.filed {
            streamed.insert(filed.file.clone(), filed.sha256.clone());
        }
        let messages = match self.mailer.settings() {
            Some(settings) => {
                let mut plan = report_messages(&rendered, settings, self.as_of).map_err(render_failure)?;
                plan.messages.extend(workers.messages);
                for scope in &plan.unrouted {
                    warn!(report = ?scope, "no recipients are configured for this report: written, not sent");
                }
                if !plan.unknown_routes.is_empty() {
                    self.alert_unknown_routes(&plan.unknown_routes);
                }
                plan.messages
            }
            None => Vec::new(),
        };
        // Outbox messages become files of this run; SMTP ones are sent once the files are on disk.
        if matches!(self.mailer, Mailer::Outbox(_)) {
            let mut outbox = Outbox {
                files: &mut self.files,
                streamed: &mut streamed,
                staging: staging.as_ref(),
            };
            // Only writing the workers' mailbox into the staging directory can fail here: an
            // output failure (nothing is published), not a delivery one.
            let mut report = self
                .mailer
                .deliver(&messages, &mut outbox, self.as_of, self.arguments.resend)
                .map_err(Failure::Output)?;
            report.sent += workers.filed.as_ref().map_or(0, |filed| filed.messages);
            self.facts.messages = Some(report.counts());
        }
        self.timings.insert("render", started.elapsed().as_millis());
        let timings = std::mem::take(&mut self.timings);
        let manifest = outputs::manifest_file("run", &self.config, data, self.as_of, &self.files, &streamed, timings)
            .map_err(render_failure)?;
        self.files.insert("manifest.json".into(), manifest);
        Ok((staging, messages))
    }

    /// Configured routes that name no office of tonight's data: their recipients get nothing,
    /// which nobody would notice without this.
    fn alert_unknown_routes(&mut self, routes: &[String]) {
        for route in routes {
            warn!(route = ?route, "this delivery route names no office in tonight's data: its recipients get nothing");
        }
        let body = format!(
            "These configured routes name no office in tonight's data, so their recipients got no report \
             (a misspelt office, or an office with no episodes?):\n  {}\n",
            routes.join("\n  ")
        );
        self.mailer.alert(
            &mut self.files,
            self.as_of,
            "delivery routes that name no office",
            &body,
        );
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
    /// what could not be delivered, or may not have been.
    fn deliver_by_smtp(&mut self, messages: &[OutgoingMessage]) -> Result<(), Failure> {
        if !matches!(self.mailer, Mailer::Smtp { .. }) {
            return Ok(());
        }
        let mut files = Files::new();
        let mut outbox = Outbox {
            files: &mut files,
            streamed: &mut BTreeMap::new(),
            staging: None,
        };
        let report = match self
            .mailer
            .deliver(messages, &mut outbox, self.as_of, self.arguments.resend)
        {
            Ok(report) => report,
            Err(error) => {
                let body = format!(
                    "The reports are written in {} but nothing was sent: {error:#}\n",
                    self.run_directory.display()
                );
                self.mailer.alert(&mut files, self.as_of, "delivery failed", &body);
                return Err(Failure::Delivery(error));
            }
        };
        self.facts.messages = Some(report.counts());
        if report.failed.is_empty() && report.uncertain.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::new();
        if !report.failed.is_empty() {
            lines.push(format!("{} message(s) could not be delivered:", report.failed.len()));
            lines.extend(report.failed.iter().map(|line| format!("  {line}")));
        }
        if !report.uncertain.is_empty() {
            lines.push(format!(
                "{} message(s) may or may not have been delivered (sent, never confirmed; not resent):",
                report.uncertain.len()
            ));
            lines.extend(report.uncertain.iter().map(|line| format!("  {line}")));
        }
        let body = format!(
            "The reports are written in {}.\n{}\n",
            self.run_directory.display(),
            lines.join("\n")
        );
        self.mailer.alert(&mut files, self.as_of, "delivery failed", &body);
        Err(Failure::Delivery(anyhow::anyhow!(
            "the reports are on disk in {} but delivery did not complete:\n{}",
            self.run_directory.display(),
            lines.join("\n")
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
        let display = crate::measures::find_measure(row.measure)
            .map_or(crate::measures::RateDisplay::Percent, |measure| measure.rate_display());
        println!(
            "  {:<30} {:>8} / {:<8} {}",
            row.measure,
            row.counts.numerator,
            row.counts.denominator,
            display.format(row.counts.rate())
        );
    }
}
