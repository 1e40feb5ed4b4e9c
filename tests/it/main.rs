//! The integration tests: one binary, shared fixtures under `tests/fixtures/`.

mod architecture;
mod browser;
mod cli;
mod config_errors;
mod corpus;
mod crosscheck;
mod delivery;
mod ingest;
mod measures_end_to_end;
mod monitoring;
mod operations;
mod parquet;
mod properties;
mod reports;
mod support;
mod trust;
