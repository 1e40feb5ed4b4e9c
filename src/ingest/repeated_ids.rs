//! Finds rows whose id repeats an earlier row's id, without holding every id in a hash set
//! when the extract comes in id order (as database exports usually do).
//!
//! Ids are first split into series by their shape: the length and the letters before the first
//! digit (`MD0000001101` and `M00000011001` are two series). Equal ids always have the same
//! shape, so each series is checked on its own, and an extract that interleaves a few series,
//! each in order (two kinds of meeting numbered apart, ids from two source systems), is as
//! cheap as one in order. Up to `MAX_SERIES` shapes get their own series; ids of any later
//! shape share one more.
//!
//! Within a series, ids that arrive in strictly increasing byte order are appended to one
//! sorted buffer: a new id larger than the last of them cannot repeat anything (every earlier
//! id is at most that last one), so it costs one comparison and a copy. An id that arrives out
//! of order is looked up exactly in the sorted buffer (binary search) and then in a hash set of
//! the out-of-order ids, kept as 128-bit xxh3 fingerprints (no allocation per id; a false match
//! among even 10^9 ids has a probability below 10^-20). Once out-of-order ids outnumber the
//! in-order ones (past a few thousand), everything moves to the hash set. A shuffled extract
//! therefore costs what a plain hash set would; an ordered one costs a fraction of it and about
//! half the memory.

type FingerprintSet = std::collections::HashSet<u128, foldhash::fast::RandomState>;

/// Out-of-order ids seen (and outnumbering the in-order ones) before every id is hashed.
const SWITCH_TO_HASHING_AFTER: usize = 4096;

/// Shapes of id (length, letters before the first digit) that get a series of their own.
const MAX_SERIES: usize = 16;

/// The longest prefix of letters a shape tells apart; longer ones share a shape (still exact:
/// equal ids share it too).
const MAX_PREFIX: usize = 8;

/// Records ids and says which repeat an earlier one (see the module's documentation).
#[derive(Default)]
pub struct RepeatedIdDetector {
    /// One series per shape seen, in the order first seen.
    series: Vec<(IdShape, IdSeries)>,
    /// Where the last id's series was in `series` (the next id is usually of the same shape).
    last_series: usize,
    /// The ids of shapes seen after `MAX_SERIES` others.
    other_shapes: IdSeries,
}

/// An id's length and the bytes before its first ASCII digit (at most `MAX_PREFIX`, packed
/// into one number with their count, so comparing two shapes is two comparisons). Two shapes
/// that pack alike share a series, which is still exact: equal ids never have two shapes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct IdShape {
    length: usize,
    prefix: u64,
}

impl IdShape {
    fn of(id: &[u8]) -> Self {
        let mut prefix_length = 0;
        let mut prefix = 0_u64;
        while prefix_length < MAX_PREFIX.min(id.len()) && !id[prefix_length].is_ascii_digit() {
            prefix = prefix << 8 | u64::from(id[prefix_length]);
            prefix_length += 1;
        }
        Self {
            length: id.len(),
            // The count tells "\0A" from "A" (8 bytes fill the 64 bits; see above).
            prefix: prefix ^ (prefix_length as u64).rotate_right(4),
        }
    }
}

impl RepeatedIdDetector {
    /// Records `id` and says whether an earlier call already recorded the same id.
    pub fn is_repeat(&mut self, id: &[u8]) -> bool {
        let shape = IdShape::of(id);
        let position = match self.series.get(self.last_series) {
            Some((last_shape, _)) if *last_shape == shape => Some(self.last_series),
            _ => self.series.iter().position(|(known, _)| *known == shape),
        };
        let position = position.or_else(|| {
            (self.series.len() < MAX_SERIES).then(|| {
                self.series.push((shape, IdSeries::default()));
                self.series.len() - 1
            })
        });
        match position {
            Some(position) => {
                self.last_series = position;
                self.series[position].1.is_repeat(id)
            }
            None => self.other_shapes.is_repeat(id),
        }
    }
}

/// A number that orders ids of one length from 8 to 16 bytes as their bytes do: the first 8
/// bytes, then the last 8 (which overlap them for ids under 16 bytes: when the first 8 are
/// equal, so is the overlap, and the rest decides). One comparison instead of a call to
/// compare bytes, for most ids of most extracts.
fn order_key(id: &[u8]) -> Option<u128> {
    let first: [u8; 8] = id.get(..8)?.try_into().ok()?;
    let last: [u8; 8] = id.get(id.len().checked_sub(8)?..)?.try_into().ok()?;
    (id.len() <= 16).then(|| u128::from(u64::from_be_bytes(first)) << 64 | u128::from(u64::from_be_bytes(last)))
}

/// The ids of one shape.
#[derive(Default)]
struct IdSeries {
    /// The in-order ids, concatenated; id `i` is `ordered_bytes[ordered_ends[i-1]..ordered_ends[i]]`.
    ordered_bytes: Vec<u8>,
    ordered_ends: Vec<u32>,
    /// Where the last in-order id starts in `ordered_bytes`.
    last_start: usize,
    /// The last in-order id's length and `order_key`, when it has one.
    last_key: Option<(usize, u128)>,
    /// Set once `ordered_bytes` would pass `u32::MAX`, or once most ids come out of order:
    /// from then on every id goes to the set.
    ordered_full: bool,
    /// Fingerprints of the ids that did not go into the ordered buffer.
    unordered: FingerprintSet,
}

impl IdSeries {
    /// Records `id` and says whether an earlier call already recorded the same id.
    fn is_repeat(&mut self, id: &[u8]) -> bool {
        if !self.ordered_full {
            let key = order_key(id);
            let larger_than_every_earlier_id = match (key, self.last_key) {
                (Some(key), Some((length, last))) if length == id.len() => key > last,
                _ => self.ordered_ends.is_empty() || id > &self.ordered_bytes[self.last_start..],
            };
            if larger_than_every_earlier_id {
                if let Ok(end) = u32::try_from(self.ordered_bytes.len() + id.len()) {
                    self.last_start = self.ordered_bytes.len();
                    self.last_key = key.map(|key| (id.len(), key));
                    self.ordered_bytes.extend_from_slice(id);
                    self.ordered_ends.push(end);
                    return false;
                }
                self.ordered_full = true;
            }
        }
        if self.ordered_contains(id) {
            return true;
        }
        let repeat = !self.unordered.insert(xxhash_rust::xxh3::xxh3_128(id));
        if self.unordered.len() >= SWITCH_TO_HASHING_AFTER && self.unordered.len() > self.ordered_ends.len() {
            self.hash_everything();
        }
        repeat
    }

    /// Mostly out of order: the sorted buffer only costs a binary search per id, so its ids
    /// join the hash set and every later id is hashed.
    fn hash_everything(&mut self) {
        for index in 0..self.ordered_ends.len() {
            let fingerprint = xxhash_rust::xxh3::xxh3_128(self.ordered_id(index));
            self.unordered.insert(fingerprint);
        }
        self.ordered_bytes = Vec::new();
        self.ordered_ends = Vec::new();
        self.last_start = 0;
        self.last_key = None;
        self.ordered_full = true;
    }

    fn ordered_id(&self, index: usize) -> &[u8] {
        let start = if index == 0 {
            0
        } else {
            self.ordered_ends[index - 1] as usize
        };
        &self.ordered_bytes[start..self.ordered_ends[index] as usize]
    }

    fn ordered_contains(&self, id: &[u8]) -> bool {
        let (mut low, mut high) = (0, self.ordered_ends.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.ordered_id(middle).cmp(id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::RepeatedIdDetector;

    /// Which of `ids` the detector calls repeats, against the obvious definition.
    fn check(ids: &[&str]) {
        let mut detector = RepeatedIdDetector::default();
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let expected = !seen.insert(*id);
            assert_eq!(detector.is_repeat(id.as_bytes()), expected, "id {id:?} in {ids:?}");
        }
    }

    /// `check` on owned ids.
    fn check_owned(ids: &[String]) {
        let borrowed: Vec<&str> = ids.iter().map(String::as_str).collect();
        check(&borrowed);
    }

    #[test]
    fn order_keys_order_ids_of_one_length_as_their_bytes() {
        use super::order_key;
        assert_eq!(order_key(b"1234567"), None);
        assert_eq!(order_key(b"12345678901234567"), None);
        let mut random = crate::generate::Random::from_seed(8);
        let mut next = || random.next();
        for _ in 0..20_000 {
            let length = 8 + (next() % 9) as usize;
            // Few distinct bytes, so that long common prefixes are frequent.
            let mut id = || (0..length).map(|_| b"AB01"[(next() % 4) as usize]).collect::<Vec<u8>>();
            let (left, right) = (id(), id());
            let (Some(left_key), Some(right_key)) = (order_key(&left), order_key(&right)) else {
                panic!("ids of 8 to 16 bytes have keys");
            };
            assert_eq!(left_key.cmp(&right_key), left.cmp(&right), "{left:?} {right:?}");
        }
    }

    #[test]
    fn ordered_ids_repeat_only_when_equal() {
        check(&["A1", "A2", "A3", "A3", "A4"]);
        check(&["A1", "A1", "A1"]);
    }

    #[test]
    fn out_of_order_ids_are_checked_against_ordered_and_unordered_ones() {
        check(&["B5", "B2", "B2", "B5", "B9", "B1", "B2", "B9", "C0", "B1", "A0", "C0"]);
        check(&["Z", "Y", "X", "Y", "Z", "X", "W"]);
        // A prefix is smaller than the longer id; byte order, not numeric order.
        check(&["M10", "M1", "M100", "M1", "M2", "M10", "M100"]);
    }

    #[test]
    fn a_shuffled_sequence_switches_to_hashing_and_still_finds_every_repeat() {
        let mut random = crate::generate::Random::from_seed(99);
        let ids: Vec<String> = (0..20_000)
            .map(|_| format!("M{:05}", (random.next() >> 33) % 15_000))
            .collect();
        check_owned(&ids);
    }

    #[test]
    fn agrees_with_a_hash_set_on_a_pseudo_random_sequence() {
        let mut random = crate::generate::Random::from_seed(12345);
        let ids: Vec<String> = (0..5000)
            .map(|step| {
                // Mostly increasing with frequent repeats and steps back.
                let value = step as u64 / 2 + (random.next() >> 60);
                format!("R{value:06}")
            })
            .collect();
        check_owned(&ids);
    }

    #[test]
    fn agrees_with_a_hash_set_on_a_random_mix_of_shapes() {
        // Several series (prefixes and lengths), mostly increasing each, with repeats within
        // and across them, ids without digits, and more shapes than get a series of their own.
        let mut random = crate::generate::Random::from_seed(2026);
        let prefixes = ["M", "MD", "M-", "", "X", "ABCDEFGHIJ", "é", "m"];
        let mut counters = [0_u64; 8];
        let ids: Vec<String> = (0..30_000)
            .map(|_| {
                let series = (random.next() % 8) as usize;
                let step = random.next() % 10;
                if step < 7 {
                    counters[series] += 1 + step % 2;
                }
                let value = if step == 9 {
                    counters[series] / 2
                } else {
                    counters[series]
                };
                match random.next() % 20 {
                    0 => format!("{}", random.next() % 30),
                    1 => format!("Z{}", "q".repeat((random.next() % 24) as usize)),
                    _ => format!("{}{value:0width$}", prefixes[series], width = 3 + series % 4),
                }
            })
            .collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert!(distinct.len() + 5_000 < ids.len(), "the mix has many repeats");
        check_owned(&ids);
    }

    #[test]
    fn interleaved_series_each_in_order_stay_out_of_the_hash_set() {
        // Two series of meeting ids written child by child: MD… sorts after M0… .
        let mut ids = Vec::new();
        for child in 0..10_000 {
            ids.push(format!("MD{child:07}01"));
            ids.push(format!("M{child:07}001"));
            ids.push(format!("M{child:07}002"));
        }
        ids.push("M0000042001".to_string());
        ids.push("MD000004201".to_string());
        check_owned(&ids);
        let mut detector = RepeatedIdDetector::default();
        for id in &ids {
            detector.is_repeat(id.as_bytes());
        }
        assert_eq!(detector.series.len(), 2);
        assert!(detector.series.iter().all(|(_, series)| series.unordered.len() <= 2));
    }

    #[test]
    fn more_shapes_than_series_share_the_last_one_and_still_find_every_repeat() {
        // Ids without digits: every letter and length is a shape of its own.
        let ids: Vec<String> = (0..3000)
            .map(|step| {
                let letter = char::from(b'a' + (step * 7 % 26) as u8);
                letter.to_string().repeat(1 + step % 5)
            })
            .collect();
        check_owned(&ids);
        // Prefixes longer than MAX_PREFIX letters share a shape.
        check(&[
            "ABCDEFGHIJ1",
            "ABCDEFGHXY1",
            "ABCDEFGHIJ1",
            "ABCDEFGHXY2",
            "ABCDEFGHXY1",
        ]);
    }
}
