//! Cross-check against an independent implementation of the measures written from the spec
//! (tests/crosscheck/independent.py, Python standard library only), on the sample data and on
//! data `generate` makes with another seed, at several as-of dates: every headline figure,
//! every trend point, the whole case list, every equity row, every episode's headline verdict
//! in `episodes.csv`, each extract's row counts in `manifest.json`, and every unit's and
//! worker's figures and case counts in `units.csv`, per office and Statewide, must agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{read_csv, repository_root, run_binary, stderr_of};

type Figures = BTreeMap<(String, String, String), (String, String)>;

#[test]
fn sample_data_agrees_with_the_independent_implementation() {
    let root = repository_root();
    for as_of in [
        "2026-10-31",
        "2026-03-01",
        "2026-02-28",
        "2025-12-31",
        "2025-06-30",
        "2024-02-29",
    ] {
        check_against_independent(&root, &root.join("sample-data"), as_of);
    }
}

/// The same on other data than the sample's: `generate` with another seed and size.
#[test]
fn generated_data_agrees_with_the_independent_implementation() {
    let root = repository_root();
    let input = tempfile::tempdir().expect("temp dir");
    let output = run_binary(
        &root,
        &[
            "generate",
            "--children",
            "3000",
            "--seed",
            "20261123",
            "--out",
            input.path().to_str().expect("utf-8"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for as_of in ["2026-10-31", "2025-09-30", "2024-03-01"] {
        check_against_independent(&root, input.path(), as_of);
    }
}

/// Runs the program on `input` as of `as_of` with the shipped configuration, runs the
/// independent implementation on the same files, and compares every output they share.
fn check_against_independent(root: &Path, input: &Path, as_of: &str) {
    let out = tempfile::tempdir().expect("temp dir");
    let output = run_binary(
        root,
        &[
            "run",
            "--input-dir",
            input.to_str().expect("utf-8"),
            "--as-of",
            as_of,
            "--out",
            out.path().to_str().expect("utf-8"),
            "--no-email",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let run_directory = out.path().join(as_of);

    // Ours: (kind, month position 0..11 or "", measure|office) → counts. Month and rolling rows
    // come in chronological order per measure and office (the entry cohort's period is its
    // window).
    let mut ours = Figures::new();
    let mut month_position: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for row in read_csv(&run_directory.join("measures.csv")).into_iter().skip(1) {
        let position = if row[3] == "month" || row[3] == "rolling" {
            let next = (month_position.entry((row[1].clone(), row[2].clone(), row[3].clone()))).or_insert(0);
            *next += 1;
            (*next - 1).to_string()
        } else {
            String::new()
        };
        ours.insert(
            (row[3].clone(), position, format!("{}|{}", row[1], row[2])),
            (row[6].clone(), row[7].clone()),
        );
    }
    let our_cases: BTreeSet<Vec<String>> = read_csv(&run_directory.join("cases.csv")).into_iter().skip(1).collect();

    let independent = std::process::Command::new("python3")
        .arg(root.join("tests/crosscheck/independent.py"))
        .arg(root.join("config/permanency.toml"))
        .arg(input)
        .arg(as_of)
        .output()
        .expect("python3 runs");
    assert!(
        independent.status.success(),
        "{}",
        String::from_utf8_lossy(&independent.stderr)
    );
    let mut theirs = Figures::new();
    let mut their_cases = BTreeSet::new();
    let mut their_equity: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
    // (measure, removal_id) → "numerator" or "denominator"; any other episode is excluded.
    let mut their_verdicts: BTreeMap<(String, String), String> = BTreeMap::new();
    // extract → rows read, accepted, orphaned.
    let mut their_rows: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let mut their_units: BTreeMap<[String; 4], [u64; 4]> = BTreeMap::new();
    let mut months: Vec<String> = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(independent.stdout.as_slice());
    for record in reader.records() {
        let record: Vec<String> = record.expect("CSV").iter().map(str::to_string).collect();
        match record[0].as_str() {
            "case" => {
                // office, measure, status, child_id, removal_id, removal_date, deadline, days
                // office, measure, status, child_id, removal_id, removal_date, deadline,
                // days_overdue, unit, worker_id
                their_cases.insert(
                    [3, 2, 1, 4, 5, 6, 7, 8, 9, 10]
                        .map(|field| record[field].clone())
                        .to_vec(),
                );
            }
            "unit" => {
                // measure, office, unit, worker (empty: the unit's total) → numerator,
                // denominator, overdue, due soon
                their_units.insert(
                    [1, 2, 3, 4].map(|field| record[field].clone()),
                    [5, 6, 7, 8].map(|field| number(&record[field])),
                );
            }
            "rows" => {
                // extract, read, accepted, orphaned
                their_rows.insert(
                    record[1].clone(),
                    (number(&record[2]), number(&record[3]), number(&record[4])),
                );
            }
            "episode" => {
                // numerator|denominator, measure, removal_id
                their_verdicts.insert((record[2].clone(), record[3].clone()), record[1].clone());
            }
            "equity" => {
                // measure, office, group, numerator, denominator
                their_equity.insert(
                    (record[2].clone(), record[3].clone(), record[4].clone()),
                    (number(&record[5]), number(&record[6])),
                );
            }
            kind => {
                let position = if kind == "month" || kind == "rolling" {
                    if !months.contains(&record[1]) {
                        months.push(record[1].clone());
                    }
                    months
                        .iter()
                        .position(|month| *month == record[1])
                        .unwrap_or_default()
                        .to_string()
                } else {
                    String::new()
                };
                theirs.insert(
                    (kind.to_string(), position, format!("{}|{}", record[2], record[3])),
                    (record[4].clone(), record[5].clone()),
                );
            }
        }
    }
    assert!(
        theirs.len() > 500,
        "{as_of}: the independent implementation counted something"
    );
    for (key, counts) in &ours {
        let expected = theirs.get(key).cloned().unwrap_or_else(|| ("0".into(), "0".into()));
        assert_eq!(counts, &expected, "{as_of} {key:?}: ours vs independent");
    }
    for key in theirs.keys() {
        assert!(ours.contains_key(key), "{as_of} {key:?} missing from measures.csv");
    }
    assert!(!their_cases.is_empty());
    assert_eq!(our_cases, their_cases, "{as_of}: case lists");

    // units.csv: every unit's and worker's headline counts and case-list counts.
    let mut unit_rows = 0;
    for row in read_csv(&run_directory.join("units.csv")).into_iter().skip(1) {
        // as_of,measure,office,unit,worker_id,numerator,denominator,rate,overdue,due_soon
        let key = [1, 2, 3, 4].map(|field| row[field].clone());
        let expected = their_units.remove(&key).unwrap_or([0; 4]);
        assert_eq!(
            [5, 6, 8, 9].map(|field| number(&row[field])),
            expected,
            "{as_of} {key:?}: units.csv (numerator, denominator, overdue, due soon), ours vs independent"
        );
        unit_rows += 1;
    }
    assert!(unit_rows > 100, "{as_of}: units.csv has rows");
    assert!(
        their_units.is_empty(),
        "{as_of}: units or workers the independent implementation counted are missing from units.csv: {their_units:?}"
    );

    // Equity: each group's headline counts, and all other children's (the office's, or
    // Statewide's, headline counts less the group's). A group with nothing counted is a row
    // of zeros in equity.csv and absent from the independent output.
    assert!(
        their_equity.len() > 100,
        "{as_of}: the independent implementation counted groups"
    );
    let mut equity_rows = 0;
    for row in read_csv(&run_directory.join("equity.csv")).into_iter().skip(1) {
        // measure,office,group,numerator,denominator,rate,others_numerator,others_denominator,others_rate
        let key = (row[0].clone(), row[1].clone(), row[2].clone());
        let group = their_equity.remove(&key).unwrap_or((0, 0));
        let total = theirs
            .get(&("headline".into(), String::new(), format!("{}|{}", row[0], row[1])))
            .map_or((0, 0), |(numerator, denominator)| {
                (number(numerator), number(denominator))
            });
        let others = (total.0 - group.0, total.1 - group.1);
        assert_eq!(
            ((number(&row[3]), number(&row[4])), (number(&row[6]), number(&row[7]))),
            (group, others),
            "{as_of} {key:?}: equity (group, others), ours vs independent"
        );
        equity_rows += 1;
    }
    assert!(equity_rows > 100, "{as_of}: equity.csv has rows");
    assert!(
        their_equity.is_empty(),
        "{as_of}: groups the independent implementation counted are missing from equity.csv: {their_equity:?}"
    );

    // episodes.csv: an episode the independent implementation counted has the same verdict
    // (numerator, or denominator only); every other one is excluded, with a reason.
    let episodes = read_csv(&run_directory.join("episodes.csv"));
    let header = &episodes[0];
    let first_measure = header
        .iter()
        .position(|column| column == "removal_date")
        .expect("episodes.csv has removal_date")
        + 1;
    let mut verdicts_checked = 0;
    for row in &episodes[1..] {
        for (measure, verdict) in header[first_measure..].iter().zip(&row[first_measure..]) {
            let key = (measure.clone(), row[0].clone());
            match their_verdicts.remove(&key) {
                Some(theirs) => assert_eq!(verdict, &theirs, "{as_of} {key:?}: episodes.csv vs independent"),
                None => assert!(
                    verdict.starts_with("excluded:") && verdict.len() > "excluded:".len(),
                    "{as_of} {key:?}: episodes.csv says {verdict:?}, the independent implementation did not count it"
                ),
            }
            verdicts_checked += 1;
        }
    }
    let measures = permanency_report::measures::REGISTRY.len();
    assert_eq!(
        header.len() - first_measure,
        measures,
        "{as_of}: every measure has a column (placements are read)"
    );
    assert_eq!(
        verdicts_checked,
        (episodes.len() - 1) * measures,
        "{as_of}: every measure for every episode"
    );
    assert!(
        their_verdicts.is_empty(),
        "{as_of}: episodes counted by the independent implementation are missing from episodes.csv: {their_verdicts:?}"
    );

    // manifest.json: each extract's rows read, accepted, rejected (the rest) and orphaned
    // (accepted, but linked to no episode).
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_directory.join("manifest.json")).expect("manifest.json"))
            .expect("manifest.json is JSON");
    assert_eq!(
        their_rows.keys().map(String::as_str).collect::<Vec<_>>(),
        ["meetings", "notifications", "placements", "removals"],
        "{as_of}: the independent implementation counted the four extracts with episodes' rows"
    );
    for (extract, &(read, accepted, orphaned)) in &their_rows {
        let input = &manifest["inputs"][extract.as_str()];
        let ours = ["rows_read", "rows_accepted", "rows_rejected", "rows_orphaned"].map(|count| {
            input[count]
                .as_u64()
                .unwrap_or_else(|| panic!("{extract}: {count} in manifest.json"))
        });
        assert_eq!(
            ours,
            [read, accepted, read - accepted, orphaned],
            "{as_of} {extract}: rows read, accepted, rejected, orphaned: ours vs independent"
        );
    }
}

/// A count as written in a CSV file.
fn number(text: &str) -> u64 {
    text.parse().unwrap_or_else(|_| panic!("{text:?} is a count"))
}
