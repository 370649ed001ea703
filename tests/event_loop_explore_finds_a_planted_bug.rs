//! `explore` finds a planted check-then-act race, reports the seed and the
//! schedule, and that seed replays the failure: through the builder, and
//! through `HOMEMADE_SEED`. Under `Fifo` the same program never fails,
//! which is why the exploration is needed at all.

use std::cell::Cell;
use std::rc::Rc;

use homemade::event_loop::{explore, record, schedule_of, spawn, yield_now, EventLoop, Policy};

/// Two withdrawals of 60 from a balance of 100. The second looks the
/// customer up first (an await); both check the balance, await, then
/// subtract: the race shows when both checks run before either update.
fn withdraw_twice(policy: Policy) -> Result<(), String> {
    let lp = EventLoop::builder().policy(policy).build().unwrap();
    let balance = Rc::new(Cell::new(100i64));
    lp.block_on(async {
        let withdraw = |look_up_first: bool| {
            let balance = balance.clone();
            spawn(async move {
                if look_up_first {
                    yield_now().await;
                }
                if balance.get() >= 60 {
                    yield_now().await; // the await between check and update
                    balance.set(balance.get() - 60);
                }
            })
        };
        let (a, b) = (withdraw(false), withdraw(true));
        a.await.unwrap();
        b.await.unwrap();
    });
    match balance.get() {
        b if b < 0 => Err(format!("the balance went negative: {b}")),
        _ => Ok(()),
    }
}

#[test]
fn explore_finds_the_race_and_its_seed_replays_it() {
    assert_eq!(withdraw_twice(Policy::Fifo), Ok(()), "Fifo never shows it");
    let failure = explore(100, |seed| withdraw_twice(Policy::Random { seed }))
        .expect("100 random schedules find the race");
    assert!(failure.message.contains("negative"), "{}", failure.message);
    assert!(failure.schedule.len() >= 5, "{:?}", failure.schedule);
    assert_eq!(failure.schedule, schedule_of(&failure.trace));
    assert!(failure
        .to_string()
        .contains(&format!("HOMEMADE_SEED={}", failure.seed)));

    // Replaying through the builder: same result, same schedule.
    let (again, trace) = record(|| withdraw_twice(Policy::Random { seed: failure.seed }));
    assert!(again.is_err());
    assert_eq!(schedule_of(&trace), failure.schedule);

    // Replaying through the environment: explore runs only that seed.
    // (The only test in this binary, so no other test sees the variable.)
    std::env::set_var("HOMEMADE_SEED", failure.seed.to_string());
    let replayed = explore(1_000, |seed| withdraw_twice(Policy::Random { seed }));
    std::env::remove_var("HOMEMADE_SEED");
    let replayed = replayed.expect("the replayed seed fails again");
    assert_eq!(replayed.seed, failure.seed);
    assert_eq!(replayed.runs, 1);
    assert_eq!(replayed.schedule, failure.schedule);

    // A panicking body is a failure too, with its message.
    let panicked = explore(3, |seed| -> Result<(), String> {
        withdraw_twice(Policy::Fifo)?; // never fails: the panic is the failure
        panic!("planted panic at seed {seed}")
    })
    .expect("the panic is reported");
    assert!(
        panicked.message.contains("planted panic"),
        "{}",
        panicked.message
    );
}
