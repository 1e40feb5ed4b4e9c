//! Delivery against a real SMTP server on loopback (mailin-embedded), including its faults:
//! a 451 then success, a 550, a server that is down, a server that never answers, a rerun.

use std::collections::BTreeMap;
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use mail_parser::{MessageParser, MimeHeaders};
use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server};

use crate::support::{fixture, repository_root, run_binary, stderr_of, test_config_path};

#[derive(Default)]
struct ServerState {
    /// (recipients, raw message) of every message the server accepted.
    accepted: Vec<(Vec<String>, Vec<u8>)>,
    recipients: Vec<String>,
    data: Vec<u8>,
    /// Refuse the next N messages at the end of DATA with 451 (transient).
    transient_failures_left: usize,
    /// Refuse recipients containing this with 550 (permanent).
    refuse_recipients_containing: Option<String>,
    /// Answer the end of DATA for recipients containing this only after this long (the
    /// message is taken all the same).
    slow_acknowledgement: Option<(String, std::time::Duration)>,
    /// Wait this long before answering the end of DATA, for every message.
    pause_before_answer: Option<std::time::Duration>,
    rcpt_commands: Vec<String>,
}

#[derive(Clone)]
struct RecordingHandler(Arc<Mutex<ServerState>>);

impl Handler for RecordingHandler {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        let mut state = self.0.lock().expect("lock");
        state.recipients.clear();
        state.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let mut state = self.0.lock().expect("lock");
        state.rcpt_commands.push(to.to_string());
        if state
            .refuse_recipients_containing
            .as_deref()
            .is_some_and(|refused| to.contains(refused))
        {
            return response::NO_MAILBOX;
        }
        state.recipients.push(to.to_string());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.lock().expect("lock").data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let (slow, pause) = {
            let state = self.0.lock().expect("lock");
            let slow = state
                .slow_acknowledgement
                .as_ref()
                .filter(|(recipient, _)| state.recipients.iter().any(|to| to.contains(recipient.as_str())))
                .map(|(_, delay)| *delay);
            (slow, state.pause_before_answer)
        };
        // Taken before the (late) answer, as a real server commits the message first.
        if let Some(delay) = slow {
            let mut state = self.0.lock().expect("lock");
            let message = (std::mem::take(&mut state.recipients), std::mem::take(&mut state.data));
            state.accepted.push(message);
            drop(state);
            std::thread::sleep(delay);
            return response::OK;
        }
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
        let mut state = self.0.lock().expect("lock");
        if state.transient_failures_left > 0 {
            state.transient_failures_left -= 1;
            return response::INTERNAL_ERROR;
        }
        let message = (std::mem::take(&mut state.recipients), std::mem::take(&mut state.data));
        state.accepted.push(message);
        response::OK
    }
}

/// A real SMTP server on 127.0.0.1, serving on its own thread for the rest of the test run.
fn start_server(state: ServerState) -> (u16, Arc<Mutex<ServerState>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let shared = Arc::new(Mutex::new(state));
    let mut server = Server::new(RecordingHandler(shared.clone()));
    server.with_name("test.invalid").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, shared)
}

fn delivery_config(directory: &Path, port: u16, attempts: u32, timeout_seconds: u32) -> PathBuf {
    let base = std::fs::read_to_string(test_config_path()).expect("config");
    let text = format!(
        r#"{base}
[delivery]
from = "Reports <reports@agency.example>"
allowed_domains = ["agency.example"]
leadership = ["boss@agency.example"]
operations = ["ops@agency.example"]

[delivery.offices]
"Hartford" = ["hartford@agency.example"]
"Norwich" = ["norwich@agency.example"]

[delivery.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
allow_plaintext = true
attempts = {attempts}
timeout_seconds = {timeout_seconds}
retry_delay_milliseconds = 20
"#
    );
    let path = directory.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn run_with(config: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    crate::support::run_as_of(config, &fixture("tiny"), out, extra)
}

/// recipient → raw message, of what the server accepted.
fn accepted(state: &Arc<Mutex<ServerState>>) -> Vec<(String, Vec<u8>)> {
    state
        .lock()
        .expect("lock")
        .accepted
        .iter()
        .map(|(recipients, data)| (recipients.join(","), data.clone()))
        .collect()
}

#[test]
fn each_recipient_gets_their_own_report_with_text_html_and_the_workbook() {
    let (port, state) = start_server(ServerState::default());
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let output = run_with(&config, &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));

    let messages: BTreeMap<String, Vec<u8>> = accepted(&state).into_iter().collect();
    let recipients: Vec<&str> = messages.keys().map(String::as_str).collect();
    assert_eq!(
        recipients,
        [
            "boss@agency.example",
            "hartford@agency.example",
            "norwich@agency.example"
        ]
    );

    let hartford = MessageParser::default()
        .parse(&messages["hartford@agency.example"])
        .expect("MIME");
    assert_eq!(
        hartford.subject(),
        Some("Permanency report — Hartford — as of 2026-10-31")
    );
    assert_eq!(
        hartford
            .to()
            .and_then(|to| to.first())
            .and_then(|mailbox| mailbox.address()),
        Some("hartford@agency.example")
    );
    let text = hartford.body_text(0).expect("a text part");
    assert!(text.contains("Reunification within 12 months"));
    let html = hartford.body_html(0).expect("an HTML part");
    assert!(html.contains("Permanency report — Hartford"));
    assert!(html.contains("A4"), "Hartford's own case list");
    assert!(
        !html.contains("B1") && !text.contains("B1"),
        "never another office's case list"
    );
    let attachment = hartford.attachments().next().expect("the workbook attached");
    assert_eq!(attachment.attachment_name(), Some("office-hartford.xlsx"));
    let bytes = attachment.contents().to_vec();
    let workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("the attachment opens as a workbook");
    use calamine::Reader;
    assert!(workbook.sheet_names().contains(&"Summary".to_string()));

    let boss = MessageParser::default()
        .parse(&messages["boss@agency.example"])
        .expect("MIME");
    assert_eq!(
        boss.attachments().next().and_then(|part| part.attachment_name()),
        Some("statewide.xlsx")
    );
    assert!(
        !directory.path().join("out/2026-10-31/outbox").exists(),
        "with an SMTP server nothing goes to the outbox"
    );
}

#[test]
fn a_rerun_sends_nothing_twice_and_resend_forces() {
    let (port, state) = start_server(ServerState::default());
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let out = directory.path().join("out");
    for _ in 0..2 {
        let output = run_with(&config, &out, &[]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    }
    assert_eq!(accepted(&state).len(), 3, "the second run sent nothing");
    let ledger = std::fs::read_to_string(out.join("delivery-ledger.csv")).expect("ledger");
    assert_eq!(ledger.lines().count(), 1 + 3);
    assert!(ledger.starts_with("as_of,recipient,report,message_id,status\n2026-10-31,"));
    assert!(
        ledger.lines().skip(1).all(|line| line.ends_with(",accepted")),
        "{ledger}"
    );
    let output = run_with(&config, &out, &["--resend"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(accepted(&state).len(), 6);
}

#[test]
fn a_451_is_retried_and_exactly_one_copy_arrives() {
    let (port, state) = start_server(ServerState {
        transient_failures_left: 2,
        ..ServerState::default()
    });
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let output = run_with(&config, &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let recipients: Vec<String> = accepted(&state).into_iter().map(|(recipient, _)| recipient).collect();
    assert_eq!(
        recipients,
        [
            "boss@agency.example",
            "hartford@agency.example",
            "norwich@agency.example"
        ]
    );
}

#[test]
fn a_550_is_not_retried_the_run_exits_3_and_operations_is_alerted() {
    let (port, state) = start_server(ServerState {
        refuse_recipients_containing: Some("norwich".into()),
        ..ServerState::default()
    });
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let out = directory.path().join("out");
    let output = run_with(&config, &out, &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("office-norwich to norwich@agency.example"),
        "{}",
        stderr_of(&output)
    );
    let refused = state
        .lock()
        .expect("lock")
        .rcpt_commands
        .iter()
        .filter(|to| to.contains("norwich"))
        .count();
    assert_eq!(refused, 1, "a permanent failure is not retried");
    let received = accepted(&state);
    let alert = received
        .iter()
        .find(|(recipient, _)| recipient == "ops@agency.example")
        .expect("an alert to operations");
    let alert = MessageParser::default().parse(&alert.1).expect("MIME");
    assert!(alert.subject().is_some_and(|subject| subject.contains("ALERT")));
    assert!(
        alert
            .body_text(0)
            .is_some_and(|body| body.contains("norwich@agency.example"))
    );
    assert!(
        out.join("2026-10-31/office-norwich.xlsx").is_file(),
        "the reports stay on disk"
    );
}

#[test]
fn a_server_that_is_down_exits_3_with_the_reports_on_disk() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 2, 2);
    let out = directory.path().join("out");
    let output = run_with(&config, &out, &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("gave up after 2 attempts"),
        "{}",
        stderr_of(&output)
    );
    assert!(out.join("2026-10-31/measures.csv").is_file());
    let ledger = std::fs::read_to_string(out.join("delivery-ledger.csv")).unwrap_or_default();
    assert!(ledger.lines().count() <= 1, "nothing recorded as sent: {ledger}");
}

#[test]
fn a_server_that_never_answers_times_out_and_exits_3() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    // Accepts connections and says nothing, for as long as the test runs.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 1, 1);
    let started = std::time::Instant::now();
    let output = run_with(&config, &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the timeout bounds the wait"
    );
    // Said as a timeout, not as the system's "os error 11" (issue 16, defect 9).
    assert!(
        stderr_of(&output).contains("no answer within 1 s"),
        "{}",
        stderr_of(&output)
    );
    assert!(!stderr_of(&output).contains("os error 11"));
}

#[test]
fn without_an_smtp_server_every_message_goes_to_the_outbox() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = run_binary(
        &repository_root(),
        &[
            "run",
            "--as-of",
            "2026-10-31",
            "--out",
            out.path().to_str().expect("utf-8"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let outbox = out.path().join("2026-10-31/outbox");
    let mut names: Vec<String> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // 14 offices (Hartford has two recipients) and two leaders in the shipped configuration,
    // two units' supervisors, and the workers' mailbox.
    let count = |prefix: &str| names.iter().filter(|name| name.starts_with(prefix)).count();
    assert_eq!(count("office-") + count("statewide-"), 17, "{names:?}");
    assert_eq!(count("unit-"), 2, "{names:?}");
    assert_eq!(count("worker-"), 0, "workers' lists are in workers.mbox: {names:?}");
    assert_eq!(names.len(), 17 + 2 + 1, "{names:?}");
    let cases = crate::support::read_csv(&out.path().join("2026-10-31/cases.csv"));
    let staff = crate::support::read_csv(&repository_root().join("sample-data/staff.csv"));
    let addresses_with_items: std::collections::BTreeSet<&str> = cases[1..]
        .iter()
        .map(|row| row[9].as_str())
        .filter_map(|worker| {
            staff
                .iter()
                .find(|member| member[0] == worker && member[1].ends_with("@agency.example"))
                .map(|member| member[1].as_str())
        })
        .collect();
    assert!(addresses_with_items.len() > 20);
    // Read back with a real mailbox reader: one message per worker with an open item.
    let recipients = recipients_in_mailbox(&outbox.join("workers.mbox"));
    assert_eq!(
        recipients.iter().map(String::as_str).collect::<Vec<_>>(),
        addresses_with_items.iter().copied().collect::<Vec<_>>(),
        "one message per worker with an open item"
    );
    // Streamed into the run directory, the mailbox is listed in the manifest with its digest.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("2026-10-31/manifest.json")).expect("manifest"))
            .expect("JSON");
    let mailbox = std::fs::read(outbox.join("workers.mbox")).expect("mailbox");
    assert_eq!(
        manifest["outputs"]["outbox/workers.mbox"].as_str(),
        Some(permanency_report::digest::sha256_hex(&mailbox).as_str())
    );
    let hartford = std::fs::read(outbox.join("office-hartford--hartford.manager_agency.example.eml")).expect("eml");
    let parsed = MessageParser::default().parse(&hartford).expect("MIME");
    assert_eq!(
        parsed.attachments().next().and_then(|part| part.attachment_name()),
        Some("office-hartford.xlsx")
    );
}

/// Each message's To address in an mbox file, as Python's `mailbox` module reads it, sorted;
/// and every message's HTML part parses. The sample's ids and names are ASCII, so each text
/// and HTML part is plain 7-bit (no transfer encoding to undo).
fn recipients_in_mailbox(path: &Path) -> Vec<String> {
    let script = "import email.utils, mailbox, sys\n\
                  for message in mailbox.mbox(sys.argv[1]):\n\
                  \x20   assert message.get_content_type() == 'multipart/mixed'\n\
                  \x20   html = [part for part in message.walk() if part.get_content_type() == 'text/html']\n\
                  \x20   assert b'</html>' in html[0].get_payload(decode=True)\n\
                  \x20   texts = [part for part in message.walk() if part.get_content_maintype() == 'text']\n\
                  \x20   assert [part['Content-Transfer-Encoding'] for part in texts] == ['7bit', '7bit'], message\n\
                  \x20   print(email.utils.parseaddr(message['To'])[1])\n";
    let output = Command::new("python3")
        .args(["-c", script, path.to_str().expect("utf-8")])
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut recipients: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    recipients.sort();
    recipients
}

#[derive(Clone)]
struct AuthenticatingHandler(RecordingHandler);

impl Handler for AuthenticatingHandler {
    fn mail(&mut self, ip: IpAddr, domain: &str, from: &str) -> Response {
        self.0.mail(ip, domain, from)
    }
    fn rcpt(&mut self, to: &str) -> Response {
        self.0.rcpt(to)
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.data(buf)
    }
    fn data_end(&mut self) -> Response {
        self.0.data_end()
    }
    fn auth_plain(&mut self, _authorization_id: &str, authentication_id: &str, password: &str) -> Response {
        if authentication_id == "reports-bot" && password == "s3cret from the environment" {
            response::AUTH_OK
        } else {
            response::INVALID_CREDENTIALS
        }
    }
}

#[test]
fn starttls_with_login_from_the_environment_delivers() {
    // The test server's crypto provider (the program itself uses ring through lettre).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().expect("temp dir");
    let (certificate, key, authority) = agency_certificates(directory.path());

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let state = Arc::new(Mutex::new(ServerState::default()));
    let mut server = Server::new(AuthenticatingHandler(RecordingHandler(state.clone())));
    server
        .with_name("127.0.0.1")
        .with_ssl(mailin_embedded::SslConfig::SelfSigned {
            cert_path: certificate.to_str().expect("utf-8").into(),
            key_path: key.to_str().expect("utf-8").into(),
        })
        .expect("TLS set up")
        .with_auth(mailin_embedded::AuthMechanism::Plain)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let config = delivery_config(directory.path(), port, 2, 5);
    let text = std::fs::read_to_string(&config).expect("config").replace(
        "security = \"none\"\nallow_plaintext = true\n",
        &format!(
            "security = \"starttls\"\nusername_env = \"TEST_SMTP_USER\"\npassword_env = \"TEST_SMTP_PASSWORD\"\nca_file = {:?}\n",
            authority.to_str().expect("utf-8")
        ),
    );
    std::fs::write(&config, text).expect("write config");
    let out = directory.path().join("out");
    let run = |password: &str| {
        Command::new(env!("CARGO_BIN_EXE_permanency-report"))
            .args(["run", "--config", config.to_str().expect("utf-8"), "--input-dir"])
            .arg(fixture("tiny"))
            .args(["--out", out.to_str().expect("utf-8"), "--as-of", "2026-10-31"])
            .env("TEST_SMTP_USER", "reports-bot")
            .env("TEST_SMTP_PASSWORD", password)
            .current_dir(repository_root())
            .output()
            .expect("runs")
    };
    let refused = run("wrong password");
    assert_eq!(refused.status.code(), Some(3), "{}", stderr_of(&refused));
    assert!(accepted(&state).is_empty(), "nothing accepted without the right login");
    let output = run("s3cret from the environment");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(accepted(&state).len(), 3, "delivered over STARTTLS after AUTH PLAIN");
}

// Issue 16: delivery defects, each reproduced.

/// Defect 4: a timeout after the end of DATA was retried, so each message arrived three times.
#[test]
fn a_slow_acknowledgement_is_delivery_uncertain_sent_once_and_never_resent() {
    let (port, state) = start_server(ServerState {
        slow_acknowledgement: Some(("hartford".into(), std::time::Duration::from_secs(3))),
        ..ServerState::default()
    });
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 1);
    let out = directory.path().join("out");
    let output = run_with(&config, &out, &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("did not confirm"), "{}", stderr_of(&output));
    std::thread::sleep(std::time::Duration::from_secs(4));
    let copies = |state: &Arc<Mutex<ServerState>>| {
        accepted(state)
            .iter()
            .filter(|(recipient, _)| recipient == "hartford@agency.example")
            .count()
    };
    assert_eq!(copies(&state), 1, "sent once, not retried");
    let ledger = std::fs::read_to_string(out.join("delivery-ledger.csv")).expect("ledger");
    assert!(
        ledger
            .lines()
            .any(|line| line.contains("hartford@agency.example") && line.ends_with(",uncertain")),
        "{ledger}"
    );
    let alert = accepted(&state)
        .into_iter()
        .find(|(recipient, _)| recipient == "ops@agency.example")
        .expect("operations is alerted");
    assert!(String::from_utf8_lossy(&alert.1).contains("may or may not have been delivered"));
    // A rerun sends nothing again.
    let rerun = run_with(&config, &out, &[]);
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr_of(&rerun));
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(copies(&state), 1, "never resent automatically");
}

/// Defect 5: with the ledger unwritable the run kept sending and reported all as undelivered.
#[test]
fn a_ledger_that_cannot_be_written_stops_the_delivery_at_the_first_message() {
    let (port, state) = start_server(ServerState::default());
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let out = directory.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    // A ledger already past the size limit the run gets (`ulimit -f`): every append fails
    // (EFBIG), as on a full disk.
    let mut ledger = String::from("as_of,recipient,report,message_id,status\n");
    while ledger.len() < 2_000_000 {
        ledger.push_str("2020-01-01,someone@agency.example,statewide,<earlier@permanency-report>,accepted\n");
    }
    std::fs::write(out.join("delivery-ledger.csv"), ledger).expect("write ledger");
    let output = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1024; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_permanency-report"))
        .args(["run", "--config", config.to_str().expect("utf-8"), "--input-dir"])
        .arg(fixture("tiny"))
        .args(["--out", out.to_str().expect("utf-8"), "--as-of", "2026-10-31"])
        .current_dir(repository_root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("not sent: the delivery ledger could not be written"),
        "{}",
        stderr_of(&output)
    );
    let reports: Vec<String> = accepted(&state)
        .into_iter()
        .map(|(recipient, _)| recipient)
        .filter(|recipient| recipient != "ops@agency.example")
        .collect();
    assert_eq!(reports.len(), 1, "nothing sent after the ledger failed: {reports:?}");
    assert!(
        accepted(&state)
            .iter()
            .any(|(recipient, _)| recipient == "ops@agency.example"),
        "operations is alerted"
    );
}

/// Defect 6: two runs sharing one configured ledger delivered most messages twice.
#[test]
fn two_runs_sharing_a_ledger_take_turns_and_send_each_message_once() {
    let (port, state) = start_server(ServerState {
        pause_before_answer: Some(std::time::Duration::from_millis(300)),
        ..ServerState::default()
    });
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let ledger = directory.path().join("shared-ledger.csv");
    let text = std::fs::read_to_string(&config).expect("config").replace(
        "[delivery.offices]",
        &format!("ledger = {:?}\n\n[delivery.offices]", ledger.to_str().expect("utf-8")),
    );
    std::fs::write(&config, text).expect("write");
    let start = |out: &str| {
        Command::new(env!("CARGO_BIN_EXE_permanency-report"))
            .args(["run", "--config", config.to_str().expect("utf-8"), "--input-dir"])
            .arg(fixture("tiny"))
            .arg("--out")
            .arg(directory.path().join(out))
            .args(["--as-of", "2026-10-31"])
            .current_dir(repository_root())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("starts")
    };
    let (first, second) = (start("one"), start("two"));
    for child in [first, second] {
        let output = child.wait_with_output().expect("finishes");
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    }
    assert_eq!(accepted(&state).len(), 3, "each of the three messages once");
    assert_eq!(std::fs::read_to_string(&ledger).expect("ledger").lines().count(), 1 + 3);
}

/// Defect 7: a torn last ledger line made every later run exit 3 and send nothing.
#[test]
fn a_torn_last_ledger_line_is_read_as_far_as_it_goes() {
    let (port, state) = start_server(ServerState::default());
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 5);
    let out = directory.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    std::fs::write(
        out.join("delivery-ledger.csv"),
        "as_of,recipient,report,message_id,status\n2026-10-31,boss@agency.example,statewide,<2026-10-31.statew",
    )
    .expect("write");
    let output = run_with(&config, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let recipients: Vec<String> = accepted(&state).into_iter().map(|(recipient, _)| recipient).collect();
    assert_eq!(
        recipients,
        ["hartford@agency.example", "norwich@agency.example"],
        "the torn line counts as sent"
    );
    let ledger = std::fs::read_to_string(out.join("delivery-ledger.csv")).expect("ledger");
    assert!(
        ledger.contains("<2026-10-31.statew\n2026-10-31,hartford@agency.example,"),
        "{ledger}"
    );
}

/// Defect 9: a dead server stalled the job for every message in turn; a certificate error and a
/// server without STARTTLS were retried as if transient.
#[test]
fn a_dead_server_fails_every_message_after_the_first_ones_retries() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 3, 2);
    let output = run_with(&config, &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert_eq!(
        stderr
            .matches("statewide to boss@agency.example: gave up after 3 attempts")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("not sent: the server could not be reached").count(),
        2,
        "{stderr}"
    );
}

#[test]
fn a_server_without_starttls_fails_at_once_without_retrying() {
    let (port, state) = start_server(ServerState::default());
    let directory = tempfile::tempdir().expect("temp dir");
    let config = delivery_config(directory.path(), port, 4, 5);
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace(
            "security = \"none\"\nallow_plaintext = true\n",
            "security = \"starttls\"\n",
        )
        .replace("retry_delay_milliseconds = 20", "retry_delay_milliseconds = 2000");
    std::fs::write(&config, text).expect("write");
    let started = std::time::Instant::now();
    let output = run_with(&config, &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("does not offer STARTTLS"),
        "{}",
        stderr_of(&output)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "no retries with 2, 4 and 8 s between them"
    );
    assert!(accepted(&state).is_empty(), "nothing sent in the clear");
}

/// Defect 12: a routing key that named no office silently stopped that office's mail.
#[test]
fn a_route_is_matched_whatever_its_case_and_a_route_to_no_office_is_alerted() {
    let directory = tempfile::tempdir().expect("temp dir");
    let base = std::fs::read_to_string(test_config_path()).expect("config");
    let config = directory.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{base}\n[delivery]\nfrom = \"r@agency.example\"\nallowed_domains = [\"agency.example\"]\n\
             operations = [\"ops@agency.example\"]\n[delivery.offices]\n\"hartford\" = [\"h@agency.example\"]\n\
             \"Norwhich\" = [\"n@agency.example\"]\n"
        ),
    )
    .expect("write");
    let out = directory.path().join("out");
    let output = run_with(&config, &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let outbox = out.join("2026-10-31/outbox");
    assert!(
        outbox.join("office-hartford--h_agency.example.eml").is_file(),
        "\"hartford\" routes Hartford"
    );
    let alert = std::fs::read_to_string(outbox.join("alert--ops_agency.example.eml")).expect("an alert");
    assert!(alert.contains("Norwhich"), "{alert}");
    assert!(stderr_of(&output).contains("names no office"), "{}", stderr_of(&output));
}

/// An agency CA and a server certificate it signed, as a real relay would have: (server
/// certificate, server key, CA certificate) in `directory`, made with the openssl command.
fn agency_certificates(directory: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let path = |name: &str| directory.join(name);
    std::fs::write(
        path("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write");
    let openssl = |arguments: &[&str]| {
        let made = std::process::Command::new("openssl")
            .args(arguments)
            .current_dir(directory)
            .output()
            .expect("openssl runs");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=Test Agency CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    (path("server.pem"), path("server.key"), path("ca.pem"))
}

#[test]
fn a_certificate_the_client_cannot_trust_fails_at_once_without_retrying() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let directory = tempfile::tempdir().expect("temp dir");
    let (certificate, key, _authority) = agency_certificates(directory.path());
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let state = Arc::new(Mutex::new(ServerState::default()));
    let mut server = Server::new(RecordingHandler(state.clone()));
    server
        .with_name("127.0.0.1")
        .with_ssl(mailin_embedded::SslConfig::SelfSigned {
            cert_path: certificate.to_str().expect("utf-8").into(),
            key_path: key.to_str().expect("utf-8").into(),
        })
        .expect("TLS set up")
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    // STARTTLS without the agency's CA: the server's certificate cannot be verified.
    let config = delivery_config(directory.path(), port, 4, 5);
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace(
            "security = \"none\"\nallow_plaintext = true\n",
            "security = \"starttls\"\n",
        )
        .replace("retry_delay_milliseconds = 20", "retry_delay_milliseconds = 2000");
    std::fs::write(&config, text).expect("write config");
    let started = std::time::Instant::now();
    let output = run_with(&config, &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("TLS failed"), "{stderr}");
    assert_eq!(stderr.matches("not sent: TLS failed").count(), 2, "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "no retries");
    assert!(accepted(&state).is_empty());
}

// Issue 17: managers, supervisors and workers each get their own scope, and nothing else.

#[test]
fn managers_supervisors_and_workers_each_receive_only_their_own_children() {
    let (port, state) = start_server(ServerState::default());
    let directory = tempfile::tempdir().expect("temp dir");
    let base = std::fs::read_to_string(test_config_path()).expect("config");
    let config = directory.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"{}
[delivery]
from = "Reports <reports@agency.example>"
allowed_domains = ["agency.example"]
worker_mail = true
[delivery.offices]
"Hartford" = ["manager@agency.example"]
[delivery.units]
"Hartford / Intake" = ["supervisor@agency.example"]
[delivery.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
allow_plaintext = true
retry_delay_milliseconds = 20
"#,
            base.replace(
                "max_rejected_share = 0.9\n",
                "max_rejected_share = 0.9\nstaff_file = \"staff.csv\"\n"
            )
        ),
    )
    .expect("write config");
    let output = crate::support::run_as_of(&config, &fixture("teams"), &directory.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let messages: BTreeMap<String, Vec<u8>> = accepted(&state).into_iter().collect();
    let recipients: Vec<&str> = messages.keys().map(String::as_str).collect();
    // Dee (Norwich) has items too; Eve's address is outside the allow-list (a rejected row).
    assert_eq!(
        recipients,
        [
            "alex@agency.example",
            "bea@agency.example",
            "cal@agency.example",
            "dee@agency.example",
            "manager@agency.example",
            "supervisor@agency.example"
        ]
    );
    let text_of = |recipient: &str| {
        let parsed = MessageParser::default().parse(&messages[recipient]).expect("MIME");
        let text = parsed.body_text(0).expect("a text part").into_owned();
        let html = parsed.body_html(0).expect("an HTML part").into_owned();
        (format!("{text}\n{html}"), parsed.attachments().count())
    };
    let has = |text: &str, child: &str| {
        text.contains(&format!("child {child} ")) || text.contains(&format!("Child {child}<"))
    };
    // The manager: Hartford's children (every unit), never Norwich's.
    let (manager, _) = text_of("manager@agency.example");
    for child in ["K1", "K2", "K3", "K5", "K6"] {
        assert!(has(&manager, child), "the manager sees {child}");
    }
    assert!(!manager.contains("K4"), "no Norwich child in Hartford's report");
    // The Intake supervisor: Intake's children only.
    let (supervisor, _) = text_of("supervisor@agency.example");
    for child in ["K1", "K2", "K5"] {
        assert!(has(&supervisor, child), "the supervisor sees {child}");
    }
    for child in ["K3", "K4", "K6"] {
        assert!(!supervisor.contains(child), "{child} is outside Hartford / Intake");
    }
    // Each worker: their own children, no attachment, no one else's.
    for (worker, own) in [
        ("alex@agency.example", &["K1", "K5"][..]),
        ("bea@agency.example", &["K2"][..]),
        ("cal@agency.example", &["K3"][..]),
        ("dee@agency.example", &["K4"][..]),
    ] {
        let (text, attachments) = text_of(worker);
        assert_eq!(attachments, 0, "no attachment for {worker}");
        for child in ["K1", "K2", "K3", "K4", "K5", "K6"] {
            assert_eq!(
                text.contains(child),
                own.contains(&child),
                "{worker} and {child}: {text}"
            );
        }
    }
    // Logs carry no worker id above debug.
    for id in ["W101", "W102", "W103", "W104"] {
        assert!(!stderr_of(&output).contains(id), "{}", stderr_of(&output));
    }
    // A rerun sends none of them again.
    let rerun = crate::support::run_as_of(&config, &fixture("teams"), &directory.path().join("out"), &[]);
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr_of(&rerun));
    assert_eq!(accepted(&state).len(), 6);
}
