//! How much a cluster likes an event: the metadata-aligned part (genres, favourite artists)
//! and the hidden co-engagement part, mixed by [`SyntheticConfig::content_signal`].

use super::sampling::{cumulative, pick, pick_distinct, zipf_weights};
use super::{Cluster, ItemMeta, SplitMix64, SyntheticConfig};

/// Genre-match factor: 0.03 for no shared genre (people rarely go to a genre they do not care
/// for), 0.7 for one, 0.85 for more.
fn genre_factor(item_genres: &[u32], taste: &[u32]) -> f64 {
    match item_genres.iter().filter(|g| taste.contains(g)).count() {
        0 => 0.03,
        1 => 0.7,
        _ => 0.85,
    }
}

/// Hidden-group factor: 0.85 when the cluster likes the event's hidden group, else
/// `0.85 − 0.82 × collaborative_signal` (0.03 at 1, as for genres; 0.85 at 0, no structure).
fn hidden_factor(cfg: &SyntheticConfig, m: &ItemMeta, cluster: &Cluster) -> f64 {
    if cluster.hidden.contains(&m.hidden) {
        0.85
    } else {
        0.85 - 0.82 * cfg.collaborative_signal
    }
}

/// `s × metadata + (1 − s) × hidden` with `s = content_signal`; exactly `metadata` at `s = 1`
/// (the hidden part is then not even computed, so the default world is unchanged bit for bit).
fn mix(cfg: &SyntheticConfig, metadata: f64, m: &ItemMeta, cluster: &Cluster) -> f64 {
    let s = cfg.content_signal;
    if s >= 1.0 {
        metadata
    } else {
        s * metadata + (1.0 - s) * hidden_factor(cfg, m, cluster)
    }
}

/// Weight of an event of the cluster's city in the cluster's draws: popularity × taste factor.
pub(super) fn cluster_weight(cfg: &SyntheticConfig, m: &ItemMeta, cluster: &Cluster) -> f64 {
    m.popularity * mix(cfg, genre_factor(&m.genres, &cluster.genres), m, cluster)
}

/// See [`super::Dataset::taste_match_by_index`].
pub(super) fn taste_match(
    cfg: &SyntheticConfig,
    m: &ItemMeta,
    cluster: &Cluster,
    fav_artists: &[u32],
) -> f64 {
    let city = if m.city == cluster.city { 1.0 } else { 0.2 };
    let genre = genre_factor(&m.genres, &cluster.genres);
    let artist = if m.artists.iter().any(|a| fav_artists.contains(a)) {
        0.4
    } else {
        0.0
    };
    (city * mix(cfg, genre + artist, m, cluster)).min(1.0)
}

/// Draws every event's hidden group and every cluster's 2–3 liked groups (stream 7 of `root`,
/// so the other streams, and the default world, are unchanged). There are as many groups as
/// genres, with the same Zipf popularity, but drawn independently of any metadata.
pub(super) fn assign_hidden_groups(
    root: &SplitMix64,
    meta: &mut [ItemMeta],
    clusters: &mut [Cluster],
    groups: usize,
) {
    let cum = cumulative(zipf_weights(groups.max(1), 0.6));
    let mut rng = root.fork(7);
    for m in meta.iter_mut() {
        m.hidden = pick(&cum, &mut rng) as u32;
    }
    for cl in clusters.iter_mut() {
        let n = if rng.chance(0.5) { 2 } else { 3 };
        cl.hidden = pick_distinct(&cum, n.min(groups.max(1)), &mut rng);
    }
}
