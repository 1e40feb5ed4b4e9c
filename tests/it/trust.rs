//! Trust in every night (issue 16): each defect a probe found, reproduced as a test — a stale
//! or shrunken extract, huge and long values, names that change with unrelated rows, child
//! data in logs, the as-of range, modes under a permissive umask, publishing over a file.
//! Delivery defects are in `delivery.rs`, monitoring in `monitoring.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{copy_extracts, fixture, read_csv, repository_root, run_binary, stderr_of, test_config_path};

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The test configuration with `edit` applied, written into `directory`.
fn config_with(directory: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let path = directory.join("config.toml");
    let base = std::fs::read_to_string(test_config_path()).expect("config");
    std::fs::write(&path, edit(base)).expect("write config");
    path
}

/// The freshness guard at its default (the test configuration widens it).
fn default_freshness(config: String) -> String {
    config.replace("max_staleness_days = 100000\n", "")
}

fn run(config: &Path, input: &Path, out: &Path, as_of: &str, extra: &[&str]) -> Output {
    let mut arguments = vec![
        "run",
        "--config",
        text(config),
        "--input-dir",
        text(input),
        "--out",
        text(out),
        "--as-of",
        as_of,
    ];
    arguments.extend_from_slice(extra);
    run_binary(&repository_root(), &arguments)
}

/// Rows of removals.csv of the tiny fixture, with `rows` appended.
fn tiny_with_removals(directory: &Path, rows: &str) -> PathBuf {
    let input = directory.join("input");
    copy_extracts(&fixture("tiny"), &input);
    let mut removals = std::fs::read_to_string(input.join("removals.csv")).expect("removals");
    removals.push_str(rows);
    std::fs::write(input.join("removals.csv"), removals).expect("write");
    input
}

// 1. A stale extract is reported as fresh.

#[test]
fn an_extract_older_than_the_staleness_limit_withholds_the_reports() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with(directory.path(), default_freshness);
    // The sample's newest dates are 2026-10-31 (removals, notices) and later (scheduled
    // meetings): as of three days after is fresh, four days after is stale.
    let sample = repository_root().join("sample-data");
    let out = directory.path().join("out");
    let fresh = run(&config, &sample, &out, "2026-11-03", &["--no-email"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr_of(&fresh));
    let stale = run(&config, &sample, &out, "2026-11-04", &["--no-email"]);
    assert_eq!(stale.status.code(), Some(2), "{}", stderr_of(&stale));
    assert!(stderr_of(&stale).contains("removals is stale: its newest date is 2026-10-31"));
    let withheld = out.join("2026-11-04");
    assert!(!withheld.join("measures.csv").exists(), "no figures from a stale night");
    let quality = std::fs::read_to_string(withheld.join("data_quality.txt")).expect("data quality");
    assert!(
        quality.contains("stale") && quality.contains("newest date 2026-10-31"),
        "{quality}"
    );
    // As of 2030-01-01 nothing is fresh (the probe got teaming 0/527 and exit 0).
    let far = run(&config, &sample, &out, "2030-01-01", &["--no-email"]);
    assert_eq!(far.status.code(), Some(2));
    // The newest dates are in the manifest of a run that is not withheld.
    let manifest = std::fs::read_to_string(out.join("2026-11-03/manifest.json")).expect("manifest");
    assert!(manifest.contains("\"newest_date\": \"2026-10-31\""), "{manifest}");
    // validate prints them too, and an analyst's rerun of an earlier date is never stale.
    let validate = run_binary(
        &repository_root(),
        &["validate", "--config", text(&config), "--input-dir", text(&sample)],
    );
    assert!(String::from_utf8_lossy(&validate.stdout).contains("newest date 2026-10-31"));
    let historical = run(&config, &sample, &out, "2025-06-30", &["--no-email"]);
    assert_eq!(historical.status.code(), Some(0), "{}", stderr_of(&historical));
}

#[test]
fn an_extract_that_shrank_since_the_previous_run_withholds_the_reports() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with(directory.path(), |config| config);
    let sample = repository_root().join("sample-data");
    let out = directory.path().join("out");
    let first = run(&config, &sample, &out, "2026-10-30", &["--no-email"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    // The next night's removals lose 6% of their rows: more than max_row_drop_share (5%).
    let smaller = directory.path().join("smaller");
    copy_extracts(&sample, &smaller);
    let lines: Vec<String> = std::fs::read_to_string(sample.join("removals.csv"))
        .expect("removals")
        .lines()
        .map(str::to_string)
        .collect();
    let keep = |drop_share: f64| {
        let dropped = ((lines.len() - 1) as f64 * drop_share).ceil() as usize;
        lines[..lines.len() - dropped].join("\n") + "\n"
    };
    std::fs::write(smaller.join("removals.csv"), keep(0.06)).expect("write");
    let shrunk = run(&config, &smaller, &out, "2026-10-31", &["--no-email"]);
    assert_eq!(shrunk.status.code(), Some(2), "{}", stderr_of(&shrunk));
    assert!(stderr_of(&shrunk).contains("removals shrank"), "{}", stderr_of(&shrunk));
    // 4% fewer is within the limit.
    std::fs::write(smaller.join("removals.csv"), keep(0.04)).expect("write");
    let within = run(&config, &smaller, &out, "2026-10-31", &["--no-email"]);
    assert_eq!(within.status.code(), Some(0), "{}", stderr_of(&within));
}

// 2 and 3. One huge or long value exhausts memory or stops the night.

#[test]
fn a_huge_value_is_one_reject_in_bounded_memory_and_time() {
    let directory = tempfile::tempdir().expect("temp dir");
    let huge = "x".repeat(100_000_000);
    let input = tiny_with_removals(directory.path(), &format!("Z1,C9,{huge},2026-01-05,,N,,,,,\n"));
    drop(huge);
    let config = config_with(directory.path(), |config| config);
    let out = directory.path().join("out");
    // 4 GB of address space: the old reader needed about 400 bytes a byte of the value (40 GB).
    let started = std::time::Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_permanency-report"))
        .args(["run", "--config", text(&config), "--input-dir", text(&input)])
        .args(["--out", text(&out), "--as-of", "2026-10-31", "--no-email"])
        .current_dir(repository_root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let rejects = read_csv(&out.join("2026-10-31/rejects/removals.csv"));
    assert_eq!(rejects.len(), 2, "one rejected row");
    assert!(
        rejects[1][1].starts_with("value_too_long: column office"),
        "{:?}",
        rejects[1][1]
    );
    let size = std::fs::metadata(out.join("2026-10-31/rejects/removals.csv"))
        .expect("rejects")
        .len();
    assert!(
        size < 10_000,
        "the rejects file keeps the value's beginning only ({size} bytes)"
    );
}

#[test]
fn an_input_that_is_not_a_regular_file_is_an_input_error_not_an_endless_read() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input");
    copy_extracts(&fixture("tiny"), &input);
    std::fs::remove_file(input.join("removals.csv")).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", input.join("removals.csv")).expect("symlink");
    let config = config_with(directory.path(), |config| config);
    let output = run(
        &config,
        &input,
        &directory.path().join("out"),
        "2026-10-31",
        &["--no-email"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("not a regular file"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn long_office_names_and_values_over_the_spreadsheet_limit_never_stop_the_night() {
    let directory = tempfile::tempdir().expect("temp dir");
    let long_office = format!("Office {}", "Long ".repeat(60)); // 306 bytes: a file name of 310
    let long_id = "R".repeat(40_000); // over Excel's 32,767 characters a cell
    let input = tiny_with_removals(
        directory.path(),
        &format!(
            "L1,C10,{long_office},2026-01-05,,N,,,,,\n{long_id},C11,Hartford,2026-01-05,,N,,,,,\nL3,C12,Hartford,2026-01-05,,N,,{},,,\n",
            "Black".repeat(8_000)
        ),
    );
    let config = config_with(directory.path(), |config| config);
    let out = directory.path().join("out");
    let output = run(&config, &input, &out, "2026-10-31", &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let run_directory = out.join("2026-10-31");
    let stem = permanency_report::scope::file_stem("office", long_office.trim());
    assert!(
        stem.len() < 60 && run_directory.join(format!("{stem}.xlsx")).is_file(),
        "{stem}"
    );
    let rejects = read_csv(&run_directory.join("rejects/removals.csv"));
    let reasons: Vec<&str> = rejects[1..].iter().map(|row| row[1].as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().all(|reason| reason.starts_with("value_too_long")));
}

// 8. A failed rerun deletes the good reports.

#[test]
fn a_failed_rerun_never_removes_a_complete_run_directory() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input");
    copy_extracts(&fixture("tiny"), &input);
    let config = config_with(directory.path(), |config| config);
    let out = directory.path().join("out");
    let good = run(&config, &input, &out, "2026-10-31", &["--no-email"]);
    assert_eq!(good.status.code(), Some(0), "{}", stderr_of(&good));
    std::fs::remove_file(input.join("meetings.csv")).expect("remove");
    let failed = run(&config, &input, &out, "2026-10-31", &["--no-email"]);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr_of(&failed));
    assert!(out.join("2026-10-31/measures.csv").is_file(), "the good run is kept");
    assert!(out.join("2026-10-31/office-hartford.xlsx").is_file());
    assert!(out.join("2026-10-31-withheld/data_quality.txt").is_file());
    assert!(stderr_of(&failed).contains("is kept"), "{}", stderr_of(&failed));
}

// 10. File names and Message-IDs depend on unrelated rows.

#[test]
fn an_offices_files_and_message_ids_do_not_depend_on_other_rows() {
    let directory = tempfile::tempdir().expect("temp dir");
    let delivery = "\n[delivery]\nfrom = \"r@agency.example\"\nallowed_domains = [\"agency.example\"]\n\
                    [delivery.offices]\n\"Hartford\" = [\"h@agency.example\"]\n";
    let config = config_with(directory.path(), |config| format!("{config}{delivery}"));
    let message_id = |out: &Path| {
        let eml = std::fs::read_to_string(out.join("2026-10-31/outbox/office-hartford--h_agency.example.eml"))
            .expect("Hartford's message keeps its file name");
        eml.lines()
            .find(|line| line.starts_with("Message-ID:"))
            .expect("a Message-ID")
            .to_string()
    };
    let plain = tempfile::tempdir().expect("temp dir");
    let input = plain.path().join("input");
    copy_extracts(&fixture("tiny"), &input);
    let out = directory.path().join("plain");
    assert_eq!(run(&config, &input, &out, "2026-10-31", &[]).status.code(), Some(0));
    // One row spelling the office HARTFORD, and one office whose slug is hartford too.
    let extra = tiny_with_removals(
        directory.path(),
        "H1,C20,HARTFORD,2026-01-05,,N,,,,,\nH2,C21,Hartford!,2026-01-05,,N,,,,,\n",
    );
    let with_others = directory.path().join("others");
    let output = run(&config, &extra, &with_others, "2026-10-31", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(message_id(&out), message_id(&with_others));
    let offices: Vec<String> = read_csv(&with_others.join("2026-10-31/measures.csv"))
        .into_iter()
        .skip(1)
        .map(|row| row[2].clone())
        .collect();
    assert!(
        !offices.iter().any(|office| office == "HARTFORD"),
        "HARTFORD is Hartford"
    );
}

// 13. Child data in logs and alerts.

#[test]
fn logs_alerts_and_the_data_quality_report_carry_no_row_content() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input");
    copy_extracts(&fixture("tiny"), &input);
    // A headerless removals extract: its first line is a child's row.
    let removals = std::fs::read_to_string(input.join("removals.csv")).expect("removals");
    let headerless: String = removals.lines().skip(1).map(|line| format!("{line}\n")).collect();
    std::fs::write(input.join("removals.csv"), &headerless).expect("write");
    let operations = "\n[delivery]\nfrom = \"r@agency.example\"\nallowed_domains = [\"agency.example\"]\n\
                      operations = [\"ops@agency.example\"]\n";
    let config = config_with(directory.path(), |config| format!("{config}{operations}"));
    let out = directory.path().join("out");
    let output = run(&config, &input, &out, "2026-10-31", &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    let alert = std::fs::read_to_string(out.join("2026-10-31/outbox/alert--ops_agency.example.eml")).expect("alert");
    let quality = std::fs::read_to_string(out.join("2026-10-31/data_quality.txt")).expect("data quality");
    for place in [stderr_of(&output), alert, quality] {
        for secret in ["A1", "C1", "2015-01-01", "Black"] {
            assert!(
                !place.contains(&format!(",{secret},")) && !place.contains(&format!("{secret},C")),
                "{place}"
            );
        }
        assert!(
            !place.contains("\u{1b}["),
            "no colour codes when stderr is not a terminal"
        );
    }
    // A rejected row's ids are never in data_quality.txt, only in the rejects file.
    let messy = tempfile::tempdir().expect("temp dir");
    let output = run(
        &config,
        &fixture("messy"),
        &messy.path().join("out"),
        "2026-10-31",
        &["--no-email"],
    );
    let quality = std::fs::read_to_string(messy.path().join("out/2026-10-31/data_quality.txt")).expect("quality");
    assert!(quality.contains("duplicate_id in column"), "{quality}");
    let rejects = read_csv(&messy.path().join("out/2026-10-31/rejects/removals.csv"));
    let duplicate = rejects
        .iter()
        .find(|row| row[1].starts_with("duplicate_id"))
        .expect("a duplicate");
    let id = &duplicate[2];
    for needle in [format!("\"{id}\""), format!("{id},"), format!(" {id} ")] {
        assert!(
            !quality.contains(&needle),
            "the repeated id {id} is not in the summary: {quality}"
        );
        assert!(!stderr_of(&output).contains(&needle));
    }
}

// 14. The smaller ones.

#[test]
fn an_as_of_outside_the_plausible_range_is_a_usage_error_not_a_panic() {
    let directory = tempfile::tempdir().expect("temp dir");
    let output = run_binary(
        &repository_root(),
        &[
            "run",
            "--as-of",
            "9999-12-31",
            "--out",
            text(&directory.path().join("out")),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("outside the plausible range"));
    assert!(!directory.path().join("out").exists(), "nothing written");
}

#[test]
fn the_output_root_and_lock_take_the_configured_modes_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with(directory.path(), |config| config);
    let out = directory.path().join("out");
    let output = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_permanency-report"))
        .args(["run", "--config", text(&config), "--input-dir", text(&fixture("tiny"))])
        .args(["--out", text(&out), "--as-of", "2026-10-31", "--no-email"])
        .current_dir(repository_root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let mode = |path: &Path| std::fs::metadata(path).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join(".permanency-report.lock")), 0o600);
}

#[test]
fn publishing_over_a_plain_file_replaces_it_and_exits_0() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with(directory.path(), |config| config);
    let out = directory.path().join("out");
    std::fs::create_dir_all(&out).expect("out");
    std::fs::write(out.join("2026-10-31"), "not a directory").expect("write");
    let output = run(&config, &fixture("tiny"), &out, "2026-10-31", &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(out.join("2026-10-31/measures.csv").is_file());
}

#[test]
fn direction_marks_from_an_office_name_never_reach_a_subject() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = tiny_with_removals(directory.path(), "U1,C30,Hart\u{202E}drof,2026-01-05,,N,,,,,\n");
    let delivery = "\n[delivery]\nfrom = \"r@agency.example\"\nallowed_domains = [\"agency.example\"]\n\
                    [delivery.offices]\n\"Hart\u{202E}drof\" = [\"x@agency.example\"]\n";
    let config = config_with(directory.path(), |config| format!("{config}{delivery}"));
    let out = directory.path().join("out");
    let output = run(&config, &input, &out, "2026-10-31", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let outbox: Vec<PathBuf> = std::fs::read_dir(out.join("2026-10-31/outbox"))
        .expect("outbox")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(outbox.len(), 1);
    let message = std::fs::read(&outbox[0]).expect("eml");
    let parsed = mail_parser::MessageParser::default().parse(&message).expect("MIME");
    let subject = parsed.subject().expect("a subject");
    assert!(
        subject.contains("Hartdrof") && !subject.contains('\u{202E}'),
        "{subject:?}"
    );
}

#[test]
fn a_huge_header_is_refused_without_being_echoed_and_a_line_break_forges_no_log_line() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input");
    copy_extracts(&fixture("tiny"), &input);
    let mut header = "removal_id,".repeat(20_000); // 220 kB of header
    header.push_str("child_id\nR1,C1\n");
    std::fs::write(input.join("removals.csv"), &header).expect("write");
    let config = config_with(directory.path(), |config| config);
    let output = run(
        &config,
        &input,
        &directory.path().join("out"),
        "2026-10-31",
        &["--no-email"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("header line is longer than"));
    assert!(stderr_of(&output).len() < 5_000, "the header is not echoed");
    // An office name with a line break inside a quoted field: one office, one log line each.
    let forged = tiny_with_removals(
        directory.path(),
        "F1,C40,\"Hartford\nERROR forged entry\",2026-01-05,,N,,,,,\n",
    );
    let delivery = "\n[delivery]\nfrom = \"r@agency.example\"\nallowed_domains = [\"agency.example\"]\n";
    let config = config_with(directory.path(), |config| format!("{config}{delivery}"));
    let output = run(&config, &forged, &directory.path().join("forged"), "2026-10-31", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        !stderr_of(&output).lines().any(|line| line.starts_with("ERROR forged")),
        "{}",
        stderr_of(&output)
    );
}
