//! Links notices and meetings to episodes exactly as `docs/extracts.md` says: a row with a
//! `removal_id` belongs to that episode; a row without one belongs to the child's episode with
//! the latest `removal_date` on or before the row's date (ties broken by the larger
//! removal_id, so the result never depends on row order); anything else is an orphan.

use chrono::NaiveDate;

use crate::model::Episode;

/// Why a notice or meeting belongs to no episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrphanReason {
    UnknownRemovalId,
    UnknownChild,
    BeforeEveryEpisode,
}

impl OrphanReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownRemovalId => "unknown_removal_id",
            Self::UnknownChild => "unknown_child",
            Self::BeforeEveryEpisode => "dated_before_every_episode",
        }
    }
}

/// Finds episodes by removal_id and by child. Ids are kept as 128-bit xxh3 fingerprints (the
/// same trade as duplicate-id detection: no copy of a million ids, one cache miss per lookup,
/// and a false match among even 10^9 ids has a probability below 10^-20).
pub struct EpisodeIndex {
    by_removal_id: crate::performance::FastHashMap<u128, usize>,
    /// Every episode as (removal_date, index), grouped by child; each group ascending. Groups
    /// are laid out in the order of their child's first episode, the order extracts and the
    /// engine usually go through children in, so consecutive lookups read neighbouring memory
    /// instead of one place each among a million.
    episodes_by_child: Vec<(NaiveDate, usize)>,
    /// Where each child's group is in `episodes_by_child`: (start, end).
    by_child: crate::performance::FastHashMap<u128, (usize, usize)>,
    /// By episode position: its removal_id's and its child's fingerprint, and its child's
    /// group. Rows of consecutive episodes usually follow each other in an extract, so a
    /// lookup first tries the episodes just after the last one found, which sit next to it in
    /// memory, before the maps.
    removal_fingerprints: Vec<u128>,
    child_fingerprints: Vec<u128>,
    child_groups: Vec<(usize, usize)>,
}

/// One validation worker's last lookups. Extracts usually list an episode's (or a child's)
/// rows together, and episodes in removal_id order, so most rows ask what the row before
/// asked or about the next episode; answering from here (or from the next episodes' entries)
/// saves a cache miss into the maps per row. Holds answers, never decisions: the same row
/// always links to the same episode with or without it.
#[derive(Debug, Default)]
pub struct RecentLookups {
    removal_id: String,
    /// What `by_removal_id` said for `removal_id`; `None` before the first lookup.
    episode: Option<Option<usize>>,
    child_id: String,
    /// What `by_child` said for `child_id`; `None` before the first lookup.
    child_group: Option<Option<(usize, usize)>>,
    /// The episode the last linked row went to.
    last_episode: Option<usize>,
}

/// How far past the last episode found a lookup looks before asking the maps.
const NEIGHBOURS_TRIED: usize = 2;

/// Each child's fingerprint and its group's (start, end) in `by_child_then_date` (sorted by
/// child fingerprint, then date).
fn child_groups(by_child_then_date: &[(u128, NaiveDate, usize)]) -> impl Iterator<Item = (u128, (usize, usize))> + '_ {
    let mut start = 0;
    by_child_then_date
        .chunk_by(|left, right| left.0 == right.0)
        .map(move |group| {
            let range = (start, start + group.len());
            start = range.1;
            (group[0].0, range)
        })
}

/// One child's episodes: where they are in `by_child_then_date` and in `episodes_by_child`.
struct ChildGroup {
    child: u128,
    sorted: (usize, usize),
    laid_out: (usize, usize),
}

/// The episodes of `by_child_then_date` (sorted by child fingerprint, then date) as
/// (removal_date, index), each child's group kept together and in order, the groups in the
/// order of their child's first (lowest) index; and each child's group.
fn laid_out_by_first_episode(
    by_child_then_date: &[(u128, NaiveDate, usize)],
) -> (Vec<(NaiveDate, usize)>, Vec<ChildGroup>) {
    let sorted_groups: Vec<(u128, (usize, usize))> = child_groups(by_child_then_date).collect();
    // Each group's number at its child's first index (indexes are below the episode count).
    let mut group_at_first_index = vec![u32::MAX; by_child_then_date.len()];
    for (number, &(_, (start, end))) in sorted_groups.iter().enumerate() {
        let first = (by_child_then_date[start..end].iter())
            .map(|&(_, _, index)| index)
            .min()
            .unwrap_or(start);
        if let Some(slot) = group_at_first_index.get_mut(first) {
            *slot = number as u32;
        }
    }
    let mut laid_out = Vec::with_capacity(by_child_then_date.len());
    let mut new_ranges = vec![(0, 0); sorted_groups.len()];
    for &number in group_at_first_index.iter().filter(|&&number| number != u32::MAX) {
        let (_, (start, end)) = sorted_groups[number as usize];
        let new_start = laid_out.len();
        laid_out.extend(
            by_child_then_date[start..end]
                .iter()
                .map(|&(_, date, index)| (date, index)),
        );
        new_ranges[number as usize] = (new_start, laid_out.len());
    }
    let groups = (sorted_groups.into_iter().zip(new_ranges))
        .map(|((child, sorted), laid_out)| ChildGroup {
            child,
            sorted,
            laid_out,
        })
        .collect();
    (laid_out, groups)
}

fn fingerprint(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

impl EpisodeIndex {
    /// `episodes` must be sorted by removal_id (ties on removal_date then resolve to the later
    /// index, which is the larger removal_id).
    pub fn new(episodes: &[Episode]) -> Self {
        // The removal-id side and the child side are independent: one thread each; and once
        // the child side has its episodes sorted, the child map is built on a third thread
        // while this one fills the per-episode arrays (the whole is a pause between reading
        // the removals and the notices, with the other core otherwise idle).
        std::thread::scope(|scope| {
            let removal_side = scope.spawn(|| {
                let fingerprints: Vec<u128> = episodes
                    .iter()
                    .map(|episode| fingerprint(&episode.removal_id))
                    .collect();
                let mut by_removal_id: crate::performance::FastHashMap<u128, usize> =
                    crate::performance::FastHashMap::with_capacity_and_hasher(episodes.len(), Default::default());
                for (index, &removal) in fingerprints.iter().enumerate() {
                    by_removal_id.insert(removal, index);
                }
                (fingerprints, by_removal_id)
            });
            let mut by_child_then_date: Vec<(u128, NaiveDate, usize)> = episodes
                .iter()
                .enumerate()
                .map(|(index, episode)| (fingerprint(&episode.child_id), episode.removal_date, index))
                .collect();
            by_child_then_date.sort_unstable();
            let (episodes_by_child, groups) = laid_out_by_first_episode(&by_child_then_date);
            let groups = &groups;
            let (by_child, child_fingerprints, child_groups_by_position) = std::thread::scope(|inner_scope| {
                let child_map = inner_scope.spawn(|| {
                    let mut by_child =
                        crate::performance::FastHashMap::with_capacity_and_hasher(groups.len(), Default::default());
                    by_child.extend(groups.iter().map(|group| (group.child, group.laid_out)));
                    by_child
                });
                let mut child_fingerprints = vec![0; episodes.len()];
                let mut child_groups_by_position = vec![(0, 0); episodes.len()];
                for group in groups {
                    for &(_, _, index) in &by_child_then_date[group.sorted.0..group.sorted.1] {
                        child_fingerprints[index] = group.child;
                        child_groups_by_position[index] = group.laid_out;
                    }
                }
                let by_child = child_map
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (by_child, child_fingerprints, child_groups_by_position)
            });
            let (removal_fingerprints, by_removal_id) = removal_side
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Self {
                by_removal_id,
                episodes_by_child,
                by_child,
                removal_fingerprints,
                child_fingerprints,
                child_groups: child_groups_by_position,
            }
        })
    }

    /// The first of the episodes from `recent.last_episode` on whose fingerprint in `by_position`
    /// is `wanted`, looking at most `NEIGHBOURS_TRIED` past it.
    fn neighbour_with(recent: &RecentLookups, by_position: &[u128], wanted: u128) -> Option<usize> {
        let last = recent.last_episode?;
        (last..=last + NEIGHBOURS_TRIED).find(|&position| by_position.get(position) == Some(&wanted))
    }

    /// The episode a row belongs to.
    pub fn link(&self, removal_id: Option<&str>, child_id: &str, date: NaiveDate) -> Result<usize, OrphanReason> {
        self.link_remembering(&mut RecentLookups::default(), removal_id, child_id, date)
    }

    /// `link`, answering from `recent` when the row asks what the previous one asked.
    pub fn link_remembering(
        &self,
        recent: &mut RecentLookups,
        removal_id: Option<&str>,
        child_id: &str,
        date: NaiveDate,
    ) -> Result<usize, OrphanReason> {
        if let Some(removal_id) = removal_id {
            let episode = match recent.episode {
                Some(episode) if recent.removal_id == removal_id => episode,
                _ => {
                    let wanted = fingerprint(removal_id);
                    let episode = Self::neighbour_with(recent, &self.removal_fingerprints, wanted)
                        .or_else(|| self.by_removal_id.get(&wanted).copied());
                    recent.removal_id.clear();
                    recent.removal_id.push_str(removal_id);
                    recent.episode = Some(episode);
                    episode
                }
            };
            if episode.is_some() {
                recent.last_episode = episode;
            }
            return episode.ok_or(OrphanReason::UnknownRemovalId);
        }
        let group = match recent.child_group {
            Some(group) if recent.child_id == child_id => group,
            _ => {
                let wanted = fingerprint(child_id);
                let group = match Self::neighbour_with(recent, &self.child_fingerprints, wanted) {
                    Some(position) => Some(self.child_groups[position]),
                    None => self.by_child.get(&wanted).copied(),
                };
                recent.child_id.clear();
                recent.child_id.push_str(child_id);
                recent.child_group = Some(group);
                group
            }
        };
        let (start, end) = group.ok_or(OrphanReason::UnknownChild)?;
        let child_episodes = &self.episodes_by_child[start..end];
        // Episodes with removal_date ≤ date form a prefix; take its last element.
        let on_or_before = child_episodes.partition_point(|&(removal_date, _)| removal_date <= date);
        match on_or_before {
            0 => Err(OrphanReason::BeforeEveryEpisode),
            count => {
                let episode = child_episodes[count - 1].1;
                recent.last_episode = Some(episode);
                Ok(episode)
            }
        }
    }

    /// Asks for where the episodes of the child of episode `position` are listed to be fetched
    /// (a hint: `episodes_of_same_child` reads it).
    pub fn prefetch_child_group(&self, position: usize) {
        if let Some(group) = self.child_groups.get(position) {
            crate::performance::prefetch::prefetch(group);
        }
    }

    /// The episodes of the child of episode `position` (itself included) as (removal_date,
    /// position), by removal_date ascending (then removal_id): a slice, no lookup.
    pub fn episodes_of_same_child(&self, position: usize) -> &[(NaiveDate, usize)] {
        self.child_groups
            .get(position)
            .map_or(&[], |&(start, end)| &self.episodes_by_child[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::{EpisodeIndex, OrphanReason, RecentLookups};
    use crate::measures::test_support::{date, removal};
    use crate::model::Episode;

    /// Episodes of (removal date, removal_id, child_id), in removal_id order as ingest keeps
    /// them, and their index.
    fn indexed(rows: &[(&str, &str, &str)]) -> (Vec<Episode>, EpisodeIndex) {
        let mut episodes: Vec<Episode> = (rows.iter())
            .map(|&(removal_date, removal_id, child_id)| removal(removal_date).ids(removal_id, child_id).0)
            .collect();
        episodes.sort_by(|left, right| left.removal_id.cmp(&right.removal_id));
        let index = EpisodeIndex::new(&episodes);
        (episodes, index)
    }

    #[test]
    fn each_childs_episodes_are_listed_by_date_and_children_by_their_first_episode() {
        // Children interleaved: C2's episodes come first and last, C1's and C3's between.
        let (episodes, index) = indexed(&[
            ("2025-03-01", "R1", "C2"),
            ("2024-06-01", "R2", "C1"),
            ("2023-01-01", "R3", "C3"),
            ("2024-01-10", "R4", "C1"),
            ("2022-05-05", "R5", "C2"),
        ]);
        let removal_ids = |position: usize| -> Vec<&str> {
            (index.episodes_of_same_child(position).iter())
                .map(|&(_, other)| &*episodes[other].removal_id)
                .collect()
        };
        assert_eq!(removal_ids(0), ["R5", "R1"]);
        assert_eq!(removal_ids(4), ["R5", "R1"]);
        assert_eq!(removal_ids(1), ["R4", "R2"]);
        assert_eq!(removal_ids(3), ["R4", "R2"]);
        assert_eq!(removal_ids(2), ["R3"]);
        let laid_out: Vec<&str> = (index.episodes_by_child.iter())
            .map(|&(_, position)| &*episodes[position].removal_id)
            .collect();
        assert_eq!(laid_out, ["R5", "R1", "R4", "R2", "R3"]);
    }

    #[test]
    fn links_by_removal_id_else_by_child_and_date_with_or_without_memory() {
        let (episodes, index) = indexed(&[
            ("2024-01-10", "R1", "C1"),
            ("2024-06-01", "R2", "C1"),
            ("2024-06-01", "R3", "C1"),
            ("2025-03-01", "R4", "C2"),
        ]);
        let removal_id_of =
            |found: Result<usize, OrphanReason>| found.map(|position| episodes[position].removal_id.clone());
        // (removal_id, child_id, row date, the episode it links to or why it is an orphan)
        type Case<'a> = (Option<&'a str>, &'a str, &'a str, Result<&'a str, OrphanReason>);
        let cases: [Case; 9] = [
            (Some("R2"), "C9", "2020-01-01", Ok("R2")),
            (Some("R2"), "C1", "2024-01-01", Ok("R2")),
            (Some("R9"), "C1", "2024-01-01", Err(OrphanReason::UnknownRemovalId)),
            (None, "C1", "2024-01-09", Err(OrphanReason::BeforeEveryEpisode)),
            (None, "C1", "2024-01-10", Ok("R1")),
            (None, "C1", "2024-05-31", Ok("R1")),
            // Two episodes on one day: the larger removal_id.
            (None, "C1", "2024-06-01", Ok("R3")),
            (None, "C2", "2025-03-01", Ok("R4")),
            (None, "C3", "2025-03-01", Err(OrphanReason::UnknownChild)),
        ];
        // Rows in episode order, by removal_id then by child: after the first, each lookup is
        // answered by a neighbour of the last episode found.
        let mut recent = RecentLookups::default();
        for (position, episode) in episodes.iter().enumerate() {
            let by_removal_id =
                index.link_remembering(&mut recent, Some(&episode.removal_id), "C9", date("2030-01-01"));
            assert_eq!(by_removal_id, Ok(position));
            let by_child = index.link_remembering(&mut recent, None, &episode.child_id, episode.removal_date);
            assert_eq!(by_child, index.link(None, &episode.child_id, episode.removal_date));
        }
        let mut recent = RecentLookups::default();
        // Twice through, so remembered answers are asked again in a different order.
        for (removal_id, child_id, on, expected) in cases.iter().chain(cases.iter().rev()) {
            let expected = expected.map(crate::scope::Name::from);
            assert_eq!(removal_id_of(index.link(*removal_id, child_id, date(on))), expected);
            assert_eq!(
                removal_id_of(index.link_remembering(&mut recent, *removal_id, child_id, date(on))),
                expected,
                "{removal_id:?} {child_id} {on}"
            );
        }
    }
}
