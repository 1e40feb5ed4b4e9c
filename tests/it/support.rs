//! Shared helpers: fixture paths, the real binary, CSV reading.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use permanency_report::cli::InputArgs;
use permanency_report::commands::load_config;
use permanency_report::config::Config;

pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repository_root().join("tests/fixtures").join(name)
}

pub fn test_config_path() -> PathBuf {
    fixture("test-config.toml")
}

/// The test configuration, reading the extracts in `input_dir`.
pub fn config_for(input_dir: &Path) -> Config {
    let arguments = InputArgs {
        config: test_config_path(),
        input_dir: Some(input_dir.to_path_buf()),
    };
    load_config(&arguments, None).expect("the test configuration is valid")
}

/// Runs the real binary with `arguments` in `working_directory`.
pub fn run_binary(working_directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_permanency-report"))
        .args(arguments)
        .current_dir(working_directory)
        .env_remove("PERMANENCY_REPORT_LOG")
        .output()
        .expect("the binary runs")
}

/// `run --config CONFIG --input-dir INPUT --out OUT --as-of 2026-10-31` followed by `extra`.
pub fn run_as_of(config: &Path, input_dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let text = |path: &Path| path.to_str().expect("utf-8 path").to_string();
    let mut arguments = vec![
        "run".to_string(),
        "--config".into(),
        text(config),
        "--input-dir".into(),
        text(input_dir),
        "--out".into(),
        text(out),
        "--as-of".into(),
        "2026-10-31".into(),
    ];
    arguments.extend(extra.iter().map(|argument| argument.to_string()));
    let borrowed: Vec<&str> = arguments.iter().map(String::as_str).collect();
    run_binary(&repository_root(), &borrowed)
}

pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// All records of a CSV file, header included.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    reader
        .records()
        .map(|record| record.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

/// Copies the three extracts of a fixture directory into `destination`.
pub fn copy_extracts(from: &Path, destination: &Path) {
    std::fs::create_dir_all(destination).expect("create directory");
    for name in ["removals.csv", "notifications.csv", "meetings.csv"] {
        std::fs::copy(from.join(name), destination.join(name)).expect("copy extract");
    }
}

/// How many measures a night without the placements extract reports.
pub fn measures_without_placements() -> usize {
    permanency_report::measures::REGISTRY
        .iter()
        .filter(|measure| measure.requires().is_empty())
        .count()
}

/// Every file under `directory`, in name order.
pub fn walk(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}
