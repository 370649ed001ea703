//! A checker for Chrome Trace Event Format files (no offline validator for
//! the format exists), shared by `trace_chrome_format` and `trace_golden`.
//!
//! [`check`] takes the parsed JSON and returns what it found ([`Summary`])
//! or the first rule broken, in words:
//!
//! * the top level is an object with a `traceEvents` array of objects, each
//!   with a string `ph`, integer `pid` and `tid`, and (but `M`) a number `ts`;
//! * every `X` has a number `dur >= 0`;
//! * `B`/`E` nest per thread (an `E` closes the innermost open `B`, and none
//!   is left open);
//! * `b`/`e` pair by `(cat, id)`, innermost first, with the same name, and
//!   none is left open;
//! * `s`/`f` pair by `(cat, id)`: one `f` per `s`, after it;
//! * every `pid` used has a `process_name` and every `(pid, tid)` a
//!   `thread_name` (`M` records);
//! * per thread, complete (`X`) events appear in start order: their `ts`
//!   never goes back.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

/// What a valid trace holds.
#[derive(Debug, Default)]
pub struct Summary {
    /// Events per phase letter.
    pub phases: BTreeMap<String, usize>,
    /// The thread names, per `(pid, tid)`.
    pub threads: BTreeMap<(i64, i64), String>,
    /// The process names, per `pid`.
    pub processes: BTreeMap<i64, String>,
    /// The names of the `X` events, with their count.
    pub slices: BTreeMap<String, usize>,
    /// The names of the `i` events' categories, with their count.
    pub instant_cats: BTreeMap<String, usize>,
    /// Counter names.
    pub counters: HashSet<String>,
}

impl Summary {
    /// How many events have phase `ph`.
    pub fn count(&self, ph: &str) -> usize {
        self.phases.get(ph).copied().unwrap_or(0)
    }
}

fn int(e: &Value, key: &str, i: usize) -> Result<i64, String> {
    e.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("event {i}: no integer `{key}`: {e}"))
}

fn num(e: &Value, key: &str, i: usize) -> Result<f64, String> {
    e.get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("event {i}: no number `{key}`: {e}"))
}

fn text<'a>(e: &'a Value, key: &str) -> &'a str {
    e.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The id of an async or flow event, as text (ids may be numbers or strings).
fn id_of(e: &Value, i: usize) -> Result<String, String> {
    match e.get("id") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("event {i}: no `id`: {e}")),
    }
}

/// Checks every rule; `Err` names the first one broken.
pub fn check(trace: &Value) -> Result<Summary, String> {
    let events = trace
        .get("traceEvents")
        .and_then(Value::as_array)
        .ok_or("no `traceEvents` array at the top level")?;
    let mut summary = Summary::default();
    let mut used: HashSet<(i64, i64)> = HashSet::new();
    let mut stacks: HashMap<(i64, i64), Vec<String>> = HashMap::new();
    let mut spans: HashMap<(String, String), Vec<(String, f64)>> = HashMap::new();
    let mut flows: HashMap<(String, String), f64> = HashMap::new();
    let mut finished_flows: HashSet<(String, String)> = HashSet::new();
    let mut last_x: HashMap<(i64, i64), f64> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if !e.is_object() {
            return Err(format!("event {i} is not an object: {e}"));
        }
        let ph = e
            .get("ph")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("event {i}: no `ph`: {e}"))?;
        let pid = int(e, "pid", i)?;
        let tid = int(e, "tid", i)?;
        *summary.phases.entry(ph.to_string()).or_default() += 1;
        if ph == "M" {
            let name = e
                .pointer("/args/name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("event {i}: metadata without args.name: {e}"))?;
            match text(e, "name") {
                "process_name" => {
                    summary.processes.insert(pid, name.to_string());
                }
                "thread_name" => {
                    summary.threads.insert((pid, tid), name.to_string());
                }
                _ => {}
            }
            continue;
        }
        let ts = num(e, "ts", i)?;
        used.insert((pid, tid));
        let name = text(e, "name").to_string();
        let cat = text(e, "cat").to_string();
        match ph {
            "X" => {
                let dur = num(e, "dur", i)?;
                if dur < 0.0 {
                    return Err(format!("event {i}: `X` with dur {dur} < 0"));
                }
                let last = last_x.entry((pid, tid)).or_insert(f64::MIN);
                if ts < *last {
                    return Err(format!(
                        "event {i}: `X` at ts {ts} after one at {last} on thread ({pid}, {tid})"
                    ));
                }
                *last = ts;
                *summary.slices.entry(name).or_default() += 1;
            }
            "B" => stacks.entry((pid, tid)).or_default().push(name),
            "E" => {
                if stacks.entry((pid, tid)).or_default().pop().is_none() {
                    return Err(format!("event {i}: `E` with no open `B` on ({pid}, {tid})"));
                }
            }
            "b" => spans
                .entry((cat, id_of(e, i)?))
                .or_default()
                .push((name, ts)),
            "e" => {
                let key = (cat, id_of(e, i)?);
                match spans.entry(key.clone()).or_default().pop() {
                    None => return Err(format!("event {i}: `e` with no open `b` for {key:?}")),
                    Some((open, _)) if open != name => {
                        return Err(format!(
                            "event {i}: `e` named {name:?} closes `b` named {open:?} ({key:?})"
                        ))
                    }
                    Some((_, begun)) if ts < begun => {
                        return Err(format!("event {i}: `e` at {ts} before its `b` at {begun}"))
                    }
                    Some(_) => {}
                }
            }
            "s" => {
                let key = (cat, id_of(e, i)?);
                if flows.insert(key.clone(), ts).is_some() || finished_flows.contains(&key) {
                    return Err(format!("event {i}: a second `s` for flow {key:?}"));
                }
            }
            "f" => {
                let key = (cat, id_of(e, i)?);
                match flows.remove(&key) {
                    None => return Err(format!("event {i}: `f` with no `s` for flow {key:?}")),
                    Some(start) if ts < start => {
                        return Err(format!("event {i}: flow {key:?} ends before it starts"))
                    }
                    Some(_) => {
                        finished_flows.insert(key);
                    }
                }
            }
            "i" | "I" => *summary.instant_cats.entry(cat).or_default() += 1,
            "C" => {
                summary.counters.insert(name);
            }
            other => return Err(format!("event {i}: unexpected phase {other:?}")),
        }
    }
    if let Some((track, open)) = stacks.iter().find(|(_, s)| !s.is_empty()) {
        return Err(format!("`B` left open on {track:?}: {open:?}"));
    }
    if let Some((key, open)) = spans.iter().find(|(_, s)| !s.is_empty()) {
        return Err(format!("`b` left open for {key:?}: {open:?}"));
    }
    if let Some(key) = flows.keys().next() {
        return Err(format!("flow {key:?} has an `s` and no `f`"));
    }
    for (pid, tid) in &used {
        if !summary.processes.contains_key(pid) {
            return Err(format!("pid {pid} is used but has no process_name"));
        }
        if !summary.threads.contains_key(&(*pid, *tid)) {
            return Err(format!(
                "thread ({pid}, {tid}) is used but has no thread_name"
            ));
        }
    }
    Ok(summary)
}
