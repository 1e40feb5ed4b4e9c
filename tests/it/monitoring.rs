//! Monitoring (issue 16): every run's metrics, to a real Pushgateway (Debian's
//! `prometheus-pushgateway`, started on loopback here; `scripts/test` installs it) and to a
//! node-exporter textfile, whatever the exit status; a failing run never moves the last
//! success.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};

use crate::support::{copy_extracts, fixture, repository_root, run_binary, stderr_of, test_config_path};

/// A Pushgateway on a free loopback port, stopped when dropped.
struct Pushgateway {
    child: Child,
    port: u16,
}

impl Drop for Pushgateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_pushgateway(directory: &Path) -> Pushgateway {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("prometheus-pushgateway")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!(
            "--persistence.file={}",
            directory.join("pushgateway.db").display()
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prometheus-pushgateway is installed (scripts/test installs it)");
    let gateway = Pushgateway { child, port };
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return gateway;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the Pushgateway did not start on port {port}");
}

/// What the Pushgateway exposes, `/metrics`.
fn scrape(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
}

/// The value of the sample that starts with `prefix` (a name and labels).
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[test]
fn every_run_pushes_and_writes_its_metrics_and_a_failure_keeps_the_last_success() {
    let directory = tempfile::tempdir().expect("temp dir");
    let gateway = start_pushgateway(directory.path());
    let textfile = directory.path().join("permanency_report.prom");
    let base = std::fs::read_to_string(test_config_path()).expect("config");
    let config = directory.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{base}\n[metrics]\ntextfile = {:?}\npushgateway = \"http://127.0.0.1:{}\"\njob = \"permanency-test\"\n",
            textfile.to_str().expect("utf-8"),
            gateway.port
        ),
    )
    .expect("write config");
    let input = directory.path().join("input");
    copy_extracts(&fixture("tiny"), &input);
    let run = |as_of: &str| {
        run_binary(
            &repository_root(),
            &[
                "run",
                "--config",
                config.to_str().expect("utf-8"),
                "--input-dir",
                input.to_str().expect("utf-8"),
                "--out",
                directory.path().join("out").to_str().expect("utf-8"),
                "--as-of",
                as_of,
                "--no-email",
            ],
        )
    };
    let good = run("2026-10-31");
    assert_eq!(good.status.code(), Some(0), "{}", stderr_of(&good));
    let pushed = scrape(gateway.port);
    let job = "{instance=\"\",job=\"permanency-test\"}";
    assert_eq!(
        sample(&pushed, &format!("permanency_report_exit_status{job}")),
        Some(0.0),
        "{pushed}"
    );
    let success = sample(
        &pushed,
        &format!("permanency_report_last_success_timestamp_seconds{job}"),
    )
    .expect("a last success");
    assert!(success > 1.7e9, "a timestamp: {success}");
    assert!(pushed.contains(
        "permanency_report_rows{extract=\"removals\",instance=\"\",job=\"permanency-test\",kind=\"read\"} 6"
    ));
    assert!(pushed.contains("permanency_report_extract_newest_date_timestamp_seconds{extract=\"removals\""));
    assert!(pushed.contains("permanency_report_duration_seconds{"));
    let written = std::fs::read_to_string(&textfile).expect("the textfile");
    assert_eq!(
        sample(&written, "permanency_report_last_success_timestamp_seconds"),
        Some(success)
    );

    // A failing run (an extract missing: exit 2) says so and leaves the last success alone.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::remove_file(input.join("meetings.csv")).expect("remove");
    let failed = run("2026-11-01");
    assert_eq!(failed.status.code(), Some(2), "{}", stderr_of(&failed));
    let pushed = scrape(gateway.port);
    assert_eq!(
        sample(&pushed, &format!("permanency_report_exit_status{job}")),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &pushed,
            &format!("permanency_report_last_success_timestamp_seconds{job}")
        ),
        Some(success)
    );
    let run_time = sample(&pushed, &format!("permanency_report_last_run_timestamp_seconds{job}")).expect("last run");
    assert!(run_time > success);
    let written = std::fs::read_to_string(&textfile).expect("the textfile");
    assert_eq!(sample(&written, "permanency_report_exit_status"), Some(2.0));
    assert_eq!(
        sample(&written, "permanency_report_last_success_timestamp_seconds"),
        Some(success)
    );
    let leftovers: Vec<_> = std::fs::read_dir(directory.path())
        .expect("directory")
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "the textfile is renamed into place");
}

#[test]
fn a_metrics_failure_never_changes_the_exit_status() {
    let directory = tempfile::tempdir().expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let base = std::fs::read_to_string(test_config_path()).expect("config");
    let config = directory.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{base}\n[metrics]\ntextfile = \"/nonexistent-directory/x.prom\"\npushgateway = \"http://127.0.0.1:{port}\"\ntimeout_seconds = 1\n"
        ),
    )
    .expect("write config");
    let output = crate::support::run_as_of(
        &config,
        &fixture("tiny"),
        &directory.path().join("out"),
        &["--no-email"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("metrics not written"),
        "{}",
        stderr_of(&output)
    );
}
