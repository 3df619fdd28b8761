//! A sorted sparse vector with in-place updates, used for matrix rows and columns.

use serde::{Deserialize, Serialize};

/// Sparse vector: strictly increasing indices with their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f64>,
}

impl SparseVec {
    pub fn len(&self) -> usize {
        self.idx.len()
    }

    pub fn get(&self, i: u32) -> Option<f64> {
        self.idx.binary_search(&i).ok().map(|p| self.val[p])
    }

    /// Inserts or overwrites entry `i`.
    pub fn set(&mut self, i: u32, v: f64) {
        match self.idx.binary_search(&i) {
            Ok(p) => self.val[p] = v,
            Err(p) => {
                self.idx.insert(p, i);
                self.val.insert(p, v);
            }
        }
    }

    /// Removes entry `i`; returns whether it was there.
    pub fn remove(&mut self, i: u32) -> bool {
        match self.idx.binary_search(&i) {
            Ok(p) => {
                self.idx.remove(p);
                self.val.remove(p);
                true
            }
            Err(_) => false,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.idx.iter().copied().zip(self.val.iter().copied())
    }

    /// Euclidean norm, summed in index order (so equal vectors give bit-equal norms).
    pub fn norm(&self) -> f64 {
        self.val.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    /// Sum of values in index order.
    /// The sum of the values; `+0.0` when empty. (`Iterator::sum` of no `f64` is `-0.0`, which
    /// orders below `+0.0` in the popularity ranking: an item whose last interaction was
    /// retracted would then rank differently from the same item in a rebuilt engine.)
    pub fn sum(&self) -> f64 {
        self.val.iter().fold(0.0, |s, v| s + v)
    }

    pub fn scale(&mut self, f: f64) {
        self.val.iter_mut().for_each(|v| *v *= f);
    }
}

/// How many entries two strictly increasing index lists share (a merge).
pub(crate) fn shared_count(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_remove_keep_order() {
        let mut v = SparseVec::default();
        v.set(5, 1.0);
        v.set(1, 2.0);
        v.set(3, 3.0);
        v.set(5, 4.0);
        assert_eq!(v.idx, vec![1, 3, 5]);
        assert!(
            SparseVec::default().sum().is_sign_positive(),
            "empty sum is +0.0"
        );
        assert_eq!(v.get(5), Some(4.0));
        assert!(v.remove(3));
        assert!(!v.remove(3));
        assert_eq!(v.iter().collect::<Vec<_>>(), vec![(1, 2.0), (5, 4.0)]);
        assert_eq!(v.norm(), 20f64.sqrt());
    }
}
