//! Units, workers and the staff extract. Each office has three to five units and a pool of
//! workers sized for a caseload of about fifty children each over the years (10–20 in care at a
//! time); a child keeps its worker across episodes, now and then handed to another, and a few
//! episodes are unassigned. Assignments draw from a random stream of their own, so adding them
//! changed no other value of the generated extracts.

use std::io::Write;

use crate::generate::random::Random;
use crate::generate::{GeneratorSettings, OFFICES};

/// The units an office may have, in order; office number `i` has the first `3 + i % 3`.
const UNIT_NAMES: [&str; 5] = ["Intake", "Ongoing A", "Ongoing B", "Permanency", "Adolescent"];

/// Children a worker carries over the years the extracts cover.
const CHILDREN_PER_WORKER: u64 = 50;

/// Mixed into the seed for the assignments' own stream.
const ASSIGNMENT_STREAM: u64 = 0x5EED_A551_6E00_0001;

const FIRST_NAMES: [&str; 12] = [
    "Maria", "James", "Aisha", "Daniel", "Sofia", "Kevin", "Grace", "Luis", "Hannah", "Omar", "Chloe", "Tyrone",
];
const LAST_NAMES: [&str; 12] = [
    "Rivera", "Johnson", "Nguyen", "Smith", "Garcia", "Brown", "Patel", "Williams", "Lopez", "Davis", "Kim", "Moore",
];

/// The workers of office number `office`: how many there are.
fn workers_in(settings: &GeneratorSettings, office: usize) -> u64 {
    let total_weight: u64 = OFFICES.iter().map(|(_, weight)| u64::from(*weight)).sum();
    let children = settings.children * u64::from(OFFICES[office].1) / total_weight.max(1);
    children.div_ceil(CHILDREN_PER_WORKER).max(2)
}

fn units_in(office: usize) -> usize {
    3 + office % 3
}

fn worker_id(office: usize, number: u64) -> String {
    format!("W{office:02}{number:05}")
}

/// A worker's unit: workers are spread over the office's units in turn.
fn unit_of(office: usize, number: u64) -> &'static str {
    UNIT_NAMES[(number % units_in(office) as u64) as usize]
}

/// Draws the unit and worker of each of a child's episodes: the same worker, handed over now
/// and then; a few episodes have no unit, no worker, or neither (written empty).
pub(super) struct Assignments {
    random: Random,
    office: usize,
    worker: u64,
    pool: u64,
}

impl Assignments {
    pub fn for_child(settings: &GeneratorSettings, child: u64, office_name: &str) -> Self {
        let office = OFFICES.iter().position(|(name, _)| *name == office_name).unwrap_or(0);
        let mut random = Random::for_child(settings.seed ^ ASSIGNMENT_STREAM, child);
        let pool = workers_in(settings, office);
        let worker = random.between(0, pool as i64 - 1) as u64;
        Self {
            random,
            office,
            worker,
            pool,
        }
    }

    /// The next episode's `unit,worker_id` fields.
    pub fn next_fields(&mut self) -> String {
        if self.random.chance(0.10) {
            self.worker = self.random.between(0, self.pool as i64 - 1) as u64;
        }
        let unit = unit_of(self.office, self.worker);
        let id = worker_id(self.office, self.worker);
        match self.random.between(1, 100) {
            1..=3 => ",".to_string(),  // unassigned
            4..=5 => format!(",{id}"), // a worker, no unit recorded
            6 => format!("{unit},"),   // a unit, no worker yet
            _ => format!("{unit},{id}"),
        }
    }
}

/// `staff.csv`: every worker of every office, with an address and a name; and a few bad rows
/// (an address outside the agency, a repeated id, a missing address). Returns the rows written.
pub(super) fn write_staff(settings: &GeneratorSettings, out: &mut impl Write) -> std::io::Result<u64> {
    let mut random = Random::for_child(settings.seed ^ ASSIGNMENT_STREAM, 0);
    out.write_all(b"worker_id,email,name\n")?;
    let mut rows = 0;
    for office in 0..OFFICES.len() {
        for number in 0..workers_in(settings, office) {
            let first = FIRST_NAMES[random.between(0, 11) as usize];
            let last = LAST_NAMES[random.between(0, 11) as usize];
            let id = worker_id(office, number);
            writeln!(
                out,
                "{id},{}.{}.{}@agency.example,{first} {last}",
                first.to_lowercase(),
                last.to_lowercase(),
                id.to_lowercase()
            )?;
            rows += 1;
        }
    }
    let first = worker_id(0, 0);
    writeln!(out, "X0000001,someone@gmail.com,Outside Address")?;
    writeln!(out, "{first},duplicate@agency.example,Repeated Id")?;
    writeln!(out, "X0000002,,No Address")?;
    Ok(rows + 3)
}
