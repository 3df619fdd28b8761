//! Parallel sharding of a heavy user's update: the other users are split into ranges, each
//! handled on its own thread with its own accumulator.

use super::accumulator::PairAcc;
use super::formula::{cosine, SimParams};
use super::repair::fix_list;
use super::top_k::TopK;
use super::Entry;
use super::Side;

/// A heavy update's users are split into ranges handled in parallel, one per rayon thread
/// (serial below this many additions into the accumulator).
const PARALLEL_ADDS: usize = 32_768;

#[cfg(test)]
thread_local! {
    /// Splits every update into this many user ranges (0: as in production).
    pub(super) static FORCE_RANGES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// At most this many user ranges (each range searches every column of the user for its start,
/// and each but the first costs a thread spawn).
const MAX_RANGES: usize = 4;

/// How many listing users ahead an update prefetches the list it will edit: the entries
/// `LOAD_AHEAD` users ahead, the list's header (length and pointer) twice as far.
const LOAD_AHEAD: usize = 4;

/// Asks the CPU to start loading the cache line at `p` (a hint: no effect on results, and no
/// fault whatever the address). The lists an update edits are scattered over memory; loading
/// them ahead overlaps their cache misses instead of paying for them one after another.
#[inline(always)]
#[allow(unsafe_code)] // the one `unsafe` of the crate: see the SAFETY note below
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` only hints the cache; it never faults and reads nothing the program
    // sees, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// How many user ranges an update of `u` splits the other users into: one unless `u`'s
/// columns make a heavy update and there are threads to share it.
pub(super) fn ranges(m: Side<'_>, capped: &[bool], u: u32) -> usize {
    let adds: usize = m.rows[u as usize]
        .idx
        .iter()
        .filter(|&&i| !capped[i as usize])
        .map(|&i| m.cols[i as usize].len())
        .sum();
    let threads = rayon::current_num_threads();
    let ranges = if adds >= PARALLEL_ADDS && threads > 1 {
        threads.min(MAX_RANGES)
    } else {
        1
    };
    #[cfg(test)]
    let ranges = match FORCE_RANGES.with(std::cell::Cell::get) {
        0 => ranges,
        forced => forced,
    };
    ranges
}

/// What every range of an update reads: the matrix, the capped items, the parameters and the
/// updated user.
pub(super) type Update<'a> = (Side<'a>, &'a [bool], &'a SimParams, u32);

/// Runs one shard per user range of `lists.len()` users (equal shares, in order), each on its
/// own thread, with the lists, bounds and part of `listed` (sorted) of its range.
pub(super) fn run_shards(
    shards: &mut [Shard],
    (m, capped, p, u): Update<'_>,
    lists: &mut [Vec<Entry>],
    bound: &mut [f32],
    listed: &[u32],
) {
    let (n, ranges) = (lists.len(), shards.len());
    // Users [lo, hi) with their lists, bounds and the part of `listed` among them.
    let mut jobs = Vec::with_capacity(ranges);
    let (mut lists, mut bound, mut rest) = (lists, bound, listed);
    let mut lo = 0;
    for (r, shard) in shards.iter_mut().enumerate() {
        let hi = n * (r + 1) / ranges;
        let (l, lists_rest) = std::mem::take(&mut lists).split_at_mut(hi - lo);
        let (b, bound_rest) = std::mem::take(&mut bound).split_at_mut(hi - lo);
        let (here, after) = rest.split_at(rest.partition_point(|&w| (w as usize) < hi));
        jobs.push((lo as u32, hi as u32, l, b, here, shard));
        (lists, bound, rest, lo) = (lists_rest, bound_rest, after, hi);
    }
    let run = |(lo, hi, l, b, here, shard): (u32, u32, _, _, _, &mut Shard)| {
        shard.run(m, capped, p, u, lo, hi, l, b, here);
    };
    // Scoped threads rather than the rayon pool: the caller holds the engine's write lock,
    // and a rayon worker waiting for its share could pick up a queued task that wants the
    // same lock. The calling thread handles the first range itself.
    let mut jobs = jobs.into_iter();
    let first = jobs.next();
    std::thread::scope(|scope| {
        for job in jobs {
            scope.spawn(move || run(job));
        }
        if let Some(job) = first {
            run(job);
        }
    });
}

/// Starts loading the lists the pass will edit soon (their cache misses then overlap): the
/// header of the list `2 · LOAD_AHEAD` listing users ahead, the entries of the one `LOAD_AHEAD`
/// ahead.
#[inline(always)]
fn load_ahead(lists: &[Vec<Entry>], listed: &[u32], next: usize, lo: u32) {
    if let Some(&w) = listed.get(next + 2 * LOAD_AHEAD) {
        prefetch(&lists[(w - lo) as usize]);
    }
    if let Some(&w) = listed.get(next + LOAD_AHEAD) {
        // The whole list: `u`'s entry may be anywhere in it.
        for line in lists[(w - lo) as usize].chunks(8) {
            prefetch(line.as_ptr());
        }
    }
}

/// One user range's share of an update: its accumulator and what it found.
#[derive(Debug, Clone, Default)]
pub(super) struct Shard {
    acc: PairAcc,
    /// Users visited.
    pub(super) touched: usize,
    /// Users listing `u` after the update, in order.
    pub(super) now: Vec<u32>,
    /// (evicted user, v): v's list pushed the evicted user out, so `rev[evicted]` loses v.
    pub(super) evicted: Vec<(u32, u32)>,
    /// Users whose list must be recomputed from scratch.
    pub(super) recompute: Vec<u32>,
    /// The best candidates for `u`'s own list in this range.
    pub(super) top: Vec<Entry>,
}

impl Shard {
    /// Accumulates, then visits in order every user of `lo..hi` sharing an item with `u` or
    /// listing it (`listed`, sorted): fixes `u`'s entry in its list (`lists[v - lo]`,
    /// `bound[v - lo]`) and offers the similarity to `u`'s top.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &mut self,
        m: Side<'_>,
        capped: &[bool],
        p: &SimParams,
        u: u32,
        lo: u32,
        hi: u32,
        lists: &mut [Vec<Entry>],
        bound: &mut [f32],
        listed: &[u32],
    ) {
        self.touched = 0;
        self.now.clear();
        self.evicted.clear();
        self.recompute.clear();
        let nu = m.norms[u as usize];
        let mut top = TopK::new(p.keep);
        let mut next = 0; // listed[..next] are done
        let mut acc = std::mem::take(&mut self.acc);
        let mut visit = |v: u32, s: f32, is_listed: bool, next: usize| {
            self.touched += 1;
            let at = (v - lo) as usize;
            // Fast path, most users: not listed and nothing to list (not qualifying, or below
            // v's bound).
            if !is_listed && (s <= 0.0 || s < bound[at]) {
                return;
            }
            if is_listed {
                load_ahead(lists, listed, next, lo);
            }
            let mut evicted = None;
            match fix_list(
                &mut lists[at],
                &mut bound[at],
                u,
                s,
                is_listed,
                p.k,
                p.keep,
                &mut evicted,
            ) {
                Some(after) => {
                    if let Some(out) = evicted {
                        self.evicted.push((out, v));
                    }
                    if after {
                        self.now.push(v);
                    }
                }
                None => self.recompute.push(v),
            }
        };
        acc.scan(m, capped, p.min_overlap, u, lo, hi, |v, dot, cnt| {
            // Users that list u but share fewer than `min_overlap` items with it now
            // (similarity 0; they were not drained).
            while let Some(&w) = listed.get(next).filter(|&&w| w < v) {
                next += 1;
                visit(w, 0.0, true, next);
            }
            let is_listed = listed.get(next) == Some(&v);
            next += usize::from(is_listed);
            let s = cosine(dot, nu, m.norms[v as usize], cnt, p);
            if s > 0.0 {
                top.push((v, s));
            }
            visit(v, s, is_listed, next);
        });
        while let Some(&w) = listed.get(next) {
            next += 1;
            visit(w, 0.0, true, next);
        }
        self.acc = acc;
        self.top.clear();
        self.top.extend(top.entries());
    }
}
