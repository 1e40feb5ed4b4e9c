//! `[delivery]`: who gets which report, and how mail leaves the machine. Credentials are never
//! read from the configuration file: only the names of environment variables or of a mounted
//! secret file are.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lettre::message::Mailbox;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeliverySection {
    pub from: String,
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    #[serde(default)]
    pub leadership: Vec<String>,
    #[serde(default)]
    pub operations: Vec<String>,
    #[serde(default)]
    pub offices: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub units: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub worker_mail: bool,
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
    #[serde(default)]
    pub report_location: Option<String>,
    #[serde(default)]
    pub ledger: Option<PathBuf>,
    #[serde(default)]
    pub smtp: Option<SmtpSection>,
}

fn default_max_attachment_bytes() -> u64 {
    10_000_000
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SmtpSection {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    #[serde(default)]
    pub allow_plaintext: bool,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub username_env: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    #[serde(default = "default_retry_delay_milliseconds")]
    pub retry_delay_milliseconds: u64,
    #[serde(default = "default_deadline_seconds")]
    pub deadline_seconds: u64,
}

fn default_timeout_seconds() -> u64 {
    30
}
fn default_attempts() -> u32 {
    4
}
fn default_retry_delay_milliseconds() -> u64 {
    2_000
}
fn default_deadline_seconds() -> u64 {
    600
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587 by default); TLS is required.
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption: only for a relay on this machine, and only with `allow_plaintext`.
    None,
}

/// Where the SMTP credentials come from (resolved when a run starts, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    None,
    /// Username (literal or from an environment variable) and password from an environment
    /// variable or a mounted file.
    Login {
        username: SecretSource,
        password: SecretSource,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Literal(String),
    Environment(String),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: CredentialSource,
    /// Extra trusted root (PEM), for a server whose certificate an agency CA signed.
    pub ca_file: Option<PathBuf>,
    pub timeout: std::time::Duration,
    pub attempts: u32,
    pub retry_delay: std::time::Duration,
    /// The whole delivery's time limit: past it, nothing more is tried.
    pub deadline: std::time::Duration,
}

/// Validated `[delivery]`.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub from: Mailbox,
    /// The domains mail may go to, lower case.
    pub allowed_domains: Vec<String>,
    pub leadership: Vec<Mailbox>,
    pub operations: Vec<Mailbox>,
    /// Office (canonical spelling) → its recipients.
    pub offices: BTreeMap<String, Vec<Mailbox>>,
    /// (office, unit) → the unit's supervisors.
    pub units: BTreeMap<(String, String), Vec<Mailbox>>,
    /// Each worker in the staff extract gets their own case list.
    pub worker_mail: bool,
    pub max_attachment_bytes: u64,
    pub report_location: Option<String>,
    /// `None`: the ledger beside the run directories, `<out>/delivery-ledger.csv`.
    pub ledger: Option<PathBuf>,
    /// `None`: write every message as an `.eml` file into `<out>/<as_of>/outbox/`.
    pub smtp: Option<SmtpSettings>,
}

/// Validation of `[delivery]`, reporting problems as (key, message).
pub(super) fn validate(section: DeliverySection, offices: &[String]) -> Result<DeliverySettings, (String, String)> {
    let invalid = |key: &str, message: String| (key.to_string(), message);
    let from: Mailbox = section.from.parse().map_err(|error| {
        invalid(
            "delivery.from",
            format!("{:?} is not an email address: {error}", section.from),
        )
    })?;
    let allowed: Vec<String> = section
        .allowed_domains
        .iter()
        .map(|domain| domain.trim().to_lowercase())
        .collect();
    let has_recipients = !section.leadership.is_empty()
        || !section.operations.is_empty()
        || section.offices.values().any(|list| !list.is_empty())
        || section.units.values().any(|list| !list.is_empty())
        || section.worker_mail;
    if has_recipients && allowed.is_empty() {
        return Err(invalid(
            "delivery.allowed_domains",
            "list the domains reports may be sent to (an address outside them is refused)".to_string(),
        ));
    }
    let parse_list = |key: String, addresses: &[String]| -> Result<Vec<Mailbox>, (String, String)> {
        let mut parsed = Vec::new();
        for (index, text) in addresses.iter().enumerate() {
            let mailbox: Mailbox = text.parse().map_err(|error| {
                (
                    format!("{key}[{index}]"),
                    format!("{text:?} is not an email address: {error}"),
                )
            })?;
            let domain = mailbox.email.domain().to_lowercase();
            if !allowed.contains(&domain) {
                return Err((
                    format!("{key}[{index}]"),
                    format!("{text:?} is outside delivery.allowed_domains ({})", allowed.join(", ")),
                ));
            }
            parsed.push(mailbox);
        }
        Ok(parsed)
    };
    let leadership = parse_list("delivery.leadership".into(), &section.leadership)?;
    let operations = parse_list("delivery.operations".into(), &section.operations)?;
    let canonical_office = |office: &str, key: &str| -> Result<String, (String, String)> {
        if offices.is_empty() {
            return Ok(crate::scope::canonical_name(office));
        }
        offices
            .iter()
            .find(|known| known.eq_ignore_ascii_case(office.trim()))
            .cloned()
            .ok_or_else(|| (key.to_string(), format!("{office:?} is not one of offices.names")))
    };
    let mut office_routes = BTreeMap::new();
    for (office, addresses) in &section.offices {
        let key = format!("delivery.offices.{office:?}");
        office_routes.insert(canonical_office(office, &key)?, parse_list(key, addresses)?);
    }
    let mut unit_routes = BTreeMap::new();
    for (name, addresses) in &section.units {
        let key = format!("delivery.units.{name:?}");
        let Some((office, unit)) = name.split_once(" / ").filter(|(_, unit)| !unit.trim().is_empty()) else {
            return Err((
                key,
                "name a unit as \"<office> / <unit>\", e.g. \"Hartford / Intake\"".into(),
            ));
        };
        let office = canonical_office(office, &key)?;
        unit_routes.insert((office, unit.trim().to_string()), parse_list(key, addresses)?);
    }
    let smtp = section.smtp.map(validate_smtp).transpose()?;
    Ok(DeliverySettings {
        from,
        allowed_domains: allowed.clone(),
        leadership,
        operations,
        offices: office_routes,
        units: unit_routes,
        worker_mail: section.worker_mail,
        max_attachment_bytes: section.max_attachment_bytes,
        report_location: section.report_location,
        ledger: section.ledger,
        smtp,
    })
}

fn validate_smtp(section: SmtpSection) -> Result<SmtpSettings, (String, String)> {
    let host = section.host.trim().to_string();
    if host.is_empty() {
        return Err(("delivery.smtp.host".into(), "is empty".into()));
    }
    if section.security == SmtpSecurity::None {
        let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
        if !section.allow_plaintext || !local {
            return Err((
                "delivery.smtp.security".into(),
                "\"none\" sends mail unencrypted: it is allowed only for a relay on this machine (host localhost, \
                 127.0.0.1 or ::1) and only with allow_plaintext = true"
                    .into(),
            ));
        }
    }
    let username = match (&section.username, &section.username_env) {
        (Some(_), Some(_)) => {
            return Err((
                "delivery.smtp.username".into(),
                "give username or username_env, not both".into(),
            ));
        }
        (Some(literal), None) => Some(SecretSource::Literal(literal.clone())),
        (None, Some(variable)) => Some(SecretSource::Environment(variable.clone())),
        (None, None) => None,
    };
    let password = match (&section.password_env, &section.password_file) {
        (Some(_), Some(_)) => {
            return Err((
                "delivery.smtp.password_env".into(),
                "give password_env or password_file, not both".into(),
            ));
        }
        (Some(variable), None) => Some(SecretSource::Environment(variable.clone())),
        (None, Some(path)) => Some(SecretSource::File(path.clone())),
        (None, None) => None,
    };
    let credentials = match (username, password) {
        (Some(username), Some(password)) => CredentialSource::Login { username, password },
        (None, None) => CredentialSource::None,
        _ => {
            return Err((
                "delivery.smtp".into(),
                "authentication needs both a username (username or username_env) and a password (password_env or \
                 password_file)"
                    .into(),
            ));
        }
    };
    if section.attempts == 0 {
        return Err(("delivery.smtp.attempts".into(), "must be at least 1".into()));
    }
    if section.timeout_seconds == 0 {
        return Err(("delivery.smtp.timeout_seconds".into(), "must be at least 1".into()));
    }
    if section.deadline_seconds == 0 {
        return Err(("delivery.smtp.deadline_seconds".into(), "must be at least 1".into()));
    }
    let port = section.port.unwrap_or(match section.security {
        SmtpSecurity::Starttls => 587,
        SmtpSecurity::Tls => 465,
        SmtpSecurity::None => 25,
    });
    Ok(SmtpSettings {
        host,
        port,
        security: section.security,
        credentials,
        ca_file: section.ca_file,
        timeout: std::time::Duration::from_secs(section.timeout_seconds),
        attempts: section.attempts,
        retry_delay: std::time::Duration::from_millis(section.retry_delay_milliseconds),
        deadline: std::time::Duration::from_secs(section.deadline_seconds),
    })
}
