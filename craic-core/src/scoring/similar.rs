//! Similar events for an event page: upcoming events only, ranked from co-engagement where it
//! exists, then from content and artists (the item's own features against every upcoming
//! event's), then from local popularity, so a brand-new event has similar events from its first
//! second and `k` come back whenever `k` are eligible.
//!
//! Co-engagement is computed on demand from the matrix's columns, never stored: the shrunk
//! cosine between item columns, with the same shrinkage and minimum overlap as the user–user
//! similarity. It is therefore always exact and current (an interaction recorded a moment ago
//! counts), costs nothing at build, record or snapshot time, and costs one pass over the
//! upcoming part of the histories of the people who engaged with the item per call.

use crate::data::catalog::NO_CITY;
use crate::data::ids::validate_id;
use crate::data::sparse::SparseVec;
use crate::data::timeline::OFF_TIMELINE;
use crate::model::error::{Error, Result};
use crate::model::state::Model;
use crate::scoring::recommend::{system_now, Eligibility};
use crate::scoring::request::{Component, Contribution, Explanation, Recommendation};
use crate::scoring::scratch::{Cleared, Scratch, SCRATCH};
use crate::similarity::cosine;

/// One picked event: (item, score, where it came from).
type Pick = (u32, f64, Component);

impl Model {
    /// Up to `k` upcoming events similar to `item_id` (exactly `k` whenever `k` are eligible),
    /// each with its explanation. Ordered by source — co-engaged events by similarity, then
    /// events matching on content by cosine, then popular ones — and within a source by score
    /// (ties by catalogue order).
    pub fn similar_items(
        &self,
        item_id: &str,
        k: usize,
        now: Option<i64>,
        city: Option<&str>,
    ) -> Result<Vec<Recommendation>> {
        validate_id(item_id)?;
        if k == 0 || k > self.config.max_k {
            return Err(Error::InvalidK {
                k,
                max: self.config.max_k,
            });
        }
        let now = now.unwrap_or_else(system_now);
        crate::data::interaction::validate_timestamp(now)?;
        let i = self
            .catalog
            .ids
            .get(item_id)
            .ok_or_else(|| Error::UnknownItem(item_id.to_owned()))?;
        // An unknown city matches no item.
        let city = city.map(|c| self.catalog.city_id(c).unwrap_or(NO_CITY - 1));
        let e = Eligibility {
            now,
            city,
            excluded: vec![i],
            demote: Vec::new(),
        };
        let mut out: Vec<Pick> = SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = Cleared(&mut s);
            let mut out = self.similar_by_co_engagement(i, &e, k, s.0);
            if out.len() < k {
                self.similar_by_content(i, &e, k, &mut out, s.0);
            }
            out
        });
        let c = self.catalog.city_of[i as usize];
        let cities: Vec<u32> = city.or((c != NO_CITY).then_some(c)).into_iter().collect();
        if out.len() < k {
            let taken: Vec<u32> = out.iter().map(|x| x.0).collect();
            for j in self.popular(&e, &cities, k - out.len(), &taken) {
                out.push((j, self.popularity.score[j as usize], Component::Popularity));
            }
        }
        Ok(out
            .into_iter()
            .map(|(j, score, component)| Recommendation {
                item_id: self.catalog.ids.name(j).to_owned(),
                score,
                explanation: Some(Explanation {
                    contributions: vec![Contribution {
                        component,
                        score,
                        reason: self.similar_reason(i, j, component, &cities),
                    }],
                }),
            })
            .collect())
    }

    /// Every event among the first `n_up` upcoming ones co-engaged with `i` (someone has a cell
    /// for both) and its shrunk cosine with `i`, most similar first (ties by index); events
    /// below the minimum overlap or with a similarity that is not positive are left out. Each
    /// person's history is read latest event first, up to the first event that has started,
    /// so the cost is that of their upcoming events, not of their whole history.
    pub(crate) fn co_engaged_with(&self, i: u32, n_up: usize, s: &mut Scratch) -> Vec<(u32, f32)> {
        let ni = self.matrix.col_norms[i as usize];
        if ni == 0.0 {
            return Vec::new();
        }
        let pos = &self.timeline.pos;
        let acc = &mut s.items;
        acc.fit(self.matrix.cols.len());
        for (u, wu) in self.matrix.cols[i as usize].iter() {
            for cell in self.by_start.row(u) {
                let p = pos[cell.item as usize];
                if p == OFF_TIMELINE {
                    continue; // removed item
                }
                if p as usize >= n_up {
                    break;
                }
                if cell.item != i {
                    acc.add(cell.item, wu * { cell.val });
                }
            }
        }
        let params = self.sim_params();
        let mut found: Vec<(u32, f32)> = acc
            .touched
            .iter()
            .map(|&j| {
                let nj = self.matrix.col_norms[j as usize];
                let (dot, overlap) = (acc.val[j as usize], acc.cnt[j as usize]);
                (j, cosine(dot, ni, nj, overlap, &params))
            })
            .filter(|&(_, sim)| sim > 0.0)
            .collect();
        acc.clear();
        found.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found
    }

    /// The first `k` eligible co-engaged events.
    fn similar_by_co_engagement(
        &self,
        i: u32,
        e: &Eligibility,
        k: usize,
        s: &mut Scratch,
    ) -> Vec<Pick> {
        self.co_engaged_with(i, self.timeline.upcoming(e.now), s)
            .into_iter()
            .filter(|&(j, _)| self.eligible(e, j))
            .take(k)
            .map(|(j, sim)| (j, f64::from(sim), Component::ItemBased))
            .collect()
    }

    /// Tops `out` up to `k` with the eligible upcoming events whose content is closest to item
    /// `i`'s (cosine of the IDF-weighted features, artists among them).
    fn similar_by_content(
        &self,
        i: u32,
        e: &Eligibility,
        k: usize,
        out: &mut Vec<Pick>,
        s: &mut Scratch,
    ) {
        let row = SparseVec {
            idx: vec![i],
            val: vec![1.0],
        };
        let profile = self
            .content
            .profile(None, Some(&row), 1.0, 0.0, &mut s.features);
        if profile.is_empty() {
            return;
        }
        let n_up = self.timeline.upcoming(e.now);
        s.fit(n_up);
        let scores = &mut s.content[..n_up];
        scores.fill(0.0);
        self.content.score_upcoming(&profile, scores);
        let mut found: Vec<(u32, f64)> = scores
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0.0)
            .map(|(p, &c)| (self.timeline.order[p], c))
            .filter(|&(j, _)| self.eligible(e, j) && !out.iter().any(|x| x.0 == j))
            .collect();
        found.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(k - out.len());
        out.extend(found.into_iter().map(|(j, c)| (j, c, Component::Content)));
    }

    /// The reason `j` is similar to `i`: how many people engaged with both, the feature they
    /// share, or that `j` is popular (in one of `cities`, or overall).
    fn similar_reason(&self, i: u32, j: u32, component: Component, cities: &[u32]) -> String {
        match component {
            Component::ItemBased => match self.co_engaged(i, j) {
                1 => "1 person interacted with both".to_owned(),
                n => format!("{n} people interacted with both"),
            },
            Component::Content => self
                .content
                .shared_reason(i, j)
                .unwrap_or_else(|| "similar content".to_owned()),
            _ => {
                let c = self.catalog.city_of[j as usize];
                match self.catalog.city_name(c) {
                    Some(name) if cities.contains(&c) => format!("popular in {name}"),
                    _ => "popular overall".to_owned(),
                }
            }
        }
    }

    /// Users with a cell for both items (a merge of the two columns).
    fn co_engaged(&self, i: u32, j: u32) -> usize {
        let (a, b) = (&self.matrix.cols[i as usize], &self.matrix.cols[j as usize]);
        crate::data::sparse::shared_count(&a.idx, &b.idx)
    }
}
