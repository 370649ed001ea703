//! The explainer's claim, reproduced: with a GIL, threads speed up I/O-bound
//! work but not CPU-bound work.
//!
//! Eight jobs, run on a pool of 1 thread and of 2 threads, with and without
//! the simulated GIL (`homemade::thread_pool::Gil`, 5 ms switch interval):
//!
//! * CPU-bound job: 25 ms of arithmetic, calling `tick()` between small
//!   slices (CPython checks for a drop request between bytecodes);
//! * I/O-bound job: a 25 ms sleep inside `blocking()` (the GIL is released
//!   while waiting, like `time.sleep` or a socket read in CPython).
//!
//! Speedup = time on 1 thread / time on 2 threads. Run it:
//! `cargo run --release --example gil`
use homemade::thread_pool::{Gil, ThreadPool};
use std::time::{Duration, Instant};

const JOBS: usize = 8;
const JOB_TIME: Duration = Duration::from_millis(25);

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Cpu,
    Io,
}

/// One job's work, under the GIL if one is given.
fn job(kind: Kind, gil: Option<&Gil>) {
    let mut guard = gil.map(Gil::acquire);
    match kind {
        Kind::Cpu => {
            // Count CPU time in slices of ~50 µs so the GIL can switch.
            let mut x = 1u64;
            let mut done = Duration::ZERO;
            while done < JOB_TIME {
                let slice = Instant::now();
                while slice.elapsed() < Duration::from_micros(50) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
                done += slice.elapsed();
                if let Some(g) = guard.as_mut() {
                    g.tick();
                }
            }
        }
        Kind::Io => match guard.as_mut() {
            Some(g) => g.blocking(|| std::thread::sleep(JOB_TIME)),
            None => std::thread::sleep(JOB_TIME),
        },
    }
}

/// Wall time of `JOBS` jobs on a pool of `threads`.
fn run(kind: Kind, threads: usize, with_gil: bool) -> Duration {
    let pool = ThreadPool::new(threads).expect("cannot start the pool");
    let gil = Gil::new();
    let gil = with_gil.then_some(&gil);
    let start = Instant::now();
    pool.scope(|s| {
        for _ in 0..JOBS {
            s.spawn(move |_| job(kind, gil));
        }
    });
    start.elapsed()
}

fn main() {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{JOBS} jobs of {JOB_TIME:?} each; speedup = time(1 thread) / time(2 threads); {cores} cores\n");
    println!("| work | GIL | 1 thread | 2 threads | speedup | the explainer predicts |");
    println!("|---|---|---|---|---|---|");
    for kind in [Kind::Cpu, Kind::Io] {
        for with_gil in [true, false] {
            let one = run(kind, 1, with_gil);
            let two = run(kind, 2, with_gil);
            let speedup = one.as_secs_f64() / two.as_secs_f64();
            let (name, predicted) = match (kind, with_gil) {
                (Kind::Cpu, true) => (
                    "CPU-bound",
                    "~1.0x: the GIL lets one thread run bytecode at a time",
                ),
                (Kind::Cpu, false) => (
                    "CPU-bound",
                    "~2.0x: no GIL, true parallelism (processes in Python)",
                ),
                (Kind::Io, true) => ("I/O-bound", "~2.0x: the GIL is released while waiting"),
                (Kind::Io, false) => ("I/O-bound", "~2.0x: waiting overlaps either way"),
            };
            println!(
                "| {name} | {} | {:.0} ms | {:.0} ms | {speedup:.2}x | {predicted} |",
                if with_gil { "yes" } else { "no" },
                one.as_secs_f64() * 1e3,
                two.as_secs_f64() * 1e3,
            );
        }
    }
    if cores < 2 {
        println!("\n(only one core here: the no-GIL CPU row cannot show a speedup)");
    }
}
