//! What the benches share: how they run.

use std::future::Future;

/// Runs the bench (`--bench`, as `cargo bench` passes it) or, under
/// `cargo test`, its seconds-short smoke version, on a two-thread runtime.
pub fn run<B: Future<Output = ()>, S: Future<Output = ()>>(bench: B, smoke: S) {
    let benching = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if benching {
        runtime.block_on(bench);
    } else {
        runtime.block_on(smoke);
    }
}
