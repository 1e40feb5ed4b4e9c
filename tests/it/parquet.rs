//! Parquet for analysts: the tables read back with polars beside their CSV, and Parquet
//! extracts giving exactly what the same rows as CSV give (rejects included).

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{
    AnyValue, Column, DataFrame, DataType, IntoColumn, NamedFrom, ParquetReader, ParquetWriter, SerReader, Series,
};

use crate::support::{fixture, read_csv, run_as_of, stderr_of, test_config_path, walk};

fn read_parquet(path: &Path) -> DataFrame {
    let file = File::open(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    ParquetReader::new(file).finish().expect("a Parquet file polars reads")
}

/// A Parquet cell as the CSV writes it (dates ISO, rates their shortest form, text with the
/// spreadsheet guard the CSV adds).
fn as_csv_text(value: &AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(text) => permanency_report::output::neutralise_csv_text(text).into_owned(),
        AnyValue::StringOwned(text) => permanency_report::output::neutralise_csv_text(text).into_owned(),
        AnyValue::Date(days) => permanency_report::calendar::date_from_epoch_days(*days)
            .expect("a date")
            .to_string(),
        AnyValue::Int64(value) => value.to_string(),
        AnyValue::Float64(value) => value.to_string(),
        other => panic!("an unexpected Parquet value {other:?}"),
    }
}

fn config_with(directory: &Path, extra_output: &str, input_files: &str) -> PathBuf {
    let config = directory.join("config.toml");
    let text = std::fs::read_to_string(test_config_path()).expect("config");
    let text = text
        .replacen("[output]\n", &format!("[output]\n{extra_output}\n"), 1)
        .replacen("[input]\n", &format!("[input]\n{input_files}\n"), 1);
    std::fs::write(&config, text).expect("write config");
    config
}

/// Every table is also `<name>.parquet`, typed, with the CSV's rows and values; a rerun writes
/// the same bytes.
#[test]
fn every_table_is_also_parquet_typed_with_the_csvs_rows() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with(directory.path(), "formats = [\"csv\", \"parquet\"]", "");
    let runs: Vec<PathBuf> = ["first", "again"]
        .iter()
        .map(|name| {
            let out = directory.path().join(name);
            let output = run_as_of(&config, &fixture("messy"), &out, &["--no-email"]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
            out.join("2026-10-31")
        })
        .collect();
    let run = &runs[0];
    for table in [
        "measures",
        "cases",
        "equity",
        "episodes",
        "data_quality",
        "rejects/removals",
        "rejects/meetings",
    ] {
        let parquet_path = run.join(format!("{table}.parquet"));
        let frame = read_parquet(&parquet_path);
        let csv = read_csv(&run.join(format!("{table}.csv")));
        let names: Vec<String> = frame.get_column_names().iter().map(|name| name.to_string()).collect();
        // episodes.parquet adds each measure's deciding dates after the CSV's columns.
        assert_eq!(names[..csv[0].len()], csv[0], "{table}: the CSV's columns first");
        let frame = frame
            .select(csv[0].iter().map(String::as_str))
            .expect("the CSV's columns");
        assert_eq!(frame.height(), csv.len() - 1, "{table}: the CSV's rows");
        for (row, expected) in csv[1..].iter().enumerate() {
            let cells: Vec<AnyValue<'_>> = (frame.columns().iter())
                .map(|column| column.get(row).expect("a value"))
                .collect();
            // A rejected row with fewer fields than the header: nulls stand for the others.
            let (values, missing) = cells.split_at(expected.len().min(cells.len()));
            assert!(
                missing.iter().all(|cell| cell.is_null()),
                "{table}, row {row}: {missing:?}"
            );
            let values: Vec<String> = values.iter().map(as_csv_text).collect();
            assert_eq!(&values, expected, "{table}, row {row}");
        }
        assert_eq!(
            std::fs::read(&parquet_path).expect("parquet"),
            std::fs::read(runs[1].join(format!("{table}.parquet"))).expect("rerun"),
            "{table}.parquet: byte-identical on rerun"
        );
    }
    let measures = read_parquet(&run.join("measures.parquet"));
    let types: Vec<(String, DataType)> = (measures.columns().iter())
        .map(|column| (column.name().to_string(), column.dtype().clone()))
        .collect();
    assert_eq!(types[0], ("as_of".into(), DataType::Date));
    assert_eq!(types[6], ("numerator".into(), DataType::Int64));
    assert_eq!(types[8], ("rate".into(), DataType::Float64));
    let manifest = std::fs::read_to_string(run.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"episodes.parquet\""), "listed in the manifest");
}

/// The fixture's rows that a Parquet table can hold (as many fields as the header, UTF-8),
/// as the header and rows of text.
fn representable_rows(csv_path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_path(csv_path)
        .expect("fixture");
    let mut records = reader.byte_records().map(|record| record.expect("record"));
    let header: Vec<String> = (records.next().expect("header").iter())
        .map(|field| String::from_utf8(field.to_vec()).expect("utf-8 header"))
        .collect();
    let rows = records
        .filter(|record| record.len() == header.len())
        .filter_map(|record| {
            (record.iter())
                .map(|field| String::from_utf8(field.to_vec()).ok())
                .collect::<Option<Vec<String>>>()
        })
        .collect();
    (header, rows)
}

/// Writes `rows` as CSV and as Parquet with every column text; with `typed`, Parquet's date
/// columns that all parse become Date and empty values null.
fn write_pair(header: &[String], rows: &[Vec<String>], csv_path: &Path, parquet_path: &Path, typed: bool) {
    let mut writer = csv::Writer::from_path(csv_path).expect("csv");
    writer.write_record(header).expect("header");
    for row in rows {
        writer.write_record(row).expect("row");
    }
    writer.flush().expect("flush");
    let columns: Vec<Column> = (header.iter().enumerate())
        .map(|(index, name)| {
            let values: Vec<Option<&str>> = rows
                .iter()
                .map(|row| {
                    let value = row[index].as_str();
                    (!(typed && value.is_empty())).then_some(value)
                })
                .collect();
            let text = Series::new(name.as_str().into(), values);
            let as_date = text.cast(&DataType::Date).ok();
            match as_date {
                Some(dates) if typed && name.ends_with("_date") && dates.null_count() == text.null_count() => {
                    dates.into_column()
                }
                _ => text.into_column(),
            }
        })
        .collect();
    let mut frame = DataFrame::new(rows.len(), columns).expect("frame");
    ParquetWriter::new(File::create(parquet_path).expect("parquet"))
        .finish(&mut frame)
        .expect("write parquet");
}

/// The same rows as CSV and as Parquet (text columns, then typed ones) give identical outputs;
/// a rejected Parquet row's line is its row number (the CSV's line less the header's).
#[test]
fn parquet_extracts_give_what_the_same_rows_as_csv_give() {
    for typed in [false, true] {
        let directory = tempfile::tempdir().expect("temp dir");
        let (csv_dir, parquet_dir) = (directory.path().join("csv"), directory.path().join("parquet"));
        std::fs::create_dir_all(&csv_dir).expect("mkdir");
        std::fs::create_dir_all(&parquet_dir).expect("mkdir");
        let extracts = ["removals", "notifications", "meetings", "placements"];
        for extract in extracts {
            let (header, rows) = representable_rows(&fixture("messy").join(format!("{extract}.csv")));
            write_pair(
                &header,
                &rows,
                &csv_dir.join(format!("{extract}.csv")),
                &parquet_dir.join(format!("{extract}.parquet")),
                typed,
            );
        }
        let as_csv = config_with(directory.path(), "", "placements_file = \"placements.csv\"");
        let parquet_files = "removals_file = \"removals.parquet\"\nnotifications_file = \"notifications.parquet\"\n\
                             meetings_file = \"meetings.parquet\"\nplacements_file = \"placements.parquet\"";
        let as_parquet = {
            let parquet_directory = directory.path().join("parquet-config");
            std::fs::create_dir_all(&parquet_directory).expect("mkdir");
            config_with(&parquet_directory, "", parquet_files)
        };
        let run = |config: &Path, input: &Path, name: &str| {
            let out = directory.path().join(name);
            let output = run_as_of(config, input, &out, &["--no-email"]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
            out.join("2026-10-31")
        };
        let from_csv = run(&as_csv, &csv_dir, "from-csv");
        let from_parquet = run(&as_parquet, &parquet_dir, "from-parquet");
        for table in [
            "measures.csv",
            "cases.csv",
            "equity.csv",
            "episodes.csv",
            "data_quality.csv",
        ] {
            assert_eq!(
                std::fs::read_to_string(from_csv.join(table)).expect("csv run"),
                std::fs::read_to_string(from_parquet.join(table)).expect("parquet run"),
                "{table} (typed: {typed})"
            );
        }
        let mut rejected = 0;
        for extract in extracts {
            let csv_rejects = read_csv(&from_csv.join(format!("rejects/{extract}.csv")));
            let parquet_rejects = read_csv(&from_parquet.join(format!("rejects/{extract}.csv")));
            assert_eq!(csv_rejects.len(), parquet_rejects.len(), "{extract}");
            // The row number of the record starting on each line of the CSV written.
            let mut reader = csv::Reader::from_path(csv_dir.join(format!("{extract}.csv"))).expect("csv");
            let row_on_line: std::collections::BTreeMap<u64, usize> = (reader.byte_records().enumerate())
                .map(|(row, record)| (record.expect("record").position().expect("position").line(), row + 1))
                .collect();
            for (from_csv_row, from_parquet_row) in csv_rejects[1..].iter().zip(&parquet_rejects[1..]) {
                let csv_line: u64 = from_csv_row[0].parse().expect("line");
                assert_eq!(
                    from_parquet_row[0],
                    row_on_line[&csv_line].to_string(),
                    "{extract}: the row number"
                );
                assert_eq!(from_csv_row[1..], from_parquet_row[1..], "{extract}: reason and values");
                rejected += 1;
            }
        }
        assert!(
            rejected >= 8,
            "the fixture's bad rows are rejected from Parquet too ({rejected})"
        );
    }
}

/// The archive keeps the night's extracts as read (the messy fixture: a byte-order mark, CR LF,
/// a quoted line break, invalid UTF-8, rows with too few and too many fields), and a rerun from
/// it reproduces the night: every table, rejects (lines included) and page byte for byte, the
/// workbooks' figures; only the inputs' paths and digests differ.
#[test]
fn a_rerun_from_the_archive_reproduces_the_night() {
    let directory = tempfile::tempdir().expect("temp dir");
    let archive = directory.path().join("archive");
    let config = config_with(directory.path(), "", "placements_file = \"placements.csv\"");
    std::fs::write(
        &config,
        std::fs::read_to_string(&config).expect("config")
            + &format!("\n[archive]\ndir = {:?}\n", archive.to_str().expect("utf-8")),
    )
    .expect("write config");
    let night = directory.path().join("night");
    let output = run_as_of(&config, &fixture("messy"), &night, &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let archived = archive.join("2026-10-31");
    for extract in ["removals", "notifications", "meetings", "placements"] {
        let file = archived.join(format!("{extract}.parquet"));
        assert!(file.is_file(), "{extract} archived");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{extract}: owner only, like every output");
    }
    // Text as text; the column with a value that is not UTF-8 as the bytes read.
    let meetings = read_parquet(&archived.join("meetings.parquet"));
    assert_eq!(
        meetings.column("meeting_id").expect("column").dtype(),
        &DataType::String
    );
    assert_eq!(
        meetings.column("meeting_type").expect("column").dtype(),
        &DataType::Binary
    );
    let rerun = directory.path().join("rerun");
    let output = run_as_of(&config, &archived, &rerun, &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let (night, rerun) = (night.join("2026-10-31"), rerun.join("2026-10-31"));
    let mut compared = 0;
    for entry in walk(&night) {
        let relative = entry
            .strip_prefix(&night)
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        let (before, after) = (
            std::fs::read(&entry).expect("night"),
            std::fs::read(rerun.join(&relative)).expect("rerun"),
        );
        if relative == "manifest.json" || relative.ends_with(".xlsx") || relative == "data_quality.txt" {
            continue;
        }
        assert!(before == after, "{relative} differs after a rerun from the archive");
        compared += 1;
    }
    assert!(compared >= 10, "{compared} files compared");
    // data_quality.txt and the workbooks name the inputs; everything else in them is the same.
    let without_paths = |text: String| -> Vec<String> {
        text.lines()
            .map(|line| match line.split_once(": ") {
                Some((extract, path)) if path.ends_with(".csv") || path.ends_with(".parquet") => {
                    format!("{extract}: <path>")
                }
                _ => line.to_string(),
            })
            .collect()
    };
    assert_eq!(
        without_paths(std::fs::read_to_string(night.join("data_quality.txt")).expect("night")),
        without_paths(std::fs::read_to_string(rerun.join("data_quality.txt")).expect("rerun"))
    );
    let summary = |run: &Path| -> Vec<Vec<String>> {
        let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(run.join("statewide.xlsx")).expect("workbook");
        let range = calamine::Reader::worksheet_range(&mut workbook, "Summary").expect("Summary");
        range
            .rows()
            .map(|row| row.iter().map(ToString::to_string).collect())
            .collect()
    };
    assert_eq!(summary(&night), summary(&rerun));
}

/// `episodes.parquet` carries, per measure, the deadline, the deciding date and the days from
/// the one to the other, and they agree with `explain --format csv` for every episode and
/// measure: two routes to the same verdicts.
#[test]
fn episodes_parquet_carries_the_deciding_dates_explain_gives() {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = config_with(directory.path(), "formats = [\"csv\", \"parquet\"]", "");
    let out = directory.path().join("out");
    let output = run_as_of(&config, &fixture("tiny"), &out, &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let episodes = read_parquet(&out.join("2026-10-31/episodes.parquet"));
    let ids: Vec<String> = (0..episodes.height())
        .map(|row| as_csv_text(&episodes.column("removal_id").expect("column").get(row).expect("value")))
        .collect();
    let input = fixture("tiny");
    let mut arguments = vec![
        "explain",
        "--config",
        config.to_str().expect("utf-8"),
        "--input-dir",
        input.to_str().expect("utf-8"),
        "--as-of",
        "2026-10-31",
        "--format",
        "csv",
        "--removal-id",
    ];
    arguments.extend(ids.iter().map(String::as_str));
    let explained = crate::support::run_binary(&crate::support::repository_root(), &arguments);
    assert_eq!(explained.status.code(), Some(0), "{}", stderr_of(&explained));
    let text = String::from_utf8(explained.stdout).expect("utf-8");
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|line| line.split(',').collect()).collect();
    let cell = |name: &str, row: usize| -> String {
        let value = episodes
            .column(name)
            .unwrap_or_else(|_| panic!("column {name}"))
            .get(row)
            .expect("value");
        if value.is_null() {
            String::new()
        } else {
            as_csv_text(&value)
        }
    };
    let mut with_deadline = 0;
    for explained in &rows {
        let row = ids.iter().position(|id| id == explained[1]).expect("the episode");
        let measure = explained[4];
        let verdict = cell(measure, row);
        // episodes' verdict is `numerator`, `denominator` or `excluded:<rule>`.
        let expected_verdict = match explained[7] {
            "excluded" => format!("excluded:{}", explained[8]),
            verdict => verdict.to_string(),
        };
        assert_eq!(verdict, expected_verdict, "{} {measure}", explained[1]);
        let got = [
            cell(&format!("{measure}_deadline"), row),
            cell(&format!("{measure}_deciding_date"), row),
            cell(&format!("{measure}_days_from_deadline"), row),
        ];
        assert_eq!(
            got,
            [explained[9], explained[11], explained[12]],
            "{} {measure}",
            explained[1]
        );
        with_deadline += usize::from(!got[0].is_empty());
    }
    assert_eq!(rows.len(), ids.len() * crate::support::measures_without_placements());
    assert!(with_deadline >= 5, "deadlines are kept ({with_deadline})");
}

/// `episodes.parquet` is written column by column for speed; it is byte for byte what the
/// generic writer makes of the same table, row by row.
#[test]
fn the_columnar_episodes_writer_matches_the_generic_one() {
    use permanency_report::output::{parquet_writer, tables};
    let directory = tempfile::tempdir().expect("temp dir");
    for name in ["tiny", "messy"] {
        let mut config = crate::support::config_for(&fixture(name));
        if name == "messy" {
            let with_placements = config_with(directory.path(), "", "placements_file = \"placements.csv\"");
            config = permanency_report::commands::load_config(
                &permanency_report::cli::InputArgs {
                    config: with_placements,
                    input_dir: Some(fixture(name)),
                },
                None,
            )
            .expect("configuration");
        }
        let data = permanency_report::ingest::read_extracts(&config, permanency_report::progress::Progress::hidden())
            .expect("extracts");
        let measures = permanency_report::measures::reported_measures(&data.extracts_read());
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let results = permanency_report::engine::compute(
            permanency_report::engine::Knowledge::of(&data, &config, &measures),
            as_of,
        );
        let table = tables::EpisodesWithDecidingDates(tables::EpisodesTable {
            episodes: &data.episodes,
            results: &results,
        });
        assert_eq!(
            parquet_writer::render_episodes(&table).expect("columnar"),
            parquet_writer::render(&table).expect("generic"),
            "{name}"
        );
    }
}
