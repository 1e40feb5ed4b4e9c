//! `validate`: read the extracts, print the data-quality summary, exit 2 when an extract cannot
//! be read or rejects more rows than the configured share.

use crate::cli::InputArgs;
use crate::commands::guards::over_limit_extracts;
use crate::commands::load_config;
use crate::failure::Failure;
use crate::ingest;
use crate::output::data_quality::data_quality_text;

pub fn validate(arguments: &InputArgs, progress: crate::progress::Progress) -> Result<(), Failure> {
    let config = load_config(arguments, None)?;
    let data = ingest::read_extracts(&config, progress).map_err(|error| Failure::Input(error.into()))?;
    print!("{}", data_quality_text(&data.reports, config.limits.max_rejected_share));
    let over_limit = over_limit_extracts(&data.reports, config.limits.max_rejected_share);
    if over_limit.is_empty() {
        println!("OK: every extract is within the rejected-row limit.");
        Ok(())
    } else {
        Err(Failure::Input(anyhow::anyhow!(
            "too many rejected rows in {} (limit {:.2}% of rows read)",
            over_limit.join(", "),
            config.limits.max_rejected_share * 100.0
        )))
    }
}
