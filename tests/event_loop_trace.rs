//! The trace recorder: records nothing while off; while on, it records
//! spawns, polls with their outcome, wakes with their cause (timer, I/O,
//! task, yield) and reactor polls, with non-decreasing timestamps.

use homemade::event_loop::net::{TcpListener, TcpStream};
use homemade::event_loop::{sleep, spawn, yield_now, EventLoop, TaskId, WakeSource};
use homemade::trace::Kind;
use std::time::Duration;

async fn workload() -> (TaskId, TaskId, TaskId) {
    let sleeper = spawn(async { sleep(Duration::from_millis(2)).await });
    let yielder = spawn(async { yield_now().await });
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let mut b = [0u8; 1];
        s.read(&mut b).await.unwrap();
    });
    let ids = (sleeper.id(), yielder.id(), acceptor.id());
    let c = TcpStream::connect(addr).await.unwrap();
    sleep(Duration::from_millis(5)).await;
    c.write_all(b"x").await.unwrap();
    sleeper.await.unwrap();
    yielder.await.unwrap();
    acceptor.await.unwrap();
    ids
}

#[test]
fn trace_is_empty_when_off() {
    let lp = EventLoop::new().unwrap();
    lp.block_on(workload());
    assert!(lp.recorder().take().is_empty());
}

#[test]
fn trace_records_causes() {
    let lp = EventLoop::new().unwrap();
    lp.recorder().enable();
    let (sleeper, yielder, acceptor) = lp.block_on(workload());
    let trace = lp.recorder().take();
    let has = |k: Kind| trace.iter().any(|e| e.kind == k);
    for t in [sleeper, yielder, acceptor] {
        assert!(has(Kind::Spawned {
            task: t,
            by: Some(TaskId::MAIN)
        }));
        assert!(has(Kind::Polled { task: t }));
        assert!(has(Kind::Ready { task: t }));
    }
    assert!(has(Kind::Pending { task: sleeper }));
    assert!(has(Kind::Woken {
        task: sleeper,
        by: WakeSource::Timer
    }));
    assert!(has(Kind::Woken {
        task: yielder,
        by: WakeSource::Yield
    }));
    assert!(has(Kind::Woken {
        task: acceptor,
        by: WakeSource::Io
    }));
    // main awaited the join handles: the tasks woke it.
    assert!(trace.iter().any(|e| matches!(
        e.kind,
        Kind::Woken {
            task: TaskId::MAIN,
            by: WakeSource::Task(_)
        }
    )));
    assert!(trace
        .iter()
        .any(|e| matches!(e.kind, Kind::ReactorPoll { events, .. } if events > 0)));
    assert!(trace.windows(2).all(|w| w[0].at <= w[1].at));
    // Taking empties the recorder.
    assert!(lp.recorder().take().is_empty());
}
