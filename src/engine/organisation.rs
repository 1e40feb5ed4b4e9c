//! Where each episode is counted: its office, its unit and worker within the office, and its
//! race/ethnicity group, as small indexes prepared once per data set (a million episodes'
//! places fit in a few megabytes).

use crate::config::Config;
use crate::model::{Episode, WorkerIds, WorkerNumber};
use crate::performance::FastHashMap;
use crate::scope::Name;

/// An episode's office, worker and group (indexes into `Organisation::offices`, `workers`,
/// `groups`); the worker's entry names its unit.
#[derive(Debug, Clone, Copy)]
pub(super) struct EpisodePlace {
    pub office: u32,
    pub worker: u32,
    pub group: u32,
}

/// A unit within an office.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub office: u32,
    pub name: Name,
}

/// A worker within a unit (the same worker id in two units is two entries: an episode counts
/// where it is assigned).
#[derive(Debug, Clone)]
pub(super) struct Worker {
    pub unit: u32,
    pub id: Name,
}

pub(super) struct Organisation {
    /// The configured offices (else those seen), alphabetically; an unconfigured office found
    /// in the data all the same is appended at the end.
    pub offices: Vec<Name>,
    /// Configured categories in their order, then other values seen, alphabetically.
    pub groups: Vec<String>,
    /// Units by office (alphabetical rank), then name.
    pub units: Vec<Unit>,
    /// Workers by unit, then id.
    pub workers: Vec<Worker>,
    /// By episode position.
    pub places: Vec<EpisodePlace>,
    /// Each office's place in alphabetical order.
    pub office_ranks: Vec<u32>,
}

impl Organisation {
    /// Each unit's number and the range of its workers in `workers`, in `workers` order.
    pub fn unit_spans(&self) -> impl Iterator<Item = (u32, std::ops::Range<usize>)> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            let unit = self.workers.get(start)?.unit;
            let end = start
                + self.workers[start..]
                    .iter()
                    .take_while(|worker| worker.unit == unit)
                    .count();
            let span = (unit, start..end);
            start = end;
            Some(span)
        })
    }

    pub fn new(episodes: &[Episode], worker_ids: &WorkerIds, config: &Config) -> Self {
        // Offices and groups: one pass each (on two threads) over a million episodes.
        let ((offices, episode_office), (groups, episode_group)) = std::thread::scope(|scope| {
            let groups = scope.spawn(|| group_list(episodes, config));
            let offices = office_list(episodes, config);
            (
                offices,
                groups.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        let mut alphabetical: Vec<usize> = (0..offices.len()).collect();
        alphabetical.sort_by(|&left, &right| offices[left].cmp(&offices[right]));
        let mut office_ranks = vec![0; offices.len()];
        for (rank, &office) in alphabetical.iter().enumerate() {
            office_ranks[office] = rank as u32;
        }
        let (units, workers, episode_worker) = assignments(episodes, worker_ids, &episode_office, &office_ranks);
        // An index is below the number of episodes, which memory keeps far below 2^32.
        let places = episode_office
            .into_iter()
            .zip(episode_worker)
            .zip(episode_group)
            .map(|((office, worker), group)| EpisodePlace {
                office: office as u32,
                worker,
                group: group as u32,
            })
            .collect();
        Self {
            offices: offices.into_iter().map(Name::from).collect(),
            groups,
            units,
            workers,
            places,
            office_ranks,
        }
    }
}

/// The units and workers, in report order, and each episode's worker. Consecutive episodes
/// (one child's) usually share an assignment: it is looked up only when it changes.
fn assignments(
    episodes: &[Episode],
    worker_ids: &WorkerIds,
    episode_office: &[usize],
    office_ranks: &[u32],
) -> (Vec<Unit>, Vec<Worker>, Vec<u32>) {
    // Unit names are shared (`NameInterner`): found by their addresses first, as in
    // `distinct_values`; a worker id is the same text exactly when its number is.
    let mut by_address: FastHashMap<(usize, *const u8, WorkerNumber), usize> = Default::default();
    let mut index_of: FastHashMap<(usize, &str, WorkerNumber), usize> = Default::default();
    let mut seen: Vec<(usize, &Name, &Name)> = Vec::new();
    let mut first_index = Vec::with_capacity(episodes.len());
    let mut previous: Option<(usize, &Name, WorkerNumber, usize)> = None;
    for (episode, &office) in episodes.iter().zip(episode_office) {
        let (unit, worker) = (&episode.unit, episode.worker);
        let index = match previous {
            Some((last_office, last_unit, last_worker, index))
                if last_office == office && Name::ptr_eq(last_unit, unit) && last_worker == worker =>
            {
                index
            }
            _ => *by_address.entry((office, unit.as_ptr(), worker)).or_insert_with(|| {
                *index_of.entry((office, unit, worker)).or_insert_with(|| {
                    seen.push((office, unit, worker_ids.id(worker)));
                    seen.len() - 1
                })
            }),
        };
        previous = Some((office, unit, worker, index));
        first_index.push(index);
    }
    // Report order: office (alphabetically), unit, worker.
    let mut order: Vec<usize> = (0..seen.len()).collect();
    order.sort_by(|&left, &right| {
        let key = |index: usize| (office_ranks[seen[index].0], &**seen[index].1, &**seen[index].2);
        key(left).cmp(&key(right))
    });
    let mut units: Vec<Unit> = Vec::new();
    let mut workers: Vec<Worker> = Vec::new();
    let mut worker_of_seen = vec![0u32; seen.len()];
    for index in order {
        let (office, unit, worker) = seen[index];
        let same_unit = units
            .last()
            .is_some_and(|last| last.office == office as u32 && *last.name == **unit);
        if !same_unit {
            units.push(Unit {
                office: office as u32,
                name: unit.clone(),
            });
        }
        workers.push(Worker {
            unit: (units.len() - 1) as u32,
            id: worker.clone(),
        });
        worker_of_seen[index] = (workers.len() - 1) as u32;
    }
    let episode_worker = first_index.into_iter().map(|index| worker_of_seen[index]).collect();
    (units, workers, episode_worker)
}

/// The distinct values of `value_of` in the order first seen, and each episode's value as an
/// index into them. Names are shared (`NameInterner`), so a value is found by its address
/// before its text: one cheap lookup per episode on a handful of addresses.
fn distinct_values(episodes: &[Episode], value_of: fn(&Episode) -> &Name) -> (Vec<&str>, Vec<usize>) {
    let mut index_of: FastHashMap<&str, usize> = Default::default();
    let mut by_address: FastHashMap<*const u8, usize> = Default::default();
    let mut distinct = Vec::new();
    let per_episode = episodes
        .iter()
        .map(|episode| {
            let name = value_of(episode);
            *by_address.entry(name.as_ptr()).or_insert_with(|| {
                *index_of.entry(name).or_insert_with(|| {
                    distinct.push(&**name);
                    distinct.len() - 1
                })
            })
        })
        .collect();
    (distinct, per_episode)
}

/// `list`, and each episode's value as an index into it. Ingest admits only listed values; a
/// value missing from `list` all the same is appended to it rather than lost.
fn indexed_by(mut list: Vec<String>, distinct: &[&str], per_episode: Vec<usize>) -> (Vec<String>, Vec<usize>) {
    let position_in_list: Vec<usize> = distinct
        .iter()
        .map(|value| match list.iter().position(|listed| listed == value) {
            Some(position) => position,
            None => {
                list.push(value.to_string());
                list.len() - 1
            }
        })
        .collect();
    let per_episode = per_episode.into_iter().map(|index| position_in_list[index]).collect();
    (list, per_episode)
}

/// The offices (configured, else those seen), alphabetically, and each episode's office.
fn office_list(episodes: &[Episode], config: &Config) -> (Vec<String>, Vec<usize>) {
    let (seen, per_episode) = distinct_values(episodes, |episode| &episode.office);
    let mut offices: Vec<String> = if config.offices.is_empty() {
        seen.iter().map(|office| office.to_string()).collect()
    } else {
        config.offices.clone()
    };
    offices.sort();
    offices.dedup();
    indexed_by(offices, &seen, per_episode)
}

/// Configured categories in their order, then any other value seen, alphabetically; and each
/// episode's group.
fn group_list(episodes: &[Episode], config: &Config) -> (Vec<String>, Vec<usize>) {
    let (seen, per_episode) = distinct_values(episodes, |episode| &episode.race_ethnicity);
    let mut groups = config.race_categories.clone();
    let mut others: Vec<String> = seen
        .iter()
        .filter(|group| !config.race_categories.iter().any(|category| category == *group))
        .map(|group| group.to_string())
        .collect();
    others.sort();
    others.dedup();
    groups.extend(others);
    indexed_by(groups, &seen, per_episode)
}
