//! Placements: one to six per episode, in the settings children are placed in (family foster
//! care most often; group homes and institutions for some; pre-adoptive homes before
//! adoptions), with respite stays and a few runaways between them (neither is a placement), a
//! trial home visit before some reunifications (some exactly 30 or 31 days long, the edge of
//! the federal adjustment), emergency placement changes, some rows without a removal_id, a few
//! orphans and a few bad rows; and the large team meetings held before some planned changes and
//! some returns home (some exactly 30 or 31 days before). Drawn from a random stream of their
//! own, so adding them changed no other value of the generated extracts (the meetings are rows
//! added to meetings.csv).

use std::io::Write;

use chrono::NaiveDate;

use crate::calendar::{add_days, days_between};
use crate::generate::random::Random;
use crate::generate::{GeneratorSettings, write_date};

/// Mixed into the seed for the placements' own stream.
const PLACEMENT_STREAM: u64 = 0x5EED_B1AC_E000_0002;

/// (setting, weight) of an ordinary placement.
const SETTINGS: [(&str, u32); 6] = [
    ("foster_family", 50),
    ("relative_foster", 25),
    ("group_home", 10),
    ("institution", 5),
    ("supervised_independent_living", 3),
    ("other", 2),
];

/// A move is drawn with this chance for every `MOVE_BLOCK_DAYS` in care (about 4 moves per
/// 1,000 days, near the national figure), at most five moves.
const MOVE_CHANCE: f64 = 0.6;
const MOVE_BLOCK_DAYS: u64 = 150;
const MOST_MOVES: usize = 5;

/// One episode as the placements need it.
pub(super) struct EpisodeStay<'a> {
    pub child_id: &'a str,
    pub removal_id: &'a str,
    pub placement_date: NaiveDate,
    /// The discharge, if the child left care by `until`, and why.
    pub discharge: Option<(NaiveDate, &'a str)>,
    pub until: NaiveDate,
}

/// A child's placements, drawn from their own stream.
pub(super) struct Placements {
    random: Random,
    child: u64,
    episode: u32,
}

impl Placements {
    pub fn for_child(settings: &GeneratorSettings, child: u64) -> Self {
        Self {
            random: Random::for_child(settings.seed ^ PLACEMENT_STREAM, child),
            child,
            episode: 0,
        }
    }

    /// Appends the rows of one episode's placements to `out`, and the large team meetings
    /// before its decisions to `meetings`; returns how many of each.
    pub fn write_episode(&mut self, stay: &EpisodeStay<'_>, out: &mut Vec<u8>, meetings: &mut Vec<u8>) -> (u64, u64) {
        self.episode += 1;
        if stay.placement_date > stay.until {
            return (0, 0); // placed after the last day generated
        }
        let random = &mut self.random;
        let in_care_until = stay.discharge.map_or(stay.until, |(date, _)| date);
        let days = days_between(stay.placement_date, in_care_until).max(0);
        // Placements after the first start on distinct days of the stay: one to six in all.
        let mut starts = vec![stay.placement_date];
        let blocks = (days.max(0) as u64).div_ceil(MOVE_BLOCK_DAYS);
        for _ in 0..blocks {
            if days >= 2 && starts.len() <= MOST_MOVES && random.chance(MOVE_CHANCE) {
                starts.push(add_days(stay.placement_date, random.between(1, days - 1)));
            }
        }
        starts.sort_unstable();
        starts.dedup();
        let mut rows: Vec<Row> = starts
            .iter()
            .enumerate()
            .map(|(number, &start)| Row {
                start,
                end: starts.get(number + 1).copied().or(stay.discharge.map(|(date, _)| date)),
                setting: self.setting(stay),
                emergency: number > 0 && self.random.chance(0.15),
            })
            .collect();
        self.respite_and_runaways(&mut rows, in_care_until);
        self.trial_home_visit(&mut rows, stay);
        rows.sort_by_key(|row| row.start);
        let meetings_written = self.meetings_before_decisions(&rows, stay, meetings);
        let mut written = 0;
        for (number, row) in rows.iter().enumerate() {
            let linked = if self.random.chance(0.7) { stay.removal_id } else { "" };
            let orphan = self.random.chance(0.002);
            let child_id = if orphan { "C9999999" } else { stay.child_id };
            let _ = write!(
                out,
                "P{:07}{}{:02},{child_id},{},",
                self.child,
                self.episode,
                number + 1,
                if orphan { "" } else { linked }
            );
            write_date(out, row.start, self.random.chance(0.02));
            out.push(b',');
            if let Some(end) = row.end.filter(|_| self.random.chance(0.95)) {
                write_date(out, end, false);
            }
            let emergency = match (row.emergency, self.random.between(1, 10)) {
                (true, _) => "Y",
                (false, 1..=3) => "",
                (false, _) => "N",
            };
            let _ = writeln!(out, ",{},{emergency}", row.setting);
            written += 1;
        }
        (written + self.bad_rows(stay, out), meetings_written)
    }

    /// A held large team meeting before about half of the planned placement changes and of the
    /// returns home, most within the 30 days before, some exactly 30 or 31 days before.
    fn meetings_before_decisions(&mut self, rows: &[Row], stay: &EpisodeStay<'_>, out: &mut Vec<u8>) -> u64 {
        let placements = rows
            .iter()
            .filter(|row| !matches!(row.setting, "respite" | "runaway" | "trial_home_visit"));
        let changes = placements.skip(1).filter(|row| !row.emergency).map(|row| row.start);
        let return_home = match stay.discharge {
            Some((date, "reunification")) => Some(date),
            _ => None,
        };
        let decisions: Vec<NaiveDate> = changes.chain(return_home).collect();
        let mut written = 0;
        for decision in decisions {
            if !self.random.chance(0.55) {
                continue;
            }
            let days_before = if self.random.chance(0.1) {
                self.random.between(30, 31)
            } else {
                self.random.between(0, 29)
            };
            let date = add_days(decision, -days_before);
            if date > stay.until {
                continue;
            }
            written += 1;
            let _ = write!(
                out,
                "MD{:07}{}{:02},{},{},",
                self.child, self.episode, written, stay.child_id, stay.removal_id
            );
            write_date(out, date, false);
            let _ = writeln!(out, ",large_team,held");
        }
        written
    }

    fn setting(&mut self, stay: &EpisodeStay<'_>) -> &'static str {
        let adoption = matches!(stay.discharge, Some((_, "adoption")));
        if adoption && self.random.chance(0.3) {
            "pre_adoptive"
        } else {
            self.random.weighted(&SETTINGS, |setting| setting.1).0
        }
    }

    /// A respite stay of a few days in some episodes, a runaway in a few: neither is a
    /// placement (the child goes back where they were, with no new placement row).
    fn respite_and_runaways(&mut self, rows: &mut Vec<Row>, in_care_until: NaiveDate) {
        let first = rows[0].start;
        let days = days_between(first, in_care_until);
        for (setting, chance, length) in [("respite", 0.08, (2, 7)), ("runaway", 0.03, (1, 20))] {
            if days > 10 && self.random.chance(chance) {
                let start = add_days(first, self.random.between(1, days - 1));
                rows.push(Row {
                    start,
                    end: Some(add_days(start, self.random.between(length.0, length.1)).min(in_care_until)),
                    setting,
                    emergency: false,
                });
            }
        }
    }

    /// A trial home visit before a third of reunifications: 10 to 60 days before the discharge,
    /// some exactly 30 or 31 days.
    fn trial_home_visit(&mut self, rows: &mut Vec<Row>, stay: &EpisodeStay<'_>) {
        let Some((discharge, "reunification")) = stay.discharge else {
            return;
        };
        if !self.random.chance(0.33) {
            return;
        }
        let length = if self.random.chance(0.2) {
            self.random.between(30, 31)
        } else {
            self.random.between(10, 60)
        };
        let start = add_days(discharge, -length);
        if rows.iter().all(|row| row.start < start) {
            rows.push(Row {
                start,
                end: Some(discharge),
                setting: "trial_home_visit",
                emergency: false,
            });
        }
    }

    /// Now and then a bad row: an end before its start, an unknown setting, a date that does
    /// not exist, a missing start, an unknown emergency flag, a repeated id.
    fn bad_rows(&mut self, stay: &EpisodeStay<'_>, out: &mut Vec<u8>) -> u64 {
        if !self.random.chance(0.002) {
            return 0;
        }
        let (child, episode, child_id, removal_id) = (self.child, self.episode, stay.child_id, stay.removal_id);
        let row = match self.random.between(1, 6) {
            1 => format!("P{child:07}{episode}91,{child_id},{removal_id},2025-03-10,2025-03-01,foster_family,N"),
            2 => format!("P{child:07}{episode}92,{child_id},{removal_id},2025-03-10,,hotel,N"),
            3 => format!("P{child:07}{episode}93,{child_id},{removal_id},2025-13-01,,group_home,N"),
            4 => format!("P{child:07}{episode}94,{child_id},{removal_id},,,group_home,N"),
            5 => format!("P{child:07}{episode}95,{child_id},{removal_id},2025-03-10,,group_home,maybe"),
            _ => format!("P{child:07}{episode}01,{child_id},{removal_id},2025-03-10,,group_home,N"),
        };
        let _ = writeln!(out, "{row}");
        1
    }
}

/// One placement before it is written.
struct Row {
    start: NaiveDate,
    end: Option<NaiveDate>,
    setting: &'static str,
    emergency: bool,
}
