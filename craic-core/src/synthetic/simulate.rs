//! One user's simulated interactions: when they act, on which event (explore, favourite
//! artists or their taste cluster) and how (click, save, hide).

use super::sampling::Channel;
use super::{taste_match, Cluster, ItemMeta, SyntheticConfig, DAY};
use crate::data::interaction::{CLICK, HIDE, SAVE};
use crate::rng::SplitMix64;

/// One generated interaction, before ids are attached.
#[derive(Debug, Clone, Copy)]
pub(super) struct Raw {
    pub(super) ts: i64,
    pub(super) user: u32,
    pub(super) item: u32,
    pub(super) kind: u8,
}

pub(super) const KINDS: [&str; 3] = [CLICK, SAVE, HIDE];

/// The read-only state every user's simulation shares.
pub(super) struct World<'a> {
    pub(super) cfg: &'a SyntheticConfig,
    pub(super) meta: &'a [ItemMeta],
    pub(super) clusters: &'a [Cluster],
    pub(super) user_cluster: &'a [u32],
    pub(super) user_artists: &'a [Vec<u32>],
    pub(super) global: &'a Channel,
    pub(super) artist_channels: &'a [Channel],
    pub(super) cluster_channels: &'a [Channel],
    /// Events of each city ∝ popularity (empty when `popularity_share` is 0).
    pub(super) city_channels: &'a [Channel],
}

impl World<'_> {
    pub(super) fn simulate_user(&self, u: usize, count: usize, mut rng: SplitMix64) -> Vec<Raw> {
        let cfg = self.cfg;
        let period = (cfg.days as i64 * DAY).max(1) as u64;
        let window = cfg.lookahead_days as i64 * DAY;
        let c = self.user_cluster[u] as usize;
        let cl = &self.clusters[c];
        let fav = &self.user_artists[u];
        // Artist draws only where the metadata carry taste (exactly `artist_share` at 1).
        let artist_share = if cfg.content_signal >= 1.0 {
            cfg.artist_share
        } else {
            cfg.artist_share * cfg.content_signal
        };
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let mut t = cfg.start + rng.below(period) as i64;
            let r = rng.next_f64();
            let until = t + window;
            let mut item = None;
            let artist_end = cfg.explore_share + cfg.artist_share;
            if r < cfg.explore_share {
                item = self.global.sample(&mut rng, t, until);
            } else if r < cfg.explore_share + artist_share && !fav.is_empty() {
                let a = fav[rng.below(fav.len() as u64) as usize];
                item = self.artist_channels[a as usize].sample(&mut rng, t, until);
            } else if r >= artist_end && r < artist_end + cfg.popularity_share {
                item = self.city_channels[cl.city as usize].sample(&mut rng, t, until);
            }
            let item = item
                .or_else(|| self.cluster_channels[c].sample(&mut rng, t, until))
                .or_else(|| self.global.sample(&mut rng, t, until))
                .or_else(|| self.global.sample(&mut rng, t, i64::MAX));
            let item = match item {
                Some(i) => i,
                None => {
                    // Nothing starts after `t`: act on the last event, shortly before it starts.
                    let Some((&s, &i)) = self.global.starts.last().zip(self.global.members.last())
                    else {
                        break;
                    };
                    let earliest = (s - window).max(cfg.start);
                    t = earliest + rng.below((s - earliest).max(1) as u64) as i64;
                    i
                }
            };
            let taste = taste_match(cfg, &self.meta[item as usize], cl, fav);
            let kind = if taste < 0.25 && rng.chance(0.2) {
                2
            } else if rng.chance(0.05 + 0.3 * taste) {
                1
            } else {
                0
            };
            out.push(Raw {
                ts: t,
                user: u as u32,
                item,
                kind,
            });
        }
        out
    }
}
