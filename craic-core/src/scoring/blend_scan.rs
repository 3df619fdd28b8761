//! The blend of one request and the dense scan that ranks with it: the content prior
//! ([`Prior`]), the weighted components ([`Blend`]), the bounded top-k ([`TopK`]) and the scan of
//! every upcoming item without collaborative evidence ([`DenseScan`]).

use std::cmp::Ordering;

use crate::data::timeline::CHUNK;
use crate::scoring::lanes::max_or_zero;
use crate::scoring::popularity::{Band, BandVisitor};

/// The content prior `base^γ` (γ = [`crate::Config::popularity_prior`]), the common exponents
/// taken without `powf`, which costs several times a square root.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Prior {
    /// γ = 1.
    Linear,
    /// γ = 0: no prior.
    Flat,
    /// γ = 0.5, the default.
    Sqrt,
    /// Any other γ.
    Pow(f64),
}

impl Prior {
    pub(crate) fn new(exponent: f64) -> Prior {
        if exponent == 1.0 {
            Prior::Linear
        } else if exponent == 0.0 {
            Prior::Flat
        } else if exponent == 0.5 {
            Prior::Sqrt
        } else {
            Prior::Pow(exponent)
        }
    }

    #[inline]
    pub(crate) fn apply(self, base: f64) -> f64 {
        match self {
            Prior::Linear => base,
            Prior::Flat => 1.0,
            Prior::Sqrt => base.sqrt(),
            Prior::Pow(e) => base.max(f64::MIN_POSITIVE).powf(e),
        }
    }

    /// At least [`Prior::apply`] of any `base ≥ 0`, without a square root or `powf`: the
    /// tangent at 1 (`1 + γ (base − 1)`, above a concave power for γ ∈ [0, 1]), widened by a
    /// relative 1e-9 so that rounding cannot put it below the exact value. Unbounded for other
    /// exponents, where it filters nothing.
    #[inline]
    pub(crate) fn upper(self, base: f64) -> f64 {
        const WIDEN: f64 = 1.0 + 1e-9;
        match self {
            Prior::Linear => base,
            Prior::Flat => 1.0,
            Prior::Sqrt => (0.5 + 0.5 * base) * WIDEN,
            Prior::Pow(e) if (0.0..=1.0).contains(&e) => (1.0 - e + e * base) * WIDEN,
            Prior::Pow(_) => f64::INFINITY,
        }
    }
}

/// How one request blends the three components (each normalised by its maximum).
pub(crate) struct Blend {
    pub(crate) w: BlendWeights,
    pub(crate) inv_max_cf: f64,
    pub(crate) inv_max_ct: f64,
    pub(crate) inv_max_ib: f64,
    pub(crate) prior: Prior,
    /// Weight of the content part (content × prior) standing in for the collaborative part
    /// where that is weaker: [`CONTENT_BACKING`](crate::scoring::recommend::CONTENT_BACKING) × the collaborative share (0 without content).
    pub(crate) backing: f64,
    /// Scale of the artist prior in the content prior: the configured weight over the best
    /// artist prior among the upcoming items (so a scaled prior is in [0, weight]).
    pub(crate) artist: f64,
}

impl Blend {
    /// What the content prior is taken of: the (local) popularity, or the scaled artist prior
    /// when that promises more.
    #[inline]
    pub(crate) fn base(&self, pop: f64, artist: f64) -> f64 {
        pop.max(self.artist * artist)
    }

    /// The weighted components (collaborative, content, popularity, item-based) from raw
    /// collaborative, content and item-based scores, the (local) popularity and the raw artist
    /// prior. Content counts in proportion to the larger of the
    /// popularity and the scaled artist prior, through the [`Prior`]; where the collaborative part
    /// is below `backing` × content × prior, content makes up the difference.
    #[inline]
    pub(crate) fn parts(&self, cf: f64, ct: f64, pop: f64, artist: f64, ib: f64) -> [f64; 4] {
        let cf = (cf * self.inv_max_cf).max(0.0);
        let ct = (ct * self.inv_max_ct).max(0.0);
        let base = self.base(pop, artist);
        // Branches on the configuration only, which every item of a request shares.
        let prior = self.prior.apply(base);
        let ct = ct * prior;
        let cf = self.w.collaborative * cf;
        // The backing is content evidence, so it is reported as content.
        let backed = (self.backing * ct - cf).max(0.0);
        let ib = self.w.item_based * (ib * self.inv_max_ib).max(0.0);
        [
            cf,
            self.w.content * ct + backed,
            self.w.popularity * pop,
            ib,
        ]
    }
}

/// Scores every upcoming item without collaborative evidence into a [`TopK`].
pub(crate) struct DenseScan<'a> {
    pub(crate) blend: &'a Blend,
    pub(crate) content: &'a [f64],
    /// Artist priors of the upcoming items, and per chunk their maximum.
    pub(crate) artist: (&'a [f64], &'a [f64]),
    /// Items already offered (those with collaborative evidence).
    pub(crate) skip: &'a [bool],
    pub(crate) blocked: &'a [bool],
    pub(crate) order: &'a [u32],
    /// The request's city filter.
    pub(crate) city: Option<u32>,
    pub(crate) top: &'a mut TopK,
}

impl BandVisitor for DenseScan<'_> {
    fn visit<B: Band>(self, items: &[(f64, u32)], chunk_max: &[f64], band: B) {
        let b = self.blend;
        // Each prior is non-decreasing, so its value at a bound is a bound. One loop per shape,
        // so the common ones compile without a call to `powf`.
        match b.prior {
            Prior::Linear => self.run(
                items,
                chunk_max,
                band,
                |x| Prior::Linear.apply(x),
                |x| Prior::Linear.upper(x),
            ),
            Prior::Flat => self.run(
                items,
                chunk_max,
                band,
                |x| Prior::Flat.apply(x),
                |x| Prior::Flat.upper(x),
            ),
            Prior::Sqrt => self.run(
                items,
                chunk_max,
                band,
                |x| Prior::Sqrt.apply(x),
                |x| Prior::Sqrt.upper(x),
            ),
            p @ Prior::Pow(_) => self.run(
                items,
                chunk_max,
                band,
                move |x| p.apply(x),
                move |x| p.upper(x),
            ),
        }
    }
}

impl DenseScan<'_> {
    /// Per chunk of [`CHUNK`] items, a bound on its items' totals (its best content score with
    /// its best possible popularity and artist prior) and its number, best bound first, the
    /// chunks already under `floor` left out.
    fn chunk_bounds<B: Band>(
        &self,
        n: usize,
        chunk_max: &[f64],
        band: B,
        prior: &impl Fn(f64) -> f64,
        floor: f64,
    ) -> Vec<(f64, usize)> {
        let b = self.blend;
        let (_, artist_max) = self.artist;
        let mut bounds: Vec<(f64, usize)> = chunk_max
            .iter()
            .zip(artist_max)
            .enumerate()
            .map(|(c, (&max_score, &max_artist))| {
                let start = c * CHUNK;
                let best_ct = max_or_zero(&self.content[start..(start + CHUNK).min(n)]);
                let pop = band.bound(max_score);
                let ct = (best_ct * b.inv_max_ct).max(0.0);
                let base = b.base(pop, max_artist);
                let bound = (b.w.content + b.backing) * ct * prior(base) + b.w.popularity * pop;
                (bound, c)
            })
            .filter(|x| x.0 >= floor)
            .collect();
        bounds.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        bounds
    }

    /// The same totals as [`Blend::parts`] summed (collaborative score 0, so the collaborative
    /// part is the content backing), without branches
    /// except the rare one into the top k.
    #[inline]
    fn run<B: Band>(
        self,
        items: &[(f64, u32)],
        chunk_max: &[f64],
        band: B,
        prior: impl Fn(f64) -> f64,
        upper: impl Fn(f64) -> f64,
    ) {
        let b = self.blend;
        // In locals, so that the loop keeps them in registers.
        let (content_w, pop_w, inv_max_ct) =
            (b.w.content + b.backing, b.w.popularity, b.inv_max_ct);
        let artist_scale = b.artist;
        let (artist, _) = self.artist;
        // Best bound first: the bar rises fastest that way, and the scan ends at the first
        // chunk whose bound is under it (no item of it, or of any later one, can beat the bar).
        let bounds = self.chunk_bounds(items.len(), chunk_max, band, &prior, self.top.floor);
        let top = self.top;
        for (bound, n) in bounds {
            if bound < top.floor {
                break;
            }
            let start = n * CHUNK;
            let end = (start + CHUNK).min(items.len());
            let chunk = &items[start..end];
            let content = &self.content[start..end];
            let artist = &artist[start..end];
            // First every item's cheap bound, in a loop without branches that the compiler
            // can vectorise; then the exact total of the few whose bound reaches the bar.
            let mut cheap = [0.0f64; CHUNK];
            let rows = chunk.iter().zip(content.iter().zip(artist));
            for (u, (&(score, city), (&c, &a))) in cheap.iter_mut().zip(rows) {
                let pop = band.local(score, city);
                let ct = larger(c * inv_max_ct, 0.0);
                let base = larger(pop, artist_scale * a);
                *u = content_w * ct * upper(base) + pop_w * pop;
            }
            for (p, &u) in cheap[..chunk.len()].iter().enumerate() {
                if u < top.floor {
                    continue;
                }
                let (score, city) = chunk[p];
                let pop = band.local(score, city);
                let ct = (content[p] * inv_max_ct).max(0.0);
                let base = pop.max(artist_scale * artist[p]); // `Blend::base`
                let total = content_w * ct * prior(base) + pop_w * pop;
                let q = start + p;
                if total > 0.0
                    && total >= top.floor
                    && !(self.skip[q] | self.blocked[q])
                    && self.city.is_none_or(|x| x == city)
                {
                    top.push_positive(self.order[q], total);
                }
            }
        }
    }
}

/// The larger of two numbers that are not NaN, as one instruction (`f64::max` also orders
/// NaN, which costs a compare and a blend per call).
#[inline(always)]
fn larger(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

/// The best `k` of a stream of scored items (best first: higher score, then lower index).
pub(crate) struct TopK {
    k: usize,
    buf: Vec<(u32, f64)>,
    /// Scores below this cannot make the top k any more.
    floor: f64,
}

impl TopK {
    pub(crate) fn new(k: usize) -> TopK {
        TopK {
            k,
            buf: Vec::with_capacity(2 * k.max(16)),
            floor: f64::NEG_INFINITY,
        }
    }

    /// Offers an item; only positive scores are kept.
    #[inline]
    pub(crate) fn push_positive(&mut self, item: u32, score: f64) {
        if score <= 0.0 || score < self.floor {
            return;
        }
        self.buf.push((item, score));
        if self.buf.len() >= 2 * self.k.max(16) {
            self.tighten();
        }
    }

    /// Raises the bar to the k-th best score so far, if there are k.
    pub(crate) fn tighten(&mut self) {
        if self.buf.len() >= self.k {
            self.cut();
            self.floor = self.buf[self.k - 1].1;
        }
    }

    fn cut(&mut self) {
        if self.buf.len() > self.k {
            self.buf.select_nth_unstable_by(self.k - 1, by_score);
            self.buf.truncate(self.k);
        }
    }

    pub(crate) fn into_sorted(mut self) -> Vec<(u32, f64)> {
        self.cut();
        self.buf.sort_unstable_by(by_score);
        self.buf
    }
}

/// Shares of each component in a Hybrid score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendWeights {
    /// Collaborative share: `n / (n + hybrid_k0)` for `n` positive items, 0 without neighbours.
    pub collaborative: f64,
    /// Content share of the rest, when the user has preferences or history.
    pub content: f64,
    /// Popularity: whatever is left (the fixed blend); its learned weight (the learned one).
    pub popularity: f64,
    /// New-event appeal (popularity per day on sale; the learned blend only, else 0).
    pub appeal: f64,
    /// The item-based component (the `ItemBased` strategy's only one; with item lists on,
    /// the learned blend's weight; else 0).
    pub item_based: f64,
}

/// Best first: higher score, then lower index.
pub(crate) fn by_score(a: &(u32, f64), b: &(u32, f64)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::scoring::popularity::LocalContext;

    /// One upcoming item: (popularity score, city, content score, artist prior, skip, blocked).
    type Row = (f64, u32, f64, f64, bool, bool);

    fn row() -> impl Strategy<Value = Row> {
        let maybe_zero = prop_oneof![Just(0.0), 0.0..1.0f64];
        (
            0.0..10.0f64,
            0..3u32,
            maybe_zero,
            0.0..1.0f64,
            any::<bool>(),
            prop::bool::weighted(0.1),
        )
    }

    fn prior() -> impl Strategy<Value = Prior> {
        prop_oneof![
            Just(Prior::Linear),
            Just(Prior::Flat),
            Just(Prior::Sqrt),
            Just(Prior::Pow(0.3)),
            Just(Prior::Pow(1.7)),
        ]
    }

    /// Every eligible row scored with the scan's formula, the best `k` kept.
    fn brute_force(
        rows: &[Row],
        b: &Blend,
        band: &LocalContext,
        k: usize,
        city: Option<u32>,
    ) -> Vec<(u32, f64)> {
        let mut all: Vec<(u32, f64)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !(r.4 | r.5) && city.is_none_or(|c| c == r.1))
            .map(|(p, &(score, c, ct, a, _, _))| {
                let pop = band.local(score, c);
                let ct = (ct * b.inv_max_ct).max(0.0);
                let total = (b.w.content + b.backing) * ct * b.prior.apply(b.base(pop, a))
                    + b.w.popularity * pop;
                (1000 + p as u32, total)
            })
            .filter(|x| x.1 > 0.0)
            .collect();
        all.sort_unstable_by(by_score);
        all.truncate(k);
        all
    }

    proptest! {
        /// The chunk order, the chunk bounds and the prior's cheap upper bound only skip work:
        /// the scan keeps exactly the best `k` items by the blend's total.
        #[test]
        fn the_dense_scan_keeps_exactly_the_best_k(
            rows in prop::collection::vec(row(), 0..300),
            prior in prior(),
            weights in (0.0..1.0f64, 0.0..1.0f64, 0.0..0.5f64, 0.0..2.0f64),
            cities in prop::collection::vec((0..3u32, 0.05..1.0f64), 0..3),
            city in prop::option::of(0..3u32),
            k in 1..60usize,
        ) {
            let (content, popularity, backing, artist) = weights;
            let blend = Blend {
                w: BlendWeights { collaborative: 0.0, content, popularity, appeal: 0.0, item_based: 0.0 },
                inv_max_ct: 1.0,
                inv_max_cf: 0.0,
                inv_max_ib: 0.0,
                prior,
                backing,
                artist,
            };
            let band = LocalContext::from_inverses(0.1, cities);
            let items: Vec<(f64, u32)> = rows.iter().map(|r| (r.0, r.1)).collect();
            let chunk_max: Vec<f64> = items.chunks(CHUNK).map(|c| c.iter().map(|x| x.0).fold(0.0, f64::max)).collect();
            let artists: Vec<f64> = rows.iter().map(|r| r.3).collect();
            let artist_max: Vec<f64> = artists.chunks(CHUNK).map(max_or_zero).collect();
            let content_scores: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let skip: Vec<bool> = rows.iter().map(|r| r.4).collect();
            let blocked: Vec<bool> = rows.iter().map(|r| r.5).collect();
            let order: Vec<u32> = (0..rows.len() as u32).map(|p| 1000 + p).collect();
            let mut top = TopK::new(k);
            DenseScan {
                blend: &blend,
                content: &content_scores,
                artist: (&artists, &artist_max),
                skip: &skip,
                blocked: &blocked,
                order: &order,
                city,
                top: &mut top,
            }
            .visit(&items, &chunk_max, &band);
            prop_assert_eq!(top.into_sorted(), brute_force(&rows, &blend, &band, k, city));
        }
    }
}
