//! permanency-report: reads the nightly case-management extracts, computes the permanency,
//! relative-notice and teaming measures per area office and statewide, and writes the outputs
//! of `docs/outputs.md`. See ARCHITECTURE.md for the map and the layers.

// Ground floor: shared helpers with no knowledge of the domain.
pub mod calendar;
pub mod date_format;
pub mod digest;
pub mod performance;
pub mod progress;
// The domain's vocabulary.
pub mod extracts;
pub mod model;
pub mod scope;
pub mod timeframes;
// Configuration, then reading the extracts.
pub mod config;
pub mod generate;
pub mod ingest;
// Pure computation.
pub mod engine;
pub mod measures;
// Rendering and writing.
pub mod output;
pub mod reports;
// Sending and reporting on the run.
pub mod delivery;
pub mod metrics;
// Orchestration.
pub mod cli;
pub mod commands;
pub mod failure;

use chrono::NaiveDate;

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
