use proptest::prelude::*;

use super::*;
use crate::data::catalog::Catalog;
use crate::data::item::Item;
use crate::data::timeline::Timeline;
use crate::model::config::FeatureWeights;

/// The re-ranking as first written (one feature `Vec` per candidate, caps counted in a list,
/// Jaccard on sorted lists), kept as the oracle the faster one must equal exactly.
mod reference {
    use super::*;

    struct Candidate {
        similar: Vec<u32>,
        capped: Vec<(u32, bool)>,
    }

    pub fn candidate_similar(content: &ContentIndex, i: u32) -> Vec<u32> {
        candidate(content, i).similar
    }

    fn candidate(content: &ContentIndex, i: u32) -> Candidate {
        let (mut similar, mut capped) = (Vec::new(), Vec::new());
        for &f in content.features(i) {
            match content.kind(f) {
                FeatureKind::Genre => similar.push(f),
                FeatureKind::Artist => {
                    similar.push(f);
                    capped.push((f, true));
                }
                FeatureKind::Venue => capped.push((f, false)),
                FeatureKind::City | FeatureKind::Tag => {}
            }
        }
        Candidate { similar, capped }
    }

    pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
        let both = crate::data::sparse::shared_count(a, b);
        let union = a.len() + b.len() - both;
        if union == 0 {
            0.0
        } else {
            both as f64 / union as f64
        }
    }

    /// The list and whether the caps had to be relaxed to fill it.
    pub fn rerank(
        d: &Diversify,
        content: &ContentIndex,
        pool: &[(u32, f64)],
        k: usize,
    ) -> (Vec<(u32, f64)>, bool) {
        let cands: Vec<Candidate> = pool.iter().map(|&(i, _)| candidate(content, i)).collect();
        let best = pool.iter().map(|x| x.1).fold(0.0, f64::max);
        let inv_best = if best > 0.0 { 1.0 / best } else { 0.0 };
        let mut taken = vec![false; pool.len()];
        let mut max_sim = vec![0.0f64; pool.len()];
        let mut counts: Vec<(u32, usize)> = Vec::new();
        let count =
            |counts: &[(u32, usize)], f: u32| counts.iter().find(|c| c.0 == f).map_or(0, |c| c.1);
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let mut pick: Option<(usize, f64)> = None;
            for (c, cand) in cands.iter().enumerate() {
                let keeps = cand.capped.iter().all(|&(f, artist)| {
                    let cap = if artist {
                        d.max_per_artist
                    } else {
                        d.max_per_venue
                    };
                    count(&counts, f) < cap
                });
                if taken[c] || !keeps {
                    continue;
                }
                let v = (1.0 - d.lambda) * pool[c].1 * inv_best - d.lambda * max_sim[c];
                if pick.is_none_or(|p| v > p.1) {
                    pick = Some((c, v));
                }
            }
            let Some((c, _)) = pick else { break };
            taken[c] = true;
            out.push(pool[c]);
            for &(f, _) in &cands[c].capped {
                match counts.iter_mut().find(|x| x.0 == f) {
                    Some(x) => x.1 += 1,
                    None => counts.push((f, 1)),
                }
            }
            if d.lambda > 0.0 {
                for (o, cand) in cands.iter().enumerate() {
                    if !taken[o] {
                        let s = jaccard(&cands[c].similar, &cand.similar);
                        max_sim[o] = max_sim[o].max(s);
                    }
                }
            }
        }
        let short = out.len() < k.min(pool.len());
        let rest = pool.iter().zip(&taken).filter(|(_, &t)| !t);
        out.extend(rest.map(|(&x, _)| x).take(k - out.len()));
        (out, short)
    }
}

/// A content index over `items`: (genres, artists, venue) by index, names drawn from small
/// alphabets so that candidates share features; with `many`, ten alphabets (by index modulo
/// 10), so that a pool can have more than 64 genres and artists and a bit set several words.
fn index(items: &[(Vec<u8>, Vec<u8>, u8)], many: bool) -> ContentIndex {
    let mut cat = Catalog::default();
    for (n, (genres, artists, venue)) in items.iter().enumerate() {
        let shift = if many { (n % 10) * 16 } else { 0 };
        let name = |p: &str, x: &u8| format!("{p}{}", *x as usize + shift);
        cat.upsert(
            Item::new(format!("i{n}"), 1_000 + n as i64)
                .city(["dublin", "cork"][n % 2])
                .venue(if *venue == 0 {
                    String::new()
                } else {
                    name("v", venue)
                })
                .genres(genres.iter().map(|g| name("g", g)))
                .artists(artists.iter().map(|a| name("a", a)))
                .tags(["tag"]),
        );
    }
    let timeline = Timeline::build(&cat);
    ContentIndex::build(&cat, &FeatureWeights::default(), &timeline)
}

fn diversify(lambda: f64, artist: Option<usize>, venue: Option<usize>) -> Diversify {
    Diversify {
        lambda,
        max_per_artist: artist.unwrap_or(usize::MAX),
        max_per_venue: venue.unwrap_or(usize::MAX),
    }
}

#[test]
fn jaccard_by_hand() {
    use reference::jaccard;
    assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
    assert_eq!(jaccard(&[], &[]), 0.0);
    assert_eq!(jaccard(&[1], &[2]), 0.0);
    assert_eq!(jaccard(&[7], &[7]), 1.0);
    // The bit sets give the same: items 0 {g0 g1 a0}, 1 {g1 a0 a1}, 2 {}, 3 {} (venue only).
    let ix = index(
        &[
            (vec![0, 1], vec![0], 1),
            (vec![1], vec![0, 1], 1),
            (vec![], vec![], 0),
            (vec![], vec![], 2),
        ],
        false,
    );
    let mut s = RerankScratch::default();
    let pool = [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)];
    s.load(&diversify(0.5, None, None), &ix, &pool, true);
    assert_eq!(s.jaccard(0, 1), 0.5);
    assert_eq!(s.jaccard(2, 3), 0.0);
    assert_eq!(s.jaccard(0, 2), 0.0);
    assert_eq!(s.jaccard(1, 1), 1.0);
    s.clear();
    assert!(s.is_clean());
}

/// Nothing to re-rank without a trade-off or a cap (the typed errors for bad options are
/// checked through the engine in tests/diversity.rs).
#[test]
fn plain_requests_are_not_reranked() {
    assert_eq!(validate(&Request::new(3)).unwrap(), None);
    assert_eq!(validate(&Request::new(3).diversity(0.0)).unwrap(), None);
    assert!(validate(&Request::new(3).diversity(1.0)).unwrap().is_some());
    assert!(validate(&Request::new(3).max_per_venue(1))
        .unwrap()
        .is_some());
}

#[test]
fn pool_over_fetches() {
    assert_eq!(pool_size(1), 21);
    assert_eq!(pool_size(10), 30);
    assert_eq!(pool_size(100), 300);
    assert_eq!(wider_pool(10, 30), Some(110));
    assert_eq!(wider_pool(10, 110), None);
    assert_eq!(wider_pool(20, 30), Some(200));
}

/// Through the engine: caps no pool of the 12 events can meet (3 venues, at most 1 each),
/// so the request ranks the wider pool and completes the list; every buffer is clean after.
#[test]
fn a_request_that_needs_the_wider_pool_leaves_the_scratch_clean() {
    let now = 1_800_000_000;
    let e = crate::Engine::new(crate::Config::default()).unwrap();
    let events = (0..12).map(|n| {
        Item::new(format!("e{n}"), now + 86_400)
            .city("dublin")
            .venue(format!("v{}", n % 3))
            .genres([format!("g{}", n % 4)])
            .artists([format!("a{}", n % 5)])
    });
    e.upsert_items(events.collect()).unwrap();
    let seen = [("ana", "e0"), ("ana", "e1"), ("ben", "e1"), ("ben", "e2")];
    let rows: Vec<crate::Interaction> = (seen.iter())
        .map(|&(u, i)| crate::Interaction::new(u, i, crate::SAVE, now - 60))
        .collect();
    e.record(&rows).unwrap();
    let req = Request::new(5).diversity(0.5).max_per_venue(1).now(now);
    let got = e.recommend("ana", &req).unwrap();
    assert_eq!(got.len(), 5);
    let venues: std::collections::HashSet<&str> = (got.iter())
        .map(|r| ["v0", "v1", "v2"][r.item_id[1..].parse::<usize>().unwrap() % 3])
        .collect();
    assert_eq!(
        venues.len(),
        3,
        "the first three picks keep the cap: {got:?}"
    );
    assert!(crate::scoring::scratch::scratch_is_clean());
}

fn item() -> impl Strategy<Value = (Vec<u8>, Vec<u8>, u8)> {
    (
        prop::collection::vec(0u8..6, 0..3),
        prop::collection::vec(0u8..8, 0..3),
        0u8..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The re-ranking equals the oracle bit for bit — the same items, scores and order, the
    /// same verdict on the caps — for any pool, trade-off, caps and k, with one scratch reused
    /// across calls and left clean after each.
    #[test]
    fn equals_the_reference(
        items in prop::collection::vec(item(), 1..40),
        many in any::<bool>(),
        scores in prop::collection::vec(0u8..12, 40),
        lambda in prop_oneof![Just(0.0), Just(0.3), Just(1.0), 0.0f64..1.0],
        artist in prop::option::of(1usize..3),
        venue in prop::option::of(1usize..4),
        k in 1usize..15,
        cases in 1usize..4,
    ) {
        let ix = index(&items, many);
        // Ties in score on purpose (the order then follows the pool's).
        let mut pool: Vec<(u32, f64)> = (0..items.len() as u32)
            .map(|i| (i, f64::from(scores[i as usize]) / 4.0))
            .collect();
        pool.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let d = diversify(lambda, artist, venue);
        let mut s = RerankScratch::default();
        for case in 0..cases {
            let pool = &pool[..pool.len() - case.min(pool.len() - 1)];
            let (want, short) = reference::rerank(&d, &ix, pool, k);
            // From the widest pool the list is always complete.
            let widest = wider_pool(k, 0).unwrap();
            prop_assert_eq!(d.rerank(&ix, pool, k, widest, &mut s), Ok(want.clone()));
            prop_assert!(s.is_clean());
            // From a narrower pool a short list asks for the wider one.
            let got = d.rerank(&ix, pool, k, pool_size(k), &mut s);
            prop_assert_eq!(got, if short { Err(widest) } else { Ok(want) });
            prop_assert!(s.is_clean());
        }
    }

    /// Every pair's Jaccard index from the bit sets is the one from the sorted lists.
    #[test]
    fn bit_sets_give_the_reference_jaccard(
        items in prop::collection::vec(item(), 1..60),
        many in any::<bool>(),
    ) {
        let ix = index(&items, many);
        let pool: Vec<(u32, f64)> = (0..items.len() as u32).map(|i| (i, 1.0)).collect();
        let mut s = RerankScratch::default();
        s.load(&diversify(0.5, Some(1), Some(1)), &ix, &pool, true);
        for a in 0..pool.len() {
            for b in 0..pool.len() {
                let want = reference::jaccard(
                    &reference::candidate_similar(&ix, a as u32),
                    &reference::candidate_similar(&ix, b as u32),
                );
                prop_assert_eq!(s.jaccard(a, b), want, "{} {}", a, b);
            }
        }
    }
}
