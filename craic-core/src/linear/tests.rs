// Matrix entries read clearest by their indices.
#![allow(clippy::needless_range_loop)]

use super::*;
use proptest::prelude::*;

use crate::data::sparse::SparseVec;

fn row(cells: &[(u32, f64)]) -> SparseVec {
    SparseVec {
        idx: cells.iter().map(|c| c.0).collect(),
        val: cells.iter().map(|c| c.1).collect(),
    }
}

/// Histories whose decayed rows are `rows` and whose undecayed values are `values` (same
/// cells), or the rows themselves when `values` is empty; a cell's recency is its decayed
/// value, and a read's focus `focus`.
struct Logged {
    rows: Vec<SparseVec>,
    values: Vec<SparseVec>,
    focus: Option<f64>,
}

fn logged(rows: Vec<SparseVec>) -> Logged {
    Logged {
        rows,
        values: Vec::new(),
        focus: None,
    }
}

impl Histories for Logged {
    fn users(&self) -> usize {
        self.rows.len()
    }

    fn row(&self, u: usize) -> &SparseVec {
        &self.rows[u]
    }

    fn value(&self, u: usize, i: u32) -> f64 {
        let from = if self.values.is_empty() {
            &self.rows
        } else {
            &self.values
        };
        from[u].get(i).unwrap_or(0.0)
    }

    fn recency(&self, u: usize, i: u32) -> f64 {
        self.rows[u].get(i).unwrap_or(0.0)
    }

    fn focus(&self) -> Option<f64> {
        self.focus
    }
}

/// `m⁻¹` by Gauss–Jordan with partial pivoting (an independent reference).
fn gauss_jordan(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let mut v = row.clone();
            v.extend((0..n).map(|c| if c == r { 1.0 } else { 0.0 }));
            v
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
            .unwrap();
        a.swap(c, p);
        let d = a[c][c];
        a[c].iter_mut().for_each(|v| *v /= d);
        for r in 0..n {
            if r != c {
                let f = a[r][c];
                let pivot = a[c].clone();
                a[r].iter_mut().zip(&pivot).for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    a.into_iter().map(|r| r[n..].to_vec()).collect()
}

/// A user's modelled cells as the textbook reads them: positive decayed and undecayed, at the
/// undecayed value over the largest such value.
fn textbook_row(h: &Logged, u: usize, items: &[u32]) -> Vec<(usize, f64)> {
    let x: Vec<(usize, f64)> = h.rows[u]
        .iter()
        .filter(|c| c.1 > 0.0)
        .filter_map(|(i, _)| {
            items
                .iter()
                .position(|&x| x == i)
                .map(|p| (p, h.value(u, i)))
        })
        .filter(|c| c.1 > 0.0)
        .collect();
    let top = x.iter().map(|c| c.1).fold(0.0, f64::max);
    x.into_iter().map(|(p, v)| (p, v / top)).collect()
}

/// EASE computed the textbook way from the histories (over the model's items).
fn reference(h: &Logged, items: &[u32], l2: f64) -> Vec<Vec<f64>> {
    let n = items.len();
    let mut g = vec![vec![0.0; n]; n];
    for u in 0..h.users() {
        let x = textbook_row(h, u, items);
        for &(a, xa) in &x {
            for &(b, xb) in &x {
                g[a][b] += xa * xb;
            }
        }
    }
    (0..n).for_each(|a| g[a][a] += l2);
    let p = gauss_jordan(&g);
    (0..n)
        .map(|a| {
            (0..n)
                .map(|b| if a == b { 0.0 } else { -p[a][b] / p[b][b] })
                .collect()
        })
        .collect()
}

#[test]
fn the_most_engaged_items_are_modelled_and_removed_ones_left_out() {
    let rows = logged(vec![
        row(&[(0, 1.0), (1, 1.0), (2, 1.0)]),
        row(&[(1, 2.0), (2, 0.5), (4, -1.0)]),
        row(&[(2, 1.0), (3, 1.0), (4, -1.0)]),
    ]);
    // users per item: 0→1, 1→2, 2→3, 3→1, 4→0 (hides do not count).
    let m = LinearItems::fit(&rows, 6, &[false; 6], (2, 10.0, 100)).unwrap();
    assert_eq!(m.items, vec![1, 2]);
    let m = LinearItems::fit(&rows, 6, &[false; 6], (10, 10.0, 100)).unwrap();
    assert_eq!(
        m.items,
        vec![0, 1, 2, 3],
        "never-engaged items are not modelled"
    );
    let removed = [false, false, true, false, false, false];
    let m = LinearItems::fit(&rows, 6, &removed, (3, 10.0, 100)).unwrap();
    assert_eq!(m.items, vec![0, 1, 3], "ties by the earlier index");
    assert_eq!(m.position(2), None);
    assert_eq!(m.weight(2, 0), 0.0);
}

#[test]
fn no_engagement_gives_an_empty_model_that_scores_nothing() {
    let rows = logged(vec![row(&[(0, -1.0)]), SparseVec::default()]);
    let m = LinearItems::fit(&rows, 3, &[false; 3], (100, 1.0, 100)).unwrap();
    assert_eq!(m.len(), 0);
    let (mut acc, mut x) = (Vec::new(), Vec::new());
    assert!(!m.score_row(&rows, 0, 100, (&mut acc, &mut x)));
    assert!(acc.is_empty());
}

proptest! {
    /// The fitted weights are EASE's closed form on the undecayed values of the positive cells
    /// (checked against an independent Gauss–Jordan inverse), and a user's scores are their
    /// scaled row times the weights.
    #[test]
    fn weights_and_scores_are_the_closed_form(
        cells in proptest::collection::vec(
            proptest::collection::btree_map(0u32..12, (-1.0f64..3.0, -1.0f64..3.0), 0..8), 1..30),
        l2 in 0.5f64..100.0,
        max_items in 1usize..14,
    ) {
        let side = |k: usize| -> Vec<SparseVec> {
            cells
                .iter()
                .map(|c| row(&c.iter().map(|(&i, v)| (i, if k == 0 { v.0 } else { v.1 })).collect::<Vec<_>>()))
                .collect()
        };
        let h = Logged { rows: side(0), values: side(1), focus: None };
        let m = LinearItems::fit(&h, 12, &[false; 12], (max_items, l2, 100)).unwrap();
        prop_assert!(m.len() <= max_items);
        m.check(12, max_items).unwrap();
        let want = reference(&h, &m.items, l2);
        let n = m.len();
        for a in 0..n {
            for b in 0..n {
                let got = f64::from(m.weights[a * n + b]);
                prop_assert!((got - want[a][b]).abs() < 1e-5 * (1.0 + want[a][b].abs()),
                    "B[{a}][{b}] = {got}, want {}", want[a][b]);
            }
        }
        let (mut acc, mut x) = (Vec::new(), Vec::new());
        for u in 0..h.users() {
            let any = m.score_row(&h, u, 100, (&mut acc, &mut x));
            let cells = textbook_row(&h, u, &m.items);
            for b in 0..n {
                let terms: Vec<f64> =
                    cells.iter().map(|&(a, v)| v * m.weight(m.items[a], m.items[b])).collect();
                let (s, size): (f64, f64) = (terms.iter().sum(), terms.iter().map(|t| t.abs()).sum());
                // Summed in `f32`: a few units of its epsilon per term.
                prop_assert!((f64::from(acc[b]) - s).abs() <= 1e-6 * (1.0 + size) * terms.len() as f64);
            }
            prop_assert_eq!(any, !cells.is_empty());
        }
    }
}

/// The cost guard: a row is read as its `cap` strongest modelled cells in the decayed row
/// (ties by position) — the same as a row holding only those cells — while their values are
/// the undecayed ones.
#[test]
fn a_long_row_is_read_as_its_strongest_cells() {
    let long = row(&[(0, 0.5), (1, 3.0), (2, 1.0), (3, 3.0), (4, 0.2), (5, 2.0)]);
    let short = row(&[(1, 3.0), (3, 3.0), (5, 2.0)]);
    let others = vec![
        row(&[(0, 1.0), (1, 1.0), (5, 1.0)]),
        row(&[(2, 1.0), (3, 1.0), (4, 1.0)]),
        row(&[(1, 1.0), (3, 1.0), (4, 1.0)]),
    ];
    let with = |r: &SparseVec| {
        let mut rows = others.clone();
        rows.push(r.clone());
        logged(rows)
    };
    let capped = LinearItems::fit(&with(&long), 6, &[false; 6], (6, 2.0, 3)).unwrap();
    let trimmed = LinearItems::fit(&with(&short), 6, &[false; 6], (6, 2.0, 3)).unwrap();
    assert_eq!(capped, trimmed, "the fit reads the capped row");
    let uncapped = LinearItems::fit(&with(&long), 6, &[false; 6], (6, 2.0, 100)).unwrap();
    assert_ne!(uncapped, capped);
    // Scoring reads its own cap, whatever the fit read.
    let (long_h, short_h) = (with(&long), with(&short));
    let (mut a, mut b, mut x) = (Vec::new(), Vec::new(), Vec::new());
    uncapped.score_row(&long_h, 3, 3, (&mut a, &mut x));
    uncapped.score_row(&short_h, 3, 3, (&mut b, &mut x));
    assert_eq!(a, b);
    // Ties at the cap go to the earlier position: 1 and 3 tie, a cap of 1 keeps 1.
    assert_eq!(
        capped.top_contributor(&long_h, 3, 1, 2),
        capped.top_contributor(&logged(vec![row(&[(1, 1.0)])]), 0, 1, 2)
    );
    // The decayed row picks the cells, the undecayed values weigh them: reversing the values
    // of the kept cells changes the scores, not which cells are read.
    let reversed = Logged {
        focus: None,
        rows: long_h.rows.clone(),
        values: long_h
            .rows
            .iter()
            .map(|r| row(&r.iter().map(|(i, v)| (i, 4.0 - v)).collect::<Vec<_>>()))
            .collect(),
    };
    let mut c = Vec::new();
    uncapped.score_row(&reversed, 3, 3, (&mut c, &mut x));
    let kept: Vec<u32> = x.iter().map(|&(p, _)| uncapped.items[p]).collect();
    assert_eq!(kept, vec![1, 3, 5]);
    assert_eq!(
        x.iter().map(|c| c.1).collect::<Vec<_>>(),
        vec![0.5, 0.5, 1.0]
    );
    assert_ne!(a, c);
}

proptest! {
    /// With a focus τ, a request weighs each read cell by `0.2 + 0.8 e^(−r/τ)`, `r` the number
    /// of read cells strictly more recent (equally recent cells share a rank), on top of its
    /// scaled undecayed value; the fit reads without a focus.
    #[test]
    fn a_focused_read_weighs_cells_by_their_recency_rank(
        cells in proptest::collection::vec(
            proptest::collection::btree_map(0u32..10, (0u8..4, 0.1f64..3.0), 0..8), 2..20),
        tau in 0.5f64..20.0,
    ) {
        // Recency in four steps, so that ties are common.
        let side = |k: usize| -> Vec<SparseVec> {
            cells
                .iter()
                .map(|c| row(&c.iter().map(|(&i, v)| (i, if k == 0 { f64::from(v.0) + 1.0 } else { v.1 })).collect::<Vec<_>>()))
                .collect()
        };
        let plain = Logged { rows: side(0), values: side(1), focus: None };
        let focused = Logged { focus: Some(tau), ..Logged { rows: side(0), values: side(1), focus: None } };
        let m = LinearItems::fit(&plain, 10, &[false; 10], (10, 2.0, 100)).unwrap();
        prop_assert_eq!(&LinearItems::fit(&focused, 10, &[false; 10], (10, 2.0, 100)).unwrap(), &m);
        let n = m.len();
        let (mut acc, mut x) = (Vec::new(), Vec::new());
        for u in 0..plain.users() {
            m.score_row(&focused, u, 100, (&mut acc, &mut x));
            let read = textbook_row(&plain, u, &m.items);
            let recency = |a: usize| plain.rows[u].get(m.items[a]).unwrap();
            for b in 0..n {
                let terms: Vec<f64> = read
                    .iter()
                    .map(|&(a, v)| {
                        let newer = read.iter().filter(|&&(c, _)| recency(c) > recency(a)).count();
                        let w = FOCUS_FLOOR + (1.0 - FOCUS_FLOOR) * (-(newer as f64) / tau).exp();
                        v * w * m.weight(m.items[a], m.items[b])
                    })
                    .collect();
                let (s, size): (f64, f64) = (terms.iter().sum(), terms.iter().map(|t| t.abs()).sum());
                prop_assert!((f64::from(acc[b]) - s).abs() <= 1e-6 * (1.0 + size) * terms.len() as f64,
                    "user {u}, item {b}: {} against {s}", acc[b]);
            }
        }
    }
}
