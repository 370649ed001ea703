//! Properties of the critical-path bound (`carts::bound`): it is a *lower*
//! bound, so no valid schedule may beat it, and it is at least each of its
//! two rules. The valid schedule here is the simplest one: every cart is
//! priced, without preemption, on the first core that is free once its
//! response has arrived (what `pipelined` does, in an ideal world).

use homemade::carts::bars::union_len_ns;
use homemade::carts::bound::{CartCost, CriticalPath};
use proptest::prelude::*;

/// Makespan of greedy list scheduling: carts in arrival order, each on the
/// core that frees first, starting no earlier than its arrival.
fn greedy_makespan(costs: &[CartCost], cores: usize) -> f64 {
    let mut order: Vec<&CartCost> = costs.iter().collect();
    order.sort_by(|a, b| a.latency_s.total_cmp(&b.latency_s));
    let mut free = vec![0.0f64; cores];
    let mut end = 0.0f64;
    for c in order {
        let (core, at) = free
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        let start = at.max(c.latency_s);
        free[core] = start + c.compute_s;
        end = end.max(free[core]);
    }
    end
}

fn costs() -> impl Strategy<Value = Vec<CartCost>> {
    prop::collection::vec((0.0f64..5.0, 0.0f64..5.0), 1..40).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (latency_s, compute_s))| CartCost {
                id: i as u64 + 1,
                latency_s,
                compute_s,
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_schedule_beats_the_bound(costs in costs(), cores in 1usize..6) {
        let bound = CriticalPath::compute(&costs, cores);
        let greedy = greedy_makespan(&costs, cores);
        prop_assert!(bound.seconds <= greedy + 1e-9, "bound {} > schedule {}", bound.seconds, greedy);
    }

    #[test]
    fn the_bound_is_at_least_each_rule(costs in costs(), cores in 1usize..6) {
        let bound = CriticalPath::compute(&costs, cores);
        let chain = costs.iter().map(|c| c.latency_s + c.compute_s).fold(0.0, f64::max);
        let work = costs.iter().map(|c| c.compute_s).sum::<f64>() / cores as f64;
        prop_assert!(bound.seconds + 1e-9 >= chain);
        prop_assert!(bound.seconds + 1e-9 >= work);
        // With one core and everything arriving at once, greedy is optimal.
        if cores == 1 && costs.iter().all(|c| c.latency_s == 0.0) {
            prop_assert!((bound.seconds - greedy_makespan(&costs, 1)).abs() < 1e-9);
        }
    }

    #[test]
    fn union_lies_between_the_longest_and_the_sum(
        spans in prop::collection::vec((0u64..1000, 0u64..1000), 0..30)
    ) {
        let spans: Vec<(u64, u64)> = spans.into_iter().map(|(a, b)| (a, a + b)).collect();
        let union = union_len_ns(spans.iter().copied());
        let longest = spans.iter().map(|(s, e)| e - s).max().unwrap_or(0);
        let sum: u64 = spans.iter().map(|(s, e)| e - s).sum();
        prop_assert!(longest <= union && union <= sum);
    }
}
