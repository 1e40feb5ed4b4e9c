//! A map from an agency's code (`held`, `Y`, `relative_foster`) to its meaning, for the code
//! columns of every extract: about 30 million lookups a night at national scale, each in a
//! map of a few entries.
//!
//! A hash map hashes the value and then compares it byte by byte with the key it finds (a call
//! to `memcmp`). Here each key of up to 32 bytes is kept as its length and two words read from
//! its bytes (`ShortKey`), in a table of slots where no two keys share a slot (a multiplier is
//! tried until none do): a value is looked up by reading the same two words from it, one
//! multiplication to its slot, and one comparison of three words. Longer keys, and maps whose
//! short keys find no such multiplier, are found through the hash map, which always holds
//! every key.

use super::FastHashMap;

/// The slots are at least this many times the short keys (few tries find a multiplier).
const SLOTS_PER_KEY: usize = 16;
/// Maps with more keys are found through the hash map (an agency lists a few aliases a code).
const MOST_KEYS_IN_SLOTS: usize = 64;
/// How many multipliers are tried before the map falls back to hashing.
const MULTIPLIERS_TRIED: u64 = 10_000;

/// The longest key found without hashing (`supervised_independent_living` is 29).
const LONGEST_SHORT_KEY: usize = 32;

/// A text of up to `LONGEST_SHORT_KEY` bytes as its length and two (possibly overlapping)
/// windows of its bytes, which together cover every byte: two texts of the same length have
/// the same windows only when they are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortKey {
    length: usize,
    first: u128,
    last: u128,
}

impl ShortKey {
    #[inline]
    fn of(text: &[u8]) -> Option<Self> {
        let length = text.len();
        let (first, last) = match length {
            0 => (0, 0),
            1..=3 => (
                u128::from(text[0]) | u128::from(text[length / 2]) << 8 | u128::from(text[length - 1]) << 16,
                0,
            ),
            4..=7 => (u128::from(u32_at(text, 0)), u128::from(u32_at(text, length - 4))),
            8..=15 => (u128::from(u64_at(text, 0)), u128::from(u64_at(text, length - 8))),
            16..=LONGEST_SHORT_KEY => (u128_at(text, 0), u128_at(text, length - 16)),
            _ => return None,
        };
        Some(Self { length, first, last })
    }

    /// The slot of this key in a table of `1 << bits` slots, with `multiplier`.
    #[inline]
    fn slot(&self, multiplier: u64, bits: u32) -> usize {
        let fold = |word: u128| word as u64 ^ (word >> 64) as u64;
        let first = (fold(self.first) ^ (self.length as u64).rotate_right(8)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mixed = first.rotate_left(31) ^ fold(self.last);
        (mixed.wrapping_mul(multiplier) >> (64 - bits)) as usize
    }
}

/// The short keys, each in a slot of its own: `slots[key.slot(multiplier, bits)]`.
#[derive(Debug, Clone)]
struct SlotTable<Code> {
    multiplier: u64,
    bits: u32,
    slots: Vec<Option<(ShortKey, Code)>>,
}

impl<Code: Copy> SlotTable<Code> {
    /// A table for `keys`, when some multiplier puts each in a slot of its own.
    fn new(keys: &[(ShortKey, Code)]) -> Option<Self> {
        let bits = (keys.len() * SLOTS_PER_KEY).next_power_of_two().trailing_zeros().max(1);
        // Odd multipliers from a fixed sequence, so the table is the same on every run.
        let mut multiplier = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..MULTIPLIERS_TRIED {
            let mut slots = vec![None; 1 << bits];
            let fits = keys.iter().all(|&(key, code)| {
                let slot = &mut slots[key.slot(multiplier, bits)];
                slot.is_none() && slot.replace((key, code)).is_none()
            });
            if fits {
                return Some(Self {
                    multiplier,
                    bits,
                    slots,
                });
            }
            multiplier = multiplier
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407)
                | 1;
        }
        None
    }

    #[inline]
    fn get(&self, wanted: ShortKey) -> Option<&Code> {
        match &self.slots[wanted.slot(self.multiplier, self.bits)] {
            Some((key, code)) if *key == wanted => Some(code),
            _ => None,
        }
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn u128_at(bytes: &[u8], at: usize) -> u128 {
    let mut word = [0; 16];
    word.copy_from_slice(&bytes[at..at + 16]);
    u128::from_le_bytes(word)
}

/// Code text → meaning; see the module's documentation.
#[derive(Debug, Clone)]
pub struct CodeMap<Code> {
    /// Every key.
    all: FastHashMap<String, Code>,
    /// Every key in slots, when every key is at most `LONGEST_SHORT_KEY` bytes long, there are
    /// at most `MOST_KEYS_IN_SLOTS`, and a multiplier was found; else the hash map answers.
    table: Option<SlotTable<Code>>,
}

impl<Code> Default for CodeMap<Code> {
    fn default() -> Self {
        Self {
            all: FastHashMap::default(),
            table: None,
        }
    }
}

impl<Code: Copy> CodeMap<Code> {
    /// The meaning of `text`, if it is a key.
    #[inline]
    pub fn get(&self, text: &str) -> Option<&Code> {
        match &self.table {
            // Every key is short: a longer text is none of them.
            Some(table) => table.get(ShortKey::of(text.as_bytes())?),
            None => self.hashed(text),
        }
    }

    /// `get` through the hash map (kept out of line, so that `get` stays small).
    #[inline(never)]
    fn hashed(&self, text: &str) -> Option<&Code> {
        self.all.get(text)
    }

    /// Adds or replaces `key`; returns the meaning it had. (The slots are made again each
    /// time: configuration makes these maps, of a few keys each, once a run.)
    pub fn insert(&mut self, key: String, code: Code) -> Option<Code> {
        let before = self.all.insert(key, code);
        let short: Option<Vec<(ShortKey, Code)>> = (self.all.len() <= MOST_KEYS_IN_SLOTS)
            .then(|| {
                (self.all.iter())
                    .map(|(key, &code)| Some((ShortKey::of(key.as_bytes())?, code)))
                    .collect()
            })
            .flatten();
        self.table = short.and_then(|short| SlotTable::new(&short));
        before
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

impl<Code: Copy> FromIterator<(String, Code)> for CodeMap<Code> {
    fn from_iter<Pairs: IntoIterator<Item = (String, Code)>>(pairs: Pairs) -> Self {
        let mut map = Self::default();
        for (key, code) in pairs {
            map.insert(key, code);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text of up to 36 bytes that stresses the windows (texts that differ in one byte
    /// only, at every place), looked up in maps of one to 700 keys, with and without a key
    /// longer than `LONGEST_SHORT_KEY`: the same answers as a plain hash map.
    #[test]
    fn finds_exactly_what_a_hash_map_finds() {
        let base = "abcdefghijklmnopqrstuvwxyz0123456789";
        let mut texts: Vec<String> = (0..=base.len()).map(|length| base[..length].to_string()).collect();
        for length in 1..=base.len() {
            for at in 0..length {
                let mut changed = base.as_bytes()[..length].to_vec();
                changed[at] = b'Z';
                texts.push(String::from_utf8(changed).unwrap());
            }
        }
        let every_short: Vec<String> = texts
            .iter()
            .filter(|text| text.len() <= LONGEST_SHORT_KEY)
            .cloned()
            .collect();
        let mut choices: Vec<Vec<String>> = [1, 3, 20, 24, 25, MOST_KEYS_IN_SLOTS, texts.len()]
            .into_iter()
            .map(|keys| texts.iter().step_by(texts.len() / keys).take(keys).cloned().collect())
            .collect();
        choices.push(every_short.iter().take(MOST_KEYS_IN_SLOTS).cloned().collect());
        choices.push(every_short);
        let mut large_tables = 0;
        for chosen in choices {
            let keys = chosen.len();
            let chosen: Vec<(String, usize)> = chosen.into_iter().zip(0..).collect();
            let all_short = chosen.iter().all(|(key, _)| key.len() <= LONGEST_SHORT_KEY);
            let map: CodeMap<usize> = chosen.iter().cloned().collect();
            let expected: FastHashMap<String, usize> = chosen.into_iter().collect();
            assert_eq!(map.len(), expected.len());
            // The slots answer whenever every key is short and there are not too many.
            assert_eq!(
                map.table.is_some(),
                all_short && keys <= MOST_KEYS_IN_SLOTS,
                "{keys} keys"
            );
            large_tables += usize::from(map.table.is_some() && keys == MOST_KEYS_IN_SLOTS);
            for text in &texts {
                assert_eq!(map.get(text), expected.get(text.as_str()), "{text:?} with {keys} keys");
            }
        }
        assert!(
            large_tables >= 1,
            "a map of {MOST_KEYS_IN_SLOTS} short keys is found in slots"
        );
    }

    #[test]
    fn the_shipped_codes_are_found_in_slots() {
        let yes_no = ["y", "yes", "true", "1", "n", "no", "false", "0"];
        let map: CodeMap<bool> = yes_no.iter().map(|key| (key.to_string(), key.len() > 2)).collect();
        assert!(map.table.is_some());
        assert_eq!(map.get("yes"), Some(&true));
        assert_eq!(map.get("N"), None);
        let settings: CodeMap<crate::model::PlacementSetting> = crate::model::PlacementSetting::ALL
            .iter()
            .map(|&setting| (setting.canonical_code().to_string(), setting))
            .collect();
        assert!(settings.table.is_some());
        for setting in crate::model::PlacementSetting::ALL {
            assert_eq!(settings.get(setting.canonical_code()), Some(&setting));
        }
    }

    #[test]
    fn a_key_inserted_again_takes_its_new_meaning() {
        let mut map: CodeMap<bool> = [("y".to_string(), true), ("n".to_string(), false)]
            .into_iter()
            .collect();
        assert_eq!(map.insert("y".into(), false), Some(true));
        assert_eq!(map.get("y"), Some(&false));
        assert_eq!(map.get("n"), Some(&false));
        assert_eq!(map.get(""), None);
        assert_eq!(map.get("yes"), None);
    }
}
