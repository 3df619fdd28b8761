//! Checking the maintained neighbour lists, users' and items', against a full recompute.

use crate::model::error::{Error, Result};
use crate::model::state::Model;
use crate::similarity::Neighbours;

impl Model {
    /// See [`crate::Engine::verify_neighbours`] (`tolerance` already checked).
    pub(crate) fn verify_neighbours(&self, tolerance: f64) -> Result<()> {
        let m = self;
        let inconsistent = |what: &str| Err(Error::Inconsistent(what.to_owned()));
        if !m.neighbours.reverse_index_consistent() {
            return inconsistent("reverse neighbour index out of step with the lists");
        }
        if !m.rows_by_start_consistent() {
            return inconsistent("rows in start order out of step with the matrix");
        }
        if !m.artist_prior_consistent() {
            return inconsistent("artist priors out of step with popularity");
        }
        if !m.item_neighbours.reverse_index_consistent() {
            return inconsistent("reverse item neighbour index out of step with the lists");
        }
        let users = Neighbours::build(m.matrix.users(), &m.capped, &m.sim_params());
        let items = Neighbours::build(m.matrix.items(), &m.heavy, &m.item_sim_params());
        let sides = [
            ("user", &m.neighbours, &users, m.config.neighbours),
            ("item", &m.item_neighbours, &items, m.config.item_neighbours),
        ];
        for (side, kept, fresh, k) in sides {
            for u in 0..fresh.lists.len() as u32 {
                let (a, b) = (kept.served(u, k), fresh.served(u, k));
                let same = a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| {
                        (x.1 as f64 - y.1 as f64).abs() <= tolerance
                            && (x.0 == y.0 || (x.1 - y.1).abs() as f64 <= tolerance)
                    });
                if !same {
                    let name = match side {
                        "user" => m.users.name(u),
                        _ => m.catalog.ids.name(u),
                    };
                    return Err(Error::Inconsistent(format!(
                        "{side} {name:?}: incremental neighbours {a:?} != full recompute {b:?}",
                    )));
                }
            }
        }
        Ok(())
    }
}
