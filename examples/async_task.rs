//! The explainer's first async program, on the homemade event loop.
//!
//! ```text
//! async def task():            async fn task() {
//!     print("Start Task")          println!("Start Task");
//!     await asyncio.sleep(3)       sleep(3 s).await;
//!     print("Task Complete")       println!("Task Complete");
//! async def main():            }
//!     print("Before Task")     main: println!("Before Task"); task().await; println!("After Task");
//!     await task()
//!     print("After Task")
//! asyncio.run(main())          EventLoop::new()?.block_on(main())
//! ```
//!
//! Each line is printed with the time elapsed since the start. While the task
//! sleeps, the thread is not blocked: the loop waits in `epoll_wait` with a
//! 3-second timeout (the trace at the end shows it).
//!
//! Run: `cargo run --example async_task` (`-- --sleep-ms 500` for a shorter wait).

use homemade::event_loop::{sleep, EventLoop};
use homemade::trace::Kind;
use std::time::{Duration, Instant};

fn sleep_ms_arg() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--sleep-ms") {
        Some(i) => match args.get(i + 1).and_then(|v| v.parse().ok()) {
            Some(ms) => ms,
            None => {
                eprintln!("usage: async_task [--sleep-ms MILLISECONDS]");
                std::process::exit(2);
            }
        },
        None => 3000,
    }
}

fn main() -> std::io::Result<()> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    let sleep_ms = sleep_ms_arg();
    let start = Instant::now();
    let say = move |what: &str| println!("[{:7.3} s] {what}", start.elapsed().as_secs_f64());

    async fn task(say: impl Fn(&str), sleep_ms: u64) {
        say("Start Task");
        sleep(Duration::from_millis(sleep_ms)).await; // non-blocking wait
        say("Task Complete");
    }

    let lp = EventLoop::new()?;
    lp.recorder().enable();
    lp.block_on(async {
        say("Before Task");
        task(say, sleep_ms).await;
        say("After Task");
    });

    println!("\nWhat the loop did meanwhile (from its trace):");
    for ev in lp.recorder().take() {
        if let Kind::ReactorPoll { .. } | Kind::TimersFired { .. } = ev.kind {
            println!("  {ev}");
        }
    }
    Ok(())
}
