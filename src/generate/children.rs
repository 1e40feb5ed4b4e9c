//! One child's rows: episodes with realistic exits and lengths of stay, relative notices and
//! teaming meetings with realistic delays, and a few deliberately bad rows.

use std::io::Write;

use chrono::NaiveDate;

use crate::calendar::{add_days, add_months};
use crate::generate::placements::{EpisodeStay, Placements};
use crate::generate::random::Random;
use crate::generate::staff::Assignments;
use crate::generate::{ChildRows, GeneratorSettings, OFFICES, RACE_ETHNICITY, write_date};

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

pub(super) fn generate_child(settings: &GeneratorSettings, child: u64, rows: &mut ChildRows<'_>) {
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
    let mut assignments = Assignments::for_child(settings, child, office);
    let mut placements = Placements::for_child(settings, child);

    for episode in 1..=episodes {
        if removal_date > until {
            break;
        }
        let planned = plan_episode(&mut random, format!("R{child:07}{episode}"), removal_date, until);
        write_removal(&mut random, rows, &planned, &child_id, office, race, birth_date);
        rows.removals.pop(); // the line end: the assignment's fields come last
        let _ = writeln!(rows.removals, ",{}", assignments.next_fields());
        let in_care_until = planned.discharge.unwrap_or(until);
        let (placement_rows, meeting_rows) = placements.write_episode(
            &EpisodeStay {
                child_id: &child_id,
                removal_id: &planned.removal_id,
                placement_date: planned.placement_date,
                discharge: planned.discharge.map(|date| (date, planned.exit)),
                until,
            },
            rows.placements,
            rows.meetings,
        );
        rows.counts.placements += placement_rows;
        rows.counts.meetings += meeting_rows;
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
        let _ = writeln!(rows.removals, "{bad_row},,");
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
