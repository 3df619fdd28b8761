//! Cross-feed de-duplication: the same event listed on several feeds becomes one canonical item.

use super::alias::AliasTable;
use super::text::{
    bigram_similarity, contains_all, name_tokens, token_similarity, venue_key, venue_tokens,
};
use super::{FeedEvent, Source};
use crate::data::item::Item;

/// Thresholds and weights of the matcher. Two listings match when they come from different
/// feeds, every gate passes, and the weighted score reaches `min_score`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchConfig {
    /// Largest difference between the two start times, seconds (gate). Default 3 h: feeds
    /// disagree by the doors time (one lists doors, the other the show).
    pub window_secs: i64,
    /// Start differences up to this many seconds score 1; the time score then falls linearly to
    /// 0 at `window_secs`. Default 15 min.
    pub exact_secs: i64,
    /// Smallest venue similarity (gate). When either venue is unknown the gate passes only if
    /// both cities are known and equal, and the venue signal scores `unknown_venue_score`.
    pub min_venue: f64,
    /// Venue score used when a venue is unknown but the cities agree. Default 0.5.
    pub unknown_venue_score: f64,
    /// Smallest name-or-artist similarity (gate).
    pub min_name: f64,
    /// Weights of the venue, time and name signals in the score (normalised by their sum).
    pub weights: [f64; 3],
    /// Smallest weighted score to merge.
    pub min_score: f64,
    /// Which feed's listing becomes the canonical item, most preferred first.
    pub prefer: Vec<Source>,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            window_secs: 3 * 3600,
            exact_secs: 15 * 60,
            min_venue: 0.6,
            unknown_venue_score: 0.5,
            min_name: 0.6,
            weights: [0.35, 0.2, 0.45],
            min_score: 0.72,
            prefer: vec![Source::Ticketmaster, Source::Eventbrite],
        }
    }
}

/// A gate that stopped two listings from matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Both listings come from the same feed (only cross-feed duplicates are merged).
    SameSource,
    /// The start times differ by more than `window_secs`.
    StartWindow,
    /// The venues are too different (or unknown without a common city).
    Venue,
    /// Neither the names nor the artists are similar enough.
    Name,
    /// Every gate passed but the score is below `min_score`.
    Score,
    /// The listings were split apart before ([`AliasTable::split`]); they are never re-merged.
    KeptApart,
}

/// Why two listings were, or were not, merged.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchExplanation {
    /// First listing's id.
    pub a: String,
    /// Second listing's id.
    pub b: String,
    /// Venue similarity, `None` if a venue is unknown: the larger of the character-bigram
    /// similarity of the normalised names and the token similarity of their distinctive words
    /// (generic words such as "hall", "theatre", "arts", "centre" left out).
    pub venue: Option<f64>,
    /// Whether the cities are equal (case-insensitive), `None` if a city is unknown.
    pub same_city: Option<bool>,
    /// `b.starts_at - a.starts_at`, seconds.
    pub start_delta_secs: i64,
    /// Time score in 0..=1.
    pub time: f64,
    /// Name similarity (tokens without noise words such as "the", "live", "tour").
    pub name: f64,
    /// Artist signal: 1 if every word of one listing's artist occurs in the other's name or
    /// artists, 0 if not; `None` when neither lists artists.
    pub artists: Option<f64>,
    /// Weighted score of the venue, time and name-or-artist signals.
    pub score: f64,
    /// Gates that failed (empty when the listings match).
    pub failed: Vec<Gate>,
}

impl MatchExplanation {
    /// Whether the listings match.
    pub fn is_match(&self) -> bool {
        self.failed.is_empty()
    }
}

fn source_of(id: &str) -> &str {
    id.split_once(':').map_or("", |(s, _)| s)
}

/// What the matcher compares, computed once per listing.
struct Features {
    source: String,
    city: String,
    venue: String,
    venue_words: Vec<String>,
    name: Vec<String>,
    artists: Vec<Vec<String>>,
    /// Name and artist tokens together: where another listing's artist is looked for.
    hay: Vec<String>,
}

impl Features {
    fn of(e: &FeedEvent) -> Self {
        let name = name_tokens(&e.name);
        let artists: Vec<Vec<String>> = e.item.artists.iter().map(|a| name_tokens(a)).collect();
        let mut hay = name.clone();
        hay.extend(artists.iter().flatten().cloned());
        Features {
            source: source_of(&e.item.id).to_string(),
            city: e.item.city.trim().to_lowercase(),
            venue: venue_key(&e.item.venue),
            venue_words: venue_tokens(&e.item.venue),
            name,
            artists,
            hay,
        }
    }

    /// True when the pair cannot match whatever the thresholds: same feed, or two known and
    /// different cities.
    fn cannot_match(&self, other: &Features) -> bool {
        self.source == other.source
            || (!self.city.is_empty() && !other.city.is_empty() && self.city != other.city)
    }
}

fn artist_signal(a: &Features, b: &Features) -> Option<f64> {
    if a.artists.is_empty() && b.artists.is_empty() {
        return None;
    }
    let side = |x: &Features, y: &Features| x.artists.iter().any(|art| contains_all(&y.hay, art));
    Some(if side(a, b) || side(b, a) { 1.0 } else { 0.0 })
}

fn time_score(gap: f64, config: &MatchConfig) -> f64 {
    let exact = config.exact_secs.max(0) as f64;
    let window = config.window_secs.max(0) as f64;
    if gap <= exact {
        1.0
    } else if gap >= window {
        0.0
    } else {
        1.0 - (gap - exact) / (window - exact)
    }
}

/// Explains how `a` and `b` compare under `config` (whether or not they match).
pub fn explain(a: &FeedEvent, b: &FeedEvent, config: &MatchConfig) -> MatchExplanation {
    explain_features(a, &Features::of(a), b, &Features::of(b), config)
}

fn explain_features(
    a: &FeedEvent,
    fa: &Features,
    b: &FeedEvent,
    fb: &Features,
    config: &MatchConfig,
) -> MatchExplanation {
    let mut failed = Vec::new();
    if fa.source == fb.source {
        failed.push(Gate::SameSource);
    }
    let delta = b.item.starts_at.saturating_sub(a.item.starts_at);
    let gap = delta.unsigned_abs() as f64;
    let time = time_score(gap, config);
    if gap > config.window_secs.max(0) as f64 {
        failed.push(Gate::StartWindow);
    }
    let same_city = (!fa.city.is_empty() && !fb.city.is_empty()).then(|| fa.city == fb.city);
    let venue = (!fa.venue.is_empty() && !fb.venue.is_empty()).then(|| {
        bigram_similarity(&fa.venue, &fb.venue)
            .max(token_similarity(&fa.venue_words, &fb.venue_words))
    });
    let venue_score = match venue {
        Some(v) if v >= config.min_venue && same_city != Some(false) => v,
        None if same_city == Some(true) => config.unknown_venue_score,
        _ => {
            failed.push(Gate::Venue);
            venue.unwrap_or(0.0)
        }
    };
    let name = token_similarity(&fa.name, &fb.name);
    let artists = artist_signal(fa, fb);
    let name_signal = name.max(artists.unwrap_or(0.0));
    if name_signal < config.min_name {
        failed.push(Gate::Name);
    }
    let [wv, wt, wn] = config
        .weights
        .map(|w| if w.is_finite() { w.max(0.0) } else { 0.0 });
    let total = wv + wt + wn;
    let score = if total > 0.0 {
        (wv * venue_score + wt * time + wn * name_signal) / total
    } else {
        0.0
    };
    if failed.is_empty() && score < config.min_score {
        failed.push(Gate::Score);
    }
    MatchExplanation {
        a: a.item.id.clone(),
        b: b.item.id.clone(),
        venue,
        same_city,
        start_delta_secs: delta,
        time,
        name,
        artists,
        score,
        failed,
    }
}

/// Listings merged into one canonical item.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedGroup {
    /// The canonical id (the id of the most preferred feed's listing).
    pub canonical: String,
    /// Every member's source id, the canonical first.
    pub members: Vec<String>,
    /// The matches that joined the group, strongest first.
    pub explanations: Vec<MatchExplanation>,
}

/// The outcome of [`deduplicate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Dedup {
    /// One item per distinct event, in order of first appearance: unmatched listings unchanged,
    /// matched groups as one canonical item.
    pub items: Vec<Item>,
    /// Every source id of a merged listing → its canonical id.
    pub aliases: AliasTable,
    /// The merged groups, with why each was merged.
    pub groups: Vec<MatchedGroup>,
}

/// Merges listings of the same event across feeds.
///
/// `known` is the alias table of the previous run (or [`AliasTable::new`]): pairs it records as
/// split are never merged again, and the returned table remembers them too. Matching is
/// otherwise redone from scratch, so pass every current listing of the catalogue.
///
/// Candidate pairs are listings from different feeds starting within `window_secs` of each
/// other (found by a sweep over start times, so the cost grows with the number of listings per
/// time window, not with the square of the catalogue). Among the pairs that match, the merged
/// ones are chosen to maximise the total score in each connected group of candidates (exactly
/// for up to 14 candidate pairs, strongest first beyond): a listing is merged with at most one
/// other, so a group is one listing per feed. The canonical item keeps the
/// most preferred listing's id and fields, fills its empty city / venue / end from the others
/// and takes the union of genres, artists and tags.
///
/// ```
/// use craic_core::feeds::{deduplicate, AliasTable, EventStatus, FeedEvent, MatchConfig};
/// use craic_core::Item;
/// let listing = |id: &str, name: &str, venue: &str, start: i64| FeedEvent {
///     item: Item::new(id, start).city("Dublin").venue(venue),
///     name: name.into(),
///     status: EventStatus::Scheduled,
/// };
/// let listings = [
///     listing("tm:1", "Lankum", "Vicar Street", 1_796_500_800),
///     listing("eb:9", "LANKUM (Live)", "Vicar St.", 1_796_500_800 - 3600), // doors
///     listing("eb:7", "Villagers", "Vicar St.", 1_796_500_800),
/// ];
/// let dedup = deduplicate(&listings, &MatchConfig::default(), &AliasTable::new());
/// assert_eq!(dedup.items.len(), 2);
/// assert_eq!(dedup.aliases.canonical("eb:9"), "tm:1");
/// assert_eq!(dedup.groups[0].explanations[0].start_delta_secs, 3600);
/// ```
///
/// ```
/// use craic_core::feeds::{deduplicate, AliasTable, EventStatus, FeedEvent, MatchConfig};
/// use craic_core::Item;
/// let listing = |id: &str, name: &str, venue: &str, start: i64| FeedEvent {
///     item: Item::new(id, start).city("Dublin").venue(venue),
///     name: name.into(),
///     status: EventStatus::Scheduled,
/// };
/// let listings = [
///     listing("tm:1", "Lankum", "Vicar Street", 1_796_500_800),
///     listing("eb:9", "LANKUM (Live)", "Vicar St.", 1_796_500_800 - 3600), // doors
///     listing("eb:7", "Villagers", "Vicar St.", 1_796_500_800),
/// ];
/// let dedup = deduplicate(&listings, &MatchConfig::default(), &AliasTable::new());
/// assert_eq!(dedup.items.len(), 2);
/// assert_eq!(dedup.aliases.canonical("eb:9"), "tm:1");
/// assert_eq!(dedup.groups[0].explanations[0].start_delta_secs, 3600);
/// ```
pub fn deduplicate(events: &[FeedEvent], config: &MatchConfig, known: &AliasTable) -> Dedup {
    let features: Vec<Features> = events.iter().map(Features::of).collect();
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].item.starts_at, i));
    let mut candidates = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        for &j in &order[n + 1..] {
            let gap = events[j]
                .item
                .starts_at
                .saturating_sub(events[i].item.starts_at);
            if gap > config.window_secs {
                break;
            }
            if features[i].cannot_match(&features[j]) {
                continue;
            }
            let mut e =
                explain_features(&events[i], &features[i], &events[j], &features[j], config);
            if known.kept_apart(&e.a, &e.b) {
                e.failed.push(Gate::KeptApart);
            }
            if e.is_match() {
                candidates.push((e, i.min(j), i.max(j)));
            }
        }
    }
    candidates.sort_by(|x, y| {
        y.0.score
            .total_cmp(&x.0.score)
            .then((x.1, x.2).cmp(&(y.1, y.2)))
    });
    let weights: Vec<(f64, usize, usize)> = candidates
        .iter()
        .map(|(e, i, j)| (e.score, *i, *j))
        .collect();
    let keep = super::matching::best_pairs(events.len(), &weights);
    let candidates: Vec<_> = candidates
        .into_iter()
        .enumerate()
        .filter(|(n, _)| keep.binary_search(n).is_ok())
        .map(|(_, c)| c)
        .collect();
    let groups = union_groups(events, candidates, known);
    let mut dedup = assemble(events, groups, config);
    dedup.aliases.keep_apart_from(known);
    dedup
}

/// Greedy union of matching pairs, strongest first, keeping one listing per feed per group and
/// never joining listings that were split apart. Returns, per group, the member indices and the
/// explanations that joined them.
fn union_groups(
    events: &[FeedEvent],
    candidates: Vec<(MatchExplanation, usize, usize)>,
    known: &AliasTable,
) -> Vec<(Vec<usize>, Vec<MatchExplanation>)> {
    let mut group: Vec<usize> = (0..events.len()).collect();
    let mut members: Vec<Vec<usize>> = (0..events.len()).map(|i| vec![i]).collect();
    let mut why: Vec<Vec<MatchExplanation>> = vec![Vec::new(); events.len()];
    for (e, i, j) in candidates {
        let (gi, gj) = (group[i], group[j]);
        if gi == gj {
            continue;
        }
        let clash = members[gi].iter().any(|&x| {
            members[gj].iter().any(|&y| {
                let (a, b) = (&events[x].item.id, &events[y].item.id);
                source_of(a) == source_of(b) || known.kept_apart(a, b)
            })
        });
        if clash {
            continue;
        }
        let moved = std::mem::take(&mut members[gj]);
        for &m in &moved {
            group[m] = gi;
        }
        members[gi].extend(moved);
        let moved_why = std::mem::take(&mut why[gj]);
        why[gi].push(e);
        why[gi].extend(moved_why);
    }
    members
        .into_iter()
        .zip(why)
        .filter(|(m, _)| !m.is_empty())
        .collect()
}

fn rank(id: &str, prefer: &[Source]) -> usize {
    Source::of_id(id)
        .and_then(|s| prefer.iter().position(|p| *p == s))
        .unwrap_or(prefer.len())
}

fn assemble(
    events: &[FeedEvent],
    groups: Vec<(Vec<usize>, Vec<MatchExplanation>)>,
    config: &MatchConfig,
) -> Dedup {
    let mut out: Vec<(usize, Item)> = Vec::new();
    let mut aliases = AliasTable::new();
    let mut matched = Vec::new();
    for (mut members, explanations) in groups {
        members.sort_by_key(|&i| (rank(&events[i].item.id, &config.prefer), i));
        let first = *members.iter().min().unwrap_or(&members[0]);
        let mut item = events[members[0]].item.clone();
        for &m in &members[1..] {
            merge_into(&mut item, &events[m].item);
        }
        if members.len() > 1 {
            let ids: Vec<String> = members.iter().map(|&m| events[m].item.id.clone()).collect();
            aliases.merge(&ids[0], ids[1..].iter().map(String::as_str));
            matched.push(MatchedGroup {
                canonical: ids[0].clone(),
                members: ids,
                explanations,
            });
        }
        out.push((first, item));
    }
    out.sort_by_key(|(first, _)| *first);
    matched.sort_by(|a, b| a.canonical.cmp(&b.canonical));
    Dedup {
        items: out.into_iter().map(|(_, item)| item).collect(),
        aliases,
        groups: matched,
    }
}

fn merge_into(item: &mut Item, other: &Item) {
    if item.city.trim().is_empty() {
        item.city.clone_from(&other.city);
    }
    if item.venue.trim().is_empty() {
        item.venue.clone_from(&other.venue);
    }
    if item.ends_at.is_none() {
        item.ends_at = other.ends_at.filter(|&e| e >= item.starts_at);
    }
    for (mine, theirs) in [
        (&mut item.genres, &other.genres),
        (&mut item.artists, &other.artists),
        (&mut item.tags, &other.tags),
    ] {
        for v in theirs {
            if !mine.iter().any(|m| m.eq_ignore_ascii_case(v)) {
                mine.push(v.clone());
            }
        }
    }
}
