//! Building an [`Engine`] in one go — from a slice, a stream, or a log the build may read
//! again — learning its blend first when the configuration asks for one.

use crate::data::interaction::{AsInteraction, Interaction};
use crate::data::item::{Item, Preferences};
use crate::model::config::Config;
use crate::model::engine::Engine;
use crate::model::error::Result;
use crate::model::learned_fit::{FnReader, LogReader};
use crate::model::state::Model;

impl Engine {
    /// Builds an engine in one go: catalogue, preferences, then every interaction into the matrix
    /// followed by one parallel build of all neighbour lists. Same result as recording the
    /// interactions one by one, much faster. [`Engine::build_from_iter`] does the same from a
    /// stream (with the fixed blend, without needing every interaction in memory).
    ///
    /// The arguments come in the order of the bindings' `Engine.build(items, interactions,
    /// preferences=..., config=...)` (Python) and `Engine.build(items, interactions,
    /// {preferences, config})` (Node): the data first, then the optional parts.
    pub fn build(
        items: Vec<Item>,
        interactions: &[Interaction],
        preferences: Vec<(String, Preferences)>,
        config: Config,
    ) -> Result<Engine> {
        Engine::build_removing(items, interactions, preferences, config, &[])
    }

    /// [`Engine::build`], then the known ones of `removed` removed; a learned blend is fitted
    /// with them removed as well (what [`Engine::from_training`] builds).
    pub(crate) fn build_removing<L: LogReader + Sync>(
        items: Vec<Item>,
        interactions: L,
        preferences: Vec<(String, Preferences)>,
        config: Config,
        removed: &[String],
    ) -> Result<Engine> {
        let learned = match &config.blend {
            crate::Blend::Learned(settings) => {
                config.validate()?;
                let fitted = crate::model::learned_fit::fit(
                    &config,
                    settings,
                    &items,
                    &preferences,
                    &interactions,
                    removed,
                )?;
                // The fit's holdout models are gone: their pages go back before the engine
                // takes its own.
                crate::model::heap_release::release_free_memory();
                fitted
            }
            crate::Blend::Fixed => None,
        };
        let config = match (&config.blend, &learned) {
            (crate::Blend::Learned(settings), Some(l)) => {
                crate::model::learned_fit::served_config(&config, settings, l)
            }
            _ => config,
        };
        let engine = Engine::build_plain(config, items, preferences, interactions.read())?;
        engine.write()?.set_learned(learned);
        engine.remove_known_items(removed)?;
        Ok(engine)
    }

    /// [`Engine::build`] from any iterator of interactions — owned `Interaction`s (for example
    /// parsed from a file as they are read), `&Interaction`s, or [`crate::InteractionRef`]s
    /// whose ids are borrowed in place (no `String` per id: what the bindings read columns
    /// with) — consumed once, in order.
    ///
    /// With the fixed blend ([`crate::Blend::Fixed`]) only a compact form of each row is kept
    /// while loading (user and item indices, kind and timestamp: 17 bytes), never the strings,
    /// so the caller never needs the whole log in memory. A learned blend (the default) reads
    /// the log twice — the holdout, then everything — so the rows are kept as the iterator
    /// yields them (borrowed rows stay borrowed, owned ones are held): to stream a log larger
    /// than memory, build with the fixed blend. Every row is validated: the first bad one fails
    /// the build with an [`Error::InvalidRow`](crate::Error::InvalidRow) giving its zero-based index in the stream and the
    /// same kind as [`Engine::record`] would report, and no engine is built (with the fixed
    /// blend reading stops within 65 536 rows of it; rows are validated 65 536 at a time, in
    /// parallel). Gives exactly the engine `build` gives on the same interactions.
    ///
    /// ```
    /// use craic_core::{Config, Engine, ErrorKind, Interaction, Item, Request};
    /// let items = vec![Item::new("rave", 2_000_000_000), Item::new("folk", 2_000_000_000)];
    /// // E.g. lines of a log, parsed one at a time.
    /// let log = ["ana,rave,save", "ana,folk,click", "ben,rave,save"];
    /// let stream = log.iter().enumerate().map(|(n, line)| {
    ///     let f: Vec<&str> = line.split(',').collect();
    ///     Interaction::new(f[0], f[1], f[2], 1_700_000_000 + n as i64)
    /// });
    /// let engine = Engine::build_from_iter(items.clone(), stream, vec![], Config::default())?;
    /// assert_eq!(engine.stats().interactions, 3);
    /// assert_eq!(engine.recommend("ben", &Request::new(1).now(1_800_000_000))?[0].item_id, "folk");
    ///
    /// let bad = [("ana", "rave"), ("ana", "nope"), ("ben", "rave")]
    ///     .map(|(u, i)| Interaction::new(u, i, "save", 1_700_000_000));
    /// let err = Engine::build_from_iter(items, bad, vec![], Config::default()).unwrap_err();
    /// assert_eq!((err.kind(), err.row()), (ErrorKind::UnknownItem, Some(1)));
    /// # Ok::<(), craic_core::Error>(())
    /// ```
    pub fn build_from_iter<I>(
        items: Vec<Item>,
        interactions: I,
        preferences: Vec<(String, Preferences)>,
        config: Config,
    ) -> Result<Engine>
    where
        I: IntoIterator,
        I::Item: AsInteraction + Sync,
    {
        if matches!(config.blend, crate::Blend::Learned(_)) {
            // Learning reads the log twice (holdout, then everything): the rows are kept as
            // the stream gives them (borrowed rows stay borrowed).
            let log: Vec<I::Item> = interactions.into_iter().collect();
            return Engine::build_removing(items, log.as_slice(), preferences, config, &[]);
        }
        Engine::build_plain(config, items, preferences, interactions)
    }

    /// [`Engine::build_from_iter`] from a log the build may read more than once: each call of
    /// `read` gives the rows from the first, the same rows in the same order every time. With
    /// the fixed blend it is called once, as `build_from_iter` reads its stream; a learned blend
    /// reads the log a few times (the rows checked, the cut found, each holdout model, the
    /// held-out relevant events, the engine) instead of keeping it — for a caller whose rows are
    /// cheap to produce again, such as columns already in memory (the Python binding's
    /// DataFrame builds). Gives exactly the engine `build` gives on the same rows, and reports a
    /// bad row the same way, with its index.
    pub fn build_from_reader<F, I>(
        items: Vec<Item>,
        read: F,
        preferences: Vec<(String, Preferences)>,
        config: Config,
    ) -> Result<Engine>
    where
        F: Fn() -> I + Sync,
        I: Iterator,
        I::Item: AsInteraction + Sync,
    {
        Engine::build_removing(items, FnReader(read), preferences, config, &[])
    }

    /// The build without learning a blend.
    fn build_plain<I>(
        config: Config,
        items: Vec<Item>,
        preferences: Vec<(String, Preferences)>,
        interactions: I,
    ) -> Result<Engine>
    where
        I: IntoIterator,
        I::Item: AsInteraction + Sync,
    {
        let mut model = Model::new(config)?;
        model.upsert_items(items)?;
        for (n, (user, prefs)) in preferences.into_iter().enumerate() {
            model
                .set_preferences(&user, prefs)
                .map_err(|e| e.in_row(n))?;
        }
        model.bulk_load(interactions)?;
        Ok(Engine::from_model(model))
    }
}
