//! Fault injection on loopback: 1,200 calls from 32 concurrent tasks against
//! a server that answers each call by a seeded fault plan (5xx, resets,
//! truncated bodies, slow headers, 429 with and without rate-limit headers,
//! `Retry-After`), with 10 % of the calls cancelled at random points and
//! 15 % given a whole-call timeout of their own (`Client::with_options`).
//!
//! Checks: every idempotent call the plan allows to succeed succeeds, or,
//! given a timeout, ends out of time naming exactly that limit; no POST is
//! processed twice unless its caller opted in; no call runs past a fixed
//! bound and nothing panics; the limiter and the retry budget are consistent
//! at the end. Prints the figures.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intercom_api::{CallOptions, Client, Error, RateLimitConfig, RetryConfig, TimeLimit};
use serde_json::json;
use support::{Action, FastClock, RawServer, Seen, TOKEN, tag_json};

const CALLS: usize = 1200;
const TASKS: usize = 32;
const BUDGET: u32 = 5000;
const BOUND: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fault {
    E500,
    E502,
    E503,
    E504,
    Reset,
    Truncated,
    SlowHeaders,
    Limited,
    LimitedBare,
    RetryAfter,
}

const FAULTS: [Fault; 10] = [
    Fault::E500,
    Fault::E502,
    Fault::E503,
    Fault::E504,
    Fault::Reset,
    Fault::Truncated,
    Fault::SlowHeaders,
    Fault::Limited,
    Fault::LimitedBare,
    Fault::RetryAfter,
];

impl Fault {
    fn refused(self) -> bool {
        matches!(
            self,
            Fault::Limited | Fault::LimitedBare | Fault::RetryAfter
        )
    }

    /// Budget tokens a retry after this fault costs.
    fn cost(self) -> u32 {
        match self {
            f if f.refused() => 0,
            Fault::SlowHeaders => 10,
            _ => 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Get,
    Post,
    /// A POST through `with_retry(retry_non_idempotent)`.
    OptedPost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Succeeds once the faults are over.
    Success,
    /// Always 503.
    Unavailable,
    /// 404: not retried.
    NotFound,
}

#[derive(Debug, Clone)]
struct Plan {
    kind: Kind,
    faults: Vec<Fault>,
    end: End,
    cancel_after: Option<Duration>,
    /// A whole-call timeout of the call's own (fast-clock time).
    deadline: Option<Duration>,
}

fn plans(seed: u64) -> Vec<Plan> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..CALLS)
        .map(|_| {
            let kind = match rng.u32(0..100) {
                0..70 => Kind::Get,
                70..94 => Kind::Post,
                _ => Kind::OptedPost,
            };
            let end = match (kind, rng.u32(0..100)) {
                (Kind::Get, 0..3) => End::Unavailable,
                (Kind::Get, 3..5) => End::NotFound,
                _ => End::Success,
            };
            let n = match rng.u32(0..10) {
                0..4 => 0,
                4..7 => 1,
                7..9 => 2,
                _ => 3,
            };
            let faults = (0..n).map(|_| FAULTS[rng.usize(..FAULTS.len())]).collect();
            let cancel_after =
                (rng.u32(0..10) == 0).then(|| Duration::from_micros(rng.u64(0..5_000)));
            // A slow-headers fault costs 100 s of fast-clock time (1 s real):
            // these timeouts cut some calls short, mid-attempt or before a wait.
            let deadline =
                (rng.u32(0..100) < 15).then(|| Duration::from_secs([50, 150, 400][rng.usize(..3)]));
            Plan {
                kind,
                faults,
                end,
                cancel_after,
                deadline,
            }
        })
        .collect()
}

/// The server's side: each call's id is in its path (GET) or body (POST);
/// its n-th arrival gets the plan's n-th fault, then the end.
struct Served {
    arrivals: Mutex<HashMap<usize, Vec<Option<Fault>>>>,
}

fn id_of(seen: &Seen) -> usize {
    if seen.method == "GET" {
        seen.path.rsplit('/').next().unwrap().parse().unwrap()
    } else {
        let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
        body["name"].as_str().unwrap().parse().unwrap()
    }
}

fn respond(plans: &[Plan], served: &Served, clock: &FastClock, seen: &Seen) -> Action {
    let id = id_of(seen);
    let plan = &plans[id];
    let mut arrivals = served.arrivals.lock().unwrap();
    let mine = arrivals.entry(id).or_default();
    let fault = plan.faults.get(mine.len()).copied();
    mine.push(fault);
    drop(arrivals);
    let secs = clock.secs();
    let room = |a: Action| {
        a.with_header("x-ratelimit-limit", 10_000)
            .with_header("x-ratelimit-remaining", 9_000)
            .with_header("x-ratelimit-reset", secs + 10)
    };
    let body = tag_json(&id.to_string());
    match fault {
        Some(Fault::E500) => Action::status(500, "{}"),
        Some(Fault::E502) => Action::status(502, "<html>bad gateway</html>"),
        Some(Fault::E503) => Action::status(503, "{}"),
        Some(Fault::E504) => Action::status(504, "{}"),
        Some(Fault::Reset) => Action::Reset,
        Some(Fault::Truncated) => Action::Truncate { status: 200, body },
        Some(Fault::SlowHeaders) => Action::Hang,
        Some(Fault::Limited) => Action::status(429, "{}")
            .with_header("x-ratelimit-limit", 10_000)
            .with_header("x-ratelimit-remaining", 0)
            .with_header("x-ratelimit-reset", secs + 1),
        Some(Fault::LimitedBare) => Action::status(429, "{}"),
        Some(Fault::RetryAfter) => Action::status(429, "{}").with_header("retry-after", 1),
        None => match plan.end {
            End::Success => room(Action::ok(body)),
            End::Unavailable => room(Action::status(503, "{}")),
            End::NotFound => room(Action::status(
                404,
                r#"{"type":"error.list","errors":[{"code":"not_found","message":"Resource Not Found"}]}"#,
            )),
        },
    }
}

#[derive(Debug)]
enum Result {
    Ok,
    Err(Error),
    Cancelled,
    Hung,
}

async fn run(client: &Client, opted: &Client, id: usize, plan: &Plan) -> Result {
    let timed = |c: &Client| match plan.deadline {
        Some(d) => c.with_options(CallOptions::new().timeout(d)),
        None => c.clone(),
    };
    let (client, opted) = (&timed(client), &timed(opted));
    let call = async {
        match plan.kind {
            Kind::Get => client
                .v2_16()
                .find_tag()
                .tag_id(id.to_string())
                .send()
                .await
                .map(drop),
            Kind::Post | Kind::OptedPost => {
                let c = if plan.kind == Kind::Post {
                    client
                } else {
                    opted
                };
                let body: intercom_api::v2_16::types::CreateTagBody =
                    serde_json::from_value(json!({ "name": id.to_string() })).unwrap();
                c.v2_16().create_tag().body(body).send().await.map(drop)
            }
        }
    };
    let bounded = async {
        match tokio::time::timeout(BOUND, call).await {
            Ok(Ok(())) => Result::Ok,
            Ok(Err(e)) => Result::Err(e),
            Err(_) => Result::Hung,
        }
    };
    match plan.cancel_after {
        Some(after) => tokio::time::timeout(after, bounded)
            .await
            .unwrap_or(Result::Cancelled),
        None => bounded.await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_calls_through_faults_and_cancellations() {
    let clock = FastClock::new(100);
    let plans = Arc::new(plans(0x1c0_ffee));
    let served = Arc::new(Served {
        arrivals: Mutex::default(),
    });
    let server = {
        let (plans, served, clock) = (plans.clone(), served.clone(), clock.clone());
        RawServer::start(move |seen| respond(&plans, &served, &clock, seen)).await
    };
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(&server.url)
        .clock(clock.clone())
        // Slow headers become timeouts quickly (real time).
        // (1 s: generous enough that a loaded CI machine does not turn a
        // planned success into a timeout).
        .attempt_timeout(Some(Duration::from_secs(1)))
        // The fast clock would make the default whole-call timeout 1.2 s of
        // real time: only the calls planned with one get one.
        .call_timeout(None)
        .retry(RetryConfig {
            budget: Some(BUDGET),
            ..RetryConfig::default()
        })
        .rate_limit(RateLimitConfig::default())
        .build()
        .unwrap();
    let opted = client.with_retry(RetryConfig {
        retry_non_idempotent: true,
        budget: Some(BUDGET),
        ..RetryConfig::default()
    });

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (client, opted, plans, next, results) = (
                client.clone(),
                opted.clone(),
                plans.clone(),
                next.clone(),
                results.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let id = next.fetch_add(1, Ordering::SeqCst);
                    if id >= CALLS {
                        return;
                    }
                    let r = run(&client, &opted, id, &plans[id]).await;
                    results.lock().unwrap().push((id, r));
                }
            })
        })
        .collect();
    let mut panicked = 0;
    for t in tasks {
        if t.await.is_err() {
            panicked += 1;
        }
    }
    let wall = started.elapsed();
    let results = std::mem::take(&mut *results.lock().unwrap());
    let arrivals = served.arrivals.lock().unwrap().clone();

    // Tally.
    let mut faults: std::collections::BTreeMap<Fault, usize> = Default::default();
    let (mut ok, mut failed, mut cancelled, mut hung) = (0, 0, 0, 0);
    let mut out_of_time = 0;
    let given_timeouts = plans.iter().filter(|p| p.deadline.is_some()).count();
    let planned_cancels = plans.iter().filter(|p| p.cancel_after.is_some()).count();
    let (mut duplicates, mut refused_resends, mut opted_resends) = (0, 0, 0);
    let mut unexpected = Vec::new();
    let mut lost_tokens = 0u32;
    for (id, result) in &results {
        let plan = &plans[*id];
        let seen = arrivals.get(id).cloned().unwrap_or_default();
        for f in seen.iter().flatten() {
            *faults.entry(*f).or_default() += 1;
        }
        let processed = seen
            .iter()
            .filter(|f| !f.is_some_and(Fault::refused))
            .count();
        match plan.kind {
            Kind::Post if processed > 1 => duplicates += 1,
            Kind::OptedPost if processed > 1 => opted_resends += processed - 1,
            _ => {}
        }
        if plan.kind == Kind::Post {
            refused_resends += seen.len() - processed.min(seen.len());
        }
        // What a failed or cancelled call may keep of the budget: its retries.
        let retries_cost: u32 = seen
            .iter()
            .take(seen.len().saturating_sub(1))
            .map(|f| f.map_or(5, Fault::cost))
            .sum();
        match result {
            Result::Ok => ok += 1,
            Result::Hung => {
                hung += 1;
                unexpected.push(format!("{id}: hung {plan:?}"));
            }
            Result::Cancelled => {
                cancelled += 1;
                lost_tokens += retries_cost + 10;
            }
            Result::Err(e)
                if plan.deadline.is_some()
                    && e.out_of_time().map(|o| o.limit) == plan.deadline.map(TimeLimit::Call) =>
            {
                // Out of time, naming the call's own timeout.
                lost_tokens += retries_cost;
                out_of_time += 1;
            }
            Result::Err(e) => {
                lost_tokens += retries_cost;
                // Which failures the plan allows.
                let non_refused = plan.faults.iter().filter(|f| !f.refused()).count();
                let allowed = match (plan.kind, plan.end) {
                    (Kind::Get, End::Unavailable) => e.status().map(|s| s.as_u16()) == Some(503),
                    (Kind::Get, End::NotFound) => e.is_not_found(),
                    (Kind::Post, _) => non_refused > 0,
                    _ => false,
                };
                if allowed {
                    failed += 1;
                } else {
                    unexpected.push(format!("{id}: {e} ({plan:?}, server saw {seen:?})"));
                }
            }
        }
        if matches!(result, Result::Ok)
            && (plan.end != End::Success
                || (plan.kind == Kind::Post && plan.faults.iter().any(|f| !f.refused())))
        {
            unexpected.push(format!("{id}: succeeded against its plan {plan:?}"));
        }
    }
    let received = server.count();
    let retries = received - arrivals.len();
    println!(
        "fault suite: {} calls ({} tasks), {} requests received, {retries} retries; ok {ok}, failed as planned {failed}, cancelled {cancelled} (of {planned_cancels} given a random deadline), hung {hung}, panicked {panicked}; wall {:.2} s",
        results.len(),
        TASKS,
        received,
        wall.as_secs_f64()
    );
    println!("faults injected: {faults:?}");
    println!(
        "out of time (their own whole-call timeout): {out_of_time} of {given_timeouts} calls given one"
    );
    println!(
        "POSTs processed twice without opt-in: {duplicates}; POSTs re-sent after a 429 (refused, not processed): {refused_resends}; opted-in POST re-sends: {opted_resends}"
    );
    let budget = client.retry_budget().unwrap();
    println!(
        "budget {budget} of {BUDGET} (at most {lost_tokens} legitimately kept); limiter {:?}",
        client.in_flight_for_tests()
    );

    assert_eq!(results.len(), CALLS);
    assert_eq!(panicked, 0);
    assert_eq!(hung, 0, "{unexpected:#?}");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(duplicates, 0);
    assert!(
        faults.len() == FAULTS.len(),
        "every kind of fault was injected"
    );
    assert!(
        planned_cancels > CALLS / 20,
        "about 10 % of the calls get a deadline"
    );
    assert!(
        cancelled >= planned_cancels / 10,
        "deadlines cut calls short"
    );
    assert!(
        given_timeouts > CALLS / 10 && out_of_time > 0,
        "whole-call timeouts end calls: {out_of_time} of {given_timeouts}"
    );
    // The limiter and the budget are consistent: nothing in flight, no probe
    // left, the budget within what failures and cancellations may keep, and
    // successes still refill it one token each.
    assert_eq!(client.in_flight_for_tests(), (0, false));
    assert!(
        budget <= BUDGET && budget + lost_tokens >= BUDGET,
        "budget {budget}, lost at most {lost_tokens}"
    );
    let clean = (0..CALLS)
        .find(|i| plans[*i].kind == Kind::Get && plans[*i].end == End::Success)
        .unwrap();
    for _ in 0..20 {
        client
            .v2_16()
            .find_tag()
            .tag_id(clean.to_string())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(client.retry_budget(), Some((budget + 20).min(BUDGET)));
    assert_eq!(client.in_flight_for_tests(), (0, false));
}
