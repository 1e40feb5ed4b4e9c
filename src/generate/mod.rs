//! Realistic synthetic extracts in the canonical schema, deterministic for a seed.
//!
//! Connecticut's 14 area offices; one to three episodes per child; lengths of stay that differ
//! by exit (reunification in months, adoption in years); the federal race/ethnicity categories;
//! relative notices and teaming meetings with realistic delays, including late, missing and
//! cancelled ones; and a share of dates placed exactly on the measures' deadlines and the day
//! after. A small share of rows is deliberately bad (unparseable dates, repeated ids, missing
//! values, unknown codes) so the reject path is exercised on every run.
//!
//! Every child draws from its own random stream (seed, child number), so the output for a
//! child does not depend on how many children are generated before it. `children` writes a
//! child's rows; `placements` its placements; `staff` the units, workers and staff extract;
//! `random` the numbers.

mod children;
mod placements;
mod random;
mod staff;

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

#[cfg(test)]
pub(crate) use random::Random;

pub const OFFICES: [(&str, u32); 14] = [
    ("Bridgeport", 11),
    ("Norwalk", 5),
    ("Milford", 6),
    ("New Haven", 12),
    ("Middletown", 5),
    ("Norwich", 7),
    ("Willimantic", 5),
    ("Hartford", 13),
    ("Manchester", 7),
    ("Danbury", 4),
    ("Torrington", 3),
    ("Waterbury", 10),
    ("Meriden", 5),
    ("New Britain", 7),
];

pub const RACE_ETHNICITY: [(&str, u32); 8] = [
    ("White", 350),
    ("Black", 220),
    ("Hispanic", 300),
    ("Asian", 20),
    ("AI/AN", 10),
    ("NH/PI", 5),
    ("Multiracial", 60),
    ("Unknown", 35),
];

pub struct GeneratorSettings {
    pub children: u64,
    pub seed: u64,
    /// No event is dated after this day.
    pub until: NaiveDate,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GeneratedCounts {
    pub removals: u64,
    pub notices: u64,
    pub meetings: u64,
    pub placements: u64,
    pub staff: u64,
}

fn write_date(out: &mut Vec<u8>, date: NaiveDate, us_format: bool) {
    let (year, month, day) = (date.year(), date.month(), date.day());
    if us_format {
        let _ = write!(out, "{month:02}/{day:02}/{year:04}");
    } else {
        let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    }
}

/// The rows of one child, appended to the three buffers.
struct ChildRows<'a> {
    removals: &'a mut Vec<u8>,
    notices: &'a mut Vec<u8>,
    meetings: &'a mut Vec<u8>,
    placements: &'a mut Vec<u8>,
    counts: &'a mut GeneratedCounts,
}

pub fn write_extracts(settings: &GeneratorSettings, directory: &Path) -> anyhow::Result<GeneratedCounts> {
    std::fs::create_dir_all(directory)?;
    let open = |name: &str| -> anyhow::Result<BufWriter<std::fs::File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(directory.join(name))?,
        ))
    };
    let mut removals_file = open("removals.csv")?;
    let mut notices_file = open("notifications.csv")?;
    let mut meetings_file = open("meetings.csv")?;
    let mut placements_file = open("placements.csv")?;
    removals_file.write_all(
        b"removal_id,child_id,office,removal_date,placement_date,emergency,birth_date,race_ethnicity,permanency_goal,discharge_date,discharge_reason,unit,worker_id\n",
    )?;
    notices_file.write_all(b"notice_id,child_id,removal_id,notice_date\n")?;
    meetings_file.write_all(b"meeting_id,child_id,removal_id,meeting_date,meeting_type,status\n")?;
    placements_file.write_all(b"placement_id,child_id,removal_id,start_date,end_date,setting,emergency\n")?;

    let mut counts = GeneratedCounts::default();
    let (mut removals, mut notices, mut meetings, mut placements) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for child in 1..=settings.children {
        let mut rows = ChildRows {
            removals: &mut removals,
            notices: &mut notices,
            meetings: &mut meetings,
            placements: &mut placements,
            counts: &mut counts,
        };
        children::generate_child(settings, child, &mut rows);
        if removals.len() > (1 << 20) || meetings.len() > (1 << 20) || placements.len() > (1 << 20) {
            removals_file.write_all(&removals)?;
            notices_file.write_all(&notices)?;
            meetings_file.write_all(&meetings)?;
            placements_file.write_all(&placements)?;
            removals.clear();
            notices.clear();
            meetings.clear();
            placements.clear();
        }
    }
    removals_file.write_all(&removals)?;
    notices_file.write_all(&notices)?;
    meetings_file.write_all(&meetings)?;
    placements_file.write_all(&placements)?;
    for mut file in [removals_file, notices_file, meetings_file, placements_file] {
        file.flush()?;
    }
    let mut staff_file = open("staff.csv")?;
    counts.staff = staff::write_staff(settings, &mut staff_file)?;
    staff_file.flush()?;
    Ok(counts)
}
