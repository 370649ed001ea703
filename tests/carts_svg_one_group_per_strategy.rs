//! `--timeline FILE.svg`: the picture is well-formed XML (checked by a small
//! tag-balancing parser below) and holds exactly one `<g class="strategy">`
//! per strategy that ran, in report order, with a legend and a time axis.

mod carts_support;

use carts_support::{built, ran, workload};
use homemade::carts::pricing::Work;
use homemade::carts::routes::EmbeddedServer;
use homemade::carts::strategies::{RunResult, Runtimes, Strategy};
use homemade::carts::timeline;

/// Checks that `text` is one well-formed XML element tree (after an optional
/// `<?xml ...?>` declaration): tags balance, attributes are quoted, and text
/// holds no raw `<` or stray `&`. Returns the element names in document order.
fn well_formed(text: &str) -> Result<Vec<String>, String> {
    let mut rest = text.trim_start();
    if let Some(after) = rest.strip_prefix("<?xml") {
        let end = after.find("?>").ok_or("unterminated declaration")?;
        rest = &after[end + 2..];
    }
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut roots = 0;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        check_text(&rest[..lt])?;
        if !stack.is_empty() || rest[..lt].trim().is_empty() {
        } else {
            return Err(format!("text outside the root: {:?}", &rest[..lt]));
        }
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name = body
            .split_whitespace()
            .next()
            .ok_or("empty tag")?
            .to_string();
        check_attributes(&body[name.len()..])?;
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(names)
}

/// Text between tags: no `<`, and every `&` starts an entity.
fn check_text(text: &str) -> Result<(), String> {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .any(|e| entity.starts_with(e))
        {
            return Err(format!("stray & in {text:?}"));
        }
    }
    Ok(())
}

/// `name="value"` pairs separated by whitespace.
fn check_attributes(mut attrs: &str) -> Result<(), String> {
    loop {
        attrs = attrs.trim_start();
        if attrs.is_empty() {
            return Ok(());
        }
        let eq = attrs
            .find('=')
            .ok_or(format!("attribute without value: {attrs:?}"))?;
        let quote = attrs[eq + 1..].chars().next().ok_or("missing quote")?;
        if quote != '"' && quote != '\'' {
            return Err(format!("unquoted attribute: {attrs:?}"));
        }
        let value_start = eq + 2;
        let close = attrs[value_start..]
            .find(quote)
            .ok_or(format!("unterminated attribute: {attrs:?}"))?;
        let value = &attrs[value_start..value_start + close];
        if value.contains('<') {
            return Err(format!("< in attribute {value:?}"));
        }
        check_text(value)?;
        attrs = &attrs[value_start + close + 1..];
    }
}

#[test]
fn the_checker_rejects_broken_documents() {
    assert!(well_formed("<svg><g></g></svg>").is_ok());
    assert!(well_formed("<svg><g></svg>").is_err());
    assert!(well_formed("<svg a=1></svg>").is_err());
    assert!(well_formed("<svg>a & b</svg>").is_err());
    assert!(well_formed("<svg/><svg/>").is_err());
}

#[test]
fn the_svg_is_well_formed_with_one_group_per_strategy() {
    let server = EmbeddedServer::start(([127, 0, 0, 1], 0).into()).expect("server");
    let wl = workload(&server.base_url(), vec![1, 2, 3], 1.0, Work::Compute);
    // Every strategy that needs no process pool (this binary runs tests on
    // threads, so it must not fork one).
    let runs: Vec<RunResult> = Strategy::ALL
        .into_iter()
        .filter(|s| !s.needs_process_pool() && built(*s))
        .map(|s| ran(s, &wl, Runtimes::default()))
        .collect();
    let refs: Vec<&RunResult> = runs.iter().collect();
    let svg = timeline::svg(&refs, "test <&> picture");

    let names = well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
    assert!(svg.contains(r#"<g class="legend">"#));
    assert!(svg.contains(r#"<g class="axis">"#));
    assert_eq!(svg.matches(r#"<g class="strategy""#).count(), runs.len());
    // In report order, each with its name.
    let mut at = 0;
    for run in &runs {
        let needle = format!(r#"data-strategy="{}""#, run.strategy.name());
        let found = svg[at..]
            .find(&needle)
            .unwrap_or_else(|| panic!("no group for {}", run.strategy.name()));
        at += found + needle.len();
    }
    // Both kinds of bars are drawn.
    assert!(svg.contains("waiting"));
    assert!(svg.contains("pricing"));
}
