//! The item-based component: a user's history times item–item weights — the linear item model's
//! when `Config::linear_items` > 0, else the item–item neighbourhoods (kept only when
//! `Config::item_neighbours` > 0).
//!
//! From the neighbourhoods, the score of an upcoming event `j` for user `u` is
//! `Σ_i r_ui · sim(i, j)` over the items `i` of the user's row whose served neighbour list holds
//! `j`, where `r_ui` is the decayed, kind-weighted cell (hidden items, with a negative `r_ui`,
//! count against); it costs the history length times `item_neighbours` per request. From the
//! linear model (`crate::linear`), it is `Σ_i x_ui · B[i][j]` over the user's positive cells on
//! modelled items (`x` the row scaled to a largest cell of 1), for every modelled upcoming
//! event; it costs the modelled history length times `linear_items`. It is the `ItemBased`
//! strategy's only component and, with a learned blend, one of the Hybrid's.

use crate::data::timeline::OFF_TIMELINE;
use crate::model::error::{Error, Result};
use crate::model::state::Model;
use crate::scoring::request::Strategy;
use crate::scoring::scratch::Scratch;

impl Model {
    /// `Ok` unless `strategy` is `ItemBased` and the model keeps neither item lists nor a
    /// linear item model: then an [`Error::InvalidConfig`] (the engine was not configured for
    /// it; nothing falls back).
    pub(crate) fn check_strategy(&self, strategy: Strategy) -> Result<()> {
        if strategy == Strategy::ItemBased && !self.has_item_side() {
            return Err(Error::InvalidConfig(
                "the item_based strategy needs item neighbour lists or a linear item model: set \
                 Config::item_neighbours > 0 or Config::linear_items > 0"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Whether the item-based component can score: item lists or a linear item model kept
    /// (the model keeps them exactly when its configuration asks: `Config::has_item_side`).
    pub(crate) fn has_item_side(&self) -> bool {
        self.config.has_item_side()
    }

    /// Item-based scores of the `n_up` upcoming items into `s.ib`, by timeline position, each
    /// position with evidence marked in the scratch: for every item of the user's row, its
    /// served neighbours that are upcoming.
    pub(crate) fn item_based_scores(&self, u: Option<u32>, n_up: usize, s: &mut Scratch) {
        let Some((u, row)) = u.and_then(|u| Some((u, self.matrix.rows.get(u as usize)?))) else {
            return;
        };
        let pos = &self.timeline.pos;
        if let Some(linear) = &self.linear {
            let (mut acc, mut x) = std::mem::take(&mut s.linear);
            let cap = self.config.max_user_items;
            if linear.score_row(&self.histories(), u as usize, cap, (&mut acc, &mut x)) {
                for (&j, &v) in linear.items.iter().zip(&acc) {
                    let p = pos[j as usize];
                    if v == 0.0 || p == OFF_TIMELINE || p as usize >= n_up {
                        continue;
                    }
                    s.hit(p as usize);
                    s.ib[p as usize] += f64::from(v);
                }
            }
            s.linear = (acc, x);
            return;
        }
        for (i, r) in row.iter() {
            for &(j, sim) in self.item_neighbours_of(i) {
                let p = pos[j as usize];
                if p == OFF_TIMELINE || p as usize >= n_up {
                    continue;
                }
                s.hit(p as usize);
                s.ib[p as usize] += r * f64::from(sim);
            }
        }
    }

    /// Why `j` scored for `u`: the history item contributing most (`"similar to rave-1, which
    /// you saved"`, or `"... which you liked"` when it was not saved).
    pub(crate) fn item_based_reason(&self, u: u32, j: u32) -> String {
        let row = &self.matrix.rows[u as usize];
        let best = match &self.linear {
            Some(linear) => {
                linear.top_contributor(&self.histories(), u as usize, self.config.max_user_items, j)
            }
            None => row
                .iter()
                .filter(|&(_, r)| r > 0.0)
                .filter_map(|(i, r)| {
                    let list = self.item_neighbours_of(i);
                    list.iter()
                        .find(|e| e.0 == j)
                        .map(|e| (i, r * f64::from(e.1)))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(i, _)| i),
        };
        match best {
            Some(i) => {
                let saved = self
                    .matrix
                    .cell_parts(u, i)
                    .iter()
                    .any(|p| Some(p.kind) == self.kinds.save);
                let how = if saved { "saved" } else { "liked" };
                format!("similar to {}, which you {how}", self.catalog.ids.name(i))
            }
            None => "similar to events you liked".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::config::Config;
    use crate::model::learned::{BlendReport, BucketReport, LearnedBlend, COMPONENTS};
    use crate::model::state::Model;
    use crate::scoring::request::{Request, Strategy};
    use crate::synthetic::{Dataset, SyntheticConfig};

    /// A learned blend whose every bucket weighs only the item-based component serves the
    /// Hybrid exactly as the `ItemBased` strategy ranks: the fifth component reaches serving.
    #[test]
    fn a_learned_blend_of_item_based_alone_serves_the_item_based_ranking() {
        let data = Dataset::generate(&SyntheticConfig::tiny());
        let mut m = Model::new(Config {
            item_neighbours: 20,
            ..Config::default()
        })
        .unwrap();
        m.upsert_items(data.items.clone()).unwrap();
        m.apply(&data.interactions).unwrap();
        let mut weights = vec![0.0; COMPONENTS.len()];
        weights[crate::model::learned::slot::ITEM_BASED] = 1.0;
        let bucket = BucketReport {
            name: "all".into(),
            min_history: 0,
            max_history: None,
            users: 1,
            weights,
            component_ndcg: vec![0.0; COMPONENTS.len()],
            blend_ndcg: 0.0,
        };
        m.learned = Some(LearnedBlend {
            report: BlendReport {
                components: COMPONENTS.iter().map(|c| (*c).to_owned()).collect(),
                cutoff: 0,
                train_interactions: 0,
                holdout_interactions: 0,
                buckets: vec![bucket],
                half_life_secs: m.config.half_life_secs,
                neighbours: m.config.neighbours,
                shrinkage: m.config.shrinkage,
                discount: 0.0,
                grid: Vec::new(),
            },
        });
        let now = data.interactions.last().unwrap().timestamp;
        let mut compared = 0;
        for u in 0..m.users.len() as u32 {
            let user = m.users.name(u).to_owned();
            if m.matrix.positive_count(u) == 0 {
                continue;
            }
            let req = Request::new(10).now(now).explain(true);
            let hybrid = m.recommend(&user, &req).unwrap();
            let item_based = m
                .recommend(&user, &req.clone().strategy(Strategy::ItemBased))
                .unwrap();
            assert_eq!(hybrid, item_based, "{user}");
            compared += usize::from(hybrid.iter().any(|r| {
                r.explanation.as_ref().unwrap().contributions[0]
                    .component
                    .as_str()
                    == "item_based"
            }));
        }
        assert!(compared > 10, "{compared} users with item-based evidence");
    }
}
