//! `generate`: synthetic extracts for demos, tests and benchmarks.

use anyhow::Context;

use crate::cli::GenerateArgs;
use crate::failure::Failure;
use crate::generate::{GeneratorSettings, write_extracts};

pub fn generate(arguments: &GenerateArgs) -> Result<(), Failure> {
    let settings = GeneratorSettings {
        children: arguments.children,
        seed: arguments.seed,
        until: arguments
            .until
            .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default()),
    };
    let counts = write_extracts(&settings, &arguments.out)
        .with_context(|| format!("cannot write synthetic extracts into {}", arguments.out.display()))
        .map_err(Failure::Output)?;
    println!(
        "wrote {} removals, {} notices, {} meetings, {} placements and {} staff for {} children into {}",
        counts.removals,
        counts.notices,
        counts.meetings,
        counts.placements,
        counts.staff,
        arguments.children,
        arguments.out.display()
    );
    Ok(())
}
