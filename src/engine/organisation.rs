//! Where each episode is counted: its office and its race/ethnicity group, as small indexes
//! prepared once per data set (a million episodes' offices fit in a few megabytes).

use crate::config::Config;
use crate::model::Episode;
use crate::performance::FastHashMap;
use crate::scope::Name;

/// An episode's office and group (indexes into `Organisation::offices`, `groups`).
#[derive(Debug, Clone, Copy)]
pub(super) struct EpisodePlace {
    pub office: u32,
    pub group: u32,
}

pub(super) struct Organisation {
    /// The configured offices (else those seen), alphabetically; an unconfigured office found
    /// in the data all the same is appended at the end.
    pub offices: Vec<Name>,
    /// Configured categories in their order, then other values seen, alphabetically.
    pub groups: Vec<String>,
    /// By episode position.
    pub places: Vec<EpisodePlace>,
    /// Each office's place in alphabetical order.
    pub office_ranks: Vec<u32>,
}

impl Organisation {
    pub fn new(episodes: &[Episode], config: &Config) -> Self {
        // Offices and groups: one pass each (on two threads) over a million episodes.
        let ((offices, episode_office), (groups, episode_group)) = std::thread::scope(|scope| {
            let groups = scope.spawn(|| group_list(episodes, config));
            let offices = office_list(episodes, config);
            (
                offices,
                groups.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        // An index is below the number of episodes, which memory keeps far below 2^32.
        let places = episode_office
            .into_iter()
            .zip(episode_group)
            .map(|(office, group)| EpisodePlace {
                office: office as u32,
                group: group as u32,
            })
            .collect();
        let mut alphabetical: Vec<usize> = (0..offices.len()).collect();
        alphabetical.sort_by(|&left, &right| offices[left].cmp(&offices[right]));
        let mut office_ranks = vec![0; offices.len()];
        for (rank, &office) in alphabetical.iter().enumerate() {
            office_ranks[office] = rank as u32;
        }
        Self {
            offices: offices.into_iter().map(Name::from).collect(),
            groups,
            places,
            office_ranks,
        }
    }
}

/// The distinct values of `value_of` in the order first seen, and each episode's value as an
/// index into them. One hash lookup per episode on a handful of values.
fn distinct_values(episodes: &[Episode], value_of: fn(&Episode) -> &str) -> (Vec<&str>, Vec<usize>) {
    let mut index_of: FastHashMap<&str, usize> = Default::default();
    let mut distinct = Vec::new();
    let per_episode = episodes
        .iter()
        .map(|episode| {
            let value = value_of(episode);
            *index_of.entry(value).or_insert_with(|| {
                distinct.push(value);
                distinct.len() - 1
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
