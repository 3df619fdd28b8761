//! Text normalisation and similarity for matching listings across feeds.

/// Folds common Latin diacritics to ASCII and lower-cases (`"Béla Fleck"` → `"bela fleck"`).
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        _ => c,
    }
}

/// Words that say nothing about which event it is.
#[rustfmt::skip]
const NAME_NOISE: &[&str] = &[
    "the", "a", "an", "live", "in", "concert", "tour", "presents", "present", "feat", "ft",
    "featuring", "with", "and", "plus", "special", "guest", "guests", "support", "at", "of", "show",
    "tickets", "official", "event", "night", "evening", "farewell", "album", "launch",
    "anniversary", "celebration", "winter", "summer", "spring", "autumn", "christmas", "headline",
    "sold", "out", "new", "date", "added", "extra", "matinee", "early", "late", "doors",
];

/// Venue words too common to tell venues apart.
#[rustfmt::skip]
const VENUE_GENERIC: &[&str] = &[
    "the", "hall", "theatre", "arena", "club", "live", "centre", "arts", "music", "venue", "bar",
    "room", "house", "opera", "concert", "stadium", "&",
];

/// Venue words with several spellings, mapped to one.
const VENUE_SYNONYMS: &[(&str, &str)] = &[
    ("st", "street"),
    ("rd", "road"),
    ("ave", "avenue"),
    ("sq", "square"),
    ("theater", "theatre"),
    ("center", "centre"),
    ("ctr", "centre"),
    ("hall", "hall"),
    ("and", "&"),
];

/// Lower-cased, diacritic-folded alphanumeric words.
pub(crate) fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .map(|w| {
            w.chars()
                .flat_map(char::to_lowercase)
                .map(fold)
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Joins runs of one-letter words (initials: `"D.C."` → `"dc"`, as `"DC"` reads).
fn join_initials(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut run = false;
    for w in words {
        let single = w.chars().count() == 1;
        match out.last_mut() {
            Some(last) if single && run => last.push_str(&w),
            _ => out.push(w),
        }
        run = single;
    }
    out
}

/// Whether a word is a year (four digits).
fn is_year(w: &str) -> bool {
    w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())
}

/// Name tokens: words without noise words and years, initials joined ("The X (Live)" →
/// `["x"]`).
pub(crate) fn name_tokens(s: &str) -> Vec<String> {
    let all = join_initials(words(s));
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !NAME_NOISE.contains(&w.as_str()) && !is_year(w))
        .cloned()
        .collect();
    if kept.is_empty() {
        all
    } else {
        kept
    }
}

fn venue_word(w: &str) -> &str {
    VENUE_SYNONYMS
        .iter()
        .find(|(from, _)| *from == w)
        .map_or(w, |(_, to)| to)
}

/// Distinctive venue words: spelling synonyms unified, generic words (`hall`, `theatre`, ...)
/// dropped (`"Triskel Arts Centre"` → `["triskel"]`).
pub(crate) fn venue_tokens(s: &str) -> Vec<String> {
    words(s)
        .iter()
        .map(|w| venue_word(w))
        .filter(|w| !VENUE_GENERIC.contains(w))
        .map(str::to_string)
        .collect()
}

/// Venue key: words with spelling synonyms unified and a leading "the" dropped, joined without
/// spaces (`"The Vicar St."` → `"vicarstreet"`, `"3 Arena"` → `"3arena"`).
pub(crate) fn venue_key(s: &str) -> String {
    let mut out = String::new();
    for (i, w) in words(s).iter().enumerate() {
        if i == 0 && w == "the" {
            continue;
        }
        out.push_str(venue_word(w));
    }
    out
}

/// Levenshtein distance, capped: returns `cap + 1` as soon as it must exceed `cap`.
fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().min().copied().unwrap_or(0) > cap {
            return cap + 1;
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Whether two tokens are the same word up to one typo (for words of 5+ characters).
fn same_word(a: &str, b: &str) -> bool {
    a == b || (a.chars().count() >= 5 && b.chars().count() >= 5 && edit_distance(a, b, 1) <= 1)
}

/// Number of tokens of `a` with a matching token in `b` (each token of `b` used once).
fn overlap(a: &[String], b: &[String]) -> usize {
    let mut used = vec![false; b.len()];
    let mut n = 0;
    for x in a {
        if let Some(j) = (0..b.len()).find(|&j| !used[j] && same_word(x, &b[j])) {
            used[j] = true;
            n += 1;
        }
    }
    n
}

/// Similarity of two token lists in 0..=1: the mean of the Dice coefficient and the containment
/// of the shorter list in the longer, with tokens equal up to one typo.
pub(crate) fn token_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let m = overlap(a, b) as f64;
    let dice = 2.0 * m / (a.len() + b.len()) as f64;
    let containment = m / a.len().min(b.len()) as f64;
    (dice + containment) / 2.0
}

/// Dice coefficient of the character bigrams of two strings, in 0..=1.
pub(crate) fn bigram_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return if a.is_empty() { 0.0 } else { 1.0 };
    }
    let grams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().collect();
        c.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, mut gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let total = ga.len() + gb.len();
    let mut m = 0;
    for g in &ga {
        if let Some(j) = gb.iter().position(|x| x == g) {
            gb.swap_remove(j);
            m += 1;
        }
    }
    2.0 * m as f64 / total as f64
}

/// Whether every token of `needle` occurs in `hay` (up to one typo each).
pub(crate) fn contains_all(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && overlap(needle, hay) == needle.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_venues() {
        assert_eq!(
            name_tokens("The Mary Wallopers (Live)"),
            ["mary", "wallopers"]
        );
        assert_eq!(
            name_tokens("Björk: Cornucopia Tour"),
            ["bjork", "cornucopia"]
        );
        assert_eq!(name_tokens("The The"), ["the", "the"]);
        assert_eq!(venue_key("The Vicar St."), "vicarstreet");
        assert_eq!(venue_key("Vicar Street"), "vicarstreet");
        assert_eq!(venue_key("Whelan's"), venue_key("Whelans"));
        assert_eq!(venue_key("3 Arena"), venue_key("3Arena"));
        assert_eq!(venue_tokens("Triskel Arts Centre"), ["triskel"]);
        assert_eq!(venue_tokens("The Olympia Theater"), ["olympia"]);
        assert_eq!(name_tokens("X: Farewell Tour 2026"), ["x"]);
        let t = |s: &str| name_tokens(s);
        assert_eq!(token_similarity(&t("Lankum"), &t("LANKUM (live)")), 1.0);
        assert_eq!(
            token_similarity(&t("Fontaines D.C."), &t("Fontaines DC")),
            1.0
        );
        assert_eq!(name_tokens("R.E.M. with B. B. King"), ["rem", "bb", "king"]);
        assert_eq!(token_similarity(&t("Lankum"), &t("Lankam")), 1.0);
        assert_eq!(token_similarity(&t("Bell"), &t("Ball")), 0.0);
        assert_eq!(token_similarity(&t("Wallopers"), &t("Walloppers")), 1.0);
        assert_eq!(token_similarity(&t("Wallopers"), &t("Wallopres")), 0.0);
        assert_eq!(token_similarity(&t("Lankum"), &t("Villagers")), 0.0);
        assert!((bigram_similarity("vicarstreet", "vicarst") - 0.75).abs() < 1e-9);
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("kitten", "sitting", 1), 2);
        assert!(contains_all(&t("Lankum with Support"), &t("Lankum")));
    }
}
