//! Property: spawn / await / abort / detach in arbitrary interleavings all
//! complete, and leave nothing behind: no live task, no timer, every
//! future dropped exactly once.

use homemade::event_loop::{sleep, spawn, yield_now, EventLoop, JoinHandle};
use proptest::prelude::*;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    /// Spawn a task that yields `n` times (and sleeps a little if `timer`).
    Spawn { yields: u8, timer: bool },
    /// Abort the handle at this index (modulo the number of handles).
    Abort(usize),
    /// Await the handle at this index.
    Await(usize),
    /// Drop (detach) the handle at this index.
    Detach(usize),
    /// Let the loop run a little.
    Yield,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..6, proptest::bool::ANY).prop_map(|(yields, timer)| Op::Spawn { yields, timer }),
        1 => (0usize..64).prop_map(Op::Abort),
        1 => (0usize..64).prop_map(Op::Await),
        1 => (0usize..64).prop_map(Op::Detach),
        1 => Just(Op::Yield),
    ]
}

/// Counts how many futures are alive.
struct Alive(Rc<Cell<isize>>);
impl Alive {
    fn new(c: &Rc<Cell<isize>>) -> Alive {
        c.set(c.get() + 1);
        Alive(c.clone())
    }
}
impl Drop for Alive {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn interleavings_complete_without_leaks(ops in proptest::collection::vec(op(), 1..40)) {
        let lp = EventLoop::new().unwrap();
        let alive = Rc::new(Cell::new(0isize));
        let spawned = Rc::new(Cell::new(0usize));
        let (alive2, spawned2) = (alive.clone(), spawned.clone());
        lp.block_on(async move {
            let mut handles: Vec<JoinHandle<u8>> = Vec::new();
            for op in ops {
                match op {
                    Op::Spawn { yields, timer } => {
                        let guard = Alive::new(&alive2);
                        spawned2.set(spawned2.get() + 1);
                        handles.push(spawn(async move {
                            let _guard = guard;
                            for _ in 0..yields {
                                yield_now().await;
                            }
                            if timer {
                                sleep(Duration::from_millis(1)).await;
                            }
                            yields
                        }));
                    }
                    Op::Abort(i) if !handles.is_empty() => {
                        let i = i % handles.len();
                        handles[i].abort();
                    }
                    Op::Await(i) if !handles.is_empty() => {
                        let h = handles.remove(i % handles.len());
                        match h.await {
                            Ok(_) => {}
                            Err(e) => assert!(e.is_aborted(), "{e}"),
                        }
                    }
                    Op::Detach(i) if !handles.is_empty() => {
                        drop(handles.remove(i % handles.len()));
                    }
                    Op::Yield => yield_now().await,
                    _ => {}
                }
            }
            for h in handles {
                let r = h.await;
                assert!(r.is_ok() || r.unwrap_err().is_aborted());
            }
            // Detached tasks may still be running: let them finish.
            while alive2.get() > 0 {
                sleep(Duration::from_millis(1)).await;
            }
        });
        prop_assert_eq!(alive.get(), 0);
        let stats = lp.stats();
        prop_assert_eq!(stats.tasks_alive, 0);
        prop_assert_eq!(stats.timers, 0);
    }
}
