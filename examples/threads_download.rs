//! The explainer's threading program: three "downloads" on three OS threads,
//! done in the time of one.
//!
//! Each download is a blocking GET (`http::blocking::get`) of a page that the
//! embedded server holds for 2 seconds (`?delay=2000`), so the time goes into
//! waiting on the network, as in the explainer (where `time.sleep(2)` stands in
//! for it). While a thread waits in `read`, the kernel runs the others: three
//! waits of 2 s overlap into about 2 s, where one thread would need about 6 s.
//!
//! Run: `cargo run --release --example threads_download [DELAY_MS]`.

use homemade::carts::routes::EmbeddedServer;
use homemade::http;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, args) = homemade::trace::chrome::from_env();
    let delay_ms: u64 = match args.first() {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("DELAY_MS: not a number: {arg:?}"))?,
        None => 2000,
    };
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into())?;
    let urls: Vec<String> = (1..=3)
        .map(|page| format!("{}/carts/{page}?delay={delay_ms}", server.base_url()))
        .collect();

    let start = Instant::now();
    let threads: Vec<_> = urls
        .iter()
        .cloned()
        .map(|url| {
            std::thread::spawn(move || -> Result<usize, http::Error> {
                println!("Downloading {url} ...");
                let response = http::blocking::get(&url)?;
                println!(
                    "Finished {url} ({} bytes, after {:.2} s)",
                    response.body.len(),
                    start.elapsed().as_secs_f64()
                );
                Ok(response.body.len())
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| "a download thread panicked")??;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "All downloads complete! {secs:.2} s on {} threads, where one thread would wait about {:.1} s.",
        urls.len(),
        urls.len() as f64 * delay_ms as f64 / 1e3
    );
    Ok(())
}
