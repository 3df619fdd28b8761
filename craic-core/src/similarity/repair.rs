//! List repair: fixing one user's entry in another's neighbour list in place, when that can be
//! done exactly, instead of recomputing the list.

use std::cmp::Ordering;

use super::Entry;

/// Best first: higher similarity, then lower index.
fn order(a: &Entry, b: &Entry) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Position of `u`'s entry in `list`. Compares a chunk at a time without early exit, which
/// vectorises.
fn find(list: &[Entry], u: u32) -> Option<usize> {
    let mut base = 0;
    for c in list.chunks(8) {
        if c.iter().fold(false, |hit, e| hit | (e.0 == u)) {
            return c.iter().position(|e| e.0 == u).map(|p| base + p);
        }
        base += c.len();
    }
    None
}

/// Sets sim(v, u) = s in v's `list` (with its `bound`) if that can be done exactly: `Some(whether
/// u is in the list afterwards)`, or `None` if the list must be recomputed from scratch. `listed`
/// tells whether `u` is in the list now. An entry pushed out of a full list is put in `evicted`
/// (its reverse-index link to v is the caller's to remove).
///
/// Invariants: a list is the exact top of v's candidates (by similarity, then index), at most
/// `keep` long; `bound` is ≥ every qualifying similarity left out and ≤ the list's smallest one;
/// a list shorter than `k` with a positive bound is never left behind.
#[allow(clippy::too_many_arguments)]
pub(super) fn fix_list(
    list: &mut Vec<Entry>,
    bound: &mut f32,
    u: u32,
    s: f32,
    listed: bool,
    k: usize,
    keep: usize,
    evicted: &mut Option<u32>,
) -> Option<bool> {
    let qualifies = s > 0.0;
    if !listed && (s < *bound || !qualifies) {
        // Left out, and already covered by the bound (or not a candidate): nothing to touch.
        return Some(false);
    }
    let new = (u, s);
    if listed {
        // Index out of step: recompute to be safe.
        let pos = find(list, u)?;
        return if qualifies && s > *bound {
            // Still ahead of everything left out: move it to its new place.
            if pos > 0 && order(&new, &list[pos - 1]) == Ordering::Less {
                let at = list[..pos].partition_point(|e| order(e, &new) == Ordering::Less);
                list[at..=pos].rotate_right(1);
                list[at] = new;
            } else {
                let ahead = list[pos + 1..].partition_point(|e| order(e, &new) == Ordering::Less);
                list[pos..=pos + ahead].rotate_left(1);
                list[pos + ahead] = new;
            }
            Some(true)
        } else if qualifies && s == *bound {
            None // a tie with something left out: only a recompute can order it
        } else {
            // Below every other listed entry: it drops out (and is covered by the bound).
            list.remove(pos);
            (!(list.len() < k && *bound > 0.0)).then_some(false)
        };
    }
    let place = |list: &mut Vec<Entry>| {
        let at = list.partition_point(|e| order(e, &new) == Ordering::Less);
        list.insert(at, new);
    };
    if list.len() < keep {
        if s > *bound {
            place(list);
            return Some(true);
        } else if s == *bound
            && list
                .last()
                .is_some_and(|last| order(&new, last) == Ordering::Less)
        {
            return None; // ties with something left out and belongs in the list
        }
    } else if list
        .last()
        .is_some_and(|last| order(&new, last) == Ordering::Less)
    {
        place(list);
        if let Some(out) = list.pop() {
            *bound = bound.max(out.1);
            *evicted = Some(out.0);
        }
        return Some(true);
    } else {
        *bound = bound.max(s);
    }
    Some(false)
}
