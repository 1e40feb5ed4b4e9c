//! Sending through an SMTP server, one connection per message: TLS with rustls (STARTTLS or
//! implicit), optional authentication, a timeout on every read and write, retries with
//! doubling delays, and one deadline for the whole delivery.
//!
//! A message is retried only when the server certainly did not take it: the connection failed
//! or a 4xx reply came before or at the end of DATA. When the message was sent to its end and
//! no reply came (a timeout, a reset), the server may have it: the message is "delivery
//! uncertain", recorded as such and never resent automatically. Failures that retrying cannot
//! fix — a certificate, a server without STARTTLS, authentication — stop the delivery at once;
//! a 5xx refuses that one message.

use std::time::Instant;

use anyhow::Context;
use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tracing::{info, warn};

use crate::config::delivery::{CredentialSource, SecretSource, SmtpSecurity, SmtpSettings};
use crate::delivery::ledger::{Ledger, LedgerStatus};
use crate::delivery::messages::OutgoingMessage;

/// Reads the credentials named by the configuration from the environment or a mounted file.
pub fn resolve_credentials(source: &CredentialSource) -> anyhow::Result<Option<Credentials>> {
    let read = |secret: &SecretSource, what: &str| -> anyhow::Result<String> {
        match secret {
            SecretSource::Literal(value) => Ok(value.clone()),
            SecretSource::Environment(variable) => std::env::var(variable)
                .with_context(|| format!("the SMTP {what} environment variable {variable} is not set")),
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map(|text| text.trim_end_matches(['\r', '\n']).to_string())
                .with_context(|| format!("cannot read the SMTP {what} file {}", path.display())),
        }
    };
    match source {
        CredentialSource::None => Ok(None),
        CredentialSource::Login { username, password } => Ok(Some(Credentials::new(
            read(username, "username")?,
            read(password, "password")?,
        ))),
    }
}

/// TLS parameters for the host: the public web roots, plus the configured CA file if any.
fn tls_parameters(settings: &SmtpSettings) -> anyhow::Result<TlsParameters> {
    let mut builder = TlsParameters::builder(settings.host.clone());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).with_context(|| format!("cannot read the SMTP CA file {}", path.display()))?;
        let certificate = lettre::transport::smtp::client::Certificate::from_pem(&pem)
            .with_context(|| format!("the SMTP CA file {} is not a PEM certificate", path.display()))?;
        builder = builder.add_root_certificate(certificate);
    }
    Ok(builder.build_rustls()?)
}

/// Everything needed to open a connection, prepared (and credentials read) before any work.
pub struct SmtpSender {
    settings: SmtpSettings,
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl SmtpSender {
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let credentials = resolve_credentials(&settings.credentials)?;
        let tls = match settings.security {
            SmtpSecurity::None => None,
            SmtpSecurity::Starttls | SmtpSecurity::Tls => Some(tls_parameters(settings)?),
        };
        Ok(Self {
            settings: settings.clone(),
            tls,
            credentials,
            hello: ClientId::default(),
        })
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }
}

/// What one attempt at one message came to.
#[derive(Debug)]
enum Attempt {
    Accepted,
    /// Certainly not taken, and worth trying again: the connection failed, or a 4xx reply.
    Transient {
        reason: String,
        connecting: bool,
    },
    /// Refused for good, this message only (a 5xx reply).
    Refused(String),
    /// Sent to the end of DATA but no reply came: the server may have the message.
    Uncertain(String),
    /// No message can be sent (a certificate, no STARTTLS, authentication).
    Fatal(String),
}

/// What happened to a run's messages.
#[derive(Debug, Default)]
pub struct DeliveryReport {
    pub sent: usize,
    pub already_sent: usize,
    /// "report to recipient: why", for the alert and the exit status.
    pub failed: Vec<String>,
    /// "report to recipient: why": sent, but whether the server took it is unknown.
    pub uncertain: Vec<String>,
}

/// Messages sent, failed and skipped (already in the ledger), for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageCounts {
    pub sent: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl DeliveryReport {
    /// Uncertain messages count as failed: nobody knows they arrived.
    pub fn counts(&self) -> MessageCounts {
        MessageCounts {
            sent: self.sent,
            failed: self.failed.len() + self.uncertain.len(),
            skipped: self.already_sent,
        }
    }
}

/// Why the remaining messages are not tried.
enum Stop {
    Fatal(String),
    Unreachable(String),
    Ledger(String),
}

/// Sends each message not yet in the ledger (all of them with `resend`), recording each one the
/// server accepts (or may have accepted) before the next is sent. `ledger` is `None` for alerts,
/// which are always sent.
pub fn send_all(
    messages: &[OutgoingMessage],
    sender: &SmtpSender,
    mut ledger: Option<&mut Ledger>,
    as_of: &str,
    resend: bool,
) -> DeliveryReport {
    let settings = &sender.settings;
    let deadline = Instant::now() + settings.deadline;
    let mut report = DeliveryReport::default();
    let mut stop: Option<Stop> = None;
    let mut kept: Option<SmtpConnection> = None;
    for message in messages {
        let recipient = message.recipient.email.to_string();
        let label = format!("{} to {recipient}", message.log_label());
        if !resend
            && let Some(ledger) = ledger.as_deref()
            && ledger.contains(as_of, &recipient, &message.report)
        {
            report.already_sent += 1;
            continue;
        }
        if let Some(stop) = &stop {
            let why = match stop {
                Stop::Fatal(reason) => format!("not sent: {reason}"),
                Stop::Unreachable(reason) => format!("not sent: the server could not be reached ({reason})"),
                Stop::Ledger(reason) => format!("not sent: the delivery ledger could not be written ({reason})"),
            };
            report.failed.push(format!("{label}: {why}"));
            continue;
        }
        let (status, reason) = match send_with_retries(message, sender, &mut kept, deadline) {
            Attempt::Accepted => (LedgerStatus::Accepted, String::new()),
            Attempt::Uncertain(reason) => (LedgerStatus::Uncertain, reason),
            Attempt::Refused(reason) => {
                report.failed.push(format!("{label}: {reason}"));
                continue;
            }
            Attempt::Fatal(reason) => {
                report.failed.push(format!("{label}: {reason}"));
                stop = Some(Stop::Fatal(reason));
                continue;
            }
            Attempt::Transient { reason, connecting } => {
                report.failed.push(format!("{label}: {reason}"));
                if connecting {
                    stop = Some(Stop::Unreachable(reason));
                }
                continue;
            }
        };
        match status {
            LedgerStatus::Accepted => {
                report.sent += 1;
                info!(report = %message.log_label(), "message accepted by the SMTP server");
            }
            LedgerStatus::Uncertain => {
                warn!(report = %message.log_label(), reason = %reason, "delivery uncertain: not resent automatically");
                report.uncertain.push(format!("{label}: {reason}"));
            }
        }
        if let Some(ledger) = ledger.as_deref_mut()
            && let Err(error) = ledger.record(as_of, &recipient, &message.report, &message.message_id, status)
        {
            let reason = format!("{error:#}");
            report.failed.push(format!(
                "{label}: sent, but the delivery ledger could not be written ({reason})"
            ));
            stop = Some(Stop::Ledger(reason));
        }
    }
    if let Some(mut connection) = kept {
        let _ = connection.quit();
    }
    report
}

/// Up to `attempts` tries of one message, with doubling delays, within the deadline.
fn send_with_retries(
    message: &OutgoingMessage,
    sender: &SmtpSender,
    kept: &mut Option<SmtpConnection>,
    deadline: Instant,
) -> Attempt {
    let settings = &sender.settings;
    let mut delay = settings.retry_delay;
    let mut attempt = 1;
    loop {
        match send_once(message, sender, kept) {
            Attempt::Transient { reason, connecting } => {
                let remaining = deadline.saturating_duration_since(Instant::now());
                if attempt >= settings.attempts || remaining <= delay {
                    let why = if attempt >= settings.attempts {
                        format!("gave up after {attempt} attempts: {reason}")
                    } else {
                        format!(
                            "gave up after {attempt} attempts, at the delivery deadline of {} s \
                             (delivery.smtp.deadline_seconds): {reason}",
                            settings.deadline.as_secs()
                        )
                    };
                    return Attempt::Transient {
                        reason: why,
                        connecting,
                    };
                }
                warn!(report = %message.log_label(), attempt, error = %reason, "transient delivery failure; retrying");
                std::thread::sleep(delay);
                delay *= 2;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// One attempt: connect, MAIL, RCPT, DATA, the message, QUIT.
fn send_once(message: &OutgoingMessage, sender: &SmtpSender, kept: &mut Option<SmtpConnection>) -> Attempt {
    let reused = kept.is_some();
    let mut connection = match kept.take() {
        Some(connection) => connection,
        None => match connect(sender) {
            Ok(connection) => connection,
            Err(attempt) => return attempt,
        },
    };
    let email = &message.formatted;
    let envelope = &message.envelope;
    let mut parameters = Vec::new();
    if !email.is_ascii() {
        if !connection.server_info().supports_feature(Extension::EightBitMime) {
            connection.abort();
            return Attempt::Refused("the message is not ASCII and the server does not support 8BITMIME".into());
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mut commands: Vec<String> = vec![Mail::new(envelope.from().cloned(), parameters).to_string()];
    commands.extend(
        envelope
            .to()
            .iter()
            .map(|address: &Address| Rcpt::new(address.clone(), Vec::new()).to_string()),
    );
    commands.push(Data.to_string());
    for (number, command) in commands.into_iter().enumerate() {
        if let Err(error) = connection.command(command) {
            connection.abort();
            // A kept connection the server has closed meanwhile: start again on a new one.
            if reused && number == 0 && is_network(&error) {
                return send_once(message, sender, kept);
            }
            return before_end_of_data(&error, sender);
        }
    }
    match connection.message(email) {
        Ok(_) => {
            // Kept for the next message: 20,000 workers' messages need not open 20,000
            // connections.
            *kept = Some(connection);
            Attempt::Accepted
        }
        Err(error) => {
            connection.abort();
            if error.is_transient() {
                Attempt::Transient {
                    reason: describe(&error, sender),
                    connecting: false,
                }
            } else if error.is_permanent() {
                Attempt::Refused(format!(
                    "the server refused the message permanently (not retried): {}",
                    describe(&error, sender)
                ))
            } else {
                Attempt::Uncertain(format!(
                    "the message was sent but the server did not confirm it ({}); not resent, check with the recipient",
                    describe(&error, sender)
                ))
            }
        }
    }
}

/// The connection, encrypted and authenticated as configured.
fn connect(sender: &SmtpSender) -> Result<SmtpConnection, Attempt> {
    let settings = &sender.settings;
    let wrapper = match settings.security {
        SmtpSecurity::Tls => sender.tls.as_ref(),
        _ => None,
    };
    let mut connection = SmtpConnection::connect(
        (settings.host.as_str(), settings.port),
        Some(settings.timeout),
        &sender.hello,
        wrapper,
        None,
    )
    .map_err(|error| while_connecting(&error, sender))?;
    if settings.security == SmtpSecurity::Starttls
        && let Some(tls) = &sender.tls
    {
        if !connection.can_starttls() {
            connection.abort();
            return Err(Attempt::Fatal(
                "the server does not offer STARTTLS, which delivery.smtp.security = \"starttls\" requires".into(),
            ));
        }
        connection
            .starttls(tls, &sender.hello)
            .map_err(|error| while_connecting(&error, sender))?;
    }
    if let Some(credentials) = &sender.credentials
        && let Err(error) = connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
    {
        connection.abort();
        return Err(if error.is_transient() || is_network(&error) {
            while_connecting(&error, sender)
        } else {
            Attempt::Fatal(format!("authentication failed: {}", describe(&error, sender)))
        });
    }
    Ok(connection)
}

/// A failure while connecting, greeting, starting TLS or authenticating.
fn while_connecting(error: &lettre::transport::smtp::Error, sender: &SmtpSender) -> Attempt {
    if error.is_tls() || is_handshake_failure(error) {
        Attempt::Fatal(format!("TLS failed: {}", describe(error, sender)))
    } else if error.is_permanent() || error.is_client() {
        Attempt::Fatal(describe(error, sender))
    } else {
        Attempt::Transient {
            reason: describe(error, sender),
            connecting: true,
        }
    }
}

/// A failure of MAIL, RCPT or DATA: the message was not sent.
fn before_end_of_data(error: &lettre::transport::smtp::Error, sender: &SmtpSender) -> Attempt {
    if error.is_permanent() {
        Attempt::Refused(format!(
            "the server refused the message permanently (not retried): {}",
            describe(error, sender)
        ))
    } else if error.is_tls() {
        Attempt::Fatal(format!("TLS failed: {}", describe(error, sender)))
    } else {
        Attempt::Transient {
            reason: describe(error, sender),
            connecting: false,
        }
    }
}

/// The error in words; a socket timeout says so (the system calls it "os error 11").
fn describe(error: &lettre::transport::smtp::Error, sender: &SmtpSender) -> String {
    if is_timeout(error) {
        return format!(
            "no answer within {} s (delivery.smtp.timeout_seconds)",
            sender.settings.timeout.as_secs()
        );
    }
    error_chain(error)
}

/// The error's message with its causes, each said once.
fn error_chain(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn io_error_kinds(error: &lettre::transport::smtp::Error) -> Vec<std::io::ErrorKind> {
    let mut kinds = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        source = cause.source();
    }
    kinds
}

/// A TLS failure (a certificate that cannot be verified, a handshake refused), which lettre
/// reports as a network error: retrying cannot fix it.
fn is_handshake_failure(error: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let tls = cause.downcast_ref::<rustls::Error>().is_some()
            || cause
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
        if tls {
            return true;
        }
        source = cause.source();
    }
    false
}

fn is_timeout(error: &lettre::transport::smtp::Error) -> bool {
    error.is_timeout()
        || io_error_kinds(error)
            .iter()
            .any(|kind| matches!(kind, std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock))
}

fn is_network(error: &lettre::transport::smtp::Error) -> bool {
    !io_error_kinds(error).is_empty()
}
