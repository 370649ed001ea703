//! Watch cooperative scheduling happen.
//!
//! Part 1: three tasks that await timers and `yield_now`, printed as an
//! interleaving read from the loop's trace: which task ran, where it
//! stopped (its own notes), and what woke it.
//!
//! Part 2: the same loop, but one task computes for 200 ms without awaiting.
//! Nobody can interrupt it (the loop only regains control at an `.await`),
//! so the other tasks' timers fire late; the example measures by how much.
//! This is the asyncio rule "never block the event loop", in numbers.
//!
//! Run: `cargo run --example yielding`

use homemade::event_loop::trace::note;
use homemade::event_loop::{sleep, spawn, yield_now, EventLoop, TaskId, WakeSource};
use homemade::trace::{Event, Kind};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Prints the trace as a readable interleaving.
fn print_interleaving(trace: &[Event], names: &HashMap<TaskId, &str>) {
    let name = |id: &TaskId| names.get(id).copied().unwrap_or("?");
    let mut woken_by: HashMap<TaskId, WakeSource> = HashMap::new();
    let t0 = trace.first().map(|e| e.at).unwrap_or_default();
    for ev in trace {
        let t = format!("{:8.3} ms", ev.at.since(t0).as_secs_f64() * 1e3);
        match &ev.kind {
            Kind::Woken { task, by } => {
                woken_by.insert(*task, *by);
            }
            Kind::Polled { task } if *task != TaskId::MAIN => {
                let why = match woken_by.remove(task) {
                    None => "first run after spawn".to_string(),
                    Some(WakeSource::Task(by)) => format!("woken by {}", name(&by)),
                    Some(by) => format!("woken by {by}"),
                };
                println!("{t}  > {} runs ({why})", name(task));
            }
            Kind::Note {
                task: Some(task),
                text,
            } => println!("{t}      {}: {text}", name(task)),
            Kind::Pending { task } if *task != TaskId::MAIN => {
                println!("{t}  | {} stops and waits", name(task))
            }
            Kind::Ready { task } if *task != TaskId::MAIN => {
                println!("{t}  x {} finished", name(task))
            }
            Kind::ReactorPoll {
                timeout: Some(d), ..
            } if !d.is_zero() => println!(
                "{t}    (nothing to run: the loop slept in epoll_wait, timeout {:.1} ms)",
                d.as_secs_f64() * 1e3
            ),
            Kind::TimersFired { count } => println!("{t}    ({count} timer(s) fired)"),
            _ => {}
        }
    }
}

/// Part 1: timers and yields interleave.
fn part1(lp: &EventLoop) {
    println!("== Part 1: three cooperative tasks ==\n");
    lp.recorder().enable();
    let names = lp.block_on(async {
        let a = spawn(async {
            for i in 1..=3 {
                note(&format!("step {i} done, yield_now"));
                yield_now().await;
            }
        });
        let b = spawn(async {
            note("sleep 5 ms");
            sleep(Duration::from_millis(5)).await;
            note("awake; yield_now");
            yield_now().await;
            note("sleep 5 ms");
            sleep(Duration::from_millis(5)).await;
        });
        let c = spawn(async {
            for _ in 0..2 {
                note("sleep 3 ms");
                sleep(Duration::from_millis(3)).await;
                note("awake; yield_now");
                yield_now().await;
            }
        });
        let names = HashMap::from([(a.id(), "A"), (b.id(), "B"), (c.id(), "C")]);
        for h in [a, b, c] {
            h.await.unwrap();
        }
        names
    });
    lp.recorder().disable();
    print_interleaving(&lp.recorder().take(), &names);
}

/// A sleeper that records how late each of its wake-ups was.
async fn sleeper(rounds: u32, period: Duration) -> Duration {
    let mut worst = Duration::ZERO;
    for _ in 0..rounds {
        let deadline = Instant::now() + period;
        sleep(period).await;
        worst = worst.max(Instant::now().saturating_duration_since(deadline));
    }
    worst
}

/// Part 2: one task hogs the thread for 200 ms.
fn part2(lp: &EventLoop) {
    println!("\n== Part 2: one task computes for 200 ms without awaiting ==\n");
    let period = Duration::from_millis(10);
    let (calm_b, calm_c) = lp.block_on(async {
        let b = spawn(sleeper(10, period));
        let c = spawn(sleeper(10, period));
        (b.await.unwrap(), c.await.unwrap())
    });
    lp.recorder().enable();
    let (late_b, late_c, hog_id) = lp.block_on(async {
        let b = spawn(sleeper(10, period));
        let c = spawn(sleeper(10, period));
        let hog = spawn(async {
            sleep(Duration::from_millis(15)).await;
            note("computing for 200 ms without awaiting");
            let start = Instant::now();
            let mut x = 0u64;
            while start.elapsed() < Duration::from_millis(200) {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            note("done computing");
            x
        });
        let hog_id = hog.id();
        hog.await.unwrap();
        (b.await.unwrap(), c.await.unwrap(), hog_id)
    });
    lp.recorder().disable();
    let trace = lp.recorder().take();
    let mut hog_poll = Duration::ZERO;
    let mut started = None;
    for ev in &trace {
        match ev.kind {
            Kind::Polled { task } if task == hog_id => started = Some(ev.at),
            Kind::Pending { task } | Kind::Ready { task } if task == hog_id => {
                if let Some(s) = started.take() {
                    hog_poll = hog_poll.max(ev.at.since(s));
                }
            }
            _ => {}
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("two tasks sleep 10 ms at a time, ten times each; worst lateness of a wake-up:");
    println!(
        "  without the hog:  B {:6.2} ms   C {:6.2} ms",
        ms(calm_b),
        ms(calm_c)
    );
    println!(
        "  with the hog:     B {:6.2} ms   C {:6.2} ms",
        ms(late_b),
        ms(late_c)
    );
    println!(
        "the hog's longest single poll lasted {:.1} ms: for that long the loop could not \
         fire a timer, read a socket or run another task.",
        ms(hog_poll)
    );
    println!(
        "(fix: split the work with yield_now().await, or move it to a thread or process pool)"
    );
}

fn main() -> std::io::Result<()> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    let lp = EventLoop::new()?;
    part1(&lp);
    part2(&lp);
    Ok(())
}
