//! Fuzzes the ingest path: arbitrary bytes as one extract (the first byte picks which), the
//! other two small and valid. Whatever the bytes, ingest must not panic, must account for every
//! row, and the measures computed from what it accepted must add up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use permanency_report::config::Config;
use permanency_report::ingest::read_extracts;
use permanency_report::progress::Progress;

const REMOVALS: &str = "removal_id,child_id,office,removal_date,placement_date,emergency,birth_date,race_ethnicity,permanency_goal,discharge_date,discharge_reason\nA1,C1,Hartford,2025-03-15,,Y,2015-01-01,Black,reunification,2026-03-15,reunification\n";
const NOTICES: &str = "notice_id,child_id,removal_id,notice_date\nN1,C1,,2025-04-01\n";
const MEETINGS: &str = "meeting_id,child_id,removal_id,meeting_date,meeting_type,status\nM1,C1,A1,2025-03-16,large_team,held\n";

fuzz_target!(|data: &[u8]| {
    let Some((&which, content)) = data.split_first() else {
        return;
    };
    let Ok(directory) = tempfile::tempdir() else {
        return;
    };
    let files = [("removals.csv", REMOVALS), ("notifications.csv", NOTICES), ("meetings.csv", MEETINGS)];
    for (index, (name, default)) in files.iter().enumerate() {
        let bytes = if usize::from(which % 3) == index { content } else { default.as_bytes() };
        if std::fs::write(directory.path().join(name), bytes).is_err() {
            return;
        }
    }
    let toml = format!(
        "[input]\ndir = {:?}\ndate_formats = [\"YYYY-MM-DD\", \"MM/DD/YYYY\"]\nmax_rejected_share = 1.0\n[output]\ndir = \"unused\"\n[race_ethnicity]\ncategories = [\"White\", \"Black\", \"Unknown\"]\nmissing = \"Unknown\"\n",
        directory.path().display().to_string()
    );
    let ids = permanency_report::measures::measure_ids();
    let Ok(config) = Config::from_toml(std::path::Path::new("fuzz.toml"), &toml, &ids) else {
        panic!("the fuzz configuration is valid");
    };
    let Ok(data) = read_extracts(&config, Progress::hidden()) else {
        return; // an extract error (no header, missing column, malformed CSV) is a clean refusal
    };
    for report in data.reports.values() {
        assert_eq!(report.rows_read, report.rows_accepted + report.rows_rejected());
    }
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
    let results = permanency_report::results::compute(&data.episodes, &data.index, &config, as_of);
    for row in &results.rates {
        assert!(row.counts.numerator <= row.counts.denominator);
    }
});
