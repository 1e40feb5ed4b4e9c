//! The generator's random numbers.

/// SplitMix64: tiny, fast, and stable forever (the sample data must not change when a crate
/// updates its algorithm). Tests use it too, for repeatable pseudo-random inputs.
pub(crate) struct Random(u64);

impl Random {
    /// The sequence of `seed` alone (for tests).
    #[cfg(test)]
    pub(crate) fn from_seed(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn for_child(seed: u64, child: u64) -> Self {
        let mut random = Self(seed ^ child.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        random.next();
        random
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// Uniform in [low, high].
    pub(super) fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % ((high - low + 1) as u64)) as i64
    }

    pub(super) fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(&weight).sum();
        let mut pick = (self.next() % u64::from(total)) as u32;
        for item in items {
            let item_weight = weight(item);
            if pick < item_weight {
                return item;
            }
            pick -= item_weight;
        }
        &items[items.len() - 1]
    }

    /// Log-normal around `median` (spread ~×2 either way), at least 1.
    pub(super) fn length_of_stay(&mut self, median: f64) -> i64 {
        let normal = (-2.0 * (1.0 - self.unit()).ln()).sqrt() * (std::f64::consts::TAU * self.unit()).cos();
        ((median * (normal * 0.6).exp()).round() as i64).max(1)
    }
}
