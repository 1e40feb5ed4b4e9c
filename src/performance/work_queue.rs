//! The two-thread work queue: this thread and one helper take the next item from a shared
//! counter until none is left. With uneven items (one large report among small ones, backfill
//! dates whose measures run on threads of uneven length) a second worker keeps both cores busy.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work(item)` for every item, on two threads; the results in the items' order. A worker
/// stops at its first error and the other finishes; then an error is returned (this thread's
/// if it had one, else the helper's).
pub fn map_on_two_threads<Item: Sync, Output: Send, Error: Send>(
    items: &[Item],
    work: impl Fn(&Item) -> Result<Output, Error> + Sync,
) -> Result<Vec<Output>, Error> {
    let next_item = AtomicUsize::new(0);
    let worker = || -> Result<Vec<(usize, Output)>, Error> {
        let mut done = Vec::new();
        loop {
            let number = next_item.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(number) else {
                return Ok(done);
            };
            done.push((number, work(item)?));
        }
    };
    let (first, second) = std::thread::scope(|scope| {
        let helper = scope.spawn(worker);
        let first = worker();
        (
            first,
            helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    });
    let mut finished: Vec<(usize, Output)> = first?.into_iter().chain(second?).collect();
    finished.sort_by_key(|(number, _)| *number);
    Ok(finished.into_iter().map(|(_, output)| output).collect())
}

#[cfg(test)]
mod tests {
    use super::map_on_two_threads;

    #[test]
    fn results_come_back_in_item_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..100).collect();
        let doubled: Result<Vec<u32>, ()> = map_on_two_threads(&items, |&item| Ok(item * 2));
        assert_eq!(doubled, Ok((0..100).map(|item| item * 2).collect()));
        let failed: Result<Vec<u32>, u32> =
            map_on_two_threads(&items, |&item| if item % 10 == 7 { Err(item) } else { Ok(item) });
        assert!(matches!(failed, Err(item) if item % 10 == 7));
        let none: Result<Vec<u32>, ()> = map_on_two_threads(&[] as &[u32], |&item| Ok(item));
        assert_eq!(none, Ok(Vec::new()));
    }
}
