//! The inverse of a symmetric positive definite matrix, by Cholesky factorisation: what the
//! linear item model's closed form needs (`P = (XᵀX + λI)⁻¹`), written out so the core needs
//! no linear-algebra dependency.
//!
//! Three passes of `n³ / 6` multiply–adds each, every inner loop a dot product of two
//! contiguous row slices: the factor `L` (row by row), the rows of `L⁻ᵀ` (one triangular solve
//! per column of `L⁻¹`, in parallel), and `P = L⁻ᵀ L⁻¹` (rows in parallel). Each entry is
//! computed by one thread in a fixed order, so the result does not depend on the thread count.

use rayon::prelude::*;

/// `Σ x_k y_k` over the shorter length, in eight lanes (so the compiler vectorises it) summed
/// in a fixed order.
#[inline]
pub(crate) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut lanes = [0.0f64; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for k in 0..8 {
            lanes[k] += a[k] * b[k];
        }
    }
    let mut tail = 0.0;
    for (a, b) in xr.iter().zip(yr) {
        tail += a * b;
    }
    lanes.iter().sum::<f64>() + tail
}

/// Replaces `a` (`n × n`, row-major, symmetric positive definite; only its lower triangle is
/// read) by its inverse, in full. `Err(j)` when the `j`-th pivot is not positive and finite
/// (the matrix is not positive definite, or holds a non-finite value); `a` is then garbage.
pub(crate) fn invert_spd(a: &mut [f64], n: usize) -> Result<(), usize> {
    assert_eq!(
        a.len(),
        n * n,
        "invert_spd: {} values for {n} × {n}",
        a.len()
    );
    if n == 0 {
        return Ok(());
    }
    cholesky_in_place(a, n)?;
    // Row j of `u` is column j of L⁻¹ (zero before j): u = L⁻ᵀ, upper triangular.
    let mut u = vec![0.0f64; n * n];
    {
        let l: &[f64] = a;
        u.par_chunks_mut(n).enumerate().for_each(|(j, x)| {
            x[j] = 1.0 / l[j * n + j];
            for i in j + 1..n {
                let row = &l[i * n..i * n + i];
                x[i] = -dot(&row[j..i], &x[j..i]) / l[i * n + i];
            }
        });
    }
    // P = L⁻ᵀ L⁻¹: P[r][c] = Σ_{k ≥ max(r, c)} u[r][k] u[c][k]; the lower triangle by rows in
    // parallel, then mirrored.
    a.par_chunks_mut(n).enumerate().for_each(|(r, out)| {
        let ur = &u[r * n..(r + 1) * n];
        for (c, v) in out.iter_mut().enumerate().take(r + 1) {
            let uc = &u[c * n..(c + 1) * n];
            *v = dot(&ur[r..], &uc[r..]);
        }
    });
    for r in 0..n {
        for c in r + 1..n {
            a[r * n + c] = a[c * n + r];
        }
    }
    Ok(())
}

/// The Cholesky factor `L` (`a = L Lᵀ`) into `a`'s lower triangle, row by row
/// (Cholesky–Banachiewicz); the upper triangle is left as it was.
fn cholesky_in_place(a: &mut [f64], n: usize) -> Result<(), usize> {
    for i in 0..n {
        let (done, rest) = a.split_at_mut(i * n);
        let row = &mut rest[..n];
        for j in 0..i {
            let lj = &done[j * n..j * n + j];
            let s = row[j] - dot(&row[..j], lj);
            row[j] = s / done[j * n + j];
        }
        let d = row[i] - dot(&row[..i], &row[..i]);
        if !(d > 0.0 && d.is_finite()) {
            return Err(i);
        }
        row[i] = d.sqrt();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn product(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * n];
        for r in 0..n {
            for c in 0..n {
                out[r * n + c] = (0..n).map(|k| a[r * n + k] * b[k * n + c]).sum();
            }
        }
        out
    }

    #[test]
    fn a_known_inverse() {
        // [[4, 2], [2, 3]]⁻¹ = [[3, -2], [-2, 4]] / 8
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        invert_spd(&mut a, 2).unwrap();
        let want = [0.375, -0.25, -0.25, 0.5];
        for (x, y) in a.iter().zip(want) {
            assert!((x - y).abs() < 1e-12, "{a:?}");
        }
    }

    #[test]
    fn not_positive_definite_is_an_error() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert_eq!(invert_spd(&mut a, 2), Err(1));
        let mut a = vec![f64::NAN];
        assert_eq!(invert_spd(&mut a, 1), Err(0));
        invert_spd(&mut [], 0).unwrap();
    }

    #[test]
    fn dot_of_every_length() {
        for n in 0..20 {
            let x: Vec<f64> = (0..n).map(|k| k as f64 + 1.0).collect();
            let want: f64 = x.iter().map(|v| v * v).sum();
            assert_eq!(dot(&x, &x), want);
        }
    }

    proptest! {
        /// For a Gram matrix plus a ridge (what the linear item model inverts), A · A⁻¹ = I.
        #[test]
        fn times_its_inverse_is_the_identity(
            n in 1usize..24,
            rows in proptest::collection::vec(proptest::collection::vec(0.0f64..3.0, 24), 1..40),
            ridge in 0.1f64..50.0,
        ) {
            let mut a = vec![0.0; n * n];
            for x in &rows {
                for r in 0..n {
                    for c in 0..n {
                        a[r * n + c] += x[r] * x[c];
                    }
                }
            }
            for r in 0..n {
                a[r * n + r] += ridge;
            }
            let mut inv = a.clone();
            invert_spd(&mut inv, n).unwrap();
            let id = product(&a, &inv, n);
            for r in 0..n {
                for c in 0..n {
                    let want = if r == c { 1.0 } else { 0.0 };
                    prop_assert!((id[r * n + c] - want).abs() < 1e-8, "{r},{c}: {}", id[r * n + c]);
                }
            }
        }
    }
}
