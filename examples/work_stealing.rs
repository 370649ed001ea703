//! Watch work stealing happen.
//!
//! One job pushes 48 jobs of uneven cost onto *its own* worker's deque, so at
//! the start all the work sits with one worker. The other workers find it by
//! stealing from the far end of that deque. The example prints:
//!
//! 1. the first scheduling events from the recorder (spawned, stolen, parked,
//!    woken...);
//! 2. per-worker statistics (jobs run, stolen, steal attempts, parks);
//! 3. an ASCII timeline of who ran what: one row per worker, one column per
//!    time slice, each job drawn with its own letter.
//!
//! Run it: `cargo run --release --example work_stealing [threads]`
use homemade::thread_pool::trace::render_timeline;
use homemade::thread_pool::{current_thread_index, ThreadPool};
use homemade::trace::{Kind, Lane};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// About `d` of CPU work (a busy loop, so the job really occupies a core).
fn burn(d: Duration) {
    let end = Instant::now() + d;
    let mut x = 0u64;
    while Instant::now() < end {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

fn main() {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, args) = homemade::trace::chrome::from_env();
    let threads: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(4);
    let pool = ThreadPool::new(threads).expect("cannot start the pool");
    let runs: Mutex<Vec<(usize, usize, Instant, Instant)>> = Mutex::new(Vec::new());
    let t0 = Instant::now();

    pool.recorder().enable();
    pool.scope(|s| {
        s.spawn(|s| {
            // This job runs on one worker; every spawn below lands on that
            // worker's deque. Nobody else has work until they steal.
            for job in 0..48usize {
                let runs = &runs;
                s.spawn(move |_| {
                    let start = Instant::now();
                    // Uneven: every 7th job is four times as long.
                    let ms = if job % 7 == 0 { 8 } else { 2 };
                    burn(Duration::from_millis(ms));
                    let worker = current_thread_index().unwrap_or(usize::MAX);
                    runs.lock()
                        .unwrap()
                        .push((job, worker, start, Instant::now()));
                });
            }
        });
    });
    pool.recorder().disable();
    let total = t0.elapsed();
    let events = pool.recorder().take();

    let spawned = events.iter().filter(|e| e.kind == Kind::JobSpawned).count();
    println!(
        "== scheduling events: {} recorded, {spawned} spawns all on one worker; the first \
         steals, parks and wakes ==",
        events.len()
    );
    let first = events.first().map(|e| e.at).unwrap_or_default();
    let interesting = |e: &&homemade::trace::Event| {
        !matches!(
            e.kind,
            Kind::JobStarted | Kind::JobFinished | Kind::JobSpawned
        )
    };
    for e in events.iter().filter(interesting).take(20) {
        let who = match e.lane {
            Lane::PoolThread { worker, .. } => format!("worker {worker}"),
            _ => "outside".to_string(),
        };
        println!(
            "{:>10.3} ms  {who:<9}  {:?}",
            e.at.since(first).as_secs_f64() * 1e3,
            e.kind
        );
    }
    let steals = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::JobStolen { .. }))
        .count();
    println!("... {steals} steals recorded in total\n");

    println!("== per-worker stats ==");
    println!("worker | executed | stolen | steal attempts | parked | woken");
    for s in pool.stats() {
        println!(
            "{:>6} | {:>8} | {:>6} | {:>14} | {:>6} | {:>5}",
            s.index, s.jobs_executed, s.jobs_stolen, s.steal_attempts, s.parked, s.woken
        );
    }

    println!(
        "\n== who ran what (each letter one job, {} ms total) ==",
        total.as_millis()
    );
    let width = 72usize;
    let span = total.as_secs_f64();
    let mut rows = vec![vec!['.'; width]; threads];
    let runs = runs.into_inner().unwrap();
    for &(job, worker, start, end) in &runs {
        let col = |t: Instant| (((t - t0).as_secs_f64() / span) * width as f64) as usize;
        let letter = (b'a' + (job % 26) as u8) as char;
        let letter = if job >= 26 {
            letter.to_ascii_uppercase()
        } else {
            letter
        };
        let (from, to) = (col(start).min(width - 1), col(end).min(width - 1));
        for cell in &mut rows[worker][from..=to] {
            *cell = letter;
        }
    }
    for (w, row) in rows.iter().enumerate() {
        let mine = runs.iter().filter(|r| r.1 == w).count();
        println!(
            "worker {w} |{}| {mine} jobs",
            row.iter().collect::<String>()
        );
    }
    println!("\n== the recorder's own view: # running, s stole, z parked ==");
    print!("{}", render_timeline(&events, threads, width));
    println!(
        "\nAll 48 jobs started on one deque; the rows above show the other workers \
         taking them by stealing."
    );
}
