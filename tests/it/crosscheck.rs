//! Cross-check against an independent implementation of the headline measures written from
//! the spec (tests/crosscheck/independent.py, Python standard library only), on the sample
//! data at several as-of dates: every office's and the Statewide numerator and denominator
//! must agree.

use std::collections::BTreeMap;

use crate::support::{read_csv, repository_root, run_binary, stderr_of};

#[test]
fn headline_figures_agree_with_an_independent_implementation() {
    let root = repository_root();
    for as_of in [
        "2026-10-31",
        "2026-03-01",
        "2026-02-28",
        "2025-12-31",
        "2025-06-30",
        "2024-02-29",
    ] {
        let out = tempfile::tempdir().expect("temp dir");
        let output = run_binary(
            &root,
            &[
                "run",
                "--as-of",
                as_of,
                "--out",
                out.path().to_str().expect("utf-8"),
                "--no-email",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        let ours: BTreeMap<(String, String), (String, String)> = read_csv(&out.path().join(as_of).join("measures.csv"))
            .into_iter()
            .skip(1)
            .filter(|row| row[3] == "headline")
            .map(|row| ((row[1].clone(), row[2].clone()), (row[6].clone(), row[7].clone())))
            .collect();

        let independent = std::process::Command::new("python3")
            .arg(root.join("tests/crosscheck/independent.py"))
            .arg(root.join("config/permanency.toml"))
            .arg(root.join("sample-data"))
            .arg(as_of)
            .output()
            .expect("python3 runs");
        assert!(
            independent.status.success(),
            "{}",
            String::from_utf8_lossy(&independent.stderr)
        );
        let mut reader = csv::Reader::from_reader(independent.stdout.as_slice());
        let mut theirs: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
        for record in reader.records() {
            let record = record.expect("CSV");
            theirs.insert(
                (record[0].to_string(), record[1].to_string()),
                (record[2].to_string(), record[3].to_string()),
            );
        }
        assert!(
            theirs.len() > 50,
            "{as_of}: the independent implementation counted something"
        );
        for (key, counts) in &ours {
            let expected = theirs.get(key).cloned().unwrap_or_else(|| ("0".into(), "0".into()));
            assert_eq!(counts, &expected, "{as_of} {key:?}: ours vs independent");
        }
        for key in theirs.keys() {
            assert!(ours.contains_key(key), "{as_of} {key:?} missing from measures.csv");
        }
    }
}
