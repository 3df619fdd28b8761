//! The similarity of two users: shrunk cosine over their shared, non-capped items.

/// Parameters of the similarity, copied from the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SimParams {
    /// Neighbours served.
    pub k: usize,
    /// Neighbours kept (k plus a buffer, so most updates are fixed in place).
    pub keep: usize,
    pub shrinkage: f64,
    pub min_overlap: u32,
}

/// `sim(u, v)` from the dot product, both norms and the overlap: 0 below the minimum overlap or
/// when not positive.
pub(crate) fn cosine(dot: f64, nu: f64, nv: f64, overlap: u32, p: &SimParams) -> f32 {
    if overlap < p.min_overlap || nu == 0.0 || nv == 0.0 {
        return 0.0;
    }
    let mut s = dot / (nu * nv);
    if p.shrinkage > 0.0 {
        s *= overlap as f64 / (overlap as f64 + p.shrinkage);
    }
    let s = s as f32;
    if s > 0.0 {
        s
    } else {
        0.0
    }
}
