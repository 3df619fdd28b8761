//! Get-or-create ids for names (cities, venues, genres, artists, tags) and users, in batches.

use std::collections::{BTreeSet, HashMap};

use mysql_async::prelude::Queryable;
use mysql_async::Value;

use super::{b, db, groups};
use crate::error::Result;

/// Names per statement.
const CHUNK: usize = 1_000;

/// A table of unique names: (table, name column). Fixed strings from this crate, never input.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameTable(pub &'static str, pub &'static str);

pub(super) const CITIES: NameTable = NameTable("cities", "name");
pub(super) const VENUES: NameTable = NameTable("venues", "name");
pub(super) const GENRES: NameTable = NameTable("genres", "name");
pub(super) const ARTISTS: NameTable = NameTable("artists", "name");
pub(super) const TAGS: NameTable = NameTable("tags", "name");
pub(super) const USERS: NameTable = NameTable("users", "ext_id");

/// The ids of `names` in `table`, inserting the missing ones. Empty names are skipped (they
/// are stored as NULL / no link).
pub(super) async fn intern<Q: Queryable + Send>(
    q: &mut Q,
    table: NameTable,
    names: &[&str],
) -> Result<HashMap<String, u64>> {
    let NameTable(t, col) = table;
    let distinct = distinct(names);
    for chunk in distinct.chunks(CHUNK) {
        let params: Vec<Value> = chunk.iter().map(|n| b(n)).collect();
        q.exec_drop(
            format!(
                "INSERT INTO {t} ({col}) VALUES {} ON DUPLICATE KEY UPDATE id = id",
                groups(chunk.len(), 1)
            ),
            params,
        )
        .await
        .map_err(db)?;
    }
    lookup(q, table, &distinct).await
}

fn distinct<'n>(names: &[&'n str]) -> Vec<&'n str> {
    let set: BTreeSet<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
    set.into_iter().collect()
}

/// The ids of those of `names` that exist in `table`.
pub(super) async fn lookup<Q: Queryable + Send>(
    q: &mut Q,
    table: NameTable,
    names: &[&str],
) -> Result<HashMap<String, u64>> {
    let NameTable(t, col) = table;
    let distinct = distinct(names);
    let mut ids = HashMap::with_capacity(distinct.len());
    for chunk in distinct.chunks(CHUNK) {
        let params: Vec<Value> = chunk.iter().map(|n| b(n)).collect();
        let rows: Vec<(u64, Vec<u8>)> = q
            .exec(
                format!(
                    "SELECT id, {col} FROM {t} WHERE {col} IN ({})",
                    vec!["?"; chunk.len()].join(",")
                ),
                params,
            )
            .await
            .map_err(db)?;
        for (id, name) in rows {
            ids.insert(String::from_utf8_lossy(&name).into_owned(), id);
        }
    }
    Ok(ids)
}

/// Every name of a table by id (for reading the catalogue back).
pub(super) async fn all<Q: Queryable + Send>(
    q: &mut Q,
    table: NameTable,
) -> Result<HashMap<u64, String>> {
    let NameTable(t, col) = table;
    let rows: Vec<(u64, Vec<u8>)> = q
        .query(format!("SELECT id, {col} FROM {t}"))
        .await
        .map_err(db)?;
    rows.into_iter()
        .map(|(id, name)| Ok((id, super::utf8(t, id, name)?)))
        .collect()
}
