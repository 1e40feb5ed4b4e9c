//! Placement ids, kept only while the placements are read: an episode's placements are ordered
//! by start date, ties by placement_id (docs/measures.md), and the ids are then dropped. At
//! national scale that is 3.4 million ids: a validation worker carries each in place
//! (`PlacementId`, no allocation for ids of up to 22 bytes), and the applying thread appends
//! them to one arena (`PlacementIds`), so no id costs an allocation of its own.

use crate::model::LinkedPlacement;

/// A placement_id on its way from a validation worker to the applying thread.
pub type PlacementId = crate::performance::inline_text::InlineText;

/// Every linked placement's id, in the order they were linked.
#[derive(Default)]
pub struct PlacementIds {
    bytes: Vec<u8>,
    /// Where each id ends in `bytes` (it starts where the previous one ends).
    ends: Vec<u32>,
}

impl PlacementIds {
    /// Keeps `id`; returns its number.
    pub fn push(&mut self, id: &PlacementId) -> u32 {
        self.bytes.extend_from_slice(id.as_bytes());
        self.ends.push(u32::try_from(self.bytes.len()).unwrap_or(u32::MAX));
        u32::try_from(self.ends.len() - 1).unwrap_or(u32::MAX)
    }

    fn get(&self, number: u32) -> &[u8] {
        let number = number as usize;
        let start = if number == 0 { 0 } else { self.ends[number - 1] as usize };
        let end = self.ends[number] as usize;
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// One episode's placements (each with its id's number) in order: by start date, ties by
    /// placement_id, whatever order the rows came in.
    pub fn in_order(&self, mut placements: Vec<(LinkedPlacement, u32)>) -> Vec<LinkedPlacement> {
        placements.sort_by_key(|(placement, _)| placement.start_date);
        for tie in placements.chunk_by_mut(|left, right| left.0.start_date == right.0.start_date) {
            if tie.len() > 1 {
                tie.sort_by(|left, right| self.get(left.1).cmp(self.get(right.1)));
            }
        }
        // Same alignment, smaller items: the vector's memory is reused.
        placements.into_iter().map(|(placement, _)| placement).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{PlacementId, PlacementIds};
    use crate::model::{LinkedPlacement, PlacementSetting};

    #[test]
    fn ties_on_the_start_date_are_ordered_by_the_whole_id_short_or_long() {
        let mut ids = PlacementIds::default();
        let day = |text: &str| crate::date_format::parse_iso_date(text).expect("date");
        let placement = |start: &str, setting| LinkedPlacement {
            start_date: day(start),
            setting,
            emergency: false,
        };
        let long_b = "P-0000000000000000000000000000-B";
        let long_a = "P-0000000000000000000000000000-A";
        let rows = [
            ("2026-02-01", "P9", PlacementSetting::GroupHome),
            ("2026-01-01", long_b, PlacementSetting::Institution),
            ("2026-01-01", "P10", PlacementSetting::Respite),
            ("2026-01-01", long_a, PlacementSetting::FosterFamily),
        ];
        let linked: Vec<(LinkedPlacement, u32)> = rows
            .iter()
            .map(|&(start, id, setting)| (placement(start, setting), ids.push(&PlacementId::new(id))))
            .collect();
        let settings: Vec<PlacementSetting> = ids
            .in_order(linked)
            .into_iter()
            .map(|placement| placement.setting)
            .collect();
        // "P-…-A" < "P-…-B" < "P10" (byte order), then the later start.
        assert_eq!(
            settings,
            [
                PlacementSetting::FosterFamily,
                PlacementSetting::Institution,
                PlacementSetting::Respite,
                PlacementSetting::GroupHome
            ]
        );
    }
}
