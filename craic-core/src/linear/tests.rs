// Matrix entries read clearest by their indices.
#![allow(clippy::needless_range_loop)]

use super::*;
use proptest::prelude::*;

fn row(cells: &[(u32, f64)]) -> SparseVec {
    SparseVec {
        idx: cells.iter().map(|c| c.0).collect(),
        val: cells.iter().map(|c| c.1).collect(),
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

/// EASE computed the textbook way from the rows (every item with a positive cell modelled).
fn reference(rows: &[SparseVec], items: &[u32], l2: f64) -> Vec<Vec<f64>> {
    let n = items.len();
    let at = |i: u32| items.iter().position(|&x| x == i);
    let mut g = vec![vec![0.0; n]; n];
    for r in rows {
        let top = r.val.iter().copied().fold(0.0, f64::max);
        let x: Vec<(usize, f64)> = r
            .idx
            .iter()
            .zip(&r.val)
            .filter(|c| *c.1 > 0.0)
            .filter_map(|(&i, &v)| at(i).map(|p| (p, v / top)))
            .collect();
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
    let rows = vec![
        row(&[(0, 1.0), (1, 1.0), (2, 1.0)]),
        row(&[(1, 2.0), (2, 0.5), (4, -1.0)]),
        row(&[(2, 1.0), (3, 1.0), (4, -1.0)]),
    ];
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
    let rows = vec![row(&[(0, -1.0)]), SparseVec::default()];
    let m = LinearItems::fit(&rows, 3, &[false; 3], (100, 1.0, 100)).unwrap();
    assert_eq!(m.len(), 0);
    let (mut acc, mut x) = (Vec::new(), Vec::new());
    assert!(!m.score_row(&rows[0], 100, &mut acc, &mut x));
    assert!(acc.is_empty());
}

proptest! {
    /// The fitted weights are EASE's closed form (checked against an independent Gauss–Jordan
    /// inverse), and a user's scores are their scaled row times the weights.
    #[test]
    fn weights_and_scores_are_the_closed_form(
        cells in proptest::collection::vec(
            proptest::collection::btree_map(0u32..12, -1.0f64..3.0, 0..8), 1..30),
        l2 in 0.5f64..100.0,
        max_items in 1usize..14,
    ) {
        let rows: Vec<SparseVec> = cells
            .iter()
            .map(|c| row(&c.iter().map(|(&i, &v)| (i, v)).collect::<Vec<_>>()))
            .collect();
        let m = LinearItems::fit(&rows, 12, &[false; 12], (max_items, l2, 100)).unwrap();
        prop_assert!(m.len() <= max_items);
        m.check(12, max_items).unwrap();
        let want = reference(&rows, &m.items, l2);
        let n = m.len();
        for a in 0..n {
            for b in 0..n {
                let got = f64::from(m.weights[a * n + b]);
                prop_assert!((got - want[a][b]).abs() < 1e-5 * (1.0 + want[a][b].abs()),
                    "B[{a}][{b}] = {got}, want {}", want[a][b]);
            }
        }
        let (mut acc, mut x) = (Vec::new(), Vec::new());
        for r in &rows {
            let any = m.score_row(r, 100, &mut acc, &mut x);
            let top = r.val.iter().copied().fold(0.0, f64::max);
            for b in 0..n {
                let mut s = 0.0;
                for (&i, &v) in r.idx.iter().zip(&r.val) {
                    if v > 0.0 {
                        s += v / top * m.weight(i, m.items[b]);
                    }
                }
                prop_assert!((acc[b] - s).abs() < 1e-9 * (1.0 + s.abs()));
            }
            prop_assert_eq!(any, r.idx.iter().zip(&r.val).any(|(&i, &v)| v > 0.0 && m.position(i).is_some()));
        }
    }
}

/// The cost guard: a row is read as its `cap` strongest modelled cells (ties by position), in
/// the fit and in scoring — the same as a row holding only those cells.
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
        rows
    };
    let capped = LinearItems::fit(&with(&long), 6, &[false; 6], (6, 2.0, 3)).unwrap();
    let trimmed = LinearItems::fit(&with(&short), 6, &[false; 6], (6, 2.0, 3)).unwrap();
    assert_eq!(capped, trimmed);
    let (mut a, mut b, mut x) = (Vec::new(), Vec::new(), Vec::new());
    capped.score_row(&long, 3, &mut a, &mut x);
    capped.score_row(&short, 3, &mut b, &mut x);
    assert_eq!(a, b);
    // Ties at the cap go to the earlier position: 1 and 3 tie, a cap of 1 keeps 1.
    assert_eq!(
        capped.top_contributor(&long, 1, 2),
        capped.top_contributor(&row(&[(1, 1.0)]), 1, 2)
    );
    let uncapped = LinearItems::fit(&with(&long), 6, &[false; 6], (6, 2.0, 100)).unwrap();
    assert_ne!(uncapped, capped);
}
