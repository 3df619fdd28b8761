//! A fresh database per test on the shared MariaDB (never the server itself restarted).

use mysql_async::prelude::Queryable;

fn server() -> String {
    std::env::var("CRAIC_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

const HOW_TO_START: &str = "MariaDB is not reachable at CRAIC_MYSQL_URL (default \
    mysql://root@127.0.0.1:3306). Start it with `service mariadb start`; on a fresh Debian \
    machine first `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends mariadb-server mariadb-client` (or run .ci/run)";

fn admin(sql: String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = match mysql_async::Conn::from_url(server()).await {
            Ok(c) => c,
            Err(e) => panic!("{HOW_TO_START}: {e}"),
        };
        c.query_drop(sql).await.unwrap();
        c.disconnect().await.unwrap();
    });
}

/// A fresh database, dropped on drop (even when the test fails).
pub struct Db(String);

impl Db {
    pub fn new() -> Db {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let db = format!("craic_svc_test_{}_{nanos}", std::process::id());
        admin(format!("CREATE DATABASE `{db}`"));
        Db(db)
    }
    pub fn url(&self) -> String {
        format!("{}/{}", server(), self.0)
    }
    /// Drops the database now (the guard drops it again, harmlessly).
    pub fn drop_now(&self) {
        admin(format!("DROP DATABASE `{}`", self.0));
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        admin(format!("DROP DATABASE IF EXISTS `{}`", self.0));
    }
}
