//! The read path: eligibility, the strategies' inputs (cities, profile, blend weights),
//! popularity candidates and explanations; the steps of ranking one request are in `rank`, the
//! blend and the dense scan it ranks with in `blend_scan`.

use crate::data::catalog::NO_CITY;
use crate::data::ids::validate_id;
use crate::data::timeline::OFF_TIMELINE;
use crate::model::error::{Error, Result};
use crate::model::state::Model;
pub use crate::scoring::blend_scan::BlendWeights;
use crate::scoring::blend_scan::{by_score, Blend, Prior};
use crate::scoring::content::Profile;
use crate::scoring::popularity::LocalContext;
use crate::scoring::request::{Component, Contribution, Explanation, Recommendation, Request};
use crate::scoring::scratch::{Cleared, DenseAcc, Scratch, SCRATCH};

/// Hybrid: an item's collaborative part is at least this share of what its content part would
/// be with the collaborative weight (see [`crate::Config::hybrid_k0`]). Events nobody in the
/// neighbourhood has touched yet — most of the upcoming ones — would otherwise compete on
/// content and popularity alone, with the collaborative share of the blend lost to them.
pub(crate) const CONTENT_BACKING: f64 = 0.5;

/// Which items may be recommended in one request.
pub(crate) struct Eligibility {
    /// "Now", unix seconds: only events starting after it are eligible.
    pub(crate) now: i64,
    /// The request's city, if any.
    pub(crate) city: Option<u32>,
    /// Sorted item indices never to return (hidden, saved, caller exclusions).
    pub(crate) excluded: Vec<u32>,
    /// Sorted (item, factor < 1) of the items exposure demotes for this user.
    pub(crate) demote: Vec<(u32, f64)>,
}

pub(crate) fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Model {
    /// The blend of one request: weights `w`, the largest collaborative, content and
    /// item-based scores among the upcoming items; `backed`: with the fixed blend's content
    /// backing.
    pub(crate) fn make_blend(
        &self,
        w: BlendWeights,
        [max_cf, max_ct, max_ib]: [f64; 3],
        n_up: usize,
        backed: bool,
    ) -> Blend {
        let artist = {
            let best = if w.content > 0.0 && self.config.artist_prior > 0.0 {
                self.artist_prior.best_upcoming(n_up)
            } else {
                0.0
            };
            if best > 0.0 {
                self.config.artist_prior / best
            } else {
                0.0
            }
        };
        Blend {
            w,
            inv_max_cf: if max_cf > 0.0 { 1.0 / max_cf } else { 0.0 },
            inv_max_ct: if max_ct > 0.0 { 1.0 / max_ct } else { 0.0 },
            inv_max_ib: if max_ib > 0.0 { 1.0 / max_ib } else { 0.0 },
            prior: Prior::new(self.config.popularity_prior),
            backing: if w.content > 0.0 && backed {
                CONTENT_BACKING * w.collaborative
            } else {
                0.0
            },
            artist,
        }
    }

    /// The four weighted components of item `i` under `blend`: its collaborative, content and
    /// item-based scores from the scratch when it is among the first `n_up` upcoming items,
    /// else 0.
    #[inline]
    pub(crate) fn blended_parts(
        &self,
        blend: &Blend,
        s: &Scratch,
        local: &LocalContext,
        n_up: usize,
        i: u32,
    ) -> [f64; 4] {
        let p = self.timeline.pos[i as usize] as usize;
        let pop = self.popularity.local(i, local);
        let artist = self.artist_prior.value(i);
        if p < n_up {
            blend.parts(s.cf[p], s.content[p], pop, artist, s.ib[p])
        } else {
            blend.parts(0.0, 0.0, pop, artist, 0.0)
        }
    }

    pub(crate) fn eligible(&self, e: &Eligibility, i: u32) -> bool {
        let ix = i as usize;
        self.catalog.starts[ix] > e.now
            && !self.catalog.removed[ix]
            && e.city.is_none_or(|c| self.catalog.city_of[ix] == c)
            && e.excluded.binary_search(&i).is_err()
    }

    pub fn blend_weights(&self, u: Option<u32>, has_profile: bool) -> BlendWeights {
        let n = u.map_or(0, |u| self.matrix.positive_count(u)) as f64;
        let has_neighbours = u.is_some_and(|u| {
            self.neighbours
                .lists
                .get(u as usize)
                .is_some_and(|l| !l.is_empty())
        });
        if let Some(learned) = &self.learned {
            use crate::model::learned::slot;
            let w = learned.weights(n as u32);
            return BlendWeights {
                collaborative: if has_neighbours {
                    w[slot::COLLABORATIVE]
                } else {
                    0.0
                },
                content: if has_profile { w[slot::CONTENT] } else { 0.0 },
                popularity: w[slot::POPULARITY],
                appeal: w[slot::APPEAL],
                item_based: if self.has_item_side() && n > 0.0 {
                    w[slot::ITEM_BASED]
                } else {
                    0.0
                },
            };
        }
        let collaborative = if has_neighbours {
            n / (n + self.config.hybrid_k0.max(f64::MIN_POSITIVE))
        } else {
            0.0
        };
        let rest = 1.0 - collaborative;
        let content = if has_profile {
            rest * self.config.hybrid_content_share
        } else {
            0.0
        };
        BlendWeights {
            collaborative,
            content,
            popularity: rest - content,
            appeal: 0.0,
            item_based: 0.0,
        }
    }

    /// The user's cities for popularity: the request's city, else their stated cities.
    pub(crate) fn home_cities(&self, u: Option<u32>, req_city: Option<u32>) -> Vec<u32> {
        if let Some(c) = req_city {
            return vec![c];
        }
        u.and_then(|u| self.prefs.get(u))
            .map(|p| p.cities().filter_map(|c| self.catalog.city_id(c)).collect())
            .unwrap_or_default()
    }

    /// The cities a user's positive history is in: every city holding at least half the weight
    /// of the user's main one (empty without history).
    pub(crate) fn history_cities(&self, u: Option<u32>) -> Vec<u32> {
        let Some(row) = u.and_then(|u| self.matrix.rows.get(u as usize)) else {
            return Vec::new();
        };
        let mut weight: Vec<(u32, f64)> = Vec::new();
        for (i, v) in row.iter() {
            let c = self.catalog.city_of[i as usize];
            if v <= 0.0 || c == NO_CITY {
                continue;
            }
            match weight.iter_mut().find(|x| x.0 == c) {
                Some(x) => x.1 += v,
                None => weight.push((c, v)),
            }
        }
        let main = weight.iter().map(|x| x.1).fold(0.0, f64::max);
        let mut cities: Vec<u32> = weight
            .into_iter()
            .filter(|x| x.1 >= 0.5 * main)
            .map(|x| x.0)
            .collect();
        cities.sort_unstable();
        cities
    }

    /// Up to `want` eligible items by popularity: the user's cities first, then everywhere.
    pub(crate) fn popular(
        &self,
        e: &Eligibility,
        cities: &[u32],
        want: usize,
        skip: &[u32],
    ) -> Vec<u32> {
        let mut out: Vec<(u32, f64)> = Vec::new();
        for &c in cities {
            out.extend(
                self.popularity
                    .ranked_in(c)
                    .filter(|&i| self.eligible(e, i) && !skip.contains(&i))
                    .take(want)
                    .map(|i| (i, self.popularity.score[i as usize])),
            );
        }
        out.sort_unstable_by(by_score);
        out.dedup_by_key(|x| x.0);
        out.truncate(want);
        let mut items: Vec<u32> = out.into_iter().map(|x| x.0).collect();
        if items.len() < want {
            let more: Vec<u32> = self
                .popularity
                .ranked()
                .filter(|&i| self.eligible(e, i) && !skip.contains(&i) && !items.contains(&i))
                .take(want - items.len())
                .collect();
            items.extend(more);
        }
        items
    }

    /// Neighbour-weighted scores of the `n_up` upcoming items the neighbours touched, by
    /// timeline position. Each neighbour's cells are read latest event first, up to the first
    /// event that has started.
    pub(crate) fn collaborative_scores(&self, u: Option<u32>, n_up: usize, s: &mut Scratch) {
        let Some(u) = u else { return };
        let pos = &self.timeline.pos;
        for &(v, sim) in self.neighbours.served(u, self.config.neighbours) {
            let nv = self.matrix.norms[v as usize];
            if nv == 0.0 {
                continue;
            }
            let w = sim as f64 / nv;
            for cell in self.by_start.row(v) {
                let p = pos[cell.item as usize];
                if p == OFF_TIMELINE {
                    continue; // removed item
                }
                let p = p as usize;
                if p >= n_up {
                    break;
                }
                s.hit(p);
                s.cf[p] += w * { cell.val };
            }
        }
    }

    pub(crate) fn profile(&self, u: Option<u32>, acc: &mut DenseAcc) -> Profile {
        let prefs = u.and_then(|u| self.prefs.get(u));
        let row = u.map(|u| &self.matrix.rows[u as usize]);
        let norm = u.map_or(0.0, |u| self.matrix.norms[u as usize]);
        self.content
            .profile(prefs, row, norm, self.config.preference_weight, acc)
    }

    pub fn recommend(&self, user: &str, req: &Request) -> Result<Vec<Recommendation>> {
        validate_id(user)?;
        if req.k == 0 || req.k > self.config.max_k {
            return Err(Error::InvalidK {
                k: req.k,
                max: self.config.max_k,
            });
        }
        self.check_strategy(req.strategy)?;
        let diversify = crate::scoring::rerank::validate(req)?;
        let now = req.now.unwrap_or_else(system_now);
        crate::data::interaction::validate_timestamp(now)?;
        let u = self.users.get(user);
        // An unknown city matches no item.
        let city = req
            .city
            .as_ref()
            .map(|c| self.catalog.city_id(c).unwrap_or(NO_CITY - 1));
        let exclude_saved = req.exclude_saved.unwrap_or(self.config.exclude_saved);
        let mut excluded = u.map_or_else(Vec::new, |u| {
            self.matrix.excluded_items(&self.kinds, u, exclude_saved)
        });
        excluded.extend(req.exclude.iter().filter_map(|id| self.catalog.ids.get(id)));
        if let Some(touched) = &req.exclude_touched {
            self.touched_items(u, touched, &mut excluded)?;
        }
        excluded.sort_unstable();
        excluded.dedup();
        let demote = self.demotions(u, &excluded, exclude_saved, now);
        let e = Eligibility {
            now,
            city,
            excluded,
            demote,
        };
        // A re-ranking request scores a larger pool to choose from, and a wider one when the
        // caps cannot be met in it (see `crate::scoring::rerank`).
        let mut pool = diversify.map_or(req.k, |_| crate::scoring::rerank::pool_size(req.k));
        loop {
            let ranked = SCRATCH.with(|s| {
                let mut s = s.borrow_mut();
                let s = Cleared(&mut s);
                self.rank(u, req, &e, diversify.map(|d| (d, pool)), s.0)
            });
            match ranked {
                Ok(out) => return Ok(out),
                Err(wider) => pool = wider,
            }
        }
    }

    pub(super) fn explain(
        &self,
        u: Option<u32>,
        i: u32,
        parts: [f64; 4],
        profile: &Profile,
        cities: &[u32],
    ) -> Explanation {
        let mut contributions = Vec::new();
        if let (true, Some(u)) = (parts[3] > 0.0, u) {
            contributions.push(Contribution {
                component: Component::ItemBased,
                score: parts[3],
                reason: self.item_based_reason(u, i),
            });
        }
        if parts[0] > 0.0 {
            if let Some(u) = u {
                let neigh = self.neighbours.served(u, self.config.neighbours);
                let liked = neigh
                    .iter()
                    .filter(|(v, _)| {
                        self.matrix.rows[*v as usize]
                            .get(i)
                            .is_some_and(|r| r > 0.0)
                    })
                    .count();
                let saved = neigh
                    .iter()
                    .filter(|(v, _)| {
                        self.matrix
                            .cell_parts(*v, i)
                            .iter()
                            .any(|p| Some(p.kind) == self.kinds.save)
                    })
                    .count();
                let reason = match (saved, liked) {
                    (1, _) => "1 similar user saved it".to_owned(),
                    (s, _) if s > 1 => format!("{s} similar users saved it"),
                    (_, 1) => "1 similar user liked it".to_owned(),
                    (_, l) => format!("{l} similar users liked it"),
                };
                contributions.push(Contribution {
                    component: Component::Collaborative,
                    score: parts[0],
                    reason,
                });
            }
        }
        if parts[1] > 0.0 {
            let reason = self
                .content
                .reason(profile, i)
                .unwrap_or_else(|| "matches your interests".to_owned());
            contributions.push(Contribution {
                component: Component::Content,
                score: parts[1],
                reason,
            });
        }
        if parts[2] > 0.0 || contributions.is_empty() {
            let c = self.catalog.city_of[i as usize];
            let reason = match self.catalog.city_name(c) {
                Some(name) if cities.contains(&c) => format!("popular in {name}"),
                _ => "popular overall".to_owned(),
            };
            contributions.push(Contribution {
                component: Component::Popularity,
                score: parts[2],
                reason,
            });
        }
        contributions.sort_by(|a, b| b.score.total_cmp(&a.score));
        Explanation { contributions }
    }

    /// The top-k neighbours of a user.
    pub fn neighbours_of(&self, user: &str) -> Vec<(String, f64)> {
        self.users
            .get(user)
            .map(|u| {
                self.neighbours
                    .served(u, self.config.neighbours)
                    .iter()
                    .map(|&(v, s)| (self.users.name(v).to_owned(), s as f64))
                    .collect()
            })
            .unwrap_or_default()
    }
}
