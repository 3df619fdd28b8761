//! The shared suite on DynamoDB (Amazon's DynamoDB Local, started by the tests: see
//! `common/dynamodb_local.rs`; fresh tables per test), plus DynamoDB-only checks: tables created
//! once, concurrent appenders and a concurrent tailer, conditional checks under concurrency, a
//! server that is down, and one that goes away mid-ingest (a proxy cut).

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use common::dynamodb_local;
use common::Fixture;
use craic_store::{
    Cursor, DynamoStore, ExperimentEvent, ExperimentRecord, LogEntry, ModelVersion, Store,
    StoreErrorKind, StoreFuture,
};

/// Dummy credentials: DynamoDB Local accepts any made of letters and digits.
const KEY: (&str, &str) = ("craictest", "craictestsecret");

fn url(prefix: &str, endpoint: &str) -> String {
    format!("dynamodb://{prefix}?endpoint={endpoint}&region=us-east-1")
}

/// A store on fresh tables of the shared DynamoDB Local.
struct DynamoFixture {
    url: String,
    store: DynamoStore,
}

fn fresh_prefix() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "craic_test_{}_{nanos}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn dynamo() -> DynamoFixture {
    let endpoint = tokio::task::spawn_blocking(|| dynamodb_local::server().endpoint.clone())
        .await
        .unwrap();
    let url = url(&fresh_prefix(), &endpoint);
    let store = DynamoStore::open_with_static_credentials(&url, KEY.0, KEY.1)
        .await
        .unwrap();
    DynamoFixture { url, store }
}

/// A raw SDK client on the same server, for writes behind the store's back.
fn raw_client() -> aws_sdk_dynamodb::Client {
    let creds = aws_sdk_dynamodb::config::Credentials::new(KEY.0, KEY.1, None, None, "test");
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url(dynamodb_local::server().endpoint.clone())
        .credentials_provider(creds)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// The values of the suite's `INSERT INTO interactions (...) VALUES ('k', 'u', 'i', 't', ts)`.
fn insert_values(sql: &str) -> Vec<String> {
    let start = sql.find("VALUES (").expect("an INSERT ... VALUES (...)") + "VALUES (".len();
    let end = sql.rfind(')').expect("a closing parenthesis");
    sql[start..end]
        .split(", ")
        .map(|v| v.trim_matches('\'').to_owned())
        .collect()
}

impl Fixture for DynamoFixture {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    /// Not SQL: `raw` writes the event document directly (see `put_raw_event`).
    fn bad_event_sql(&self) -> &'static str {
        "INSERT INTO events (id, doc) VALUES ('backwards', '{\"id\":\"backwards\",\"city\":\"\",\
         \"venue\":\"\",\"genres\":[],\"artists\":[],\"starts_at\":1900000000,\
         \"ends_at\":1800000000,\"tags\":[]}')"
    }

    /// Appends a log row the way the table design says (next sequence number from the head
    /// counter, then the row), without the store's validation or idempotency record.
    fn raw<'a>(&'a self, sql: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if sql.starts_with("INSERT INTO events") {
                self.put_raw_event(sql).await;
                return Ok(());
            }
            let v = insert_values(sql);
            assert_eq!(v.len(), 5, "unexpected raw statement {sql}");
            let (log, data) = self.store.table_names();
            let c = raw_client();
            let out = c
                .update_item()
                .table_name(data)
                .key("pk", AttributeValue::B(Blob::new(b"log-head".to_vec())))
                .key("sk", AttributeValue::B(Blob::new(b"-".to_vec())))
                .update_expression("ADD n :one")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
                .send()
                .await
                .unwrap();
            let seq: u64 = match out.attributes.unwrap().get("n") {
                Some(AttributeValue::N(n)) => n.parse().unwrap(),
                other => panic!("head counter {other:?}"),
            };
            let s = |x: &str| AttributeValue::S(x.to_owned());
            c.put_item()
                .table_name(log)
                .item("pk", s(&format!("b{}", seq / 100_000)))
                .item("sk", AttributeValue::N(seq.to_string()))
                .item("k", s(&v[0]))
                .item("u", s(&v[1]))
                .item("i", s(&v[2]))
                .item("t", s(&v[3]))
                .item("ts", AttributeValue::N(v[4].clone()))
                .send()
                .await
                .unwrap();
            Ok(())
        })
    }
}

impl DynamoFixture {
    /// Writes an event document behind the store's back (no validation): `INSERT INTO events
    /// (id, doc) VALUES ('<id>', '<JSON of the Item>')`, the table design of `catalog.rs`.
    async fn put_raw_event(&self, sql: &str) {
        let start = sql.find("VALUES ('").expect("VALUES") + "VALUES ('".len();
        let (id, rest) = sql[start..].split_once("', '").expect("two values");
        let doc = rest.strip_suffix("')").expect("a closing parenthesis");
        let (_, data) = self.store.table_names();
        raw_client()
            .put_item()
            .table_name(data)
            .item("pk", AttributeValue::B(Blob::new(b"event".to_vec())))
            .item("sk", AttributeValue::B(Blob::new(id.as_bytes().to_vec())))
            .item("doc", AttributeValue::S(doc.to_owned()))
            .send()
            .await
            .unwrap();
    }
}

suite!(dynamo);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_are_created_once_and_reopened() {
    let f = dynamo().await;
    f.store
        .append(&[LogEntry::new(common::data::x(
            "ana",
            "g",
            "save",
            1_700_000_000,
        ))])
        .await
        .unwrap();
    // Opening again (tables exist) is a no-op that keeps the data.
    let again = DynamoStore::open_with_static_credentials(&f.url, KEY.0, KEY.1)
        .await
        .unwrap();
    assert_eq!(again.log_head().await.unwrap(), Cursor(1));
    assert_eq!(again.backend(), "dynamodb");
    let tables = raw_client().list_tables().send().await.unwrap();
    let (log, data) = f.store.table_names();
    let names = tables.table_names();
    assert!(names.iter().any(|t| t == log) && names.iter().any(|t| t == data));
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable() {
    // A loopback port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = url("craic_down", &format!("http://127.0.0.1:{port}"));
    let err = DynamoStore::open_with_static_credentials(&down, KEY.0, KEY.1)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    for bad in [
        "dynamodb://",
        "dynamodb://bad prefix",
        "dynamodb://p?port=1",
    ] {
        let err = craic_store::open(bad).await.unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::InvalidUrl, "{bad}: {err}");
    }
}

/// Several appenders (overlapping batches) and a tailer at once: the tailer sees every row
/// exactly once, in cursor order, and cursors are gapless.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appenders_and_a_tailer_miss_nothing() {
    let f = dynamo().await;
    let store = Arc::new(f.store.clone());
    const WRITERS: usize = 4;
    const PER: usize = 150;
    let entry = |w: usize, n: usize| {
        // Writers 0 and 1 send the same entries: one of them must see duplicates.
        let w = if w == 1 { 0 } else { w };
        LogEntry::new(common::data::x(
            &format!("u{w}"),
            &format!("g{n}"),
            "click",
            1_700_000_000 + n as i64,
        ))
    };
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(&store);
        writers.push(tokio::spawn(async move {
            let mut report = (0, 0);
            for chunk in (0..PER).collect::<Vec<_>>().chunks(20) {
                let batch: Vec<LogEntry> = chunk.iter().map(|&n| entry(w, n)).collect();
                let r = store.append(&batch).await.unwrap();
                report = (report.0 + r.inserted, report.1 + r.duplicates);
            }
            report
        }));
    }
    let distinct = (WRITERS - 1) * PER;
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let tailer = {
        let (store, writing) = (Arc::clone(&store), Arc::clone(&writing));
        tokio::spawn(async move {
            let (mut cursor, mut seen) = (Cursor::START, Vec::new());
            loop {
                // Read after the writers finished, so the last empty page is the end.
                let done = !writing.load(Ordering::SeqCst);
                let page = store.read_log(cursor, 37).await.unwrap();
                for r in &page.records {
                    assert_eq!(r.cursor.0, cursor.0 + 1, "gapless, in order");
                    cursor = r.cursor;
                    seen.push(r.key.clone());
                }
                assert!(page.malformed.is_empty());
                if done && page.is_empty() {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let mut inserted = 0;
    for w in writers {
        inserted += w.await.unwrap().0;
    }
    writing.store(false, Ordering::SeqCst);
    assert_eq!(inserted, distinct as u64, "every distinct entry once");
    let seen = tailer.await.unwrap();
    assert_eq!(seen.len(), distinct, "the tailer saw every row");
    let mut keys = seen.clone();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), distinct, "the tailer saw each row once");
    assert_eq!(store.log_head().await.unwrap(), Cursor(distinct as u64));
}

/// Conditional checks under concurrency: the first assignment wins, an exposure key counts
/// once, a version published twice at once is stored once (the other is `Conflict`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conditional_checks_hold_under_concurrency() {
    let f = dynamo().await;
    let store = Arc::new(f.store.clone());
    let variants: Vec<String> = (0..8).map(|n| format!("v{n}")).collect();
    store
        .put_experiment(&ExperimentRecord {
            key: "race".into(),
            definition: b"{}".to_vec(),
            variants: variants.clone(),
        })
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for v in variants.clone() {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let a = store.assign("race", "ana", &v).await.unwrap();
            let event = ExperimentEvent {
                experiment: "race".into(),
                user: "ana".into(),
                variant: a.variant.clone(),
                key: "exposure-1".into(),
                at: 1_700_000_000,
                value: 1.0,
            };
            let counted = store.record_exposure(&event).await.unwrap();
            let model = ModelVersion {
                version: "m1".into(),
                bytes: v.clone().into_bytes(),
                metrics_json: "{}".into(),
                trained_at: 1,
            };
            let published = store.publish_model(&model, true).await;
            (a, counted, published)
        }));
    }
    let (mut new, mut counted, mut published, mut winner) = (0, 0, 0, None);
    for t in tasks {
        let (a, c, p) = t.await.unwrap();
        new += usize::from(a.new);
        assert_eq!(*winner.get_or_insert(a.variant.clone()), a.variant);
        counted += usize::from(c);
        match p {
            Ok(()) => published += 1,
            Err(e) => assert_eq!(e.kind(), StoreErrorKind::Conflict, "{e}"),
        }
    }
    assert_eq!((new, counted, published), (1, 1, 1));
    let counts = store.experiment_counts("race").await.unwrap();
    let total: (u64, u64) = counts
        .iter()
        .fold((0, 0), |t, c| (t.0 + c.assignments, t.1 + c.exposures));
    assert_eq!(total, (1, 1));
    assert_eq!(store.models().await.unwrap().len(), 1);
    assert!(store.current_model().await.unwrap().is_some());
}

/// A TCP proxy to DynamoDB Local on `port` (0: any); aborting its task closes the listener and
/// every connection through it, as if the server had gone away.
async fn proxy(port: u16) -> (u16, tokio::task::JoinHandle<()>) {
    let upstream: std::net::SocketAddr = dynamodb_local::server()
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut inbound, _)) = listener.accept().await {
            connections.spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (port, task)
}

/// The server goes away mid-ingest: the ingest fails with `Unavailable`; once it is back,
/// re-running the ingest leaves every interaction exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_gone_mid_ingest_then_rerun_is_exact() {
    let f = dynamo().await;
    let (port, cut) = proxy(0).await;
    let (log, _) = f.store.table_names();
    let via_proxy = url(
        log.trim_end_matches("_log"),
        &format!("http://127.0.0.1:{port}"),
    );
    let store = DynamoStore::open_with_static_credentials(&via_proxy, KEY.0, KEY.1)
        .await
        .unwrap();
    const N: usize = 5_000;
    let entries: Arc<Vec<LogEntry>> = Arc::new(
        (0..N)
            .map(|n| {
                LogEntry::new(common::data::x(
                    &format!("u{}", n % 97),
                    &format!("g{}", n % 31),
                    "click",
                    1_700_000_000 + n as i64,
                ))
            })
            .collect(),
    );
    let ingest = {
        let (store, entries) = (store.clone(), Arc::clone(&entries));
        tokio::spawn(async move { store.append(&entries).await })
    };
    // Cut the connection once the first group is committed (observed directly, not by time).
    while f.store.log_head().await.unwrap() == Cursor::START {
        assert!(!ingest.is_finished(), "the ingest ended before the cut");
        tokio::task::yield_now().await;
    }
    cut.abort();
    let _ = cut.await;
    let err = ingest.await.unwrap().expect_err("the ingest must fail");
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    let partial = f.store.log_head().await.unwrap().0;
    assert!(partial > 0 && partial < N as u64, "{partial}");

    // Back on the same port: the same store object completes the ingest.
    let (_, back) = proxy(port).await;
    let report = store.append(&entries).await.unwrap();
    assert_eq!(report.inserted + report.duplicates, N as u64);
    assert_eq!(report.duplicates, partial);
    let (mut cursor, mut n) = (Cursor::START, 0);
    loop {
        let page = f.store.read_log(cursor, 1_000).await.unwrap();
        if page.is_empty() {
            break;
        }
        for r in &page.records {
            assert_eq!(
                r.interaction, entries[n].interaction,
                "exactly once, in order"
            );
            n += 1;
        }
        cursor = page.next;
    }
    assert_eq!(n, N);
    back.abort();
}

/// A fake DynamoDB that throttles every request: the store retries (the SDK's standard mode,
/// with backoff), then reports `Unavailable` — the throttling is never swallowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_then_unavailable() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicU32::new(0));
    let server = {
        let requests = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let requests = Arc::clone(&requests);
                tokio::spawn(async move {
                    let mut socket = BufReader::new(socket);
                    loop {
                        let (mut line, mut length) = (String::new(), 0usize);
                        // Request line and headers, then the body.
                        loop {
                            line.clear();
                            if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(v) = lower.strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        if socket.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        requests.fetch_add(1, Ordering::SeqCst);
                        let json = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#;
                        let reply = format!(
                            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n\
                             Content-Length: {}\r\n\r\n{json}",
                            json.len()
                        );
                        if socket.get_mut().write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        })
    };
    let throttled = url("craic_throttled", &format!("http://127.0.0.1:{port}"));
    let err = DynamoStore::open_with_static_credentials(&throttled, KEY.0, KEY.1)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    assert!(
        err.to_string().contains("ProvisionedThroughputExceeded"),
        "{err}"
    );
    let n = requests.load(Ordering::SeqCst);
    assert!(n >= 2, "retried: {n} requests");
    server.abort();
}
