//! Ranking one request, in named steps: plan it (cities, profile, weights), score the
//! components into the scratch, collect the best blended candidates, re-score them with the
//! learned blend's appeal, fill up from popularity, re-rank for variety, and build the
//! recommendations. `recommend` (in `recommend.rs`) decides eligibility and calls [`Model::rank`].

use crate::data::exposure;
use crate::model::state::Model;
use crate::scoring::blend_scan::{by_score, Blend, BlendWeights, DenseScan, TopK};
use crate::scoring::content::Profile;
use crate::scoring::lanes::max_or_zero;
use crate::scoring::popularity::LocalContext;
use crate::scoring::recommend::Eligibility;
use crate::scoring::request::{Recommendation, Request, Strategy};
use crate::scoring::rerank::Diversify;
use crate::scoring::scratch::Scratch;

/// With a learned blend that weighs appeal, the best this many by blended score are re-ranked
/// with it (the rest keep their blended score).
const APPEAL_POOL: usize = 50;

/// What one request is ranked with, fixed before any item is scored.
struct Plan<'a> {
    req: &'a Request,
    e: &'a Eligibility,
    u: Option<u32>,
    /// How many items to rank (the re-ranking pool when the request diversifies).
    k: usize,
    /// The cities whose popularity counts as local for the user.
    cities: Vec<u32>,
    profile: Profile,
    w: BlendWeights,
    /// How many upcoming items there are at `e.now`.
    n_up: usize,
}

/// The fixed weights of a single-component strategy (`None` for Hybrid).
fn single_component(strategy: Strategy) -> Option<BlendWeights> {
    let only = |collaborative, content, popularity, item_based| BlendWeights {
        collaborative,
        content,
        popularity,
        appeal: 0.0,
        item_based,
    };
    match strategy {
        Strategy::Popularity => Some(only(0.0, 0.0, 1.0, 0.0)),
        Strategy::Collaborative => Some(only(1.0, 0.0, 0.0, 0.0)),
        Strategy::Content => Some(only(0.0, 1.0, 0.0, 0.0)),
        Strategy::ItemBased => Some(only(0.0, 0.0, 0.0, 1.0)),
        Strategy::Hybrid => None,
    }
}

impl Model {
    /// Ranks the eligible items for user `u` (`Err(wider pool)`: the re-ranking caps could not
    /// be met in this pool).
    pub(super) fn rank(
        &self,
        u: Option<u32>,
        req: &Request,
        e: &Eligibility,
        diversify: Option<(Diversify, usize)>,
        s: &mut Scratch,
    ) -> std::result::Result<Vec<Recommendation>, usize> {
        let plan = self.plan(u, req, e, diversify.map_or(req.k, |d| d.1), s);
        self.score_components(&plan, s);
        let blend = self.blend_of(&plan, s);
        let local = self.popularity.context(&plan.cities);
        // The four weighted components of item `i` (demoted if exposure says so).
        let blended = |i: u32, s: &Scratch| -> [f64; 4] {
            let parts = self.blended_parts(&blend, s, &local, plan.n_up, i);
            exposure::demoted(&e.demote, i, parts)
        };
        let mut scored = self.candidates(&plan, &blend, &local, &blended, s);
        // Appeal re-ranks the best `APPEAL_POOL` by blended score, whatever `k`: an item's
        // score, and so every list's order, is the same for every `k` (a shorter list is a
        // prefix of a longer one).
        let mut pool: Vec<u32> = Vec::new();
        if plan.w.appeal > 0.0 {
            pool.extend(scored.iter().take(APPEAL_POOL).map(|x| x.0));
            pool.sort_unstable();
        }
        let appeal_scale = self.appeal_scale(plan.w, &pool, e.now);
        let score = |i: u32, s: &Scratch| -> [f64; 4] {
            let mut parts = blended(i, s);
            if appeal_scale > 0.0 && pool.binary_search(&i).is_ok() {
                parts[2] += appeal_scale * self.appeal.rate(i, e.now);
            }
            parts
        };
        if appeal_scale > 0.0 {
            for x in &mut scored {
                x.1 = score(x.0, s).iter().sum();
            }
            scored.sort_unstable_by(by_score);
        }
        scored.truncate(plan.k);
        self.fill_up(&plan, &mut scored, &score, s);
        if let Some((d, pool)) = diversify {
            scored = d.rerank(&self.content, &scored, req.k, pool, &mut s.rerank)?;
        }
        Ok(self.recommendations_of(&plan, &scored, &score, s))
    }

    /// The request's cities, profile and blend weights.
    fn plan<'a>(
        &self,
        u: Option<u32>,
        req: &'a Request,
        e: &'a Eligibility,
        k: usize,
        s: &mut Scratch,
    ) -> Plan<'a> {
        let mut cities = self.home_cities(u, e.city);
        // The personalised strategies judge locality by where the user goes when they did not
        // say; the popularity control stays popularity overall for them.
        if cities.is_empty() && req.strategy != Strategy::Popularity {
            cities = self.history_cities(u);
        }
        let profile = match req.strategy {
            Strategy::Content | Strategy::Hybrid => self.profile(u, &mut s.features),
            _ => Profile::default(),
        };
        let w = single_component(req.strategy)
            .unwrap_or_else(|| self.blend_weights(u, !profile.is_empty()));
        Plan {
            req,
            e,
            u,
            k,
            cities,
            profile,
            w,
            n_up: self.timeline.upcoming(e.now),
        }
    }

    /// Fills the scratch: collaborative, item-based (discounted for the learned Hybrid) and
    /// content scores of the upcoming items, the blocked (excluded) positions and the demoted
    /// candidates.
    fn score_components(&self, plan: &Plan<'_>, s: &mut Scratch) {
        let n_up = plan.n_up;
        s.fit(n_up);
        if plan.w.collaborative > 0.0 {
            self.collaborative_scores(plan.u, n_up, s);
        }
        if plan.w.item_based > 0.0 {
            self.item_based_scores(plan.u, n_up, s);
        }
        if plan.req.strategy == Strategy::Hybrid {
            // The learned blend's popularity discount (none with the fixed blend).
            self.discount
                .apply(s, &self.timeline.order, &self.matrix.cols);
        }
        if plan.w.content > 0.0 {
            s.content[..n_up].fill(0.0);
            self.content
                .score_upcoming(&plan.profile, &mut s.content[..n_up]);
        }
        let pos = &self.timeline.pos;
        let blocked: Vec<u32> = plan
            .e
            .excluded
            .iter()
            .map(|&i| pos[i as usize])
            .filter(|&p| (p as usize) < n_up)
            .collect();
        for &p in &blocked {
            s.block(p);
        }
        // Demoted items are scored one by one with the collaborative candidates, not in the scan.
        exposure::offer(&plan.e.demote, pos, n_up, s);
        #[cfg(test)]
        crate::scoring::scratch::hooks::maybe_panic();
    }

    /// The request's blend, normalised by the largest component scores in the scratch.
    fn blend_of(&self, plan: &Plan<'_>, s: &Scratch) -> Blend {
        let max_ct = if plan.w.content > 0.0 {
            max_or_zero(&s.content[..plan.n_up])
        } else {
            0.0
        };
        let [max_cf, max_ib] = s.evidence_max();
        let maxima = [max_cf, max_ct, max_ib];
        self.make_blend(plan.w, maxima, plan.n_up, self.learned.is_none())
    }

    /// The best eligible items by blended score, best first. Every eligible upcoming item with
    /// a positive blended score competes, unless only popularity counts: then its own
    /// candidates do.
    fn candidates(
        &self,
        plan: &Plan<'_>,
        blend: &Blend,
        local: &LocalContext,
        score: &impl Fn(u32, &Scratch) -> [f64; 4],
        s: &Scratch,
    ) -> Vec<(u32, f64)> {
        let (w, e, k, n_up) = (plan.w, plan.e, plan.k, plan.n_up);
        let mut top = TopK::new(if w.appeal > 0.0 {
            k.max(APPEAL_POOL)
        } else {
            k
        });
        if w.content == 0.0 && w.collaborative == 0.0 && w.item_based == 0.0 {
            let want = (3 * k).max(30) + e.demote.len();
            for i in self.popular(e, &plan.cities, want, &[]) {
                top.push_positive(i, score(i, s).iter().sum());
            }
            return top.into_sorted();
        }
        // Items with collaborative evidence first: they raise the bar early.
        let in_city = |i: u32| e.city.is_none_or(|c| self.catalog.city_of[i as usize] == c);
        for &p in &s.cf_list {
            let i = self.timeline.order[p as usize];
            if !s.blocked[p as usize] && in_city(i) {
                top.push_positive(i, score(i, s).iter().sum());
            }
        }
        top.tighten();
        if w.content > 0.0 || w.popularity > 0.0 {
            // Then every other upcoming item, in one pass specialised on the user's cities
            // and the prior, whose only branch (beating the bar) is rarely taken.
            self.popularity.visit_upcoming(
                n_up,
                local,
                DenseScan {
                    blend,
                    content: &s.content[..n_up],
                    artist: self.artist_prior.upcoming(n_up),
                    skip: &s.cf_hit[..n_up],
                    blocked: &s.blocked[..n_up],
                    order: &self.timeline.order[..n_up],
                    city: e.city,
                    top: &mut top,
                },
            );
        }
        top.into_sorted()
    }

    /// The learned blend's appeal weight per unit of appeal: its weight over the best appeal
    /// in the pool (0 without an appeal part).
    fn appeal_scale(&self, w: BlendWeights, pool: &[u32], now: i64) -> f64 {
        if w.appeal > 0.0 {
            let best = pool
                .iter()
                .map(|&i| self.appeal.rate(i, now))
                .fold(0.0, f64::max);
            if best > 0.0 {
                w.appeal / best
            } else {
                0.0
            }
        } else {
            0.0
        }
    }

    /// Fills up from popularity so that `k` items come back whenever `k` are eligible.
    fn fill_up(
        &self,
        plan: &Plan<'_>,
        scored: &mut Vec<(u32, f64)>,
        score: &impl Fn(u32, &Scratch) -> [f64; 4],
        s: &Scratch,
    ) {
        let (e, k) = (plan.e, plan.k);
        if scored.len() >= k {
            return;
        }
        let taken: Vec<u32> = scored.iter().map(|x| x.0).collect();
        let want = k - scored.len();
        let mut fill = self.popular(e, &plan.cities, want + e.demote.len(), &taken);
        exposure::order_fill(&e.demote, &mut fill, want);
        scored.extend(
            fill.into_iter()
                .map(|i| (i, score(i, s).iter().sum::<f64>())),
        );
    }

    /// The ranked `(item, score)` pairs as recommendations, explained if the request asks.
    fn recommendations_of(
        &self,
        plan: &Plan<'_>,
        scored: &[(u32, f64)],
        score: &impl Fn(u32, &Scratch) -> [f64; 4],
        s: &Scratch,
    ) -> Vec<Recommendation> {
        scored
            .iter()
            .map(|&(i, total)| Recommendation {
                item_id: self.catalog.ids.name(i).to_owned(),
                score: total,
                explanation: plan
                    .req
                    .explain
                    .then(|| self.explain(plan.u, i, score(i, s), &plan.profile, &plan.cities)),
            })
            .collect()
    }
}
