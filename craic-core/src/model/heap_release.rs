//! Handing the heap's free memory back to the operating system between the phases of a learned
//! build, so the process's peak is one phase's, not the sum of what each left behind.
//!
//! A learned build first fits its blend on holdout models (each most of a model's size, built,
//! scored and dropped one at a time), then builds the served engine. glibc's allocator keeps
//! what is freed in the arena of the thread that allocated it (the build's threads may each
//! have their own: with `MALLOC_ARENA_MAX=1` the peak fell too) and returns little of it to
//! the kernel, so the next phase partly allocates fresh pages beside the freed ones. Trimming
//! before each holdout model is built and after the fit returns those pages: at `medium` the
//! Python worker's peak fell from 534 to 490 MB with the fit's other change (478 MB for a
//! fixed-blend build), for ≈ 2 % more build time (`docs/performance.md`, "Met with the
//! learned default").
//!
//! Only on Linux with glibc (elsewhere, or under another global allocator, it changes nothing
//! of craic's memory); a handful of calls per learned build (a retrain included), none on any
//! other path. A call took 7–24 ms at `medium`, holding each arena's lock in turn while it
//! hands that arena's pages back: a thread of the host allocating from that arena meanwhile
//! waits, once per call — small beside a build that keeps every core busy for seconds.

/// Returns the free pages of every glibc arena to the kernel (`malloc_trim(0)`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn release_free_memory() {
    #[allow(unsafe_code)]
    extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: `malloc_trim` takes no pointer and touches only free memory: it locks each arena
    // in turn and advises the kernel that free pages are not needed. It may be called from any
    // thread at any time, with other threads allocating.
    #[allow(unsafe_code)]
    unsafe {
        malloc_trim(0);
    }
}

/// No glibc: nothing to hand back.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn release_free_memory() {}

#[cfg(test)]
mod tests {
    #[test]
    fn releasing_free_memory_is_safe_to_call_while_other_threads_allocate() {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let mut kept = 0usize;
                    for n in 0..2_000 {
                        let v = vec![t as u8; 1 + n % 4096];
                        kept += v.len();
                    }
                    kept
                })
            })
            .collect();
        for _ in 0..20 {
            super::release_free_memory();
        }
        let total: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(total > 0);
    }
}
