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
//! child does not depend on how many children are generated before it.

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::calendar::{add_days, add_months};

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

/// (discharge reason, weight, median length of stay in days).
const EXITS: [(&str, u32, f64); 10] = [
    ("reunification", 500, 270.0),
    ("adoption", 180, 800.0),
    ("guardianship", 100, 480.0),
    ("permanent_guardianship", 40, 520.0),
    ("relative", 60, 300.0),
    ("emancipation", 50, 700.0),
    ("transfer", 20, 200.0),
    ("runaway", 25, 150.0),
    ("death", 3, 200.0),
    ("other", 22, 120.0),
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
}

/// SplitMix64: tiny, fast, and stable forever (the sample data must not change when a crate
/// updates its algorithm). Tests use it too, for repeatable pseudo-random inputs.
pub(crate) struct Random(u64);

impl Random {
    /// The sequence of `seed` alone (for tests).
    #[cfg(test)]
    pub(crate) fn from_seed(seed: u64) -> Self {
        Self(seed)
    }

    fn for_child(seed: u64, child: u64) -> Self {
        let mut random = Self(seed ^ child.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        random.next();
        random
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// Uniform in [low, high].
    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % ((high - low + 1) as u64)) as i64
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(&weight).sum();
        let mut pick = (self.next() % u64::from(total)) as u32;
        for item in items {
            let item_weight = weight(item);
            if pick < item_weight {
                return item;
            }
            pick -= item_weight;
        }
        &items[items.len() - 1]
    }

    /// Log-normal around `median` (spread ~×2 either way), at least 1.
    fn length_of_stay(&mut self, median: f64) -> i64 {
        let normal = (-2.0 * (1.0 - self.unit()).ln()).sqrt() * (std::f64::consts::TAU * self.unit()).cos();
        ((median * (normal * 0.6).exp()).round() as i64).max(1)
    }
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
    removals_file.write_all(
        b"removal_id,child_id,office,removal_date,placement_date,emergency,birth_date,race_ethnicity,permanency_goal,discharge_date,discharge_reason\n",
    )?;
    notices_file.write_all(b"notice_id,child_id,removal_id,notice_date\n")?;
    meetings_file.write_all(b"meeting_id,child_id,removal_id,meeting_date,meeting_type,status\n")?;

    let mut counts = GeneratedCounts::default();
    let (mut removals, mut notices, mut meetings) = (Vec::new(), Vec::new(), Vec::new());
    for child in 1..=settings.children {
        let mut rows = ChildRows {
            removals: &mut removals,
            notices: &mut notices,
            meetings: &mut meetings,
            counts: &mut counts,
        };
        generate_child(settings, child, &mut rows);
        if removals.len() > (1 << 20) || meetings.len() > (1 << 20) {
            removals_file.write_all(&removals)?;
            notices_file.write_all(&notices)?;
            meetings_file.write_all(&meetings)?;
            removals.clear();
            notices.clear();
            meetings.clear();
        }
    }
    removals_file.write_all(&removals)?;
    notices_file.write_all(&notices)?;
    meetings_file.write_all(&meetings)?;
    for mut file in [removals_file, notices_file, meetings_file] {
        file.flush()?;
    }
    Ok(counts)
}

/// One removal episode as drawn, before it is written.
struct PlannedEpisode {
    removal_id: String,
    removal_date: NaiveDate,
    placement_date: NaiveDate,
    emergency: bool,
    exit: &'static str,
    /// The discharge date if the child leaves care by `until`.
    discharge: Option<NaiveDate>,
    /// The planned discharge, whether or not it is after `until`.
    planned_discharge: NaiveDate,
    goal: &'static str,
}

fn generate_child(settings: &GeneratorSettings, child: u64, rows: &mut ChildRows<'_>) {
    let mut random = Random::for_child(settings.seed, child);
    let until = settings.until;
    let child_id = format!("C{child:07}");
    let office = random.weighted(&OFFICES, |office| office.1).0;
    let race = random.weighted(&RACE_ETHNICITY, |race| race.1).0;
    let episodes = match random.between(1, 100) {
        1..=80 => 1,
        81..=95 => 2,
        _ => 3,
    };
    let mut removal_date = add_days(until, -random.between(0, 6 * 365));
    // Age at first removal 0–17 years, a few on the edge of 18.
    let age_days = if random.chance(0.01) {
        18 * 365 + random.between(-3, 3)
    } else {
        random.between(0, 17 * 365)
    };
    let birth_date = add_days(removal_date, -age_days);

    for episode in 1..=episodes {
        if removal_date > until {
            break;
        }
        let planned = plan_episode(&mut random, format!("R{child:07}{episode}"), removal_date, until);
        write_removal(&mut random, rows, &planned, &child_id, office, race, birth_date);
        let in_care_until = planned.discharge.unwrap_or(until);
        generate_notices(&mut random, rows, &child_id, &planned.removal_id, removal_date, until);
        generate_meetings(
            &mut random,
            rows,
            &child_id,
            &planned.removal_id,
            removal_date,
            planned.placement_date,
            planned.emergency,
            in_care_until,
        );
        // The next episode starts some time after this one ended.
        if planned.discharge.is_none() {
            break;
        }
        removal_date = add_days(planned.planned_discharge, random.between(30, 700));
    }
    write_bad_rows(&mut random, rows, child, &child_id, office, race);
}

/// Draws one episode's placement, emergency flag, exit and length of stay.
fn plan_episode(random: &mut Random, removal_id: String, removal_date: NaiveDate, until: NaiveDate) -> PlannedEpisode {
    let emergency = random.chance(0.35);
    let placement_date = if random.chance(0.85) {
        removal_date
    } else {
        add_days(removal_date, random.between(1, 3))
    };
    let exit = random.weighted(&EXITS, |exit| exit.1);
    let mut stay = random.length_of_stay(exit.2);
    if random.chance(0.03) {
        stay = random.between(0, 10); // short stays around the 8-day exclusion
    }
    let planned_discharge = if random.chance(0.04) {
        // Exactly on the deadline or the day after, for the timely-permanency measures.
        let months = match exit.0 {
            "reunification" => 12,
            "guardianship" | "permanent_guardianship" => 18,
            "adoption" => 24,
            _ => 12,
        };
        add_days(add_months(removal_date, months), random.between(0, 1))
    } else {
        add_days(removal_date, stay)
    };
    let goal = match exit.0 {
        "reunification" | "relative" | "transfer" | "runaway" | "death" | "other" => "reunification",
        "emancipation" => "oppla",
        other => other,
    };
    PlannedEpisode {
        removal_id,
        removal_date,
        placement_date,
        emergency,
        exit: exit.0,
        discharge: (planned_discharge <= until).then_some(planned_discharge),
        planned_discharge,
        goal,
    }
}

/// The episode's row of removals.csv (a few fields are left empty at random).
fn write_removal(
    random: &mut Random,
    rows: &mut ChildRows<'_>,
    planned: &PlannedEpisode,
    child_id: &str,
    office: &str,
    race: &str,
    birth_date: NaiveDate,
) {
    let out = &mut *rows.removals;
    let _ = write!(out, "{},{child_id},{office},", planned.removal_id);
    write_date(out, planned.removal_date, false);
    out.push(b',');
    if planned.placement_date != planned.removal_date || random.chance(0.5) {
        write_date(out, planned.placement_date, false);
    }
    let _ = write!(out, ",{},", if planned.emergency { "Y" } else { "N" });
    if random.chance(0.97) {
        write_date(out, birth_date, false);
    }
    let _ = write!(out, ",{race},{},", planned.goal);
    match planned.discharge {
        Some(discharge) => {
            write_date(out, discharge, false);
            let _ = write!(out, ",{}", planned.exit);
        }
        None => out.push(b','),
    }
    out.push(b'\n');
    rows.counts.removals += 1;
}

/// A few deliberately bad rows, so the reject path is part of every run.
fn write_bad_rows(random: &mut Random, rows: &mut ChildRows<'_>, child: u64, child_id: &str, office: &str, race: &str) {
    if random.chance(0.004) {
        let bad_row = match random.between(1, 6) {
            1 => format!("R{child:07}9,{child_id},{office},2025-02-30,,N,,{race},,,"),
            2 => format!("R{child:07}1,{child_id},{office},2024-01-01,,N,,{race},,,"),
            3 => format!("R{child:07}8,{child_id},,2024-01-01,,N,,{race},,,"),
            4 => {
                format!("R{child:07}7,{child_id},{office},2024-05-01,,N,,{race},reunification,2024-04-01,reunification")
            }
            5 => format!("R{child:07}6,{child_id},{office},2024-05-01,,N,,{race},reunification,2024-09-01,"),
            _ => format!("R{child:07}5,{child_id},{office},05/01/24,,maybe,,{race},reunification,,"),
        };
        let _ = writeln!(rows.removals, "{bad_row}");
        rows.counts.removals += 1;
    }
    if random.chance(0.002) {
        let _ = writeln!(rows.notices, "N{child:07}99,{child_id},,02/30/2025");
        rows.counts.notices += 1;
    }
    if random.chance(0.002) {
        let _ = writeln!(rows.meetings, "M{child:07}999,{child_id},,2025-06-01,phone call,held");
        rows.counts.meetings += 1;
    }
}

fn generate_notices(
    random: &mut Random,
    rows: &mut ChildRows<'_>,
    child_id: &str,
    removal_id: &str,
    removal_date: NaiveDate,
    until: NaiveDate,
) {
    if !random.chance(0.88) {
        return; // no notice at all
    }
    let first_delay = match random.between(1, 100) {
        1..=70 => random.between(0, 29),
        71..=78 => random.between(30, 31), // the deadline day and the day after
        _ => random.between(32, 120),
    };
    let count = match random.between(1, 100) {
        1..=70 => 1,
        71..=95 => 2,
        _ => 3,
    };
    let mut date = add_days(removal_date, first_delay);
    for number in 1..=count {
        if date > until {
            break;
        }
        let out = &mut *rows.notices;
        let linked_by_id = random.chance(0.7);
        let orphan = random.chance(0.003);
        let notice_child = if orphan { "C9999999" } else { child_id };
        let _ = write!(
            out,
            "N{}{number},{notice_child},{},",
            &removal_id[1..],
            if linked_by_id && !orphan { removal_id } else { "" }
        );
        write_date(out, date, random.chance(0.03));
        out.push(b'\n');
        rows.counts.notices += 1;
        date = add_days(date, random.between(1, 20));
    }
}

#[allow(clippy::too_many_arguments)]
fn generate_meetings(
    random: &mut Random,
    rows: &mut ChildRows<'_>,
    child_id: &str,
    removal_id: &str,
    removal_date: NaiveDate,
    placement_date: NaiveDate,
    emergency: bool,
    in_care_until: NaiveDate,
) {
    let mut number = 0u32;
    let mut write_meeting = |random: &mut Random, rows: &mut ChildRows<'_>, date: NaiveDate, meeting_type: &str| {
        if date > in_care_until {
            return;
        }
        number += 1;
        let status = match random.between(1, 100) {
            1..=90 => "held",
            91..=96 => "cancelled",
            97..=98 => "scheduled",
            _ => "",
        };
        let out = &mut *rows.meetings;
        let linked = if random.chance(0.8) { removal_id } else { "" };
        let _ = write!(out, "M{}{number:03},{child_id},{linked},", &removal_id[1..]);
        write_date(out, date, false);
        let _ = writeln!(out, ",{meeting_type},{status}");
        rows.counts.meetings += 1;
    };
    if random.chance(0.85) {
        let delay = match random.between(1, 100) {
            1..=75 => random.between(0, 4),
            76..=88 => random.between(5, 6), // the deadline day and the day after
            _ => random.between(7, 20),
        };
        let date = add_days(placement_date, delay);
        write_meeting(random, rows, date, "initial_joint");
    }
    if emergency && random.chance(0.8) {
        let date = add_days(removal_date, random.between(0, 6));
        write_meeting(random, rows, date, "large_team");
    }
    // Ongoing large team meetings, typically every six to eight weeks, sometimes far later.
    let mut date = add_days(removal_date, random.between(20, 60));
    while date <= in_care_until {
        write_meeting(random, rows, date, "large_team");
        if random.chance(0.2) {
            let individual_date = add_days(date, random.between(-10, -1));
            write_meeting(random, rows, individual_date, "individual");
        }
        date = add_days(
            date,
            if random.chance(0.85) {
                random.between(45, 89)
            } else {
                random.between(90, 170)
            },
        );
    }
}
