//! `cargo bench -p intercom-api --bench runtime`: prints, from one run,
//!
//! 1. the overhead ratio of the façade (auth, rate limiter, retries, tracing
//!    spans, body buffering) against a raw reqwest loop making the same
//!    requests (the same headers on the wire and the same per-request
//!    timeout) to the same loopback mock (goal ≤ 1.05). For reference it also
//!    prints the ratio against a bare loop that sends only the auth and
//!    version headers, without a timeout: that gap includes what the façade
//!    adds to each request (a timeout timer, `Accept`, `User-Agent`), not
//!    only its own overhead; and
//! 2. rate-limit efficiency: requests served / requests the mock permits in
//!    its windows, with the 429s the mock had to send and the 429s callers saw
//!    (goal ≥ 95 %, 0 surfaced).
//!
//! Under `cargo test` (no `--bench` argument) it runs a seconds-short smoke
//! version so the target stays compiled and working. With `--profile facade N`
//! or `--profile raw N` it makes `N` sequential calls of one side on one
//! thread and prints nothing, for callgrind (see the README).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use intercom_api::{Client, RateLimitConfig};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

mod support;

const TOKEN: &str = "bench-token";

fn tag_list() -> serde_json::Value {
    json!({"type": "list", "data": (0..20).map(|i| json!({"type": "tag", "id": i.to_string(), "name": format!("tag {i}")})).collect::<Vec<_>>()})
}

/// Per-request timeout both the façade and the raw loop set.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the raw loop sends: `Bare` only auth and version (no timeout),
/// `Same` the same request the façade sends.
#[derive(Clone, Copy)]
enum Raw {
    Bare,
    Same,
}

async fn raw_loop(
    http: &reqwest::Client,
    url: &str,
    requests: usize,
    concurrency: usize,
    raw: Raw,
) -> Duration {
    let started = Instant::now();
    let per_task = requests / concurrency;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, url) = (http.clone(), url.to_owned());
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let request = http
                        .get(&url)
                        .bearer_auth(TOKEN)
                        .header("intercom-version", intercom_api::v2_16::INTERCOM_VERSION);
                    let request = match raw {
                        Raw::Bare => request,
                        Raw::Same => request
                            .header(reqwest::header::ACCEPT, "application/json")
                            .header(reqwest::header::USER_AGENT, intercom_api::USER_AGENT_VALUE)
                            .timeout(TIMEOUT),
                    };
                    let r = request.send().await.unwrap();
                    let _: intercom_api::v2_16::types::TagList = r.json().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

async fn facade_loop(client: &Client, requests: usize, concurrency: usize) -> Duration {
    let started = Instant::now();
    let per_task = requests / concurrency;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    client.v2_16().list_tags().send().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// A mock answering `GET /tags`, and both sides set up to call it: one
/// reqwest client, shared by the raw loop and the façade.
struct TagsMock {
    _server: MockServer,
    http: reqwest::Client,
    client: Client,
    url: String,
}

impl TagsMock {
    async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/tags"))
            .respond_with(ResponseTemplate::new(200).set_body_json(tag_list()))
            .mount(&server)
            .await;
        let http = reqwest::Client::new();
        let client = Client::builder()
            .access_token(TOKEN)
            .base_url(server.uri())
            .http_client(http.clone())
            .attempt_timeout(Some(TIMEOUT))
            .build()
            .unwrap();
        let url = format!("{}/tags", server.uri());
        Self {
            _server: server,
            http,
            client,
            url,
        }
    }
}

async fn overhead(requests: usize, rounds: usize) {
    let TagsMock {
        _server,
        http,
        client,
        url,
    } = TagsMock::start().await;
    // Warm up every path (connections, allocations).
    raw_loop(&http, &url, 200, 4, Raw::Bare).await;
    raw_loop(&http, &url, 200, 4, Raw::Same).await;
    facade_loop(&client, 200, 4).await;
    let (mut bare, mut same, mut facade) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved rounds, so drift on a shared machine hits every side alike.
    for _ in 0..rounds {
        bare.push(raw_loop(&http, &url, requests, 4, Raw::Bare).await);
        same.push(raw_loop(&http, &url, requests, 4, Raw::Same).await);
        facade.push(facade_loop(&client, requests, 4).await);
    }
    // Each round's ratio pairs the loops that ran back to back, so slow
    // drift on a shared machine cancels; the median of those is the figure.
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratios = |raw: &[Duration]| {
        median(
            raw.iter()
                .zip(&facade)
                .map(|(r, f)| f.as_secs_f64() / r.as_secs_f64())
                .collect(),
        )
    };
    let rps = |v: &[Duration]| {
        median(
            v.iter()
                .map(|d| requests as f64 / d.as_secs_f64())
                .collect(),
        )
    };
    println!(
        "overhead: raw reqwest {:.0} req/s, façade {:.0} req/s, ratio (façade time / raw time) {:.3}; against a bare loop ({:.0} req/s, no timeout, no Accept/User-Agent) {:.3}  [{requests} requests x {rounds} interleaved rounds, 4 tasks, medians of per-round ratios]",
        rps(&same),
        rps(&facade),
        ratios(&same),
        rps(&bare),
        ratios(&bare),
    );
}

/// Enforces `limit` requests per `window_secs` window of wall-clock seconds.
struct WindowLimit {
    limit: u32,
    window_secs: u64,
    state: Mutex<(u64, u32)>,
    served: Arc<AtomicU32>,
    refused: Arc<AtomicU32>,
}

impl Respond for WindowLimit {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let window = now / self.window_secs * self.window_secs;
        let mut s = self.state.lock().unwrap();
        if s.0 != window {
            *s = (window, 0);
        }
        s.1 += 1;
        let used = s.1;
        let t = if used > self.limit {
            self.refused.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(429)
        } else {
            self.served.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({"type": "list", "data": []}))
        };
        t.insert_header("x-ratelimit-limit", self.limit.to_string().as_str())
            .insert_header(
                "x-ratelimit-remaining",
                self.limit.saturating_sub(used).to_string().as_str(),
            )
            .insert_header(
                "x-ratelimit-reset",
                (window + self.window_secs).to_string().as_str(),
            )
    }
}

async fn efficiency(limit: u32, seconds: u64, tasks: usize) {
    let server = MockServer::start().await;
    let (served, refused) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(WindowLimit {
            limit,
            window_secs: 1,
            state: Mutex::new((0, 0)),
            served: served.clone(),
            refused: refused.clone(),
        })
        .mount(&server)
        .await;
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(server.uri())
        .rate_limit(RateLimitConfig {
            jitter: Duration::from_millis(20),
            ..RateLimitConfig::default()
        })
        .build()
        .unwrap();
    // Start on a window boundary so the run spans exactly `seconds` windows.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    tokio::time::sleep(
        Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos())),
    )
    .await;
    let start_window = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let end = start_window + seconds;
    let surfaced = Arc::new(AtomicU32::new(0));
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let (client, surfaced) = (client.clone(), surfaced.clone());
            tokio::spawn(async move {
                while SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
                    < end
                {
                    match client.v2_16().list_tags().send().await {
                        Ok(_) => {}
                        Err(e) if e.is_rate_limited() => {
                            surfaced.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    // Requests paced past the end land in later windows; count only the run's.
    let permitted = u64::from(limit) * seconds;
    let served = u64::from(served.load(Ordering::SeqCst));
    let in_run = served.min(permitted);
    println!(
        "rate limit: {in_run} served of {permitted} permitted ({:.1} %) over {seconds} windows of 1 s, limit {limit}, {tasks} tasks; 429s sent by the mock {}, 429s surfaced to callers {}",
        100.0 * in_run as f64 / permitted as f64,
        refused.load(Ordering::SeqCst),
        surfaced.load(Ordering::SeqCst)
    );
}

/// `-- --profile facade|raw N`: `N` sequential `listTags` calls on a
/// current-thread runtime, nothing else timed or printed, for
/// `valgrind --tool=callgrind`: the per-call instruction cost of either side
/// is the difference between two `N`s divided by their difference.
async fn profile(side: &str, calls: usize) {
    // Setting up both sides is a fixed cost, which the difference between
    // two `N`s cancels.
    let mock = TagsMock::start().await;
    match side {
        "raw" => {
            raw_loop(&mock.http, &mock.url, calls, 1, Raw::Same).await;
        }
        "facade" => {
            facade_loop(&mock.client, calls, 1).await;
        }
        other => panic!("--profile takes `facade` or `raw`, not {other:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let side = args.get(i + 1).expect("--profile facade|raw N");
        let calls = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .expect("--profile facade|raw N");
        return tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(profile(side, calls));
    }
    support::run(
        async {
            overhead(2000, 41).await;
            efficiency(50, 8, 16).await;
        },
        async {
            overhead(40, 1).await;
            efficiency(5, 1, 4).await;
        },
    );
}
