//! Reading the extracts: every rejection rule, BOM/CRLF/quoting, US dates, linking and orphans,
//! and rows read = accepted + rejected.

use permanency_report::extracts::Extract;
use permanency_report::ingest::{IngestedData, read_extracts};
use permanency_report::progress::Progress;

use crate::support::{config_for, fixture};

fn messy() -> IngestedData {
    read_extracts(&config_for(&fixture("messy")), Progress::hidden()).expect("the messy fixture is readable")
}

fn assert_reconciles(data: &IngestedData) {
    for (extract, report) in &data.reports {
        assert_eq!(
            report.rows_read,
            report.rows_accepted + report.rows_rejected(),
            "{}: read = accepted + rejected",
            extract.name()
        );
    }
    assert_eq!(
        data.reports[&Extract::Removals].rows_accepted as usize,
        data.episodes.len()
    );
}

/// Asserts the rejected rows of `extract` as (line, first problem kind, text the reason contains).
fn check_rejects(data: &IngestedData, extract: Extract, expected: &[(u64, &str, &str)]) {
    let rejected = &data.reports[&extract].rejected;
    let actual: Vec<(u64, &str)> = rejected.iter().map(|row| (row.line, row.kind().as_str())).collect();
    let wanted: Vec<(u64, &str)> = expected.iter().map(|&(line, kind, _)| (line, kind)).collect();
    assert_eq!(actual, wanted, "{} rejects", extract.name());
    for (row, (_, _, contains)) in rejected.iter().zip(expected) {
        assert!(
            row.reason().contains(contains),
            "reason {:?} should contain {contains:?}",
            row.reason()
        );
    }
}

#[test]
fn every_rejection_rule_names_line_column_value_and_expectation() {
    let data = messy();
    check_rejects(
        &data,
        Extract::Removals,
        &[
            (
                5,
                "bad_date",
                "column removal_date: \"2026-02-30\" is not a date (expected YYYY-MM-DD or MM/DD/YYYY)",
            ),
            (6, "duplicate_id", "id \"R1\" repeats an earlier row's id"),
            (7, "missing_value", "column child_id: required value is missing"),
            (
                8,
                "discharge_before_removal",
                "discharge date 2026-02-01 is before the removal date 2026-03-01",
            ),
            (9, "discharge_without_reason", "discharge reason is missing"),
            (10, "unknown_code", "\"eloped\" is not a known discharge reason"),
            (11, "wrong_field_count", "the row has 9 fields but the header has 12"),
        ],
    );
    check_rejects(
        &data,
        Extract::Notifications,
        &[
            (9, "bad_date", "\"not-a-date\" is not a date"),
            (10, "duplicate_id", "id \"N1\" repeats"),
        ],
    );
    check_rejects(
        &data,
        Extract::Meetings,
        &[
            (6, "invalid_utf8", "column meeting_type: the value is not valid UTF-8"),
            (7, "unknown_code", "\"postponed\" is not a known meeting status"),
        ],
    );
}

#[test]
fn rows_read_equal_rows_accepted_plus_rows_rejected() {
    let data = messy();
    assert_reconciles(&data);
    let counts = |extract| {
        let report = &data.reports[&extract];
        (
            report.rows_read,
            report.rows_accepted,
            report.rows_rejected(),
            report.rows_orphaned(),
        )
    };
    assert_eq!(counts(Extract::Removals), (10, 3, 7, 0));
    assert_eq!(counts(Extract::Notifications), (9, 7, 2, 3));
    assert_eq!(counts(Extract::Meetings), (6, 4, 2, 0));
}

#[test]
fn bom_crlf_quoted_commas_and_line_breaks_and_extra_columns_are_read() {
    let data = messy();
    let ids: Vec<&str> = data.episodes.iter().map(|episode| &*episode.removal_id).collect();
    assert_eq!(ids, ["R1", "R10", "R2"], "the BOM must not hide the removal_id header");
    let r2 = &data.episodes[2];
    assert_eq!(&*r2.office, "New Haven, CT");
    // Quoted line break: R2 starts on line 3 and spans line 4, so R3 is on line 5 (above).
    assert_eq!(r2.removal_date.to_string(), "2026-01-10", "US date MM/DD/YYYY");
    assert_eq!(&*r2.race_ethnicity, "Hispanic", "race alias mapped");
    assert_eq!(&*data.episodes[0].race_ethnicity, "Black");
    assert_eq!(
        &*data.episodes[1].race_ethnicity, "Unknown",
        "missing race is the configured missing category"
    );
    assert!(data.episodes[0].emergency);
    assert_eq!(
        data.episodes[0].placement_date, data.episodes[0].removal_date,
        "missing placement = removal"
    );
}

#[test]
fn notices_and_meetings_link_by_removal_id_else_by_the_childs_latest_episode() {
    let data = messy();
    let episode = |id: &str| {
        data.episodes
            .iter()
            .find(|episode| &*episode.removal_id == id)
            .expect("episode")
    };
    let dates = |id: &str| -> Vec<String> { episode(id).notice_dates.iter().map(ToString::to_string).collect() };
    // N1 by id; N3 by child (latest episode on or before 2026-03-01 is R1); N7 by removal_id
    // although its child is C2.
    assert_eq!(dates("R1"), ["2026-01-20", "2026-01-21", "2026-03-01"]);
    // N2 by child: on 2026-06-15 the latest episode of C1 is R10.
    assert_eq!(dates("R10"), ["2026-06-15"]);
    assert!(dates("R2").is_empty());
    let orphans = &data.reports[&Extract::Notifications].orphaned_by_reason;
    assert_eq!(orphans.get("dated_before_every_episode"), Some(&1), "N4");
    assert_eq!(orphans.get("unknown_child"), Some(&1), "N5");
    assert_eq!(orphans.get("unknown_removal_id"), Some(&1), "N6");

    let meetings: Vec<String> = episode("R1")
        .meetings
        .iter()
        .map(|meeting| {
            format!(
                "{} {} {}",
                meeting.date,
                meeting.meeting_type.canonical_code(),
                meeting.status.canonical_code()
            )
        })
        .collect();
    assert_eq!(
        meetings,
        [
            "2026-01-06 large_team held",
            "2026-01-07 initial_joint held",
            "2026-01-08 large_team cancelled",
            "2026-01-09 large_team held",
        ],
        "empty status = held; codes mapped case-insensitively; configured alias canceled"
    );
}

#[test]
fn a_missing_required_column_or_file_is_an_extract_error_naming_it() {
    let directory = tempfile::tempdir().expect("temp dir");
    crate::support::copy_extracts(&fixture("tiny"), directory.path());
    std::fs::write(
        directory.path().join("meetings.csv"),
        "meeting_id,child_id,meeting_date,status\n",
    )
    .expect("write");
    let error = read_extracts(&config_for(directory.path()), Progress::hidden())
        .err()
        .expect("an error");
    let message = error.to_string();
    assert!(message.contains("meetings extract"), "{message}");
    assert!(
        message.contains("required column \"meeting_type\" is missing from the header"),
        "{message}"
    );

    std::fs::write(directory.path().join("meetings.csv"), "").expect("write");
    let message = read_extracts(&config_for(directory.path()), Progress::hidden())
        .err()
        .expect("an error")
        .to_string();
    assert!(message.contains("is empty (no header line)"), "{message}");

    std::fs::remove_file(directory.path().join("meetings.csv")).expect("remove");
    let message = format!(
        "{:#}",
        anyhow::Error::from(
            read_extracts(&config_for(directory.path()), Progress::hidden())
                .err()
                .expect("an error")
        )
    );
    assert!(message.contains("cannot open the file"), "{message}");
    assert!(message.contains("meetings.csv"), "{message}");
}

#[test]
fn a_header_only_file_is_read_as_zero_rows() {
    let directory = tempfile::tempdir().expect("temp dir");
    crate::support::copy_extracts(&fixture("tiny"), directory.path());
    std::fs::write(
        directory.path().join("notifications.csv"),
        "notice_id,child_id,removal_id,notice_date\r\n",
    )
    .expect("write");
    let data = read_extracts(&config_for(directory.path()), Progress::hidden()).expect("readable");
    let report = &data.reports[&Extract::Notifications];
    assert_eq!(
        (report.rows_read, report.rows_accepted, report.rows_rejected()),
        (0, 0, 0)
    );
}

#[test]
fn an_office_outside_the_configured_list_is_rejected_and_matching_ignores_case() {
    let directory = tempfile::tempdir().expect("temp dir");
    crate::support::copy_extracts(&fixture("tiny"), directory.path());
    std::fs::write(
        directory.path().join("removals.csv"),
        "removal_id,child_id,office,removal_date\nR1,C1,hartford,2026-01-05\nR2,C2,Gotham,2026-01-05\n",
    )
    .expect("write");
    let text = std::fs::read_to_string(crate::support::test_config_path()).expect("config");
    let config_path = directory.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!("{text}\n[offices]\nnames = [\"Hartford\", \"Norwich\"]\n"),
    )
    .expect("write");
    let config = permanency_report::commands::load_config(
        &permanency_report::cli::InputArgs {
            config: config_path,
            input_dir: Some(directory.path().to_path_buf()),
        },
        None,
    )
    .expect("valid configuration");
    let data = read_extracts(&config, Progress::hidden()).expect("readable");
    assert_reconciles(&data);
    assert_eq!(data.episodes.len(), 1);
    assert_eq!(&*data.episodes[0].office, "Hartford", "the configured spelling is used");
    check_rejects(
        &data,
        Extract::Removals,
        &[(3, "unknown_office", "\"Gotham\" is not one of the configured offices")],
    );
}

/// The test configuration with `input.placements_file` set, reading `input_dir`.
fn config_with_placements(input_dir: &std::path::Path) -> (tempfile::TempDir, permanency_report::config::Config) {
    let directory = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(crate::support::test_config_path()).expect("test configuration");
    let text = text.replacen("[input]\n", "[input]\nplacements_file = \"placements.csv\"\n", 1);
    let path = directory.path().join("with-placements.toml");
    std::fs::write(&path, text).expect("write");
    let config = permanency_report::commands::load_config(
        &permanency_report::cli::InputArgs {
            config: path,
            input_dir: Some(input_dir.to_path_buf()),
        },
        None,
    )
    .expect("valid configuration");
    (directory, config)
}

#[test]
fn placements_are_rejected_by_every_rule_linked_like_meetings_and_ordered_by_start_then_id() {
    let (_directory, config) = config_with_placements(&fixture("messy"));
    let data = read_extracts(&config, Progress::hidden()).expect("readable");
    check_rejects(
        &data,
        Extract::Placements,
        &[
            (
                5,
                "end_before_start",
                "end date 2026-02-01 is before the start date 2026-03-01",
            ),
            (6, "unknown_code", "\"hotel\" is not a known placement setting"),
            (7, "bad_date", "column start_date: \"2026-13-01\" is not a date"),
            (8, "duplicate_id", "id \"P1\" repeats an earlier row's id"),
            (9, "missing_value", "column start_date: required value is missing"),
            (10, "unknown_code", "\"maybe\" is not a known Y/N flag"),
        ],
    );
    assert_reconciles(&data);
    let report = &data.reports[&Extract::Placements];
    assert_eq!(
        (
            report.rows_read,
            report.rows_accepted,
            report.rows_rejected(),
            report.rows_orphaned()
        ),
        (14, 8, 6, 3)
    );
    for reason in ["unknown_child", "unknown_removal_id", "dated_before_every_episode"] {
        assert_eq!(report.orphaned_by_reason.get(reason), Some(&1), "{reason}");
    }
    let placements = |id: &str| -> Vec<String> {
        let episode = data
            .episodes
            .iter()
            .find(|episode| &*episode.removal_id == id)
            .expect("episode");
        episode
            .placements
            .iter()
            .map(|placement| {
                format!(
                    "{} {}{}",
                    placement.start_date,
                    placement.setting.canonical_code(),
                    if placement.emergency { " emergency" } else { "" }
                )
            })
            .collect()
    };
    // P1 by removal_id, P2 by child and start date (R1 is C1's latest episode on 2026-02-01).
    assert_eq!(
        placements("R1"),
        ["2026-01-05 foster_family", "2026-02-01 group_home emergency"]
    );
    // P3 by child: on 2026-06-02 C1's latest episode is R10; codes match case-insensitively.
    assert_eq!(placements("R10"), ["2026-06-02 trial_home_visit"]);
    // Same start date: placement_id order (P13 before P14), whatever the row order.
    assert_eq!(
        placements("R2"),
        ["2026-01-10 foster_family", "2026-01-10 relative_foster"]
    );
}

#[test]
fn without_the_placements_extract_nothing_is_read_and_no_measure_needs_it() {
    let data = messy();
    assert!(!data.reports.contains_key(&Extract::Placements));
    assert!(data.episodes.iter().all(|episode| episode.placements.is_empty()));
    let measures = permanency_report::measures::reported_measures(&data.extracts_read());
    assert!(
        measures
            .iter()
            .all(|measure| measure.id() != "placement_moves_per_1000_days")
    );
    assert_eq!(measures.len(), crate::support::measures_without_placements());
    assert!(
        measures
            .iter()
            .all(|measure| measure.id() != "team_before_placement_change")
    );
}

#[test]
fn explain_gives_the_moves_and_care_days_of_an_episode() {
    let (directory, config) = config_with_placements(&fixture("messy"));
    let data = read_extracts(&config, Progress::hidden()).expect("readable");
    let position = data
        .episodes
        .iter()
        .position(|episode| &*episode.removal_id == "R1")
        .expect("R1");
    let as_of = permanency_report::date_format::parse_iso_date("2026-10-31").expect("date");
    let text = permanency_report::commands::explain::explanation(&data, &config, position, as_of);
    drop(directory);
    assert!(
        text.contains("placements known on as_of: 2026-01-05 foster_family, 2026-02-01 group_home (emergency)"),
        "{text}"
    );
    let moves = text
        .split("\nplacement_moves_per_1000_days")
        .nth(1)
        .expect("a paragraph for placement moves");
    // Removed 2026-01-05, open: care days 2026-01-05 .. 2026-10-31 = 300.
    assert!(
        moves.contains("adds 1 to the numerator and 300 to the denominator"),
        "{moves}"
    );
    assert!(moves.contains("move to group_home 2026-02-01"), "{moves}");
}
