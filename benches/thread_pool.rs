//! The homemade thread pool beside rayon (same thread count) and the
//! sequential baseline. The rayon-demo micro-benchmarks:
//!
//! * `fib`: `join(fib(n-1), fib(n-2))` with no cutoff, n = 32;
//! * `join_recursively`: 65,535 empty joins (a depth-16 binary tree);
//! * `par_map`: +1 on each of 100 x 1024 `usize`, results in order;
//! * `tree_sum`: the sum of a perfect binary tree of 2^20 - 1 nodes, by `join`;
//! * `spawn_many`: 10,000 scope spawns, then wait for all;
//! * `idle_cpu`: one tiny job every 10 ms; the "time" reported is the
//!   process CPU time consumed per job (getrusage), i.e. what the idle
//!   pool burns between jobs (rayon-demo's `noop`).
//!
//! Settings are short (10 samples, 3 s) so the whole run takes a few
//! minutes on a 2-core machine: `cargo bench --bench thread_pool`.
use criterion::{black_box, criterion_group, BatchSize, Criterion};
use homemade::thread_pool::{self as hm, ThreadPool};
use std::time::{Duration, Instant};

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn pools() -> (ThreadPool, rayon::ThreadPool) {
    let n = threads();
    let ours = ThreadPool::new(n).expect("homemade pool");
    let theirs = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("rayon pool");
    (ours, theirs)
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

fn fib_hm(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = hm::join(|| fib_hm(n - 1), || fib_hm(n - 2));
    a + b
}

fn fib_rayon(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = rayon::join(|| fib_rayon(n - 1), || fib_rayon(n - 2));
    a + b
}

fn joins_hm(depth: u32) {
    if depth > 1 {
        hm::join(|| joins_hm(depth - 1), || joins_hm(depth - 1));
    }
}

fn joins_rayon(depth: u32) {
    if depth > 1 {
        rayon::join(|| joins_rayon(depth - 1), || joins_rayon(depth - 1));
    }
}

struct Node {
    value: u64,
    children: Option<Box<(Node, Node)>>,
}

fn build_tree(depth: u32, next: &mut u64) -> Node {
    *next += 1;
    let value = *next;
    let children =
        (depth > 1).then(|| Box::new((build_tree(depth - 1, next), build_tree(depth - 1, next))));
    Node { value, children }
}

fn sum_seq(n: &Node) -> u64 {
    n.value
        + n.children
            .as_ref()
            .map_or(0, |c| sum_seq(&c.0) + sum_seq(&c.1))
}

fn sum_hm(n: &Node) -> u64 {
    n.value
        + n.children.as_ref().map_or(0, |c| {
            let (a, b) = hm::join(|| sum_hm(&c.0), || sum_hm(&c.1));
            a + b
        })
}

fn sum_rayon(n: &Node) -> u64 {
    n.value
        + n.children.as_ref().map_or(0, |c| {
            let (a, b) = rayon::join(|| sum_rayon(&c.0), || sum_rayon(&c.1));
            a + b
        })
}

fn process_cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// CPU time consumed by `iters` jobs submitted 10 ms apart.
fn idle_cpu(iters: u64, mut run_one: impl FnMut()) -> Duration {
    let before = process_cpu_time();
    for _ in 0..iters {
        run_one();
        std::thread::sleep(Duration::from_millis(10));
    }
    process_cpu_time() - before
}

fn benches(c: &mut Criterion) {
    let (ours, theirs) = pools();
    let n = threads();

    let mut g = c.benchmark_group(format!("fib32/{n}threads"));
    g.bench_function("sequential", |b| b.iter(|| fib_seq(black_box(32))));
    g.bench_function("homemade", |b| {
        b.iter(|| ours.install(|| fib_hm(black_box(32))))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| theirs.install(|| fib_rayon(black_box(32))))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("join_recursively/{n}threads"));
    g.bench_function("homemade", |b| {
        b.iter(|| ours.install(|| joins_hm(black_box(16))))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| theirs.install(|| joins_rayon(black_box(16))))
    });
    g.finish();

    let input: Vec<usize> = (0..100 * 1024).collect();
    let mut g = c.benchmark_group(format!("par_map/{n}threads"));
    g.bench_function("sequential", |b| {
        b.iter_batched(
            || input.clone(),
            |v| v.into_iter().map(|x| x + 1).collect::<Vec<_>>(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("homemade", |b| {
        b.iter_batched(
            || input.clone(),
            |v| ours.map(v, |x| x + 1),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("rayon", |b| {
        use rayon::prelude::*;
        b.iter_batched(
            || input.clone(),
            |v| theirs.install(|| v.into_par_iter().map(|x| x + 1).collect::<Vec<_>>()),
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let tree = build_tree(20, &mut 0);
    let expected = sum_seq(&tree);
    assert_eq!(ours.install(|| sum_hm(&tree)), expected);
    let mut g = c.benchmark_group(format!("tree_sum/{n}threads"));
    g.bench_function("sequential", |b| b.iter(|| sum_seq(black_box(&tree))));
    g.bench_function("homemade", |b| {
        b.iter(|| ours.install(|| sum_hm(black_box(&tree))))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| theirs.install(|| sum_rayon(black_box(&tree))))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("spawn_many/{n}threads"));
    g.bench_function("homemade", |b| {
        b.iter(|| {
            ours.scope(|s| {
                for i in 0..10_000u32 {
                    s.spawn(move |_| {
                        black_box(i);
                    });
                }
            })
        })
    });
    g.bench_function("rayon", |b| {
        b.iter(|| {
            theirs.scope(|s| {
                for i in 0..10_000u32 {
                    s.spawn(move |_| {
                        black_box(i);
                    });
                }
            })
        })
    });
    g.finish();

    // The "time" here is CPU time per job, measured with getrusage.
    let mut g = c.benchmark_group(format!("idle_cpu/{n}threads"));
    g.sample_size(10)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("sequential", |b| {
        b.iter_custom(|iters| {
            idle_cpu(iters, || {
                black_box(Instant::now());
            })
        })
    });
    g.bench_function("homemade", |b| {
        b.iter_custom(|iters| {
            idle_cpu(iters, || {
                ours.install(|| {
                    black_box(Instant::now());
                })
            })
        })
    });
    g.bench_function("rayon", |b| {
        b.iter_custom(|iters| {
            idle_cpu(iters, || {
                theirs.install(|| {
                    black_box(Instant::now());
                })
            })
        })
    });
    g.finish();
}

/// Median wall time of `f` over `reps` runs.
fn median_time(reps: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort_unstable();
    times[reps / 2]
}

/// The machine is shared and noisy, and criterion measures homemade and
/// rayon minutes apart. This report alternates them round by round (the
/// order flipping each round) and prints the median of the per-round
/// homemade/rayon ratios, which is less sensitive to drifting load.
fn interleaved_report() {
    let (ours, theirs) = pools();
    let tree = build_tree(20, &mut 0);
    let input: Vec<usize> = (0..100 * 1024).collect();
    type Run<'a> = Box<dyn FnMut() + 'a>;
    let workloads: Vec<(&str, usize, Run, Run)> = vec![
        (
            "fib32",
            3,
            Box::new(|| {
                black_box(ours.install(|| fib_hm(32)));
            }),
            Box::new(|| {
                black_box(theirs.install(|| fib_rayon(32)));
            }),
        ),
        (
            "join_recursively",
            31,
            Box::new(|| ours.install(|| joins_hm(16))),
            Box::new(|| theirs.install(|| joins_rayon(16))),
        ),
        (
            "par_map",
            31,
            Box::new(|| {
                black_box(ours.map(input.clone(), |x| x + 1));
            }),
            Box::new(|| {
                use rayon::prelude::*;
                let v = input.clone();
                black_box(theirs.install(|| v.into_par_iter().map(|x| x + 1).collect::<Vec<_>>()));
            }),
        ),
        (
            "tree_sum",
            5,
            Box::new(|| {
                black_box(ours.install(|| sum_hm(&tree)));
            }),
            Box::new(|| {
                black_box(theirs.install(|| sum_rayon(&tree)));
            }),
        ),
        (
            "spawn_many",
            11,
            Box::new(|| {
                ours.scope(|s| {
                    for i in 0..10_000u32 {
                        s.spawn(move |_| {
                            black_box(i);
                        });
                    }
                })
            }),
            Box::new(|| {
                theirs.scope(|s| {
                    for i in 0..10_000u32 {
                        s.spawn(move |_| {
                            black_box(i);
                        });
                    }
                })
            }),
        ),
    ];
    println!(
        "\ninterleaved rounds ({} threads): median of 15 per-round ratios",
        threads()
    );
    println!("| benchmark | homemade (median) | rayon (median) | homemade/rayon |");
    println!("|---|---|---|---|");
    for (name, reps, mut hm_run, mut rayon_run) in workloads {
        let (mut hm_times, mut rayon_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..15 {
            let (h, r) = if round % 2 == 0 {
                let h = median_time(reps, &mut hm_run);
                (h, median_time(reps, &mut rayon_run))
            } else {
                let r = median_time(reps, &mut rayon_run);
                (median_time(reps, &mut hm_run), r)
            };
            hm_times.push(h);
            rayon_times.push(r);
            ratios.push(h.as_secs_f64() / r.as_secs_f64());
        }
        hm_times.sort_unstable();
        rayon_times.sort_unstable();
        ratios.sort_by(f64::total_cmp);
        println!(
            "| {name} | {:?} | {:?} | {:.2} |",
            hm_times[7], rayon_times[7], ratios[7]
        );
    }
}

criterion_group! {
    name = thread_pool;
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    targets = benches
}

fn main() {
    thread_pool();
    // Not in `cargo test --benches` (test mode) nor when listing; set
    // HOMEMADE_BENCH_INTERLEAVED=0 to skip it.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--test" || a == "--list");
    let disabled = std::env::var("HOMEMADE_BENCH_INTERLEAVED").is_ok_and(|v| v == "0");
    if !quick && !disabled {
        interleaved_report();
    }
    Criterion::default().configure_from_args().final_summary();
}
