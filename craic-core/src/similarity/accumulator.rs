//! The blocked accumulator: one user's dot products and overlaps with every other user, a block
//! of users at a time.

use super::Side;

/// Users a scan accumulates at a time. A block's slots (192 KiB) stay in the core's second-level
/// cache while every column of the scanned user adds its share to them, and are cleared by
/// walking the same column ranges again, so an addition needs no test of whether its slot is
/// fresh (an unpredictable branch on most additions).
const BLOCK: u32 = 16_384;

#[cfg(test)]
thread_local! {
    /// Scans blocks of this many users (0: [`BLOCK`]), so small test worlds span many blocks.
    pub(super) static FORCE_BLOCK: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The users a scan takes at a time.
#[inline]
fn block() -> u32 {
    #[cfg(test)]
    if let forced @ 1.. = FORCE_BLOCK.with(std::cell::Cell::get) {
        return forced.min(BLOCK);
    }
    BLOCK
}

/// Where a scan is in one column of the scanned user: the item, where the current block's
/// entries start, the next position, and the scanned user's value for the item.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    item: u32,
    from: u32,
    pos: u32,
    x: f64,
}

/// Accumulator of dot products and overlaps of one user with every other, a block of users at
/// a time, with a two-level bitmap of the slots whose overlap reached the minimum: draining
/// visits only those, in increasing index order (so the arrays indexed by user are walked
/// forwards). Users sharing fewer items than the minimum overlap (most co-occurring users
/// share a single item) are never visited.
#[derive(Debug, Clone, Default)]
pub(crate) struct PairAcc {
    /// Per user of the block: the running dot product and overlap (zero between blocks).
    dot: Vec<f64>,
    cnt: Vec<u32>,
    /// Bit `v` set when slot `v` qualified.
    bits: Vec<u64>,
    /// Bit `w` set when word `w` of `bits` may be non-zero.
    words: [u64; (BLOCK / 4096) as usize],
    cursors: Vec<Cursor>,
}

impl PairAcc {
    /// Adds `x` to slot `v`'s dot product and one to its overlap, marking it when the overlap
    /// reaches `need` (without a branch: which users reach it now is unpredictable).
    #[inline(always)]
    fn add(&mut self, v: u32, x: f64, need: u32) {
        let v = v as usize;
        self.dot[v] += x;
        self.cnt[v] += 1;
        let hit = u64::from(self.cnt[v] == need);
        self.bits[v >> 6] |= hit << (v & 63);
        self.words[v >> 12] |= hit << ((v >> 6) & 63);
    }

    /// Calls `f(base + v, dot, overlap)` for every qualifying slot `v` in increasing order (the
    /// bitmap is empty afterwards).
    fn drain(&mut self, base: u32, f: &mut impl FnMut(u32, f64, u32)) {
        for wi in 0..self.words.len() {
            let mut word = std::mem::take(&mut self.words[wi]);
            while word != 0 {
                let bi = wi * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let mut bits = std::mem::take(&mut self.bits[bi]);
                while bits != 0 {
                    let v = bi * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    f(base + v as u32, self.dot[v], self.cnt[v]);
                }
            }
        }
    }

    /// Dot products and overlaps of `u` with every user of `lo..hi` sharing a non-capped item:
    /// calls `f(v, dot, overlap)` in increasing `v` for those sharing at least `min_overlap`
    /// items. Each dot product is summed in item order, as from any other side.
    ///
    /// Goes a block of users at a time, each of `u`'s columns resuming where the last block
    /// left it, and skips blocks no column reaches.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn scan(
        &mut self,
        m: Side<'_>,
        capped: &[bool],
        min_overlap: u32,
        u: u32,
        lo: u32,
        hi: u32,
        mut f: impl FnMut(u32, f64, u32),
    ) {
        let hi = hi.min(m.rows.len() as u32);
        let need = min_overlap.max(1);
        let block = block();
        let mut cursors = std::mem::take(&mut self.cursors);
        cursors.clear();
        let mut start = u32::MAX; // the first user any column reaches
        for (item, x) in m.rows[u as usize].iter() {
            if capped[item as usize] {
                continue;
            }
            let col = &m.cols[item as usize].idx;
            let pos = if lo == 0 {
                0
            } else {
                col.partition_point(|&v| v < lo)
            };
            if let Some(&v) = col.get(pos).filter(|&&v| v < hi) {
                start = start.min(v);
                cursors.push(Cursor {
                    item,
                    from: pos as u32,
                    pos: pos as u32,
                    x,
                });
            }
        }
        if self.dot.is_empty() {
            self.dot = vec![0.0; BLOCK as usize];
            self.cnt = vec![0; BLOCK as usize];
            self.bits = vec![0; (BLOCK / 64) as usize];
        }
        while start < hi {
            let end = start.saturating_add(block).min(hi);
            let mut next = u32::MAX;
            for c in &mut cursors {
                let col = &m.cols[c.item as usize];
                let (idx, val) = (&col.idx[c.pos as usize..], &col.val[c.pos as usize..]);
                let mut taken = 0;
                for (&v, &y) in idx.iter().zip(val) {
                    if v >= end {
                        next = next.min(v);
                        break;
                    }
                    taken += 1;
                    if v != u {
                        self.add(v - start, c.x * y, need);
                    }
                }
                c.from = c.pos;
                c.pos += taken;
            }
            self.drain(start, &mut f);
            // Clear what the block touched (the same entries, still in cache).
            for c in &cursors {
                for &v in &m.cols[c.item as usize].idx[c.from as usize..c.pos as usize] {
                    let v = (v - start) as usize;
                    self.dot[v] = 0.0;
                    self.cnt[v] = 0;
                }
            }
            start = next;
        }
        self.cursors = cursors;
    }
}
