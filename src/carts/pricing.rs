//! The pricing kernel: the CPU work done for each cart.
//!
//! The explainer's closing program "computes" a cart's total with
//! `time.sleep(cart["id"])`: a sleep standing in for CPU work. A sleep does not
//! need a core, so it cannot show what the GIL or a core count does to real
//! computation. This kernel does real arithmetic instead, a calibrated amount
//! of it, and still returns the exact answer.
//!
//! ## What it computes
//!
//! For every product line the kernel recomputes, in integer cents, what the
//! data says:
//!
//! * `total = price × quantity` (the price converted to cents first);
//! * `discounted total = total × (10000 − discount in basis points) / 10000`,
//!   rounded half up.
//!
//! On the 800 product lines of the embedded data both recomputations agree with
//! dummyjson's `total` and `discountedTotal` to the cent; the cart's total is
//! the sum of its lines. The returned [`Priced::total_cents`] is what the
//! kernel computed, not a copy of the data's field, so the grand-total check in
//! the report really checks the work.
//!
//! ## How much of it: `id × unit`
//!
//! One *round* recomputes [`LINES_PER_ROUND`] product lines (cycling over the
//! cart's products, so a round costs the same for a cart of one product as for
//! a cart of six). [`Calibration::measure`] times rounds at start-up and
//! derives how many rounds make one millisecond on this machine; a cart with id
//! `i` then runs `i × unit × rounds_per_ms` rounds ([`Effort::for_cart`]).
//! `std::hint::black_box` keeps the optimiser from hoisting the loop-invariant
//! arithmetic out of the loop, so every round is really executed.
//!
//! ## The GIL hook
//!
//! The `threads+gil` strategy needs the kernel to behave like Python bytecode:
//! every so often (every [`Effort::Spin::tick_every`] rounds, about 50 µs of
//! work) it calls [`Pacer::tick`], where the strategy calls `GilGuard::tick()`
//! and may hand the GIL to another thread. Strategies without a GIL pass
//! [`NoPacer`].
//!
//! ## `--work sleep`
//!
//! [`Effort::Sleep`] reproduces the explainer literally: the kernel sleeps
//! `id × unit` (through [`Pacer::sleep`], so that a GIL strategy can release
//! the GIL while sleeping, as Python's `time.sleep` does) and then computes the
//! total once.
//!
//! Read next: `strategies.rs` (who calls the kernel, on which thread or
//! process).

use super::bars::thread_cpu_ns;
use super::model::Cart;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::Duration;

/// Product lines recomputed per round of the kernel.
pub const LINES_PER_ROUND: usize = 8;

/// How long a stretch of work lasts between two [`Pacer::tick`] calls.
const TICK_PERIOD_MS: f64 = 0.05;

/// What the CPU work of a cart is made of (the `--work` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Work {
    /// Real arithmetic, calibrated to `id × unit` of CPU time.
    Compute,
    /// `sleep(id × unit)`, as in the explainer (a sleep needs no core).
    Sleep,
}

/// The amount of work for one cart, decided by the parent and carried to
/// whoever prices the cart (a thread, the loop, or a worker process).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effort {
    /// Run `rounds` rounds of the kernel, calling the pacer every `tick_every`.
    Spin {
        /// Number of rounds.
        rounds: u64,
        /// Rounds between two calls of [`Pacer::tick`] (at least 1).
        tick_every: u64,
    },
    /// Sleep this many microseconds, then compute the total once.
    Sleep {
        /// Sleep length in microseconds.
        micros: u64,
    },
}

impl Effort {
    /// The effort for cart `id`: `id × unit` of work of the given kind.
    pub fn for_cart(id: u64, unit: Duration, work: Work, calibration: &Calibration) -> Effort {
        let ms = id as f64 * unit.as_secs_f64() * 1e3;
        match work {
            Work::Compute => Effort::Spin {
                rounds: (ms * calibration.rounds_per_ms).round() as u64,
                tick_every: calibration.tick_every(),
            },
            Work::Sleep => Effort::Sleep {
                micros: (ms * 1e3).round() as u64,
            },
        }
    }
}

/// How many kernel rounds make a millisecond of CPU time on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// Rounds per millisecond of one core.
    pub rounds_per_ms: f64,
}

impl Calibration {
    /// Times the kernel for about 40 ms of this thread's *CPU time* and keeps
    /// the fastest sample.
    ///
    /// Measuring CPU time rather than wall time keeps the unit honest on a
    /// busy machine: a round costs the same CPU time whether or not another
    /// program competes for the core. When one does, a cart simply takes
    /// longer than `id × unit` of wall time, and the report shows the real,
    /// measured times.
    pub fn measure() -> Calibration {
        let cart = sample_cart();
        let mut best = 0.0f64;
        let mut batch = 256u64;
        let started = thread_cpu_ns();
        while thread_cpu_ns() - started < 40_000_000 {
            let t = thread_cpu_ns();
            black_box(spin(&cart, batch, u64::MAX, &mut NoPacer));
            let ms = (thread_cpu_ns() - t) as f64 / 1e6;
            if ms < 1.0 {
                batch *= 2; // too short to time well: make it longer
                continue;
            }
            best = best.max(batch as f64 / ms);
        }
        Calibration {
            rounds_per_ms: best.max(1.0),
        }
    }

    /// A calibration with a fixed rate (tests, and runs that want to replay one).
    pub fn fixed(rounds_per_ms: f64) -> Calibration {
        Calibration {
            rounds_per_ms: rounds_per_ms.max(1.0),
        }
    }

    /// Rounds between two pacer ticks (about 50 µs of work).
    pub fn tick_every(&self) -> u64 {
        ((self.rounds_per_ms * TICK_PERIOD_MS) as u64).max(1)
    }
}

/// Called by the kernel between stretches of work; the GIL strategy hands
/// the GIL over here.
pub trait Pacer {
    /// A stretch of about 50 µs of work has just finished.
    fn tick(&mut self);
    /// Sleep for `d` (the `--work sleep` stand-in for CPU work).
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// The pacer of every strategy without a GIL: ticks do nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPacer;

impl Pacer for NoPacer {
    fn tick(&mut self) {}
}

/// A cart to price and how much work that takes: what travels to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceJob {
    /// The cart as fetched.
    pub cart: Cart,
    /// How much work to do for it.
    pub effort: Effort,
}

/// The answer for one cart, with when and where it was computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priced {
    /// The cart's id.
    pub id: u64,
    /// The recomputed total, in cents.
    pub total_cents: i64,
    /// The recomputed discounted total, in cents.
    pub discounted_cents: i64,
    /// A value folded from every round (keeps the work observable).
    pub checksum: u64,
    /// Process that did the work.
    pub pid: u32,
    /// When the work started ([`super::bars::now_ns`]: `CLOCK_MONOTONIC`,
    /// shared with the parent when a worker process did the work).
    pub started_ns: u64,
    /// When the work ended ([`super::bars::now_ns`]).
    pub ended_ns: u64,
    /// CPU time the pricing thread really consumed, in nanoseconds. Under the
    /// GIL or on a busy machine it is less than `ended_ns - started_ns`; with
    /// `--work sleep` it is close to zero.
    pub cpu_ns: u64,
}

/// Prices a job with no pacer: what a worker process runs.
pub fn price_job(job: PriceJob) -> Priced {
    price(&job.cart, job.effort, &mut NoPacer)
}

/// Prices one cart: does its calibrated work, then returns the exact totals.
pub fn price(cart: &Cart, effort: Effort, pacer: &mut dyn Pacer) -> Priced {
    let started_ns = super::bars::now_ns();
    let cpu_start = thread_cpu_ns();
    let checksum = match effort {
        Effort::Spin { rounds, tick_every } => spin(cart, rounds, tick_every.max(1), pacer),
        Effort::Sleep { micros } => {
            pacer.sleep(Duration::from_micros(micros));
            0
        }
    };
    let (total_cents, discounted_cents) = cart_totals(cart);
    let cpu_ns = thread_cpu_ns().saturating_sub(cpu_start);
    Priced {
        id: cart.id,
        total_cents,
        discounted_cents,
        checksum,
        pid: std::process::id(),
        started_ns,
        ended_ns: super::bars::now_ns(),
        cpu_ns,
    }
}

/// The cart's total and discounted total in cents, recomputed line by line.
pub fn cart_totals(cart: &Cart) -> (i64, i64) {
    cart.products
        .iter()
        .map(|p| line_totals(p.price, p.quantity, p.discount_percentage))
        .fold((0, 0), |(t, d), (lt, ld)| (t + lt, d + ld))
}

/// One product line: `(total, discounted total)` in cents.
fn line_totals(price: f64, quantity: u64, discount_percent: f64) -> (i64, i64) {
    let price_cents = (price * 100.0).round() as i64;
    let total = price_cents * quantity as i64;
    let keep_bp = 10_000 - (discount_percent * 100.0).round() as i64;
    let discounted = (total * keep_bp + 5_000).div_euclid(10_000);
    (total, discounted)
}

/// The work loop: `rounds` rounds of [`LINES_PER_ROUND`] line recomputations.
fn spin(cart: &Cart, rounds: u64, tick_every: u64, pacer: &mut dyn Pacer) -> u64 {
    if cart.products.is_empty() {
        return 0;
    }
    let mut checksum = 0u64;
    let mut until_tick = tick_every;
    for round in 0..rounds {
        // black_box: the optimiser must assume the products changed, so it
        // cannot compute the (loop-invariant) totals once and reuse them.
        let products = black_box(&cart.products);
        for k in 0..LINES_PER_ROUND {
            let p = &products[(round as usize * LINES_PER_ROUND + k) % products.len()];
            let (t, d) = line_totals(p.price, p.quantity, p.discount_percentage);
            checksum = checksum.rotate_left(7) ^ (t as u64).wrapping_mul(31) ^ d as u64;
        }
        until_tick -= 1;
        if until_tick == 0 {
            until_tick = tick_every;
            pacer.tick();
        }
    }
    checksum
}

/// A cart with a few typical products, used to calibrate.
fn sample_cart() -> Cart {
    super::model::CartStore::embedded()
        .get(1)
        .cloned()
        .expect("the embedded data has cart 1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carts::{cents, CartStore};

    #[test]
    fn recomputed_totals_match_the_data_for_every_cart() {
        for cart in CartStore::embedded().all() {
            assert_eq!(
                cart_totals(cart),
                (cents(cart.total), cents(cart.discounted_total))
            );
            for p in &cart.products {
                let (t, d) = line_totals(p.price, p.quantity, p.discount_percentage);
                assert_eq!((t, d), (cents(p.total), cents(p.discounted_total)));
            }
        }
    }

    #[test]
    fn the_pacer_ticks_every_tick_every_rounds() {
        struct Count(u64);
        impl Pacer for Count {
            fn tick(&mut self) {
                self.0 += 1;
            }
        }
        let cart = sample_cart();
        let mut count = Count(0);
        let effort = Effort::Spin {
            rounds: 1000,
            tick_every: 10,
        };
        let priced = price(&cart, effort, &mut count);
        assert_eq!(count.0, 100);
        assert_eq!(priced.total_cents, cents(cart.total));
    }

    #[test]
    fn effort_scales_with_the_cart_id() {
        let cal = Calibration::fixed(1000.0);
        let unit = Duration::from_millis(2);
        let e3 = Effort::for_cart(3, unit, Work::Compute, &cal);
        assert_eq!(
            e3,
            Effort::Spin {
                rounds: 6000,
                tick_every: 50
            }
        );
        let s3 = Effort::for_cart(3, unit, Work::Sleep, &cal);
        assert_eq!(s3, Effort::Sleep { micros: 6000 });
    }

    #[test]
    fn calibration_gives_a_positive_rate() {
        assert!(Calibration::measure().rounds_per_ms >= 1.0);
    }
}
