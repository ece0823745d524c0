//! The Prometheus text exposition format (0.0.4) parser: labels with escapes, optional
//! timestamps, `NaN`/`+Inf`/`-Inf`, and `:` in metric names (vLLM's `vllm:` metrics).
//! Lines it cannot read are counted and skipped, never fatal.

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct PromSample {
    /// Metric name, e.g. `vllm:num_requests_running`.
    pub name: String,
    /// Label pairs in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// The value (may be NaN or infinite).
    pub value: f64,
    /// Optional timestamp, milliseconds since the epoch.
    pub timestamp_ms: Option<i64>,
}

impl PromSample {
    /// The value of label `name`, if present.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed exposition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromText {
    /// Every sample line that parsed, in order.
    pub samples: Vec<PromSample>,
    /// Non-comment lines that did not parse.
    pub skipped_lines: usize,
}

impl PromText {
    /// The first sample named `name` (any labels).
    pub fn first(&self, name: &str) -> Option<&PromSample> {
        self.samples.iter().find(|s| s.name == name)
    }

    /// The value of the first sample named `name`.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.first(name).map(|s| s.value)
    }

    /// The first sample named `name` whose label `label` equals `value`.
    pub fn with_label(&self, name: &str, label: &str, value: &str) -> Option<&PromSample> {
        self.samples
            .iter()
            .find(|s| s.name == name && s.label(label) == Some(value))
    }

    /// Every sample named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a PromSample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// The sum of every sample named `name`; `None` when there is none.
    pub fn sum(&self, name: &str) -> Option<f64> {
        let mut any = false;
        let total = self
            .all(name)
            .inspect(|_| any = true)
            .map(|s| s.value)
            .sum();
        any.then_some(total)
    }

    /// A finite, non-negative value of `name` as an integer counter.
    pub fn counter(&self, name: &str) -> Option<u64> {
        as_count(self.value(name)?)
    }
}

/// A finite, non-negative float as a count; `None` otherwise.
pub(crate) fn as_count(value: f64) -> Option<u64> {
    // `as` saturates; the check keeps NaN and negatives out.
    (value.is_finite() && value >= 0.0).then_some(value as u64)
}

/// Parses Prometheus text. Never fails: unreadable lines are counted in `skipped_lines`.
pub fn parse_prometheus(text: &str) -> PromText {
    let mut out = PromText::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Some(sample) => out.samples.push(sample),
            None => out.skipped_lines += 1,
        }
    }
    out
}

fn parse_line(line: &str) -> Option<PromSample> {
    let name_len = line
        .char_indices()
        .find(|&(i, c)| !is_name_char(c, i == 0))
        .map_or(line.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, mut rest) = line.split_at(name_len);
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let (parsed, remaining) = parse_labels(after)?;
        labels = parsed;
        rest = remaining;
    }
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let mut fields = rest.split_ascii_whitespace();
    let value = parse_value(fields.next()?)?;
    let timestamp_ms = match fields.next() {
        Some(ts) => Some(ts.parse::<i64>().ok()?),
        None => None,
    };
    if fields.next().is_some() {
        return None;
    }
    Some(PromSample {
        name: name.to_owned(),
        labels,
        value,
        timestamp_ms,
    })
}

fn is_name_char(c: char, first: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':' || (!first && c.is_ascii_digit())
}

/// Parses `a="x",b="y"}` (the text after `{`); returns the labels and the text after `}`.
fn parse_labels(mut text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix('}') {
            return Some((labels, rest));
        }
        let key_len = text
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit())))
            .map_or(text.len(), |(i, _)| i);
        if key_len == 0 {
            return None;
        }
        let (key, rest) = text.split_at(key_len);
        let rest = rest.trim_start().strip_prefix('=')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        let (value, rest) = parse_quoted(rest)?;
        labels.push((key.to_owned(), value));
        text = rest.trim_start();
        if let Some(rest) = text.strip_prefix(',') {
            text = rest;
        } else if !text.starts_with('}') {
            return None;
        }
    }
}

/// Reads an escaped label value up to its closing quote; returns it and the text after.
fn parse_quoted(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, text.get(i + 1..)?)),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                other => value.push(other),
            },
            other => value.push(other),
        }
    }
    None
}

fn parse_value(text: &str) -> Option<f64> {
    // Prometheus reads values with Go's ParseFloat, which takes any case of `inf` (what
    // prometheus-client's encoder writes) as well as `+Inf`.
    match text {
        "NaN" => Some(f64::NAN),
        _ if ["+inf", "inf"].iter().any(|i| text.eq_ignore_ascii_case(i)) => Some(f64::INFINITY),
        _ if text.eq_ignore_ascii_case("-inf") => Some(f64::NEG_INFINITY),
        _ if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
        {
            text.parse().ok()
        }
        _ => None,
    }
}
