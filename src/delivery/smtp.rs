//! Sending through an SMTP server: TLS with rustls (STARTTLS or implicit), optional
//! authentication, a timeout, and retries with exponential backoff for transient failures
//! (connection refused or reset, timeouts, 4xx replies). Permanent failures (5xx) are not
//! retried.

use std::thread::sleep;

use anyhow::Context;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use tracing::{info, warn};

use crate::config::delivery::{CredentialSource, SecretSource, SmtpSecurity, SmtpSettings};
use crate::delivery::ledger::Ledger;
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

pub fn transport(settings: &SmtpSettings, credentials: Option<Credentials>) -> anyhow::Result<SmtpTransport> {
    let tls = match settings.security {
        SmtpSecurity::None => Tls::None,
        SmtpSecurity::Starttls => Tls::Required(tls_parameters(settings)?),
        SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(settings)?),
    };
    let mut builder = SmtpTransport::builder_dangerous(settings.host.clone())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(settings.timeout));
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    Ok(builder.build())
}

/// What happened to a run's messages.
#[derive(Debug, Default)]
pub struct DeliveryReport {
    pub sent: usize,
    pub already_sent: usize,
    /// "report to recipient: why", for the alert and the exit status.
    pub failed: Vec<String>,
}

/// Sends each message not yet in the ledger (all of them with `resend`), recording each one
/// the server accepts.
pub fn send_all(
    messages: &[OutgoingMessage],
    settings: &SmtpSettings,
    transport: &SmtpTransport,
    ledger: &mut Ledger,
    as_of: &str,
    resend: bool,
) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    for message in messages {
        let recipient = message.recipient.email.to_string();
        if !resend && ledger.was_accepted(as_of, &recipient, &message.report) {
            report.already_sent += 1;
            continue;
        }
        match send_with_retries(message, settings, transport) {
            Ok(()) => {
                report.sent += 1;
                info!(report = %message.report, "message accepted by the SMTP server");
                if let Err(error) = ledger.record(as_of, &recipient, &message.report, &message.message_id) {
                    report
                        .failed
                        .push(format!("{} to {recipient}: sent, but {error:#}", message.report));
                }
            }
            Err(error) => report
                .failed
                .push(format!("{} to {recipient}: {error:#}", message.report)),
        }
    }
    report
}

fn send_with_retries(
    message: &OutgoingMessage,
    settings: &SmtpSettings,
    transport: &SmtpTransport,
) -> anyhow::Result<()> {
    let mut delay = settings.retry_delay;
    for attempt in 1..=settings.attempts {
        match transport.send(&message.message) {
            Ok(_) => return Ok(()),
            Err(error) if error.is_permanent() => {
                return Err(
                    anyhow::Error::new(error).context("the server refused the message permanently (not retried)")
                );
            }
            Err(error) if attempt == settings.attempts => {
                return Err(anyhow::Error::new(error).context(format!("gave up after {attempt} attempts")));
            }
            Err(error) => {
                warn!(report = %message.report, attempt, error = %error, "transient delivery failure; retrying");
                sleep(delay);
                delay *= 2;
            }
        }
    }
    Ok(())
}
