//! Property tests on random valid and invalid extracts: rows are never lost, numerators never
//! exceed denominators, Statewide is the sum of the offices, an office the sum of its units and
//! a unit the sum of its workers (figures and case counts alike), and neither a rerun nor a
//! shuffled row order changes any figure.

use std::path::Path;

use permanency_report::engine::{Results, compute};
use permanency_report::ingest::read_extracts;
use permanency_report::progress::Progress;
use permanency_report::scope::Scope;
use proptest::prelude::*;

use crate::support::config_for;

const OFFICES: [&str; 3] = ["Hartford", "Norwich", "New Haven"];
const UNITS: [&str; 3] = ["Intake", "Ongoing", ""];
const WORKERS: [&str; 4] = ["W1", "W2", "W3", ""];
const REASONS: [&str; 7] = [
    "reunification",
    "guardianship",
    "permanent_guardianship",
    "adoption",
    "relative",
    "runaway",
    "eloped",
];
const GOALS: [&str; 5] = ["reunification", "guardianship", "adoption", "oppla", ""];
const MEETING_TYPES: [&str; 4] = ["initial_joint", "large_team", "individual", "phone call"];
const STATUSES: [&str; 4] = ["held", "cancelled", "", "postponed"];

/// A date as text: mostly valid ISO dates from 2022 to 2026, sometimes invalid or empty.
fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0i64..1800).prop_map(|days| (chrono::NaiveDate::from_ymd_opt(2022, 1, 1).expect("date") + chrono::Days::new(days as u64)).to_string()),
        1 => Just("2025-02-30".to_string()),
        1 => Just(String::new()),
        1 => Just("13/45/2025".to_string()),
    ]
}

#[derive(Debug, Clone)]
struct Removal {
    child: usize,
    office: usize,
    removal_date: String,
    discharge: Option<(String, usize)>,
    goal: usize,
    emergency: bool,
    unit: usize,
    worker: usize,
}

fn removal() -> impl Strategy<Value = Removal> {
    (
        0usize..12,
        0usize..3,
        date_text(),
        proptest::option::of((date_text(), 0usize..REASONS.len())),
        0usize..GOALS.len(),
        any::<bool>(),
        (0usize..UNITS.len(), 0usize..WORKERS.len()),
    )
        .prop_map(
            |(child, office, removal_date, discharge, goal, emergency, (unit, worker))| Removal {
                child,
                office,
                removal_date,
                discharge,
                goal,
                emergency,
                unit,
                worker,
            },
        )
}

#[derive(Debug, Clone)]
struct Event {
    child: usize,
    /// Some(i): linked to removal R{i} (which may not exist); None: linked by child.
    removal: Option<usize>,
    date: String,
    kind: usize,
    status: usize,
}

fn event() -> impl Strategy<Value = Event> {
    (
        0usize..14,
        proptest::option::of(0usize..40),
        date_text(),
        0usize..4,
        0usize..4,
    )
        .prop_map(|(child, removal, date, kind, status)| Event {
            child,
            removal,
            date,
            kind,
            status,
        })
}

fn write_extracts(
    directory: &Path,
    removals: &[(usize, Removal)],
    notices: &[(usize, Event)],
    meetings: &[(usize, Event)],
) {
    let mut text = String::from(
        "removal_id,child_id,office,removal_date,placement_date,emergency,birth_date,race_ethnicity,permanency_goal,discharge_date,discharge_reason,unit,worker_id\n",
    );
    for (id, row) in removals {
        let (discharge_date, reason) = match &row.discharge {
            Some((date, reason)) => (date.as_str(), REASONS[*reason]),
            None => ("", ""),
        };
        text.push_str(&format!(
            "R{id},C{},{},{},,{},,White,{},{discharge_date},{reason},{},{}\n",
            row.child,
            OFFICES[row.office],
            row.removal_date,
            if row.emergency { "Y" } else { "N" },
            GOALS[row.goal],
            UNITS[row.unit],
            WORKERS[row.worker]
        ));
    }
    std::fs::write(directory.join("removals.csv"), text).expect("write");
    let mut text = String::from("notice_id,child_id,removal_id,notice_date\n");
    for (id, row) in notices {
        let removal = row.removal.map(|index| format!("R{index}")).unwrap_or_default();
        text.push_str(&format!("N{id},C{},{removal},{}\n", row.child, row.date));
    }
    std::fs::write(directory.join("notifications.csv"), text).expect("write");
    let mut text = String::from("meeting_id,child_id,removal_id,meeting_date,meeting_type,status\n");
    for (id, row) in meetings {
        let removal = row.removal.map(|index| format!("R{index}")).unwrap_or_default();
        text.push_str(&format!(
            "M{id},C{},{removal},{},{},{}\n",
            row.child, row.date, MEETING_TYPES[row.kind], STATUSES[row.status]
        ));
    }
    std::fs::write(directory.join("meetings.csv"), text).expect("write");
}

fn results_for(
    removals: &[(usize, Removal)],
    notices: &[(usize, Event)],
    meetings: &[(usize, Event)],
) -> (Results, Vec<(u64, u64)>) {
    let directory = tempfile::tempdir().expect("temp dir");
    write_extracts(directory.path(), removals, notices, meetings);
    let config = config_for(directory.path());
    let data = read_extracts(&config, Progress::hidden()).expect("readable extracts");
    let counts = data
        .reports
        .values()
        .map(|report| (report.rows_read, report.rows_accepted + report.rows_rejected()))
        .collect();
    let as_of = permanency_report::date_format::parse_iso_date("2026-06-30").expect("date");
    let measures = permanency_report::measures::reported_measures(&data.extracts_read());
    let results = compute(
        permanency_report::engine::Knowledge::of(&data, &config, &measures),
        as_of,
    );
    (results, counts)
}

/// Workers → unit → office → statewide, for every measure's headline and case counts; each
/// worker's case counts are those of its children in the case list.
fn check_units_add_up(results: &Results) -> Result<(), TestCaseError> {
    use permanency_report::engine::{CaseCounts, Counts, StatusCounts};
    use permanency_report::measures::PeriodKind;
    use permanency_report::scope::Level;
    let cases = CaseCounts::new(&results.cases);
    let mut listed: std::collections::BTreeMap<(&str, &str, &str, &str), StatusCounts> = Default::default();
    for case in &results.cases {
        listed
            .entry((case.measure, &case.office, &case.unit, &case.worker_id))
            .or_default()
            .count(case.status);
    }
    let mut units: std::collections::BTreeMap<(&str, Scope), (Counts, Counts, u64, u64)> = Default::default();
    let mut offices: std::collections::BTreeMap<(&str, Scope), (Counts, u64, u64)> = Default::default();
    for row in &results.breakdown {
        let parent = row.scope.parent().expect("a unit or worker has a parent");
        match row.scope.level() {
            Level::Worker => {
                let key = (
                    row.measure,
                    row.scope.office_label(),
                    row.scope.unit_name().unwrap_or_default(),
                    row.scope.worker_id().unwrap_or_default(),
                );
                let expected = listed.get(&key).copied().unwrap_or_default();
                prop_assert_eq!(
                    row.cases,
                    expected,
                    "{} {:?}: the worker's cases",
                    row.measure,
                    &row.scope
                );
                let entry = units.entry((row.measure, parent)).or_default();
                entry.1 = entry.1.plus(row.counts);
                entry.2 += row.cases.overdue;
                entry.3 += row.cases.due_soon;
            }
            Level::Unit => {
                prop_assert_eq!(
                    row.cases,
                    cases.of(row.measure, &row.scope),
                    "{} {:?}",
                    row.measure,
                    &row.scope
                );
                units.entry((row.measure, row.scope.clone())).or_default().0 = row.counts;
                let entry = offices.entry((row.measure, parent)).or_default();
                entry.0 = entry.0.plus(row.counts);
                entry.1 += row.cases.overdue;
                entry.2 += row.cases.due_soon;
            }
            level => prop_assert!(false, "a {:?} row in the breakdown", level),
        }
    }
    for ((measure, unit), (total, workers, overdue, due_soon)) in &units {
        prop_assert_eq!(total, workers, "{} {:?}: unit = sum of its workers", measure, unit);
        let status = cases.of(measure, unit);
        prop_assert_eq!(
            (status.overdue, status.due_soon),
            (*overdue, *due_soon),
            "{} {:?} cases",
            measure,
            unit
        );
    }
    for row in results.rates.iter().filter(|row| row.kind == PeriodKind::Headline) {
        if row.scope == Scope::Statewide {
            continue;
        }
        let (units_total, overdue, due_soon) = offices
            .get(&(row.measure, row.scope.clone()))
            .copied()
            .unwrap_or_default();
        prop_assert_eq!(
            row.counts,
            units_total,
            "{} {:?}: office = sum of its units",
            row.measure,
            row.scope
        );
        let status = cases.of(row.measure, &row.scope);
        prop_assert_eq!(
            (status.overdue, status.due_soon),
            (overdue, due_soon),
            "{} {:?} cases",
            row.measure,
            row.scope
        );
    }
    Ok(())
}

fn numbered<T: Clone>(rows: &[T]) -> Vec<(usize, T)> {
    rows.iter().cloned().enumerate().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn rows_are_never_lost_and_the_figures_add_up(
        removals in proptest::collection::vec(removal(), 0..40),
        notices in proptest::collection::vec(event(), 0..40),
        meetings in proptest::collection::vec(event(), 0..60),
        duplicate in proptest::option::of(0usize..40),
    ) {
        let mut removals = numbered(&removals);
        // Sometimes an id repeats.
        if let Some(index) = duplicate && let Some(row) = removals.get(index % removals.len().max(1)).cloned() {
            removals.push(row);
        }
        let (results, counts) = results_for(&removals, &numbered(&notices), &numbered(&meetings));
        for (read, accounted) in counts {
            prop_assert_eq!(read, accounted, "rows read = accepted + rejected");
        }
        let mut sums: std::collections::BTreeMap<(&str, String, String), (u64, u64)> = Default::default();
        for row in &results.rates {
            prop_assert!(row.counts.numerator <= row.counts.denominator, "{:?}", row);
            if row.scope != Scope::Statewide {
                let entry = sums.entry((row.measure, row.kind.as_str().to_string(), row.period.start.to_string())).or_default();
                entry.0 += row.counts.numerator;
                entry.1 += row.counts.denominator;
            }
        }
        for row in results.rates.iter().filter(|row| row.scope == Scope::Statewide) {
            let sum = sums.get(&(row.measure, row.kind.as_str().to_string(), row.period.start.to_string())).copied().unwrap_or_default();
            prop_assert_eq!(sum, (row.counts.numerator, row.counts.denominator), "Statewide = sum of offices for {}", row.measure);
        }
        for row in &results.equity {
            prop_assert!(row.group_counts.numerator <= row.group_counts.denominator);
            prop_assert!(row.others_counts.numerator <= row.others_counts.denominator);
        }
        check_units_add_up(&results)?;
    }

    #[test]
    fn a_rerun_and_a_shuffled_row_order_change_nothing(
        removals in proptest::collection::vec(removal(), 1..30).prop_map(|rows| numbered(&rows)).prop_shuffle(),
        notices in proptest::collection::vec(event(), 0..30).prop_map(|rows| numbered(&rows)).prop_shuffle(),
        meetings in proptest::collection::vec(event(), 0..40).prop_map(|rows| numbered(&rows)).prop_shuffle(),
    ) {
        let sorted = |rows: &[(usize, Removal)]| { let mut rows = rows.to_vec(); rows.sort_by_key(|(id, _)| *id); rows };
        let sorted_events = |rows: &[(usize, Event)]| { let mut rows = rows.to_vec(); rows.sort_by_key(|(id, _)| *id); rows };
        let (shuffled, _) = results_for(&removals, &notices, &meetings);
        let (ordered, _) = results_for(&sorted(&removals), &sorted_events(&notices), &sorted_events(&meetings));
        let (again, _) = results_for(&sorted(&removals), &sorted_events(&notices), &sorted_events(&meetings));
        prop_assert_eq!(&ordered.rates, &again.rates, "a rerun gives the same figures");
        prop_assert_eq!(&ordered.rates, &shuffled.rates, "row order does not matter");
        prop_assert_eq!(&ordered.cases, &shuffled.cases);
        prop_assert_eq!(&ordered.equity, &shuffled.equity);
    }
}
