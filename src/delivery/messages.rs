//! Builds the messages of a run: one per (recipient, report), and alerts for operations.
//! Deterministic: the Date header is the morning after `as_of` (06:00 UTC), and the
//! Message-ID and MIME boundaries are derived from (as_of, report, recipient).

use std::time::{Duration, SystemTime};

use chrono::NaiveDate;
use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{self, ContentType, Headers};
use lettre::message::{Attachment, Mailbox, Mailboxes, MultiPart, SinglePart};

use super::text_body::text_body;
use crate::config::delivery::DeliverySettings;
use crate::reports::{RenderedReport, Scope, html, text};

const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One message to one recipient.
pub struct OutgoingMessage {
    /// The report's file stem (`statewide`, `office-hartford`) or `alert`.
    pub report: String,
    pub recipient: Mailbox,
    pub message_id: String,
    /// Who it is from and to, as SMTP's MAIL and RCPT commands give them.
    pub envelope: Envelope,
    /// The message as sent: headers and body, with CRLF line ends.
    pub formatted: Vec<u8>,
}

impl OutgoingMessage {
    /// Whether this is a worker's own list (report `worker-<id>`).
    pub fn is_workers_list(&self) -> bool {
        self.report.starts_with("worker-")
    }

    /// How logs and failure lists name the message: its report, but never a worker's id.
    pub fn log_label(&self) -> &str {
        if self.is_workers_list() {
            "a worker's case list"
        } else {
            &self.report
        }
    }

    /// `<report>--<recipient>.eml`, safe as a file name.
    pub fn outbox_file_name(&self) -> String {
        let address: String = self
            .recipient
            .email
            .to_string()
            .chars()
            .map(|character| {
                if character.is_ascii_alphanumeric() || character == '.' || character == '-' {
                    character
                } else {
                    '_'
                }
            })
            .collect();
        format!("{}--{address}.eml", self.report)
    }
}

/// What `report_messages` planned, the reports nobody is set to receive, and the configured
/// routes that name no report of tonight's (a misspelt office would otherwise mean silence).
pub struct Plan {
    pub messages: Vec<OutgoingMessage>,
    pub unrouted: Vec<String>,
    pub unknown_routes: Vec<String>,
}

/// Leadership gets the statewide report; each office's recipients get their office's report
/// (its workbook, page and case lists, never another office's).
pub fn report_messages(
    reports: &[RenderedReport],
    settings: &DeliverySettings,
    as_of: NaiveDate,
) -> anyhow::Result<Plan> {
    let mut plan = Plan {
        messages: Vec::new(),
        unrouted: Vec::new(),
        unknown_routes: settings
            .offices
            .keys()
            .filter(|office| {
                !reports
                    .iter()
                    .any(|report| report.model.scope.office_name() == Some(office.as_str()))
            })
            .map(|office| format!("delivery.offices.{office:?}"))
            .collect(),
    };
    let mut addressed: Vec<(&RenderedReport, &Mailbox)> = Vec::new();
    for report in reports {
        let recipients: &[Mailbox] = match &report.model.scope {
            Scope::Statewide => &settings.leadership,
            Scope::Office { office } => settings.offices.get(&**office).map_or(&[], Vec::as_slice),
            Scope::Unit { office, unit } => settings
                .units
                .get(&(office.to_string(), unit.to_string()))
                .map_or(&[], Vec::as_slice),
            Scope::Worker { .. } => &[],
        };
        if recipients.is_empty() {
            plan.unrouted.push(report.model.scope.display_name());
        }
        addressed.extend(recipients.iter().map(|recipient| (report, recipient)));
    }
    // Each a page, a text and a workbook in base64: on both cores.
    plan.messages = crate::performance::work_queue::map_on_two_threads(&addressed, |&(report, recipient)| {
        report_message(report, recipient, settings, as_of)
    })?;
    Ok(plan)
}

/// `report`'s message to `recipient`: its page and text, and its workbook attached unless it is
/// larger than the mail limit (the message then says where it is).
fn report_message(
    report: &RenderedReport,
    recipient: &Mailbox,
    settings: &DeliverySettings,
    as_of: NaiveDate,
) -> anyhow::Result<OutgoingMessage> {
    let too_large = report.workbook.len() as u64 > settings.max_attachment_bytes;
    let notice = too_large.then(|| {
        let location = settings
            .report_location
            .as_deref()
            .map_or_else(|| "the reports directory".to_string(), |location| format!("{location}/{as_of}"));
        format!(
            "The workbook ({:.1} MB) is larger than the {:.1} MB mail limit, so it is not attached: it is {} in {location}.",
            report.workbook.len() as f64 / 1e6,
            settings.max_attachment_bytes as f64 / 1e6,
            report.workbook_name()
        )
    });
    let subject = format!(
        "Permanency report — {} — as of {as_of}",
        report.model.scope.display_name()
    );
    let attachment = (!too_large).then(|| (report.workbook_name(), report.workbook.clone()));
    build(
        settings,
        as_of,
        Draft {
            report: &report.stem,
            recipient,
            subject: &subject,
            plain: text::render(&report.model, notice.as_deref()),
            page: Some(html::render(&report.model, notice.as_deref())),
            attachment,
            distinct: "",
        },
    )
}

/// One worker's open items, for their message.
pub struct WorkerItems<'a> {
    worker_id: &'a str,
    member: &'a crate::model::StaffMember,
    /// In action order, most urgent first.
    items: Vec<&'a crate::engine::CaseRow>,
}

/// With `delivery.worker_mail`, each worker in the staff extract who has at least one open
/// item, by id, with those items; otherwise none.
pub fn workers_to_write<'a>(
    cases: &crate::reports::actions::ActionOrder<'a>,
    staff: &'a std::collections::BTreeMap<String, crate::model::StaffMember>,
    settings: &DeliverySettings,
) -> Vec<WorkerItems<'a>> {
    if !settings.worker_mail {
        return Vec::new();
    }
    let mut by_worker: crate::performance::FastHashMap<&str, Vec<&crate::engine::CaseRow>> = Default::default();
    // Taken in action order, each worker's items are in their own action order.
    for case in cases.iter() {
        by_worker.entry(&case.worker_id).or_default().push(case);
    }
    let mut workers: Vec<WorkerItems<'_>> = by_worker
        .into_iter()
        .filter(|(worker_id, _)| *worker_id != crate::model::UNASSIGNED)
        .filter_map(|(worker_id, items)| {
            Some(WorkerItems {
                worker_id,
                member: staff.get(worker_id)?,
                items,
            })
        })
        .collect();
    workers.sort_unstable_by_key(|worker| worker.worker_id);
    workers
}

/// A worker's message: their own children's items only (no attachment), most urgent first.
pub fn worker_message(
    worker: &WorkerItems<'_>,
    settings: &DeliverySettings,
    as_of: NaiveDate,
) -> anyhow::Result<OutgoingMessage> {
    let WorkerItems {
        worker_id,
        member,
        items,
    } = worker;
    let list = crate::reports::worker::WorkerList {
        as_of,
        worker_id,
        name: member.name.as_deref(),
        items,
    };
    let recipient = Mailbox::new(member.name.clone(), member.email.clone());
    text_and_page(
        settings,
        as_of,
        TextAndPage {
            report: &crate::scope::file_stem("worker", worker_id),
            recipient: &recipient,
            subject: &list.subject(),
            plain: list.text(),
            page: list.html(),
        },
    )
}

/// Every worker's message (`workers_to_write`, `worker_message`), built on both cores.
pub fn worker_messages(
    workers: &[WorkerItems<'_>],
    settings: &DeliverySettings,
    as_of: NaiveDate,
) -> anyhow::Result<Vec<OutgoingMessage>> {
    crate::performance::work_queue::map_on_two_threads(workers, |worker| worker_message(worker, settings, as_of))
}

/// One plain-text alert per operations address.
pub fn alert_messages(
    settings: &DeliverySettings,
    as_of: NaiveDate,
    subject: &str,
    body: &str,
) -> anyhow::Result<Vec<OutgoingMessage>> {
    settings
        .operations
        .iter()
        .map(|recipient| {
            build(
                settings,
                as_of,
                Draft {
                    report: "alert",
                    recipient,
                    subject: &format!("ALERT permanency-report as of {as_of}: {subject}"),
                    plain: body.to_string(),
                    page: None,
                    attachment: None,
                    // Each alert its own Message-ID: mail clients would hide a second one.
                    distinct: &format!("{subject}\n{body}"),
                },
            )
        })
        .collect()
}

/// Header text from the data may hold line breaks, control characters or invisible
/// direction marks (which can make a subject read backwards): never in a header.
fn header_safe(text: &str) -> String {
    let invisible = |character: char| {
        matches!(
            character,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
    };
    text.chars()
        .filter(|&character| !invisible(character))
        .map(|character| if character.is_control() { ' ' } else { character })
        .collect()
}

/// A message of a text part and a page only (`text_and_page`): a `Draft` with a page, no
/// attachment and nothing else distinct.
struct TextAndPage<'a> {
    report: &'a str,
    recipient: &'a Mailbox,
    subject: &'a str,
    plain: String,
    page: String,
}

/// One message before it is built.
struct Draft<'a> {
    /// The report's file stem, or `alert`.
    report: &'a str,
    recipient: &'a Mailbox,
    subject: &'a str,
    plain: String,
    page: Option<String>,
    attachment: Option<(String, Vec<u8>)>,
    /// Anything else that makes this message a different one (an alert's text).
    distinct: &'a str,
}

/// The token a message's Message-ID and MIME boundaries are made of, derived from (as_of,
/// report, recipient, `distinct`): the same message on a rerun, a different one for different
/// content. Returns (token, Message-ID).
fn identity(as_of: NaiveDate, report: &str, recipient: &Mailbox, distinct: &str) -> (String, String) {
    let identity = format!("{as_of}\n{report}\n{}", recipient.email);
    let identity = if distinct.is_empty() {
        identity
    } else {
        format!("{identity}\n{distinct}")
    };
    let token = crate::digest::sha256_hex(identity.as_bytes())[..24].to_string();
    let message_id = format!("<{as_of}.{report}.{token}@permanency-report>");
    (token, message_id)
}

/// The message, with a Message-ID and MIME boundaries from `identity`.
fn build(settings: &DeliverySettings, as_of: NaiveDate, draft: Draft<'_>) -> anyhow::Result<OutgoingMessage> {
    let Draft {
        report,
        recipient,
        subject,
        plain,
        page,
        attachment,
        distinct,
    } = draft;
    let (token, message_id) = identity(as_of, report, recipient, distinct);
    let body = match page {
        None => MultiPart::mixed()
            .boundary(format!("mixed-{token}"))
            .singlepart(SinglePart::plain(text_body(plain))),
        Some(page) => {
            let alternative = MultiPart::alternative()
                .boundary(format!("alternative-{token}"))
                .singlepart(SinglePart::plain(text_body(plain)))
                .singlepart(SinglePart::html(text_body(page)));
            let mixed = MultiPart::mixed()
                .boundary(format!("mixed-{token}"))
                .multipart(alternative);
            match attachment {
                None => mixed,
                Some((name, bytes)) => {
                    mixed.singlepart(Attachment::new(name).body(bytes, ContentType::parse(XLSX_CONTENT_TYPE)?))
                }
            }
        }
    };
    let message = Message::builder()
        .from(settings.from.clone())
        .to(recipient.clone())
        .subject(header_safe(subject))
        .date(morning_after(as_of))
        .message_id(Some(message_id.clone()))
        .multipart(body)?;
    Ok(OutgoingMessage {
        report: report.to_string(),
        recipient: recipient.clone(),
        message_id,
        envelope: message.envelope().clone(),
        formatted: message.formatted(),
    })
}

/// The message `build` makes of a draft with a page and no attachment (a text part and an HTML
/// part, as alternatives, inside a mixed part), laid out here rather than by lettre's MIME
/// builder: lettre still writes the headers (and encodes what needs it), and the parts are
/// encoded as there (`text_body`). At national scale that is 20,000 workers' messages a night,
/// and lettre's builder was a third of the cost of making them. A test holds the two to the
/// same bytes.
fn text_and_page(
    settings: &DeliverySettings,
    as_of: NaiveDate,
    message: TextAndPage<'_>,
) -> anyhow::Result<OutgoingMessage> {
    let TextAndPage {
        report,
        recipient,
        subject,
        plain,
        page,
    } = message;
    let (token, message_id) = identity(as_of, report, recipient, "");
    let mut headers = Headers::new();
    headers.set(header::From::from(Mailboxes::from(settings.from.clone())));
    headers.set(header::To::from(Mailboxes::from(recipient.clone())));
    headers.set(header::Subject::from(header_safe(subject)));
    headers.set(header::Date::new(morning_after(as_of)));
    headers.set(header::MessageId::from(message_id.clone()));
    headers.set(header::MIME_VERSION_1_0);
    // What lettre derives from these headers, without reading them back.
    let envelope = Envelope::new(Some(settings.from.email.clone()), vec![recipient.email.clone()])?;
    let parts = [("text/plain", text_body(plain)), ("text/html", text_body(page))];
    let size: usize = parts.iter().map(|(_, body)| body.as_ref().len()).sum();
    let mut out = Vec::with_capacity(size + 1024);
    std::io::Write::write_fmt(&mut out, format_args!("{headers}"))?;
    let token = token.as_bytes();
    // As lettre's `MultiPart` writes itself: its Content-Type header (folded where it passes 76
    // characters, as the alternative's does with a 24-character token), a blank line, each
    // part after `--boundary`, then `--boundary--`.
    for piece in [
        b"Content-Type: multipart/mixed; boundary=\"mixed-".as_slice(),
        token,
        b"\"\r\n\r\n--mixed-",
        token,
        b"\r\nContent-Type: multipart/alternative;\r\n boundary=\"alternative-",
        token,
        b"\"\r\n\r\n",
    ] {
        out.extend_from_slice(piece);
    }
    for (content_type, body) in &parts {
        for piece in [
            b"--alternative-".as_slice(),
            token,
            b"\r\nContent-Type: ",
            content_type.as_bytes(),
            b"; charset=utf-8\r\nContent-Transfer-Encoding: ",
            body.encoding().to_string().as_bytes(),
            b"\r\n\r\n",
            body.as_ref(),
            b"\r\n",
        ] {
            out.extend_from_slice(piece);
        }
    }
    for piece in [b"--alternative-".as_slice(), token, b"--\r\n--mixed-", token, b"--\r\n"] {
        out.extend_from_slice(piece);
    }
    Ok(OutgoingMessage {
        report: report.to_string(),
        recipient: recipient.clone(),
        message_id,
        envelope,
        formatted: out,
    })
}

/// 06:00 UTC on the day after `as_of`: when the nightly run's mail is read (its Date header,
/// and the date on its `From ` line in the workers' mailbox).
pub fn morning_after(as_of: NaiveDate) -> SystemTime {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(as_of);
    let days = (as_of - epoch).num_days().max(0) as u64 + 1;
    SystemTime::UNIX_EPOCH + Duration::from_secs(days * 86_400 + 6 * 3_600)
}

#[cfg(test)]
mod tests {
    use super::{Draft, TextAndPage, alert_messages, build, header_safe, text_and_page};
    use crate::config::delivery::DeliverySettings;
    use lettre::message::Mailbox;

    fn settings() -> DeliverySettings {
        DeliverySettings {
            from: "r@agency.example".parse().expect("address"),
            allowed_domains: vec!["agency.example".into()],
            leadership: Vec::new(),
            operations: vec!["ops@agency.example".parse().expect("address")],
            offices: Default::default(),
            units: Default::default(),
            worker_mail: false,
            max_attachment_bytes: 1,
            report_location: None,
            ledger: None,
            smtp: None,
        }
    }

    #[test]
    fn each_alert_has_its_own_message_id_and_a_rerun_the_same() {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let id = |subject: &str, body: &str| {
            alert_messages(&settings(), as_of, subject, body).expect("alert")[0]
                .message_id
                .clone()
        };
        assert_ne!(
            id("input error", "removals missing"),
            id("delivery failed", "one failed")
        );
        assert_ne!(id("delivery failed", "one failed"), id("delivery failed", "two failed"));
        assert_eq!(
            id("input error", "removals missing"),
            id("input error", "removals missing")
        );
    }

    #[test]
    fn a_text_and_page_message_is_the_message_lettre_builds_byte_for_byte() {
        let settings = DeliverySettings {
            from: "\"Permanency Reports\" <reports@agency.example>"
                .parse()
                .expect("address"),
            ..settings()
        };
        let as_of = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
        let long_line = format!("<p>{}</p>\n", "x".repeat(120));
        let recipients = [
            Mailbox::new(None, "w1@agency.example".parse().expect("address")),
            Mailbox::new(
                Some("Kevin Nguyen".into()),
                "kevin@agency.example".parse().expect("address"),
            ),
            Mailbox::new(
                Some("Jos\u{e9} N\u{fa}\u{f1}ez, Jr.".into()),
                "jose@agency.example".parse().expect("address"),
            ),
        ];
        let cases = [
            (
                "Your children's deadlines \u{2014} 3 overdue, 2 due soon \u{2014} as of 2024-02-29",
                "a\nb\n",
                "<p>a</p>\n",
            ),
            ("short", "caf\u{e9} \u{2014} text\n", "<p>caf\u{e9}</p>\n"),
            ("a subject\r\nBcc: x", "", ""),
            ("=?utf-8?b?x?= looks encoded", &long_line, &long_line),
            ("lines", "tab\t\nspace \n\r\n", "<p>\r\n</p>"),
        ];
        for recipient in &recipients {
            for (subject, plain, page) in cases {
                let draft = Draft {
                    report: "worker-w0000004",
                    recipient,
                    subject,
                    plain: plain.to_string(),
                    page: Some(page.to_string()),
                    attachment: None,
                    distinct: "",
                };
                let ours = text_and_page(
                    &settings,
                    as_of,
                    TextAndPage {
                        report: "worker-w0000004",
                        recipient,
                        subject,
                        plain: plain.to_string(),
                        page: page.to_string(),
                    },
                )
                .expect("message");
                let lettre = build(&settings, as_of, draft).expect("message");
                assert_eq!(
                    String::from_utf8_lossy(&ours.formatted),
                    String::from_utf8_lossy(&lettre.formatted),
                    "{subject:?} to {recipient}"
                );
                assert_eq!(ours.envelope, lettre.envelope);
                assert_eq!(ours.message_id, lettre.message_id);
            }
        }
    }

    #[test]
    fn headers_lose_line_breaks_and_direction_marks() {
        assert_eq!(header_safe("Hart\u{202E}drof\r\nBcc: x"), "Hartdrof  Bcc: x");
    }
}
