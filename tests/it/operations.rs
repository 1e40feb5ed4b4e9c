//! Running it every night: backfill, the output lock, kill -9 mid-run, JSON logs, and the
//! deployment files.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{fixture, read_csv, repository_root, run_binary, stderr_of, test_config_path};

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `run` on a fixture with the test configuration, as of 2026-10-31, without email.
fn run_fixture(name: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    crate::support::run_as_of(
        &test_config_path(),
        &fixture(name),
        out,
        &[&["--no-email"], extra].concat(),
    )
}

#[test]
fn backfill_writes_each_date_as_a_run_would_and_one_series() {
    let directory = tempfile::tempdir().expect("temp dir");
    let history = directory.path().join("history");
    let output = run_binary(
        &repository_root(),
        &[
            "backfill",
            "--config",
            utf8(&test_config_path()),
            "--input-dir",
            utf8(&fixture("tiny")),
            "--from",
            "2026-08-31",
            "--to",
            "2026-10-31",
            "--every",
            "month",
            "--out",
            utf8(&history),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for date in ["2026-08-31", "2026-09-30", "2026-10-31"] {
        assert!(history.join(date).join("measures.csv").is_file(), "{date}");
        assert!(
            !history.join(date).join("statewide.xlsx").exists(),
            "no workbooks unless --with-reports"
        );
    }
    let series = read_csv(&history.join("series.csv"));
    assert_eq!(
        series[0],
        [
            "as_of",
            "measure",
            "office",
            "numerator",
            "denominator",
            "rate",
            "target"
        ]
    );
    assert_eq!(
        series.len(),
        1 + 3 * crate::support::measures_without_placements() * 4,
        "3 dates × the measures without placements × (3 offices + Statewide)"
    );
    let october = series
        .iter()
        .find(|row| row[0] == "2026-10-31" && row[1] == "reunification_12m" && row[2] == "Statewide")
        .expect("row");
    assert_eq!(october[3..5], ["1", "2"]);

    // The backfilled date is exactly what `run` writes for it.
    let single = directory.path().join("single");
    let output = run_fixture("tiny", &single, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for file in ["measures.csv", "cases.csv", "equity.csv", "rejects/removals.csv"] {
        assert_eq!(
            std::fs::read(history.join("2026-10-31").join(file)).expect("backfill file"),
            std::fs::read(single.join("2026-10-31").join(file)).expect("run file"),
            "{file}"
        );
    }
}

/// A backfill never replaces a run's directory: pointed at the nightly directory it refuses
/// before writing anything (the run's workbooks and pages stay), and it may rewrite its own.
#[test]
fn a_backfill_never_replaces_a_runs_directory() {
    let directory = tempfile::tempdir().expect("temp dir");
    let nightly = directory.path().join("nightly");
    let output = run_fixture("tiny", &nightly, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let backfill = |out: &Path| {
        run_binary(
            &repository_root(),
            &[
                "backfill",
                "--config",
                utf8(&test_config_path()),
                "--input-dir",
                utf8(&fixture("tiny")),
                "--from",
                "2026-09-30",
                "--to",
                "2026-10-31",
                "--out",
                utf8(out),
            ],
        )
    };
    let refused = backfill(&nightly);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr_of(&refused));
    assert!(
        stderr_of(&refused).contains("was written by `run`, not by a backfill"),
        "{}",
        stderr_of(&refused)
    );
    assert!(
        nightly.join("2026-10-31/statewide.xlsx").is_file(),
        "the run's workbook stays"
    );
    assert!(!nightly.join("2026-09-30").exists(), "nothing written");
    let history = directory.path().join("history");
    for attempt in ["first", "again"] {
        let output = backfill(&history);
        assert_eq!(output.status.code(), Some(0), "{attempt}: {}", stderr_of(&output));
    }
    let manifest = std::fs::read_to_string(history.join("2026-10-31/manifest.json")).expect("manifest");
    assert!(manifest.contains("\"command\": \"backfill\""), "{manifest}");
}

#[test]
fn a_second_run_on_a_locked_output_directory_exits_1_and_writes_nothing() {
    let directory = tempfile::tempdir().expect("temp dir");
    let out = directory.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let lock = std::fs::File::create(out.join(".permanency-report.lock")).expect("lock file");
    lock.lock().expect("the test holds the lock");
    let output = run_fixture("tiny", &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("another permanency-report run is writing to"),
        "{}",
        stderr_of(&output)
    );
    assert!(!out.join("2026-10-31").exists());
    drop(lock);
    let output = run_fixture("tiny", &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

#[test]
fn two_runs_started_together_never_both_write() {
    let directory = tempfile::tempdir().expect("temp dir");
    let out = directory.path().join("out");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_permanency-report"))
            .args(["run", "--as-of", "2026-10-31", "--out", utf8(&out), "--no-email"])
            .current_dir(repository_root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (first, second) = (spawn(), spawn());
    let outputs = [
        first.wait_with_output().expect("wait"),
        second.wait_with_output().expect("wait"),
    ];
    let codes: Vec<Option<i32>> = outputs.iter().map(|output| output.status.code()).collect();
    // Either they did not overlap (both 0) or exactly one got the lock and the other stopped.
    assert!(
        codes == [Some(0), Some(0)] || codes.contains(&Some(1)) && codes.contains(&Some(0)),
        "{codes:?}"
    );
    for output in &outputs {
        if output.status.code() == Some(1) {
            assert!(String::from_utf8_lossy(&output.stderr).contains("another permanency-report run"));
        }
    }
    assert!(out.join("2026-10-31/manifest.json").is_file());
}

#[test]
fn kill_9_during_a_run_never_leaves_a_partial_report() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input");
    let output = run_binary(
        &repository_root(),
        &["generate", "--children", "20000", "--seed", "3", "--out", utf8(&input)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let out = directory.path().join("out");
    for delay_ms in [50u64, 200, 500, 900, 1400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_permanency-report"))
            .args([
                "run",
                "--input-dir",
                utf8(&input),
                "--as-of",
                "2026-10-31",
                "--out",
                utf8(&out),
                "--no-email",
            ])
            .current_dir(repository_root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let run_directory = out.join("2026-10-31");
        if run_directory.exists() {
            // If the directory is there, it is complete: every file the manifest lists.
            let manifest: serde_json::Value = serde_json::from_slice(
                &std::fs::read(run_directory.join("manifest.json")).expect("a complete run has its manifest"),
            )
            .expect("json");
            for (name, digest) in manifest["outputs"].as_object().expect("outputs") {
                let bytes =
                    std::fs::read(run_directory.join(name)).unwrap_or_else(|_| panic!("{name} listed but missing"));
                assert_eq!(
                    permanency_report::digest::sha256_hex(&bytes),
                    digest.as_str().expect("digest"),
                    "{name}"
                );
            }
        }
    }
    // The next run finishes and clears what the killed ones left behind.
    let output = run_binary(
        &repository_root(),
        &[
            "run",
            "--input-dir",
            utf8(&input),
            "--as-of",
            "2026-10-31",
            "--out",
            utf8(&out),
            "--no-email",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".partial-") || name.contains(".replaced-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn json_logs_are_one_object_per_line_with_fields_and_no_child_data() {
    let directory = tempfile::tempdir().expect("temp dir");
    let output = run_fixture("tiny", directory.path(), &["--log-format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let logs = stderr_of(&output);
    let mut saw_extract = false;
    for line in logs.lines() {
        let object: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        for key in ["timestamp", "level", "message"] {
            assert!(object.get(key).is_some(), "{key} in {line}");
        }
        if object["message"] == "extract read" {
            saw_extract = true;
            assert!(object["rows_read"].is_u64() && object["extract"].is_string(), "{line}");
        }
        if object["message"] == "reading extracts" {
            assert_eq!(object["as_of"], "2026-10-31");
        }
    }
    assert!(saw_extract);
    for identifier in ["C1", "C4", "C5", "C6", "A1", "B1", "X1"] {
        assert!(
            !logs.contains(&format!("\"{identifier}\"")),
            "child data {identifier} in the logs"
        );
    }
}

#[test]
fn the_deployment_files_name_the_image_command_and_secret() {
    let root = repository_root();
    let cronjob: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("deploy/cronjob.yaml")).expect("cronjob"))
            .expect("valid YAML");
    assert_eq!(cronjob["kind"], "CronJob");
    assert_eq!(cronjob["spec"]["concurrencyPolicy"], "Forbid");
    let job = &cronjob["spec"]["jobTemplate"]["spec"];
    assert!(job["backoffLimit"].as_u64().is_some());
    // Exit 1 and 2 fail the Job at once (a rerun cannot fix configuration or input); 3 is
    // counted, so it is retried once.
    let rules = job["podFailurePolicy"]["rules"]
        .as_sequence()
        .expect("podFailurePolicy rules");
    let action_for = |code: u64| {
        rules
            .iter()
            .find(|rule| {
                rule["onExitCodes"]["operator"] == "In"
                    && rule["onExitCodes"]["values"]
                        .as_sequence()
                        .is_some_and(|values| values.iter().any(|value| value.as_u64() == Some(code)))
            })
            .and_then(|rule| rule["action"].as_str())
    };
    assert_eq!(action_for(1), Some("FailJob"));
    assert_eq!(action_for(2), Some("FailJob"));
    assert_eq!(action_for(3), Some("Count"));
    assert_eq!(
        job["template"]["spec"]["restartPolicy"], "Never",
        "podFailurePolicy needs Never"
    );
    // The example alerts watch the metrics the program writes.
    let rules: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("deploy/prometheus-rules.yaml")).expect("rules"))
            .expect("valid YAML");
    let expressions: Vec<&str> = rules["groups"][0]["rules"]
        .as_sequence()
        .expect("rules")
        .iter()
        .filter_map(|rule| rule["expr"].as_str())
        .collect();
    for metric in [
        "permanency_report_last_success_timestamp_seconds",
        "permanency_report_exit_status",
        "permanency_report_extract_newest_date_timestamp_seconds",
    ] {
        assert!(
            expressions.iter().any(|expression| expression.contains(metric)),
            "{metric}"
        );
    }
    let pod = &job["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    assert!(
        container["image"]
            .as_str()
            .is_some_and(|image| image.contains("permanency-report"))
    );
    let arguments: Vec<&str> = container["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .filter_map(|value| value.as_str())
        .collect();
    assert_eq!(arguments[0], "run");
    assert!(arguments.windows(2).any(|pair| pair == ["--log-format", "json"]));
    let secrets: Vec<&str> = container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .filter_map(|variable| variable["valueFrom"]["secretKeyRef"]["name"].as_str())
        .collect();
    assert_eq!(secrets, ["permanency-report-smtp", "permanency-report-smtp"]);
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_sequence()
        .expect("mounts")
        .iter()
        .filter_map(|mount| mount["mountPath"].as_str())
        .collect();
    assert!(mounts.contains(&"/data/extracts") && mounts.contains(&"/data/reports"));

    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains(" AS build") && dockerfile.contains("COPY --from=build"),
        "multi-stage"
    );
    assert!(
        dockerfile
            .lines()
            .any(|line| line.starts_with("USER ") && !line.contains("root")),
        "non-root user"
    );
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/permanency-report\"]"));

    let crontab = std::fs::read_to_string(root.join("deploy/crontab")).expect("crontab");
    let entry = crontab
        .lines()
        .find(|line| !line.starts_with('#') && !line.trim().is_empty())
        .expect("an entry");
    let fields: Vec<&str> = entry.split_whitespace().collect();
    assert!(
        fields[..5]
            .iter()
            .all(|field| field.chars().all(|c| c.is_ascii_digit() || c == '*')),
        "{entry}"
    );
    assert_eq!(fields[6], "/usr/local/bin/permanency-report");
    assert_eq!(fields[7], "run");
}

#[test]
fn outputs_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().expect("temp dir");
    let out = directory.path().join("out");
    let output = run_fixture("messy", &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let run_directory = out.join("2026-10-31");
    let mode = |path: &Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&run_directory), 0o700);
    assert_eq!(mode(&run_directory.join("rejects")), 0o700);
    for file in [
        "measures.csv",
        "cases.csv",
        "episodes.csv",
        "rejects/removals.csv",
        "statewide.xlsx",
        "manifest.json",
    ] {
        assert_eq!(mode(&run_directory.join(file)), 0o600, "{file}");
    }
}

/// `backfill --snapshots`: each night from its own snapshot, and `revisions.csv` with how late
/// corrections moved each figure — up (a discharge date corrected to on time) and down (one
/// corrected to late).
#[test]
fn a_snapshot_backfill_reports_each_night_as_it_was_and_its_revisions() {
    let directory = tempfile::tempdir().expect("temp dir");
    let snapshots = directory.path().join("snapshots");
    let tiny = fixture("tiny");
    let removals = std::fs::read_to_string(tiny.join("removals.csv")).expect("removals");
    let nights = [
        // A1's discharge first entered four days late (later corrected to 2026-03-15).
        (
            "2026-09-30",
            removals.replace("2026-03-15,reunification", "2026-03-19,reunification"),
        ),
        // A2's discharge first entered as on time (later corrected to 2026-03-16).
        (
            "2026-10-31",
            removals.replace("2026-03-16,reunification", "2026-03-15,reunification"),
        ),
        ("2026-11-30", removals.clone()),
    ];
    for (night, removals) in &nights {
        let snapshot = snapshots.join(night);
        crate::support::copy_extracts(&tiny, &snapshot);
        std::fs::write(snapshot.join("removals.csv"), removals).expect("write");
    }
    std::fs::create_dir_all(snapshots.join("not-a-night")).expect("mkdir");
    let out = directory.path().join("history");
    let output = run_binary(
        &repository_root(),
        &[
            "backfill",
            "--config",
            utf8(&test_config_path()),
            "--snapshots",
            utf8(&snapshots),
            "--out",
            utf8(&out),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let revisions = read_csv(&out.join("revisions.csv"));
    assert_eq!(
        revisions[0],
        [
            "as_of",
            "measure",
            "office",
            "reported_numerator",
            "reported_denominator",
            "reported_rate",
            "current_numerator",
            "current_denominator",
            "current_rate"
        ]
    );
    let revision = |as_of: &str| -> Vec<String> {
        revisions
            .iter()
            .find(|row| row[0] == as_of && row[1] == "reunification_12m" && row[2] == "Statewide")
            .unwrap_or_else(|| panic!("{as_of}: {revisions:?}"))[3..]
            .to_vec()
    };
    // 2026-09-30: A1, A2 (late) and A3 discharged in the period; A1 was reported late.
    assert_eq!(
        revision("2026-09-30"),
        ["1", "3", "0.3333333333333333", "2", "3", "0.6666666666666666"]
    );
    // 2026-10-31: A1 and A2; A2 was reported on time.
    assert_eq!(revision("2026-10-31"), ["2", "2", "1", "1", "2", "0.5"]);
    assert_eq!(
        revision("2026-11-30")[..3],
        revision("2026-11-30")[3..],
        "the newest night is current"
    );
    // Each night's directory has its figures as reported.
    let measures = read_csv(&out.join("2026-09-30/measures.csv"));
    let headline = measures
        .iter()
        .find(|row| row[1] == "reunification_12m" && row[2] == "Statewide" && row[3] == "headline")
        .expect("row");
    assert_eq!(headline[6..8], ["1", "3"]);
    let series = read_csv(&out.join("series.csv"));
    assert!(series.iter().any(|row| row[0] == "2026-10-31"
        && row[1] == "reunification_12m"
        && row[2] == "Statewide"
        && row[3..5] == ["2", "2"]));
    assert!(!out.join("not-a-night").exists());
}
