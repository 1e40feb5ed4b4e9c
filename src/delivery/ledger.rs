//! The delivery ledger: one line per message a server accepted, `as_of,recipient,report,
//! message_id`, appended and flushed right after the server's acceptance. A rerun for the same
//! as-of skips what is in it (unless `--resend`), so nobody gets the same report twice.
//!
//! The one window left: a crash between the server's acceptance and the ledger write sends that
//! message again on the rerun; its Message-ID is the same, so mail clients show it once.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub struct Ledger {
    path: PathBuf,
    accepted: HashSet<(String, String, String)>,
}

impl Ledger {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut accepted = HashSet::new();
        if path.exists() {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_path(path)
                .with_context(|| format!("cannot read the delivery ledger {}", path.display()))?;
            for record in reader.records() {
                let record = record.with_context(|| format!("the delivery ledger {} is damaged", path.display()))?;
                if let (Some(as_of), Some(recipient), Some(report)) = (record.get(0), record.get(1), record.get(2)) {
                    accepted.insert((as_of.to_string(), recipient.to_string(), report.to_string()));
                }
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            accepted,
        })
    }

    pub fn was_accepted(&self, as_of: &str, recipient: &str, report: &str) -> bool {
        self.accepted
            .contains(&(as_of.to_string(), recipient.to_string(), report.to_string()))
    }

    /// Appends one accepted message and syncs it to disk before returning.
    pub fn record(&mut self, as_of: &str, recipient: &str, report: &str, message_id: &str) -> anyhow::Result<()> {
        if let Some(directory) = self.path.parent() {
            std::fs::create_dir_all(directory)?;
        }
        let is_new = !self.path.exists();
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&self.path)
            .with_context(|| format!("cannot open the delivery ledger {}", self.path.display()))?;
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        if is_new {
            writer.write_record(["as_of", "recipient", "report", "message_id"])?;
        }
        writer.write_record([as_of, recipient, report, message_id])?;
        let bytes = writer.into_inner().map_err(|error| anyhow::anyhow!("{error}"))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write the delivery ledger {}", self.path.display()))?;
        self.accepted
            .insert((as_of.to_string(), recipient.to_string(), report.to_string()));
        Ok(())
    }
}
