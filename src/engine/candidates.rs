//! Which episodes each period of a measure can count (`Measure::candidates`), prepared once
//! per data set: the episodes sorted by each cohort date the measures name, so a trend month
//! (or a backfill date's headline) evaluates only the episodes of its own dates.

use chrono::NaiveDate;

use crate::calendar::Period;
use crate::engine::DateInputs;
use crate::engine::organisation::EpisodePlace;
use crate::ingest::linking::EpisodeIndex;
use crate::measures::{Candidates, CohortDate, EpisodeAsOf, Measure};
use crate::model::Episode;
use crate::performance::counting_sort::sorted_by_date;
use crate::performance::prefetch::{prefetch, prefetch_value};

/// An episode a period may count, with where it is counted, so that lists of candidates are
/// read in order instead of looking each episode's office up elsewhere.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub position: usize,
    pub place: EpisodePlace,
}

/// A measure's candidates, prepared once per data set.
enum Prepared {
    Every,
    /// The candidates are `CandidateLists::dated[i]`.
    ByDate(usize),
    /// Taken from the as-of date's list of `WINDOW_KINDS[i]` candidates.
    Window(usize),
}

/// The kinds of candidates found for each as-of date, over the window their measures' periods
/// span (the episodes in care, or with a placement change, on some day of it).
pub(super) const WINDOW_KINDS: [Candidates; 2] = [Candidates::InCareDuring, Candidates::PlacementChangeDuring];

/// For each of `WINDOW_KINDS`, an as-of date's candidates, ascending by position.
pub(super) type WindowCandidates = Vec<Vec<Candidate>>;

/// Every measure's prepared candidates.
pub(super) struct CandidateLists {
    /// Per measure, in the order of the night's measures.
    prepared: Vec<Prepared>,
    /// One list per cohort date some measure names, ascending by date, then position.
    dated: Vec<Vec<(NaiveDate, Candidate)>>,
    /// The same dates by episode position (`None`: the episode has no such date).
    dates_by_position: Vec<Vec<Option<NaiveDate>>>,
}

/// A window holding more than this share (1 / `SCAN_WHEN_WIDER_THAN`) of a dated list is
/// visited in position order by scanning every episode's date, rather than in date order.
/// Episodes in date order are scattered in memory and each one's first read waits for memory
/// (a trend's window is a quarter of the list or more); a scan reads them in the order they
/// lie. A narrow window (a backfill date's month) is cheaper through the sorted list.
const SCAN_WHEN_WIDER_THAN: usize = 32;

impl CandidateLists {
    /// Sorts the episodes by each cohort date the measures name, one thread per list; measures
    /// naming the same date share a list.
    pub fn new(measures: &[&'static dyn Measure], episodes: &[Episode], places: &[EpisodePlace]) -> Self {
        let mut dates: Vec<CohortDate> = Vec::new();
        let prepared = measures
            .iter()
            .map(|measure| match measure.candidates() {
                Candidates::Every => Prepared::Every,
                kind @ (Candidates::InCareDuring | Candidates::PlacementChangeDuring) => {
                    Prepared::Window(WINDOW_KINDS.iter().position(|&known| known == kind).unwrap_or(0))
                }
                Candidates::ByDate(date) => Prepared::ByDate(match dates.iter().position(|&known| known == date) {
                    Some(list) => list,
                    None => {
                        dates.push(date);
                        dates.len() - 1
                    }
                }),
            })
            .collect();
        let (dated, dates_by_position) = std::thread::scope(|scope| {
            let handles: Vec<_> = dates
                .iter()
                .map(|&date| {
                    scope.spawn(move || {
                        let by_position: Vec<Option<NaiveDate>> =
                            episodes.iter().map(|episode| date.of(episode)).collect();
                        let dated = sorted_by_date(by_position.iter().enumerate().filter_map(|(position, date)| {
                            date.map(|date| {
                                (
                                    date,
                                    Candidate {
                                        position,
                                        place: places[position],
                                    },
                                )
                            })
                        }));
                        (dated, by_position)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .unzip()
        });
        Self {
            prepared,
            dated,
            dates_by_position,
        }
    }

    /// Calls `visit(i, candidate)` with each episode measure number `number` could count in
    /// `periods[i]`. Where an episode can count in several periods, all of its visits come
    /// together (it is then in the cache once, not once per period).
    pub fn for_each(
        &self,
        number: usize,
        periods: &[Period],
        date: &DateInputs<'_>,
        mut visit: impl FnMut(usize, Candidate),
    ) {
        let episodes = date.engine.episodes;
        let index = date.engine.knowledge.index;
        match &self.prepared[number] {
            Prepared::Every => {
                for (position, &place) in date.engine.organisation.places.iter().enumerate() {
                    (0..periods.len()).for_each(|period| visit(period, Candidate { position, place }));
                }
            }
            Prepared::ByDate(list) => {
                let dated = &self.dated[*list];
                let (Some(start), Some(end)) = (
                    periods.iter().map(|period| period.start).min(),
                    periods.iter().map(|period| period.end).max(),
                ) else {
                    return;
                };
                let first = dated.partition_point(|&(date, _)| date < start);
                let last = dated.partition_point(|&(date, _)| date <= end);
                let mut in_position_order = Vec::new();
                let candidates = if (last - first) * SCAN_WHEN_WIDER_THAN > dated.len() {
                    let places = &date.engine.organisation.places;
                    in_position_order.reserve_exact(last - first);
                    in_position_order.extend((self.dates_by_position[*list].iter().enumerate()).filter_map(
                        |(position, &day)| {
                            let day = day.filter(|day| (start..=end).contains(day))?;
                            Some((
                                day,
                                Candidate {
                                    position,
                                    place: places[position],
                                },
                            ))
                        },
                    ));
                    &in_position_order[..]
                } else {
                    &dated[first..last]
                };
                for (number, &(date, candidate)) in candidates.iter().enumerate() {
                    prefetch_ahead(episodes, index, number, |ahead| {
                        candidates.get(ahead).map(|(_, candidate)| candidate.position)
                    });
                    for (period_number, period) in periods.iter().enumerate() {
                        if period.contains(date) {
                            visit(period_number, candidate);
                        }
                    }
                }
            }
            Prepared::Window(kind) => {
                let candidates = &date.window_candidates[*kind];
                for (number, &candidate) in candidates.iter().enumerate() {
                    prefetch_ahead(episodes, index, number, |ahead| {
                        candidates.get(ahead).map(|candidate| candidate.position)
                    });
                    let known = EpisodeAsOf::new(episodes, candidate.position, date.as_of);
                    for (period_number, &period) in periods.iter().enumerate() {
                        if WINDOW_KINDS[*kind].includes(&known, period) {
                            visit(period_number, candidate);
                        }
                    }
                }
            }
        }
    }
}

/// The days spanned by `periods_of(measure)` for every measure whose candidates are of `kind`;
/// `None` if there are none.
pub(super) fn window_of(
    measures: &[&'static dyn Measure],
    kind: Candidates,
    periods_of: impl Fn(&dyn Measure) -> Vec<Period>,
) -> Option<Period> {
    measures
        .iter()
        .filter(|measure| measure.candidates() == kind)
        .flat_map(|measure| periods_of(*measure))
        .reduce(|window, period| Period::new(window.start.min(period.start), window.end.max(period.end)))
}

/// How many candidates ahead `prefetch_ahead` asks for linked events to be fetched (and twice
/// as far ahead for the episode itself).
const PREFETCH_DISTANCE: usize = 8;

/// While visiting the `number`th of a list of episodes, asks for those a little further on to
/// be fetched: the episode and where its child's episodes are listed first; once those have
/// arrived, its notices, meetings and placements and that list; then the child's other
/// episodes. `position_at(n)` is the position of the list's `n`th episode, `None` past its end.
pub(super) fn prefetch_ahead(
    episodes: &[Episode],
    index: &EpisodeIndex,
    number: usize,
    position_at: impl Fn(usize) -> Option<usize>,
) {
    if let Some(position) = position_at(number + 2 * PREFETCH_DISTANCE) {
        prefetch_value(&episodes[position]);
        index.prefetch_child_group(position);
    }
    if let Some(position) = position_at(number + PREFETCH_DISTANCE) {
        let episode = &episodes[position];
        prefetch(episode.notice_dates.as_ptr());
        prefetch(episode.meetings.as_ptr());
        prefetch(episode.placements.as_ptr());
        prefetch(index.episodes_of_same_child(position).as_ptr());
    }
    if let Some(position) = position_at(number + PREFETCH_DISTANCE / 2) {
        let siblings = index.episodes_of_same_child(position);
        if siblings.len() > 1 {
            for &(_, sibling) in siblings {
                if sibling != position {
                    prefetch_value(&episodes[sibling]);
                }
            }
        }
    }
}
