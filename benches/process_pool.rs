//! Process pool benchmarks: what a task costs, beside the physical floor.
//!
//! - `round_trip`: one `submit` + `join` of a tiny task on a one-worker
//!   pool (each transport), beside a raw parent/child ping-pong of one byte
//!   over a pair of pipes (the floor: two context switches and four system
//!   calls), measured in the same run, and
//!   the same ping-pong over a raw socket pair (the kernel object the
//!   socket-pair transport rides on: what the transport's own code adds is
//!   the distance to this row, what the kernel adds the distance between
//!   the two floors).
//! - `map_tiny`: 10,000 tiny tasks with chunksize 1, and 1,000,000 with
//!   automatic chunking; criterion's throughput line gives the per-task cost.
//! - `payload_16mib_round_trip`: a 16 MiB [`Bytes`] echoed by one worker,
//!   over each transport. Both rows send the same type: `Bytes` (serde's
//!   byte string, which postcard copies in one piece; a plain `Vec<u8>` is
//!   encoded and decoded one byte at a time, and that per-byte work would
//!   hide the transports). The timed loop includes cloning the payload
//!   (the task takes it by value), encoding, both directions, decoding.
//! - `startup`: a pool of 2 forked and serving its first result.
//! - `cpu_map`: 200 items of about 1 ms of arithmetic each, on 2 workers,
//!   beside rayon on 2 threads and a sequential loop.
//!
//! Everything that forks (the pools, the ping-pong child, the `startup`
//! pools) happens before rayon starts its threads: pools are created only by
//! single-threaded processes. `benches/process_pool.py` measures Python's
//! `multiprocessing.Pool` on the same tasks.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use homemade::process_pool::{Bytes, ProcessPool, Transport};
use rayon::prelude::*;

/// The tiny task.
fn tiny(x: u64) -> u64 {
    x.wrapping_mul(3).wrapping_add(1)
}

/// About 1 ms of integer arithmetic (xorshift rounds), the same in every row.
fn spin(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..SPIN_ROUNDS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// Rounds of `spin`; about 1 ms on the 2-core development machine.
const SPIN_ROUNDS: u64 = 700_000;

/// What a raw ping-pong floor talks over.
#[derive(Clone, Copy)]
enum Channel {
    /// Two pipes, one each way: the floor the goals are stated against.
    Pipes,
    /// One `AF_UNIX` stream socket pair, the kernel object the socket-pair
    /// transport uses: the same four system calls, another kernel path
    /// (an `sk_buff` allocated and charged per message).
    SocketPair,
}

/// A forked child that echoes one byte back: the physical floor of a round
/// trip (two context switches, four blocking system calls, no user work).
struct PingPong {
    to_child: i32,
    from_child: i32,
    pid: i32,
}

impl PingPong {
    fn start(channel: Channel) -> PingPong {
        // Parent writes `to_child`, reads `from_child`; the child reads
        // `child_in` and writes `child_out`.
        let (to_child, from_child, child_in, child_out) = match channel {
            Channel::Pipes => {
                let mut a = [0i32; 2];
                let mut b = [0i32; 2];
                // SAFETY: each pipe() writes two ints into a live array.
                unsafe {
                    assert_eq!(libc::pipe(a.as_mut_ptr()), 0);
                    assert_eq!(libc::pipe(b.as_mut_ptr()), 0);
                }
                (a[1], b[0], a[0], b[1])
            }
            Channel::SocketPair => {
                let mut s = [0i32; 2];
                // SAFETY: socketpair() writes two ints into a live array.
                unsafe {
                    assert_eq!(
                        libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, s.as_mut_ptr()),
                        0
                    );
                }
                (s[0], s[0], s[1], s[1])
            }
        };
        // SAFETY: the bench is single-threaded here; the child only makes
        // plain system calls and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let mut byte = [0u8; 1];
            // SAFETY: plain system calls on our own descriptors and a live buffer.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                // Close the parent's ends, or we would never read EOF.
                libc::close(to_child);
                if from_child != to_child {
                    libc::close(from_child);
                }
                while libc::read(child_in, byte.as_mut_ptr().cast(), 1) == 1 {
                    libc::write(child_out, byte.as_ptr().cast(), 1);
                }
                libc::_exit(0);
            }
        }
        // SAFETY: closing the child's ends in the parent, once each.
        unsafe {
            libc::close(child_in);
            if child_out != child_in {
                libc::close(child_out);
            }
        }
        PingPong {
            to_child,
            from_child,
            pid,
        }
    }

    fn ping(&self) {
        let mut byte = [7u8; 1];
        // SAFETY: one-byte write and read on our own ends.
        unsafe {
            libc::write(self.to_child, byte.as_ptr().cast(), 1);
            libc::read(self.from_child, byte.as_mut_ptr().cast(), 1);
        }
    }
}

impl Drop for PingPong {
    fn drop(&mut self) {
        // The pools forked after this child inherit our ends (a worker
        // keeps every descriptor the program had open: DESIGN §3.2), so
        // closing ours need not bring EOF to the child; kill it, then reap.
        // SAFETY: closing our own ends once, signalling and reaping our
        // own child, whose pid is not reused before this waitpid.
        unsafe {
            libc::close(self.to_child);
            if self.from_child != self.to_child {
                libc::close(self.from_child);
            }
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

/// A pool echoing byte payloads.
type BytesPool = ProcessPool<Bytes, Bytes>;

/// The payload of the 16 MiB round trip.
const BIG: usize = 16 << 20;

/// A child process that spins until it is killed: a busy machine on demand.
struct Spinner {
    pid: libc::pid_t,
}

impl Spinner {
    fn start() -> Spinner {
        // SAFETY: called before any thread exists; the child only spins.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            // SAFETY: prctl with plain integers: die with the bench.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
            loop {
                std::hint::spin_loop();
            }
        }
        Spinner { pid }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        // SAFETY: kill and waitpid on our own child, plain integers.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}

fn main() {
    // Fork everything first, while this process has one thread (the pipe
    // child first, so it holds none of the pools' sockets).
    let pipe = PingPong::start(Channel::Pipes);
    let socket_floor = PingPong::start(Channel::SocketPair);
    // HOMEMADE_BENCH_BUSY=1: a child that spins on a core all along (the
    // "busy machine" variant of every figure), forked before the pools.
    let busy = std::env::var_os("HOMEMADE_BENCH_BUSY").map(|_| Spinner::start());
    let pool = ProcessPool::new(2, tiny).expect("tiny pool");
    // The round trip's pools have one worker, as issue 13's figure says: a
    // second, idle worker would only add a socket to every `poll`.
    let one = ProcessPool::new(1, tiny).expect("one-worker pool");
    let cpu_pool = ProcessPool::new(2, spin).expect("cpu pool");
    let shm = |b: homemade::process_pool::ProcessPoolBuilder<u64, u64>| {
        b.transport(Transport::SharedMemory)
    };
    let pool_shm = shm(ProcessPool::builder(2))
        .build(tiny)
        .expect("tiny shm pool");
    let one_shm = shm(ProcessPool::builder(1))
        .build(tiny)
        .expect("one-worker shm pool");
    let cpu_pool_shm = shm(ProcessPool::builder(2))
        .build(spin)
        .expect("cpu shm pool");
    let big_pools: Vec<(&str, BytesPool)> = [
        ("socketpair", Transport::Socketpair),
        ("shm", Transport::SharedMemory),
    ]
    .into_iter()
    .map(|(name, t)| {
        let p = ProcessPool::builder(1)
            .transport(t)
            .max_frame_bytes(BIG + 1024)
            .build(|v: Bytes| v)
            .expect("payload pool");
        (name, p)
    })
    .collect();

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();

    // startup forks new pools, so it runs before rayon starts threads.
    c.bench_function("startup/pool_of_2_first_result", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let p = ProcessPool::new(2, tiny).expect("startup pool");
                black_box(p.submit(1).join().unwrap());
                total += start.elapsed();
                drop(p); // close + reap, not counted
            }
            total
        })
    });

    {
        let mut g = c.benchmark_group("round_trip");
        g.bench_function("raw_pipe_ping_pong_floor", |b| b.iter(|| pipe.ping()));
        g.bench_function("raw_socketpair_ping_pong", |b| {
            b.iter(|| socket_floor.ping())
        });
        g.bench_function("submit_join", |b| {
            b.iter(|| one.submit(black_box(5)).join().unwrap())
        });
        g.bench_function("submit_join_shm", |b| {
            b.iter(|| one_shm.submit(black_box(5)).join().unwrap())
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("payload_16mib_round_trip");
        g.sampling_mode(SamplingMode::Flat);
        g.throughput(Throughput::Bytes(2 * BIG as u64));
        let payload = Bytes((0..BIG).map(|i| i as u8).collect());
        for (name, p) in &big_pools {
            g.bench_function(*name, |b| {
                b.iter(|| p.submit(payload.clone()).join().unwrap())
            });
        }
        g.finish();
    }

    {
        let mut g = c.benchmark_group("map_tiny");
        g.sampling_mode(SamplingMode::Flat);
        let small: Vec<u64> = (0..10_000).collect();
        g.throughput(Throughput::Elements(small.len() as u64));
        g.bench_function("chunksize_1_x10k", |b| {
            b.iter(|| pool.map_chunked(small.clone(), 1).unwrap())
        });
        g.bench_function("chunksize_1_x10k_shm", |b| {
            b.iter(|| pool_shm.map_chunked(small.clone(), 1).unwrap())
        });
        let big: Vec<u64> = (0..1_000_000).collect();
        g.throughput(Throughput::Elements(big.len() as u64));
        g.bench_function("auto_chunk_x1m", |b| {
            b.iter(|| pool.map(big.clone()).unwrap())
        });
        g.finish();
    }

    {
        let items: Vec<u64> = (0..200).collect();
        let rayon_pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("rayon pool");
        let mut g = c.benchmark_group("cpu_map_200x1ms");
        g.sampling_mode(SamplingMode::Flat);
        g.bench_function("homemade_2_workers", |b| {
            b.iter(|| cpu_pool.map(items.clone()).unwrap())
        });
        g.bench_function("homemade_2_workers_shm", |b| {
            b.iter(|| cpu_pool_shm.map(items.clone()).unwrap())
        });
        g.bench_function("rayon_2_threads", |b| {
            b.iter(|| rayon_pool.install(|| items.par_iter().map(|&x| spin(x)).collect::<Vec<_>>()))
        });
        g.bench_function("sequential", |b| {
            b.iter(|| items.iter().map(|&x| spin(x)).collect::<Vec<_>>())
        });
        g.finish();
    }

    drop(pipe);
    drop(socket_floor);
    drop(busy);
    c.final_summary();
}
