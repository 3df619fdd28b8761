//! The read path: eligibility, the four strategies, blending, fill-up and explanations.

use std::cell::RefCell;
use std::cmp::Ordering;

use crate::content::Profile;
use crate::error::{Error, Result};
use crate::ids::validate_id;
use crate::model::Model;
use crate::popularity::NO_CITY;
use crate::request::{Component, Contribution, Explanation, Recommendation, Request, Strategy};
use crate::scratch::DenseAcc;

#[derive(Default)]
struct Scratch {
    cf: DenseAcc,
    content: DenseAcc,
    features: DenseAcc,
    seen: DenseAcc,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Shares of each component in a Hybrid score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendWeights {
    /// Collaborative share: `n / (n + hybrid_k0)` for `n` positive items, 0 without neighbours.
    pub collaborative: f64,
    /// Content share of the rest, when the user has preferences or history.
    pub content: f64,
    /// Popularity: whatever is left.
    pub popularity: f64,
}

/// Which items may be recommended in one request.
struct Eligibility {
    now: i64,
    city: Option<u32>,
    /// Sorted item indices never to return (hidden, saved, caller exclusions).
    excluded: Vec<u32>,
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The up to `n` touched slots of `acc` with the largest positive values times `weight`
/// (a factor in (0, 1]). The weight is only evaluated for the `4n` largest raw values: a
/// slot further down would need a weight over four times theirs to make the cut.
fn strongest(acc: &DenseAcc, n: usize, weight: impl Fn(u32) -> f64) -> Vec<u32> {
    let mut v: Vec<(u32, f64)> = acc
        .touched
        .iter()
        .map(|&i| (i, acc.val[i as usize]))
        .filter(|x| x.1 > 0.0)
        .collect();
    let wide = 4 * n;
    if v.len() > wide {
        v.select_nth_unstable_by(wide - 1, by_score);
        v.truncate(wide);
    }
    for x in &mut v {
        x.1 *= weight(x.0);
    }
    if v.len() > n {
        v.select_nth_unstable_by(n - 1, by_score);
        v.truncate(n);
    }
    v.into_iter().map(|x| x.0).collect()
}

/// Best first: higher score, then lower index.
fn by_score(a: &(u32, f64), b: &(u32, f64)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

impl Model {
    fn eligible(&self, e: &Eligibility, i: u32) -> bool {
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
        }
    }

    /// The user's cities for popularity: the request's city, else their stated cities.
    fn home_cities(&self, u: Option<u32>, req_city: Option<u32>) -> Vec<u32> {
        if let Some(c) = req_city {
            return vec![c];
        }
        u.and_then(|u| self.prefs.get(&u))
            .map(|p| {
                p.cities
                    .iter()
                    .filter_map(|c| self.catalog.city_id(c))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Up to `want` eligible items by popularity: the user's cities first, then everywhere.
    fn popular(&self, e: &Eligibility, cities: &[u32], want: usize, skip: &[u32]) -> Vec<u32> {
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

    /// Neighbour-weighted scores of the items (starting after `now`) the neighbours touched.
    fn collaborative_scores(&self, u: Option<u32>, now: i64, acc: &mut DenseAcc) {
        let Some(u) = u else { return };
        let starts = &self.catalog.starts;
        acc.fit(self.catalog.len());
        for &(v, s) in self.neighbours.served(u, self.config.neighbours) {
            let nv = self.matrix.norms[v as usize];
            if nv == 0.0 {
                continue;
            }
            let w = s as f64 / nv;
            for (i, r) in self.matrix.rows[v as usize].iter() {
                if starts[i as usize] > now {
                    acc.add(i, w * r);
                }
            }
        }
    }

    fn profile(&self, u: Option<u32>, acc: &mut DenseAcc) -> Profile {
        let prefs = u.and_then(|u| self.prefs.get(&u));
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
        let now = req.now.unwrap_or_else(system_now);
        crate::interaction::validate_timestamp(now)?;
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
        excluded.sort_unstable();
        excluded.dedup();
        let e = Eligibility {
            now,
            city,
            excluded,
        };
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            Ok(self.rank(u, req, &e, s))
        })
    }

    fn rank(
        &self,
        u: Option<u32>,
        req: &Request,
        e: &Eligibility,
        s: &mut Scratch,
    ) -> Vec<Recommendation> {
        let cities = self.home_cities(u, e.city);
        let k = req.k;
        let profile = match req.strategy {
            Strategy::Content | Strategy::Hybrid => self.profile(u, &mut s.features),
            _ => Profile::default(),
        };
        let w = match req.strategy {
            Strategy::Popularity => BlendWeights {
                collaborative: 0.0,
                content: 0.0,
                popularity: 1.0,
            },
            Strategy::Collaborative => BlendWeights {
                collaborative: 1.0,
                content: 0.0,
                popularity: 0.0,
            },
            Strategy::Content => BlendWeights {
                collaborative: 0.0,
                content: 1.0,
                popularity: 0.0,
            },
            Strategy::Hybrid => self.blend_weights(u, !profile.is_empty()),
        };
        if w.collaborative > 0.0 {
            self.collaborative_scores(u, e.now, &mut s.cf);
        }
        if w.content > 0.0 {
            self.content.score_all(&profile, e.now, &mut s.content);
        }
        let max_of = |acc: &DenseAcc| {
            acc.touched
                .iter()
                .map(|&i| acc.val[i as usize])
                .fold(0.0f64, f64::max)
        };
        let (max_cf, max_ct) = (max_of(&s.cf), max_of(&s.content));
        let prior_exp = self.config.popularity_prior;
        let local = self.popularity.context(&cities);
        let score = |i: u32, s: &Scratch| -> [f64; 3] {
            let cf = if max_cf > 0.0 {
                (s.cf.get(i) / max_cf).max(0.0)
            } else {
                0.0
            };
            let ct = if max_ct > 0.0 {
                (s.content.get(i) / max_ct).max(0.0)
            } else {
                0.0
            };
            let pop = self.popularity.local(i, &local);
            let prior = if ct <= 0.0 || prior_exp == 0.0 {
                1.0
            } else if prior_exp == 1.0 {
                pop
            } else {
                pop.max(f64::MIN_POSITIVE).powf(prior_exp)
            };
            [
                w.collaborative * cf,
                w.content * ct * prior,
                w.popularity * pop,
            ]
        };

        // Candidates: positive collaborative or content evidence, plus the most popular.
        s.seen.fit(self.catalog.len());
        let mut scored: Vec<(u32, f64)> = Vec::new();
        // Only the strongest evidence of each kind can reach the top k once blended.
        let depth = (10 * k).max(100);
        let mut evidence = strongest(&s.cf, depth, |_| 1.0);
        // Content evidence is ranked as it will count: with its popularity prior.
        evidence.extend(strongest(&s.content, depth, |i| {
            if prior_exp == 0.0 {
                1.0
            } else {
                self.popularity.local(i, &local)
            }
        }));
        let pop_pool = if w.popularity > 0.0 {
            self.popular(e, &cities, (3 * k).max(30), &[])
        } else {
            Vec::new()
        };
        for i in evidence.into_iter().chain(pop_pool) {
            if s.seen.cnt[i as usize] > 0 || !self.eligible(e, i) {
                continue;
            }
            s.seen.add(i, 0.0);
            let total: f64 = score(i, s).iter().sum();
            if total > 0.0 {
                scored.push((i, total));
            }
        }
        s.seen.clear();
        if scored.len() > k {
            scored.select_nth_unstable_by(k - 1, by_score);
            scored.truncate(k);
        }
        scored.sort_unstable_by(by_score);

        // Fill up from popularity so that k items come back whenever k are eligible.
        if scored.len() < k {
            let taken: Vec<u32> = scored.iter().map(|x| x.0).collect();
            let fill = self.popular(e, &cities, k - scored.len(), &taken);
            scored.extend(
                fill.into_iter()
                    .map(|i| (i, score(i, s).iter().sum::<f64>())),
            );
        }

        let out = scored
            .iter()
            .map(|&(i, total)| Recommendation {
                item_id: self.catalog.ids.name(i).to_owned(),
                score: total,
                explanation: req
                    .explain
                    .then(|| self.explain(u, i, score(i, s), &profile, &cities)),
            })
            .collect();
        s.cf.clear();
        s.content.clear();
        out
    }

    fn explain(
        &self,
        u: Option<u32>,
        i: u32,
        parts: [f64; 3],
        profile: &Profile,
        cities: &[u32],
    ) -> Explanation {
        let mut contributions = Vec::new();
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
