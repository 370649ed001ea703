//! A race between tasks on one thread: see it, find it, replay it, fix it.
//!
//! Two withdrawals of 60 from an account holding 100. Each task checks the
//! balance, `await`s something (here a pretend audit log write: a
//! `yield_now`), then subtracts. The second withdrawal first looks the
//! customer up (another await). Only one task runs at a time, yet the
//! account can go negative: both checks may run before either update.
//!
//! 1. Under `Fifo` the bug never shows: the loop always picks the same
//!    interleaving, and in that one the first task updates before the
//!    second checks.
//! 2. `explore` under `Random` and under `Pct` finds a failing seed, prints
//!    it with the schedule, and this example prints the interleaving from
//!    the trace (who ran, where it stopped, what woke it).
//! 3. The seed replays the failure, exactly.
//! 4. The fix: hold the crate's async `Mutex` from the check to the update.
//!    10,000 seeds under each policy now pass.
//! 5. How many seeds does it take? For 20 different starting seeds, the
//!    number of runs until the first failure, under `Random` and `Pct`.
//!
//! Run: `cargo run --example race` (or replay one seed of step 2 with
//! `HOMEMADE_SEED=<seed> cargo run --example race`)

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use homemade::event_loop::sync::Mutex;
use homemade::event_loop::trace::note;
use homemade::event_loop::{
    explore, record, schedule_of, spawn, yield_now, EventLoop, Failure, Policy, TaskId,
};
use homemade::trace::{Event, Kind};

const START: i64 = 100;
const AMOUNT: i64 = 60;

/// How the withdrawals guard the balance.
#[derive(Clone, Copy, PartialEq)]
enum Guard {
    /// Check, await, update: the bug.
    None,
    /// The same under the async `Mutex`: the fix.
    Mutex,
}

/// The PCT settings used throughout: bugs of depth 2, about 10 polls a run.
fn pct(seed: u64) -> Policy {
    Policy::Pct {
        seed,
        depth: 2,
        steps: 10,
    }
}

/// Runs the two withdrawals once under `policy`; `Err` if the balance went
/// negative.
fn withdraw_twice(policy: Policy, guard: Guard) -> Result<(), String> {
    let lp = EventLoop::builder()
        .policy(policy)
        .build()
        .map_err(|e| format!("cannot create an event loop: {e}"))?;
    let plain = Rc::new(Cell::new(START));
    let locked = Rc::new(Mutex::new(START));
    lp.block_on(async {
        let withdraw = |look_up_first: bool| {
            let (plain, locked) = (plain.clone(), locked.clone());
            spawn(async move {
                if look_up_first {
                    note("looks the customer up");
                    yield_now().await;
                }
                match guard {
                    Guard::None => {
                        let seen = plain.get();
                        note(&format!("checks: balance {seen}"));
                        if seen >= AMOUNT {
                            note("writes the audit log");
                            yield_now().await;
                            plain.set(plain.get() - AMOUNT);
                            note(&format!("updates: balance {}", plain.get()));
                        }
                    }
                    Guard::Mutex => {
                        let mut balance = locked.lock().await;
                        if *balance >= AMOUNT {
                            yield_now().await;
                            *balance -= AMOUNT;
                        }
                    }
                }
            })
        };
        let (a, b) = (withdraw(false), withdraw(true));
        let _ = a.await;
        let _ = b.await;
    });
    let balance = match guard {
        Guard::None => plain.get(),
        Guard::Mutex => locked.try_lock().map(|b| *b).unwrap_or(START),
    };
    if balance < 0 {
        Err(format!("the balance went negative: {balance}"))
    } else {
        Ok(())
    }
}

/// Prints a recorded run as an interleaving of the two withdrawals.
fn print_interleaving(trace: &[Event]) {
    let names: HashMap<TaskId, &str> = [
        (TaskId::MAIN, "main"),
        (TaskId(1), "withdraw A"),
        (TaskId(2), "withdraw B"),
    ]
    .into();
    let name = |id: &TaskId| names.get(id).copied().unwrap_or("?");
    for ev in trace {
        match &ev.kind {
            Kind::Polled { task } if *task != TaskId::MAIN => {
                println!("    {} runs", name(task))
            }
            Kind::Note {
                task: Some(task),
                text,
            } => println!("      {}: {text}", name(task)),
            Kind::Woken { task, by } if *task != TaskId::MAIN => {
                println!("      ({} woken by {by})", name(task))
            }
            Kind::Ready { task } if *task != TaskId::MAIN => {
                println!("    {} is done", name(task))
            }
            _ => {}
        }
    }
}

/// Steps 2 and 3 for one policy.
fn find_and_replay(label: &str, policy_for: fn(u64) -> Policy) -> Option<Failure> {
    println!("\n2. explore under {label}:");
    let failure = explore(1_000, |seed| withdraw_twice(policy_for(seed), Guard::None))?;
    println!(
        "   found after {} run(s): seed {}: {}",
        failure.runs, failure.seed, failure.message
    );
    println!("   the interleaving, from the trace:");
    print_interleaving(&failure.trace);
    let (again, trace) = record(|| withdraw_twice(policy_for(failure.seed), Guard::None));
    let same = schedule_of(&trace) == failure.schedule;
    println!(
        "3. replaying seed {}: {} (same schedule: {same})",
        failure.seed,
        match &again {
            Ok(()) => "passed".to_string(),
            Err(e) => e.clone(),
        }
    );
    Some(failure)
}

/// Runs until the first failing seed from `first` on (at most `limit`).
fn runs_to_find(first: u64, limit: u64, policy_for: fn(u64) -> Policy) -> Option<u64> {
    (0..limit).find_map(|i| {
        withdraw_twice(policy_for(first + i), Guard::None)
            .err()
            .map(|_| i + 1)
    })
}

fn main() {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    println!("1. Fifo: {:?}", withdraw_twice(Policy::Fifo, Guard::None));
    let found_random = find_and_replay("Random", |seed| Policy::Random { seed });
    let found_pct = find_and_replay("Pct { depth: 2, steps: 10 }", pct);
    if found_random.is_none() || found_pct.is_none() {
        println!("   (no failing seed found)");
    }
    if std::env::var_os("HOMEMADE_SEED").is_some() {
        return; // a replay: steps 4 and 5 explore many seeds on purpose
    }

    println!("\n4. the fix: the async Mutex held from the check to the update");
    for (label, policy_for) in [
        (
            "Random",
            (|seed| Policy::Random { seed }) as fn(u64) -> Policy,
        ),
        ("Pct", pct),
    ] {
        let failure = explore(10_000, |seed| {
            withdraw_twice(policy_for(seed), Guard::Mutex)
        });
        match failure {
            None => println!("   {label}: 10,000 seeds, no failure"),
            Some(f) => println!("   {label}: still fails: {f}"),
        }
    }

    println!("\n5. runs until the bug is found, for 20 starting seeds (0, 1000, ..., 19000):");
    for (label, policy_for) in [
        (
            "Random",
            (|seed| Policy::Random { seed }) as fn(u64) -> Policy,
        ),
        ("Pct", pct),
    ] {
        let runs: Vec<u64> = (0..20)
            .map(|k| runs_to_find(k * 1_000, 1_000, policy_for).unwrap_or(u64::MAX))
            .collect();
        let worst = runs.iter().max().copied().unwrap_or(0);
        let mean = runs.iter().sum::<u64>() as f64 / runs.len() as f64;
        println!("   {label:6}: {runs:?}  (worst {worst}, mean {mean:.2})");
    }
}
