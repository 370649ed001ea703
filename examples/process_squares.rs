//! The explainer's first process-pool program: `Pool.map` of squares, with
//! the pid of the worker that computed each item.
//!
//! Run: `cargo run --example process_squares`
//!
//! What to watch: the pool is created first thing in `main` (the process is
//! still single-threaded, see `src/process_pool/README.md`); the pids differ
//! from the parent's and from each other; the results come back in input
//! order even though the workers finish chunks in any order.

use homemade::process_pool::ProcessPool;
use homemade::trace::{default_recorder, Kind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    // The function travels to the workers by fork: each child already has it.
    let pool = ProcessPool::builder(2)
        .recorder({
            // The `--trace` file's recorder if there is one, else a fresh one.
            let recorder = default_recorder();
            recorder.enable();
            recorder
        })
        .build(|x: u64| (x * x, std::process::id()))?;
    println!("parent pid {}", std::process::id());
    println!(
        "fork server pid {:?}, workers {:?}",
        pool.fork_server_pid(),
        pool.worker_pids()
    );

    // chunksize 2 so both workers get a share of these ten items.
    let results = pool.map_chunked(0..10u64, 2)?;
    for (x, (square, pid)) in results.iter().enumerate() {
        println!("{x:>2}² = {square:>3}   computed by pid {pid}");
    }

    // One task at a time, with submit and join.
    let handle = pool.submit(12);
    let (square, pid) = handle.join()?;
    println!("submit(12) -> {square} (pid {pid})");

    println!("\nwhat the recorder saw:");
    let events = pool.recorder().take();
    let t0 = events.first().map(|e| e.at);
    for e in &events {
        let ms = t0.map_or(0.0, |t0| e.at.since(t0).as_secs_f64() * 1e3);
        let what = match &e.kind {
            Kind::Forked { slot } => format!("forked into slot {slot}"),
            Kind::Sent { job, items } => format!("sent {job} ({items} items)"),
            Kind::Received { job } => format!("result of {job}"),
            other => format!("{other:?}"),
        };
        println!("{ms:>8.3} ms  {:<26}  {what}", e.lane.to_string());
    }
    pool.close();
    Ok(())
}
