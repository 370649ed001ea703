//! [`Headers`]: an ordered list of header fields with case-insensitive lookup.
//!
//! HTTP header names are case-insensitive and a name may appear more than
//! once, so a map is the wrong shape: we keep the fields in the order they
//! arrived, with the name spelled as received (so `homemade fetch -i` can
//! print them as the server sent them), and look them up ignoring case.
//!
//! Values are kept as text; bytes that are not UTF-8 (legal but rare in
//! header values) are replaced with U+FFFD, and a value folded over several
//! lines (obs-fold, RFC 9112 §5.2) is joined with single spaces.

/// Header fields in arrival order; lookups ignore the case of the name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers { fields: Vec::new() }
    }

    /// Appends a field (a name may appear several times).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Replaces every field of this name with one field.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.remove(&name);
        self.fields.push((name, value.into()));
    }

    /// Removes every field of this name.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The first value of this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of this name, in arrival order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when a field of this name is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// True when a comma-separated field of this name lists `token` (ignoring case),
    /// as in `Connection: keep-alive, Upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// All fields, in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Builds the list from `httparse`'s parsed headers.
    pub(crate) fn from_httparse(parsed: &[httparse::Header<'_>]) -> Headers {
        Headers {
            fields: parsed
                .iter()
                .map(|h| {
                    let value = if h.value.iter().any(|&b| b == b'\n' || b == b'\r') {
                        unfold(h.value)
                    } else {
                        String::from_utf8_lossy(h.value).into_owned()
                    };
                    (h.name.to_string(), value)
                })
                .collect(),
        }
    }
}

/// Replaces each obs-fold of a header value (a line break followed by
/// spaces or tabs: the old way of continuing a header on the next line) with
/// one space, as RFC 9112 §5.2 asks of a user agent: `hello\r\n  there`
/// becomes `hello there`. `httparse` hands such values over with the line
/// breaks still in them (only responses may contain them; see `response.rs`).
fn unfold(value: &[u8]) -> String {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'\r' || value[i] == b'\n' {
            while i < value.len() && matches!(value[i], b'\r' | b'\n' | b' ' | b'\t') {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(value[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
