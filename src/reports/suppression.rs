//! Small-cell suppression for reports that go to a wide audience.
//!
//! A figure is masked when any count it shows or implies — the numerator, the denominator, or
//! the denominator minus the numerator — is between 1 and the threshold. Complementary
//! suppression then makes sure a masked figure cannot be recovered from a total: within a
//! group of figures that add up to a shown total, a single masked figure is joined by the
//! unmasked one with the smallest denominator; when there is none, the total is masked too.

use crate::engine::Counts;

/// A figure as a report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Shown(Counts),
    Suppressed,
}

impl Figure {
    pub fn rate(&self) -> Option<f64> {
        match self {
            Self::Shown(counts) => counts.rate(),
            Self::Suppressed => None,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self, Self::Suppressed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmallCellRule {
    /// Counts from 1 to `threshold` are masked.
    pub threshold: u64,
}

impl SmallCellRule {
    pub fn is_small(&self, counts: Counts) -> bool {
        let small = |count: u64| (1..=self.threshold).contains(&count);
        small(counts.numerator) || small(counts.denominator) || small(counts.denominator - counts.numerator)
    }

    /// Masks one figure on its own (no total to protect).
    pub fn single(&self, counts: Counts) -> Figure {
        if self.is_small(counts) {
            Figure::Suppressed
        } else {
            Figure::Shown(counts)
        }
    }

    /// Masks the `parts` that add up to `total`, with complementary suppression. Returns the
    /// parts' figures and the total's.
    pub fn partition(&self, parts: &[Counts], total: Counts) -> (Vec<Figure>, Figure) {
        let mut masked: Vec<bool> = parts.iter().map(|&counts| self.is_small(counts)).collect();
        let mut total_masked = self.is_small(total);
        if masked.iter().filter(|&&is_masked| is_masked).count() == 1 && !total_masked {
            let complement = parts
                .iter()
                .enumerate()
                .filter(|&(index, counts)| !masked[index] && counts.denominator > 0)
                .min_by_key(|&(index, counts)| (counts.denominator, index))
                .map(|(index, _)| index);
            match complement {
                Some(index) => masked[index] = true,
                None => total_masked = true,
            }
        }
        let figures = parts
            .iter()
            .zip(&masked)
            .map(|(&counts, &is_masked)| {
                if is_masked {
                    Figure::Suppressed
                } else {
                    Figure::Shown(counts)
                }
            })
            .collect();
        let total_figure = if total_masked {
            Figure::Suppressed
        } else {
            Figure::Shown(total)
        };
        (figures, total_figure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(numerator: u64, denominator: u64) -> Counts {
        Counts { numerator, denominator }
    }

    fn shown(figures: &[Figure]) -> Vec<bool> {
        figures.iter().map(|figure| !figure.is_suppressed()).collect()
    }

    #[test]
    fn counts_from_one_to_the_threshold_are_small_zero_is_not() {
        let rule = SmallCellRule { threshold: 10 };
        assert!(rule.is_small(counts(5, 40)), "numerator 5");
        assert!(rule.is_small(counts(35, 40)), "5 not on time");
        assert!(rule.is_small(counts(10, 10)));
        assert!(!rule.is_small(counts(0, 0)));
        assert!(!rule.is_small(counts(0, 11)));
        assert!(!rule.is_small(counts(11, 22)));
        assert!(rule.is_small(counts(11, 21)), "10 not on time");
    }

    #[test]
    fn a_single_masked_part_gets_a_complement_so_the_total_does_not_reveal_it() {
        let rule = SmallCellRule { threshold: 10 };
        let parts = [counts(30, 50), counts(3, 40), counts(25, 30), counts(40, 60)];
        let total = counts(98, 180);
        let (figures, total_figure) = rule.partition(&parts, total);
        // The small one, and the unmasked part with the smallest denominator (30).
        assert_eq!(shown(&figures), [true, false, false, true]);
        assert_eq!(total_figure, Figure::Shown(total));
    }

    #[test]
    fn two_masked_parts_need_no_complement_and_a_lone_part_masks_the_total() {
        let rule = SmallCellRule { threshold: 10 };
        let (figures, _) = rule.partition(&[counts(3, 40), counts(30, 50), counts(2, 40)], counts(35, 130));
        assert_eq!(shown(&figures), [false, true, false]);
        let (figures, total) = rule.partition(&[counts(3, 40), counts(0, 0)], counts(3, 40));
        assert_eq!(shown(&figures), [false, true]);
        assert_eq!(total, Figure::Suppressed);
    }
}
