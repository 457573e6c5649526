//! A fleet sharing one Intercom app's rate limit through a real Redis.
//!
//! 4 OS processes (this test binary started again as `fleet_worker`), each a
//! client with 16 concurrent tasks, call one loopback mock that enforces a
//! per-app window limit with Intercom's headers (90 per 3-second window: the
//! same contract, scaled down), 10 % of the calls cancelled at random.
//!
//! - Shared: throughput ≥ 95 % of the limit, no call fails with a 429, the
//!   mock refuses ≤ 1 % of the requests, and afterwards Redis's count of the
//!   last window equals what the mock served in it (no reservation leaked).
//!   The same fleet without sharing is run and printed beside it.
//! - Outage: Redis is killed mid-run and started again. No call fails, hangs
//!   or panics; each process logs the outage once and the resumption once;
//!   after the restart the fleet shares again (≤ 1 % refused).
//! - A 429 one client meets holds another back until the reset, and two
//!   apps of one workspace keep to its ceiling together.
//! - A call cancelled while Redis is counting its slot gives the slot back.

mod support;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use intercom_api::{Client, RateLimitConfig, RedisLimiter};
use support::redis::RedisServer;
use support::{Action, RawServer, TOKEN, show};

const WINDOW_SECS: u64 = 3;
const LIMIT: u32 = 90;
const PROCESSES: usize = 4;
const TASKS: usize = 16;
const APP: &str = "fleet-test-app";

/// The fleet tests run one at a time: each times a fleet of processes, and
/// two fleets at once on a small machine would measure each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// An empty list page.
const LIST: &str = r#"{"type":"list","data":[]}"#;

/// `answer` with Intercom's headers, dated `now`: a limit of 1000 with
/// `remaining` left and a reset `reset_in` seconds away.
fn with_limits(answer: Action, now: SystemTime, remaining: u32, reset_in: u64) -> Action {
    answer
        .with_header("date", httpdate::fmt_http_date(now))
        .with_header("x-ratelimit-limit", 1000)
        .with_header("x-ratelimit-remaining", remaining)
        .with_header("x-ratelimit-reset", unix_ms(now) / 1000 + reset_in)
}

/// An empty list with room to spare: 999 of 1000 left for 10 s.
fn roomy_list(now: SystemTime) -> Action {
    with_limits(Action::ok(LIST), now, 999, 10)
}

/// Served and refused requests per window (keyed by its start, in seconds).
type Windows = Arc<Mutex<BTreeMap<u64, (u32, u32)>>>;

/// The mock: `LIMIT` requests per window of the system clock, Intercom's
/// headers (with `Date`) on every answer, a 429 beyond the limit.
async fn mock() -> (RawServer, Windows) {
    let windows: Windows = Arc::default();
    let w = windows.clone();
    let server = RawServer::start(move |_| {
        let now = SystemTime::now();
        let secs = unix_ms(now) / 1000;
        let window = secs / WINDOW_SECS * WINDOW_SECS;
        let mut windows = w.lock().unwrap();
        let (served, refused) = windows.entry(window).or_default();
        let answer = if *served < LIMIT {
            *served += 1;
            Action::ok(LIST)
        } else {
            *refused += 1;
            Action::status(
                429,
                r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"Exceeded rate limit"}]}"#,
            )
        };
        answer
            .with_header("date", httpdate::fmt_http_date(now))
            .with_header("x-ratelimit-limit", LIMIT)
            .with_header("x-ratelimit-remaining", LIMIT - *served)
            .with_header("x-ratelimit-reset", window + WINDOW_SECS)
    })
    .await;
    (server, windows)
}

/// What one worker process reports.
#[derive(Debug, Default, Clone, Copy)]
struct Report {
    ok: u32,
    limited: u32,
    failed: u32,
    cancelled: u32,
    hung: u32,
    outages: u32,
    resumed: u32,
}

impl Report {
    fn parse(line: &str) -> Option<Self> {
        let fields: BTreeMap<&str, u32> = line
            .split_once("FLEET-REPORT ")?
            .1
            .split(' ')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k, v.parse().ok()?))
            })
            .collect();
        let get = |k: &str| fields.get(k).copied();
        Some(Self {
            ok: get("ok")?,
            limited: get("limited")?,
            failed: get("failed")?,
            cancelled: get("cancelled")?,
            hung: get("hung")?,
            outages: get("outages")?,
            resumed: get("resumed")?,
        })
    }

    fn add(self, o: Self) -> Self {
        Self {
            ok: self.ok + o.ok,
            limited: self.limited + o.limited,
            failed: self.failed + o.failed,
            cancelled: self.cancelled + o.cancelled,
            hung: self.hung + o.hung,
            outages: self.outages + o.outages,
            resumed: self.resumed + o.resumed,
        }
    }
}

/// Starts the fleet: `PROCESSES` processes calling `mock` until `until`,
/// sharing through `redis` when given.
fn start_fleet(mock: &str, redis: Option<&str>, until: SystemTime) -> Vec<std::process::Child> {
    (0..PROCESSES)
        .map(|i| {
            let mut worker = Command::new(std::env::current_exe().unwrap());
            worker
                .args(["fleet_worker", "--exact", "--ignored", "--nocapture"])
                .args(["--test-threads", "1"])
                .env("FLEET_MOCK", mock)
                .env("FLEET_UNTIL_MS", unix_ms(until).to_string())
                .env("FLEET_SEED", i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if let Some(url) = redis {
                worker.env("FLEET_REDIS", url);
            }
            worker.spawn().expect("a worker process")
        })
        .collect()
}

/// Waits for the fleet; each process's report (a process that panics or
/// reports nothing fails the test).
fn finish_fleet(children: Vec<std::process::Child>) -> Vec<Report> {
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "a worker failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
                .lines()
                .find_map(Report::parse)
                .unwrap_or_else(|| panic!("no report in:\n{stdout}"))
        })
        .collect()
}

/// Served and refused in the windows wholly inside `[from, to)`, and how
/// many windows that is.
fn tally(windows: &Windows, from: SystemTime, to: SystemTime) -> (u32, u32, u32) {
    let (from, to) = (unix_ms(from) / 1000, unix_ms(to) / 1000);
    let windows = windows.lock().unwrap();
    let inside: Vec<_> = windows
        .iter()
        .filter(|(start, _)| **start >= from && **start + WINDOW_SECS <= to)
        .map(|(_, counts)| *counts)
        .collect();
    let served = inside.iter().map(|c| c.0).sum();
    let refused = inside.iter().map(|c| c.1).sum();
    (served, refused, inside.len() as u32)
}

/// Starts at the next window boundary plus a margin, so runs compare.
async fn at_a_window_start() -> SystemTime {
    let now = unix_ms(SystemTime::now());
    let next = (now / 1000 / WINDOW_SECS + 1) * WINDOW_SECS * 1000 + 100;
    tokio::time::sleep(Duration::from_millis(next - now)).await;
    SystemTime::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_sharing_through_redis_keeps_to_the_apps_limit() {
    let _one = ONE_AT_A_TIME.lock().await;
    let redis = RedisServer::start();
    let run = Duration::from_secs(5 * WINDOW_SECS);
    let mut figures = Vec::new();
    for shared in [true, false] {
        let (server, windows) = mock().await;
        let start = at_a_window_start().await;
        let until = start + run;
        let fleet = start_fleet(&server.url, shared.then(|| redis.url()).as_deref(), until);
        let reports = tokio::task::spawn_blocking(move || finish_fleet(fleet))
            .await
            .unwrap();
        let total = reports.iter().fold(Report::default(), |a, r| a.add(*r));
        // The first window is the probes' (each process learns the limits).
        let (served, refused, n) = tally(&windows, start + Duration::from_secs(WINDOW_SECS), until);
        let share = f64::from(served) / f64::from(LIMIT * n);
        let requests = served + refused;
        show(&format!(
            "fleet {}: {PROCESSES} processes x {TASKS} tasks, {n} windows of {WINDOW_SECS} s at {LIMIT}: throughput {:.1} % of the limit; 429s sent by the mock {refused} of {requests} requests ({:.2} %), surfaced to callers {}; calls ok {}, failed otherwise {}, cancelled {}, hung {}",
            if shared {
                "sharing through Redis"
            } else {
                "without sharing"
            },
            share * 100.0,
            f64::from(refused) * 100.0 / f64::from(requests.max(1)),
            total.limited,
            total.ok,
            total.failed,
            total.cancelled,
            total.hung,
        ));
        assert_eq!(total.hung, 0);
        if shared {
            assert!(share >= 0.95, "throughput {share:.3} of the limit");
            assert_eq!(total.limited, 0, "no call fails with a 429");
            assert!(
                f64::from(refused) <= 0.01 * f64::from(requests),
                "{refused} of {requests} refused; per window (start s: served, refused) {:?}",
                windows.lock().unwrap()
            );
            assert!(total.cancelled > 0, "some calls were cancelled");
            assert_eq!(total.failed, 0);
            // Nothing leaked: the last window's shared count is what the
            // mock served in it.
            let key = format!("intercom-rs:rate-limit:app:{APP}");
            let field = |f: &str| -> u64 {
                let answer = redis.command(&format!("HGET {key} {f}")).unwrap();
                answer
                    .lines()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let (used, reset) = (field("used"), field("reset"));
            let window = (reset + 500) / 1000 - WINDOW_SECS;
            let served_then = windows
                .lock()
                .unwrap()
                .get(&window)
                .copied()
                .unwrap_or_default();
            show(&format!(
                "after the run: Redis counts {used} in the window ending {reset} ms; the mock served {} and refused {} in it",
                served_then.0, served_then.1
            ));
            assert_eq!(
                used,
                u64::from(served_then.0 + served_then.1),
                "no reservation leaked"
            );
        }
        figures.push((shared, share, refused, total.limited));
    }
    let (_, _, unshared_refused, _) = figures[1];
    assert!(
        unshared_refused > 0,
        "without sharing, the fleet overruns the limit (the comparison means something)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_carries_on_through_a_redis_outage_and_shares_again() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut redis = RedisServer::start();
    let (server, windows) = mock().await;
    let start = at_a_window_start().await;
    let until = start + Duration::from_secs(9 * WINDOW_SECS);
    let fleet = start_fleet(&server.url, Some(&redis.url()), until);
    let done = tokio::task::spawn_blocking(move || finish_fleet(fleet));
    tokio::time::sleep(Duration::from_secs(2 * WINDOW_SECS)).await;
    redis.stop();
    let stopped = SystemTime::now();
    tokio::time::sleep(Duration::from_secs(2 * WINDOW_SECS)).await;
    redis.restart();
    let restarted = SystemTime::now();
    let reports = done.await.unwrap();
    let total = reports.iter().fold(Report::default(), |a, r| a.add(*r));
    // Two windows to reconnect and re-learn the limits after the restart
    // (Redis comes back empty).
    let relearned = restarted + Duration::from_secs(2 * WINDOW_SECS);
    let (_, refused_out, _) = tally(&windows, stopped, relearned);
    let (served, refused, n) = tally(&windows, relearned, until);
    show(&format!(
        "outage: Redis down {:.1} s; 429s sent during it and the two windows after {refused_out}; calls ok {}, failed {}, surfaced 429s {}, hung {}; outages logged {} and resumptions {} over {PROCESSES} processes; after the restart {served} served and {refused} refused in {n} windows",
        restarted.duration_since(stopped).unwrap().as_secs_f64(),
        total.ok,
        total.failed,
        total.limited,
        total.hung,
        total.outages,
        total.resumed,
    ));
    assert_eq!((total.failed, total.limited, total.hung), (0, 0, 0));
    for r in &reports {
        assert_eq!((r.outages, r.resumed), (1, 1), "logged once each: {r:?}");
    }
    assert!(n >= 1);
    assert!(
        f64::from(refused) <= 0.01 * f64::from(served + refused),
        "shares again after the restart: {refused} of {} refused",
        served + refused
    );
}

/// A fleet process (started by the tests above with `FLEET_MOCK` set; it
/// does nothing otherwise): 16 tasks call the mock until `FLEET_UNTIL_MS`,
/// 10 % of the calls cancelled after a random 0–3 ms, and it prints its
/// report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a fleet process: the fleet tests start it"]
async fn fleet_worker() {
    let Ok(mock) = std::env::var("FLEET_MOCK") else {
        return;
    };
    let until = UNIX_EPOCH
        + Duration::from_millis(std::env::var("FLEET_UNTIL_MS").unwrap().parse().unwrap());
    let seed: u64 = std::env::var("FLEET_SEED").unwrap().parse().unwrap();
    let logs = support::Logs::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish(),
    )
    .unwrap();
    let mut builder = Client::builder()
        .access_token(TOKEN)
        .base_url(&mock)
        .rate_limit(RateLimitConfig {
            jitter: Duration::from_millis(20),
            ..RateLimitConfig::default()
        });
    if let Ok(url) = std::env::var("FLEET_REDIS") {
        builder = builder.shared_limiter(RedisLimiter::new(&url, APP).unwrap());
    }
    let client = builder.build().unwrap();
    let counts: Arc<[AtomicU32; 5]> = Arc::new(Default::default());
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (client, counts) = (client.clone(), counts.clone());
            let mut rng = fastrand::Rng::with_seed(seed * 1000 + t as u64);
            tokio::spawn(async move {
                while SystemTime::now() < until {
                    let call = client.v2_16().list_tags().send();
                    let bound = if rng.u32(0..10) == 0 {
                        Duration::from_micros(rng.u64(0..3_000))
                    } else {
                        Duration::from_secs(30)
                    };
                    let slot = match tokio::time::timeout(bound, call).await {
                        Ok(Ok(_)) => 0,
                        Ok(Err(e)) if e.is_rate_limited() => 1,
                        Ok(Err(_)) => 2,
                        Err(_) if bound < Duration::from_secs(30) => 3,
                        Err(_) => 4,
                    };
                    counts[slot].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // Reservations of cancelled calls go back by tasks of their own.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = logs.text();
    let c = |i: usize| counts[i].load(Ordering::Relaxed);
    println!(
        "FLEET-REPORT ok={} limited={} failed={} cancelled={} hung={} outages={} resumed={}",
        c(0),
        c(1),
        c(2),
        c(3),
        c(4),
        text.matches("Redis unreachable").count(),
        text.matches("sharing resumed").count(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_apps_of_one_workspace_keep_to_its_ceiling_together() {
    let _one = ONE_AT_A_TIME.lock().await;
    let redis = RedisServer::start();
    // Each app has room to spare: only the workspace's ceiling holds them.
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let a = arrivals.clone();
    let server = RawServer::start(move |_| {
        let now = SystemTime::now();
        a.lock().unwrap().push(unix_ms(now));
        roomy_list(now)
    })
    .await;
    let app = |key: &str| {
        Client::builder()
            .access_token(TOKEN)
            .base_url(&server.url)
            .shared_limiter(
                RedisLimiter::new(&redis.url(), key)
                    .unwrap()
                    .workspace("one-workspace", 4),
            )
            .build()
            .unwrap()
    };
    let (first, second) = (app("app-one"), app("app-two"));
    let calls = (0..6).map(|i| {
        let c = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        async move { c.v2_16().list_tags().send().await.map(drop) }
    });
    for r in futures::future::join_all(calls).await {
        r.expect("every call succeeds, in a later window if need be");
    }
    // Per 10-second slot of the clock (Redis's is this machine's too).
    let mut per_slot = BTreeMap::<u64, u32>::new();
    for at in arrivals.lock().unwrap().iter() {
        *per_slot.entry(at / 10_000).or_default() += 1;
    }
    show(&format!(
        "workspace ceiling 4 per 10 s, two apps: requests per slot {per_slot:?}"
    ));
    assert!(per_slot.values().all(|n| *n <= 4), "{per_slot:?}");
    assert!(
        per_slot.len() >= 2,
        "some calls waited for the next slot: {per_slot:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_client_holds_back_the_others_until_it_ends() {
    let _one = ONE_AT_A_TIME.lock().await;
    let redis = RedisServer::start();
    let arrivals = Arc::new(Mutex::new(Vec::<(u64, u16)>::new()));
    let a = arrivals.clone();
    let n = AtomicU32::new(0);
    // The second request is refused: the window is spent until its reset,
    // about 2 s away; everything else has room.
    let server = RawServer::start(move |_| {
        let now = SystemTime::now();
        let limited = n.fetch_add(1, Ordering::SeqCst) == 1;
        a.lock()
            .unwrap()
            .push((unix_ms(now), if limited { 429 } else { 200 }));
        let (answer, remaining, reset_in) = if limited {
            (Action::status(429, "{}"), 0, 2)
        } else {
            (Action::ok(LIST), 900, 10)
        };
        with_limits(answer, now, remaining, reset_in)
    })
    .await;
    let client = || {
        Client::builder()
            .access_token(TOKEN)
            .base_url(&server.url)
            .shared_limiter(RedisLimiter::new(&redis.url(), "held-app").unwrap())
            .build()
            .unwrap()
    };
    let (first, second) = (client(), client());
    // The fleet learns the limits, then the first client meets the 429.
    first.v2_16().list_tags().send().await.unwrap();
    let limited = tokio::spawn({
        let first = first.clone();
        async move { first.v2_16().list_tags().send().await.map(drop) }
    });
    while arrivals.lock().unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Another client, which has seen no 429 itself, waits for it too.
    second.v2_16().list_tags().send().await.unwrap();
    limited.await.unwrap().unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    let refused_at = arrivals.iter().find(|a| a.1 == 429).unwrap().0;
    let reset = (refused_at / 1000 + 2) * 1000;
    let later: Vec<i64> = arrivals
        .iter()
        .filter(|a| a.0 > refused_at)
        .map(|a| a.0 as i64 - reset as i64)
        .collect();
    show(&format!(
        "after the 429, requests arrived {later:?} ms after its reset"
    ));
    assert_eq!(later.len(), 2, "{arrivals:?}");
    assert!(
        later.iter().all(|ms| (-20..2_000).contains(ms)),
        "nobody sent before the 429's reset, and then everyone went on: {later:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cancelled_while_redis_counts_its_slot_gives_it_back() {
    let _one = ONE_AT_A_TIME.lock().await;
    let redis = RedisServer::start();
    let served = Arc::new(AtomicU32::new(0));
    let s = served.clone();
    let server = RawServer::start(move |_| {
        s.fetch_add(1, Ordering::SeqCst);
        roomy_list(SystemTime::now())
    })
    .await;
    // Redis operations may take 2 s here: the paused script below is slow,
    // not failed.
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(&server.url)
        .shared_limiter(
            RedisLimiter::new(&redis.url(), "cancel-app")
                .unwrap()
                .timeout(Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    // The fleet learns the limits: from here on a reservation is counted.
    client.v2_16().list_tags().send().await.unwrap();
    // The window's count, from a bulk reply (`$1\r\n1\r\n`).
    let used = || {
        let reply = redis
            .command("HGET intercom-rs:rate-limit:app:cancel-app used")
            .unwrap_or_default();
        reply.lines().nth(1).and_then(|n| n.parse::<u32>().ok())
    };
    let before = used().expect("the window is known");
    // Redis holds every command for 300 ms; the call is dropped 50 ms in,
    // while its reservation script waits there.
    assert!(
        redis
            .command("CLIENT PAUSE 300")
            .unwrap()
            .starts_with("+OK")
    );
    let cancelled =
        tokio::time::timeout(Duration::from_millis(50), client.v2_16().list_tags().send()).await;
    assert!(cancelled.is_err(), "the call was cancelled, not finished");
    // The pause ends, the script counts the slot, and its task, whose
    // caller is gone, gives it back.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = used().expect("the window is still known");
    show(&format!(
        "cancelled while Redis counted its slot: used {before} before, {after} after"
    ));
    assert_eq!(after, before, "the cancelled call's slot was given back");
    assert_eq!(served.load(Ordering::SeqCst), 1, "it never left");
}
