//! Shared by the cancellation and fault suites: a clock that runs faster
//! than real time (so rate-limit windows and backoffs take milliseconds but
//! still really pend, and can be cancelled), and a raw HTTP/1.1 server on
//! loopback that can misbehave in ways a mock framework cannot: reset the
//! connection, truncate or stall a body, never answer.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use intercom_api::clock::{Clock, Sleep};

pub mod redis;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const TOKEN: &str = "c3VwcG9ydDp0b2tlbjpzZWNyZXQ=";

/// Wall-clock time running `scale` times faster than real time, from a fixed
/// epoch. `sleep(d)` really waits `d / scale`; `sleeping()` counts sleeps in
/// progress (a dropped sleep stops counting).
#[derive(Clone)]
pub struct FastClock {
    start: Instant,
    scale: u32,
    sleeping: Arc<AtomicUsize>,
}

impl FastClock {
    pub fn new(scale: u32) -> Self {
        Self {
            start: Instant::now(),
            scale,
            sleeping: Arc::default(),
        }
    }

    pub fn sleeping(&self) -> usize {
        self.sleeping.load(Ordering::SeqCst)
    }

    pub fn secs(&self) -> u64 {
        Clock::now(self)
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }
}

struct Sleeping(Arc<AtomicUsize>);

impl Drop for Sleeping {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Clock for FastClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000) + self.start.elapsed() * self.scale
    }

    fn sleep(&self, d: Duration) -> Sleep {
        self.sleeping.fetch_add(1, Ordering::SeqCst);
        let guard = Sleeping(self.sleeping.clone());
        let real = d / self.scale;
        Box::pin(async move {
            let _guard = guard;
            tokio::time::sleep(real).await;
        })
    }
}

/// A request as the raw server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// Prints a figure line where CI's log shows it: straight to stderr, which
/// the test harness does not capture (it captures `println!`).
pub fn show(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A client of `url` on `clock`, with every other setting its default.
pub fn client(url: &str, clock: &FastClock) -> intercom_api::Client {
    intercom_api::Client::builder()
        .access_token(TOKEN)
        .base_url(url)
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// A complete response.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Headers and part of the declared body, then the connection closes.
    Truncate { status: u16, body: String },
    /// Headers and part of the body, then nothing (the connection stays open).
    Stall { status: u16, body: String },
    /// The connection is reset (RST) without an answer.
    Reset,
    /// Never answers (the connection stays open).
    Hang,
}

impl Action {
    pub fn ok(body: impl Into<String>) -> Self {
        Self::status(200, body)
    }

    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Action::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl ToString) -> Self {
        if let Action::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_string()));
        }
        self
    }
}

type Handler = dyn Fn(&Seen) -> Action + Send + Sync;

/// A loopback HTTP/1.1 server (keep-alive, `Content-Length` bodies) whose
/// every answer is chosen by a handler. It records what it received.
pub struct RawServer {
    pub url: String,
    received: Arc<Mutex<Vec<Seen>>>,
    /// Connections accepted that have not been closed.
    open: Arc<AtomicUsize>,
}

impl RawServer {
    pub async fn start(handler: impl Fn(&Seen) -> Action + Send + Sync + 'static) -> Self {
        Self::start_stalling(0, handler).await
    }

    /// Like [`start`](Self::start), but the first `stalled` connections are
    /// accepted and never read from, so a client's request stays unsent.
    pub async fn start_stalling(
        stalled: usize,
        handler: impl Fn(&Seen) -> Action + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let handler: Arc<Handler> = Arc::new(handler);
        let received = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(AtomicUsize::new(0));
        let (r, o) = (received.clone(), open.clone());
        tokio::spawn(async move {
            let mut accepted = 0;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                accepted += 1;
                if accepted <= stalled {
                    o.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        let _held = stream;
                        std::future::pending::<()>().await;
                    });
                    continue;
                }
                let (handler, received, open) = (handler.clone(), r.clone(), o.clone());
                open.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    serve(stream, &*handler, &received).await;
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            url,
            received,
            open,
        }
    }

    pub fn received(&self) -> Vec<Seen> {
        self.received.lock().unwrap().clone()
    }

    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn serve(mut stream: TcpStream, handler: &Handler, received: &Mutex<Vec<Seen>>) {
    let mut buf = Vec::new();
    loop {
        let Some(seen) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        received.lock().unwrap().push(seen.clone());
        let action = handler(&seen);
        let write = |status: u16, headers: &[(String, String)], len: usize, body: &str| {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {len}\r\ncontent-type: application/json\r\n"
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(body);
            out
        };
        match action {
            Action::Respond {
                status,
                headers,
                body,
            } => {
                let out = write(status, &headers, body.len(), &body);
                if stream.write_all(out.as_bytes()).await.is_err() {
                    return;
                }
            }
            Action::Truncate { status, body } => {
                let half = &body[..body.len() / 2];
                let _ = stream
                    .write_all(write(status, &[], body.len(), half).as_bytes())
                    .await;
                let _ = stream.flush().await;
                return;
            }
            Action::Stall { status, body } => {
                let half = &body[..body.len() / 2];
                let _ = stream
                    .write_all(write(status, &[], body.len(), half).as_bytes())
                    .await;
                std::future::pending::<()>().await;
            }
            Action::Reset => {
                let _ = stream.set_zero_linger();
                return;
            }
            Action::Hang => std::future::pending::<()>().await,
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at EOF.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Seen> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 65536];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(Seen { method, path, body })
}

/// Polls `cond` every millisecond until it holds (panics after 10 s).
pub async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

pub fn tag_json(id: &str) -> String {
    format!(r#"{{"type":"tag","id":"{id}","name":"tag {id}"}}"#)
}

/// A `tracing` writer that keeps everything written, to assert on logs.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
