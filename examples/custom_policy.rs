//! A run-queue policy of your own, and what it changes.
//!
//! Three tasks each do three steps, yielding between steps. Under the
//! default `Fifo` policy they take turns: A1 B1 C1 A2 B2 C2 ... The custom
//! policy below, `NewestFirst`, is a plain stack: the task that became ready
//! last runs first. With nothing else bounding it, a stack lets a busy task
//! run again and again while older ones wait; here the loop's fairness rules
//! still apply (yields wait for the end of the turn), so the tasks still all
//! finish, but in a different interleaving, which the example prints.
//!
//! A policy is the [`RunQueue`] trait: `push` a ready task, `pop` the next
//! one, say how many are queued. That is all a policy decides.
//!
//! Run: `cargo run --example custom_policy`

use std::cell::RefCell;
use std::rc::Rc;

use homemade::event_loop::{spawn, yield_now, EventLoop, Policy, ReadyTask, RunQueue};

/// The newest ready task runs first (a stack, no bound).
#[derive(Default)]
struct NewestFirst {
    stack: Vec<ReadyTask>,
}

impl RunQueue for NewestFirst {
    fn push(&mut self, task: ReadyTask) {
        self.stack.push(task);
    }

    fn pop(&mut self) -> Option<ReadyTask> {
        self.stack.pop()
    }

    fn len(&self) -> usize {
        self.stack.len()
    }
}

/// Runs the three tasks under `policy`; returns their steps in run order.
fn run(policy: Policy) -> Vec<String> {
    let lp = EventLoop::builder()
        .policy(policy)
        .build()
        .expect("an event loop (epoll and an eventfd)");
    let log = Rc::new(RefCell::new(Vec::new()));
    lp.block_on(async {
        let tasks: Vec<_> = ["A", "B", "C"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                spawn(async move {
                    for step in 1..=3 {
                        log.borrow_mut().push(format!("{name}{step}"));
                        yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("the task completes");
        }
    });
    let out = log.borrow().clone();
    out
}

fn main() {
    // `--trace FILE.json`: one Chrome trace of the whole run (README, "Watching it run").
    let (_trace, _) = homemade::trace::chrome::from_env();
    println!("Fifo:         {}", run(Policy::Fifo).join(" "));
    let custom = Policy::Custom(Box::new(NewestFirst::default()));
    println!("NewestFirst:  {}", run(custom).join(" "));
    println!("LifoSlot:     {}", run(Policy::LifoSlot).join(" "));
    println!(
        "Random(1):    {}",
        run(Policy::Random { seed: 1 }).join(" ")
    );
}
