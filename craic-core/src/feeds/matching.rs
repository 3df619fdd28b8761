//! Choosing which candidate pairs to merge: a maximum-total-score matching per connected
//! component of the candidate graph (exact for small components, greedy for large ones).
//!
//! Greedy merging (strongest pair first) goes wrong when an artist plays an early and a late show
//! at one venue: the late show's listing, whose feed gives the doors time, can start closer to the
//! early show than its own listing does, and taking that pair first leaves both true pairs
//! unmatched. Maximising the total score of the chosen pairs takes both true pairs instead.

/// Components with at most this many candidate pairs are solved exactly (2^N subsets at worst).
const EXACT_MAX_EDGES: usize = 14;

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Indices into `edges` (`(score, a, b)` over `n` nodes) of a matching (no node in two chosen
/// edges) with the largest total score per connected component; ties go to the earlier edge.
/// `edges` must be sorted by score, best first.
pub(crate) fn best_pairs(n: usize, edges: &[(f64, usize, usize)]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    for &(_, a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
        }
    }
    let mut components: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (e, &(_, a, _)) in edges.iter().enumerate() {
        let root = find(&mut parent, a);
        components.entry(root).or_default().push(e);
    }
    let mut used = vec![false; n];
    let mut chosen = Vec::new();
    for component in components.values() {
        if component.len() <= EXACT_MAX_EDGES {
            let mut best = (f64::NEG_INFINITY, Vec::new());
            search(
                edges,
                component,
                0,
                &mut used,
                &mut Vec::new(),
                0.0,
                &mut best,
            );
            chosen.extend(best.1);
        } else {
            for &e in component {
                let (_, a, b) = edges[e];
                if !used[a] && !used[b] {
                    used[a] = true;
                    used[b] = true;
                    chosen.push(e);
                }
            }
        }
    }
    chosen.sort_unstable();
    chosen
}

/// Exhaustive search over include / exclude of each edge of a component.
fn search(
    edges: &[(f64, usize, usize)],
    component: &[usize],
    at: usize,
    used: &mut [bool],
    picked: &mut Vec<usize>,
    total: f64,
    best: &mut (f64, Vec<usize>),
) {
    if at == component.len() {
        if total > best.0 {
            *best = (total, picked.clone());
        }
        return;
    }
    let e = component[at];
    let (score, a, b) = edges[e];
    if !used[a] && !used[b] {
        used[a] = true;
        used[b] = true;
        picked.push(e);
        search(edges, component, at + 1, used, picked, total + score, best);
        picked.pop();
        used[a] = false;
        used[b] = false;
    }
    search(edges, component, at + 1, used, picked, total, best);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_score_beats_the_single_strongest_pair() {
        // Nodes 0, 1: early and late show on one feed; 2, 3: the same on the other.
        // The crossed pair (0, 3) is strongest, but (0, 2) + (1, 3) is better in total.
        let edges = [(0.945, 0, 3), (0.909, 0, 2), (0.909, 1, 3)];
        assert_eq!(best_pairs(4, &edges), [1, 2]);
        // Without the late show's own listing, the strongest pair is all there is.
        let edges = [(0.945, 0, 3), (0.909, 0, 2)];
        assert_eq!(best_pairs(4, &edges), [0]);
        // Separate components are solved separately; equal totals keep the earlier edge.
        let edges = [(0.9, 0, 1), (0.9, 2, 3), (0.9, 2, 4)];
        assert_eq!(best_pairs(5, &edges), [0, 1]);
        assert!(best_pairs(3, &[]).is_empty());
    }

    #[test]
    fn large_components_fall_back_to_greedy() {
        // A star of 20 edges around node 0: one edge, the strongest.
        let edges: Vec<(f64, usize, usize)> =
            (1..=20).map(|i| (1.0 - i as f64 / 100.0, 0, i)).collect();
        assert_eq!(best_pairs(21, &edges), [0]);
    }
}
