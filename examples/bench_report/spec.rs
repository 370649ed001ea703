//! The table file (`benches/goals.json`): which measurements make up each
//! case of the report, which implementation is the case's anchor, and the
//! goals a ratio is held to, with the issue each goal comes from.
//!
//! This module only reads and checks the file; `measure.rs` finds the
//! numbers and `table.rs` puts them together.

use serde::Deserialize;
use std::path::Path;

/// The whole file.
#[derive(Debug, Deserialize)]
pub struct Spec {
    /// One entry per bench file (`benches/NAME.rs`), in report order.
    pub benches: Vec<BenchSpec>,
    /// Goals that are not a ratio of two measurements, listed as text.
    #[serde(default)]
    pub not_ratios: Vec<String>,
}

/// One bench file and its cases.
#[derive(Debug, Deserialize)]
pub struct BenchSpec {
    /// The bench's name, as in `cargo bench --bench NAME`.
    pub bench: String,
    /// A one-line heading for its table.
    pub title: String,
    pub cases: Vec<CaseSpec>,
}

/// One case: the same work done by several implementations.
#[derive(Debug, Deserialize)]
pub struct CaseSpec {
    /// What a reader sees in the first column.
    pub case: String,
    /// The criterion group; `{threads}` stands for the bench's thread count.
    pub group: String,
    /// The label of the implementation every other one is compared with.
    pub anchor: String,
    pub impls: Vec<ImplSpec>,
    #[serde(default)]
    pub goals: Vec<GoalSpec>,
}

/// An implementation: a function id inside the case's group, or a full
/// measurement id with a label and a scale.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ImplSpec {
    /// `"homemade"`: the measurement `GROUP/homemade`, labelled `homemade`.
    Name(String),
    /// `{"label": "python", "id": "python/map_tiny/...", "scale": 10000}`.
    Full {
        label: String,
        id: String,
        #[serde(default = "one")]
        scale: f64,
    },
}

fn one() -> f64 {
    1.0
}

impl ImplSpec {
    /// The name the tables show.
    pub fn label(&self) -> &str {
        match self {
            ImplSpec::Name(name) => name,
            ImplSpec::Full { label, .. } => label,
        }
    }

    /// The id of the measurement, `{threads}` replaced.
    pub fn measurement_id(&self, group: &str, threads: usize) -> String {
        let id = match self {
            ImplSpec::Name(name) => format!("{group}/{name}"),
            ImplSpec::Full { id, .. } => id.clone(),
        };
        id.replace("{threads}", &threads.to_string())
    }

    /// What the measurement is multiplied by before it is compared.
    pub fn scale(&self) -> f64 {
        match self {
            ImplSpec::Name(_) => 1.0,
            ImplSpec::Full { scale, .. } => *scale,
        }
    }
}

/// A goal for the ratio time(`of`) / time(`to`).
#[derive(Debug, Deserialize)]
pub struct GoalSpec {
    pub of: String,
    pub to: String,
    pub at_most: Option<f64>,
    pub at_least: Option<f64>,
    /// Where the goal comes from (an issue number, the README).
    pub source: String,
}

/// A goal's bound: the ratio must stay at or below it, or at or above it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    AtMost(f64),
    AtLeast(f64),
}

impl Bound {
    pub fn value(self) -> f64 {
        match self {
            Bound::AtMost(v) | Bound::AtLeast(v) => v,
        }
    }

    /// Whether `ratio` meets the bound.
    pub fn met_by(self, ratio: f64) -> bool {
        match self {
            Bound::AtMost(v) => ratio <= v,
            Bound::AtLeast(v) => ratio >= v,
        }
    }
}

impl GoalSpec {
    /// The bound, once `check` has made sure exactly one side is given.
    pub fn bound(&self) -> Bound {
        match (self.at_most, self.at_least) {
            (Some(v), _) => Bound::AtMost(v),
            (None, Some(v)) => Bound::AtLeast(v),
            (None, None) => Bound::AtMost(f64::NAN),
        }
    }
}

impl Spec {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the table file {}: {e}", path.display()))?;
        Spec::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks the text of a table file.
    pub fn parse(text: &str) -> Result<Spec, String> {
        let spec: Spec =
            serde_json::from_str(text).map_err(|e| format!("not a table file: {e}"))?;
        spec.check()?;
        Ok(spec)
    }

    /// Every name a case uses must be one of its implementations, and every
    /// goal must have exactly one positive bound: a mistake in the file is
    /// reported by name here rather than turning into a silent gap later.
    fn check(&self) -> Result<(), String> {
        for bench in &self.benches {
            for case in &bench.cases {
                let at = format!("{} / {}", bench.bench, case.case);
                let labels: Vec<&str> = case.impls.iter().map(ImplSpec::label).collect();
                let known = |name: &str, role: &str| {
                    if labels.contains(&name) {
                        Ok(())
                    } else {
                        Err(format!(
                            "{at}: {role} `{name}` is not one of its implementations ({})",
                            labels.join(", ")
                        ))
                    }
                };
                known(&case.anchor, "the anchor")?;
                for (i, label) in labels.iter().enumerate() {
                    if labels[..i].contains(label) {
                        return Err(format!("{at}: implementation `{label}` is listed twice"));
                    }
                }
                for imp in &case.impls {
                    if !(imp.scale() > 0.0 && imp.scale().is_finite()) {
                        return Err(format!(
                            "{at}: `{}` has a scale that is not positive",
                            imp.label()
                        ));
                    }
                }
                for goal in &case.goals {
                    known(&goal.of, "a goal's `of`")?;
                    known(&goal.to, "a goal's `to`")?;
                    let bound = match (goal.at_most, goal.at_least) {
                        (Some(v), None) | (None, Some(v)) => v,
                        _ => {
                            return Err(format!(
                                "{at}: the goal {} / {} needs exactly one of at_most, at_least",
                                goal.of, goal.to
                            ))
                        }
                    };
                    if !(bound > 0.0 && bound.is_finite()) {
                        return Err(format!(
                            "{at}: the goal {} / {} has a bound that is not positive",
                            goal.of, goal.to
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_table_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/goals.json");
        let spec = Spec::load(&path).unwrap();
        let benches: Vec<&str> = spec.benches.iter().map(|b| b.bench.as_str()).collect();
        assert_eq!(
            benches,
            ["event_loop", "thread_pool", "process_pool", "http", "carts"]
        );
    }

    #[test]
    fn an_unknown_anchor_is_named() {
        let text = r#"{"benches": [{"bench": "b", "title": "t", "cases": [
            {"case": "c", "group": "g", "anchor": "tokio", "impls": ["homemade"]}]}]}"#;
        let err = Spec::parse(text).unwrap_err();
        assert!(err.contains("b / c: the anchor `tokio`"), "{err}");
    }

    #[test]
    fn a_goal_needs_exactly_one_bound() {
        let text = r#"{"benches": [{"bench": "b", "title": "t", "cases": [
            {"case": "c", "group": "g", "anchor": "x", "impls": ["x", "y"],
             "goals": [{"of": "y", "to": "x", "source": "s"}]}]}]}"#;
        let err = Spec::parse(text).unwrap_err();
        assert!(err.contains("exactly one of at_most, at_least"), "{err}");
    }

    #[test]
    fn threads_are_put_into_group_names() {
        let imp = ImplSpec::Name("rayon".into());
        assert_eq!(
            imp.measurement_id("fib32/{threads}threads", 8),
            "fib32/8threads/rayon"
        );
    }
}
