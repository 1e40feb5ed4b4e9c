//! The delivery ledger: one line per message a server accepted (or may have accepted),
//! `as_of,recipient,report,message_id,status`, appended and synced right after the server's
//! reply, before the next message is sent. A rerun for the same as-of skips what is in it
//! (unless `--resend`), so nobody gets the same report twice.
//!
//! - The ledger is locked for a whole delivery: two runs sharing it (different `--out`, one
//!   configured ledger) take turns, and the second reads what the first recorded.
//! - A torn last line (a crash or a full disk in the middle of a write) is read as far as it
//!   goes: with its report named in full it counts as sent, otherwise it is ignored; the next
//!   record starts on a new line. Any other unreadable line stops delivery with an alert.
//! - `status` is `accepted`, or `uncertain` when the message went to its end but the server
//!   never confirmed it; both are never resent automatically. Lines written before the column
//!   existed (four fields) are `accepted`.
//!
//! The one window left: a crash between the server's acceptance and the ledger write sends that
//! message again on the rerun; its Message-ID is the same, so mail clients show it once.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use tracing::warn;

/// What the ledger says of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerStatus {
    Accepted,
    Uncertain,
}

impl LedgerStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Uncertain => "uncertain",
        }
    }
}

const HEADER: &str = "as_of,recipient,report,message_id,status\n";

pub struct Ledger {
    path: PathBuf,
    /// Open for appending and locked until the ledger is dropped.
    file: File,
    recorded: HashSet<(String, String, String)>,
}

impl Ledger {
    /// Opens (or creates, owner-only) and locks the ledger, waiting up to `wait` for another
    /// run to finish its delivery, then reads it.
    pub fn open(path: &Path, wait: Duration) -> anyhow::Result<Self> {
        if let Some(directory) = path.parent()
            && !directory.as_os_str().is_empty()
        {
            std::fs::create_dir_all(directory)
                .with_context(|| format!("cannot create the directory of the delivery ledger {}", path.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).read(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .with_context(|| format!("cannot open the delivery ledger {}", path.display()))?;
        lock_waiting(&file, wait).with_context(|| format!("cannot lock the delivery ledger {}", path.display()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the delivery ledger {}", path.display()))?;
        let recorded = parse(&bytes).with_context(|| format!("the delivery ledger {} is damaged", path.display()))?;
        let mut ledger = Self {
            path: path.to_path_buf(),
            file,
            recorded,
        };
        if bytes.is_empty() {
            ledger.append(HEADER.as_bytes())?;
        } else if !bytes.ends_with(b"\n") {
            warn!(ledger = %path.display(), "the delivery ledger's last line was torn (a crash while writing?); continuing on a new line");
            ledger.append(b"\n")?;
        }
        Ok(ledger)
    }

    /// Whether a message for (as_of, recipient, report) was accepted or may have been.
    pub fn contains(&self, as_of: &str, recipient: &str, report: &str) -> bool {
        self.recorded
            .contains(&(as_of.to_string(), recipient.to_string(), report.to_string()))
    }

    /// Appends one message and syncs it to disk before returning.
    pub fn record(
        &mut self,
        as_of: &str,
        recipient: &str,
        report: &str,
        message_id: &str,
        status: LedgerStatus,
    ) -> anyhow::Result<()> {
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        writer.write_record([as_of, recipient, report, message_id, status.as_str()])?;
        let bytes = writer.into_inner().map_err(|error| anyhow::anyhow!("{error}"))?;
        self.append(&bytes)?;
        self.recorded
            .insert((as_of.to_string(), recipient.to_string(), report.to_string()));
        Ok(())
    }

    fn append(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("cannot write the delivery ledger {}", self.path.display()))
    }
}

/// Takes the file's exclusive lock, trying again until `wait` has passed.
fn lock_waiting(file: &File, wait: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                anyhow::bail!(
                    "another run has been delivering with it for {} s (delivery.smtp.deadline_seconds)",
                    wait.as_secs()
                )
            }
            Err(std::fs::TryLockError::Error(error)) => return Err(error.into()),
        }
    }
}

/// (as_of, recipient, report) of every line; a torn last line counts when its report is
/// complete (a fourth field was begun).
fn parse(bytes: &[u8]) -> anyhow::Result<HashSet<(String, String, String)>> {
    let complete = match bytes.iter().rposition(|&byte| byte == b'\n') {
        Some(end) => &bytes[..=end],
        None => &[][..],
    };
    let torn = &bytes[complete.len()..];
    let mut recorded = HashSet::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(complete);
    for (index, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("line {} cannot be read", index + 2))?;
        match (record.get(0), record.get(1), record.get(2)) {
            (Some(as_of), Some(recipient), Some(report)) => {
                recorded.insert((as_of.to_string(), recipient.to_string(), report.to_string()));
            }
            _ if record.iter().all(str::is_empty) => {}
            _ => anyhow::bail!("line {} has fewer than three fields", index + 2),
        }
    }
    if !torn.is_empty() {
        let fields: Vec<&[u8]> = torn.split(|&byte| byte == b',').collect();
        if fields.len() >= 4 {
            let text = |field: &[u8]| String::from_utf8_lossy(field).into_owned();
            recorded.insert((text(fields[0]), text(fields[1]), text(fields[2])));
        }
    }
    Ok(recorded)
}

#[cfg(test)]
mod tests {
    use super::{Ledger, LedgerStatus, parse};
    use std::time::Duration;

    #[test]
    fn a_torn_last_line_counts_when_its_report_is_complete() {
        let complete = b"as_of,recipient,report,message_id,status\n2026-10-31,a@x,statewide,<1>,accepted\n";
        let mut torn_in_id = complete.to_vec();
        torn_in_id.extend_from_slice(b"2026-10-31,b@x,office-hartford,<2");
        let recorded = parse(&torn_in_id).expect("parses");
        assert!(recorded.contains(&("2026-10-31".into(), "b@x".into(), "office-hartford".into())));
        let mut torn_in_report = complete.to_vec();
        torn_in_report.extend_from_slice(b"2026-10-31,b@x,office-hart");
        assert_eq!(parse(&torn_in_report).expect("parses").len(), 1);
        // Four fields without status: an accepted message of the earlier format.
        assert_eq!(
            parse(b"as_of,recipient,report,message_id\n2026-10-31,a@x,statewide,<1>\n")
                .expect("parses")
                .len(),
            1
        );
    }

    #[test]
    fn a_torn_ledger_is_continued_on_a_new_line() {
        let directory = tempfile::tempdir().expect("temp dir");
        let path = directory.path().join("ledger.csv");
        std::fs::write(
            &path,
            "as_of,recipient,report,message_id,status\n2026-10-31,a@x,statewide,<1>,acc",
        )
        .expect("write");
        let mut ledger = Ledger::open(&path, Duration::from_secs(1)).expect("opens");
        assert!(ledger.contains("2026-10-31", "a@x", "statewide"));
        ledger
            .record("2026-10-31", "b@x", "office-x", "<2>", LedgerStatus::Uncertain)
            .expect("records");
        drop(ledger);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.ends_with("<1>,acc\n2026-10-31,b@x,office-x,<2>,uncertain\n"),
            "{text}"
        );
        let reopened = Ledger::open(&path, Duration::from_secs(1)).expect("opens");
        assert!(reopened.contains("2026-10-31", "b@x", "office-x"));
    }
}
