//! Socket pair against shared memory: the same round trip and the same
//! 16 MiB payload over both transports, with where the time goes.
//!
//! Run: `cargo run --release --example shared_memory`
//! (add `-- payload shm` or `-- payload socketpair` for the 16 MiB row of
//! one transport alone, repeated: what to profile; `-- map shm` or
//! `-- map socketpair` for `map_chunked` of 10,000 tiny tasks, chunksize 1).
//!
//! For each transport it prints, per round trip of a tiny task
//! (`submit(x).join()` on a one-worker pool):
//!
//! - the mean time;
//! - the system calls the *parent* made through the pool's `sys` module
//!   (`test_hooks::pool_system_calls`; the worker makes its own, not counted);
//! - the parent's voluntary context switches (`getrusage` `ru_nvcsw`): how
//!   often it went to sleep and had to be woken by the kernel;
//! - the bytes copied per direction and how many of them went through the
//!   kernel (computed from the frame sizes, not measured);
//! - then the CPU the idle worker uses over one second (`/proc/PID/stat`).
//!
//! Then it sends a 16 MiB payload to the worker and back and prints the
//! throughput, first as a `Bytes` (serde's byte string: postcard copies it
//! in one piece), then as a plain `Vec<u8>` (one serde call per byte), to
//! show what the encoding costs. Over shared memory the frame streams through the 1 MiB ring
//! in pieces; nothing crosses the kernel. The figures depend on the machine
//! and on what else runs: on a busy machine or with more workers than cores,
//! spinning is wasted (DESIGN.md, "Processes that share memory").

use std::time::{Duration, Instant};

use homemade::process_pool::{test_hooks, Bytes, ProcessPool, Transport};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Round trips measured per transport.
const TRIPS: u32 = 20_000;
/// The big payload.
const BIG: usize = 16 << 20;

/// Voluntary and involuntary context switches of this process so far.
fn context_switches() -> (i64, i64) {
    // SAFETY: rusage is plain data; getrusage only writes into it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a live, writable rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    (ru.ru_nvcsw, ru.ru_nivcsw)
}

/// User plus system CPU time of process `pid` so far, in clock ticks
/// (fields 14 and 15 of `/proc/PID/stat`).
fn cpu_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit(')').next()?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After "pid (comm)", field 3 is at index 0, so fields 14 and 15 are 11, 12.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn round_trips(transport: Transport) -> Result<(), Box<dyn std::error::Error>> {
    let pool = ProcessPool::builder(1)
        .transport(transport)
        .build(|x: u64| x + 1)?;
    for x in 0..1000 {
        pool.submit(x).join()?; // warm up
    }
    let calls = test_hooks::pool_system_calls();
    let (vol, invol) = context_switches();
    let start = Instant::now();
    for x in 0..TRIPS as u64 {
        assert_eq!(pool.submit(x).join()?, x + 1);
    }
    let took = start.elapsed();
    let calls = test_hooks::pool_system_calls() - calls;
    let (vol2, invol2) = context_switches();
    // Idle: how much CPU the sleeping worker uses in one second.
    let worker = pool.worker_pids()[0];
    let before = cpu_ticks(worker);
    std::thread::sleep(Duration::from_secs(1));
    let idle = cpu_ticks(worker).zip(before).map(|(a, b)| a - b);
    // A task frame: 4-byte length, 12-byte task header, 4-byte item length,
    // the postcard u64 (1 to 10 bytes); the reply adds a tag byte.
    let through_kernel = match transport {
        Transport::Socketpair => "all of them (send + recv)",
        Transport::SharedMemory => "none (copied into the ring, out of it)",
    };
    println!(
        "{transport:?}: round trip {:.2} µs; parent system calls {:.2}/trip; \
         parent sleeps {:.3}/trip (preempted {:.3}/trip); ~22 bytes each way, {through_kernel}",
        took.as_secs_f64() * 1e6 / TRIPS as f64,
        calls as f64 / TRIPS as f64,
        (vol2 - vol) as f64 / TRIPS as f64,
        (invol2 - invol) as f64 / TRIPS as f64,
    );
    match idle {
        Some(t) => {
            println!("{transport:?}: idle worker CPU over 1 s: {t} clock ticks (1 tick = 10 ms)")
        }
        None => println!("{transport:?}: idle worker CPU: /proc/{worker}/stat unreadable"),
    }
    Ok(())
}

/// One 16 MiB payload there and back, best of 5: as a [`Bytes`] (encoded
/// as one slice) when `bytes`, else as a plain `Vec<u8>` (which serde
/// encodes and decodes one byte at a time).
fn big_payload(transport: Transport, bytes: bool) -> Result<(), Box<dyn std::error::Error>> {
    let payload: Vec<u8> = (0..BIG).map(|i| (i * 7) as u8).collect();
    let best = if bytes {
        best_round_trip(transport, Bytes(payload))?
    } else {
        best_round_trip(transport, payload)?
    };
    println!(
        "{transport:?}: 16 MiB {} there and back, best of 5: {:.1} ms, {:.0} MiB/s \
         (32 MiB moved, encode and decode included)",
        if bytes { "Bytes" } else { "Vec<u8>" },
        best.as_secs_f64() * 1e3,
        32.0 / best.as_secs_f64(),
    );
    Ok(())
}

/// The best of 5 round trips of `payload` through a one-worker pool whose
/// task reverses it (the same code for a `Bytes` and a `Vec<u8>`; only how
/// serde encodes them differs).
fn best_round_trip<P>(
    transport: Transport,
    payload: P,
) -> Result<Duration, Box<dyn std::error::Error>>
where
    P: Serialize + DeserializeOwned + Clone + std::ops::DerefMut,
    P::Target: AsRef<[u8]> + AsMut<[u8]>,
{
    let pool = ProcessPool::builder(1)
        .transport(transport)
        .max_frame_bytes(BIG + 1024)
        .build(|mut v: P| {
            (*v).as_mut().reverse();
            v
        })?;
    let last = (*payload).as_ref()[BIG - 1];
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let back = pool.submit(payload.clone()).join()?;
        best = best.min(start.elapsed());
        let back = (*back).as_ref();
        assert_eq!(back.len(), BIG);
        assert_eq!(back[0], last);
    }
    Ok(best)
}

/// `map_chunked(10,000 tiny tasks, 1)` on two workers, five times: the
/// best time per task and the parent's system calls and sleeps per task.
fn map_tiny(transport: Transport) -> Result<(), Box<dyn std::error::Error>> {
    let pool = ProcessPool::builder(2)
        .transport(transport)
        .build(|x: u64| x.wrapping_mul(3))?;
    let items: Vec<u64> = (0..10_000).collect();
    let calls = test_hooks::pool_system_calls();
    let (vol, _) = context_switches();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let out = pool.map_chunked(items.clone(), 1)?;
        best = best.min(start.elapsed());
        assert_eq!(out[9_999], 29_997);
    }
    let calls = test_hooks::pool_system_calls() - calls;
    let (vol2, _) = context_switches();
    let tasks = 5.0 * items.len() as f64;
    println!(
        "{transport:?}: map of 10,000 tiny tasks, chunksize 1: best {:.2} µs/task; \
         parent system calls {:.3}/task; parent sleeps {:.3}/task",
        best.as_secs_f64() * 1e6 / items.len() as f64,
        calls as f64 / tasks,
        (vol2 - vol) as f64 / tasks,
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    // Pools must be built while single-threaded: every pool here is built
    // and dropped on the main thread, one after the other.
    // `-- map socketpair|shm`: 10,000 tiny tasks with chunksize 1 on two
    // workers, with the parent's system calls per task.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("map") {
        let t = match args.get(1).map(String::as_str) {
            Some("shm") => Transport::SharedMemory,
            _ => Transport::Socketpair,
        };
        return map_tiny(t);
    }
    // `-- payload socketpair|shm`: only the `Bytes` payload row of one
    // transport, repeated (a clean profile: `perf record` on this alone).
    if args.first().map(String::as_str) == Some("payload") {
        let t = match args.get(1).map(String::as_str) {
            Some("shm") => Transport::SharedMemory,
            _ => Transport::Socketpair,
        };
        for _ in 0..4 {
            big_payload(t, true)?;
        }
        return Ok(());
    }
    for t in [Transport::Socketpair, Transport::SharedMemory] {
        round_trips(t)?;
    }
    for bytes in [true, false] {
        for t in [Transport::Socketpair, Transport::SharedMemory] {
            big_payload(t, bytes)?;
        }
    }
    Ok(())
}
