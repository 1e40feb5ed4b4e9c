//! Low-level performance helpers, kept apart so that a reader changing a measure, a report or
//! an extract never has to read them. Each is a plain function of its inputs with no effect on
//! any result: a faster hash map for per-row lookups, a map for the few codes of a code
//! column, a prefetch hint, a linear sort by day, a two-thread work queue, short texts carried
//! by value, and the allocator told to keep the memory it frees.

pub mod allocator;
pub mod code_map;
pub mod counting_sort;
pub mod inline_text;
pub mod prefetch;
pub mod work_queue;

/// A hash map with a fast, non-cryptographic hasher, for the per-row lookups of ingest (ids,
/// codes) where std's SipHash was the largest cost. Keys come from the extracts, but nothing
/// depends on iteration order and the inputs are trusted agency files, not network requests.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
