//! Delivery: every manager gets their own report by email, once. Messages are planned by pure
//! functions (`messages`); `Mailer` adds them to the run's outbox as `.eml` files or, through
//! `smtp`, sends them with retries, and `ledger` remembers what a server accepted so a rerun
//! never sends it twice.

pub mod ledger;
pub mod mbox;
pub mod messages;
pub mod smtp;
mod text_body;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::config::delivery::DeliverySettings;
use crate::output::run_directory::Staging;
use messages::OutgoingMessage;
pub use smtp::DeliveryReport;

/// Where workers' messages go in the outbox (`mbox`).
pub const WORKERS_MAILBOX: &str = "outbox/workers.mbox";

/// Where a run's outbox messages go.
pub struct Outbox<'a> {
    /// The run's files held in memory, written with the others when the run publishes.
    pub files: &'a mut BTreeMap<String, Vec<u8>>,
    /// Files already streamed into `staging`, with their SHA-256 (for the manifest).
    pub streamed: &'a mut BTreeMap<String, String>,
    /// The run's staging directory (none for a dry run): the workers' mailbox is streamed
    /// into it.
    pub staging: Option<&'a Staging>,
}

/// Adds each message to the run's files as `outbox/<report>--<recipient>.eml`, except
/// workers' lists, which go together into one mailbox file (`WORKERS_MAILBOX`), streamed into
/// the staging directory when there is one (in the outbox of a run that writes files,
/// `Mailer::workers_mail` has filed them already and `messages` has none).
fn add_to_outbox(messages: &[OutgoingMessage], outbox: &mut Outbox<'_>, as_of: NaiveDate) -> anyhow::Result<()> {
    let (workers, others): (Vec<&OutgoingMessage>, Vec<&OutgoingMessage>) =
        messages.iter().partition(|message| message.is_workers_list());
    add_eml_files(&others, outbox.files);
    if !workers.is_empty() {
        match outbox.staging {
            Some(staging) => {
                let sha256 =
                    staging.stream_file_synced_later(WORKERS_MAILBOX, |out| write_mailbox(&workers, as_of, out))?;
                outbox.streamed.insert(WORKERS_MAILBOX.to_string(), sha256);
            }
            None => {
                let mut bytes = Vec::new();
                write_mailbox(&workers, as_of, &mut bytes)?;
                outbox.files.insert(WORKERS_MAILBOX.to_string(), bytes);
            }
        }
    }
    info!(messages = messages.len(), "messages added to the run's outbox/");
    Ok(())
}

/// Adds each message to `files` as `outbox/<report>--<recipient>.eml`.
fn add_eml_files(messages: &[&OutgoingMessage], files: &mut BTreeMap<String, Vec<u8>>) {
    for message in messages {
        files.insert(
            format!("outbox/{}", message.outbox_file_name()),
            message.formatted.clone(),
        );
    }
}

/// Writes the workers' messages into `out` as one mailbox, in their order.
fn write_mailbox(workers: &[&OutgoingMessage], as_of: NaiveDate, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    write_mailbox_of(workers, |message| Ok(mailbox_piece(message, as_of)), out)
}

/// Writes `piece(item)` for each item into `out`, in their order. At national scale that is
/// 20,000 messages and 150 MB: each chunk of items is made on both cores while a third thread
/// writes (and hashes) the chunk before, so the mailbox is never held in memory.
fn write_mailbox_of<Item: Sync>(
    items: &[Item],
    piece: impl Fn(&Item) -> anyhow::Result<Vec<u8>> + Sync,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    const ITEMS_A_CHUNK: usize = 500;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (chunks, chunks_to_write) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(2);
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for piece in chunks_to_write.iter().flatten() {
                out.write_all(&piece)?;
            }
            Ok(())
        });
        let mut made = Ok(());
        for items in items.chunks(ITEMS_A_CHUNK) {
            let pieces = match crate::performance::work_queue::map_on_two_threads(items, &piece) {
                Ok(pieces) => pieces,
                Err(error) => {
                    made = Err(error);
                    break;
                }
            };
            if chunks.send(pieces).is_err() {
                break; // the writer stopped at an error, returned below
            }
        }
        drop(chunks);
        writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        made
    })
}

/// One worker's message as the mailbox holds it (`mbox::append`).
fn mailbox_piece(message: &OutgoingMessage, as_of: NaiveDate) -> Vec<u8> {
    let sender = message.envelope.from().map(ToString::to_string);
    let mut piece = Vec::with_capacity(message.formatted.len() + 100);
    mbox::append(&mut piece, sender.as_deref(), as_of, &message.formatted);
    piece
}

/// The workers' messages of a run: to deliver, or already filed in the outbox.
#[derive(Default)]
pub struct WorkersMail {
    pub messages: Vec<OutgoingMessage>,
    pub filed: Option<FiledMailbox>,
}

/// The workers' mailbox, written into the staging directory.
pub struct FiledMailbox {
    /// Its name in the run directory (`WORKERS_MAILBOX`).
    pub file: String,
    pub sha256: String,
    /// How many messages it holds.
    pub messages: usize,
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

    /// The workers' messages (with `delivery.worker_mail`), for `deliver`. In the outbox of a
    /// run that writes files they are instead written into the workers' mailbox in the
    /// staging directory as they are built, a chunk at a time, and only counted: they are
    /// built while the files render, and at national scale neither the 20,000 messages nor
    /// their 150 MB mailbox is then ever held whole.
    pub fn workers_mail(
        &self,
        cases: &crate::reports::actions::ActionOrder<'_>,
        staff: &BTreeMap<String, crate::model::StaffMember>,
        staging: Option<&Staging>,
        as_of: NaiveDate,
    ) -> anyhow::Result<WorkersMail> {
        let Some(settings) = self.settings() else {
            return Ok(WorkersMail::default());
        };
        let workers = messages::workers_to_write(cases, staff, settings);
        match (self, staging) {
            (Self::Outbox(_), Some(staging)) if !workers.is_empty() => {
                let sha256 = staging.stream_file_synced_later(WORKERS_MAILBOX, |out| {
                    write_mailbox_of(
                        &workers,
                        |worker| {
                            Ok(mailbox_piece(
                                &messages::worker_message(worker, settings, as_of)?,
                                as_of,
                            ))
                        },
                        out,
                    )
                })?;
                info!(
                    messages = workers.len(),
                    "workers' messages written to the run's {WORKERS_MAILBOX}"
                );
                Ok(WorkersMail {
                    messages: Vec::new(),
                    filed: Some(FiledMailbox {
                        file: WORKERS_MAILBOX.to_string(),
                        sha256,
                        messages: workers.len(),
                    }),
                })
            }
            _ => Ok(WorkersMail {
                messages: messages::worker_messages(&workers, settings, as_of)?,
                filed: None,
            }),
        }
    }

    pub fn settings(&self) -> Option<&DeliverySettings> {
        match self {
            Self::Off => None,
            Self::Outbox(settings) | Self::Smtp { settings, .. } => Some(settings),
        }
    }

    /// Delivers `messages`: as files of the run's `outbox` (written with its other outputs),
    /// or through SMTP, recording each in the locked ledger.
    pub fn deliver(
        &self,
        messages: &[OutgoingMessage],
        outbox: &mut Outbox<'_>,
        as_of: NaiveDate,
        resend: bool,
    ) -> anyhow::Result<DeliveryReport> {
        match self {
            Self::Off => Ok(DeliveryReport::default()),
            Self::Outbox(_) => {
                add_to_outbox(messages, outbox, as_of)?;
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
                // Alerts are `.eml` files, never part of the workers' mailbox.
                add_eml_files(&alerts.iter().collect::<Vec<_>>(), files);
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

#[cfg(test)]
mod tests {
    use super::{OutgoingMessage, mailbox_piece, write_mailbox};
    use crate::config::delivery::DeliverySettings;

    #[test]
    fn the_mailbox_holds_every_message_in_order_over_several_chunks() {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let settings = DeliverySettings {
            from: "r@agency.example".parse().expect("address"),
            allowed_domains: vec!["agency.example".into()],
            leadership: Vec::new(),
            operations: (0..1_201)
                .map(|number| format!("worker{number}@agency.example").parse().expect("address"))
                .collect(),
            offices: Default::default(),
            units: Default::default(),
            worker_mail: true,
            max_attachment_bytes: 1,
            report_location: None,
            ledger: None,
            smtp: None,
        };
        let messages =
            super::messages::alert_messages(&settings, as_of, "a list", "From here on\nitems").expect("messages");
        let messages: Vec<&OutgoingMessage> = messages.iter().collect();
        let mut mailbox = Vec::new();
        write_mailbox(&messages, as_of, &mut mailbox).expect("written");
        let expected: Vec<u8> = messages
            .iter()
            .flat_map(|message| mailbox_piece(message, as_of))
            .collect();
        assert_eq!(mailbox.len(), expected.len());
        assert!(mailbox == expected, "every message, in order");
        let text = String::from_utf8(mailbox).expect("text");
        assert_eq!(text.matches("\n>From here on").count(), 1_201);
    }
}
