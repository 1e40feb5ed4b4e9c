//! Delivery: every manager gets their own report by email, once. Messages are planned by pure
//! functions (`messages`); `Mailer` adds them to the run's outbox as `.eml` files or, through
//! `smtp`, sends them with retries, and `ledger` remembers what a server accepted so a rerun
//! never sends it twice.

pub mod ledger;
pub mod mbox;
pub mod messages;
pub mod smtp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::config::delivery::DeliverySettings;
use messages::OutgoingMessage;
pub use smtp::DeliveryReport;

/// Where workers' messages go in the outbox (`mbox`).
pub const WORKERS_MAILBOX: &str = "outbox/workers.mbox";

/// Adds each message to the run's files as `outbox/<report>--<recipient>.eml`, except
/// workers' lists, which go together into one mailbox file (`WORKERS_MAILBOX`).
fn add_to_outbox(messages: &[OutgoingMessage], files: &mut BTreeMap<String, Vec<u8>>, as_of: NaiveDate) {
    // Formatting 20,000 messages (200 MB at national scale) is worth both cores; a worker's
    // list is formatted straight into its piece of the mailbox.
    let formatted: Result<Vec<Vec<u8>>, std::convert::Infallible> =
        crate::performance::work_queue::map_on_two_threads(messages, |message| {
            let bytes = message.message.formatted();
            if !message.is_workers_list() {
                return Ok(bytes);
            }
            let sender = message.message.envelope().from().map(ToString::to_string);
            let mut piece = Vec::with_capacity(bytes.len() + 100);
            mbox::append(&mut piece, sender.as_deref(), as_of, &bytes);
            Ok(piece)
        });
    let Ok(formatted) = formatted;
    let mailbox_bytes = (messages.iter().zip(&formatted))
        .filter(|(message, _)| message.is_workers_list())
        .map(|(_, bytes)| bytes.len())
        .sum();
    let mut workers_mailbox = Vec::with_capacity(mailbox_bytes);
    for (message, bytes) in messages.iter().zip(formatted) {
        if message.is_workers_list() {
            workers_mailbox.extend_from_slice(&bytes);
        } else {
            files.insert(format!("outbox/{}", message.outbox_file_name()), bytes);
        }
    }
    if !workers_mailbox.is_empty() {
        files.insert(WORKERS_MAILBOX.to_string(), workers_mailbox);
    }
    info!(
        messages = messages.len(),
        "messages added to the run's outbox/, written with its other files"
    );
}

/// How this run delivers, decided (and credentials read) before any work starts.
pub enum Mailer {
    /// `--no-email`, or no `[delivery]` section.
    Off,
    /// No SMTP server configured: messages become `.eml` files in `<out>/<as_of>/outbox/`
    /// (workers' lists one mailbox, `outbox/workers.mbox`).
    Outbox(DeliverySettings),
    Smtp {
        settings: DeliverySettings,
        sender: Box<smtp::SmtpSender>,
        ledger_path: PathBuf,
    },
}

impl Mailer {
    pub fn prepare(config: &Config, out_root: &Path, no_email: bool) -> anyhow::Result<Self> {
        let Some(settings) = config.delivery.clone().filter(|_| !no_email) else {
            return Ok(Self::Off);
        };
        let Some(smtp) = settings.smtp.clone() else {
            return Ok(Self::Outbox(settings));
        };
        let sender = Box::new(smtp::SmtpSender::new(&smtp)?);
        let ledger_path = settings
            .ledger
            .clone()
            .unwrap_or_else(|| out_root.join("delivery-ledger.csv"));
        Ok(Self::Smtp {
            settings,
            sender,
            ledger_path,
        })
    }

    pub fn settings(&self) -> Option<&DeliverySettings> {
        match self {
            Self::Off => None,
            Self::Outbox(settings) | Self::Smtp { settings, .. } => Some(settings),
        }
    }

    /// Delivers `messages`: as outbox files added to `files` (written with the run's other
    /// outputs), or through SMTP, recording each in the locked ledger.
    pub fn deliver(
        &self,
        messages: &[OutgoingMessage],
        files: &mut BTreeMap<String, Vec<u8>>,
        as_of: NaiveDate,
        resend: bool,
    ) -> anyhow::Result<DeliveryReport> {
        match self {
            Self::Off => Ok(DeliveryReport::default()),
            Self::Outbox(_) => {
                add_to_outbox(messages, files, as_of);
                Ok(DeliveryReport {
                    sent: messages.len(),
                    ..DeliveryReport::default()
                })
            }
            Self::Smtp {
                sender, ledger_path, ..
            } => {
                let mut ledger = ledger::Ledger::open(ledger_path, sender.settings().deadline)?;
                let report = smtp::send_all(messages, sender, Some(&mut ledger), &as_of.to_string(), resend);
                info!(
                    sent = report.sent,
                    already_sent = report.already_sent,
                    failed = report.failed.len(),
                    uncertain = report.uncertain.len(),
                    "delivery finished"
                );
                Ok(report)
            }
        }
    }

    /// Tells operations that something went wrong. Best effort: a failure here is logged, and
    /// the run's exit status already says what happened.
    pub fn alert(&self, files: &mut BTreeMap<String, Vec<u8>>, as_of: NaiveDate, subject: &str, body: &str) {
        let Some(settings) = self.settings() else {
            return;
        };
        if settings.operations.is_empty() {
            warn!("no operations address is configured: the alert \"{subject}\" goes to the log only");
            return;
        }
        // Alerts are always sent (each has its own Message-ID) and never wait for the ledger,
        // which may be what went wrong.
        let outcome = messages::alert_messages(settings, as_of, subject, body).map(|alerts| match self {
            Self::Off => DeliveryReport::default(),
            Self::Outbox(_) => {
                add_to_outbox(&alerts, files, as_of);
                DeliveryReport::default()
            }
            Self::Smtp { sender, .. } => smtp::send_all(&alerts, sender, None, &as_of.to_string(), true),
        });
        match outcome {
            Ok(report) if report.failed.is_empty() && report.uncertain.is_empty() => {}
            Ok(report) => error!(
                failures = %report.failed.iter().chain(&report.uncertain).cloned().collect::<Vec<_>>().join("; "),
                "the alert could not be delivered"
            ),
            Err(problem) => error!(error = %format!("{problem:#}"), "the alert could not be delivered"),
        }
    }
}
