//! Reductions over score arrays written so that the compiler can vectorise them.

/// The largest of `xs` and 0 (`NaN`s are skipped). Kept in 8 independent lanes: one running
/// maximum would make every comparison wait for the previous one, which on the read path's
/// arrays of thousands of scores costs microseconds per request. The result is the same as a
/// sequential maximum (the maximum does not depend on the order).
#[inline]
pub(crate) fn max_or_zero(xs: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l = if x > *l { x } else { *l };
        }
    }
    lanes
        .iter()
        .chain(rest)
        .fold(0.0, |m: f64, &x| if x > m { x } else { m })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_a_sequential_maximum() {
        assert_eq!(max_or_zero(&[]), 0.0);
        assert_eq!(max_or_zero(&[-3.0, -1.0]), 0.0);
        assert_eq!(max_or_zero(&[f64::NAN, 2.0]), 2.0);
        for n in 0..40 {
            let xs: Vec<f64> = (0..n).map(|i| ((i * 37) % 23) as f64 - 5.0).collect();
            let want = xs.iter().fold(0.0, |m: f64, &x| m.max(x));
            assert_eq!(max_or_zero(&xs), want, "n = {n}");
        }
    }
}
