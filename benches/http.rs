//! HTTP client benchmarks: our client on our loop against hyper's client on
//! tokio's current-thread runtime, both fetching `/fixed` from the same
//! server of ours (a [`ServerThread`]: its own thread, its own loop) whose
//! handler answers every request with the same 1,007-byte JSON body, the
//! size of cart 1's JSON, copied into each response as the cart route does.
//!
//! * `sequential_keepalive`: 10,000 GETs one after another on one connection.
//! * `concurrent`: 100 connections x 100 GETs each (10,000 requests).
//!
//! Each measured iteration is the whole batch of 10,000 requests; criterion
//! reports it as throughput (requests per second). The server is the same
//! for both rows, so the ratio isolates the client and its runtime.
//!
//! Run: `cargo bench --bench http` (a few minutes). Set `HTTP_BENCH_QUICK=1`
//! for a short run (fewer samples, shorter measurement).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use homemade::event_loop::{gather, EventLoop};
use homemade::http::server::{serve_on_thread, ServerResponse, ServerThread};
use homemade::http::Client;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Requests per measured batch.
const REQUESTS: u64 = 10_000;
/// Connections in the concurrent batch.
const CONNECTIONS: usize = 100;

fn homemade_rows(c: &mut Criterion, server: &ServerThread) {
    let url = server.url("/fixed");
    let event_loop = EventLoop::new().unwrap();
    let client = Client::builder()
        .max_connections_per_host(CONNECTIONS)
        .max_idle_per_host(CONNECTIONS)
        .build();
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(REQUESTS));
    group.bench_function("sequential_keepalive/homemade", |b| {
        b.iter(|| {
            event_loop.block_on(async {
                for _ in 0..REQUESTS {
                    let r = client.get(&url).await.unwrap();
                    assert_eq!(r.status, 200);
                }
            })
        })
    });
    group.bench_function("concurrent/homemade", |b| {
        b.iter(|| {
            event_loop.block_on(gather((0..CONNECTIONS).map(|_| {
                let client = client.clone();
                let url = url.clone();
                async move {
                    for _ in 0..REQUESTS as usize / CONNECTIONS {
                        let r = client.get(&url).await.unwrap();
                        assert_eq!(r.status, 200);
                    }
                }
            })))
        })
    });
    group.finish();
}

fn hyper_rows(c: &mut Criterion, server: &ServerThread) {
    let uri: hyper::Uri = server.url("/fixed").parse().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client: HyperClient<_, Empty<Bytes>> = {
        let _guard = runtime.enter();
        HyperClient::builder(TokioExecutor::new()).build_http()
    };
    /// One GET with the whole body read, as our client does.
    async fn get(
        client: &HyperClient<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
        uri: &hyper::Uri,
    ) -> usize {
        let response = client.get(uri.clone()).await.unwrap();
        assert_eq!(response.status(), 200);
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .len()
    }
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(REQUESTS));
    group.bench_function("sequential_keepalive/hyper", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for _ in 0..REQUESTS {
                    get(&client, &uri).await;
                }
            })
        })
    });
    group.bench_function("concurrent/hyper", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..CONNECTIONS)
                    .map(|_| {
                        let client = client.clone();
                        let uri = uri.clone();
                        tokio::spawn(async move {
                            for _ in 0..REQUESTS as usize / CONNECTIONS {
                                get(&client, &uri).await;
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

fn http(c: &mut Criterion) {
    let body = fixed_body();
    let server = serve_on_thread(move |_request| {
        let body = body.clone();
        async move { ServerResponse::json(200, body) }
    })
    .unwrap();
    homemade_rows(c, &server);
    hyper_rows(c, &server);
    println!(
        "server: {} connections accepted, {} requests served",
        server.stats().connections_accepted(),
        server.stats().requests_served()
    );
}

/// The body every request gets: a JSON object of exactly [`BODY_BYTES`].
fn fixed_body() -> Vec<u8> {
    let frame = r#"{"padding":""}"#.len();
    let body = format!(r#"{{"padding":"{}"}}"#, "x".repeat(BODY_BYTES - frame));
    assert_eq!(body.len(), BODY_BYTES);
    body.into_bytes()
}

/// The body's size: that of cart 1's JSON, which this benchmark fetched
/// before it had a handler of its own.
const BODY_BYTES: usize = 1007;

fn config() -> Criterion {
    let quick = std::env::var_os("HTTP_BENCH_QUICK").is_some();
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if quick { 2 } else { 5 }))
}

criterion_group! {
    name = benches;
    config = config();
    targets = http
}
criterion_main!(benches);
