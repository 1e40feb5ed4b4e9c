//! Links notices and meetings to episodes exactly as `extracts.md` says: a row with a
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

/// Finds episodes by removal_id and by child.
pub struct EpisodeIndex {
    by_removal_id: crate::FastHashMap<String, usize>,
    /// Each child's episodes as (removal_date, removal_id, index), ascending.
    by_child: crate::FastHashMap<String, Vec<(NaiveDate, usize)>>,
}

impl EpisodeIndex {
    /// `episodes` must be sorted by removal_id (ties on removal_date then resolve to the later
    /// index, which is the larger removal_id).
    pub fn new(episodes: &[Episode]) -> Self {
        let mut by_removal_id = crate::FastHashMap::with_capacity_and_hasher(episodes.len(), Default::default());
        let mut by_child: crate::FastHashMap<String, Vec<(NaiveDate, usize)>> = Default::default();
        for (index, episode) in episodes.iter().enumerate() {
            by_removal_id.insert(episode.removal_id.clone(), index);
            by_child
                .entry(episode.child_id.clone())
                .or_default()
                .push((episode.removal_date, index));
        }
        for child_episodes in by_child.values_mut() {
            child_episodes.sort_unstable();
        }
        Self {
            by_removal_id,
            by_child,
        }
    }

    /// The episode a row belongs to.
    pub fn link(&self, removal_id: Option<&str>, child_id: &str, date: NaiveDate) -> Result<usize, OrphanReason> {
        if let Some(removal_id) = removal_id {
            return self
                .by_removal_id
                .get(removal_id)
                .copied()
                .ok_or(OrphanReason::UnknownRemovalId);
        }
        let child_episodes = self.by_child.get(child_id).ok_or(OrphanReason::UnknownChild)?;
        // Episodes with removal_date ≤ date form a prefix; take its last element.
        let on_or_before = child_episodes.partition_point(|&(removal_date, _)| removal_date <= date);
        match on_or_before {
            0 => Err(OrphanReason::BeforeEveryEpisode),
            count => Ok(child_episodes[count - 1].1),
        }
    }

    /// The child's episodes, by removal_date ascending (then removal_id).
    pub fn child_episodes(&self, child_id: &str) -> impl Iterator<Item = usize> + '_ {
        self.by_child
            .get(child_id)
            .into_iter()
            .flatten()
            .map(|&(_, index)| index)
    }
}
