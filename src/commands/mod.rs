//! One file per subcommand: orchestration only (load, call the pure parts, write, report).

pub mod backfill;
pub mod explain;
pub mod generate;
pub mod guards;
pub mod outputs;
pub mod run;
pub mod snapshots;
pub mod validate;

use std::path::Path;

use chrono::NaiveDate;

use crate::cli::InputArgs;
use crate::config::Config;
use crate::failure::Failure;

/// Loads and validates the configuration, then applies the flags that override it.
pub fn load_config(input: &InputArgs, holidays: Option<&Path>) -> Result<Config, Failure> {
    let mut config = Config::load(&input.config, &crate::measures::known_to_configuration())
        .map_err(|error| Failure::Configuration(error.into()))?;
    if let Some(directory) = &input.input_dir {
        config.read_extracts_from(directory);
    }
    if let Some(path) = holidays {
        config
            .replace_holidays_from_file(path)
            .map_err(|error| Failure::Configuration(error.into()))?;
    }
    Ok(config)
}

/// `--as-of`, or yesterday.
pub fn as_of_or_yesterday(as_of: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    as_of.unwrap_or_else(|| crate::calendar::add_days(today, -1))
}

/// Frees `value` on a detached thread. At national scale the ingested data is millions of
/// small allocations and freeing them takes about a second; a command that has finished its
/// work need not wait for that (if the process exits first, the OS reclaims the memory).
pub fn release_in_background<Value: Send + 'static>(value: Value) {
    let spawned = std::thread::Builder::new()
        .name("release".into())
        .spawn(move || drop(value));
    // If no thread can be started, the value was dropped with the closure: nothing is lost.
    drop(spawned);
}
