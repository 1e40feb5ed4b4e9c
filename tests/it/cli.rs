//! The command line as operators and analysts use it: exit statuses, files written, reruns,
//! `validate`, `explain`, `generate`.

use std::path::Path;

use crate::support::{
    copy_extracts, fixture, read_csv, repository_root, run_binary, stderr_of, stdout_of, test_config_path, walk,
};

fn path_text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `run` on `input_dir` with `config` into `out`, without email.
fn run_into(config: &Path, input_dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    crate::support::run_as_of(config, input_dir, out, &[&["--no-email"], extra].concat())
}

/// A copy of the test configuration with `max_rejected_share` set.
fn config_with_share(directory: &Path, share: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(test_config_path()).expect("read config");
    let path = directory.join("config.toml");
    std::fs::write(
        &path,
        text.replace("max_rejected_share = 0.9", &format!("max_rejected_share = {share}")),
    )
    .expect("write");
    path
}

#[test]
fn the_shipped_configuration_runs_on_the_sample_data_and_writes_every_output() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = run_binary(
        &repository_root(),
        &[
            "run",
            "--as-of",
            "2026-10-31",
            "--out",
            path_text(out.path()),
            "--no-email",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let run_directory = out.path().join("2026-10-31");
    for file in [
        "measures.csv",
        "cases.csv",
        "equity.csv",
        "episodes.csv",
        "manifest.json",
        "data_quality.csv",
        "rejects/removals.csv",
        "rejects/notifications.csv",
        "rejects/meetings.csv",
    ] {
        assert!(run_directory.join(file).is_file(), "{file} written");
    }
    assert!(
        stdout_of(&output).contains("reunification_12m"),
        "prints the statewide summary"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_directory.join("manifest.json")).expect("manifest")).expect("json");
    for extract in ["removals", "notifications", "meetings"] {
        let input = &manifest["inputs"][extract];
        let read = input["rows_read"].as_u64().expect("read");
        let accepted = input["rows_accepted"].as_u64().expect("accepted");
        let rejected = input["rows_rejected"].as_u64().expect("rejected");
        assert_eq!(read, accepted + rejected, "{extract}");
        assert_eq!(input["sha256"].as_str().map(str::len), Some(64));
        let rejects = read_csv(&run_directory.join(format!("rejects/{extract}.csv")));
        assert_eq!(
            rejects.len() as u64 - 1,
            rejected,
            "every rejected row is in the rejects file"
        );
        assert_eq!(rejects[0][..2], ["line", "reason"]);
    }
    assert_eq!(manifest["as_of"], "2026-10-31");
    assert!(manifest["outputs"]["measures.csv"].as_str().is_some());
}

#[test]
fn two_runs_with_the_same_inputs_write_byte_identical_files_except_manifest_timings() {
    let first = tempfile::tempdir().expect("temp dir");
    let second = tempfile::tempdir().expect("temp dir");
    for out in [&first, &second] {
        let output = run_into(&test_config_path(), &fixture("messy"), out.path(), &[]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    }
    let files = |root: &Path| -> Vec<String> {
        let mut names = Vec::new();
        for entry in walk(&root.join("2026-10-31")) {
            names.push(entry.strip_prefix(root).expect("prefix").display().to_string());
        }
        names.sort();
        names
    };
    assert_eq!(files(first.path()), files(second.path()));
    for name in files(first.path()) {
        let left = std::fs::read(first.path().join(&name)).expect("read");
        let right = std::fs::read(second.path().join(&name)).expect("read");
        if name.ends_with("manifest.json") {
            let strip = |bytes: &[u8]| {
                let mut value: serde_json::Value = serde_json::from_slice(bytes).expect("json");
                value.as_object_mut().expect("object").remove("timings_ms");
                value
            };
            assert_eq!(strip(&left), strip(&right), "manifest apart from timings");
        } else {
            assert!(left == right, "{name} differs between two identical runs");
        }
    }
}

#[test]
fn a_bad_configuration_exits_1_and_writes_nothing() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with_share(directory.path(), "1.5");
    let out = directory.path().join("out");
    let output = run_into(&config, &fixture("tiny"), &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr_of(&output);
    assert!(
        message.contains("config.toml") && message.contains("`input.max_rejected_share`"),
        "{message}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn usage_errors_exit_1() {
    let output = run_binary(&repository_root(), &["run", "--as-of", "31/10/2026"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("is not a date in the form YYYY-MM-DD"));
    let output = run_binary(&repository_root(), &["frobnicate"]);
    assert_eq!(output.status.code(), Some(1));
    let help = run_binary(&repository_root(), &["run", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout_of(&help).contains("Examples:"));
}

#[test]
fn a_missing_extract_exits_2_withholds_reports_and_writes_the_data_quality_report() {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("in");
    copy_extracts(&fixture("tiny"), &input);
    std::fs::remove_file(input.join("meetings.csv")).expect("remove");
    let out = directory.path().join("out");
    let output = run_into(&test_config_path(), &input, &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("meetings.csv"), "{}", stderr_of(&output));
    let run_directory = out.join("2026-10-31");
    let report = std::fs::read_to_string(run_directory.join("data_quality.txt")).expect("data-quality report");
    assert!(
        report.contains("reports withheld") && report.contains("meetings.csv"),
        "{report}"
    );
    assert!(!run_directory.join("measures.csv").exists());
}

#[test]
fn too_many_rejected_rows_exit_2_with_rejects_written_and_reports_withheld() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with_share(directory.path(), "0.05");
    let out = directory.path().join("out");
    let output = run_into(&config, &fixture("messy"), &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("too many rejected rows in removals, notifications, meetings"),
        "{}",
        stderr_of(&output)
    );
    let run_directory = out.join("2026-10-31");
    assert_eq!(read_csv(&run_directory.join("rejects/removals.csv")).len(), 8);
    assert!(run_directory.join("data_quality.csv").is_file());
    assert!(!run_directory.join("measures.csv").exists());

    let validate = run_binary(
        &repository_root(),
        &[
            "validate",
            "--config",
            path_text(&config),
            "--input-dir",
            path_text(&fixture("messy")),
        ],
    );
    assert_eq!(validate.status.code(), Some(2));
    let summary = stdout_of(&validate);
    assert!(summary.contains("read 10, accepted 3, rejected 7"), "{summary}");
    // The summary names line, kind, column and a short excerpt of a non-id value.
    assert!(
        summary.contains("line 5: bad_date in column \"removal_date\" (\"2026-02-30\")"),
        "{summary}"
    );
}

#[test]
fn validate_passes_clean_extracts() {
    let output = run_binary(
        &repository_root(),
        &[
            "validate",
            "--config",
            path_text(&test_config_path()),
            "--input-dir",
            path_text(&fixture("tiny")),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("removals: "));
}

#[test]
fn dry_run_writes_nothing() {
    let directory = tempfile::tempdir().expect("temp dir");
    let out = directory.path().join("out");
    let output = run_into(&test_config_path(), &fixture("tiny"), &out, &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("dry run: nothing written"));
    assert!(!out.exists());
}

#[test]
fn a_holiday_file_replaces_the_configured_list() {
    let directory = tempfile::tempdir().expect("temp dir");
    let holidays = directory.path().join("holidays.txt");
    std::fs::write(&holidays, "# state holidays\n2026-10-12\n\n2026-11-11\n").expect("write");
    let out = directory.path().join("out");
    let output = run_into(
        &test_config_path(),
        &fixture("tiny"),
        &out,
        &["--holidays", path_text(&holidays)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("2026-10-31/manifest.json")).expect("manifest")).expect("json");
    assert_eq!(
        manifest["configuration"]["holidays"],
        serde_json::json!(["2026-10-12", "2026-11-11"])
    );

    std::fs::write(&holidays, "2026-10-12\n12/25/2026\n").expect("write");
    let output = run_into(
        &test_config_path(),
        &fixture("tiny"),
        &out,
        &["--holidays", path_text(&holidays)],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("holidays.txt, line 2"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn explain_gives_each_measures_verdict_and_the_deciding_dates() {
    let explain = |removal_id: &str| {
        run_binary(
            &repository_root(),
            &[
                "explain",
                "--config",
                path_text(&test_config_path()),
                "--input-dir",
                path_text(&fixture("tiny")),
                "--removal-id",
                removal_id,
                "--as-of",
                "2026-10-31",
            ],
        )
    };
    let output = explain("A2");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    let reunification = text
        .split("\nreunification_12m")
        .nth(1)
        .expect("a reunification_12m section");
    assert!(reunification.contains("not in the numerator"), "{text}");
    assert!(reunification.contains("deadline 2026-03-15"), "{text}");
    assert!(reunification.contains("discharge 2026-03-16"), "{text}");
    assert!(text.contains("excluded (other_discharge_reason)"), "{text}");

    let output = explain("B1");
    let text = stdout_of(&output);
    assert!(
        text.contains("case list: overdue (deadline 2025-07-30, days overdue 458)"),
        "{text}"
    );

    // The episode's unit and worker (issue 17).
    let teams = run_binary(
        &repository_root(),
        &[
            "explain",
            "--config",
            path_text(&test_config_path()),
            "--input-dir",
            path_text(&fixture("teams")),
            "--removal-id",
            "T3",
            "--as-of",
            "2026-10-31",
        ],
    );
    assert!(
        stdout_of(&teams).contains("office Hartford  unit Ongoing  worker W103"),
        "{}",
        stdout_of(&teams)
    );
    assert!(text.contains("unit Unassigned  worker Unassigned"), "{text}");

    let output = explain("NOPE");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("\"NOPE\" is not among the accepted episodes"));
}

/// Many episodes at once, from a file and the command line, one CSV row per episode and
/// measure; an id no accepted episode has is a row of its own.
#[test]
fn explain_many_episodes_as_csv() {
    let directory = tempfile::tempdir().expect("temp dir");
    let ids = directory.path().join("ids.txt");
    std::fs::write(&ids, "removal_id\nA2\n\nNOPE\n").expect("write");
    let output = run_binary(
        &repository_root(),
        &[
            "explain",
            "--config",
            path_text(&test_config_path()),
            "--input-dir",
            path_text(&fixture("tiny")),
            "--ids",
            path_text(&ids),
            "--removal-id",
            "B1",
            "A4",
            "--as-of",
            "2026-10-31",
            "--format",
            "csv",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    let rows: Vec<Vec<&str>> = text.lines().map(|line| line.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "as_of",
            "removal_id",
            "child_id",
            "office",
            "measure",
            "period_start",
            "period_end",
            "verdict",
            "rule",
            "deadline",
            "deciding_event",
            "deciding_date",
            "days_from_deadline"
        ]
    );
    let row = |removal_id: &str, measure: &str| -> &Vec<&str> {
        rows.iter()
            .find(|row| row[1] == removal_id && row[4] == measure)
            .unwrap_or_else(|| panic!("{removal_id} {measure}: {text}"))
    };
    // A2: reunified the day after its 12-month deadline.
    assert_eq!(
        row("A2", "reunification_12m")[7..],
        ["denominator", "", "2026-03-15", "discharge", "2026-03-16", "1"]
    );
    assert_eq!(row("A2", "adoption_24m")[7..9], ["excluded", "other_discharge_reason"]);
    assert_eq!(row("NOPE", "")[7], "not_accepted");
    let measures = crate::support::measures_without_placements();
    for removal_id in ["A2", "B1", "A4"] {
        assert_eq!(
            rows.iter().filter(|row| row[1] == removal_id).count(),
            measures,
            "{removal_id}: one row per measure"
        );
    }
    assert_eq!(rows.len(), 1 + 3 * measures + 1);
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let directory = tempfile::tempdir().expect("temp dir");
    let generate = |name: &str, seed: &str| {
        let out = directory.path().join(name);
        let output = run_binary(
            &repository_root(),
            &[
                "generate",
                "--children",
                "300",
                "--seed",
                seed,
                "--out",
                path_text(&out),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        ["removals.csv", "notifications.csv", "meetings.csv"].map(|file| std::fs::read(out.join(file)).expect("read"))
    };
    let first = generate("a", "42");
    assert_eq!(first, generate("b", "42"));
    assert_ne!(first, generate("c", "43"));
    let removals = String::from_utf8(first[0].clone()).expect("utf-8");
    assert!(removals.lines().count() > 300);
    assert!(removals.starts_with("removal_id,child_id,office,removal_date,"));
}
