//! The homemade event loop beside tokio's current-thread runtime.
//!
//! Every case is written once per runtime with the same shape, and both sit
//! in one criterion group (`<case>/homemade`, `<case>/tokio`) so the report
//! shows them side by side. The criterion table in BENCHMARKS.md (§1) comes
//! from `target/criterion/*/{homemade,tokio}/new/estimates.json` of one run.
//!
//! Run: `cargo bench --bench event_loop` (a few minutes; settings are short
//! on purpose: 10 samples, 1 s warm-up, 3 s measurement).
//!
//! `EVENT_LOOP_RATIOS=1 cargo bench --bench event_loop` skips criterion and
//! prints a markdown table of ratios from rounds that alternate the two
//! runtimes (robust against load that changes during the run): 15 rounds
//! after 2 warm-ups, or `EVENT_LOOP_ROUNDS=N` rounds.
//!
//! The `homemade_random` and `homemade_pct` cases of `spawn_many` and
//! `yield_many` run the same code on a loop with `Policy::Random` /
//! `Policy::Pct` (their cost against `homemade`, which is `Fifo`); the
//! `mutex_*` groups compare our `sync::Mutex` on our loop with tokio's
//! `Mutex` on tokio (`tokio`) and on our loop (`tokio_mutex_on_homemade`).

use criterion::{criterion_group, Criterion};
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use homemade::event_loop as hm;

const SPAWN_MANY: usize = 1_000;
const YIELD_TASKS: usize = 200;
const YIELDS: usize = 1_000;
const PING_PONG: usize = 1_000;
const CHAIN: usize = 1_000;
const SLEEPERS: usize = 10_000;
const CREATE_DROP: usize = 100_000;
const ROUND_TRIPS: usize = 10_000;
const CONNECTIONS: usize = 100;
const MSG: usize = 64;
const MUTEX_OPS: usize = 10_000;
const MUTEX_TASKS: usize = 8;
const MUTEX_ROUNDS: usize = 200;

/// A loop under `policy`, for the policy cases.
fn hm_loop(policy: hm::Policy) -> hm::EventLoop {
    hm::EventLoop::builder()
        .policy(policy)
        .build()
        .expect("event loop")
}

/// The seeded policies the `*_random` and `*_pct` cases run under.
fn random() -> hm::Policy {
    hm::Policy::Random { seed: 1 }
}
fn pct() -> hm::Policy {
    hm::Policy::Pct {
        seed: 1,
        depth: 3,
        steps: 1_000,
    }
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn short<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g
}

// ---------------------------------------------------------------- spawn_many

async fn hm_spawn_many() {
    let hs: Vec<_> = (0..SPAWN_MANY).map(|_| hm::spawn(async {})).collect();
    for h in hs {
        h.await.unwrap();
    }
}

async fn tk_spawn_many() {
    let hs: Vec<_> = (0..SPAWN_MANY).map(|_| tokio::spawn(async {})).collect();
    for h in hs {
        h.await.unwrap();
    }
}

// ---------------------------------------------------------------- yield_many

async fn hm_yield_many() {
    let hs: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            hm::spawn(async {
                for _ in 0..YIELDS {
                    hm::yield_now().await;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
}

async fn tk_yield_many() {
    let hs: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..YIELDS {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
}

// ---------------------------------------------------------------- ping_pong

async fn hm_ping_pong() {
    use futures_channel::oneshot;
    let hs: Vec<_> = (0..PING_PONG)
        .map(|_| {
            hm::spawn(async {
                let (tx1, rx1) = oneshot::channel::<()>();
                let (tx2, rx2) = oneshot::channel::<()>();
                hm::spawn(async move {
                    rx1.await.unwrap();
                    tx2.send(()).unwrap();
                });
                tx1.send(()).unwrap();
                rx2.await.unwrap();
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
}

async fn tk_ping_pong() {
    use futures_channel::oneshot;
    let hs: Vec<_> = (0..PING_PONG)
        .map(|_| {
            tokio::spawn(async {
                let (tx1, rx1) = oneshot::channel::<()>();
                let (tx2, rx2) = oneshot::channel::<()>();
                tokio::spawn(async move {
                    rx1.await.unwrap();
                    tx2.send(()).unwrap();
                });
                tx1.send(()).unwrap();
                rx2.await.unwrap();
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
}

// ---------------------------------------------------------------- chained_spawn

fn hm_chain(n: usize, done: futures_channel::oneshot::Sender<()>) {
    if n == 0 {
        done.send(()).unwrap();
    } else {
        hm::spawn(async move { hm_chain(n - 1, done) });
    }
}

fn tk_chain(n: usize, done: futures_channel::oneshot::Sender<()>) {
    if n == 0 {
        done.send(()).unwrap();
    } else {
        tokio::spawn(async move { tk_chain(n - 1, done) });
    }
}

// ---------------------------------------------------------------- timers

async fn hm_sleepers() {
    let hs: Vec<_> = (0..SLEEPERS)
        .map(|_| hm::spawn(hm::sleep(Duration::from_millis(1))))
        .collect();
    for h in hs {
        h.await.unwrap();
    }
}

async fn tk_sleepers() {
    let hs: Vec<_> = (0..SLEEPERS)
        .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_millis(1))))
        .collect();
    for h in hs {
        h.await.unwrap();
    }
}

/// Polls `fut` exactly once (registering its timer), then drops it.
async fn poll_once_then_drop<F: Future>(fut: F) {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        let _ = fut.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

async fn hm_create_drop() {
    for _ in 0..CREATE_DROP {
        poll_once_then_drop(hm::sleep(Duration::from_secs(5))).await;
    }
}

async fn tk_create_drop() {
    for _ in 0..CREATE_DROP {
        poll_once_then_drop(tokio::time::sleep(Duration::from_secs(5))).await;
    }
}

// ---------------------------------------------------------------- tcp_echo

async fn hm_echo(conns: usize, trips: usize) {
    let listener = hm::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let server = hm::spawn(async move {
        for _ in 0..conns {
            let (s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            hm::spawn(async move {
                let mut buf = [0u8; MSG];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    s.write_all(&buf[..n]).await.unwrap();
                }
            });
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            hm::spawn(async move {
                let s = hm::net::TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut buf = [0u8; MSG];
                for _ in 0..trips {
                    s.write_all(&msg).await.unwrap();
                    let mut got = 0;
                    while got < MSG {
                        got += s.read(&mut buf[got..]).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    server.await.unwrap();
}

async fn tk_echo(conns: usize, trips: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        for _ in 0..conns {
            let (mut s, _) = listener.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; MSG];
                loop {
                    let n = s.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    s.write_all(&buf[..n]).await.unwrap();
                }
            });
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            tokio::spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut buf = [0u8; MSG];
                for _ in 0..trips {
                    s.write_all(&msg).await.unwrap();
                    let mut got = 0;
                    while got < MSG {
                        got += s.read(&mut buf[got..]).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    server.await.unwrap();
}

// ---------------------------------------------------------------- mutex

/// Uncontended: one task locks and unlocks `MUTEX_OPS` times.
async fn hm_mutex_uncontended() {
    let m = hm::sync::Mutex::new(0u64);
    for _ in 0..MUTEX_OPS {
        *m.lock().await += 1;
    }
    assert_eq!(*m.lock().await, MUTEX_OPS as u64);
}

async fn tk_mutex_uncontended() {
    let m = tokio::sync::Mutex::new(0u64);
    for _ in 0..MUTEX_OPS {
        *m.lock().await += 1;
    }
    assert_eq!(*m.lock().await, MUTEX_OPS as u64);
}

/// Contended: `MUTEX_TASKS` tasks each take the lock `MUTEX_ROUNDS` times
/// and yield while holding it, so the others queue up behind it.
async fn hm_mutex_contended() {
    let m = std::rc::Rc::new(hm::sync::Mutex::new(0u64));
    let hs: Vec<_> = (0..MUTEX_TASKS)
        .map(|_| {
            let m = m.clone();
            hm::spawn(async move {
                for _ in 0..MUTEX_ROUNDS {
                    let mut g = m.lock().await;
                    hm::yield_now().await;
                    *g += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
    assert_eq!(*m.lock().await, (MUTEX_TASKS * MUTEX_ROUNDS) as u64);
}

/// tokio's `Mutex` on our loop (it works on any executor).
async fn tk_mutex_contended_on_hm() {
    let m = std::rc::Rc::new(tokio::sync::Mutex::new(0u64));
    let hs: Vec<_> = (0..MUTEX_TASKS)
        .map(|_| {
            let m = m.clone();
            hm::spawn(async move {
                for _ in 0..MUTEX_ROUNDS {
                    let mut g = m.lock().await;
                    hm::yield_now().await;
                    *g += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
    assert_eq!(*m.lock().await, (MUTEX_TASKS * MUTEX_ROUNDS) as u64);
}

async fn tk_mutex_contended() {
    let m = std::sync::Arc::new(tokio::sync::Mutex::new(0u64));
    let hs: Vec<_> = (0..MUTEX_TASKS)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move {
                for _ in 0..MUTEX_ROUNDS {
                    let mut g = m.lock().await;
                    tokio::task::yield_now().await;
                    *g += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.unwrap();
    }
    assert_eq!(*m.lock().await, (MUTEX_TASKS * MUTEX_ROUNDS) as u64);
}

// ---------------------------------------------------------------- groups

fn benches(c: &mut Criterion) {
    let lp = hm::EventLoop::new().expect("event loop");
    let lp_random = hm_loop(random());
    let lp_pct = hm_loop(pct());
    let rt = tokio_rt();

    let mut g = short(c, "spawn_many");
    g.bench_function("homemade", |b| b.iter(|| lp.block_on(hm_spawn_many())));
    g.bench_function("homemade_random", |b| {
        b.iter(|| lp_random.block_on(hm_spawn_many()))
    });
    g.bench_function("homemade_pct", |b| {
        b.iter(|| lp_pct.block_on(hm_spawn_many()))
    });
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_spawn_many())));
    g.finish();

    let mut g = short(c, "yield_many");
    g.bench_function("homemade", |b| b.iter(|| lp.block_on(hm_yield_many())));
    g.bench_function("homemade_random", |b| {
        b.iter(|| lp_random.block_on(hm_yield_many()))
    });
    g.bench_function("homemade_pct", |b| {
        b.iter(|| lp_pct.block_on(hm_yield_many()))
    });
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_yield_many())));
    g.finish();

    let mut g = short(c, "mutex_uncontended");
    g.bench_function("homemade", |b| {
        b.iter(|| lp.block_on(hm_mutex_uncontended()))
    });
    g.bench_function("tokio_mutex_on_homemade", |b| {
        b.iter(|| lp.block_on(tk_mutex_uncontended()))
    });
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_mutex_uncontended())));
    g.finish();

    let mut g = short(c, "mutex_contended");
    g.bench_function("homemade", |b| b.iter(|| lp.block_on(hm_mutex_contended())));
    g.bench_function("tokio_mutex_on_homemade", |b| {
        b.iter(|| lp.block_on(tk_mutex_contended_on_hm()))
    });
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_mutex_contended())));
    g.finish();

    let mut g = short(c, "ping_pong");
    g.bench_function("homemade", |b| b.iter(|| lp.block_on(hm_ping_pong())));
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_ping_pong())));
    g.finish();

    let mut g = short(c, "chained_spawn");
    g.bench_function("homemade", |b| {
        b.iter(|| {
            lp.block_on(async {
                let (tx, rx) = futures_channel::oneshot::channel();
                hm_chain(CHAIN, tx);
                rx.await.unwrap();
            })
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, rx) = futures_channel::oneshot::channel();
                tk_chain(CHAIN, tx);
                rx.await.unwrap();
            })
        })
    });
    g.finish();

    let mut g = short(c, "timers_sleep_10k");
    g.bench_function("homemade", |b| b.iter(|| lp.block_on(hm_sleepers())));
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_sleepers())));
    g.finish();

    let mut g = short(c, "timers_create_drop_100k");
    g.bench_function("homemade", |b| b.iter(|| lp.block_on(hm_create_drop())));
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_create_drop())));
    g.finish();

    let mut g = short(c, "tcp_echo_1conn");
    g.bench_function("homemade", |b| {
        b.iter(|| lp.block_on(hm_echo(1, ROUND_TRIPS)))
    });
    g.bench_function("tokio", |b| b.iter(|| rt.block_on(tk_echo(1, ROUND_TRIPS))));
    g.finish();

    let mut g = short(c, "tcp_echo_100conn");
    let per = ROUND_TRIPS / CONNECTIONS;
    g.bench_function("homemade", |b| {
        b.iter(|| lp.block_on(hm_echo(CONNECTIONS, per)))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| rt.block_on(tk_echo(CONNECTIONS, per)))
    });
    g.finish();
}

criterion_group!(event_loop, benches);

/// One case for the interleaved ratio run: a name and one run per runtime.
type Pair<'a> = (&'static str, Box<dyn Fn() + 'a>, Box<dyn Fn() + 'a>);

/// `EVENT_LOOP_RATIOS=1 cargo bench --bench event_loop`: instead of criterion,
/// runs homemade and tokio *alternately*, round after round, and prints the
/// median of the per-round ratios. On a machine shared with other work, load
/// changes between criterion's two back-to-back measurements skew their
/// ratio; alternating exposes both runtimes to the same load.
fn interleaved_ratios() {
    let lp = hm::EventLoop::new().expect("event loop");
    let lp_random = hm_loop(random());
    let lp_pct = hm_loop(pct());
    let rt = tokio_rt();
    let per = ROUND_TRIPS / CONNECTIONS;
    let cases: Vec<Pair> = vec![
        (
            "spawn_many",
            Box::new(|| lp.block_on(hm_spawn_many())),
            Box::new(|| rt.block_on(tk_spawn_many())),
        ),
        (
            "yield_many",
            Box::new(|| lp.block_on(hm_yield_many())),
            Box::new(|| rt.block_on(tk_yield_many())),
        ),
        (
            "ping_pong",
            Box::new(|| lp.block_on(hm_ping_pong())),
            Box::new(|| rt.block_on(tk_ping_pong())),
        ),
        (
            "chained_spawn",
            Box::new(|| {
                lp.block_on(async {
                    let (tx, rx) = futures_channel::oneshot::channel();
                    hm_chain(CHAIN, tx);
                    rx.await.unwrap();
                })
            }),
            Box::new(|| {
                rt.block_on(async {
                    let (tx, rx) = futures_channel::oneshot::channel();
                    tk_chain(CHAIN, tx);
                    rx.await.unwrap();
                })
            }),
        ),
        (
            "timers_sleep_10k",
            Box::new(|| lp.block_on(hm_sleepers())),
            Box::new(|| rt.block_on(tk_sleepers())),
        ),
        (
            "timers_create_drop_100k",
            Box::new(|| lp.block_on(hm_create_drop())),
            Box::new(|| rt.block_on(tk_create_drop())),
        ),
        (
            "tcp_echo_1conn",
            Box::new(|| lp.block_on(hm_echo(1, ROUND_TRIPS))),
            Box::new(|| rt.block_on(tk_echo(1, ROUND_TRIPS))),
        ),
        (
            "tcp_echo_100conn",
            Box::new(|| lp.block_on(hm_echo(CONNECTIONS, per))),
            Box::new(|| rt.block_on(tk_echo(CONNECTIONS, per))),
        ),
        // Policy cost: these rows compare homemade with homemade (the
        // "tokio" column is our Fifo loop there).
        (
            "spawn_many Random/Fifo",
            Box::new(|| lp_random.block_on(hm_spawn_many())),
            Box::new(|| lp.block_on(hm_spawn_many())),
        ),
        (
            "spawn_many Pct/Fifo",
            Box::new(|| lp_pct.block_on(hm_spawn_many())),
            Box::new(|| lp.block_on(hm_spawn_many())),
        ),
        (
            "yield_many Random/Fifo",
            Box::new(|| lp_random.block_on(hm_yield_many())),
            Box::new(|| lp.block_on(hm_yield_many())),
        ),
        (
            "yield_many Pct/Fifo",
            Box::new(|| lp_pct.block_on(hm_yield_many())),
            Box::new(|| lp.block_on(hm_yield_many())),
        ),
        // Mutex: ours on our loop against tokio's on tokio, and against
        // tokio's on our loop (same executor, only the lock differs).
        (
            "mutex_uncontended",
            Box::new(|| lp.block_on(hm_mutex_uncontended())),
            Box::new(|| rt.block_on(tk_mutex_uncontended())),
        ),
        (
            "mutex_uncontended vs tokio's on our loop",
            Box::new(|| lp.block_on(hm_mutex_uncontended())),
            Box::new(|| lp.block_on(tk_mutex_uncontended())),
        ),
        (
            "mutex_contended",
            Box::new(|| lp.block_on(hm_mutex_contended())),
            Box::new(|| rt.block_on(tk_mutex_contended())),
        ),
        (
            "mutex_contended vs tokio's on our loop",
            Box::new(|| lp.block_on(hm_mutex_contended())),
            Box::new(|| lp.block_on(tk_mutex_contended_on_hm())),
        ),
    ];
    let rounds: usize = std::env::var("EVENT_LOOP_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    println!("| case | homemade (median) | tokio (median) | homemade/tokio (median of {rounds} alternating rounds) |");
    println!("|---|---|---|---|");
    for (name, hm_run, tk_run) in &cases {
        // Warm up both (allocator, page cache, the listener's port range).
        for _ in 0..2 {
            hm_run();
            tk_run();
        }
        let (mut h, mut t, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..rounds {
            let time = |f: &dyn Fn()| {
                let s = std::time::Instant::now();
                f();
                s.elapsed().as_secs_f64()
            };
            // Alternate which runtime goes first, too.
            let (a, b) = if i % 2 == 0 {
                let a = time(&**hm_run);
                (a, time(&**tk_run))
            } else {
                let b = time(&**tk_run);
                (time(&**hm_run), b)
            };
            h.push(a);
            t.push(b);
            r.push(a / b);
        }
        println!(
            "| {name} | {:.3} ms | {:.3} ms | {:.2} |",
            median(&mut h) * 1e3,
            median(&mut t) * 1e3,
            median(&mut r)
        );
    }
}

fn main() {
    if std::env::var_os("EVENT_LOOP_RATIOS").is_some() {
        interleaved_ratios();
        return;
    }
    event_loop();
    Criterion::default().configure_from_args().final_summary();
}
