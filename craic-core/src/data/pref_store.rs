//! Stated preferences, stored compactly: every distinct name once, each user's lists as ids.
//!
//! At a million users with onboarding preferences, keeping each user's genres, artists and
//! cities as `String`s cost ≈ 250 MiB; the same names as ids into one interner cost ≈ 50 MiB.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize, Serializer};

use crate::data::ids::Interner;
use crate::data::item::Preferences;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct PrefStore {
    /// Every genre, artist and city name stated by anyone, as given.
    names: Interner,
    /// Per user: `[genre count, artist count, genre ids.., artist ids.., city ids..]`.
    /// Serialised in user order, so equal stores give equal snapshot bytes.
    #[serde(serialize_with = "in_user_order")]
    by_user: HashMap<u32, Box<[u32]>>,
}

/// Serialises the map as a map (the same format), entries in key order rather than in the
/// hash order, which differs between two equal maps.
fn in_user_order<S: Serializer>(
    by_user: &HashMap<u32, Box<[u32]>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    by_user.iter().collect::<BTreeMap<_, _>>().serialize(s)
}

/// One user's preferences, borrowed from the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrefView<'a> {
    names: &'a Interner,
    ids: &'a [u32],
}

impl PrefStore {
    /// Sets user `u`'s preferences (empty ones remove them).
    pub fn set(&mut self, u: u32, p: &Preferences) {
        if p.is_empty() {
            self.by_user.remove(&u);
            return;
        }
        let mut ids = Vec::with_capacity(2 + p.genres.len() + p.artists.len() + p.cities.len());
        ids.push(p.genres.len() as u32);
        ids.push(p.artists.len() as u32);
        for name in p.genres.iter().chain(&p.artists).chain(&p.cities) {
            ids.push(self.names.intern(name));
        }
        self.by_user.insert(u, ids.into_boxed_slice());
    }

    pub fn get(&self, u: u32) -> Option<PrefView<'_>> {
        self.by_user.get(&u).map(|ids| PrefView {
            names: &self.names,
            ids,
        })
    }

    pub fn contains(&self, u: u32) -> bool {
        self.by_user.contains_key(&u)
    }

    /// Checks a deserialised store: every user below `users`, every list well formed and every
    /// id known.
    pub fn validate(&self, users: usize) -> Result<(), String> {
        let names = self.names.len();
        for (&u, ids) in &self.by_user {
            if u as usize >= users {
                return Err("preferences of an unknown user".into());
            }
            let heads = ids.get(..2).map(|h| h[0] as usize + h[1] as usize);
            if heads.is_none_or(|n| n > ids.len() - 2)
                || ids[2..].iter().any(|&i| i as usize >= names)
            {
                return Err("malformed preferences".into());
            }
        }
        Ok(())
    }
}

impl<'a> PrefView<'a> {
    fn names(&self, from: usize, to: usize) -> impl Iterator<Item = &'a str> + 'a {
        let names = self.names;
        self.ids[from..to].iter().map(move |&i| names.name(i))
    }

    fn bounds(&self) -> (usize, usize) {
        let g = 2 + self.ids[0] as usize;
        (g, g + self.ids[1] as usize)
    }

    pub fn genres(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.names(2, self.bounds().0)
    }

    pub fn artists(&self) -> impl Iterator<Item = &'a str> + 'a {
        let (g, a) = self.bounds();
        self.names(g, a)
    }

    pub fn cities(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.names(self.bounds().1, self.ids.len())
    }

    pub fn to_preferences(self) -> Preferences {
        Preferences {
            genres: self.genres().map(str::to_owned).collect(),
            artists: self.artists().map(str::to_owned).collect(),
            cities: self.cities().map(str::to_owned).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_shares_names() {
        let mut s = PrefStore::default();
        let ana = Preferences::new(["techno", "house"], ["Ellen Allien"], ["dublin"]);
        let ben = Preferences::new(["techno"], Vec::<String>::new(), ["dublin", "cork"]);
        s.set(0, &ana);
        s.set(7, &ben);
        assert_eq!(s.get(0).unwrap().to_preferences(), ana);
        assert_eq!(s.get(7).unwrap().to_preferences(), ben);
        assert_eq!(s.names.len(), 5, "techno and dublin are stored once");
        assert!(s.get(1).is_none() && s.contains(7));
        s.set(7, &Preferences::default());
        assert!(!s.contains(7));
        assert_eq!(s.validate(8), Ok(()));
        assert!(s.validate(0).is_err());
        let mut bad = s.clone();
        bad.by_user.insert(1, vec![3, 0, 0].into_boxed_slice());
        assert!(bad.validate(8).is_err());
        bad.by_user.insert(1, vec![0, 0, 99].into_boxed_slice());
        assert!(bad.validate(8).is_err());
        bad.by_user.insert(1, vec![0].into_boxed_slice());
        assert!(bad.validate(8).is_err());
    }
}
