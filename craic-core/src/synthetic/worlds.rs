//! Named worlds: presets where one signal is missing or dominant, for judging a recommender
//! beyond the default world.

use super::SyntheticConfig;

impl SyntheticConfig {
    /// The names of the worlds ([`SyntheticConfig::world`]).
    pub const WORLDS: [&'static str; 6] = [
        "default",
        "content-uninformative",
        "purely-collaborative",
        "popularity-dominant",
        "short-histories",
        "long-histories",
    ];

    /// The preset `preset` (see [`SyntheticConfig::preset`]) changed into the world `name`
    /// (see [`SyntheticConfig::in_world`]); an unknown name of either is
    /// [`crate::Error::InvalidConfig`].
    ///
    /// ```
    /// use craic_core::synthetic::SyntheticConfig;
    /// let c = SyntheticConfig::world("content-uninformative", "small").unwrap();
    /// assert_eq!(c.content_signal, 0.0);
    /// assert_eq!(SyntheticConfig::world("default", "small").unwrap(), SyntheticConfig::small());
    /// assert!(SyntheticConfig::world("flat-earth", "small").is_err());
    /// ```
    pub fn world(name: &str, preset: &str) -> crate::Result<Self> {
        Self::preset(preset)?.in_world(name)
    }

    /// This config changed into the world `name`; the changes, relative to the config's own
    /// values:
    ///
    /// | world | changes | what it tests |
    /// |---|---|---|
    /// | `default` | none | the metadata-aligned world the defaults were tuned on |
    /// | `content-uninformative` | `content_signal` 0, `collaborative_signal` 0.5 | genres and artists say nothing about taste; a weaker hidden structure remains |
    /// | `purely-collaborative` | `content_signal` 0, `collaborative_signal` 1 | taste is only visible in who engaged with what |
    /// | `popularity-dominant` | `popularity_share` 0.7, `zipf_exponent` 1.0 | most choices follow local popularity alone, and popularity is concentrated on fewer artists |
    /// | `short-histories` | `interactions` = 3 × `users` | about 3 interactions per user (heavy-tailed) |
    /// | `long-histories` | `users` = `interactions` / 120, `activity_sigma` 0.5 | about 120 interactions per user, few light users |
    ///
    /// An unknown name is [`crate::Error::InvalidConfig`].
    pub fn in_world(mut self, name: &str) -> crate::Result<Self> {
        match name {
            "default" => {}
            "content-uninformative" => {
                self.content_signal = 0.0;
                self.collaborative_signal = 0.5;
            }
            "purely-collaborative" => {
                self.content_signal = 0.0;
                self.collaborative_signal = 1.0;
            }
            "popularity-dominant" => {
                self.popularity_share = 0.7;
                self.zipf_exponent = 1.0;
            }
            "short-histories" => self.interactions = self.users.saturating_mul(3),
            "long-histories" => {
                self.users = (self.interactions / 120).max(1);
                self.activity_sigma = 0.5;
            }
            other => {
                return Err(crate::Error::InvalidConfig(format!(
                    "unknown synthetic world {other:?} (expected one of {:?})",
                    Self::WORLDS
                )))
            }
        }
        Ok(self)
    }
}
