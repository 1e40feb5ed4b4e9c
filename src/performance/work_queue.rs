//! Work on the two cores. The two-thread work queue: this thread and one helper take the next
//! item from a shared counter until none is left. With uneven items (one large report among
//! small ones, backfill dates whose measures run on threads of uneven length) a second worker
//! keeps both cores busy. For even work (a million episodes), two halves.

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

/// `work` on the first and on the second half of `0..length`, the second half on another
/// thread; the two results in that order.
pub fn on_two_halves<Output: Send>(
    length: usize,
    work: impl Fn(std::ops::Range<usize>) -> Output + Sync,
) -> (Output, Output) {
    let middle = length / 2;
    std::thread::scope(|scope| {
        let second = scope.spawn(|| work(middle..length));
        let first = work(0..middle);
        (
            first,
            second.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        )
    })
}

/// `map_on_two_threads` for work that cannot fail.
pub fn map_all_on_two_threads<Item: Sync, Output: Send>(
    items: &[Item],
    work: impl Fn(&Item) -> Output + Sync,
) -> Vec<Output> {
    let outputs: Result<Vec<Output>, std::convert::Infallible> = map_on_two_threads(items, |item| Ok(work(item)));
    let Ok(outputs) = outputs;
    outputs
}

/// `work` on every item, the second half of them on another thread.
pub fn for_each_on_two_threads<Item: Send>(items: &mut [Item], work: impl Fn(&mut Item) + Sync) {
    let (first, second) = items.split_at_mut(items.len() / 2);
    std::thread::scope(|scope| {
        scope.spawn(|| second.iter_mut().for_each(&work));
        first.iter_mut().for_each(&work);
    });
}

#[cfg(test)]
mod tests {
    use super::{for_each_on_two_threads, map_on_two_threads, on_two_halves};

    #[test]
    fn halves_cover_every_item_once() {
        for length in [0, 1, 2, 7, 1000] {
            let (first, second) = on_two_halves(length, |range| range.collect::<Vec<usize>>());
            assert_eq!([first, second].concat(), (0..length).collect::<Vec<usize>>());
            let mut items: Vec<usize> = (0..length).collect();
            for_each_on_two_threads(&mut items, |item| *item *= 2);
            assert_eq!(items, (0..length).map(|item| item * 2).collect::<Vec<usize>>());
        }
    }

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
