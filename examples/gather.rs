//! `asyncio.gather` on the homemade loop: two tasks of 2 and 3 units finish
//! together in about 3 units, not 5, because they wait at the same time.
//!
//! Run: `cargo run --example gather` (one unit = 1 s), or
//! `cargo run --example gather -- --unit-ms 100` for a quick look.

use homemade::event_loop::{gather, sleep, EventLoop};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

fn unit_ms_arg() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--unit-ms") {
        Some(i) => match args.get(i + 1).and_then(|v| v.parse::<u64>().ok()) {
            Some(ms) if ms > 0 => ms,
            _ => {
                eprintln!("usage: gather [--unit-ms MILLISECONDS>0]   (default 1000)");
                std::process::exit(2);
            }
        },
        None => 1000,
    }
}

fn main() -> std::io::Result<()> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    let unit = Duration::from_millis(unit_ms_arg());
    let start = Instant::now();
    let at = move || format!("[{:6.3} s]", start.elapsed().as_secs_f64());

    let task = move |n: u32, units: u32| async move {
        println!("{} Task {n} Start ({units} units)", at());
        sleep(unit * units).await;
        println!("{} Task {n} Done", at());
        units
    };

    let lp = EventLoop::new()?;
    let tasks: Vec<Pin<Box<dyn Future<Output = u32>>>> =
        vec![Box::pin(task(1, 2)), Box::pin(task(2, 3))];
    let units = lp.block_on(gather(tasks));
    let took = start.elapsed();

    let sequential: u32 = units.iter().sum();
    println!(
        "\ngather finished in {:.3} s = {:.2} units (one after the other: {} units = {:.3} s)",
        took.as_secs_f64(),
        took.as_secs_f64() / unit.as_secs_f64(),
        sequential,
        (unit * sequential).as_secs_f64()
    );
    Ok(())
}
