#!/usr/bin/env python3
"""Python's multiprocessing.Pool on the tasks of benches/process_pool.rs.

Run: python3 benches/process_pool.py [--quick]

Prints one line per figure, in the same units as the Rust bench, so the
DESIGN.md table can show the original beside ours:

- round_trip: pool.apply(tiny, (5,)), one call at a time; beside it the same
  raw one-byte ping-pong over a pair of pipes with a forked child (the floor).
- map_tiny: pool.map(tiny, range(10_000), chunksize=1) and
  pool.map(tiny, range(1_000_000)) with Python's default chunking
  (ceil(len / (4 * workers))), per task.
- startup: multiprocessing.Pool(2) created and serving its first result.
- cpu_map: 200 items of about 1 ms of work each on 2 workers, beside the
  sequential loop (Python's own work per item is calibrated to ~1 ms; the
  interpreter is much slower per round than Rust, so the rounds differ).

Uses the 'fork' start method, the default on Linux in 3.11 and the one our
pool mirrors. Each figure is the best of a few repetitions (min), the usual
way to read timings on a noisy shared machine.
"""
import multiprocessing as mp
import os
import sys
import time

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 5


def tiny(x):
    return (x * 3 + 1) & 0xFFFFFFFFFFFFFFFF


SPIN_ROUNDS = 1  # calibrated in main()


def spin(seed):
    x = seed | 1
    m = 0xFFFFFFFFFFFFFFFF
    for _ in range(SPIN_ROUNDS):
        x ^= (x << 13) & m
        x ^= x >> 7
        x ^= (x << 17) & m
    return x


def best(fn, repeat=REPEAT):
    """Best wall time of `repeat` runs of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def pipe_floor(n):
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w1)
        os.close(r2)
        while True:
            b = os.read(r1, 1)
            if not b:
                os._exit(0)
            os.write(w2, b)
    os.close(r1)
    os.close(w2)

    def run():
        for _ in range(n):
            os.write(w1, b"x")
            os.read(r2, 1)

    t = best(run)
    os.close(w1)
    os.close(r2)
    os.waitpid(pid, 0)
    return t / n


def calibrate():
    global SPIN_ROUNDS
    SPIN_ROUNDS = 1000
    while True:
        t = best(lambda: spin(7), 3)
        if t > 0.0002:
            break
        SPIN_ROUNDS *= 2
    SPIN_ROUNDS = max(1, int(SPIN_ROUNDS * 0.001 / t))


def main():
    mp.set_start_method("fork")
    calibrate()
    us = 1e6
    print(f"python {sys.version.split()[0]}, start method fork, best of {REPEAT}")

    n = 2000 if QUICK else 10000
    print(f"round_trip/raw_pipe_ping_pong_floor  {pipe_floor(n) * us:9.2f} us")

    with mp.Pool(2) as pool:
        pool.apply(tiny, (1,))
        k = 500 if QUICK else 2000
        t = best(lambda: [pool.apply(tiny, (5,)) for _ in range(k)])
        print(f"round_trip/apply                     {t / k * us:9.2f} us")

        small = list(range(10_000))
        t = best(lambda: pool.map(tiny, small, chunksize=1))
        print(f"map_tiny/chunksize_1_x10k            {t / len(small) * us:9.3f} us/task")
        big = list(range(1_000_000))
        t = best(lambda: pool.map(tiny, big))
        print(f"map_tiny/auto_chunk_x1m              {t / len(big) * us:9.3f} us/task")

    def startup():
        pool = mp.Pool(2)
        pool.apply(tiny, (1,))
        return pool

    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        p = startup()
        times.append(time.perf_counter() - t)
        p.terminate()
        p.join()
    print(f"startup/pool_of_2_first_result       {min(times) * 1e3:9.2f} ms")

    items = list(range(200))
    one = best(lambda: spin(3))
    with mp.Pool(2) as pool:
        pool.map(spin, items[:4])
        par = best(lambda: pool.map(spin, items), 3)
    seq = best(lambda: [spin(x) for x in items], 2)
    print(f"cpu_map_200x1ms/one_item             {one * 1e3:9.3f} ms")
    print(f"cpu_map_200x1ms/pool_2_workers       {par * 1e3:9.1f} ms")
    print(f"cpu_map_200x1ms/sequential           {seq * 1e3:9.1f} ms")
    print(f"cpu_map_200x1ms/speedup              {seq / par:9.2f} x")


if __name__ == "__main__":
    main()
