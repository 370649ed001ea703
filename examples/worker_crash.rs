//! A worker is SIGKILLed in the middle of a map. Watch the pool report the
//! lost task, fork a replacement and finish everything else.
//!
//! Run: `cargo run --example worker_crash` (socket pair), or
//! `cargo run --example worker_crash -- shm` for the shared-memory transport,
//! where the frames travel through rings and the socket only carries the
//! end of file that reports the death.
//!
//! Python's `multiprocessing.Pool.map` hangs forever in this situation (the
//! result of the lost task never arrives and nobody notices). Here the
//! parent sees end of file on the dead worker's socket, asks the fork server
//! to reap it (learning it was signal 9), fails the one task that worker was
//! running with `TaskError::WorkerDied`, re-sends the task that was queued
//! behind it, and forks a replacement into the same slot.

use std::time::Duration;

use homemade::process_pool::{ProcessPool, TaskError, Transport};
use homemade::trace::{default_recorder, Kind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, args) = homemade::trace::chrome::from_env();
    let transport = match args.first().map(String::as_str) {
        Some("shm") => Transport::SharedMemory,
        _ => Transport::Socketpair,
    };
    println!("transport: {transport:?}");
    let pool = ProcessPool::builder(2)
        .transport(transport)
        .recorder({
            // The `--trace` file's recorder if there is one, else a fresh one.
            let recorder = default_recorder();
            recorder.enable();
            recorder
        })
        .build(|x: u64| {
            std::thread::sleep(Duration::from_millis(20));
            (x * x, std::process::id())
        })?;
    println!("workers: {:?}", pool.worker_pids());

    // Kill worker 0 from outside while the map is running.
    let victim = pool.worker_pids()[0];
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(110));
        println!(">>> kill -9 {victim}");
        // SAFETY: kill takes plain integers; the pid is our own worker.
        unsafe { libc::kill(victim, libc::SIGKILL) };
    });

    // imap_unordered shows every item, failed or not, as it arrives.
    let mut results: Vec<_> = pool.imap_unordered(0..24u64).collect();
    killer.join().unwrap();
    results.sort_by_key(|(i, _)| *i);
    for (i, r) in &results {
        match r {
            Ok((sq, pid)) => println!("{i:>2}² = {sq:>3}  (pid {pid})"),
            Err(e @ TaskError::WorkerDied { .. }) => println!("{i:>2}  LOST: {e}"),
            Err(e) => println!("{i:>2}  failed: {e}"),
        }
    }
    let lost = results.iter().filter(|(_, r)| r.is_err()).count();
    println!(
        "\n{} items done, {lost} lost, workers now {:?}",
        results.len() - lost,
        pool.worker_pids()
    );

    println!("\nforks and crashes the recorder saw:");
    let events = pool.recorder().take();
    let t0 = events[0].at;
    for e in events {
        let ms = e.at.since(t0).as_secs_f64() * 1e3;
        match e.kind {
            Kind::Forked { slot } => {
                println!("{ms:>8.1} ms  {} forked into slot {slot}", e.lane)
            }
            Kind::Crashed { reason } => {
                println!("{ms:>8.1} ms  {} CRASHED: {reason}", e.lane)
            }
            _ => {}
        }
    }

    // The pool is whole again: a plain map works.
    let squares: Vec<u64> = pool.map(0..6u64)?.into_iter().map(|(sq, _)| sq).collect();
    println!("\nafter the crash, map(0..6) = {squares:?}");
    Ok(())
}
