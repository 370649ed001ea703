//! A run queue written outside the crate drives the loop: the order it
//! pops is the order tasks run, every pushed task comes back, and the loop
//! tells it when each task completes (`forget`), so it can drop what it
//! remembered about the task.

use std::cell::RefCell;
use std::rc::Rc;

use homemade::event_loop::{spawn, EventLoop, Policy, ReadyTask, RunQueue, TaskId};

/// A stack (newest first) that logs what the loop tells it.
struct Stack {
    tasks: Vec<ReadyTask>,
    forgotten: Rc<RefCell<Vec<TaskId>>>,
}

impl RunQueue for Stack {
    fn push(&mut self, task: ReadyTask) {
        self.tasks.push(task);
    }
    fn pop(&mut self) -> Option<ReadyTask> {
        self.tasks.pop()
    }
    fn len(&self) -> usize {
        self.tasks.len()
    }
    fn forget(&mut self, task: TaskId) {
        self.forgotten.borrow_mut().push(task);
    }
}

#[test]
fn a_custom_run_queue_decides_the_order() {
    let forgotten = Rc::new(RefCell::new(Vec::new()));
    let stack = Stack {
        tasks: Vec::new(),
        forgotten: forgotten.clone(),
    };
    let lp = EventLoop::builder()
        .policy(Policy::Custom(Box::new(stack)))
        .build()
        .unwrap();
    let ran = Rc::new(RefCell::new(Vec::new()));
    let ids = lp.block_on(async {
        let handles: Vec<_> = (0..5)
            .map(|i| {
                let ran = ran.clone();
                spawn(async move { ran.borrow_mut().push(i) })
            })
            .collect();
        let ids: Vec<TaskId> = handles.iter().map(|h| h.id()).collect();
        for h in handles {
            h.await.unwrap();
        }
        ids
    });
    // Spawned 0..5 while main ran; the stack pops the newest first.
    assert_eq!(*ran.borrow(), vec![4, 3, 2, 1, 0]);
    let mut forgot = forgotten.borrow().clone();
    forgot.sort();
    assert_eq!(forgot, ids, "every completed task was forgotten once");
    assert_eq!(lp.stats().tasks_alive, 0);
}
