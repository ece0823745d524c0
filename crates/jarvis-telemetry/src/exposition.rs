//! The Prometheus exposition, encoded by `prometheus-client`'s text encoder.
//!
//! Values are snapshots taken at scrape time (the miner's counters live in atomics elsewhere),
//! so one [`Exposition`] is built per scrape and registered as a `prometheus-client`
//! [`Collector`]. The body is Prometheus' text format 0.0.4 (served as [`CONTENT_TYPE`]),
//! which `promtool check metrics` lints clean: a counter family is declared under its full
//! `..._total` name and its samples are written as plain samples (OpenMetrics would declare
//! the family without `_total` and end the body with `# EOF`, which 0.0.4 tools flag).

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Exposition::finish`]'s text.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One `/metrics` body: metric families and their samples, encoded by [`Exposition::finish`].
#[derive(Debug, Default, Clone)]
pub struct Exposition {
    families: Vec<Family>,
}

#[derive(Debug, Clone)]
struct Family {
    /// The sample name (`..._total` for counters).
    name: String,
    kind: MetricType,
    help: String,
    samples: Vec<(Vec<(String, String)>, f64)>,
}

impl Exposition {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a metric family: `kind` is `counter` (its `name` ends in `_total`) or `gauge`.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) -> &mut Self {
        let kind = match kind {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            _ => MetricType::Unknown,
        };
        self.family_mut(name, kind).help = help.replace('\n', " ");
        self
    }

    /// One sample of the family `name` (declared first, else an untyped family of its own).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        let labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), escape_label(v)))
            .collect();
        self.family_mut(name, MetricType::Unknown)
            .samples
            .push((labels, value));
        self
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) -> &mut Self {
        self.family(name, kind, help).sample(name, &[], value)
    }

    fn family_mut(&mut self, name: &str, kind: MetricType) -> &mut Family {
        let index = match self.families.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                self.families.push(Family {
                    name: name.to_owned(),
                    kind,
                    help: String::new(),
                    samples: Vec::new(),
                });
                self.families.len() - 1
            }
        };
        let family = &mut self.families[index];
        if !matches!(kind, MetricType::Unknown) {
            family.kind = kind;
        }
        family
    }

    /// The text body.
    pub fn finish(self) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode_registry(&mut text, &registry);
        text
    }
}

impl Collector for Exposition {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        for family in &self.families {
            let mut metric =
                encoder.encode_descriptor(&family.name, &family.help, None, family.kind)?;
            for (labels, value) in &family.samples {
                if labels.is_empty() {
                    encode_value(*value, &mut metric)?;
                } else {
                    encode_value(*value, &mut metric.encode_family(labels)?)?;
                }
            }
        }
        Ok(())
    }
}

/// `name{labels} value`: the sample line of a gauge, and of a counter in the 0.0.4 format.
/// Whole numbers print without a fraction (`42`, not `42.0`).
fn encode_value(value: f64, encoder: &mut MetricEncoder<'_>) -> fmt::Result {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        encoder.encode_gauge(&(value as i64))
    } else {
        encoder.encode_gauge(&value)
    }
}

/// Label values escaped as the text format requires (`prometheus-client` writes them as given).
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
