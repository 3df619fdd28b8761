//! Every component's score of a few candidate items for one user, on the same scale the
//! Hybrid blend weighs them: what the learned blend is fitted on (`model::learned_fit`).

use crate::model::learned::{slot, N};
use crate::model::state::Model;
use crate::scoring::lanes::max_or_zero;
use crate::scoring::recommend::BlendWeights;
use crate::scoring::scratch::{Cleared, SCRATCH};

impl Model {
    /// Per candidate item, its component values in [`crate::model::learned::COMPONENTS`]
    /// order, for user `u` at `now`: collaborative and item-based (popularity-discounted by
    /// the model's discount) and content normalised by their best upcoming score (content times its
    /// popularity prior), local popularity, and appeal
    /// normalised by the best among the candidates. Each value is what the learned blend's
    /// weight multiplies when serving.
    pub(crate) fn component_values(
        &self,
        u: Option<u32>,
        now: i64,
        items: &[u32],
    ) -> Vec<[f64; N]> {
        let mut cities = self.home_cities(u, None);
        if cities.is_empty() {
            cities = self.history_cities(u);
        }
        let local = self.popularity.context(&cities);
        let mut out: Vec<[f64; N]> = SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let guard = Cleared(&mut s);
            let s = &mut *guard.0;
            let profile = self.profile(u, &mut s.features);
            let n_up = self.timeline.upcoming(now);
            s.fit(n_up);
            self.collaborative_scores(u, n_up, s);
            self.item_based_scores(u, n_up, s);
            self.discount
                .apply(s, &self.timeline.order, &self.matrix.cols);
            s.content[..n_up].fill(0.0);
            if !profile.is_empty() {
                self.content
                    .score_upcoming(&profile, &mut s.content[..n_up]);
            }
            let [max_cf, max_ib] = s.evidence_max();
            let max_ct = max_or_zero(&s.content[..n_up]);
            let all = BlendWeights {
                collaborative: 1.0,
                content: 1.0,
                popularity: 1.0,
                appeal: 0.0,
                item_based: 1.0,
            };
            let blend = self.make_blend(all, [max_cf, max_ct, max_ib], n_up, false);
            items
                .iter()
                .map(|&i| {
                    let parts = self.blended_parts(&blend, s, &local, n_up, i);
                    let mut v = [0.0; N];
                    v[slot::COLLABORATIVE] = parts[0];
                    v[slot::CONTENT] = parts[1];
                    v[slot::POPULARITY] = parts[2];
                    v[slot::APPEAL] = self.appeal.rate(i, now);
                    v[slot::ITEM_BASED] = parts[3];
                    v
                })
                .collect()
        });
        let best = out.iter().map(|v| v[slot::APPEAL]).fold(0.0, f64::max);
        if best > 0.0 {
            out.iter_mut().for_each(|v| v[slot::APPEAL] /= best);
        }
        out
    }
}
