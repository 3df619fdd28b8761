//! Reusable dense accumulators, so hot paths do not allocate per call.

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
