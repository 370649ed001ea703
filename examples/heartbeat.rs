//! Heartbeat scheduling beside work stealing, on the same fine-grained work.
//!
//! `fib(n)` with no cutoff and the sum of a perfect binary tree are the
//! hardest cases for a fork-join pool: every call is a `join` around about
//! a nanosecond of work. The example runs both under each [`Scheduler`]
//! (and sequentially), then prints per worker:
//!
//! * `joins inline`: joins whose second half ran right after the first on
//!   the same worker (popped back under work stealing, never promoted under
//!   heartbeat);
//! * `promoted`: pending join frames turned into stealable jobs on a beat;
//! * `stolen`: jobs taken from another worker's deque;
//!
//! and the ASCII timeline of one traced tree sum: `#` a worker runs a job
//! taken from a queue, `s` it stole, `p` it promoted a frame, `z` it parked.
//! Under work stealing almost every join pushes, and many are stolen; under
//! heartbeat the pushes happen only once per beat.
//!
//! Run it: `cargo run --release --example heartbeat [threads] [fib_n] [tree_depth]`
use homemade::thread_pool::trace::render_timeline;
use homemade::thread_pool::{join, Scheduler, ThreadPool};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

struct Node {
    value: u64,
    children: Option<Box<(Node, Node)>>,
}

fn tree(depth: u32, next: &mut u64) -> Node {
    *next += 1;
    let value = *next;
    let children = (depth > 1).then(|| Box::new((tree(depth - 1, next), tree(depth - 1, next))));
    Node { value, children }
}

fn sum(node: &Node) -> u64 {
    node.value
        + node.children.as_ref().map_or(0, |c| {
            let (a, b) = join(|| sum(&c.0), || sum(&c.1));
            a + b
        })
}

fn sum_seq(node: &Node) -> u64 {
    node.value
        + node
            .children
            .as_ref()
            .map_or(0, |c| sum_seq(&c.0) + sum_seq(&c.1))
}

/// The fastest of five runs (less noise than one run on a shared machine).
fn best_of_five<R>(mut f: impl FnMut() -> R) -> (Duration, R) {
    let mut best = None;
    let mut result = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = f();
        let took = t.elapsed();
        best = Some(best.map_or(took, |b: Duration| b.min(took)));
        result = Some(r);
    }
    (best.unwrap_or_default(), result.expect("five runs"))
}

fn print_stats(pool: &ThreadPool) {
    println!("  worker | joins inline | promoted | stolen | parked");
    for s in pool.stats() {
        println!(
            "  {:>6} | {:>12} | {:>8} | {:>6} | {:>6}",
            s.index, s.joins_inline, s.frames_promoted, s.jobs_stolen, s.parked
        );
    }
}

fn main() {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, args) = homemade::trace::chrome::from_env();
    let mut args = args.into_iter();
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let fib_n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let depth: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let root = tree(depth, &mut 0);

    let (fib_time, fib_expected) = best_of_five(|| fib_seq(black_box(fib_n)));
    let (sum_time, sum_expected) = best_of_five(|| sum_seq(black_box(&root)));
    println!("sequential: fib({fib_n}) {fib_time:?}, tree sum of 2^{depth}-1 nodes {sum_time:?}\n");

    for scheduler in Scheduler::ALL {
        let pool = ThreadPool::builder()
            .threads(threads)
            .scheduler(scheduler)
            .build()
            .expect("cannot start the pool");
        println!("== {scheduler:?}, {threads} threads ==");

        let (t, r) = best_of_five(|| pool.install(|| fib(black_box(fib_n))));
        assert_eq!(r, fib_expected);
        println!(
            "fib({fib_n}): {t:?} ({:.2}x sequential); counters over the five runs:",
            t.as_secs_f64() / fib_time.as_secs_f64()
        );
        print_stats(&pool);

        let pool = ThreadPool::builder()
            .threads(threads)
            .scheduler(scheduler)
            .build()
            .expect("cannot start the pool");
        let (t, r) = best_of_five(|| pool.install(|| sum(black_box(&root))));
        assert_eq!(r, sum_expected);
        println!(
            "tree sum: {t:?} ({:.2}x sequential); counters over the five runs:",
            t.as_secs_f64() / sum_time.as_secs_f64()
        );
        print_stats(&pool);

        pool.recorder().enable();
        let r = pool.install(|| sum(&root));
        pool.recorder().disable();
        assert_eq!(r, sum_expected);
        let events = pool.recorder().take();
        println!(
            "one traced tree sum ({} events; the recorder slows tiny jobs down):",
            events.len()
        );
        print!("{}", render_timeline(&events, threads, 72));
        println!();
    }
}
