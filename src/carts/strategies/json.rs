//! How `--json` writes a [`RunResult`]: its fields, with its cart events
//! read back as bars (`bars.rs`) under `spans`, each
//! `{lane: {kind, id, label}, kind: "fetch" | "compute", cart, start_ns, end_ns}`
//! (`kind` of a lane: `loop`, `pool-thread`, `process`, `thread`, `outside`).
//!
//! Read next: `drive.rs`.

use super::{CartRetry, RunResult, Strategy};
use crate::carts::bars;
use crate::carts::pricing::Priced;
use crate::trace::{self, CartPhase};
use serde::{Serialize, Serializer};

/// `--json` writes a run with its bars as `spans`, each
/// `{lane: {kind, id, label}, kind: "fetch" | "compute", cart, start_ns, end_ns}`.
impl Serialize for RunResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct LaneJson {
            kind: &'static str,
            id: u64,
            label: String,
        }
        #[derive(Serialize)]
        struct BarJson {
            lane: LaneJson,
            kind: &'static str,
            cart: u64,
            start_ns: u64,
            end_ns: u64,
        }
        #[derive(Serialize)]
        struct RunJson<'a> {
            strategy: Strategy,
            priced: &'a [Priced],
            total_cents: i64,
            wall_ns: u64,
            spans: Vec<BarJson>,
            retries: &'a [CartRetry],
        }
        let lane = |lane: trace::Lane| {
            let (kind, id) = match lane {
                trace::Lane::Loop(id) => ("loop", id.0),
                trace::Lane::PoolThread { worker, .. } => ("pool-thread", worker as u64),
                trace::Lane::Worker(pid) => ("process", u64::try_from(pid.0).unwrap_or(0)),
                trace::Lane::Thread(tid) => ("thread", tid),
                trace::Lane::Outside => ("outside", 0),
            };
            LaneJson {
                kind,
                id,
                label: bars::label(lane),
            }
        };
        let spans = self
            .bars()
            .into_iter()
            .map(|b| BarJson {
                lane: lane(b.lane),
                kind: match b.phase {
                    CartPhase::Fetch => "fetch",
                    CartPhase::Price => "compute",
                },
                cart: b.cart,
                start_ns: b.start_ns,
                end_ns: b.end_ns,
            })
            .collect();
        RunJson {
            strategy: self.strategy,
            priced: &self.priced,
            total_cents: self.total_cents,
            wall_ns: self.wall_ns,
            spans,
            retries: &self.retries,
        }
        .serialize(serializer)
    }
}
