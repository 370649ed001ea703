//! How dummyjson, a JavaScript server, reads numbers and truth values, so
//! that our routes accept and refuse the same inputs.
//!
//! dummyjson checks a query parameter with `Number(v)` ("is it a number at
//! all?") and then uses `parseInt(v, 10)` (the leading digits). The two
//! differ: `?limit=1e3` passes the check and means 1; `?limit=` passes too
//! and means `NaN`, which returns no cart at all. A JSON body's fields are
//! read with `+x`, `x || default` and `if (x)`. These functions give the
//! same answers for the inputs a client sends (strings and JSON values).
//!
//! Read next: `../routes.rs` (the query parameters) and `writes.rs` (bodies).

use serde_json::Value;

/// JavaScript's `Number(text)`: `NaN` when `text` is not a number.
///
/// Surrounding white space is ignored, the empty string is `0`, and
/// decimal (`-1.5e3`, `.5`), `Infinity` and `0x`/`0o`/`0b` forms are numbers.
pub(crate) fn number(text: &str) -> f64 {
    let t = text.trim();
    if t.is_empty() {
        return 0.0;
    }
    let radix = match t.get(..2) {
        Some("0x") | Some("0X") => Some(16),
        Some("0o") | Some("0O") => Some(8),
        Some("0b") | Some("0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        return u64::from_str_radix(&t[2..], radix).map_or(f64::NAN, |n| n as f64);
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned == "Infinity" {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    // Rust's float syntax is JavaScript's, except that Rust also takes
    // "inf", "nan" and "infinity" in any case, which JavaScript does not.
    let decimal = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !decimal {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

/// JavaScript's `parseInt(text, 10)`: the optional sign and leading decimal
/// digits after white space; `None` (JavaScript's `NaN`) when there are none.
pub(crate) fn parse_int(text: &str) -> Option<f64> {
    let t = text.trim_start();
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: f64 = rest[..digits].parse().ok()?;
    Some(if negative { -n } else { n })
}

/// JavaScript's truthiness: `false`, `0`, `""` and `null` (and a missing
/// value) are false; everything else, even `"false"` and `[]`, is true.
pub(crate) fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_)) | Some(Value::Object(_)) => true,
    }
}

/// JavaScript's `String(value)` for a JSON value: `5` (not `5.0`), `true`,
/// arrays joined with commas, objects as `[object Object]`.
pub(crate) fn to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            (_, _, Some(f)) => f.to_string(),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    to_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// JavaScript's unary `+value` for a JSON value: `NaN` for what is not a
/// number (an object, a non-numeric string).
pub(crate) fn to_number(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => number(s),
        Value::Array(_) => number(&to_string(value)),
        Value::Object(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_and_parse_int_agree_with_javascript() {
        for (text, n) in [
            ("5", 5.0),
            (" 7 ", 7.0),
            ("", 0.0),
            ("1e3", 1000.0),
            ("0x10", 16.0),
            (".5", 0.5),
            ("-2", -2.0),
        ] {
            assert_eq!(number(text), n, "Number({text:?})");
        }
        for text in ["abc", "5px", "inf", "nan", "1,2"] {
            assert!(number(text).is_nan(), "Number({text:?})");
        }
        assert_eq!(number("Infinity"), f64::INFINITY);
        assert_eq!(parse_int("1e3"), Some(1.0));
        assert_eq!(parse_int(" 12px"), Some(12.0));
        assert_eq!(parse_int("2.9"), Some(2.0));
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("Infinity"), None);
    }

    #[test]
    fn truthiness_and_strings_agree_with_javascript() {
        assert!(!truthy(None) && !truthy(Some(&json!(0))) && !truthy(Some(&json!(""))));
        assert!(truthy(Some(&json!("false"))) && truthy(Some(&json!([]))));
        assert_eq!(to_string(&json!(5.0)), "5");
        assert_eq!(to_string(&json!([1, 2])), "1,2");
        assert_eq!(to_string(&json!({})), "[object Object]");
        assert_eq!(to_number(&json!("3")), 3.0);
        assert!(to_number(&json!({})).is_nan());
        assert_eq!(to_number(&json!(true)), 1.0);
    }
}
