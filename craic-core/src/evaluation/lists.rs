//! Metrics of what the lists hold beyond accuracy: intra-list diversity, novelty, catalogue
//! coverage and the Gini index of exposure (definitions in `docs/evaluation.md`).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// What the beyond-accuracy metrics know about the catalogue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CatalogueInfo {
    /// Items a list could hold (coverage and Gini are over these).
    pub size: usize,
    /// Each item's genre and artist labels (intra-list diversity). Empty: not known.
    pub features: HashMap<String, Vec<String>>,
    /// Users in the training data (novelty). 0: not known.
    pub users: usize,
    /// Per item, the training users who interacted with it positively (novelty).
    pub interacted: HashMap<String, usize>,
}

impl CatalogueInfo {
    /// Only the catalogue's size: intra-list diversity and novelty are then reported as 0.
    pub fn of_size(size: usize) -> Self {
        CatalogueInfo {
            size,
            ..CatalogueInfo::default()
        }
    }

    /// Self-information of recommending `item`: `−log2((n + 1) / (users + 1))` for `n` users
    /// who interacted with it.
    pub fn self_information(&self, item: &str) -> f64 {
        let n = self.interacted.get(item).copied().unwrap_or(0) as f64;
        -((n + 1.0) / (self.users as f64 + 1.0)).log2()
    }

    fn labels(&self, item: &str) -> &[String] {
        self.features.get(item).map_or(&[], Vec::as_slice)
    }
}

/// The beyond-accuracy metrics of a set of lists.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ListMetrics {
    /// Mean over lists of ≥ 2 items of the mean pairwise distance `1 − Jaccard` of the items'
    /// genre and artist sets (0 without features).
    pub intra_list_diversity: f64,
    /// Mean over non-empty lists of the mean self-information of their items (0 without
    /// training users).
    pub novelty: f64,
    /// Distinct recommended items / catalogue size.
    pub coverage: f64,
    /// Gini index of the number of lists each catalogue item is in (0 = every item equally
    /// often, → 1 = all exposure on one item; unrecommended items count as 0).
    pub gini: f64,
}

/// `1 − Jaccard` of two label sets (two items without labels are at distance 1).
fn distance(a: &[String], b: &[String]) -> f64 {
    let a: HashSet<&String> = a.iter().collect();
    let b: HashSet<&String> = b.iter().collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    1.0 - a.intersection(&b).count() as f64 / union as f64
}

/// Intra-list diversity of one list: its mean pairwise distance (`None` below 2 items).
pub fn intra_list_diversity<S: AsRef<str>>(list: &[S], info: &CatalogueInfo) -> Option<f64> {
    if list.len() < 2 {
        return None;
    }
    let mut sum = 0.0;
    let mut pairs = 0usize;
    for (n, a) in list.iter().enumerate() {
        for b in &list[n + 1..] {
            sum += distance(info.labels(a.as_ref()), info.labels(b.as_ref()));
            pairs += 1;
        }
    }
    Some(sum / pairs as f64)
}

/// Gini index of non-negative exposure counts (0 for none or an all-zero vector).
pub fn gini(counts: &[u64]) -> f64 {
    let n = counts.len();
    let total: u64 = counts.iter().sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(j, &x)| (2.0 * (j + 1) as f64 - n as f64 - 1.0) * x as f64)
        .sum();
    weighted / (n as f64 * total as f64)
}

/// The beyond-accuracy metrics of `lists` (each cut to its first occurrence of an item).
pub fn list_metrics<S: AsRef<str>>(lists: &[Vec<S>], info: &CatalogueInfo) -> ListMetrics {
    let mut m = ListMetrics::default();
    let mut exposure: HashMap<&str, u64> = HashMap::new();
    let (mut ild_lists, mut nov_lists) = (0usize, 0usize);
    for list in lists {
        let mut seen = HashSet::new();
        let list: Vec<&str> = list
            .iter()
            .map(AsRef::as_ref)
            .filter(|i| seen.insert(*i))
            .collect();
        for i in &list {
            *exposure.entry(i).or_default() += 1;
        }
        if !info.features.is_empty() {
            if let Some(d) = intra_list_diversity(&list, info) {
                m.intra_list_diversity += d;
                ild_lists += 1;
            }
        }
        if info.users > 0 && !list.is_empty() {
            let s: f64 = list.iter().map(|i| info.self_information(i)).sum();
            m.novelty += s / list.len() as f64;
            nov_lists += 1;
        }
    }
    if ild_lists > 0 {
        m.intra_list_diversity /= ild_lists as f64;
    }
    if nov_lists > 0 {
        m.novelty /= nov_lists as f64;
    }
    if info.size > 0 {
        m.coverage = exposure.len() as f64 / info.size as f64;
        let mut counts: Vec<u64> = exposure.into_values().collect();
        counts.resize(info.size.max(counts.len()), 0);
        m.gini = gini(&counts);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn info() -> CatalogueInfo {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        CatalogueInfo {
            size: 4,
            features: [
                ("a".to_string(), f(&["genre:techno", "artist:x"])),
                ("b".to_string(), f(&["genre:techno"])),
                ("c".to_string(), f(&["genre:folk"])),
            ]
            .into(),
            users: 3,
            interacted: [("a".to_string(), 3), ("b".to_string(), 1)].into(),
        }
    }

    #[test]
    fn by_hand() {
        let info = info();
        // a–b: Jaccard 1/2 → 0.5; a–c: 1; b–c: 1 → mean 2.5 / 3.
        assert!(close(
            intra_list_diversity(&["a", "b", "c"], &info).unwrap(),
            2.5 / 3.0
        ));
        assert_eq!(intra_list_diversity(&["a"], &info), None);
        // Self-information: a: −log2(4/4) = 0; b: −log2(2/4) = 1; c, d: −log2(1/4) = 2.
        assert!(close(info.self_information("a"), 0.0));
        assert!(close(info.self_information("b"), 1.0));
        assert!(close(info.self_information("d"), 2.0));
        // Gini: [0, 0, 0, 4] → (3·4) / (4·4) = 0.75; equal counts → 0.
        assert!(close(gini(&[4, 0, 0, 0]), 0.75));
        assert!(close(gini(&[2, 2, 2]), 0.0));
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
        // [1, 1, 2, 0] sorted [0, 1, 1, 2]: (−3·0 − 1·1 + 1·1 + 3·2) / (4·4) = 6/16.
        assert!(close(gini(&[1, 1, 2, 0]), 6.0 / 16.0));
    }

    #[test]
    fn list_metrics_by_hand() {
        let info = info();
        let lists = vec![vec!["a", "b"], vec!["a", "c", "a"], vec![]];
        let m = list_metrics(&lists, &info);
        // ILD: [a, b] 0.5, [a, c] 1 → 0.75 (the empty list has < 2 items).
        assert!(close(m.intra_list_diversity, 0.75));
        // Novelty: [a, b] (0 + 1)/2, [a, c] (0 + 2)/2 → (0.5 + 1) / 2.
        assert!(close(m.novelty, 0.75));
        // Coverage 3/4; exposure a 2, b 1, c 1, d 0 → Gini 6/16.
        assert!(close(m.coverage, 0.75));
        assert!(close(m.gini, 6.0 / 16.0));
        // Size only: no diversity or novelty.
        let m = list_metrics(&lists, &CatalogueInfo::of_size(4));
        assert_eq!((m.intra_list_diversity, m.novelty), (0.0, 0.0));
        assert!(close(m.gini, 6.0 / 16.0));
    }
}
