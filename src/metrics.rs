//! Prometheus metrics of every `run`, whatever its exit status (`docs/outputs.md`,
//! "Monitoring"): written to a node-exporter textfile (a temporary file renamed into place)
//! and/or pushed to a Pushgateway. A metrics failure is logged and never changes the exit
//! status. `..._last_success_timestamp_seconds` is set only by a run that exits 0: a failing
//! run carries the previous value forward in the textfile and leaves it out of its push (a
//! POST replaces only the metric names it sends).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;

use crate::config::MetricsSettings;
use crate::delivery::smtp::MessageCounts;

/// An extract's row counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub orphaned: u64,
}

/// What a run reports about itself.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    pub finished: Option<SystemTime>,
    pub duration: Duration,
    pub exit_status: i32,
    pub as_of: Option<NaiveDate>,
    /// By extract name.
    pub rows: BTreeMap<&'static str, RowCounts>,
    /// By extract name.
    pub newest_dates: BTreeMap<&'static str, NaiveDate>,
    pub messages: Option<MessageCounts>,
}

const SUCCESS: &str = "permanency_report_last_success_timestamp_seconds";

/// One gauge's samples: the labels (`{extract="removals"}`, or empty) and the value.
type Samples = Vec<(String, f64)>;

/// The text exposition format of `facts`; with `previous_success` (a failing run), the last
/// success as the previous file said it. A gauge without samples is left out.
pub fn exposition(facts: &RunFacts, previous_success: Option<f64>) -> String {
    let now = seconds_since_epoch(facts.finished.unwrap_or(SystemTime::UNIX_EPOCH));
    let unlabelled =
        |value: Option<f64>| -> Samples { value.map(|value| (String::new(), value)).into_iter().collect() };
    let success = if facts.exit_status == 0 {
        Some(now)
    } else {
        previous_success
    };
    let gauges: [(&str, &str, Samples); 8] = [
        (
            "permanency_report_last_run_timestamp_seconds",
            "When the last run finished, whatever its exit status.",
            unlabelled(Some(now)),
        ),
        (
            SUCCESS,
            "When the last run that exited 0 finished.",
            unlabelled(success),
        ),
        (
            "permanency_report_exit_status",
            "The last run's exit status: 0 done, 1 configuration or output, 2 input (reports withheld), 3 delivery.",
            unlabelled(Some(f64::from(facts.exit_status))),
        ),
        (
            "permanency_report_duration_seconds",
            "How long the last run took.",
            unlabelled(Some(facts.duration.as_secs_f64())),
        ),
        (
            "permanency_report_as_of_timestamp_seconds",
            "The as-of date the last run reported on (midnight UTC).",
            unlabelled(facts.as_of.map(date_seconds)),
        ),
        (
            "permanency_report_rows",
            "Rows of each extract, by what became of them.",
            row_samples(facts),
        ),
        (
            "permanency_report_extract_newest_date_timestamp_seconds",
            "The newest date each extract holds (midnight UTC): how fresh it is.",
            (facts.newest_dates.iter())
                .map(|(extract, date)| (format!("{{extract=\"{extract}\"}}"), date_seconds(*date)))
                .collect(),
        ),
        (
            "permanency_report_messages",
            "The last run's messages, by what became of them.",
            message_samples(facts),
        ),
    ];
    let mut text = String::new();
    for (name, help, samples) in gauges.iter().filter(|(_, _, samples)| !samples.is_empty()) {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(text, "{name}{labels} {value}");
        }
    }
    text
}

/// Each extract's rows read, accepted, rejected and orphaned.
fn row_samples(facts: &RunFacts) -> Samples {
    (facts.rows.iter())
        .flat_map(|(extract, counts)| {
            [
                ("read", counts.read),
                ("accepted", counts.accepted),
                ("rejected", counts.rejected),
                ("orphaned", counts.orphaned),
            ]
            .map(|(kind, value)| (format!("{{extract=\"{extract}\",kind=\"{kind}\"}}"), value as f64))
        })
        .collect()
}

/// Messages sent, failed and skipped, when the run got as far as delivering.
fn message_samples(facts: &RunFacts) -> Samples {
    let Some(messages) = facts.messages else {
        return Vec::new();
    };
    [
        ("sent", messages.sent),
        ("failed", messages.failed),
        ("skipped", messages.skipped),
    ]
    .map(|(status, count)| (format!("{{status=\"{status}\"}}"), count as f64))
    .to_vec()
}

fn seconds_since_epoch(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs() as f64)
}

fn date_seconds(date: NaiveDate) -> f64 {
    date.and_hms_opt(0, 0, 0)
        .map_or(0.0, |midnight| midnight.and_utc().timestamp() as f64)
}

/// Writes and pushes the metrics as configured; returns what failed (to be logged).
pub fn publish(settings: &MetricsSettings, facts: &RunFacts) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(path) = &settings.textfile {
        let previous = previous_success(path);
        if let Err(error) = write_textfile(path, &exposition(facts, previous)) {
            problems.push(format!("cannot write the metrics textfile {}: {error}", path.display()));
        }
    }
    if let Some(url) = &settings.pushgateway {
        let body = exposition(facts, None);
        if let Err(error) = push(url, &settings.job, &body, settings.timeout) {
            problems.push(format!("cannot push the metrics to {url}: {error}"));
        }
    }
    problems
}

/// The last success the textfile recorded, if any.
fn previous_success(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(SUCCESS)?.trim().parse().ok())
}

/// A temporary file beside `path`, renamed over it: the node exporter never reads half a file.
fn write_textfile(path: &Path, text: &str) -> std::io::Result<()> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// POSTs `body` to `<url>/metrics/job/<job>` (plain HTTP, as Pushgateways inside a cluster
/// are reached).
fn push(url: &str, job: &str, body: &str, timeout: Duration) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// Pushgateway URLs are supported")?;
    let host_port = rest.split('/').next().unwrap_or_default();
    let address = host_port
        .to_socket_addrs()
        .map_err(|error| error.to_string())?
        .next()
        .ok_or("the host has no address")?;
    let mut stream = TcpStream::connect_timeout(&address, timeout).map_err(|error| error.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|error| error.to_string())?;
    let base = rest[host_port.len()..].trim_end_matches('/');
    let request = format!(
        "POST {base}/metrics/job/{job} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: text/plain; version=0.0.4\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|error| error.to_string())?;
    let mut response = Vec::new();
    let _ = stream.take(4096).read_to_end(&mut response);
    let status_line = String::from_utf8_lossy(&response);
    let status = status_line.split_whitespace().nth(1).unwrap_or("no answer");
    if status.starts_with('2') {
        Ok(())
    } else {
        Err(format!("the Pushgateway answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::{RowCounts, RunFacts, exposition};
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_failing_run_keeps_the_last_success_and_says_its_status() {
        let facts = RunFacts {
            finished: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2_000)),
            duration: Duration::from_millis(1500),
            exit_status: 2,
            rows: [(
                "removals",
                RowCounts {
                    read: 10,
                    accepted: 9,
                    rejected: 1,
                    orphaned: 0,
                },
            )]
            .into(),
            ..RunFacts::default()
        };
        let text = exposition(&facts, Some(1_000.0));
        assert!(text.contains("permanency_report_last_run_timestamp_seconds 2000\n"));
        assert!(text.contains("permanency_report_last_success_timestamp_seconds 1000\n"));
        assert!(text.contains("permanency_report_exit_status 2\n"));
        assert!(text.contains("permanency_report_duration_seconds 1.5\n"));
        assert!(text.contains("permanency_report_rows{extract=\"removals\",kind=\"rejected\"} 1\n"));
        let success = RunFacts {
            exit_status: 0,
            ..facts
        };
        assert!(
            exposition(&success, Some(1_000.0)).contains("permanency_report_last_success_timestamp_seconds 2000\n")
        );
        let first_failure = RunFacts {
            exit_status: 3,
            ..success
        };
        assert!(!exposition(&first_failure, None).contains("last_success"));
    }
}
