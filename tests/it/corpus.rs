//! The bad-input corpus: every case is one extract's bytes and the behaviour it must get —
//! rejected rows with their line and reason, a clear extract error naming the file (and
//! column), or orphans — never a panic, and rows read = accepted + rejected every time.

use permanency_report::extracts::Extract;
use permanency_report::ingest::read_extracts;
use permanency_report::progress::Progress;

use crate::support::{config_for, copy_extracts, fixture};

const REMOVALS_HEADER: &str = "removal_id,child_id,office,removal_date,placement_date,emergency,birth_date,race_ethnicity,permanency_goal,discharge_date,discharge_reason\n";
const NOTICES_HEADER: &str = "notice_id,child_id,removal_id,notice_date\n";
const MEETINGS_HEADER: &str = "meeting_id,child_id,removal_id,meeting_date,meeting_type,status\n";

enum Expect {
    /// (line, reject kind) of every rejected row, and how many rows are accepted.
    Rows {
        rejects: &'static [(u64, &'static str)],
        accepted: u64,
    },
    /// The extract cannot be read: the error names the file and contains this.
    ExtractError(&'static str),
    /// Accepted rows that link to no episode, by reason.
    Orphans { reason: &'static str, count: u64 },
}

struct Case {
    name: &'static str,
    extract: Extract,
    content: Vec<u8>,
    expect: Expect,
}

fn case(name: &'static str, extract: Extract, content: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name,
        extract,
        content: content.into(),
        expect,
    }
}

fn removals(rows: &str) -> Vec<u8> {
    format!("{REMOVALS_HEADER}{rows}").into_bytes()
}

fn notices(rows: &str) -> Vec<u8> {
    format!("{NOTICES_HEADER}{rows}").into_bytes()
}

fn meetings(rows: &str) -> Vec<u8> {
    format!("{MEETINGS_HEADER}{rows}").into_bytes()
}

const GOOD: &str = "R1,C1,Hartford,2026-01-05,,N,2015-01-01,White,reunification,,\n";

fn corpus() -> Vec<Case> {
    use Expect::*;
    use Extract::{Meetings, Notifications, Removals};
    let long_value = "x".repeat(1_000_000);
    vec![
        case(
            "wrong delimiter",
            Removals,
            REMOVALS_HEADER.replace(',', ";") + &GOOD.replace(',', ";"),
            ExtractError("required column \"removal_id\" is missing"),
        ),
        case(
            "missing required column",
            Removals,
            "removal_id,child_id,removal_date\nR1,C1,2026-01-05\n",
            ExtractError("required column \"office\" is missing"),
        ),
        case(
            "duplicate header",
            Removals,
            format!("removal_id,{REMOVALS_HEADER}"),
            ExtractError("column \"removal_id\" appears more than once"),
        ),
        case(
            "misspelt header",
            Removals,
            REMOVALS_HEADER.replace("removal_date", "removal_dt"),
            ExtractError("required column \"removal_date\" is missing"),
        ),
        case("empty file", Removals, "", ExtractError("is empty (no header line)")),
        case(
            "header only",
            Removals,
            REMOVALS_HEADER,
            Rows {
                rejects: &[],
                accepted: 0,
            },
        ),
        case(
            "byte-order mark",
            Removals,
            [b"\xEF\xBB\xBF".as_slice(), &removals(GOOD)].concat(),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "CRLF line ends",
            Removals,
            removals(GOOD)
                .iter()
                .flat_map(|&byte| if byte == b'\n' { vec![b'\r', b'\n'] } else { vec![byte] })
                .collect::<Vec<u8>>(),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "mixed line ends",
            Removals,
            removals(
                "R1,C1,Hartford,2026-01-05,,N,,,,,\r\nR2,C2,Hartford,2026-02-30,,N,,,,,\nR3,C3,Hartford,2026-01-05,,N,,,,,\n",
            ),
            Rows {
                rejects: &[(3, "bad_date")],
                accepted: 2,
            },
        ),
        case(
            "quoted line break",
            Removals,
            removals("R1,C1,\"Hart\nford\",2026-01-05,,N,,,,,\nR2,C2,Hartford,2026-13-01,,N,,,,,\n"),
            Rows {
                rejects: &[(4, "bad_date")],
                accepted: 1,
            },
        ),
        case(
            "quoted comma and quote",
            Removals,
            removals("R1,C1,\"Hartford, \"\"North\"\"\",2026-01-05,,N,,,,,\n"),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "unterminated quote",
            Removals,
            removals("R1,C1,\"Hartford,2026-01-05,,N,,,,,\nR2,C2,Hartford,2026-01-05,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "wrong_field_count")],
                accepted: 0,
            },
        ),
        case(
            "Windows-1252 export",
            Removals,
            [
                REMOVALS_HEADER.as_bytes(),
                b"R1,C1,Hartford,2026-01-05,,N,,Fran\xE7ais,,,\n",
            ]
            .concat(),
            Rows {
                rejects: &[(2, "invalid_utf8")],
                accepted: 0,
            },
        ),
        case(
            "a character split between two quoted values",
            Removals,
            [
                REMOVALS_HEADER.as_bytes(),
                b"R1,C1,Hartford,2026-01-05,,N,,\"Fran\xC3\",\"\xA9ais\",,\n",
            ]
            .concat(),
            Rows {
                rejects: &[(2, "invalid_utf8")],
                accepted: 0,
            },
        ),
        // Longer than input.max_value_bytes (1,024): a broken export, one reject, never an
        // office whose name no file system can hold (issue 16, defects 2 and 3).
        case(
            "very long field",
            Removals,
            removals(&format!("R1,C1,{long_value},2026-01-05,,N,,,,,\n")),
            Rows {
                rejects: &[(2, "value_too_long")],
                accepted: 0,
            },
        ),
        case(
            "impossible date",
            Removals,
            removals("R1,C1,Hartford,2025-02-30,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "29 February in a common year",
            Removals,
            removals("R1,C1,Hartford,2025-02-29,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "two-digit year",
            Removals,
            removals("R1,C1,Hartford,01/05/26,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "date far in the past",
            Removals,
            removals("R1,C1,Hartford,1850-01-05,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "date far in the future",
            Removals,
            removals("R1,C1,Hartford,9999-12-31,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "date with time",
            Removals,
            removals("R1,C1,Hartford,2026-01-05T10:00:00,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "US date accepted",
            Removals,
            removals("R1,C1,Hartford,01/05/2026,,N,,,,,\n"),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "duplicate id",
            Removals,
            removals(&format!("{GOOD}{GOOD}")),
            Rows {
                rejects: &[(3, "duplicate_id")],
                accepted: 1,
            },
        ),
        case(
            "discharge before removal",
            Removals,
            removals("R1,C1,Hartford,2026-03-01,,N,,,,2026-02-01,reunification\n"),
            Rows {
                rejects: &[(2, "discharge_before_removal")],
                accepted: 0,
            },
        ),
        case(
            "discharge without reason",
            Removals,
            removals("R1,C1,Hartford,2026-03-01,,N,,,,2026-04-01,\n"),
            Rows {
                rejects: &[(2, "discharge_without_reason")],
                accepted: 0,
            },
        ),
        case(
            "unknown discharge reason",
            Removals,
            removals("R1,C1,Hartford,2026-03-01,,N,,,,2026-04-01,eloped\n"),
            Rows {
                rejects: &[(2, "unknown_code")],
                accepted: 0,
            },
        ),
        case(
            "unknown goal",
            Removals,
            removals("R1,C1,Hartford,2026-03-01,,N,,,home,,\n"),
            Rows {
                rejects: &[(2, "unknown_code")],
                accepted: 0,
            },
        ),
        case(
            "unknown emergency flag",
            Removals,
            removals("R1,C1,Hartford,2026-03-01,,maybe,,,,,\n"),
            Rows {
                rejects: &[(2, "unknown_code")],
                accepted: 0,
            },
        ),
        case(
            "missing id",
            Removals,
            removals(",C1,Hartford,2026-03-01,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "missing_value")],
                accepted: 0,
            },
        ),
        case(
            "blank required value",
            Removals,
            removals("R1,C1,   ,2026-03-01,,N,,,,,\n"),
            Rows {
                rejects: &[(2, "missing_value")],
                accepted: 0,
            },
        ),
        case(
            "extra field",
            Removals,
            removals("R1,C1,Hartford,2026-03-01,,N,,,,,,surplus\n"),
            Rows {
                rejects: &[(2, "wrong_field_count")],
                accepted: 0,
            },
        ),
        case(
            "missing fields",
            Removals,
            removals("R1,C1,Hartford\n"),
            Rows {
                rejects: &[(2, "wrong_field_count")],
                accepted: 0,
            },
        ),
        case(
            "blank lines between rows",
            Removals,
            removals(&format!("{GOOD}\n\nR2,C2,Hartford,2026-02-30,,N,,,,,\n")),
            Rows {
                rejects: &[(5, "bad_date")],
                accepted: 1,
            },
        ),
        case(
            "office with a formula",
            Removals,
            removals("R1,C1,=cmd|' /C calc'!A0,2026-01-05,,N,,,,,\n"),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "office with HTML",
            Removals,
            removals("R1,C1,<img src=x onerror=alert(1)>,2026-01-05,,N,,,,,\n"),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "NUL byte in a value",
            Removals,
            removals("R1,C\u{0}1,Hartford,2026-01-05,,N,,,,,\n"),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "several problems in one row",
            Removals,
            removals(",,Hartford,2026-02-30,,maybe,,,,,\n"),
            Rows {
                rejects: &[(2, "missing_value")],
                accepted: 0,
            },
        ),
        case(
            "notice missing date",
            Notifications,
            notices("N1,C1,A1,\n"),
            Rows {
                rejects: &[(2, "missing_value")],
                accepted: 0,
            },
        ),
        case(
            "notice bad date",
            Notifications,
            notices("N1,C1,A1,31/12/2025\n"),
            Rows {
                rejects: &[(2, "bad_date")],
                accepted: 0,
            },
        ),
        case(
            "notice duplicate id",
            Notifications,
            notices("N1,C1,A1,2025-04-01\nN1,C1,A1,2025-04-02\n"),
            Rows {
                rejects: &[(3, "duplicate_id")],
                accepted: 1,
            },
        ),
        case(
            "orphan notice: unknown child",
            Notifications,
            notices("N1,C404,,2025-04-01\n"),
            Orphans {
                reason: "unknown_child",
                count: 1,
            },
        ),
        case(
            "orphan notice: unknown removal_id",
            Notifications,
            notices("N1,C1,R404,2025-04-01\n"),
            Orphans {
                reason: "unknown_removal_id",
                count: 1,
            },
        ),
        case(
            "orphan notice: before every episode",
            Notifications,
            notices("N1,C1,,2020-01-01\n"),
            Orphans {
                reason: "dated_before_every_episode",
                count: 1,
            },
        ),
        case(
            "unknown meeting type",
            Meetings,
            meetings("M1,C1,A1,2025-04-01,phone call,held\n"),
            Rows {
                rejects: &[(2, "unknown_code")],
                accepted: 0,
            },
        ),
        case(
            "unknown meeting status",
            Meetings,
            meetings("M1,C1,A1,2025-04-01,large_team,postponed\n"),
            Rows {
                rejects: &[(2, "unknown_code")],
                accepted: 0,
            },
        ),
        case(
            "meeting codes in capitals",
            Meetings,
            meetings("M1,C1,A1,2025-04-01,LARGE_TEAM,HELD\n"),
            Rows {
                rejects: &[],
                accepted: 1,
            },
        ),
        case(
            "orphan meeting",
            Meetings,
            meetings("M1,C9,,2025-04-01,large_team,held\n"),
            Orphans {
                reason: "unknown_child",
                count: 1,
            },
        ),
    ]
}

#[test]
fn every_bad_input_gets_a_reject_with_a_reason_or_a_clear_error() {
    let cases = corpus();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for case in cases {
        let directory = tempfile::tempdir().expect("temp dir");
        copy_extracts(&fixture("tiny"), directory.path());
        let file = directory.path().join(format!("{}.csv", case.extract.name()));
        std::fs::write(&file, &case.content).expect("write case");
        let outcome = read_extracts(&config_for(directory.path()), Progress::hidden());
        match (&case.expect, outcome) {
            (Expect::ExtractError(fragment), Err(error)) => {
                let message = error.to_string();
                assert!(message.contains(fragment), "{}: {message}", case.name);
                assert!(
                    message.contains(&format!("{}.csv", case.extract.name())),
                    "{}: names the file: {message}",
                    case.name
                );
            }
            (Expect::ExtractError(fragment), Ok(_)) => {
                panic!("{}: expected an error containing {fragment:?}", case.name)
            }
            (_, Err(error)) => panic!("{}: unexpected error {error:#}", case.name),
            (expect, Ok(data)) => {
                for (extract, report) in &data.reports {
                    assert_eq!(
                        report.rows_read,
                        report.rows_accepted + report.rows_rejected(),
                        "{}: {}",
                        case.name,
                        extract.name()
                    );
                    for row in &report.rejected {
                        assert!(
                            !row.reason().is_empty() && row.reason().contains("column")
                                || row.kind().as_str() == "wrong_field_count",
                            "{}: {}",
                            case.name,
                            row.reason()
                        );
                    }
                }
                let report = &data.reports[&case.extract];
                match expect {
                    Expect::Rows { rejects, accepted } => {
                        let actual: Vec<(u64, &str)> = report
                            .rejected
                            .iter()
                            .map(|row| (row.line, row.kind().as_str()))
                            .collect();
                        assert_eq!(actual, *rejects, "{}", case.name);
                        assert_eq!(report.rows_accepted, *accepted, "{}", case.name);
                    }
                    Expect::Orphans { reason, count } => {
                        assert_eq!(
                            report.orphaned_by_reason.get(reason),
                            Some(count),
                            "{}: {:?}",
                            case.name,
                            report.orphaned_by_reason
                        );
                    }
                    Expect::ExtractError(_) => unreachable!(),
                }
            }
        }
    }
}

#[test]
fn a_period_with_no_episodes_gives_empty_rates_never_a_division_by_zero() {
    let directory = tempfile::tempdir().expect("temp dir");
    copy_extracts(&fixture("tiny"), directory.path());
    std::fs::write(
        directory.path().join("removals.csv"),
        removals("R1,C1,Hartford,2010-01-05,,N,,,,2010-06-01,reunification\n"),
    )
    .expect("write");
    let out = directory.path().join("out");
    let output = crate::support::run_binary(
        &crate::support::repository_root(),
        &[
            "run",
            "--config",
            crate::support::test_config_path().to_str().expect("utf-8"),
            "--input-dir",
            directory.path().to_str().expect("utf-8"),
            "--as-of",
            "2026-10-31",
            "--out",
            out.to_str().expect("utf-8"),
            "--no-email",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", crate::support::stderr_of(&output));
    let rows = crate::support::read_csv(&out.join("2026-10-31/measures.csv"));
    assert!(
        rows.iter().skip(1).all(|row| row[7] == "0" && row[8].is_empty()),
        "every denominator 0, every rate empty"
    );
    let page = std::fs::read_to_string(out.join("2026-10-31/statewide.html")).expect("page");
    assert!(!page.contains("NaN") && !page.contains("inf"));
}

#[test]
fn an_unreadable_extract_is_a_clear_input_error() {
    let directory = tempfile::tempdir().expect("temp dir");
    copy_extracts(&fixture("tiny"), directory.path());
    let meetings = directory.path().join("meetings.csv");
    std::fs::remove_file(&meetings).expect("remove");
    std::fs::create_dir(&meetings).expect("a directory where the file should be");
    let error = read_extracts(&config_for(directory.path()), Progress::hidden())
        .err()
        .expect("an error");
    let message = format!("{:#}", anyhow::Error::from(error));
    assert!(
        message.contains("meetings extract") && message.contains("meetings.csv"),
        "{message}"
    );
}
