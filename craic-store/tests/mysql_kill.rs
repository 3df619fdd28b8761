//! The MariaDB server process killed mid-ingest: the test starts its own private `mariadbd`
//! (a fresh datadir under `target/tmp`, its own loopback port and socket, never the machine's
//! shared server), kills it with SIGKILL while a 200 000-interaction ingest runs, checks the
//! typed error, restarts it on the same datadir, re-runs the ingest and checks that every
//! interaction is stored exactly once, in order. A missing `mariadbd` / `mariadb-install-db`
//! fails the test saying what to install.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use craic_store::{MysqlStore, Store, StoreErrorKind};
use mysql_async::prelude::Queryable;

const INSTALL: &str = "install MariaDB's server binaries: `apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server \
    mariadb-client` (or run .ci/run, which does)";

/// A private server on `dir/data`; killed (SIGKILL) when dropped.
struct Private {
    dir: PathBuf,
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
            .join(format!("mariadb-kill-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .args(["--user=root", "--auth-root-authentication-method=normal"])
            .arg("--skip-test-db")
            .output()
            .unwrap_or_else(|e| panic!("cannot run mariadb-install-db ({e}): {INSTALL}"));
        assert!(
            out.status.success(),
            "mariadb-install-db failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Private {
            dir,
            port,
            child: None,
        };
        server.start();
        server
    }

    fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }

    /// Starts `mariadbd` on the datadir and waits until it answers.
    fn start(&mut self) {
        let d = &self.dir;
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--socket={}", d.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", d.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            .arg(format!("--port={}", self.port))
            .args([
                "--bind-address=127.0.0.1",
                "--user=root",
                "--skip-grant-tables",
                "--innodb-buffer-pool-size=64M",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run mariadbd ({e}): {INSTALL}"));
        self.child = Some(child);
        let started = Instant::now();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        loop {
            let ok = rt.block_on(async {
                match mysql_async::Conn::from_url(self.url("mysql")).await {
                    Ok(c) => c.disconnect().await.is_ok(),
                    Err(_) => false,
                }
            });
            if ok {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("mariadbd exited ({status}): {}", self.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "mariadbd did not answer within 120 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const N: usize = 200_000;

#[test]
fn killing_the_server_mid_ingest_is_a_typed_error_and_a_rerun_stores_everything_once() {
    let mut server = Private::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let entries = common::kill::saves_of_one_gig(N);
    let url = server.url("craic");
    rt.block_on(async {
        let mut admin = mysql_async::Conn::from_url(server.url("mysql"))
            .await
            .unwrap();
        admin.query_drop("CREATE DATABASE craic").await.unwrap();
        admin.disconnect().await.unwrap();
        let store = MysqlStore::open(&url).await.unwrap();
        store.upsert_items(&[common::data::gig("g")]).await.unwrap();
        let ingest = {
            let (store, entries) = (store.clone(), entries.clone());
            tokio::spawn(async move { store.append(&entries).await })
        };
        let mut monitor = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
        loop {
            let n: Option<u64> = monitor
                .query_first("SELECT COUNT(*) FROM interactions")
                .await
                .unwrap();
            assert!(!ingest.is_finished(), "the ingest ended before the kill");
            if n.unwrap_or(0) > 0 {
                break;
            }
        }
        server.kill();
        let err = ingest.await.unwrap().expect_err("the ingest must fail");
        assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
        drop(monitor);
        drop(store);
    });
    server.start();
    rt.block_on(async {
        let store = MysqlStore::open(&url).await.unwrap();
        let mut monitor = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
        let (before,): (u64,) = monitor
            .query_first("SELECT COUNT(*) FROM interactions")
            .await
            .unwrap()
            .unwrap();
        assert!(
            (before as usize) < N,
            "{before}: the kill interrupted the ingest"
        );
        let report = store.append(&entries).await.unwrap();
        assert_eq!(
            report.duplicates, before,
            "what survived the kill is skipped"
        );
        let (rows, keys): (u64, u64) = monitor
            .query_first("SELECT COUNT(*), COUNT(DISTINCT idem_key) FROM interactions")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (rows, keys),
            (N as u64, N as u64),
            "every interaction exactly once"
        );
        common::kill::assert_log_holds_exactly(&store, &entries, 50_000).await;
        let _ = monitor.disconnect().await;
        let _ = store.close().await;
    });
}
