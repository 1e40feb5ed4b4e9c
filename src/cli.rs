//! The command line of `docs/outputs.md`. Flags override the configuration file.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "permanency-report",
    version,
    about = "Timely-permanency, relative-notice and teaming measures per area office, from the nightly extracts",
    after_help = "Exit status: 0 reports written and delivered; 1 usage or configuration error (nothing written);\n\
                  2 input error (reports withheld, data-quality report written); 3 delivery failed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log format on stderr: readable text, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute every measure and write the night's outputs into <out>/<as_of>/.
    #[command(
        after_help = "Examples:\n  permanency-report run\n  permanency-report run --as-of 2026-10-31 --input-dir /data/extracts --out /data/reports --no-email"
    )]
    Run(RunArgs),

    /// Read the extracts and print a data-quality summary; exit 2 when too many rows are rejected.
    #[command(after_help = "Example:\n  permanency-report validate --input-dir /data/extracts")]
    Validate(InputArgs),

    /// Write realistic synthetic extracts in the canonical schema (deterministic for a seed).
    #[command(after_help = "Example:\n  permanency-report generate --children 2000 --seed 7 --out sample-data")]
    Generate(GenerateArgs),

    /// Rebuild the outputs of every as-of date in a range, reading the extracts once; no email.
    #[command(
        after_help = "Example:\n  permanency-report backfill --from 2024-01-31 --to 2026-10-31 --every month --out history"
    )]
    Backfill(BackfillArgs),

    /// Show, for one episode, each measure's verdict and the dates that decided it.
    #[command(after_help = "Example:\n  permanency-report explain --removal-id R0000123 --as-of 2026-10-31")]
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Configuration file.
    #[arg(long, default_value = "config/permanency.toml")]
    pub config: PathBuf,

    /// Directory holding the extracts (overrides `input.dir`).
    #[arg(long)]
    pub input_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The date the report describes (default: yesterday).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,

    /// Output directory; the run writes into <out>/<as_of>/ (overrides `output.dir`).
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// File of holidays, ISO dates one a line; replaces the configured list.
    #[arg(long)]
    pub holidays: Option<PathBuf>,

    /// Write the reports but send no email.
    #[arg(long)]
    pub no_email: bool,

    /// Compute everything and print what would be written; write and send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Send every message again, even those the delivery ledger says were accepted.
    #[arg(long)]
    pub resend: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("dates").required(true).args(["from", "snapshots"])))]
pub struct BackfillArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The first as-of date (with --to: every date from one read of today's extracts).
    #[arg(long, value_parser = parse_date, requires = "to", conflicts_with = "snapshots")]
    pub from: Option<NaiveDate>,

    /// The last as-of date (inclusive).
    #[arg(long, value_parser = parse_date, requires = "from")]
    pub to: Option<NaiveDate>,

    /// A directory of nightly snapshots, one sub-directory per night named YYYY-MM-DD (CSV or
    /// Parquet extracts, e.g. the archive): each date from its own snapshot, and revisions.csv.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub snapshots: Option<PathBuf>,

    /// How often to take an as-of date.
    #[arg(long, value_enum, default_value_t = EveryArg::Month)]
    pub every: EveryArg,

    /// Output directory (default `<output.dir>/backfill`): <out>/<as_of>/ for each date,
    /// <out>/series.csv (and revisions.csv with --snapshots).
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// File of holidays, ISO dates one a line; replaces the configured list.
    #[arg(long)]
    pub holidays: Option<PathBuf>,

    /// Also write episodes.csv for each date (one row per episode: large at scale).
    #[arg(long)]
    pub with_episodes: bool,

    /// Also write the workbooks and pages for each date.
    #[arg(long)]
    pub with_reports: bool,

    /// Also write units.csv for each date (a row per worker and measure: large at scale).
    #[arg(long)]
    pub with_units: bool,
}

/// `--every`: how often `backfill` takes an as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EveryArg {
    /// Monthly: the same day each month (clamped), or each month's last day when `from` is one.
    Month,
    /// Weekly: every 7 days.
    Week,
}

impl From<EveryArg> for crate::calendar::Every {
    fn from(every: EveryArg) -> Self {
        match every {
            EveryArg::Month => Self::Month,
            EveryArg::Week => Self::Week,
        }
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of children.
    #[arg(long)]
    pub children: u64,

    /// Random seed; the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Directory to write removals.csv, notifications.csv and meetings.csv into.
    #[arg(long)]
    pub out: PathBuf,

    /// The last date in the data (default 2026-10-31, so the sample is stable).
    #[arg(long, value_parser = parse_date)]
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("episodes").required(true).multiple(true).args(["removal_id", "ids"])))]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The episodes to explain (repeat the flag, or give several ids after it).
    #[arg(long, num_args = 1..)]
    pub removal_id: Vec<String>,

    /// A file of removal ids, one a line (a first line `removal_id` is a header).
    #[arg(long)]
    pub ids: Option<PathBuf>,

    /// `text`: a paragraph per measure; `csv`: one row per episode and measure.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,

    /// The date the report describes (default: yesterday).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,

    /// File of holidays, ISO dates one a line; replaces the configured list.
    #[arg(long)]
    pub holidays: Option<PathBuf>,
}

/// How `explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Csv,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    crate::date_format::parse_iso_date(text).ok_or_else(|| format!("{text:?} is not a date in the form YYYY-MM-DD"))
}
