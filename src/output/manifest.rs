//! `manifest.json`: what a run read and wrote, so any number can be traced to its inputs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::extracts::Extract;
use crate::ingest::ExtractReport;

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub as_of: String,
    /// `run` or `backfill`: a backfill never writes into a directory a run wrote.
    pub command: &'static str,
    pub program: &'static str,
    pub program_version: &'static str,
    pub configuration: ConfigurationEntry,
    pub inputs: BTreeMap<&'static str, InputEntry>,
    /// Output files (relative to the run directory) and their SHA-256, in name order.
    pub outputs: BTreeMap<String, String>,
    /// Wall-clock milliseconds per step: the only part that differs between identical runs.
    pub timings_ms: BTreeMap<&'static str, u128>,
}

#[derive(Debug, Serialize)]
pub struct ConfigurationEntry {
    pub path: String,
    pub sha256: String,
    pub holidays: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct InputEntry {
    pub path: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub rows_orphaned: u64,
    /// The newest date the extract holds (`YYYY-MM-DD`), `null` when it has no accepted row.
    pub newest_date: Option<String>,
}

pub fn input_entries(reports: &BTreeMap<Extract, ExtractReport>) -> BTreeMap<&'static str, InputEntry> {
    reports
        .iter()
        .map(|(extract, report)| {
            (
                extract.name(),
                InputEntry {
                    path: report.path.display().to_string(),
                    size_bytes: report.size_bytes,
                    sha256: report.sha256.clone(),
                    rows_read: report.rows_read,
                    rows_accepted: report.rows_accepted,
                    rows_rejected: report.rows_rejected(),
                    rows_orphaned: report.rows_orphaned(),
                    newest_date: report.newest_date.map(|date| date.to_string()),
                },
            )
        })
        .collect()
}

impl Manifest {
    pub fn to_json(&self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
