//! Events (with venues, cities, genres, artists, tags) and users' stated preferences.

use std::collections::{BTreeMap, HashMap};

use craic_core::{validate_id, Item, Preferences};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, TxOpts, Value};

use super::names::{self, NameTable, ARTISTS, CITIES, GENRES, TAGS, USERS, VENUES};
use super::{b, changes, db, groups, utf8};
use crate::changes::Change;
use crate::error::{Result, StoreError};

/// Events per transaction.
const BATCH: usize = 500;

/// The link tables of an event: (table, name column, names table).
const EVENT_LINKS: [(&str, &str, NameTable); 3] = [
    ("event_genres", "genre_id", GENRES),
    ("event_artists", "artist_id", ARTISTS),
    ("event_tags", "tag_id", TAGS),
];

/// The preference tables of a user: (table, name column, names table).
const USER_LINKS: [(&str, &str, NameTable); 3] = [
    ("user_genre_prefs", "genre_id", GENRES),
    ("user_artist_prefs", "artist_id", ARTISTS),
    ("user_city_prefs", "city_id", CITIES),
];

/// The values in order, keeping only the last of each key (as writing them one by one would).
fn last_wins<'a, T: Clone>(values: &'a [T], key: impl Fn(&'a T) -> &'a str) -> Vec<T> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(values.len());
    for (n, v) in values.iter().enumerate() {
        last.insert(key(v), n);
    }
    values
        .iter()
        .enumerate()
        .filter(|&(n, v)| last[key(v)] == n)
        .map(|(_, v)| v.clone())
        .collect()
}

fn event_lists(i: &Item) -> [&Vec<String>; 3] {
    [&i.genres, &i.artists, &i.tags]
}

fn pref_lists(p: &Preferences) -> [&Vec<String>; 3] {
    [&p.genres, &p.artists, &p.cities]
}

pub(super) async fn upsert_items(conn: &mut Conn, items: &[Item]) -> Result<()> {
    for item in items {
        item.validate()?;
    }
    let items = last_wins(items, |i| i.id.as_str());
    for batch in items.chunks(BATCH) {
        changes::lock(conn).await?;
        let written = items_batch(conn, batch).await;
        let released = changes::unlock(conn).await;
        written?;
        released?;
    }
    Ok(())
}

/// One batch of events and their change rows, in one transaction.
async fn items_batch(conn: &mut Conn, batch: &[Item]) -> Result<()> {
    {
        let mut tx = conn
            .start_transaction(TxOpts::default())
            .await
            .map_err(db)?;
        let city_names: Vec<&str> = batch.iter().map(|i| i.city.as_str()).collect();
        let venue_names: Vec<&str> = batch.iter().map(|i| i.venue.as_str()).collect();
        let event_ids: Vec<&str> = batch.iter().map(|i| i.id.as_str()).collect();
        let cities = names::intern(&mut tx, CITIES, &city_names).await?;
        let venues = names::intern(&mut tx, VENUES, &venue_names).await?;
        let mut params = Vec::with_capacity(batch.len() * 5);
        for i in batch {
            params.extend([
                b(&i.id),
                cities.get(&i.city).copied().into(),
                venues.get(&i.venue).copied().into(),
                Value::Int(i.starts_at),
                i.ends_at.into(),
            ]);
        }
        tx.exec_drop(
            format!(
                "INSERT INTO events (ext_id, city_id, venue_id, starts_at, ends_at) VALUES {}
                 ON DUPLICATE KEY UPDATE city_id = VALUES(city_id), venue_id = VALUES(venue_id),
                   starts_at = VALUES(starts_at), ends_at = VALUES(ends_at)",
                groups(batch.len(), 5)
            ),
            params,
        )
        .await
        .map_err(db)?;
        let ids = names::lookup(&mut tx, NameTable("events", "ext_id"), &event_ids).await?;
        let owners: Vec<u64> = batch.iter().map(|i| ids[&i.id]).collect();
        for (n, (table, col, dim)) in EVENT_LINKS.into_iter().enumerate() {
            let lists: Vec<&Vec<String>> = batch.iter().map(|i| event_lists(i)[n]).collect();
            replace_links(&mut tx, (table, "event_id", col), dim, &owners, &lists).await?;
        }
        // Upserting a removed event makes it live again.
        tx.exec_drop(
            format!(
                "DELETE FROM removed_events WHERE event_id IN ({})",
                vec!["?"; owners.len()].join(",")
            ),
            owners.iter().map(|&o| Value::from(o)).collect::<Vec<_>>(),
        )
        .await
        .map_err(db)?;
        changes::record(&mut tx, &Change::items(batch)).await?;
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// Marks events removed (all stored, else `NotFound` and nothing changes), in one transaction
/// with their change rows; returns how many were live.
pub(super) async fn remove_items(conn: &mut Conn, ids: &[String]) -> Result<usize> {
    for id in ids {
        validate_id(id)?;
    }
    changes::lock(conn).await?;
    let removed = remove_batch(conn, ids).await;
    let released = changes::unlock(conn).await;
    let removed = removed?;
    released?;
    Ok(removed)
}

async fn remove_batch(conn: &mut Conn, ids: &[String]) -> Result<usize> {
    let mut removed = 0;
    let mut tx = conn
        .start_transaction(TxOpts::default())
        .await
        .map_err(db)?;
    for id in ids {
        let row: Option<u64> = tx
            .exec_first("SELECT id FROM events WHERE ext_id = ?", (b(id),))
            .await
            .map_err(db)?;
        let Some(event) = row else {
            return Err(StoreError::NotFound(format!("event {id:?}")));
        };
        tx.exec_drop(
            "INSERT IGNORE INTO removed_events (event_id) VALUES (?)",
            (event,),
        )
        .await
        .map_err(db)?;
        removed += tx.affected_rows() as usize;
    }
    changes::record(&mut tx, &Change::removed(ids)).await?;
    tx.commit().await.map_err(db)?;
    Ok(removed)
}

/// The removed events' ids, in id order.
pub(super) async fn removed_items(conn: &mut Conn) -> Result<Vec<String>> {
    let rows: Vec<(u64, Vec<u8>)> = conn
        .query(
            "SELECT e.id, e.ext_id FROM removed_events r JOIN events e ON e.id = r.event_id
             ORDER BY e.ext_id",
        )
        .await
        .map_err(db)?;
    rows.into_iter()
        .map(|(row, ext)| utf8("events", row, ext))
        .collect()
}

/// Replaces the ordered name lists of `owners` in a link table.
async fn replace_links<Q: Queryable + Send>(
    q: &mut Q,
    (table, owner_col, name_col): (&str, &str, &str),
    dim: NameTable,
    owners: &[u64],
    lists: &[&Vec<String>],
) -> Result<()> {
    let all: Vec<&str> = lists
        .iter()
        .flat_map(|l| l.iter())
        .map(String::as_str)
        .collect();
    let ids = names::intern(q, dim, &all).await?;
    let owner_params: Vec<Value> = owners.iter().map(|&o| o.into()).collect();
    q.exec_drop(
        format!(
            "DELETE FROM {table} WHERE {owner_col} IN ({})",
            vec!["?"; owners.len()].join(",")
        ),
        owner_params,
    )
    .await
    .map_err(db)?;
    // An empty name inside a list (allowed in tags) is a real row of the names table.
    let empty_id = if lists.iter().any(|l| l.iter().any(|s| s.is_empty())) {
        Some(empty_name_id(q, dim).await?)
    } else {
        None
    };
    let mut rows: Vec<Value> = Vec::new();
    for (&owner, list) in owners.iter().zip(lists) {
        for (pos, name) in list.iter().enumerate() {
            let id = if name.is_empty() {
                empty_id
            } else {
                ids.get(name).copied()
            };
            rows.extend([owner.into(), (pos as u64).into(), id.into()]);
        }
    }
    for chunk in rows.chunks(3 * 3_000) {
        q.exec_drop(
            format!(
                "INSERT INTO {table} ({owner_col}, position, {name_col}) VALUES {}",
                groups(chunk.len() / 3, 3)
            ),
            chunk.to_vec(),
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// The id of the empty name in a names table (created on first use).
async fn empty_name_id<Q: Queryable + Send>(q: &mut Q, dim: NameTable) -> Result<u64> {
    let NameTable(t, col) = dim;
    q.exec_drop(
        format!("INSERT INTO {t} ({col}) VALUES ('') ON DUPLICATE KEY UPDATE id = id"),
        (),
    )
    .await
    .map_err(db)?;
    let id: Option<u64> = q
        .exec_first(format!("SELECT id FROM {t} WHERE {col} = ''"), ())
        .await
        .map_err(db)?;
    Ok(id.unwrap_or_default())
}

type EventRow = (
    u64,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    i64,
    Option<i64>,
);

const EVENT_COLUMNS: &str = "SELECT e.id, e.ext_id, c.name, v.name, e.starts_at, e.ends_at
    FROM events e LEFT JOIN cities c ON c.id = e.city_id LEFT JOIN venues v ON v.id = e.venue_id";

/// Every event (or the one with `id`), in id order.
pub(super) async fn items(conn: &mut Conn, id: Option<&str>) -> Result<Vec<(i64, Item)>> {
    let rows: Vec<EventRow> = match id {
        Some(id) => {
            conn.exec(format!("{EVENT_COLUMNS} WHERE e.ext_id = ?"), (b(id),))
                .await
        }
        None => {
            conn.query(format!("{EVENT_COLUMNS} ORDER BY e.ext_id"))
                .await
        }
    }
    .map_err(db)?;
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    // One event: its links only; the catalogue: every link.
    let only = id.map(|_| first.0);
    let mut lists: Vec<HashMap<u64, Vec<String>>> = Vec::new();
    for (table, col, NameTable(dim, _)) in EVENT_LINKS {
        let select = format!(
            "SELECT l.event_id, n.id, n.name FROM {table} l JOIN {dim} n ON n.id = l.{col}"
        );
        let (sql, params): (String, Vec<Value>) = match only {
            Some(event) => (
                format!("{select} WHERE l.event_id = ? ORDER BY l.position"),
                vec![event.into()],
            ),
            None => (format!("{select} ORDER BY l.event_id, l.position"), vec![]),
        };
        let links: Vec<(u64, u64, Vec<u8>)> = conn.exec(sql, params).await.map_err(db)?;
        let mut by_event: HashMap<u64, Vec<String>> = HashMap::new();
        for (event, name_id, name) in links {
            by_event
                .entry(event)
                .or_default()
                .push(utf8(dim, name_id, name)?);
        }
        lists.push(by_event);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (row, ext, city, venue, starts_at, ends_at) in rows {
        let mut take = |n: usize| lists[n].remove(&row).unwrap_or_default();
        let (genres, artists, tags) = (take(0), take(1), take(2));
        let text = |v: Option<Vec<u8>>| utf8("events", row, v.unwrap_or_default());
        let item = Item {
            id: utf8("events", row, ext)?,
            city: text(city)?,
            venue: text(venue)?,
            genres,
            artists,
            tags,
            starts_at,
            ends_at,
        };
        out.push((row as i64, item));
    }
    Ok(out)
}

pub(super) async fn set_preferences(
    conn: &mut Conn,
    prefs: &[(String, Preferences)],
) -> Result<()> {
    for (user, p) in prefs {
        validate_id(user)?;
        crate::types::check_preferences(p)?;
    }
    let prefs = last_wins(prefs, |p| p.0.as_str());
    for batch in prefs.chunks(BATCH) {
        changes::lock(conn).await?;
        let written = preferences_batch(conn, batch).await;
        let released = changes::unlock(conn).await;
        written?;
        released?;
    }
    Ok(())
}

/// One batch of users' preferences and their change rows, in one transaction.
async fn preferences_batch(conn: &mut Conn, batch: &[(String, Preferences)]) -> Result<()> {
    {
        let mut tx = conn
            .start_transaction(TxOpts::default())
            .await
            .map_err(db)?;
        let user_names: Vec<&str> = batch.iter().map(|p| p.0.as_str()).collect();
        let users = names::intern(&mut tx, USERS, &user_names).await?;
        let owners: Vec<u64> = batch.iter().map(|p| users[&p.0]).collect();
        for (n, (table, col, dim)) in USER_LINKS.into_iter().enumerate() {
            let lists: Vec<&Vec<String>> = batch.iter().map(|p| pref_lists(&p.1)[n]).collect();
            replace_links(&mut tx, (table, "user_id", col), dim, &owners, &lists).await?;
        }
        changes::record(&mut tx, &Change::preferences(batch)).await?;
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// Users with at least one stated preference, in user id order.
pub(super) async fn preferences(conn: &mut Conn) -> Result<Vec<(String, Preferences)>> {
    let mut by_user: BTreeMap<Vec<u8>, (u64, [Vec<String>; 3])> = BTreeMap::new();
    for (n, (table, col, dim)) in USER_LINKS.into_iter().enumerate() {
        let dim_names = names::all(conn, dim).await?;
        let rows: Vec<(u64, Vec<u8>, u64)> = conn
            .query(format!(
                "SELECT u.id, u.ext_id, p.{col} FROM {table} p JOIN users u ON u.id = p.user_id
                 ORDER BY u.id, p.position"
            ))
            .await
            .map_err(db)?;
        for (id, user, name) in rows {
            let entry = by_user
                .entry(user)
                .or_insert_with(|| (id, Default::default()));
            entry.1[n].push(dim_names.get(&name).cloned().unwrap_or_default());
        }
    }
    by_user
        .into_iter()
        .map(|(user, (id, [genres, artists, cities]))| {
            Ok((
                utf8("users", id, user)?,
                Preferences {
                    genres,
                    artists,
                    cities,
                },
            ))
        })
        .collect()
}
