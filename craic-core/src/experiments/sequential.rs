//! Always-valid inference: the mixture sequential probability ratio test (mSPRT).
//!
//! Following Johari, Koomen, Pekelis & Walsh, *Peeking at A/B Tests* (KDD 2017) / "Always valid
//! inference", the difference of conversion rates `θ = p_T − p_C` is estimated by
//! `θ̂ = x_T/n_T − x_C/n_C`, approximately normal with variance `V` (the pooled-rate estimate
//! `p̄(1−p̄)(1/n_C + 1/n_T)`, i.e. the variance under the null hypothesis `θ = 0`). Mixing the
//! likelihood ratio of `θ` against 0 over a normal prior `θ ~ N(0, τ²)` gives
//!
//! ```text
//! Λ = sqrt(V / (V + τ²)) · exp( τ² θ̂² / (2 V (V + τ²)) )
//! ```
//!
//! which is a non-negative martingale under the null, so by Ville's inequality
//! `P(Λ ever reaches 1/α) ≤ α`: **you may look after every user or every day and stop the first time
//! `Λ ≥ 1/α`** without inflating the false-positive rate. The always-valid p-value of one look is
//! `min(1, 1/Λ)`; across looks take the running minimum (`p_n = min(p_{n−1}, 1/Λ_n)`), which stays
//! valid. With `n` pairs this is Johari et al.'s formula with `V = σ²/n`.
//!
//! `τ²` (the mixing variance) sets which effects the test is most sensitive to: roughly effects of
//! size `τ`. The default [`DEFAULT_MIXING_VARIANCE`] `= 1e-3` (τ ≈ 3 percentage points) suits
//! conversion rates of a few to a few tens of percent; any positive value keeps the guarantee.
//!
//! ```
//! use craic_core::experiments::sequential::mixture_sprt;
//!
//! let r = mixture_sprt((100, 1000), (130, 1000), 1e-3, 0.05);
//! assert!(!r.reject); // p = 0.035 at a fixed horizon, but not yet always-valid significant
//! assert!((r.p_value - 0.387_396_885_864_946).abs() < 1e-9);
//! ```

use serde::{Deserialize, Serialize};

/// Default mixing variance `τ²` of the mSPRT prior on the rate difference.
pub const DEFAULT_MIXING_VARIANCE: f64 = 1e-3;

/// Outcome of one look of the mSPRT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SequentialResult {
    /// `ln Λ` (finite; 0 when the data carry no information yet).
    pub log_likelihood_ratio: f64,
    /// Always-valid p-value of this look, `min(1, 1/Λ)`.
    pub p_value: f64,
    /// `Λ >= 1/α`: the difference is significant, and stays so however often one looks.
    pub reject: bool,
}

/// The mSPRT of `treatment` vs `control`, each given as `(converting users, exposed users)`.
///
/// `mixing_variance` is `τ²` (non-positive or non-finite values fall back to the default); `alpha`
/// is the significance level. Empty arms or a pooled rate of 0 or 1 give `Λ = 1` (`p = 1`).
pub fn mixture_sprt(
    control: (u64, u64),
    treatment: (u64, u64),
    mixing_variance: f64,
    alpha: f64,
) -> SequentialResult {
    let tau2 = if mixing_variance.is_finite() && mixing_variance > 0.0 {
        mixing_variance
    } else {
        DEFAULT_MIXING_VARIANCE
    };
    let (xc, nc) = (control.0.min(control.1) as f64, control.1 as f64);
    let (xt, nt) = (treatment.0.min(treatment.1) as f64, treatment.1 as f64);
    let mut log_lr = 0.0;
    if nc > 0.0 && nt > 0.0 {
        let pooled = (xc + xt) / (nc + nt);
        let v = pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nt);
        if v > 0.0 {
            let theta = xt / nt - xc / nc;
            log_lr = 0.5 * (v / (v + tau2)).ln() + tau2 * theta * theta / (2.0 * v * (v + tau2));
        }
    }
    let p_value = (-log_lr).exp().min(1.0);
    SequentialResult {
        log_likelihood_ratio: log_lr,
        p_value,
        reject: alpha > 0.0 && p_value <= alpha,
    }
}
