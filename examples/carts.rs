//! The explainer's closing program on the library's API: fetch carts 1..5
//! concurrently (`gather` on our event loop, our HTTP client), then price them
//! on the process pool (`map`), printing its lines with measured times.
//! Run: `cargo run --release --example carts`. `homemade carts` does the same
//! and seven other ways, side by side.
use homemade::carts::pricing::{price_job, Calibration, Effort, PriceJob, Work};
use homemade::carts::{report::money, routes::EmbeddedServer, Cart};
use homemade::process_pool::ProcessPool;
use homemade::{event_loop::gather, event_loop::EventLoop, http::Client};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    let pool = ProcessPool::new(5, price_job)?; // fork first, while single-threaded
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into())?;
    let (ids, unit) = ([1u64, 2, 3, 4, 5], Duration::from_millis(100));
    let calibration = Calibration::measure();
    let naive = ids.iter().sum::<u64>() as f64 * unit.as_secs_f64();

    let start = Instant::now();
    let (lp, client) = (EventLoop::new()?, Client::new());
    let fetches = ids.iter().map(|&id| {
        let url = format!("{}/carts/{id}?delay={}", server.base_url(), id * 100);
        let client = &client;
        async move { client.get(&url).await?.json::<Cart>() }
    });
    let carts: Vec<Cart> = lp
        .block_on(gather(fetches))
        .into_iter()
        .collect::<Result<_, _>>()?;
    let fetched = start.elapsed().as_secs_f64();
    println!("All carts fetched in {fetched:.2} seconds, instead of ~{naive:.1}");

    let jobs = carts.into_iter().map(|cart| PriceJob {
        effort: Effort::for_cart(cart.id, unit, Work::Compute, &calibration),
        cart,
    });
    let priced = pool.map(jobs)?;
    println!(
        "Total price of all carts: {}",
        money(priced.iter().map(|p| p.total_cents).sum())
    );
    let total = start.elapsed().as_secs_f64();
    println!(
        "Calculation done in {:.2} seconds instead of ~{naive:.1}",
        total - fetched
    );
    println!(
        "Total elapsed time: {total:.2} seconds, instead of ~{:.1}",
        2.0 * naive
    );
    Ok(())
}
