//! Items (events) and users' stated preferences.

use serde::{Deserialize, Serialize};

use crate::data::ids::validate_id;
use crate::data::interaction::validate_timestamp;
use crate::model::error::{Error, Result};

/// An event that can be recommended.
///
/// Build one with [`Item::new`] and the chainable setters:
///
/// ```
/// use craic_core::Item;
/// let gig = Item::new("gig-1", 1_900_000_000)
///     .city("dublin")
///     .venue("whelans")
///     .genres(["indie", "folk"])
///     .artists(["the mary wallopers"]);
/// assert_eq!(gig.genres, vec!["indie", "folk"]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique id (1..=256 bytes).
    pub id: String,
    /// City the event takes place in (empty if unknown).
    #[serde(default)]
    pub city: String,
    /// Venue (empty if unknown).
    #[serde(default)]
    pub venue: String,
    /// Genres, e.g. `["techno"]`.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Performing artists.
    #[serde(default)]
    pub artists: Vec<String>,
    /// Start time, unix seconds. Events that have started are never recommended.
    pub starts_at: i64,
    /// End time, unix seconds, if known (must not be before `starts_at`).
    #[serde(default)]
    pub ends_at: Option<i64>,
    /// Free-form tags (`"outdoor"`, `"free"`, ...), used as content features.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Item {
    /// A new item with only an id and a start time.
    pub fn new(id: impl Into<String>, starts_at: i64) -> Self {
        Item {
            id: id.into(),
            city: String::new(),
            venue: String::new(),
            genres: Vec::new(),
            artists: Vec::new(),
            starts_at,
            ends_at: None,
            tags: Vec::new(),
        }
    }

    /// Sets the city.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = city.into();
        self
    }

    /// Sets the venue.
    pub fn venue(mut self, venue: impl Into<String>) -> Self {
        self.venue = venue.into();
        self
    }

    /// Sets the genres.
    pub fn genres<I: IntoIterator<Item = S>, S: Into<String>>(mut self, genres: I) -> Self {
        self.genres = genres.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the artists.
    pub fn artists<I: IntoIterator<Item = S>, S: Into<String>>(mut self, artists: I) -> Self {
        self.artists = artists.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the tags.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(mut self, tags: I) -> Self {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the end time.
    pub fn ends_at(mut self, ends_at: i64) -> Self {
        self.ends_at = Some(ends_at);
        self
    }

    /// Checks id, times and field lengths.
    pub fn validate(&self) -> Result<()> {
        validate_id(&self.id)?;
        validate_timestamp(self.starts_at)?;
        if let Some(end) = self.ends_at {
            validate_timestamp(end)?;
            if end < self.starts_at {
                return Err(Error::InvalidItem {
                    id: self.id.clone(),
                    reason: format!("ends_at {end} is before starts_at {}", self.starts_at),
                });
            }
        }
        let too_long = [&self.city, &self.venue]
            .into_iter()
            .chain(&self.genres)
            .chain(&self.artists)
            .chain(&self.tags)
            .find(|s| s.len() > crate::MAX_ID_LEN);
        if let Some(s) = too_long {
            return Err(Error::InvalidItem {
                id: self.id.clone(),
                reason: format!(
                    "metadata value longer than 256 bytes ({}...)",
                    s.chars().take(16).collect::<String>()
                ),
            });
        }
        Ok(())
    }
}

/// What a user said they like at onboarding. All fields may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Liked genres.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Liked artists.
    #[serde(default)]
    pub artists: Vec<String>,
    /// Cities the user goes out in; the first is their home city for popularity.
    #[serde(default)]
    pub cities: Vec<String>,
}

impl Preferences {
    /// Preferences with the given genres, artists and cities, positionally. The builder
    /// reads better where the three lists are not obvious:
    ///
    /// ```
    /// use craic_core::Preferences;
    ///
    /// let p = Preferences::default().genres(["folk", "jazz"]).cities(["dublin"]);
    /// assert_eq!(p, Preferences::new(["folk", "jazz"], Vec::<String>::new(), ["dublin"]));
    /// assert!(p.artists.is_empty());
    /// ```
    pub fn new<G, A, C>(genres: G, artists: A, cities: C) -> Self
    where
        G: IntoIterator,
        G::Item: Into<String>,
        A: IntoIterator,
        A::Item: Into<String>,
        C: IntoIterator,
        C::Item: Into<String>,
    {
        Preferences {
            genres: genres.into_iter().map(Into::into).collect(),
            artists: artists.into_iter().map(Into::into).collect(),
            cities: cities.into_iter().map(Into::into).collect(),
        }
    }

    /// Sets the liked genres (replacing any).
    pub fn genres<I>(mut self, genres: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.genres = genres.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the liked artists (replacing any).
    pub fn artists<I>(mut self, artists: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.artists = artists.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the cities (replacing any); the first is the user's home city for popularity.
    pub fn cities<I>(mut self, cities: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.cities = cities.into_iter().map(Into::into).collect();
        self
    }

    /// True when nothing was stated.
    pub fn is_empty(&self) -> bool {
        self.genres.is_empty() && self.artists.is_empty() && self.cities.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_validation() {
        assert!(Item::new("a", 1_700_000_000).validate().is_ok());
        let bad = Item::new("a", 1_700_000_000).ends_at(1_600_000_000);
        assert_eq!(
            bad.validate().unwrap_err().kind(),
            crate::ErrorKind::InvalidItem
        );
        let ms = Item::new("a", 1_700_000_000_000);
        assert_eq!(
            ms.validate().unwrap_err().kind(),
            crate::ErrorKind::InvalidTimestamp
        );
        assert!(Item::new("", 1).validate().is_err());
    }
}
