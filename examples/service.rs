//! A recommendation service with a daily retrain and a Prometheus `/metrics` endpoint.
//!
//! `cargo run --example service` then `curl localhost:9898/metrics`. Everything but `/metrics`
//! answers a JSON list of recommendations for the user named in the path (`/u/user-00042`).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use craic::service::{Schedule, Service, ServiceOptions};
use craic::synthetic::{Dataset, SyntheticConfig};
use craic::{Config, Request};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    // Sixty days of synthetic history up to now, with events in the coming weeks.
    let data = Dataset::generate(&SyntheticConfig {
        start: now - 60 * 86_400,
        ..SyntheticConfig::tiny()
    });
    let svc = Service::build(Config::default(), data.into(), ServiceOptions::default())?;
    let _daily = svc.start_schedule(Schedule::daily_at(3, 30, 0)?); // stops when dropped
    let listener = TcpListener::bind("127.0.0.1:9898")?;
    for stream in listener.incoming() {
        let mut stream = stream?;
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line)?;
        let path = line.split(' ').nth(1).unwrap_or("/");
        let (ctype, body) = if path == "/metrics" {
            ("text/plain; version=0.0.4", svc.metrics_text())
        } else {
            let user = path.trim_start_matches("/u/");
            match svc.recommend(user, &Request::new(10)) {
                Ok(recs) => {
                    let ids: Vec<String> =
                        recs.iter().map(|r| format!("{:?}", r.item_id)).collect();
                    ("application/json", format!("[{}]", ids.join(",")))
                }
                Err(e) => (
                    "application/json",
                    format!("{{\"error\":{:?}}}", e.kind().as_str()),
                ),
            }
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
    }
    Ok(())
}
