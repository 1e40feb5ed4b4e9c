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
    assert!(ledger.lines().skip(1).all(|line| line.ends_with(",accepted")), "{ledger}");
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
    // 14 offices (Hartford has two recipients) and two leaders in the shipped configuration.
    assert_eq!(names.len(), 17, "{names:?}");
    let hartford = std::fs::read(outbox.join("office-hartford--hartford.manager_agency.example.eml")).expect("eml");
    let parsed = MessageParser::default().parse(&hartford).expect("MIME");
    assert_eq!(
        parsed.attachments().next().and_then(|part| part.attachment_name()),
        Some("office-hartford.xlsx")
    );
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
    // An agency CA and a server certificate it signed, as a real relay would have.
    let path = |name: &str| directory.path().join(name);
    std::fs::write(
        path("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write");
    let openssl = |arguments: &[&str]| {
        let made = std::process::Command::new("openssl")
            .args(arguments)
            .current_dir(directory.path())
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
    let (certificate, key, authority) = (path("server.pem"), path("server.key"), path("ca.pem"));

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
