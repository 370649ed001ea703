//! The chart of the ratios (`bench-ratios.svg`): one horizontal bar per
//! ratio of the report, grouped by bench, on a log scale centred on 1.0 (a
//! bar to the left means the first implementation is faster), with a dashed
//! line across the bar's row at each goal.
//!
//! Plain SVG written by hand, no library: a bar is a `rect`, a goal a
//! `line` with `stroke-dasharray`, and every element carries a `<title>` a
//! browser shows on hover. Bars are green when every goal of the ratio is
//! met, red when one is missed, grey without a goal.

use crate::spec::Bound;
use crate::table::{format_bound, format_ratio, Report};
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
/// Labels end here (right-aligned); the plot runs from `PLOT_LEFT` to `PLOT_RIGHT`.
const LABEL_RIGHT: f64 = 530.0;
const PLOT_LEFT: f64 = 545.0;
const PLOT_RIGHT: f64 = 960.0;
const ROW: f64 = 18.0;
const TOP: f64 = 60.0;

/// `&`, `<`, `>` and quotes escaped, for text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The log-scale axis: ratio to x coordinate.
struct Axis {
    ln_lo: f64,
    ln_hi: f64,
}

impl Axis {
    /// Wide enough for every value, every goal and 1.0, with a margin.
    fn fit(report: &Report) -> Axis {
        let mut lo: f64 = 1.0;
        let mut hi: f64 = 1.0;
        for r in report.ratios() {
            let goals = r.goals.iter().map(|g| g.bound.value());
            for v in r.value.into_iter().chain(goals) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        // Room for the figure printed beyond each bar's end.
        let lo = (lo / 2.0).max(1e-3);
        let hi = (hi * 1.6).min(1e3);
        Axis {
            ln_lo: lo.ln(),
            ln_hi: hi.ln(),
        }
    }

    fn x(&self, v: f64) -> f64 {
        let v = v.clamp(self.ln_lo.exp(), self.ln_hi.exp());
        PLOT_LEFT + (v.ln() - self.ln_lo) / (self.ln_hi - self.ln_lo) * (PLOT_RIGHT - PLOT_LEFT)
    }

    /// 1, 2 and 5 times the powers of ten inside the axis.
    fn ticks(&self) -> Vec<f64> {
        let mut out = Vec::new();
        for exp in -3..=3 {
            for m in [1.0, 2.0, 5.0] {
                let v = m * 10f64.powi(exp);
                if v.ln() >= self.ln_lo && v.ln() <= self.ln_hi {
                    out.push(v);
                }
            }
        }
        out
    }
}

/// The SVG document for `report`.
pub fn chart(report: &Report) -> String {
    let axis = Axis::fit(report);
    let rows: usize = report
        .benches
        .iter()
        .map(|b| 1 + b.cases.iter().map(|c| c.ratios.len()).sum::<usize>())
        .sum();
    let plot_bottom = TOP + rows as f64 * ROW;
    let height = plot_bottom + 40.0;
    let mut s = String::new();
    let _ = writeln!(s, r##"<?xml version="1.0" encoding="UTF-8"?>"##);
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"##
    );
    let _ = writeln!(
        s,
        r##"<rect width="{WIDTH}" height="{height}" fill="white"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="20" font-size="14" font-weight="bold">Time ratios (log scale): left of 1.0 the first implementation is faster</text>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="38">green: every goal met; red: a goal missed; grey: no goal; dashed line: a goal (hover for its source)</text>"##
    );
    // The grid and its labels, top and bottom.
    for t in axis.ticks() {
        let x = axis.x(t);
        let (stroke, w) = if t == 1.0 {
            ("#333", 1.5)
        } else {
            ("#ddd", 1.0)
        };
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{plot_bottom}" stroke="{stroke}" stroke-width="{w}"/>"##
        );
        for y in [TOP - 4.0, plot_bottom + 14.0] {
            let _ = writeln!(
                s,
                r##"<text x="{x:.1}" y="{y}" text-anchor="middle" fill="#555">{t}</text>"##
            );
        }
    }
    let one = axis.x(1.0);
    let mut y = TOP;
    for bench in &report.benches {
        let _ = writeln!(
            s,
            r##"<text x="10" y="{:.1}" font-weight="bold">{}</text>"##,
            y + 13.0,
            escape(&bench.bench)
        );
        y += ROW;
        for case in &bench.cases {
            for r in &case.ratios {
                let label = format!("{}: {} / {}", case.case, r.of, r.to);
                let _ = writeln!(
                    s,
                    r##"<text x="{LABEL_RIGHT}" y="{:.1}" text-anchor="end">{}</text>"##,
                    y + 13.0,
                    escape(&label)
                );
                match r.value {
                    Some(v) => {
                        let fill = match r.met() {
                            Some(true) => "#2e7d32",
                            Some(false) => "#c62828",
                            None => "#90a4ae",
                        };
                        let x = axis.x(v);
                        let (left, width) = (one.min(x), (x - one).abs().max(1.0));
                        let _ = writeln!(
                            s,
                            r##"<rect class="ratio" data-ratio="{v}" x="{left:.1}" y="{:.1}" width="{width:.1}" height="11" fill="{fill}"><title>{}: {}</title></rect>"##,
                            y + 4.0,
                            escape(&label),
                            format_ratio(v)
                        );
                        let (tx, anchor) = if x >= one {
                            (x + 4.0, "start")
                        } else {
                            (x - 4.0, "end")
                        };
                        let _ = writeln!(
                            s,
                            r##"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"##,
                            y + 13.0,
                            format_ratio(v)
                        );
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            r##"<text class="missing" x="{PLOT_RIGHT}" y="{:.1}" text-anchor="end" fill="#c62828">missing</text>"##,
                            y + 13.0
                        );
                    }
                }
                for g in &r.goals {
                    let x = axis.x(g.bound.value());
                    let what = match g.bound {
                        Bound::AtMost(_) => "at most",
                        Bound::AtLeast(_) => "at least",
                    };
                    let _ = writeln!(
                        s,
                        r##"<line class="goal" data-goal="{}" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="black" stroke-width="1.5" stroke-dasharray="3 2"><title>goal ({what}): {} ({})</title></line>"##,
                        g.bound.value(),
                        y + 1.0,
                        y + ROW - 1.0,
                        escape(&format_bound(g.bound)),
                        escape(&g.source)
                    );
                }
                y += ROW;
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Measurements;
    use crate::spec::Spec;
    use crate::table::build;
    use std::path::Path;

    fn fixture_svg() -> (Report, String) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench_report");
        let spec = Spec::load(&dir.join("goals.json")).unwrap();
        let mut found = Measurements::default();
        found.read_criterion(&dir.join("criterion")).unwrap();
        found.read_python_log(
            &std::fs::read_to_string(dir.join("logs/process_pool_py.log")).unwrap(),
        );
        let report = build(&spec, &found, 2);
        let svg = chart(&report);
        (report, svg)
    }

    /// A small well-formedness check (no XML crate in the tree): tags nest
    /// and close, attribute values are quoted, `&` starts an entity, and
    /// there is one root element.
    fn check_well_formed(doc: &str) -> Result<(), String> {
        fn check_text(t: &str) -> Result<(), String> {
            for (i, _) in t.match_indices('&') {
                let rest = &t[i..];
                let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| rest.starts_with(e));
                if !ok {
                    return Err(format!("bare & in {t:?}"));
                }
            }
            if t.contains('>') {
                return Err(format!("bare > in {t:?}"));
            }
            Ok(())
        }
        let mut stack: Vec<String> = Vec::new();
        let mut roots = 0;
        let mut rest = doc;
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open])?;
            rest = &rest[open..];
            if let Some(body) = rest.strip_prefix("<?") {
                let end = body.find("?>").ok_or("unclosed <?")?;
                rest = &body[end + 2..];
                continue;
            }
            let end = rest.find('>').ok_or("unclosed tag")?;
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let top = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
                if top != name.trim() {
                    return Err(format!("</{name}> closes <{top}>"));
                }
                continue;
            }
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = tag.split_whitespace().next().ok_or("empty tag")?;
            // Attributes: name="value" pairs, values without < or bare &.
            let mut attrs = tag[name.len()..].trim();
            while !attrs.is_empty() {
                let eq = attrs
                    .find("=\"")
                    .ok_or(format!("unquoted attribute in <{tag}>"))?;
                let after = &attrs[eq + 2..];
                let close = after
                    .find('"')
                    .ok_or(format!("unclosed attribute in <{tag}>"))?;
                let value = &after[..close];
                if value.contains('<') {
                    return Err(format!("< in an attribute of <{tag}>"));
                }
                check_text(value)?;
                attrs = after[close + 1..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        check_text(rest)?;
        match (stack.is_empty(), roots) {
            (true, 1) => Ok(()),
            (false, _) => Err(format!("unclosed: {stack:?}")),
            (true, n) => Err(format!("{n} root elements")),
        }
    }

    #[test]
    fn the_checker_catches_what_it_should() {
        assert!(check_well_formed("<svg><g></g></svg>").is_ok());
        assert!(check_well_formed("<svg><g></svg>").is_err());
        assert!(check_well_formed("<svg><text>a & b</text></svg>").is_err());
        assert!(check_well_formed("<svg x=1></svg>").is_err());
        assert!(check_well_formed("<svg/><svg/>").is_err());
    }

    #[test]
    fn the_chart_is_well_formed() {
        let (_, svg) = fixture_svg();
        check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(svg.starts_with("<?xml"));
        // The fixture's case names hold `<` and `&`, escaped in the output.
        assert!(svg.contains("map &lt;tiny&gt; &amp; co"), "{svg}");
    }

    #[test]
    fn one_bar_per_measured_ratio_and_one_line_per_goal() {
        let (report, svg) = fixture_svg();
        let ratios: Vec<_> = report.ratios().collect();
        let measured = ratios.iter().filter(|r| r.value.is_some()).count();
        let missing = ratios.len() - measured;
        let goals: usize = ratios.iter().map(|r| r.goals.len()).sum();
        assert_eq!(svg.matches(r##"<rect class="ratio""##).count(), measured);
        assert_eq!(svg.matches(r##"class="missing""##).count(), missing);
        assert_eq!(svg.matches(r##"<line class="goal""##).count(), goals);
        assert!(
            goals >= 3 && missing >= 1,
            "the fixture covers goals and gaps"
        );
        // The goal lines stand where the goals are: 1 (twice) and 0.65.
        assert_eq!(svg.matches(r##"data-goal="1""##).count(), 3, "{svg}");
        assert_eq!(svg.matches(r##"data-goal="0.65""##).count(), 1, "{svg}");
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn the_axis_is_a_log_scale_around_one() {
        let (report, _) = fixture_svg();
        let axis = Axis::fit(&report);
        let (a, b, c) = (axis.x(0.5), axis.x(1.0), axis.x(2.0));
        assert!(
            ((b - a) - (c - b)).abs() < 1e-9,
            "0.5 and 2 sit as far from 1: {a} {b} {c}"
        );
        assert!(axis.ticks().contains(&1.0));
    }
}
