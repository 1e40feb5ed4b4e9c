//! The whole pipeline on the hand-computed `tiny` fixture (as_of 2026-10-31): every headline
//! figure, the case lists and the statewide sums.

use std::collections::BTreeMap;

use crate::support::{fixture, read_csv, test_config_path};

fn run_tiny() -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().expect("temp dir");
    let output = crate::support::run_as_of(&test_config_path(), &fixture("tiny"), out.path(), &["--no-email"]);
    assert!(output.status.success(), "{}", crate::support::stderr_of(&output));
    let run_directory = out.path().join("2026-10-31");
    (out, run_directory)
}

/// (measure, office) → "numerator/denominator" for the headline rows.
fn headline(run_directory: &std::path::Path) -> BTreeMap<(String, String), String> {
    read_csv(&run_directory.join("measures.csv"))
        .into_iter()
        .skip(1)
        .filter(|row| row[3] == "headline")
        .map(|row| ((row[1].clone(), row[2].clone()), format!("{}/{}", row[6], row[7])))
        .collect()
}

#[test]
fn headline_figures_match_the_hand_computed_ones() {
    let (_out, run_directory) = run_tiny();
    let figures = headline(&run_directory);
    let check = |measure: &str, office: &str, expected: &str| {
        assert_eq!(
            figures
                .get(&(measure.to_string(), office.to_string()))
                .map(String::as_str),
            Some(expected),
            "{measure} {office}"
        );
    };
    check("reunification_12m", "Statewide", "1/2");
    check("reunification_12m", "Hartford", "1/2");
    check("reunification_12m", "Norwich", "0/0");
    check("guardianship_18m", "Statewide", "0/0");
    check("adoption_24m", "Statewide", "0/0");
    check("permanency_12m_entry", "Statewide", "2/4");
    check("relative_notice_30d", "Statewide", "1/2");
    check("relative_notice_30d", "Hartford", "0/1");
    check("relative_notice_30d", "'=cmd", "1/1");
    check("initial_joint_5d", "Statewide", "0/2");
    check("emergency_team_2bd", "Statewide", "1/1");
    check("teaming_90d", "Statewide", "1/2");
    check("teaming_90d", "Norwich", "0/1");
}

#[test]
fn measures_csv_has_the_contract_columns_rates_targets_and_periods() {
    let (_out, run_directory) = run_tiny();
    let rows = read_csv(&run_directory.join("measures.csv"));
    assert_eq!(
        rows[0],
        [
            "as_of",
            "measure",
            "office",
            "kind",
            "period_start",
            "period_end",
            "numerator",
            "denominator",
            "rate",
            "target"
        ]
    );
    let find = |measure: &str, office: &str, kind: &str| {
        rows.iter()
            .find(|row| row[1] == measure && row[2] == office && row[3] == kind)
            .cloned()
            .expect("row")
    };
    let reunification = find("reunification_12m", "Statewide", "headline");
    assert_eq!(reunification[4..], ["2025-11-01", "2026-10-31", "1", "2", "0.5", "0.5"]);
    let empty = find("reunification_12m", "Norwich", "headline");
    assert_eq!(empty[8], "", "rate is empty when the denominator is 0");
    assert_eq!(empty[9], "0.5");
    let entry = find("permanency_12m_entry", "Statewide", "headline");
    assert_eq!(entry[4..6], ["2024-11-01", "2025-10-31"], "entry window as the period");
    assert_eq!(entry[9], "", "no target configured");
    // The measures without placements (no placements extract) × 4 scopes (3 offices +
    // Statewide) × (1 headline + 12 months + 12 rolling points) + header.
    assert_eq!(rows.len(), crate::support::measures_without_placements() * 4 * 25 + 1);
    assert!(!rows.iter().any(|row| row[1] == "placement_moves_per_1000_days"));
    let months: Vec<&Vec<String>> = rows
        .iter()
        .filter(|row| row[1] == "teaming_90d" && row[2] == "Statewide" && row[3] == "month")
        .collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0][4..6], ["2025-11-01", "2025-11-30"]);
    assert_eq!(months[11][4..6], ["2026-10-01", "2026-10-31"]);
    let rolling: Vec<&Vec<String>> = rows
        .iter()
        .filter(|row| row[1] == "reunification_12m" && row[2] == "Statewide" && row[3] == "rolling")
        .collect();
    assert_eq!(rolling.len(), 12);
    assert_eq!(
        rolling[0][4..6],
        ["2024-12-01", "2025-11-30"],
        "the 12 months ending on the month's last day"
    );
    assert_eq!(
        rolling[11][4..],
        reunification[4..],
        "the last rolling point is the headline"
    );
    let entry_rolling = rows
        .iter()
        .find(|row| row[1] == "permanency_12m_entry" && row[2] == "Statewide" && row[3] == "rolling")
        .expect("entry cohort rolling point");
    assert_eq!(
        entry_rolling[4..6],
        ["2023-12-01", "2024-11-30"],
        "its entry window, shifted with it"
    );
}

#[test]
fn statewide_is_the_sum_of_the_offices_for_every_measure_and_period() {
    let (_out, run_directory) = run_tiny();
    let rows = read_csv(&run_directory.join("measures.csv"));
    let mut sums: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
    let mut statewide: BTreeMap<(String, String, String), (u64, u64)> = BTreeMap::new();
    for row in rows.iter().skip(1) {
        let key = (row[1].clone(), row[3].clone(), row[4].clone());
        let counts: (u64, u64) = (row[6].parse().expect("number"), row[7].parse().expect("number"));
        let target = if row[2] == "Statewide" {
            &mut statewide
        } else {
            &mut sums
        };
        let entry = target.entry(key).or_default();
        entry.0 += counts.0;
        entry.1 += counts.1;
    }
    assert_eq!(sums, statewide);
}

#[test]
fn case_lists_show_overdue_and_due_soon_episodes_with_ids_only() {
    let (_out, run_directory) = run_tiny();
    let rows = read_csv(&run_directory.join("cases.csv"));
    // Every kind of deadline (docs/measures.md, "Case lists"), worked out by hand:
    // X1 (removed 2026-10-01, emergency): notice on as_of (off the notice list), a large team
    //   meeting on 10-05 (off the emergency list), no initial joint conversation (due 10-06).
    // A4 (removed 2026-01-01): no notice, no initial joint conversation (due 01-06, in the
    //   reporting period), last large team meeting 08-03 (next due 11-01: due soon).
    // B1 (removed 2025-05-01, goal reunification): 12 months passed; its initial joint
    //   deadline (2025-05-06) is before the reporting period, so not listed.
    let expected = [
        "office,measure,status,child_id,removal_id,removal_date,deadline,days_overdue,unit,worker_id",
        "'=cmd,initial_joint_5d,overdue,C5,X1,2026-10-01,2026-10-06,25,Unassigned,Unassigned",
        "Hartford,relative_notice_30d,overdue,C6,A4,2026-01-01,2026-01-31,273,Unassigned,Unassigned",
        "Hartford,initial_joint_5d,overdue,C6,A4,2026-01-01,2026-01-06,298,Unassigned,Unassigned",
        "Hartford,teaming_90d,due_soon,C6,A4,2026-01-01,2026-11-01,-1,Unassigned,Unassigned",
        "Norwich,reunification_12m,overdue,C4,B1,2025-05-01,2026-05-01,183,Unassigned,Unassigned",
        "Norwich,relative_notice_30d,overdue,C4,B1,2025-05-01,2025-05-31,518,Unassigned,Unassigned",
        "Norwich,teaming_90d,overdue,C4,B1,2025-05-01,2025-07-30,458,Unassigned,Unassigned",
    ];
    let expected: Vec<Vec<String>> = expected
        .iter()
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn equity_puts_each_group_beside_all_other_children() {
    let (_out, run_directory) = run_tiny();
    let rows = read_csv(&run_directory.join("equity.csv"));
    assert_eq!(
        rows[0],
        [
            "measure",
            "office",
            "group",
            "numerator",
            "denominator",
            "rate",
            "others_numerator",
            "others_denominator",
            "others_rate"
        ]
    );
    let row = rows
        .iter()
        .find(|row| row[0] == "permanency_12m_entry" && row[1] == "Statewide" && row[2] == "Black")
        .expect("row");
    // A1 (numerator) and A3 (numerator) are Black; A2 (White) and B1 (Hispanic) are not.
    assert_eq!(row[3..], ["2", "2", "1", "0", "2", "0"]);
}

#[test]
fn episodes_csv_gives_every_episode_a_verdict_for_every_measure() {
    let (_out, run_directory) = run_tiny();
    let rows = read_csv(&run_directory.join("episodes.csv"));
    assert_eq!(rows.len(), 7, "header + 6 episodes");
    assert_eq!(rows[0][..4], ["removal_id", "child_id", "office", "removal_date"]);
    // The tiny fixture has no placements extract, so placement moves and changes are not
    // reported at all.
    assert_eq!(rows[0].len(), 4 + crate::support::measures_without_placements());
    assert!(!rows[0].iter().any(|column| column == "placement_moves_per_1000_days"));
    let a2 = rows.iter().find(|row| row[0] == "A2").expect("A2");
    assert_eq!(a2[4], "denominator", "reunification_12m: a day late");
    assert_eq!(a2[5], "excluded:other_discharge_reason");
    let a3 = rows.iter().find(|row| row[0] == "A3").expect("A3");
    assert_eq!(a3[4], "excluded:discharged_outside_period");
}

/// The trend (and a backfill's headline) counts only each period's candidates
/// (`Measure::candidates`); that is exact only if every other episode is excluded. Checked on
/// the whole sample for every month and the headline period.
#[test]
fn every_episode_outside_a_months_candidates_is_excluded_by_the_measure() {
    use permanency_report::calendar::Period;
    use permanency_report::measures::{Candidates, EpisodeAsOf, EvaluationContext, PeriodKind, REGISTRY, verdict_for};

    let root = crate::support::repository_root();
    let config = permanency_report::commands::load_config(
        &permanency_report::cli::InputArgs {
            config: root.join("config/permanency.toml"),
            input_dir: Some(root.join("sample-data")),
        },
        None,
    )
    .expect("shipped configuration");
    let data = permanency_report::ingest::read_extracts(&config, permanency_report::progress::Progress::hidden())
        .expect("sample data");
    let as_of = permanency_report::date_format::parse_iso_date("2026-10-31").expect("date");
    let mut checked = 0;
    let mut checked_by_kind = [0; 3];
    for measure in REGISTRY {
        let candidates = measure.candidates();
        let candidate_kind = match candidates {
            Candidates::Every => continue,
            Candidates::ByDate(_) => 0,
            Candidates::InCareDuring => 1,
            Candidates::PlacementChangeDuring => 2,
        };
        let months = Period::trend_months(as_of)
            .into_iter()
            .map(|month| (month, PeriodKind::Month));
        let headline = std::iter::once((Period::reporting_period(as_of), PeriodKind::Headline));
        for (unshifted, kind) in months.chain(headline) {
            let period = measure.cohort_period(unshifted, kind, &config.timeframes);
            let context = EvaluationContext::new(
                as_of,
                period,
                &config.timeframes,
                &config.holidays,
                &data.episodes,
                &data.index,
            );
            for position in 0..data.episodes.len() {
                let known = EpisodeAsOf::new(&data.episodes, position, as_of);
                if candidates.includes(&known, period) {
                    continue;
                }
                let verdict = verdict_for(measure, &known, &context);
                assert!(
                    !verdict.in_denominator(),
                    "{} {period:?} {}: {verdict:?}",
                    measure.id(),
                    known.removal_id()
                );
                checked += 1;
                checked_by_kind[candidate_kind] += 1;
            }
        }
    }
    assert!(checked > 100_000, "{checked}");
    assert!(
        checked_by_kind.iter().all(|&count| count > 10_000),
        "{checked_by_kind:?}"
    );
}

/// Every rolling point (`kind = rolling`) is the headline computed as if the reporting period
/// ended on the point's month end (docs/measures.md, "Trend"), however the engine makes it
/// (`Measure::rolling_points`): checked statewide against a direct evaluation of every episode,
/// for every measure, at month ends, mid-month and on 29 February (as of 2025-12-31 the point
/// ending 2025-02-28 begins on 2024-02-29: not a run of whole months); the last point is the
/// headline.
#[test]
fn rolling_points_are_the_headline_of_the_twelve_months_ending_on_each_point() {
    use permanency_report::calendar::Period;
    use permanency_report::engine::{Counts, Knowledge};
    use permanency_report::measures::{EpisodeAsOf, EvaluationContext, PeriodKind, reported_measures, verdict_for};
    use permanency_report::scope::Scope;

    let root = crate::support::repository_root();
    let config = permanency_report::commands::load_config(
        &permanency_report::cli::InputArgs {
            config: root.join("config/permanency.toml"),
            input_dir: Some(root.join("sample-data")),
        },
        None,
    )
    .expect("shipped configuration");
    let data = permanency_report::ingest::read_extracts(&config, permanency_report::progress::Progress::hidden())
        .expect("sample data");
    let measures = reported_measures(&data.extracts_read());
    for as_of in ["2026-10-31", "2026-07-15", "2024-02-29", "2025-12-31"] {
        let as_of = permanency_report::date_format::parse_iso_date(as_of).expect("date");
        let results = permanency_report::engine::compute(Knowledge::of(&data, &config, &measures), as_of);
        for &measure in &measures {
            let statewide = |kind| -> Vec<(Period, Counts)> {
                (results.rates.iter())
                    .filter(|row| row.measure == measure.id() && row.scope == Scope::Statewide && row.kind == kind)
                    .map(|row| (row.period, row.counts))
                    .collect()
            };
            let rolling = statewide(PeriodKind::Rolling);
            assert_eq!(rolling.len(), 12, "{}", measure.id());
            assert_eq!(
                rolling.last(),
                statewide(PeriodKind::Headline).first(),
                "{}: the last rolling point is the headline",
                measure.id()
            );
            for (month, (period, counts)) in Period::trend_months(as_of).into_iter().zip(&rolling) {
                let expected_period = measure.cohort_period(
                    Period::reporting_period(month.end),
                    PeriodKind::Headline,
                    &config.timeframes,
                );
                assert_eq!(*period, expected_period, "{} {month:?}", measure.id());
                let context = EvaluationContext::new(
                    as_of,
                    expected_period,
                    &config.timeframes,
                    &config.holidays,
                    &data.episodes,
                    &data.index,
                );
                let mut expected = Counts::default();
                for position in 0..data.episodes.len() {
                    expected.add(&verdict_for(
                        measure,
                        &EpisodeAsOf::new(&data.episodes, position, as_of),
                        &context,
                    ));
                }
                assert_eq!(*counts, expected, "{} rolling point ending {}", measure.id(), month.end);
            }
        }
    }
}
