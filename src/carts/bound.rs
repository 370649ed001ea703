//! The critical-path lower bound: no schedule can beat it.
//!
//! Every strategy fetches carts and prices them. Cart `i` cannot be priced
//! before its response arrives (after its network latency `Lᵢ`), and pricing
//! it takes `Cᵢ` of CPU time on one core. With `P` cores, two facts bound
//! the total time `T` of *any* strategy from below:
//!
//! 1. **One cart's chain.** Cart `i` waits `Lᵢ` and then computes `Cᵢ`, and
//!    the two cannot overlap: `T ≥ max over i of (Lᵢ + Cᵢ)`.
//! 2. **The cores' capacity after a moment `t`.** The carts whose responses
//!    arrive at or after `t` (all fetches start at time 0, so that is the
//!    carts with `Lᵢ ≥ t`) still need all their CPU time after `t`, shared by
//!    `P` cores: `T ≥ t + (Σ over Lᵢ ≥ t of Cᵢ) / P`. Taking `t = 0` gives
//!    the familiar `Σ Cᵢ / P`.
//!
//! [`CriticalPath::compute`] takes the largest of all of these.
//!
//! ## The explainer's numbers
//!
//! The explainer's program fetches carts 1..5 with `sleep(id)` seconds of
//! latency each and then spends `sleep(id)` seconds "computing" each one. Cart
//! 5 alone waits 5 s and computes 5 s, so by rule 1 nothing can finish in less
//! than 10 s, whatever the number of cores. The explainer's "roughly 5-6
//! seconds" cannot happen; its own program (gather everything, *then* map) is
//! bounded by `max Lᵢ + max Cᵢ` = 10 s too, because nothing is computed before
//! the slowest fetch returns. With our default unit of 100 ms, that is 1.0 s.
//!
//! ## Measured, not assumed
//!
//! The report feeds the bound with the latencies and CPU times the
//! `sequential` strategy *measured* (one cart at a time, so nothing else
//! disturbs them), and the machine's core count. The ratio "total / bound"
//! in the table therefore says how much of the unavoidable time each strategy
//! wasted.
//!
//! Read next: `report.rs`.

use serde::Serialize;

/// The measured cost of one cart.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CartCost {
    /// Cart id.
    pub id: u64,
    /// Network latency: request sent to response parsed, in seconds.
    pub latency_s: f64,
    /// CPU time of the pricing kernel, in seconds.
    pub compute_s: f64,
}

/// The lower bound and which rule produced it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The bound, in seconds.
    pub seconds: f64,
    /// Rule 1: the longest single chain `Lᵢ + Cᵢ`.
    pub longest_chain_s: f64,
    /// Rule 2: the best capacity bound `t + Σ Cᵢ / P`.
    pub capacity_s: f64,
    /// The cart whose chain is longest.
    pub longest_cart: u64,
    /// Cores assumed (`P`).
    pub cores: usize,
}

impl CriticalPath {
    /// The bound for these carts on `cores` cores (at least 1).
    pub fn compute(costs: &[CartCost], cores: usize) -> CriticalPath {
        let p = cores.max(1) as f64;
        let mut longest_chain_s = 0.0;
        let mut longest_cart = 0;
        for c in costs {
            let chain = c.latency_s + c.compute_s;
            if chain > longest_chain_s {
                longest_chain_s = chain;
                longest_cart = c.id;
            }
        }
        let mut capacity_s: f64 = costs.iter().map(|c| c.compute_s).sum::<f64>() / p;
        for t in costs.iter().map(|c| c.latency_s) {
            let later: f64 = costs
                .iter()
                .filter(|c| c.latency_s >= t)
                .map(|c| c.compute_s)
                .sum();
            capacity_s = capacity_s.max(t + later / p);
        }
        CriticalPath {
            seconds: longest_chain_s.max(capacity_s),
            longest_chain_s,
            capacity_s,
            longest_cart,
            cores: cores.max(1),
        }
    }

    /// The bound for ideal costs: latency and CPU time both `id × unit`.
    pub fn ideal(ids: &[u64], unit_s: f64, cores: usize) -> CriticalPath {
        let costs: Vec<CartCost> = ids
            .iter()
            .map(|&id| CartCost {
                id,
                latency_s: id as f64 * unit_s,
                compute_s: id as f64 * unit_s,
            })
            .collect();
        CriticalPath::compute(&costs, cores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_explainers_parameters_give_ten_units_on_any_core_count() {
        for cores in [1usize, 2, 5, 64] {
            let b = CriticalPath::ideal(&[1, 2, 3, 4, 5], 1.0, cores);
            if cores == 1 {
                // One core: 1 s of waiting, then 15 s of CPU: 16 s.
                assert!((b.seconds - 16.0).abs() < 1e-9, "{b:?}");
            } else {
                assert!((b.seconds - 10.0).abs() < 1e-9, "{cores}: {b:?}");
                assert_eq!(b.longest_cart, 5);
            }
        }
    }

    #[test]
    fn many_carts_are_bounded_by_the_cores_capacity() {
        let ids: Vec<u64> = (1..=208).collect();
        let b = CriticalPath::ideal(&ids, 0.001, 2);
        // Σ i for 1..=208 is 21736 ms of CPU on 2 cores. The best moment is
        // t = 2 ms: cart 1 is done by then, 21735 ms remain: 2 + 10867.5 ms.
        assert!((b.seconds - 10.8695).abs() < 1e-6, "{b:?}");
        assert!(b.capacity_s > b.longest_chain_s);
    }
}
