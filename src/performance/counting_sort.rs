//! A linear sort of items by day, for lists of a million episodes by date.

use chrono::NaiveDate;

/// `(date, item)` pairs, given in ascending position, sorted by date then position (a stable
/// sort): a counting sort by day (dates lie within the configured plausible range, so the days
/// are a few tens of thousands at most), linear where a comparison sort of a million pairs is
/// not. Dates spread wider than that fall back to a comparison sort.
pub fn sorted_by_date<T: Copy>(pairs: impl Iterator<Item = (NaiveDate, T)>) -> Vec<(NaiveDate, T)> {
    // Room for every item the iterator may give (a filter's upper bound), so the vector of
    // up to a million pairs is allocated once instead of grown by doubling.
    let mut collected = Vec::with_capacity(pairs.size_hint().1.unwrap_or(0));
    collected.extend(pairs);
    let pairs = collected;
    let (Some(first), Some(last)) = (
        pairs.iter().map(|&(date, _)| date).min(),
        pairs.iter().map(|&(date, _)| date).max(),
    ) else {
        return pairs;
    };
    let day_of = |date: NaiveDate| (date - first).num_days() as usize;
    if day_of(last) > 4 * pairs.len() + 100_000 {
        // Dates spread far wider than a plausible range: a comparison sort costs less memory.
        let mut pairs = pairs;
        pairs.sort_by_key(|&(date, _)| date);
        return pairs;
    }
    let mut starts = vec![0usize; day_of(last) + 2];
    for &(date, _) in &pairs {
        starts[day_of(date) + 1] += 1;
    }
    for day in 1..starts.len() {
        starts[day] += starts[day - 1];
    }
    let mut sorted = vec![pairs[0]; pairs.len()];
    // Positions arrive ascending, so each day's bucket fills in ascending position.
    for (date, item) in pairs {
        let slot = &mut starts[day_of(date)];
        sorted[*slot] = (date, item);
        *slot += 1;
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::sorted_by_date;
    use chrono::NaiveDate;

    #[test]
    fn counting_sort_by_date_equals_a_comparison_sort() {
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let dates = [
            "2024-02-29",
            "2023-01-01",
            "2024-02-29",
            "2026-10-31",
            "1900-01-01",
            "2023-01-01",
            "2100-12-31",
            "2024-03-01",
        ];
        let pairs: Vec<(NaiveDate, usize)> = dates
            .iter()
            .enumerate()
            .map(|(position, text)| (date(text), position))
            .collect();
        let mut expected = pairs.clone();
        expected.sort_unstable();
        assert_eq!(sorted_by_date(pairs.into_iter()), expected);
        assert_eq!(sorted_by_date(std::iter::empty::<(NaiveDate, usize)>()), Vec::new());
        // A spread far wider than the pairs: the comparison-sort fallback, same order.
        let wide = vec![
            (NaiveDate::MAX, 0),
            (NaiveDate::MIN, 1),
            (date("2024-01-01"), 2),
            (NaiveDate::MIN, 3),
        ];
        let mut expected = wide.clone();
        expected.sort_unstable();
        assert_eq!(sorted_by_date(wide.into_iter()), expected);
    }
}
