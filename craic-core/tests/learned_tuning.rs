//! The learned blend's hyperparameter search (`LearnSettings::hyper`): it picks a clearly better
//! value, honours pinned values, serves what it chose, reports every point tried, is
//! deterministic, and a retrain from the served configuration tries the same grid. The
//! popularity discount changes the learned Hybrid only, is kept exactly through writes, and
//! is stored in snapshots.

use craic_core::synthetic::{Dataset, SyntheticConfig};
use craic_core::{
    Blend, BlendReport, Config, Engine, HyperGrid, LearnSettings, Request, SnapshotMeta, Strategy,
    DEFAULT_DISCOUNTS,
};

fn learned(hyper: HyperGrid) -> Config {
    Config {
        blend: Blend::Learned(LearnSettings {
            hyper,
            ..LearnSettings::default()
        }),
        ..Config::default()
    }
}

fn build(data: &Dataset, config: Config) -> Engine {
    data.engine(config).unwrap()
}

fn report(e: &Engine) -> BlendReport {
    e.blend_report().expect("a learned blend")
}

/// Where only neighbours carry signal, one neighbour is clearly worse than fifty: the search
/// starts at the first value listed (one) and moves to fifty.
#[test]
fn the_search_picks_a_clearly_better_neighbourhood() {
    let cfg = SyntheticConfig {
        users: 1_500,
        items: 400,
        interactions: 30_000,
        ..SyntheticConfig::small()
    }
    .in_world("purely-collaborative")
    .unwrap();
    let data = Dataset::generate(&cfg);
    let hyper = HyperGrid {
        neighbours: Some(vec![1, 50]),
        ..HyperGrid::pinned(&Config::default())
    };
    let e = build(&data, learned(hyper));
    let r = report(&e);
    assert_eq!(r.grid.len(), 2);
    assert_eq!((r.grid[0].neighbours, r.grid[1].neighbours), (1, 50));
    assert!(
        r.grid[1].ndcg > 1.1 * r.grid[0].ndcg,
        "one neighbour {:.4}, fifty {:.4}",
        r.grid[0].ndcg,
        r.grid[1].ndcg
    );
    assert_eq!(r.neighbours, 50);
    assert_eq!(e.config().neighbours, 50);
}

/// The default grid: eight points (a coordinate search from the configuration's values and no
/// discount), the
/// chosen one the first best, served and recorded in the configuration with the grid spelled
/// out; a rebuild from the served configuration chooses the same.
#[test]
fn the_default_grid_is_searched_reported_served_and_stable() {
    let data = Dataset::generate(&SyntheticConfig::tiny());
    let config = learned(HyperGrid::default());
    let e = build(&data, config.clone());
    let r = report(&e);
    assert_eq!(r.grid.len(), 8);
    let d = Config::default();
    let first = &r.grid[0];
    assert_eq!(
        (
            first.half_life_secs,
            first.neighbours,
            first.shrinkage,
            first.discount
        ),
        (d.half_life_secs, d.neighbours, d.shrinkage, 0.0)
    );
    let best = r.grid.iter().map(|p| p.ndcg).fold(f64::MIN, f64::max);
    let chosen = r.grid.iter().find(|p| p.ndcg == best).unwrap();
    assert_eq!(
        (
            chosen.half_life_secs,
            chosen.neighbours,
            chosen.shrinkage,
            chosen.discount
        ),
        (r.half_life_secs, r.neighbours, r.shrinkage, r.discount)
    );
    // The chosen point's blend is learned on the whole sample (the grid's NDCG is over a
    // quarter of it): every bucket's blend at least matches each component alone there.
    for b in &r.buckets {
        let alone = b.component_ndcg.iter().fold(0.0, |a: f64, &x| a.max(x));
        assert!(b.blend_ndcg >= alone, "{b:?}");
    }

    let served = e.config();
    assert_eq!(
        (served.half_life_secs, served.neighbours, served.shrinkage),
        (r.half_life_secs, r.neighbours, r.shrinkage)
    );
    let Blend::Learned(s) = &served.blend else {
        panic!("a learned blend")
    };
    let axes = &s.hyper;
    assert_eq!(axes.neighbours.as_deref(), Some(&[50, 25, 100][..]));
    assert_eq!(axes.shrinkage.as_deref(), Some(&[10.0, 0.0, 30.0][..]));
    assert_eq!(axes.half_life_secs.as_ref().map(Vec::len), Some(2));
    assert_eq!(axes.discount.as_deref(), Some(&DEFAULT_DISCOUNTS[..]));

    // Deterministic, and a retrain from the served configuration tries the same grid.
    assert_eq!(report(&build(&data, config)), r);
    let again = report(&build(&data, served));
    assert_eq!(
        (
            again.half_life_secs,
            again.neighbours,
            again.shrinkage,
            again.discount
        ),
        (r.half_life_secs, r.neighbours, r.shrinkage, r.discount)
    );
    let tried = |r: &BlendReport| -> Vec<(Option<f64>, usize, f64, f64)> {
        let mut v: Vec<_> = r
            .grid
            .iter()
            .map(|p| (p.half_life_secs, p.neighbours, p.shrinkage, p.discount))
            .collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    };
    assert_eq!(tried(&again)[..], tried(&r)[..]);

    // Stored in snapshots: the report, the served configuration and what it serves.
    let (loaded, _) =
        Engine::from_snapshot(&e.to_snapshot(&SnapshotMeta::default()).unwrap()).unwrap();
    assert_eq!(loaded.blend_report(), Some(r));
    assert_eq!(loaded.config(), e.config());
    let now = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
    for user in data.interactions.iter().take(30).map(|x| &x.user_id) {
        let req = Request::new(10).now(now);
        assert_eq!(
            loaded.recommend(user, &req).unwrap(),
            e.recommend(user, &req).unwrap()
        );
    }
}

/// Values pinned by hand (one per axis, none of them the configuration's) are the only point
/// tried and what the engine serves: the same engine as a configuration holding those values.
#[test]
fn pinned_values_are_honoured() {
    let data = Dataset::generate(&SyntheticConfig::tiny());
    let hyper = HyperGrid {
        half_life_secs: Some(vec![None]),
        neighbours: Some(vec![7]),
        shrinkage: Some(vec![0.0]),
        discount: Some(vec![0.5]),
    };
    let e = build(&data, learned(hyper.clone()));
    let r = report(&e);
    assert_eq!(r.grid.len(), 1);
    assert_eq!(
        (r.half_life_secs, r.neighbours, r.shrinkage, r.discount),
        (None, 7, 0.0, 0.5)
    );
    let c = e.config();
    assert_eq!(
        (c.half_life_secs, c.neighbours, c.shrinkage),
        (None, 7, 0.0)
    );
    let user = &data.interactions[0].user_id;
    assert!(e.neighbours(user).len() <= 7);

    // The same as stating those values in the configuration.
    let direct = build(
        &data,
        Config {
            half_life_secs: None,
            neighbours: 7,
            shrinkage: 0.0,
            ..learned(hyper)
        },
    );
    assert_eq!(report(&direct), r);
    assert_eq!(direct.config(), e.config());
}

/// A learned engine with its discount pinned to `beta` (every other axis pinned too, so the
/// engines differ by β alone), on the purely-collaborative world at the tests' size.
fn discounted(data: &Dataset, beta: f64) -> Engine {
    let hyper = HyperGrid {
        discount: Some(vec![beta]),
        ..HyperGrid::pinned(&Config::default())
    };
    let config = Config {
        item_neighbours: 20,
        ..learned(hyper)
    };
    build(data, config)
}

fn collaborative_world() -> Dataset {
    let cfg = SyntheticConfig {
        users: 600,
        items: 200,
        interactions: 12_000,
        ..SyntheticConfig::small()
    }
    .in_world("purely-collaborative")
    .unwrap();
    Dataset::generate(&cfg)
}

/// The discount is the learned Hybrid's alone: with β 0.8 the Collaborative and ItemBased
/// strategies rank exactly as with none, the Hybrid differently for some users.
#[test]
fn the_discount_changes_the_learned_hybrid_only() {
    let data = collaborative_world();
    let (plain, disc) = (discounted(&data, 0.0), discounted(&data, 0.8));
    assert_eq!(
        (report(&plain).discount, report(&disc).discount),
        (0.0, 0.8)
    );
    let now = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
    let mut differ = 0;
    let users: Vec<&String> = data.interactions.iter().map(|x| &x.user_id).collect();
    for user in users.into_iter().step_by(97).take(60) {
        let req = Request::new(10).now(now);
        for s in [Strategy::Collaborative, Strategy::ItemBased] {
            let single = req.clone().strategy(s);
            assert_eq!(
                disc.recommend(user, &single).unwrap(),
                plain.recommend(user, &single).unwrap()
            );
        }
        differ += usize::from(disc.recommend(user, &req) != plain.recommend(user, &req));
    }
    assert!(differ > 0, "the discount changed no Hybrid list");
}

/// The discount table kept through writes equals one rebuilt: after recording more events
/// (new users, longer columns), `verify_neighbours` holds and a snapshot round trip (which
/// rebuilds the table) serves the same Hybrid lists, β included.
#[test]
fn the_discount_is_kept_exactly_through_writes_and_snapshots() {
    let data = collaborative_world();
    let split = data.interactions.len() * 3 / 4;
    let mut first = data.clone();
    first.interactions.truncate(split);
    let e = discounted(&first, 0.6);
    for batch in data.interactions[split..].chunks(200) {
        e.record(batch).unwrap();
        e.verify_neighbours(0.0).unwrap();
    }
    let (loaded, _) =
        Engine::from_snapshot(&e.to_snapshot(&SnapshotMeta::default()).unwrap()).unwrap();
    assert_eq!(loaded.blend_report().unwrap().discount, 0.6);
    loaded.verify_neighbours(0.0).unwrap();
    let now = data.interactions.iter().map(|x| x.timestamp).max().unwrap();
    for user in data
        .interactions
        .iter()
        .step_by(53)
        .take(60)
        .map(|x| &x.user_id)
    {
        let req = Request::new(10).now(now).explain(true);
        assert_eq!(loaded.recommend(user, &req), e.recommend(user, &req));
    }
}
