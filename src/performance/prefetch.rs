//! Prefetch hints. Lists of candidates in date order are scattered across memory, and
//! without a hint each one's first read waits for memory in turn.

/// Asks for every cache line of `value` that its fields are likely to be read from: the
/// first two and the last (a value of up to three lines is fetched whole).
pub fn prefetch_value<Value>(value: &Value) {
    let first = std::ptr::from_ref(value).cast::<u8>();
    prefetch(first);
    prefetch(first.wrapping_add(64));
    prefetch(first.wrapping_add(size_of::<Value>().saturating_sub(1)));
}

/// Asks the processor to start loading the cache line of `address`: a hint, with no effect on
/// any result.
#[inline]
pub fn prefetch<Pointee>(address: *const Pointee) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, even on an invalid address, and reads nothing the
    // program sees.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
