//! `cargo bench -p intercom-api --features redis --bench shared_limit`:
//! prints the per-call cost of the shared rate limiter ([`RedisLimiter`],
//! a real `redis-server` on a loopback port of its own) against the local
//! limiter alone, from one run:
//!
//! 1. for each side, the median time per call (µs) of `N` sequential
//!    `listTags` calls to the same loopback mock, and its spread (min–max)
//!    over the runs (interleaved: local, shared, local, shared…, so drift on
//!    a shared machine hits both alike), and the ratio shared / local of the
//!    medians. The mock reports a limit so large that neither side ever
//!    waits: the difference is the reservation (one Lua script, a Redis round
//!    trip, before each request) and the report of each response's headers
//!    (one more script, off the call's path); and
//! 2. what Redis saw: the scripts it ran per shared call, whether it holds
//!    the app's limit (the calls were admitted by Redis, not by the local
//!    limiter after an outage), and the warnings the client logged (an
//!    outage is one: a Redis operation over its 50 ms bound).
//!
//! Under `cargo test` (no `--bench` argument) it runs a seconds-short smoke
//! version so the target stays compiled and working (it needs
//! `redis-server`, like the `fleet` test).

mod support;

#[path = "../tests/support/redis.rs"]
mod redis_server;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use intercom_api::{Client, RedisLimiter};
use redis_server::RedisServer;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "bench-token";
const APP: &str = "bench-app";
const LIMIT: u32 = 1_000_000;

/// A small tag list, with Intercom's rate-limit headers: a limit nobody
/// reaches, the reset 10 s ahead (read on every answer, so it never passes).
struct Tags;

impl Respond for Tags {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let tags: Vec<_> = (0..5)
            .map(|i| json!({"type": "tag", "id": i.to_string(), "name": format!("tag {i}")}))
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(json!({"type": "list", "data": tags}))
            .insert_header("x-ratelimit-limit", LIMIT.to_string().as_str())
            .insert_header("x-ratelimit-remaining", (LIMIT - 1).to_string().as_str())
            .insert_header("x-ratelimit-reset", (now + 10).to_string().as_str())
    }
}

/// `calls` sequential calls; their time.
async fn run(client: &Client, calls: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..calls {
        client.v2_16().list_tags().send().await.unwrap();
    }
    started.elapsed()
}

/// Lines the client logged (warnings and errors), echoed to stderr.
static LOGGED: AtomicUsize = AtomicUsize::new(0);

struct CountingStderr;

impl Write for CountingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGGED.fetch_add(
            buf.iter().filter(|&&b| b == b'\n').count(),
            Ordering::Relaxed,
        );
        std::io::stderr().write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Calls to `EVALSHA` and `EVAL` since the last `CONFIG RESETSTAT`.
fn scripts_run(redis: &RedisServer) -> u64 {
    let stats = redis.command("INFO commandstats").unwrap_or_default();
    stats
        .lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| {
            let calls = l.split_once("calls=")?.1;
            calls.split(',').next()?.parse::<u64>().ok()
        })
        .sum()
}

/// The app's limit as Redis holds it, if it does.
fn shared_limit(redis: &RedisServer) -> Option<u64> {
    let answer = redis.command(&format!("HGET intercom-rs:rate-limit:app:{APP} limit"))?;
    answer.lines().nth(1)?.parse().ok()
}

async fn compare(calls: usize, runs: usize, warm_up: usize) {
    let redis = RedisServer::start();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(Tags)
        .mount(&server)
        .await;
    // One reqwest client for both sides: the same connection pool.
    let http = reqwest::Client::new();
    let builder = || {
        Client::builder()
            .access_token(TOKEN)
            .base_url(server.uri())
            .http_client(http.clone())
    };
    let local = builder().build().unwrap();
    let shared = builder()
        .shared_limiter(RedisLimiter::new(&redis.url(), APP).unwrap())
        .build()
        .unwrap();
    // Warm up both paths (connections, the scripts loaded into Redis, the
    // limits learned by both limiters).
    run(&local, warm_up).await;
    run(&shared, warm_up).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    redis.command("CONFIG RESETSTAT");
    let logged_before = LOGGED.load(Ordering::Relaxed);
    let (mut l, mut s) = (Vec::new(), Vec::new());
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
    for _ in 0..runs {
        l.push(per_call(run(&local, calls).await));
        s.push(per_call(run(&shared, calls).await));
    }
    // The last responses' reports run on tasks of their own.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let scripts = scripts_run(&redis);
    let held = shared_limit(&redis);
    let logged = LOGGED.load(Ordering::Relaxed) - logged_before;
    let summary = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (lm, lmin, lmax) = summary(l);
    let (sm, smin, smax) = summary(s);
    println!(
        "shared limiter: local {lm:.1} µs/call ({lmin:.1}–{lmax:.1}), shared (Redis on loopback) {sm:.1} µs/call ({smin:.1}–{smax:.1}), ratio (shared / local, medians) {:.2}  [{calls} sequential calls x {runs} interleaved runs per side after {warm_up} warm-up; median and min–max over runs]",
        sm / lm
    );
    println!(
        "shared limiter: Redis ran {:.2} scripts per shared call; it holds the app's limit: {}; warnings logged during the runs: {logged}",
        scripts as f64 / (calls * runs) as f64,
        held.map_or(
            "no (calls were admitted by the local limiter alone)".to_owned(),
            |n| n.to_string()
        ),
    );
}

fn main() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(|| CountingStderr)
        .try_init();
    support::run(compare(2000, 5, 200), compare(50, 2, 10));
}
