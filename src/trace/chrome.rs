//! The Chrome Trace Event Format export: a file Perfetto UI and
//! chrome://tracing open.
//!
//! [`to_json`] turns recorded [`Event`]s into one JSON object whose
//! `traceEvents` array holds, per event, a `name`, a `cat`egory, a `ph`ase
//! letter, a `ts` in microseconds (a float: the recorder has nanoseconds),
//! a `pid` and a `tid` (the lane), and `args`:
//!
//! | `ph` | what | made from |
//! |---|---|---|
//! | `M` | names a process (`process_name`) or thread (`thread_name`) lane | every lane that appears |
//! | `X` | a complete slice with a `dur` | a task's poll (`Polled` to `Pending`/`Ready`), a thread-pool job (`JobStarted` to `JobFinished`), a process-pool job (`Sent`, or the previous reply, to `Received`), a cart's pricing (`CartSpan` price: "price cart 3", `cat` "cart", `args.cart`) |
//! | `i` | an instant | spawns, wakes, steals, promotions, parks, reactor polls, forks, crashes, notes, connections opened... |
//! | `s`/`f` | a flow arrow, start and finish | a task woken by another task: from the wake to the woken task's next poll; a job handed to the process pool: from `Submitted` to the job's slice on its worker |
//! | `b`/`e` | an async span, begin and end (paired by `cat` and `id`) | each HTTP request, with its phases (connect, head, body) nested inside; each cart's fetch (`CartSpan` fetch: "fetch cart 3", `cat` "cart", `id` the cart: many overlap on one loop's lane, which slices may not) |
//! | `C` | a counter | each loop's run-queue length, the HTTP requests in flight |
//!
//! The lanes: this process is `pid` 1, named "homemade", with one thread
//! lane per event loop, per thread-pool worker, and one for threads outside
//! every runtime; each worker process is a process of its own, its real
//! pid, with one thread lane. Events are written sorted by time.
//!
//! A slice or span still open when the trace ends (a task polled when the
//! recorder was taken, a request cut off with its loop) is closed at the
//! last timestamp, so that every begin has its end.
//!
//! [`from_args`] and [`from_env`] (in `file.rs`, re-exported here) are the
//! `--trace FILE.json` of the examples and of `homemade carts`.
//!
//! Read next: `README.md` beside this file, and `tests/trace_chrome_format.rs`
//! (the checker that keeps this file honest).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io;
use std::path::Path;

use serde_json::{json, Value};

use super::event::{CartPhase, Event, Kind, WakeSource};
pub use super::file::{from_args, from_env, TraceFile};
use super::ids::{JobId, RequestId, TaskId};
use super::lane::Lane;

/// The `pid` of this process in the export (worker processes keep theirs).
pub const MAIN_PID: i64 = 1;

/// Where a lane is drawn: `(pid, tid)`.
type Track = (i64, i64);

/// One output record, with what it is sorted by.
struct Out {
    ts: u64,
    /// Among equal `ts`: longer slices first, so that a parent comes before
    /// the child that starts with it.
    tie: i64,
    value: Value,
}

/// Converts events (any order) into a Chrome trace JSON object.
pub fn to_json(events: &[Event]) -> Value {
    let mut events: Vec<&Event> = events.iter().collect();
    events.sort_by_key(|e| e.at);
    let tracks = assign_tracks(&events);
    let mut b = Builder {
        tracks: &tracks,
        out: Vec::new(),
        next_flow: 1,
        end: events.last().map_or(0, |e| e.at.0),
    };
    b.loop_events(&events);
    b.pool_thread_events(&events);
    b.process_events(&events);
    b.http_events(&events);
    b.cart_events(&events);
    let Builder { mut out, .. } = b;
    out.sort_by_key(|o| (o.ts, o.tie));
    let mut trace: Vec<Value> = metadata(&tracks);
    trace.extend(out.into_iter().map(|o| o.value));
    json!({ "traceEvents": trace, "displayTimeUnit": "ms" })
}

/// Writes `events` as a Chrome trace to `path`.
pub fn write(path: &Path, events: &[Event]) -> io::Result<()> {
    let text = serde_json::to_string(&to_json(events)).map_err(io::Error::other)?;
    std::fs::write(path, text)
}

/// Numbers the lanes: thread lanes of this process get tids 1, 2, 3... in
/// lane order; a worker process is its own pid and tid.
fn assign_tracks(events: &[&Event]) -> BTreeMap<Lane, Track> {
    let lanes: BTreeSet<Lane> = events.iter().map(|e| e.lane).collect();
    let mut next_tid = 1;
    lanes
        .into_iter()
        .map(|lane| {
            let track = match lane {
                Lane::Worker(pid) => (i64::from(pid.0), i64::from(pid.0)),
                _ => {
                    next_tid += 1;
                    (MAIN_PID, next_tid - 1)
                }
            };
            (lane, track)
        })
        .collect()
}

/// The `M` records naming every process and thread lane.
fn metadata(tracks: &BTreeMap<Lane, Track>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut named = HashSet::new();
    for (lane, &(pid, tid)) in tracks {
        if named.insert(pid) {
            let name = match lane {
                Lane::Worker(w) => format!("worker process {}", w.0),
                _ => String::from("homemade"),
            };
            out.push(
                json!({"name": "process_name", "ph": "M", "pid": pid, "tid": tid,
                            "args": {"name": name}}),
            );
        }
        let name = match lane {
            Lane::Loop(id) => format!("event {id}"),
            Lane::PoolThread { pool, worker } => format!("thread {pool}, worker {worker}"),
            Lane::Worker(w) => format!("worker {}", w.0),
            Lane::Outside => String::from("other threads"),
            Lane::Thread(tid) => format!("thread {tid}"),
        };
        out.push(
            json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                        "args": {"name": name}}),
        );
    }
    out
}

/// Microseconds, as the format wants them.
fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

struct Builder<'a> {
    tracks: &'a BTreeMap<Lane, Track>,
    out: Vec<Out>,
    next_flow: u64,
    /// The last timestamp: where what is still open gets closed.
    end: u64,
}

impl Builder<'_> {
    fn track(&self, lane: Lane) -> Track {
        self.tracks.get(&lane).copied().unwrap_or((MAIN_PID, 0))
    }

    fn push(&mut self, ts: u64, tie: i64, value: Value) {
        self.out.push(Out { ts, tie, value });
    }

    fn complete(
        &mut self,
        lane: Lane,
        name: String,
        cat: &str,
        (from, to): (u64, u64),
        args: Value,
    ) {
        let (pid, tid) = self.track(lane);
        let dur = to.saturating_sub(from);
        let v = json!({"name": name, "cat": cat, "ph": "X", "ts": us(from), "dur": us(dur),
                       "pid": pid, "tid": tid, "args": args});
        self.push(from, -i64::try_from(dur).unwrap_or(i64::MAX), v);
    }

    fn instant(&mut self, e: &Event, cat: &str, name: String) {
        let (pid, tid) = self.track(e.lane);
        let v = json!({"name": name, "cat": cat, "ph": "i", "s": "t", "ts": us(e.at.0),
                       "pid": pid, "tid": tid, "args": {"what": e.kind.to_string()}});
        self.push(e.at.0, 0, v);
    }

    /// A flow arrow from `(from_lane, from)` to `(to_lane, to)`.
    fn flow(&mut self, name: &str, from: (Lane, u64), to: (Lane, u64)) {
        let id = self.next_flow;
        self.next_flow += 1;
        let (pid, tid) = self.track(from.0);
        let s = json!({"name": name, "cat": "flow", "ph": "s", "id": id, "ts": us(from.1),
                       "pid": pid, "tid": tid});
        self.push(from.1, 0, s);
        let (pid, tid) = self.track(to.0);
        let f = json!({"name": name, "cat": "flow", "ph": "f", "bp": "e", "id": id,
                       "ts": us(to.1), "pid": pid, "tid": tid});
        // After the slice it points into, which starts at the same time.
        self.push(to.1, 1, f);
    }

    fn counter(&mut self, lane: Lane, ts: u64, name: String, value: usize) {
        let (pid, tid) = self.track(lane);
        let v = json!({"name": name, "ph": "C", "ts": us(ts), "pid": pid, "tid": tid,
                       "args": {"value": value}});
        self.push(ts, 0, v);
    }

    /// Event-loop lanes: polls as slices, wakes with arrows, the run queue.
    fn loop_events(&mut self, events: &[&Event]) {
        let mut polling: HashMap<(Lane, TaskId), u64> = HashMap::new();
        let mut woken_by_task: HashMap<(Lane, TaskId), u64> = HashMap::new();
        let mut queued: HashMap<Lane, HashSet<TaskId>> = HashMap::new();
        for e in events {
            let queue_before = queued.get(&e.lane).map_or(0, HashSet::len);
            match &e.kind {
                Kind::Polled { task } => {
                    polling.insert((e.lane, *task), e.at.0);
                    queued.entry(e.lane).or_default().remove(task);
                    if let Some(at) = woken_by_task.remove(&(e.lane, *task)) {
                        self.flow("wake", (e.lane, at), (e.lane, e.at.0));
                    }
                }
                Kind::Pending { task } | Kind::Ready { task } | Kind::Panicked { task } => {
                    let from = polling.remove(&(e.lane, *task)).unwrap_or(e.at.0);
                    let outcome = match e.kind {
                        Kind::Pending { .. } => "Pending",
                        Kind::Ready { .. } => "Ready",
                        _ => "panicked",
                    };
                    let args = json!({"task": task.0, "returned": outcome});
                    self.complete(e.lane, task.to_string(), "task", (from, e.at.0), args);
                }
                Kind::Spawned { task, .. } => {
                    queued.entry(e.lane).or_default().insert(*task);
                    self.instant(e, "task", format!("spawn {task}"));
                }
                Kind::Woken { task, by } => {
                    queued.entry(e.lane).or_default().insert(*task);
                    let name = match by {
                        WakeSource::Yield => format!("yield: {task} back"),
                        _ => format!("wake {task}"),
                    };
                    self.instant(e, "wake", name);
                    if let WakeSource::Task(_) = by {
                        woken_by_task.entry((e.lane, *task)).or_insert(e.at.0);
                    }
                }
                Kind::ReactorPoll { .. } => self.instant(e, "reactor", "reactor poll".into()),
                Kind::TimersFired { .. } => self.instant(e, "timer", "timers fired".into()),
                Kind::Note { text, .. } => self.instant(e, "note", text.clone()),
                // Other runtimes' events on a loop's lane (a submit, a
                // request): their own passes draw them.
                _ => {}
            }
            let queue_after = queued.get(&e.lane).map_or(0, HashSet::len);
            if queue_after != queue_before {
                let name = format!("run queue ({})", lane_word(e.lane));
                self.counter(e.lane, e.at.0, name, queue_after);
            }
        }
        let end = self.end;
        let mut open: Vec<_> = polling.into_iter().collect();
        open.sort();
        for ((lane, task), from) in open {
            let args = json!({"task": task.0, "returned": "still running"});
            self.complete(lane, task.to_string(), "task", (from, end), args);
        }
    }

    /// Thread-pool lanes: jobs as (nested) slices, the rest as instants.
    fn pool_thread_events(&mut self, events: &[&Event]) {
        let mut running: HashMap<Lane, Vec<u64>> = HashMap::new();
        for e in events {
            match e.kind {
                Kind::JobStarted => running.entry(e.lane).or_default().push(e.at.0),
                Kind::JobFinished => {
                    let from = running
                        .get_mut(&e.lane)
                        .and_then(Vec::pop)
                        .unwrap_or(e.at.0);
                    self.complete(e.lane, "job".into(), "job", (from, e.at.0), json!({}));
                }
                Kind::JobStolen { victim } => {
                    self.instant(e, "steal", format!("steal from worker {victim}"))
                }
                Kind::Promoted => self.instant(e, "promote", "promote".into()),
                Kind::JobSpawned
                | Kind::JobInjected
                | Kind::JobTookInjected
                | Kind::JobPanicked
                | Kind::Parked
                | Kind::Unparked => self.instant(e, "pool", e.kind.to_string()),
                _ => {}
            }
        }
        let end = self.end;
        let mut open: Vec<_> = running.into_iter().collect();
        open.sort();
        for (lane, starts) in open {
            for from in starts {
                self.complete(lane, "job".into(), "job", (from, end), json!({}));
            }
        }
    }

    /// Worker-process lanes, and the hand-offs from the submitting lanes.
    fn process_events(&mut self, events: &[&Event]) {
        // Per worker lane: jobs sent and not yet answered, oldest first, and
        // when the worker became free (its last reply).
        let mut inflight: HashMap<Lane, Vec<(JobId, u64)>> = HashMap::new();
        let mut free_at: HashMap<Lane, u64> = HashMap::new();
        let mut submitted: HashMap<JobId, (Lane, u64)> = HashMap::new();
        let mut slices: Vec<(Lane, JobId, u64, u64)> = Vec::new();
        for e in events.iter() {
            match &e.kind {
                Kind::Submitted { job } => {
                    submitted.insert(*job, (e.lane, e.at.0));
                    self.instant(e, "process", format!("submit {job}"));
                }
                Kind::Sent { job, .. } => {
                    inflight.entry(e.lane).or_default().push((*job, e.at.0));
                }
                Kind::Received { job } => {
                    let queue = inflight.entry(e.lane).or_default();
                    let Some(i) = queue.iter().position(|(j, _)| j == job) else {
                        continue;
                    };
                    let (_, sent) = queue.remove(i);
                    // A worker runs one job at a time: this one started when
                    // it was sent or when the worker finished the one before.
                    let from = sent.max(free_at.get(&e.lane).copied().unwrap_or(0));
                    free_at.insert(e.lane, e.at.0);
                    slices.push((e.lane, *job, from, e.at.0));
                }
                Kind::Forked { slot } => self.instant(e, "process", format!("fork (slot {slot})")),
                Kind::Crashed { .. } => {
                    inflight.remove(&e.lane);
                    self.instant(e, "process", "crash".into());
                }
                Kind::Retired | Kind::Exited => {
                    self.instant(e, "process", e.kind.to_string());
                }
                _ => {}
            }
        }
        for (lane, job, from, to) in slices {
            let args = json!({"job": job.index, "pool": job.pool.0});
            self.complete(lane, job.to_string(), "job", (from, to), args);
            if let Some((from_lane, at)) = submitted.remove(&job) {
                self.flow("hand-off", (from_lane, at), (lane, from));
            }
        }
    }

    /// HTTP requests as async spans, phases nested inside; in-flight counter.
    fn http_events(&mut self, events: &[&Event]) {
        // Per request: its lane and the names of the spans open, outermost first.
        let mut open: BTreeMap<RequestId, (Lane, Vec<String>)> = BTreeMap::new();
        for e in events {
            match &e.kind {
                Kind::RequestStarted { req, method, url } => {
                    let name = format!("{method} {url}");
                    self.async_edge("b", e.lane, e.at.0, *req, &name);
                    open.insert(*req, (e.lane, vec![name]));
                }
                Kind::RequestPhase { req, phase } => {
                    let Some((lane, names)) = open.get_mut(req) else {
                        continue;
                    };
                    let lane = *lane;
                    let ended = (names.len() > 1).then(|| names.pop()).flatten();
                    names.push(phase.name().to_string());
                    if let Some(name) = ended {
                        self.async_edge("e", lane, e.at.0, *req, &name);
                    }
                    self.async_edge("b", lane, e.at.0, *req, phase.name());
                }
                Kind::ConnectionOpened { conn, .. } => {
                    self.instant(e, "http", format!("{conn} opened"));
                    continue;
                }
                Kind::RequestFinished { req, .. } => {
                    if let Some((lane, names)) = open.remove(req) {
                        for name in names.iter().rev() {
                            self.async_edge("e", lane, e.at.0, *req, name);
                        }
                    }
                }
                _ => continue,
            }
            let flying = open.len();
            self.counter(e.lane, e.at.0, "in-flight requests".into(), flying);
        }
        let end = self.end;
        for (req, (lane, names)) in open {
            for name in names.iter().rev() {
                self.async_edge("e", lane, end, req, name);
            }
        }
    }

    /// The cart workload's bars: a pricing as a slice, a fetch as an async
    /// span (the fetches of one loop overlap, and slices on one track must
    /// nest).
    fn cart_events(&mut self, events: &[&Event]) {
        for e in events {
            let Kind::CartSpan { cart, phase, dur } = &e.kind else {
                continue;
            };
            let from = e.at.0;
            let to = from.saturating_add(u64::try_from(dur.as_nanos()).unwrap_or(u64::MAX));
            let name = format!("{} {cart}", phase.name());
            match phase {
                CartPhase::Price => {
                    let args = json!({"cart": cart.0});
                    self.complete(e.lane, name, "cart", (from, to), args);
                }
                CartPhase::Fetch => {
                    let (pid, tid) = self.track(e.lane);
                    for (ph, ts) in [("b", from), ("e", to)] {
                        let v = json!({"name": name, "cat": "cart", "ph": ph, "id": cart.0,
                                       "ts": us(ts), "pid": pid, "tid": tid,
                                       "args": {"cart": cart.0}});
                        self.push(ts, 0, v);
                    }
                }
            }
        }
    }

    fn async_edge(&mut self, ph: &str, lane: Lane, ts: u64, req: RequestId, name: &str) {
        let (pid, tid) = self.track(lane);
        let v = json!({"name": name, "cat": "http", "ph": ph, "id": req.0, "ts": us(ts),
                       "pid": pid, "tid": tid});
        self.push(ts, 0, v);
    }
}

/// "loop 3" for a loop's lane (names its run-queue counter).
fn lane_word(lane: Lane) -> String {
    match lane {
        Lane::Loop(id) => id.to_string(),
        other => other.to_string(),
    }
}
