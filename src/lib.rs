//! permanency-report: reads the nightly case-management extracts, computes the permanency,
//! relative-notice and teaming measures per area office and statewide, and writes the outputs
//! of `outputs.md`. See ARCHITECTURE.md for the map.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod config;
pub mod date_format;
pub mod delivery;
pub mod failure;
pub mod generate;
pub mod ingest;
pub mod measures;
pub mod model;
pub mod output;
pub mod progress;
pub mod reports;
pub mod results;

use chrono::NaiveDate;

/// A hash map with a fast, non-cryptographic hasher, for the per-row lookups of ingest (ids,
/// codes) where std's SipHash was the largest cost. Keys come from the extracts, but nothing
/// depends on iteration order and the inputs are trusted agency files, not network requests.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use cli::Command;
use failure::Failure;

/// Runs one command. `today` comes from the caller so nothing below reads the clock;
/// `progress` says whether progress bars may be drawn.
pub fn run(command: Command, today: NaiveDate, progress: progress::Progress) -> Result<(), Failure> {
    match command {
        Command::Run(arguments) => commands::run::run(&arguments, today, progress),
        Command::Validate(arguments) => commands::validate::validate(&arguments, progress),
        Command::Generate(arguments) => commands::generate::generate(&arguments),
        Command::Backfill(arguments) => commands::backfill::backfill(&arguments, progress),
        Command::Explain(arguments) => commands::explain::explain(&arguments, today, progress),
    }
}
