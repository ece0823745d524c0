//! Prometheus' HTTP API (`/api/v1/query`, `/api/v1/targets`) through jarvis' one HTTP client.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// Why Prometheus could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The URL given is not an http(s) URL.
    #[error(
        "--prometheus '{url}' is not an http:// or https:// URL; pass Prometheus' address, e.g. http://127.0.0.1:9090"
    )]
    Url {
        /// The value given.
        url: String,
    },
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] jarvis_http::HttpError),
    /// The request did not complete.
    #[error("Prometheus at {url}: {detail}; check the address and that Prometheus runs")]
    Transport {
        /// Prometheus (credentials removed).
        url: String,
        /// One line on what failed.
        detail: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// Prometheus answered with an error or something that is not its API.
    #[error("Prometheus at {url} refused `{query}`: {detail}")]
    Api {
        /// Prometheus (credentials removed).
        url: String,
        /// The query or endpoint.
        query: String,
        /// HTTP status, `errorType` and `error`, or why the body could not be read.
        detail: String,
    },
}

/// One series of an instant vector: its labels and value (`None` for NaN or ±Inf).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// The series' labels.
    pub labels: BTreeMap<String, String>,
    /// The value at the evaluation time.
    pub value: Option<f64>,
}

/// An active scrape target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Its `job` label.
    pub job: String,
    /// Its `instance` label.
    pub instance: String,
    /// `up`, `down` or `unknown`.
    pub health: String,
    /// The last scrape's error; empty when it succeeded.
    pub last_error: String,
}

/// A Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    base: reqwest::Url,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorItem {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

#[derive(Deserialize)]
struct TargetsData {
    #[serde(rename = "activeTargets")]
    active_targets: Vec<ActiveTarget>,
}

#[derive(Deserialize)]
struct ActiveTarget {
    labels: BTreeMap<String, String>,
    health: String,
    #[serde(rename = "lastError", default)]
    last_error: String,
}

impl Prometheus {
    /// Prometheus at `url` (`http://host:9090`, a path prefix allowed), each request bounded
    /// by `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, FleetError> {
        let bad = || FleetError::Url {
            url: url.to_owned(),
        };
        let mut base = reqwest::Url::parse(url).map_err(|_| bad())?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(bad());
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = jarvis_http::http_client(timeout, Some(timeout))?;
        Ok(Self { base, client })
    }

    /// The URL without credentials, for messages.
    pub fn display_url(&self) -> String {
        let mut shown = self.base.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.as_str().trim_end_matches('/').to_owned()
    }

    /// Unix time now.
    pub fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        params: &[(&str, String)],
        what: &str,
    ) -> Result<T, FleetError> {
        let mut url = self.base.join(path).map_err(|_| FleetError::Url {
            url: self.display_url(),
        })?;
        url.query_pairs_mut().extend_pairs(params);
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|source| self.transport(source))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|source| self.transport(source))?;
        let api = |detail: String| FleetError::Api {
            url: self.display_url(),
            query: what.to_owned(),
            detail,
        };
        let envelope: Envelope<T> = serde_json::from_slice(&body).map_err(|e| {
            api(format!(
                "HTTP {status}, not Prometheus' API JSON ({e}); is this Prometheus?"
            ))
        })?;
        if envelope.status != "success" {
            return Err(api(format!(
                "HTTP {status}, {}: {}",
                envelope.error_type.unwrap_or_else(|| "error".to_owned()),
                envelope.error.unwrap_or_default()
            )));
        }
        envelope
            .data
            .ok_or_else(|| api(format!("HTTP {status}, an answer without data")))
    }

    fn transport(&self, source: reqwest::Error) -> FleetError {
        FleetError::Transport {
            url: self.display_url(),
            detail: jarvis_http::describe(&source),
            // reqwest's message names the URL, credentials included.
            source: source.without_url(),
        }
    }

    /// An instant query evaluated at `time` (unix seconds); the result must be a vector.
    pub async fn query(&self, promql: &str, time: f64) -> Result<Vec<Sample>, FleetError> {
        let data: QueryData = self
            .get(
                "api/v1/query",
                &[("query", promql.to_owned()), ("time", format!("{time:.3}"))],
                promql,
            )
            .await?;
        parse_vector(&data).map_err(|detail| FleetError::Api {
            url: self.display_url(),
            query: promql.to_owned(),
            detail,
        })
    }

    /// The active scrape targets.
    pub async fn targets(&self) -> Result<Vec<Target>, FleetError> {
        let data: TargetsData = self
            .get(
                "api/v1/targets",
                &[("state", "active".to_owned())],
                "targets",
            )
            .await?;
        Ok(data
            .active_targets
            .into_iter()
            .map(|t| Target {
                job: t.labels.get("job").cloned().unwrap_or_default(),
                instance: t.labels.get("instance").cloned().unwrap_or_default(),
                health: t.health,
                last_error: t.last_error,
            })
            .collect())
    }
}

fn parse_vector(data: &QueryData) -> Result<Vec<Sample>, String> {
    if data.result_type != "vector" {
        return Err(format!(
            "a {} result where an instant vector was expected",
            data.result_type
        ));
    }
    let items: Vec<VectorItem> = serde_json::from_value(data.result.clone())
        .map_err(|e| format!("an unreadable vector ({e})"))?;
    Ok(items
        .into_iter()
        .map(|item| Sample {
            labels: item.metric,
            value: item.value.1.parse::<f64>().ok().filter(|v| v.is_finite()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_parse_and_non_finite_values_are_unknown() {
        let data: QueryData = serde_json::from_str(
            r#"{"resultType":"vector","result":[
                {"metric":{"job":"j","instance":"i"},"value":[1.5,"42"]},
                {"metric":{"job":"j","instance":"k"},"value":[1.5,"NaN"]},
                {"metric":{"job":"j","instance":"l"},"value":[1.5,"+Inf"]}]}"#,
        )
        .unwrap();
        let samples = parse_vector(&data).unwrap();
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[0].value, Some(42.0));
        assert_eq!(samples[0].labels["instance"], "i");
        assert_eq!(samples[1].value, None);
        assert_eq!(samples[2].value, None);
        let matrix: QueryData =
            serde_json::from_str(r#"{"resultType":"matrix","result":[]}"#).unwrap();
        assert!(parse_vector(&matrix).unwrap_err().contains("matrix"));
    }

    #[tokio::test]
    async fn transport_errors_never_show_credentials() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let p = Prometheus::new(
            &format!("http://admin:pr0m-s3cret@127.0.0.1:{port}"),
            Duration::from_secs(2),
        )
        .unwrap();
        let err = p.query("up", 0.0).await.unwrap_err();
        let mut chain = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            chain.push_str(&format!("\n{cause}"));
            source = cause.source();
        }
        assert!(chain.contains("connection refused"), "{chain}");
        assert!(!chain.contains("pr0m-s3cret"), "{chain}");
        assert!(!chain.contains("admin"), "{chain}");
    }

    #[test]
    fn urls_are_checked_and_credentials_never_shown() {
        for bad in ["", "prometheus:9090", "ftp://h", "http://"] {
            assert!(
                matches!(
                    Prometheus::new(bad, Duration::from_secs(1)),
                    Err(FleetError::Url { .. })
                ),
                "{bad}"
            );
        }
        let p = Prometheus::new("http://user:s3cret@h:9090/prom", Duration::from_secs(1)).unwrap();
        assert_eq!(p.display_url(), "http://h:9090/prom");
        assert_eq!(
            p.base.join("api/v1/query").unwrap().as_str(),
            "http://user:s3cret@h:9090/prom/api/v1/query"
        );
    }
}
