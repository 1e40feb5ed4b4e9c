//! The workbooks and pages as a reader meets them: read back with a real xlsx reader (calamine)
//! and the xlsx XML, parsed with a real HTML parser (scraper).

use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::support::{fixture, read_csv, stderr_of, test_config_path};

/// Runs the fixture with the test configuration (optionally edited) and returns the run directory.
fn run_fixture(name: &str, edit_config: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("temp dir");
    let config = directory.path().join("config.toml");
    std::fs::write(
        &config,
        edit_config(std::fs::read_to_string(test_config_path()).expect("config")),
    )
    .expect("write");
    let out = directory.path().join("out");
    let output = crate::support::run_as_of(&config, &fixture(name), &out, &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    (directory, out.join("2026-10-31"))
}

fn workbook(path: &Path) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a valid xlsx")
}

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    workbook(path)
        .worksheet_range(name)
        .unwrap_or_else(|error| panic!("sheet {name}: {error}"))
}

/// The rows of a sheet as text, for searching.
fn rows_as_text(range: &calamine::Range<Data>) -> Vec<Vec<String>> {
    range
        .rows()
        .map(|row| row.iter().map(ToString::to_string).collect())
        .collect()
}

/// One XML part of an xlsx file.
fn xlsx_part(path: &Path, part: &str) -> String {
    let file = std::fs::File::open(path).expect("open");
    let mut archive = zip::ZipArchive::new(file).expect("zip");
    let mut text = String::new();
    archive
        .by_name(part)
        .unwrap_or_else(|_| panic!("{part} in {}", path.display()))
        .read_to_string(&mut text)
        .expect("read");
    text
}

fn find_row<'a>(rows: &'a [Vec<String>], first: &str, second: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|row| row.first().map(String::as_str) == Some(first) && row.get(1).map(String::as_str) == Some(second))
        .unwrap_or_else(|| panic!("row {first} / {second}"))
}

#[test]
fn the_statewide_workbook_has_its_sheets_numbers_formats_chart_and_filters() {
    let (_directory, run) = run_fixture("tiny", |config| config);
    let path = run.join("statewide.xlsx");
    assert_eq!(
        workbook(&path).sheet_names(),
        [
            "Summary",
            "Offices",
            "Trend",
            "Office trends",
            "Case lists",
            "Equity",
            "Data quality",
            "About"
        ]
    );
    let summary = sheet(&path, "Summary");
    let rows = rows_as_text(&summary);
    assert!(rows[0][0].contains("Permanency report — Statewide"));
    assert!(rows[1][0].contains("As of 2026-10-31 · reporting period 2025-11-01 to 2026-10-31"));
    assert_eq!(
        rows[3][..7],
        [
            "Measure",
            "Office",
            "Rate",
            "Numerator",
            "Denominator",
            "Target",
            "Status"
        ]
    );
    // Numbers are number cells, not text that looks like numbers.
    let position = rows
        .iter()
        .position(|row| row[0] == "Reunification within 12 months" && row[1] == "Statewide")
        .expect("row");
    let cell = |column: u32| summary.get_value((position as u32, column)).cloned();
    assert_eq!(cell(2), Some(Data::Float(0.5)));
    assert_eq!(cell(3), Some(Data::Float(1.0)));
    assert_eq!(cell(4), Some(Data::Float(2.0)));
    assert_eq!(cell(5), Some(Data::Float(0.5)));
    assert_eq!(
        cell(6),
        Some(Data::String("too few to judge".into())),
        "1 of 2 is below reports.min_denominator (10): shown, never judged"
    );

    let styles = xlsx_part(&path, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.0%\""), "percentage format");
    assert!(styles.contains("formatCode=\"yyyy-mm-dd\""), "date format");
    let summary_xml = xlsx_part(&path, "xl/worksheets/sheet1.xml");
    assert!(summary_xml.contains("<autoFilter"), "autofilter");
    assert!(summary_xml.contains("state=\"frozen\""), "frozen header");
    assert!(summary_xml.contains("<conditionalFormatting"), "status by colour");
    // The trend: one small native chart per measure, its rolling line and its target.
    let measures = crate::support::measures_without_placements();
    let charts: Vec<String> = (1..=measures)
        .map(|number| xlsx_part(&path, &format!("xl/charts/chart{number}.xml")))
        .collect();
    assert!(
        charts.iter().all(|chart| chart.contains("<c:lineChart>")),
        "native line charts"
    );
    let archive = zip::ZipArchive::new(std::fs::File::open(&path).expect("open")).expect("zip");
    assert!(
        archive
            .index_for_name(&format!("xl/charts/chart{}.xml", measures + 1))
            .is_none(),
        "one chart per measure, no more"
    );
    // Reunification's chart: the 12-month line and its target (a measure without a target in
    // the test configuration has the line alone).
    assert_eq!(charts[0].matches("<c:ser>").count(), 2);
    assert!(charts[0].contains(">Target<"));
    assert!(
        charts
            .iter()
            .all(|chart| (1..=2).contains(&chart.matches("<c:ser>").count()))
    );
    let trend_sheet = sheet(&path, "Trend");
    let trend = rows_as_text(&trend_sheet);
    let header = trend.iter().position(|row| row[0] == "Month").expect("column titles");
    assert_eq!(
        trend[header][..6],
        ["Month", "12 months: rate", "n", "N", "Target", "Month: rate"]
    );
    assert_eq!(
        trend[header + 1][0],
        "Reunification within 12 months",
        "a block per measure"
    );
    // October 2026, the as-of month, is whole on the 31st; its rolling point is the headline.
    let october = header + 13;
    assert_eq!(
        trend_sheet.get_value((october as u32, 1)).cloned(),
        Some(Data::Float(0.5))
    );
    assert_eq!(trend[october][2..4], ["1", "2"]);
    assert!(trend[october][8].contains("too few to judge"), "{:?}", trend[october]);

    // The office × measure grid: rate, n/N and status for each office and the state.
    let offices = rows_as_text(&sheet(&path, "Offices"));
    let hartford = offices.iter().find(|row| row[0] == "Hartford").expect("Hartford's row");
    let reunification = offices[4]
        .iter()
        .position(|title| title == "Reunified in 12 months")
        .expect("a column block per measure, titled by its short name");
    assert_eq!(
        hartford[reunification..reunification + 3],
        ["0.5", "1/2", "too few to judge"]
    );
    let norwich = offices.iter().find(|row| row[0] == "Norwich").expect("Norwich's row");
    assert_eq!(norwich[reunification..reunification + 3], ["", "0/0", "no data"]);
    // Each office's rolling trend.
    let office_trends = rows_as_text(&sheet(&path, "Office trends"));
    assert!(
        office_trends
            .iter()
            .any(|row| row[0] == "Hartford" && row[1] == "Reunification within 12 months")
    );
    // Equity: one row per group of the state, not a list per office.
    let equity = rows_as_text(&sheet(&path, "Equity"));
    let groups: Vec<&str> = equity.iter().skip(6).map(|row| row[0].as_str()).collect();
    assert_eq!(groups, ["White", "Black", "Hispanic", "Unknown"], "{equity:?}");
    let about = rows_as_text(&sheet(&path, "About"));
    assert!(
        about
            .iter()
            .any(|row| row[0] == "reunification_12m" && row[2].contains("within 12 months"))
    );
    assert!(
        about.iter().any(|row| row[0] == "removals" && row[2].len() == 64),
        "input SHA-256"
    );
    let quality = rows_as_text(&sheet(&path, "Data quality"));
    assert!(quality.iter().any(|row| row[0] == "removals" && row[2] == "6"));
}

#[test]
fn an_office_workbook_has_its_office_beside_statewide_and_only_its_own_case_list() {
    let (_directory, run) = run_fixture("tiny", |config| config);
    let path = run.join("office-norwich.xlsx");
    let summary = rows_as_text(&sheet(&path, "Summary"));
    let teaming = find_row(&summary, "Teaming meeting in the last 90 days", "Norwich");
    assert_eq!(teaming[2..5], ["0", "0", "1"]);
    assert_eq!(teaming[7], "0.5", "the statewide rate beside the office's");
    assert!(
        summary.iter().skip(4).all(|row| row[1] == "Norwich"),
        "no other office's lines"
    );
    let cases = rows_as_text(&sheet(&path, "Case lists"));
    let listed: Vec<&str> = cases.iter().skip(4).map(|row| row[4].as_str()).collect();
    assert_eq!(
        listed,
        ["B1", "B1", "B1"],
        "Norwich's episode only, never Hartford's A4"
    );
}

#[test]
fn office_names_with_html_or_formulas_stay_text_everywhere() {
    let (_directory, run) = run_fixture("hostile", |config| config);
    let names = [
        "<script>alert(1)</script>",
        "=HYPERLINK(\"http://example.invalid\",\"click\")",
        "+SUM(A1:A9)",
    ];
    let path = run.join("statewide.xlsx");
    let summary = rows_as_text(&sheet(&path, "Summary"));
    for name in names {
        // Without configured offices, a name in capitals only is capitalised word by word.
        let name = permanency_report::scope::canonical_name(name);
        assert!(summary.iter().any(|row| row[1] == name), "{name} written as plain text");
    }
    for part in [
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet3.xml",
        "xl/worksheets/sheet4.xml",
    ] {
        assert!(!xlsx_part(&path, part).contains("<f>"), "no formula cells in {part}");
    }
    let page = std::fs::read_to_string(run.join("statewide.html")).expect("page");
    let document = scraper::Html::parse_document(&page);
    let scripts = scraper::Selector::parse("script").expect("selector");
    assert_eq!(
        document.select(&scripts).count(),
        0,
        "no script element, the name is escaped"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let links = scraper::Selector::parse("a, link, img, iframe, [src], [href]").expect("selector");
    assert_eq!(document.select(&links).count(), 0, "no links or external resources");
    let stem = permanency_report::scope::file_stem("office", "<script>alert(1)</script>");
    assert!(stem.starts_with("office-script-alert-1-script-"), "{stem}");
    let office_page = std::fs::read_to_string(run.join(format!("{stem}.html"))).expect("office page");
    assert!(
        office_page.contains("&lt;b&gt;kid&lt;/b&gt;"),
        "a child id with markup is escaped"
    );
    assert!(!office_page.contains("<b>kid"));
}

#[test]
fn pages_are_self_contained_with_inline_styles_status_text_and_a_trend_chart() {
    let (_directory, run) = run_fixture("tiny", |config| config);
    let page = std::fs::read_to_string(run.join("office-hartford.html")).expect("page");
    let document = scraper::Html::parse_document(&page);
    let select = |css: &str| scraper::Selector::parse(css).expect("selector");
    // One <style> block, media queries only: a client that strips it still has every style
    // inline and shows the one-column cards.
    let styles: Vec<String> = document
        .select(&select("style"))
        .map(|style| style.text().collect())
        .collect();
    assert_eq!(styles.len(), 1, "{styles:?}");
    assert!(
        styles[0].starts_with("@media") && styles[0].matches('{').count() == 3,
        "{}",
        styles[0]
    );
    assert!(
        document.select(&select(".narrow")).all(|card| !card
            .value()
            .attr("style")
            .unwrap_or("")
            .contains("display:none")),
        "the phone layout is the default"
    );
    assert_eq!(document.select(&select("script")).count(), 0);
    let title: String = document.select(&select("h1")).next().expect("h1").text().collect();
    assert_eq!(title, "Permanency report — Hartford");
    let text: String = document.root_element().text().collect();
    assert!(text.contains("As of 2026-10-31"));
    assert!(text.contains("Reunification within 12 months"));
    assert!(
        text.contains("on track") || text.contains("off track"),
        "status as text"
    );
    // The trend: every measure reported (no placements extract) × 12 rolling points, each
    // labelled with its 12 months and n; the month in progress is marked.
    let bars = document.select(&select("td[valign=bottom][title]")).count();
    assert_eq!(bars, crate::support::measures_without_placements() * 12);
    assert!(
        page.contains("title=\"12 months to Jan 2026: "),
        "bars are labelled by month"
    );
    assert!(page.contains("(1/2)"), "n beside the rate");
    // Hartford's page lists Hartford's child, not Norwich's.
    assert!(
        text.contains("A4") && !text.contains("B1"),
        "only the office's own case list"
    );
    assert!(text.contains("Data quality, Hartford office's rows."), "{text}");
}

/// An office's workbook shows its own office's rows, a rejected row counted with the office it
/// names; the statewide workbook every extract's rows.
#[test]
fn an_office_workbook_shows_its_own_offices_data_quality() {
    let (_directory, run) = run_fixture("messy", |config| config);
    let quality = rows_as_text(&sheet(&run.join("office-hartford.xlsx"), "Data quality"));
    assert!(
        quality[0][0].contains("data quality, Hartford office's rows"),
        "{:?}",
        quality[0]
    );
    let statewide = rows_as_text(&sheet(&run.join("statewide.xlsx"), "Data quality"));
    let read = |rows: &[Vec<String>], extract: &str, column: usize| -> String {
        rows.iter()
            .find(|row| row[0] == extract)
            .map(|row| row[column].clone())
            .expect("row")
    };
    let rejects = crate::support::read_csv(&run.join("rejects/removals.csv"));
    let hartford_rejects = rejects[1..].iter().filter(|row| row[4] == "Hartford").count();
    assert!(hartford_rejects >= 6, "{rejects:?}");
    assert_eq!(read(&quality, "removals", 2), hartford_rejects.to_string());
    assert_ne!(
        read(&quality, "removals", 1),
        read(&statewide, "removals", 3),
        "not the statewide count"
    );
    assert!(
        quality
            .iter()
            .any(|row| row[0] == "removals" && row[3] == "duplicate_id" && row[4] == "1")
    );
    assert!(quality.iter().any(|row| row[0].contains("name no office")));
}

#[test]
fn suppression_masks_small_cells_with_complements_and_leaves_out_case_lists() {
    let (_directory, run) = run_fixture("tiny", |config| {
        format!("{config}\n[reports.suppression]\nenabled = true\nthreshold = 10\n")
    });
    let path = run.join("statewide.xlsx");
    let summary = rows_as_text(&sheet(&path, "Summary"));
    let statewide = find_row(&summary, "Reunification within 12 months", "Statewide");
    assert_eq!(statewide[2..5], ["suppressed", "suppressed", "suppressed"]);
    let header = summary.iter().position(|row| row[0] == "Measure").expect("header row");
    let unmasked: Vec<&Vec<String>> = summary
        .iter()
        .skip(header + 1)
        .filter(|row| row[2] != "suppressed" && row[4] != "0")
        .collect();
    assert!(unmasked.is_empty(), "every small figure masked: {unmasked:?}");
    let cases = rows_as_text(&sheet(&path, "Case lists"));
    assert!(cases.iter().any(|row| row[0].contains("not included")));
    assert!(!cases.iter().any(|row| row.iter().any(|cell| cell == "B1")));
    let page = std::fs::read_to_string(run.join("statewide.html")).expect("page");
    assert!(page.contains("Small-cell suppression"));
    assert!(!page.contains("C4"), "no child ids in a suppressed report");
    // The office reports are not suppressed with scope = "statewide".
    let office = rows_as_text(&sheet(&run.join("office-norwich.xlsx"), "Summary"));
    assert_eq!(
        find_row(&office, "Teaming meeting in the last 90 days", "Norwich")[4],
        "1"
    );
}

/// The federal indicators carry the national figure (the CFSR Round 4 default, or
/// `[national]`), judged in the measure's direction, and a rate per 1,000 days is shown as one.
#[test]
fn federal_indicators_show_the_national_figure_in_their_direction_and_moves_per_1000_days() {
    let (_directory, run) = run_fixture("messy", |config| {
        config.replacen("[input]\n", "[input]\nplacements_file = \"placements.csv\"\n", 1)
            + "\n[national]\nreentry_12m = 0.5\n"
    });
    let page = std::fs::read_to_string(run.join("statewide.html")).expect("page");
    let text: String = scraper::Html::parse_document(&page).root_element().text().collect();
    assert!(text.contains("National"), "a National column");
    // Placement moves: 2 moves (R1's second placement, and R2's second, begun the same day as
    // its first) in 748 care days (R1: 300, R2: 295, R10: 153; R10's trial home visit is no
    // placement) = 2.67 per 1,000 days, below the national 4.48: lower is better, so it meets it.
    assert!(text.contains("2.67 per 1,000 days"), "{text}");
    assert!(text.contains("4.48 per 1,000 days"), "{text}");
    assert!(text.contains("meets national"), "{text}");
    // The configured national figure replaces the default.
    assert!(text.contains("50.0%"), "[national] reentry_12m = 0.5");

    let path = run.join("statewide.xlsx");
    let summary = sheet(&path, "Summary");
    let rows = rows_as_text(&summary);
    assert_eq!(rows[3][10..12], ["National", "Against national"]);
    let position = rows
        .iter()
        .position(|row| row[0] == "Placement moves per 1,000 days in care (federal)" && row[1] == "Statewide")
        .expect("placement moves row");
    let cell = |column: u32| summary.get_value((position as u32, column)).cloned();
    let Some(Data::Float(rate)) = cell(2) else {
        panic!("the rate is a number: {:?}", cell(2))
    };
    assert!(
        (rate - 2000.0 / 748.0).abs() < 1e-9,
        "per 1,000 days in the workbook: {rate}"
    );
    assert_eq!(cell(3), Some(Data::Float(2.0)), "moves");
    assert_eq!(cell(4), Some(Data::Float(748.0)), "care days");
    assert_eq!(cell(10), Some(Data::Float(4.48)));
    assert_eq!(cell(11), Some(Data::String("meets national".into())));
    let entry = rows
        .iter()
        .position(|row| row[0].starts_with("Permanency within 12 months of entry") && row[1] == "Statewide")
        .expect("entry row");
    assert_eq!(summary.get_value((entry as u32, 10)).cloned(), Some(Data::Float(0.352)));
    let reunification = rows
        .iter()
        .position(|row| row[0] == "Reunification within 12 months" && row[1] == "Statewide")
        .expect("reunification row");
    assert_eq!(
        summary.get_value((reunification as u32, 10)).cloned(),
        Some(Data::Empty),
        "the state's own measures have no national figure"
    );
    let measures = read_csv(&run.join("measures.csv"));
    let moves = measures
        .iter()
        .find(|row| row[1] == "placement_moves_per_1000_days" && row[2] == "Statewide" && row[3] == "headline")
        .expect("measures.csv row");
    assert_eq!(moves[6..8], ["2", "748"]);
}

/// The Summary's changes: since last month against the rolling point of the month before (in
/// `measures.csv`), since a year ago against the rolling point ending on the same month's last
/// day a year earlier; in points, signed. That point keeps tonight's knowledge (measures.md,
/// Trend), so for a measure whose verdicts are all known by the period's end (a discharge in the
/// period, a re-entry within 12 months of an exit 12 months before) it is the headline of a run
/// as of that day; a measure with windows closing after it (relatives notified) differs.
#[test]
fn changes_since_last_month_and_a_year_ago_are_the_rolling_points_differences() {
    let root = crate::support::repository_root();
    let out = tempfile::tempdir().expect("temp dir");
    let run = |as_of: &str| {
        let output = crate::support::run_binary(
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
        out.path().join(as_of)
    };
    let now = run("2026-10-31");
    let year_ago = run("2025-10-31");
    // The statewide rates of `measure` of one kind, in the order of measures.csv (oldest first).
    let rates = |directory: &Path, measure: &str, kind: &str| -> Vec<f64> {
        let rows = read_csv(&directory.join("measures.csv"));
        (rows.iter())
            .filter(|row| row[1] == measure && row[2] == "Statewide" && row[3] == kind)
            .map(|row| row[8].parse().expect("a rate"))
            .collect()
    };
    let summary = sheet(&now.join("statewide.xlsx"), "Summary");
    let rows = rows_as_text(&summary);
    for (measure, title) in [
        ("reunification_12m", "Reunification within 12 months"),
        ("adoption_24m", "Adoption within 24 months"),
        ("reentry_12m", "Re-entry to care within 12 months of exit (federal)"),
    ] {
        let position = rows
            .iter()
            .position(|row| row[0] == title && row[1] == "Statewide")
            .unwrap_or_else(|| panic!("{title}"));
        let cell = |column: u32| match summary.get_value((position as u32, column)) {
            Some(Data::Float(value)) => *value,
            other => panic!("{title} column {column}: {other:?}"),
        };
        let rate = rates(&now, measure, "headline")[0];
        let rolling = rates(&now, measure, "rolling");
        assert_eq!(
            (rolling.len(), rolling[11]),
            (12, rate),
            "{title}: the last rolling point is the headline"
        );
        let last_month = rolling[10];
        let a_year_ago = rates(&year_ago, measure, "headline")[0];
        assert!(
            (cell(12) - (rate - last_month) * 100.0).abs() < 1e-9,
            "{title} since last month"
        );
        assert!(
            (cell(13) - (rate - a_year_ago) * 100.0).abs() < 1e-9,
            "{title} since a year ago"
        );
        assert!(cell(13).abs() > 0.0, "{title}: the sample data moves in a year");
    }
}

#[test]
fn an_office_workbooks_units_sheet_titles_each_measure_over_rate_n_and_n_and_prints_pages_across() {
    let (_directory, run) = run_fixture("teams", |config| config);
    let path = run.join("office-hartford.xlsx");
    let units = rows_as_text(&sheet(&path, "Units"));
    let titles = units.iter().position(|row| row[0] == "Unit").expect("column titles");
    assert_eq!(units[titles][..4], ["Unit", "Rate", "n", "N"]);
    assert_eq!(
        units[titles - 1][1],
        "Reunified in 12 months",
        "the measure's title over its three columns, not its id"
    );
    assert_eq!(units[titles].last().map(String::as_str), Some("Due soon"));
    assert!(
        units[titles + 1..].iter().any(|row| row[0] == "Intake"),
        "a row per unit"
    );
    // Printed as many pages across as the measures need (one page tall), never shrunk onto one.
    let units_sheet_xml = xlsx_part(&path, "xl/worksheets/sheet2.xml");
    assert!(units_sheet_xml.contains("<pageSetup") && units_sheet_xml.contains("fitToWidth=\"0\""));
}

#[test]
fn the_newest_dates_line_names_the_dated_extracts_and_leaves_out_the_staff() {
    let (_directory, run) = run_fixture("teams", |config| {
        config.replace(
            "max_rejected_share = 0.9\n",
            "max_rejected_share = 0.9\nstaff_file = \"staff.csv\"\n",
        )
    });
    let page = std::fs::read_to_string(run.join("office-hartford.html")).expect("page");
    let line = page
        .lines()
        .find(|line| line.contains("Newest dates in the extracts"))
        .expect("the newest dates line");
    assert!(
        line.contains("removals 2026-") && line.contains("meetings 2026-"),
        "{line}"
    );
    assert!(
        !line.contains("staff"),
        "the staff extract has no dates to show: {line}"
    );
    let manifest = std::fs::read_to_string(run.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("staff.csv"), "the staff extract was read");
}

#[test]
fn the_units_sheet_gives_a_rate_per_1000_days_room_to_show() {
    // The teams fixture (units and workers) with the messy fixture's placements.
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("input");
    crate::support::copy_extracts(&fixture("teams"), &input);
    std::fs::copy(fixture("messy").join("placements.csv"), input.join("placements.csv")).expect("copy");
    let config = directory.path().join("config.toml");
    let text = std::fs::read_to_string(test_config_path()).expect("config");
    std::fs::write(
        &config,
        text.replacen("[input]\n", "[input]\nplacements_file = \"placements.csv\"\n", 1),
    )
    .expect("write");
    let out = directory.path().join("out");
    let output = crate::support::run_as_of(&config, &input, &out, &["--no-email"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let path = out.join("2026-10-31").join("office-hartford.xlsx");
    let units = rows_as_text(&sheet(&path, "Units"));
    let titles = units.iter().position(|row| row[0] == "Unit").expect("column titles");
    let column = (units[titles - 1].iter())
        .position(|title| title.starts_with("Placement moves"))
        .expect("placement moves on the Units sheet");
    // "7.32 /1,000 d" needs 13 characters; a percentage's 9 showed "###".
    let xml = xlsx_part(&path, "xl/worksheets/sheet2.xml");
    let width = |column: usize| {
        let tag = format!("<col min=\"{0}\" max=\"{0}\" width=\"", column + 1);
        let start = xml.find(&tag).map(|at| at + tag.len()).expect("the column's width");
        xml[start..]
            .split('"')
            .next()
            .expect("width")
            .parse::<f64>()
            .expect("number")
    };
    assert!(width(column) >= 14.0, "{}", width(column));
    assert!(width(column - 3) < 10.0, "a percentage keeps its narrow column");
}
