//! Reusable per-thread buffers, so hot paths do not allocate per call: the dense accumulator
//! and the scratch of one recommendation request, its re-ranking included (cleared by a drop guard).

use std::cell::RefCell;

use crate::scoring::rerank::RerankScratch;

/// A dense accumulator over `0..n` that remembers which slots it touched, so clearing costs
/// O(touched) instead of O(n).
#[derive(Debug, Default, Clone)]
pub(crate) struct DenseAcc {
    pub val: Vec<f64>,
    pub cnt: Vec<u32>,
    pub touched: Vec<u32>,
}

impl DenseAcc {
    /// Makes room for indices `0..n`.
    pub fn fit(&mut self, n: usize) {
        if self.val.len() < n {
            self.val.resize(n, 0.0);
            self.cnt.resize(n, 0);
        }
    }

    #[inline]
    pub fn add(&mut self, i: u32, v: f64) {
        let s = i as usize;
        if self.cnt[s] == 0 {
            self.touched.push(i);
        }
        self.cnt[s] += 1;
        self.val[s] += v;
    }

    /// Resets every touched slot.
    pub fn clear(&mut self) {
        for &i in &self.touched {
            self.val[i as usize] = 0.0;
            self.cnt[i as usize] = 0;
        }
        self.touched.clear();
    }
}

/// Per-thread buffers of one request. Per-item scores are indexed by timeline position and
/// cover the upcoming events only; between requests `cf`, `cf_hit` and `blocked` are all zero.
#[derive(Default)]
pub(crate) struct Scratch {
    pub cf: Vec<f64>,
    /// Item-based scores (the item lists' component; zero where it has no evidence).
    pub ib: Vec<f64>,
    /// Positions in `cf_list`.
    pub cf_hit: Vec<bool>,
    /// Positions with collaborative or item-based evidence.
    pub cf_list: Vec<u32>,
    pub content: Vec<f64>,
    /// Positions of excluded items.
    pub blocked: Vec<bool>,
    /// The positions set in `blocked`.
    pub blocked_list: Vec<u32>,
    pub features: DenseAcc,
    /// Per item: co-engagement dot products and overlaps (similar events).
    pub items: DenseAcc,
    /// The re-ranking's buffers.
    pub rerank: RerankScratch,
    /// The linear item model's scores by model position, and the user's scaled modelled
    /// history (overwritten by every call that reads them).
    pub linear: (Vec<f32>, Vec<(usize, f64)>),
}

impl Scratch {
    pub fn fit(&mut self, n: usize) {
        if self.cf.len() < n {
            self.cf.resize(n, 0.0);
            self.ib.resize(n, 0.0);
            self.cf_hit.resize(n, false);
            self.content.resize(n, 0.0);
            self.blocked.resize(n, false);
        }
    }

    /// The largest collaborative and item-based scores among the positions with evidence.
    pub fn evidence_max(&self) -> [f64; 2] {
        self.cf_list.iter().fold([0.0, 0.0], |[cf, ib], &p| {
            [cf.max(self.cf[p as usize]), ib.max(self.ib[p as usize])]
        })
    }

    /// Marks position `p` as having personal evidence (once).
    #[inline]
    pub fn hit(&mut self, p: usize) {
        if !self.cf_hit[p] {
            self.cf_hit[p] = true;
            self.cf_list.push(p as u32);
        }
    }

    pub fn block(&mut self, p: u32) {
        self.blocked[p as usize] = true;
        self.blocked_list.push(p);
    }

    /// Zeroes every slot a request touched (O(touched)).
    fn clear(&mut self) {
        for &p in &self.cf_list {
            self.cf[p as usize] = 0.0;
            self.ib[p as usize] = 0.0;
            self.cf_hit[p as usize] = false;
        }
        self.cf_list.clear();
        for &p in &self.blocked_list {
            self.blocked[p as usize] = false;
        }
        self.blocked_list.clear();
        self.features.clear();
        self.items.clear();
        self.rerank.clear();
    }

    /// True when every slot is zero, as between requests.
    #[cfg(test)]
    fn is_clean(&self) -> bool {
        self.cf.iter().all(|&x| x == 0.0)
            && self.ib.iter().all(|&x| x == 0.0)
            && self.cf_hit.iter().all(|&x| !x)
            && self.blocked.iter().all(|&x| !x)
            && self.cf_list.is_empty()
            && self.blocked_list.is_empty()
            && self.features.touched.is_empty()
            && self.items.touched.is_empty()
            && self.rerank.is_clean()
    }
}

/// Borrows the scratch for one request and clears it when dropped — at the end of the request
/// or while unwinding from a panic part-way through it — so no request ever starts from a
/// previous one's leftovers.
pub(crate) struct Cleared<'a>(pub &'a mut Scratch);

impl Drop for Cleared<'_> {
    fn drop(&mut self) {
        self.0.clear();
    }
}

/// Test-only fault injection: a request that panics part-way, its scratch half filled.
#[cfg(test)]
pub(crate) mod hooks {
    use std::cell::Cell;

    thread_local! {
        static PANIC_IN_RANK: Cell<bool> = const { Cell::new(false) };
    }

    /// Makes the next request on this thread panic once its scratch is filled.
    pub(crate) fn panic_in_next_rank() {
        PANIC_IN_RANK.with(|p| p.set(true));
    }

    pub(crate) fn maybe_panic() {
        if PANIC_IN_RANK.with(|p| p.replace(false)) {
            panic!("injected panic part-way through a request");
        }
    }
}

/// True when this thread's scratch is all zero (as it must be between requests).
#[cfg(test)]
pub(crate) fn scratch_is_clean() -> bool {
    SCRATCH.with(|s| s.borrow().is_clean())
}

thread_local! {
    pub(crate) static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}
