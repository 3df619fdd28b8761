//! DynamoDB Local killed mid-ingest: the test starts its own private instance persisting to a
//! fresh `-dbPath` under `target/tmp` (not `-inMemory`, so the data survives a restart), kills
//! it with SIGKILL while an ingest runs, checks the typed error, restarts it on the same
//! files, re-runs the ingest and checks that every interaction is stored exactly once, in
//! order. A missing `java` or `npm` fails the test saying what to install.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::dynamodb_local;
use craic_store::{Cursor, DynamoStore, Store, StoreErrorKind};

/// A private DynamoDB Local on `dir`; killed (SIGKILL) when dropped.
struct Private {
    dir: PathBuf,
    jar: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Private {
    fn new() -> Private {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("dynamodb-kill-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Private {
            dir,
            jar: dynamodb_local::install(),
            port,
            child: None,
        };
        server.start();
        server
    }

    fn start(&mut self) {
        let log = self.dir.join("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let mut child = Command::new("java")
            .arg(format!(
                "-Djava.library.path={}",
                self.jar.join("DynamoDBLocal_lib").display()
            ))
            .arg("-jar")
            .arg(self.jar.join("DynamoDBLocal.jar"))
            .args(["-sharedDb", "-disableTelemetry", "-dbPath"])
            .arg(&self.dir)
            .arg("-port")
            .arg(self.port.to_string())
            .current_dir(&self.jar)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run java ({e}): install a Java 17+ runtime (or run .ci/run)")
            });
        dynamodb_local::wait_until_answers(self.port, &mut child, &log);
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn store(&self) -> DynamoStore {
        let url = format!(
            "dynamodb://kill?endpoint=http://127.0.0.1:{}&region=us-east-1",
            self.port
        );
        DynamoStore::open_with_static_credentials(&url, "craictest", "craictestsecret")
            .await
            .unwrap()
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const N: usize = 3_000;

#[test]
fn killing_dynamodb_local_mid_ingest_is_a_typed_error_and_a_rerun_stores_everything_once() {
    let mut server = Private::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let entries = common::kill::saves_of_one_gig(N);
    rt.block_on(async {
        let store = server.store().await;
        store.upsert_items(&[common::data::gig("g")]).await.unwrap();
        let ingest = {
            let (store, entries) = (store.clone(), entries.clone());
            tokio::spawn(async move { store.append(&entries).await })
        };
        while store.log_head().await.unwrap() == Cursor::START {
            assert!(!ingest.is_finished(), "the ingest ended before the kill");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(!ingest.is_finished(), "the ingest ended before the kill");
        server.kill();
        let err = ingest.await.unwrap().expect_err("the ingest must fail");
        assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    });
    server.start();
    rt.block_on(async {
        let store = server.store().await;
        let before = store.log_head().await.unwrap().0;
        assert!(before > 0 && (before as usize) < N, "{before}");
        let report = store.append(&entries).await.unwrap();
        assert_eq!(
            report.duplicates, before,
            "what survived the kill is skipped"
        );
        common::kill::assert_log_holds_exactly(&store, &entries, 1_000).await;
        assert_eq!(store.log_head().await.unwrap(), Cursor(N as u64));
    });
}
