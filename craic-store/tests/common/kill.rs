//! What the server-kill tests (`mysql_kill.rs`, `dynamodb_kill.rs`) share: the batch they
//! ingest, and the check that the log holds it exactly once, in append order.

use craic_store::{Cursor, LogEntry, Store};

/// `n` saves of the event `g`, one per user `u0`, `u1`, … (each its own idempotency key).
pub fn saves_of_one_gig(n: usize) -> Vec<LogEntry> {
    (0..n)
        .map(|i| LogEntry::new(super::data::x(&format!("u{i}"), "g", "save", 1_700_000_000)))
        .collect()
}

/// Reads the whole log in pages of `page` rows: no malformed row, every entry exactly once, in
/// the order appended.
pub async fn assert_log_holds_exactly(store: &dyn Store, entries: &[LogEntry], page: usize) {
    let (mut cursor, mut n) = (Cursor::START, 0);
    loop {
        let page = store.read_log(cursor, page).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.malformed.is_empty());
        for r in &page.records {
            assert_eq!(r.interaction, entries[n].interaction, "in append order");
            n += 1;
        }
        cursor = page.next;
    }
    assert_eq!(n, entries.len(), "every interaction exactly once");
}
