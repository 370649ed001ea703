//! The homemade thread pool, under both schedulers (work stealing, the
//! default, and heartbeat), beside rayon and chili (same thread count) and
//! the sequential baseline. The rayon-demo micro-benchmarks:
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
//! After criterion, an interleaved report (below) measures every case of
//! issue 12's table round by round, all implementations in the same run,
//! first on a quiet machine and then beside a background spinner (a child
//! process of equal priority, pinned to CPU 0, that burns one core), and
//! prints each median with its ratio to sequential, rayon and chili.
//! `cargo bench --bench thread_pool -- none` skips criterion and runs only
//! the report; `HOMEMADE_BENCH_INTERLEAVED=0` skips the report.
//!
//! Settings are short (10 samples, 3 s) so the whole run takes a few
//! minutes on a 2-core machine: `cargo bench --bench thread_pool`.
use criterion::{black_box, criterion_group, BatchSize, Criterion};
use homemade::thread_pool::{self as hm, Scheduler, ThreadPool};
use std::num::NonZero;
use std::time::{Duration, Instant};

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn pools() -> (ThreadPool, rayon::ThreadPool) {
    pools_of(threads())
}

fn pools_of(n: usize) -> (ThreadPool, rayon::ThreadPool) {
    let ours = ThreadPool::new(n).expect("homemade pool");
    let theirs = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("rayon pool");
    (ours, theirs)
}

fn heartbeat_pool(n: usize) -> ThreadPool {
    ThreadPool::with_scheduler(n, Scheduler::heartbeat()).expect("homemade heartbeat pool")
}

fn chili_pool(n: usize) -> chili::ThreadPool {
    chili::ThreadPool::with_config(chili::Config {
        thread_count: NonZero::new(n),
        heartbeat_interval: hm::DEFAULT_HEARTBEAT_INTERVAL,
    })
}

fn fib_chili(s: &mut chili::Scope<'_>, n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = s.join(|s| fib_chili(s, n - 1), |s| fib_chili(s, n - 2));
    a + b
}

fn joins_chili(s: &mut chili::Scope<'_>, depth: u32) {
    if depth > 1 {
        s.join(|s| joins_chili(s, depth - 1), |s| joins_chili(s, depth - 1));
    }
}

/// chili has no parallel iterator: a recursive split of `input` into
/// `output`, down to pieces of at most `grain` items.
fn map_chili<T: Sync, R: Send>(
    s: &mut chili::Scope<'_>,
    input: &[T],
    output: &mut [R],
    grain: usize,
    f: &(impl Fn(&T) -> R + Sync),
) {
    if input.len() <= grain {
        for (o, i) in output.iter_mut().zip(input) {
            *o = f(i);
        }
        return;
    }
    let mid = input.len() / 2;
    let (in_a, in_b) = input.split_at(mid);
    let (out_a, out_b) = output.split_at_mut(mid);
    s.join(
        |s| map_chili(s, in_a, out_a, grain, f),
        |s| map_chili(s, in_b, out_b, grain, f),
    );
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

/// A perfect tree of `depth` levels, values numbered in pre-order. Each
/// pair of children is boxed after both of their subtrees were built, so in
/// memory a right subtree lies just before its parent's box: a walk that
/// goes right child first reads memory backwards in order, one that goes
/// left first jumps. Every runner here walks left child first.
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

/// chili's `join(a, b)` runs `b` first (and 63 joins in 64 are plain
/// calls `b(); a()`), so the halves are passed swapped: every runner then
/// visits the left child first. Passed the other way round, chili walked
/// the tree right child first, which on this tree (each pair of children is
/// allocated after both subtrees, see `build_tree`) reads memory backwards
/// in order, and the prefetcher made it 5 times faster than any left-first
/// walk, sequential included (BENCHMARKS.md §2.3).
fn sum_chili(s: &mut chili::Scope<'_>, n: &Node) -> u64 {
    n.value
        + n.children.as_ref().map_or(0, |c| {
            let (b, a) = s.join(|s| sum_chili(s, &c.1), |s| sum_chili(s, &c.0));
            a + b
        })
}

/// Every runner's answer, once, against the sequential one, before anything
/// is timed: a runner that skipped work (or lost it) would look fast.
/// `join_recursively`, `spawn_many` and `cpu_map` return nothing to check.
fn check_answers(
    ws: &ThreadPool,
    hb: &ThreadPool,
    rayon: &rayon::ThreadPool,
    chili: &chili::ThreadPool,
    tree: &Node,
    input: &[usize],
) {
    let fib = fib_seq(32);
    assert_eq!(ws.install(|| fib_hm(32)), fib, "fib, homemade");
    assert_eq!(hb.install(|| fib_hm(32)), fib, "fib, homemade-heartbeat");
    assert_eq!(rayon.install(|| fib_rayon(32)), fib, "fib, rayon");
    assert_eq!(fib_chili(&mut chili.scope(), 32), fib, "fib, chili");

    let sum = sum_seq(tree);
    assert_eq!(ws.install(|| sum_hm(tree)), sum, "tree_sum, homemade");
    assert_eq!(hb.install(|| sum_hm(tree)), sum, "tree_sum, heartbeat");
    assert_eq!(rayon.install(|| sum_rayon(tree)), sum, "tree_sum, rayon");
    assert_eq!(sum_chili(&mut chili.scope(), tree), sum, "tree_sum, chili");

    let mapped: Vec<usize> = input.iter().map(|x| x + 1).collect();
    assert_eq!(
        ws.map(input.to_vec(), |x| x + 1),
        mapped,
        "par_map, homemade"
    );
    assert_eq!(
        hb.map(input.to_vec(), |x| x + 1),
        mapped,
        "par_map, heartbeat"
    );
    let theirs: Vec<usize> = {
        use rayon::prelude::*;
        rayon.install(|| input.to_vec().into_par_iter().map(|x| x + 1).collect())
    };
    assert_eq!(theirs, mapped, "par_map, rayon");
    let mut out = vec![0usize; input.len()];
    map_chili(&mut chili.scope(), input, &mut out, 1024, &|x| x + 1);
    assert_eq!(out, mapped, "par_map, chili");
}

/// About 1 ms of CPU work (a busy loop), the coarse `cpu_map` item.
fn burn_1ms(x: u64) -> u64 {
    let end = Instant::now() + Duration::from_millis(1);
    let mut acc = x;
    while Instant::now() < end {
        for _ in 0..64 {
            acc = black_box(acc.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    acc
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
    let beat = heartbeat_pool(n);
    let chili = chili_pool(n);
    let tree = build_tree(20, &mut 0);
    let input: Vec<usize> = (0..100 * 1024).collect();
    check_answers(&ours, &beat, &theirs, &chili, &tree, &input);

    let mut g = c.benchmark_group(format!("fib32/{n}threads"));
    g.bench_function("sequential", |b| b.iter(|| fib_seq(black_box(32))));
    g.bench_function("homemade", |b| {
        b.iter(|| ours.install(|| fib_hm(black_box(32))))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| theirs.install(|| fib_rayon(black_box(32))))
    });
    g.bench_function("homemade-heartbeat", |b| {
        b.iter(|| beat.install(|| fib_hm(black_box(32))))
    });
    g.bench_function("chili", |b| {
        b.iter(|| fib_chili(&mut chili.scope(), black_box(32)))
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
    g.bench_function("homemade-heartbeat", |b| {
        b.iter_batched(
            || input.clone(),
            |v| beat.map(v, |x| x + 1),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("chili", |b| {
        b.iter_batched(
            || input.clone(),
            |v| {
                let mut out = vec![0usize; v.len()];
                map_chili(&mut chili.scope(), &v, &mut out, 1024, &|x| x + 1);
                out
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group(format!("tree_sum/{n}threads"));
    g.bench_function("sequential", |b| b.iter(|| sum_seq(black_box(&tree))));
    g.bench_function("homemade", |b| {
        b.iter(|| ours.install(|| sum_hm(black_box(&tree))))
    });
    g.bench_function("rayon", |b| {
        b.iter(|| theirs.install(|| sum_rayon(black_box(&tree))))
    });
    g.bench_function("homemade-heartbeat", |b| {
        b.iter(|| beat.install(|| sum_hm(black_box(&tree))))
    });
    g.bench_function("chili", |b| {
        b.iter(|| sum_chili(&mut chili.scope(), black_box(&tree)))
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

type Run<'a> = Box<dyn FnMut() + 'a>;

/// One row group of the interleaved report: the same work done by several
/// implementations, named `sequential`, `homemade`, `homemade-heartbeat`,
/// `rayon`, `chili` (the ratios are taken against the three references).
struct Case<'a> {
    name: String,
    reps: usize,
    rounds: usize,
    runs: Vec<(&'static str, Run<'a>)>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs every case round by round, every implementation once per round in
/// an order that rotates each round, and prints the median time and the
/// median of the per-round ratios to each reference.
fn run_cases(title: &str, cases: &mut [Case<'_>]) {
    println!("\n{title}");
    println!("| case | implementation | median | x sequential | x rayon | x chili |");
    println!("|---|---|---|---|---|---|");
    for case in cases.iter_mut() {
        let k = case.runs.len();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); k];
        for round in 0..case.rounds {
            for j in 0..k {
                let i = (j + round) % k;
                let t = median_time(case.reps, &mut case.runs[i].1);
                times[i].push(t.as_secs_f64());
            }
        }
        let index = |name: &str| case.runs.iter().position(|(n, _)| *n == name);
        let (seq, rayon, chili) = (index("sequential"), index("rayon"), index("chili"));
        for (i, (name, _)) in case.runs.iter().enumerate() {
            let ratio = |reference: Option<usize>| match reference {
                Some(r) => {
                    let per_round = (0..case.rounds).map(|t| times[i][t] / times[r][t]);
                    format!("{:.2}", median(per_round.collect()))
                }
                None => String::from("-"),
            };
            println!(
                "| {} | {name} | {:?} | {} | {} | {} |",
                case.name,
                Duration::from_secs_f64(median(times[i].clone())),
                ratio(seq),
                ratio(rayon),
                ratio(chili)
            );
        }
    }
}

/// The fine- and coarse-grained cases of issue 12 for `n` threads, every
/// implementation of each; `light` leaves out the 1-thread and coarse ones.
fn cases<'a>(
    n: usize,
    tree: &'a Node,
    input: &'a [usize],
    light: bool,
    pools: &'a Pools,
) -> Vec<Case<'a>> {
    let Pools {
        ws,
        hb,
        rayon,
        chili,
        ws1,
        hb1,
        rayon1,
        chili1,
    } = pools;
    let mut out = vec![
        Case {
            name: format!("fib32 no cutoff, {n} threads"),
            reps: 3,
            rounds: 9,
            runs: vec![
                (
                    "sequential",
                    Box::new(|| {
                        black_box(fib_seq(black_box(32)));
                    }),
                ),
                (
                    "homemade",
                    Box::new(|| {
                        black_box(ws.install(|| fib_hm(32)));
                    }),
                ),
                (
                    "homemade-heartbeat",
                    Box::new(|| {
                        black_box(hb.install(|| fib_hm(32)));
                    }),
                ),
                (
                    "rayon",
                    Box::new(|| {
                        black_box(rayon.install(|| fib_rayon(32)));
                    }),
                ),
                (
                    "chili",
                    Box::new(|| {
                        black_box(fib_chili(&mut chili.scope(), 32));
                    }),
                ),
            ],
        },
        Case {
            name: format!("tree_sum 2^20, {n} threads"),
            reps: 5,
            rounds: 9,
            runs: vec![
                (
                    "sequential",
                    Box::new(|| {
                        black_box(sum_seq(black_box(tree)));
                    }),
                ),
                (
                    "homemade",
                    Box::new(|| {
                        black_box(ws.install(|| sum_hm(tree)));
                    }),
                ),
                (
                    "homemade-heartbeat",
                    Box::new(|| {
                        black_box(hb.install(|| sum_hm(tree)));
                    }),
                ),
                (
                    "rayon",
                    Box::new(|| {
                        black_box(rayon.install(|| sum_rayon(tree)));
                    }),
                ),
                (
                    "chili",
                    Box::new(|| {
                        black_box(sum_chili(&mut chili.scope(), tree));
                    }),
                ),
            ],
        },
        Case {
            name: format!("par_map 100x1024, {n} threads"),
            reps: 31,
            rounds: 9,
            runs: vec![
                (
                    "sequential",
                    Box::new(|| {
                        let v = input.to_vec();
                        black_box(v.into_iter().map(|x| x + 1).collect::<Vec<_>>());
                    }),
                ),
                (
                    "homemade",
                    Box::new(|| {
                        black_box(ws.map(input.to_vec(), |x| x + 1));
                    }),
                ),
                (
                    "homemade-heartbeat",
                    Box::new(|| {
                        black_box(hb.map(input.to_vec(), |x| x + 1));
                    }),
                ),
                (
                    "rayon",
                    Box::new(|| {
                        use rayon::prelude::*;
                        let v = input.to_vec();
                        black_box(
                            rayon.install(|| v.into_par_iter().map(|x| x + 1).collect::<Vec<_>>()),
                        );
                    }),
                ),
                (
                    "chili",
                    Box::new(|| {
                        let v = input.to_vec();
                        let mut out = vec![0usize; v.len()];
                        map_chili(&mut chili.scope(), &v, &mut out, 1024, &|x| x + 1);
                        black_box(out);
                    }),
                ),
            ],
        },
        Case {
            name: format!("cpu_map 200 x 1 ms, {n} threads"),
            reps: 1,
            rounds: 5,
            runs: vec![
                (
                    "homemade",
                    Box::new(|| {
                        black_box(ws.map((0..200).collect(), burn_1ms));
                    }),
                ),
                (
                    "homemade-heartbeat",
                    Box::new(|| {
                        black_box(hb.map((0..200).collect(), burn_1ms));
                    }),
                ),
                (
                    "rayon",
                    Box::new(|| {
                        use rayon::prelude::*;
                        let v: Vec<u64> = (0..200).collect();
                        black_box(
                            rayon.install(|| v.into_par_iter().map(burn_1ms).collect::<Vec<_>>()),
                        );
                    }),
                ),
                (
                    "chili",
                    Box::new(|| {
                        let v: Vec<u64> = (0..200).collect();
                        let mut out = vec![0u64; v.len()];
                        map_chili(&mut chili.scope(), &v, &mut out, 1, &|x| burn_1ms(*x));
                        black_box(out);
                    }),
                ),
            ],
        },
    ];
    if light {
        out.remove(3);
        return out;
    }
    out.push(Case {
        name: format!("join_recursively, {n} threads"),
        reps: 31,
        rounds: 9,
        runs: vec![
            ("homemade", Box::new(|| ws.install(|| joins_hm(16)))),
            (
                "homemade-heartbeat",
                Box::new(|| hb.install(|| joins_hm(16))),
            ),
            ("rayon", Box::new(|| rayon.install(|| joins_rayon(16)))),
            ("chili", Box::new(|| joins_chili(&mut chili.scope(), 16))),
        ],
    });
    out.push(Case {
        name: String::from("fib32 no cutoff, 1 thread"),
        reps: 3,
        rounds: 9,
        runs: vec![
            (
                "sequential",
                Box::new(|| {
                    black_box(fib_seq(black_box(32)));
                }),
            ),
            (
                "homemade",
                Box::new(|| {
                    black_box(ws1.install(|| fib_hm(32)));
                }),
            ),
            (
                "homemade-heartbeat",
                Box::new(|| {
                    black_box(hb1.install(|| fib_hm(32)));
                }),
            ),
            (
                "rayon",
                Box::new(|| {
                    black_box(rayon1.install(|| fib_rayon(32)));
                }),
            ),
            (
                "chili",
                Box::new(|| {
                    black_box(fib_chili(&mut chili1.scope(), 32));
                }),
            ),
        ],
    });
    out.push(Case {
        name: String::from("tree_sum 2^20, 1 thread"),
        reps: 5,
        rounds: 9,
        runs: vec![
            (
                "sequential",
                Box::new(|| {
                    black_box(sum_seq(black_box(tree)));
                }),
            ),
            (
                "homemade",
                Box::new(|| {
                    black_box(ws1.install(|| sum_hm(tree)));
                }),
            ),
            (
                "homemade-heartbeat",
                Box::new(|| {
                    black_box(hb1.install(|| sum_hm(tree)));
                }),
            ),
            (
                "rayon",
                Box::new(|| {
                    black_box(rayon1.install(|| sum_rayon(tree)));
                }),
            ),
            (
                "chili",
                Box::new(|| {
                    black_box(sum_chili(&mut chili1.scope(), tree));
                }),
            ),
        ],
    });
    out
}

/// Every pool of the report, built once.
struct Pools {
    ws: ThreadPool,
    hb: ThreadPool,
    rayon: rayon::ThreadPool,
    chili: chili::ThreadPool,
    ws1: ThreadPool,
    hb1: ThreadPool,
    rayon1: rayon::ThreadPool,
    chili1: chili::ThreadPool,
}

/// A busy process of equal priority pinned to CPU 0: this same binary,
/// re-run with `HOMEMADE_BENCH_SPINNER=1`. Killed and reaped on drop.
struct Spinner(std::process::Child);

impl Spinner {
    fn start() -> Option<Spinner> {
        let exe = std::env::current_exe().ok()?;
        let child = std::process::Command::new(exe)
            .env("HOMEMADE_BENCH_SPINNER", "1")
            .env("HOMEMADE_BENCH_INTERLEAVED", "0")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        // Let it start spinning before anything is measured.
        std::thread::sleep(Duration::from_millis(200));
        Some(Spinner(child))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The spinner's body: pin to CPU 0 and burn until the parent is gone (or
/// 20 minutes passed, so a lost spinner cannot live forever).
fn spin_forever() {
    // SAFETY: an all-zero cpu_set_t is an empty set; CPU_SET adds CPU 0,
    // and sched_setaffinity only reads the set we pass.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };
    let end = Instant::now() + Duration::from_secs(20 * 60);
    let mut x = 0u64;
    // SAFETY: as above.
    while Instant::now() < end && unsafe { libc::getppid() } == parent {
        for _ in 0..1_000_000 {
            x = black_box(x.wrapping_add(1));
        }
    }
}

/// CPU time per job of `jobs` tiny jobs submitted 10 ms apart.
fn idle_cpu_per_job(jobs: u64, run_one: impl FnMut()) -> Duration {
    idle_cpu(jobs, run_one) / jobs as u32
}

/// The machine is shared and noisy, and criterion measures the
/// implementations minutes apart. This report alternates them round by
/// round (the order rotating each round) and prints the median of the
/// per-round ratios, which is less sensitive to drifting load.
fn interleaved_report() {
    let n = threads();
    let (ws, rayon) = pools_of(n);
    let (ws1, rayon1) = pools_of(1);
    let pools = Pools {
        ws,
        hb: heartbeat_pool(n),
        rayon,
        chili: chili_pool(n),
        ws1,
        hb1: heartbeat_pool(1),
        rayon1,
        chili1: chili_pool(1),
    };
    let tree = build_tree(20, &mut 0);
    let input: Vec<usize> = (0..100 * 1024).collect();
    check_answers(
        &pools.ws,
        &pools.hb,
        &pools.rayon,
        &pools.chili,
        &tree,
        &input,
    );
    check_answers(
        &pools.ws1,
        &pools.hb1,
        &pools.rayon1,
        &pools.chili1,
        &tree,
        &input,
    );

    run_cases(
        "interleaved report, quiet machine: medians over rounds, ratios = median of per-round ratios",
        &mut cases(n, &tree, &input, false, &pools),
    );

    println!("\nidle CPU per job (30 tiny jobs 10 ms apart, getrusage), {n} threads");
    println!("| implementation | CPU per job |");
    println!("|---|---|");
    let tiny = || {
        black_box(Instant::now());
    };
    println!("| sequential | {:?} |", idle_cpu_per_job(30, tiny));
    println!(
        "| homemade | {:?} |",
        idle_cpu_per_job(30, || pools.ws.install(tiny))
    );
    println!(
        "| homemade-heartbeat | {:?} |",
        idle_cpu_per_job(30, || pools.hb.install(tiny))
    );
    println!(
        "| rayon | {:?} |",
        idle_cpu_per_job(30, || pools.rayon.install(tiny))
    );

    match Spinner::start() {
        Some(_spinner) => run_cases(
            "interleaved report beside a spinner (one busy process of equal priority on CPU 0)",
            &mut cases(n, &tree, &input, true, &pools),
        ),
        None => println!("\n(could not start the background spinner: contention rows skipped)"),
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
    if std::env::var_os("HOMEMADE_BENCH_SPINNER").is_some() {
        spin_forever();
        return;
    }
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
