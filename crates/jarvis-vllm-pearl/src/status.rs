//! What `status` shows for the vLLM miner: vLLM's health, served model and serving metrics,
//! and mining evidence counted from the container log (Pearl's gateway logs every submission).

use std::time::Duration;

use jarvis_engines::Protocol;
use jarvis_telemetry::parse_prometheus;
use serde::Serialize;

pub use jarvis_engines::server_base;

/// Mining evidence counted from the gateway's log lines since the container started.
pub use pearl_protocol::gateway::log::LogEvidence;

/// vLLM serving counters from its Prometheus `/metrics`; `None` = not exposed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VllmMetrics {
    /// Finished requests (`vllm:request_success_total`, all reasons).
    pub requests: Option<f64>,
    /// Prompt tokens processed.
    pub prompt_tokens: Option<f64>,
    /// Tokens generated.
    pub generation_tokens: Option<f64>,
    /// Unix time the serving process started.
    pub process_start_time: Option<f64>,
}

/// Parses vLLM's exposition text; sums every series of a family. Never panics.
pub fn parse_vllm_metrics(text: &str) -> VllmMetrics {
    let prom = parse_prometheus(text);
    let finite_sum = |name: &str| {
        let values: Vec<f64> = prom
            .all(name)
            .map(|s| s.value)
            .filter(|v| v.is_finite())
            .collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    VllmMetrics {
        requests: finite_sum("vllm:request_success_total"),
        prompt_tokens: finite_sum("vllm:prompt_tokens_total"),
        generation_tokens: finite_sum("vllm:generation_tokens_total"),
        process_start_time: prom
            .all("process_start_time_seconds")
            .map(|s| s.value)
            .find(|v| v.is_finite()),
    }
}

/// A short-timeout HTTP client for probes of the miner (jarvis' one client: system roots for
/// https).
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, jarvis_http::HttpError> {
    jarvis_http::http_client(timeout, Some(timeout))
}

/// One word for a failed request: `timed out` or `unreachable`.
fn transport_error(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else {
        "unreachable"
    }
}

/// `GET <base>/health`: `Ok(())` on 2xx, else why not (one line).
pub async fn probe_health(client: &reqwest::Client, base: &str) -> Result<(), String> {
    match client.get(format!("{base}/health")).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
        Err(e) => Err(transport_error(&e).to_owned()),
    }
}

/// `GET <endpoint>/models` (endpoint ends in `/v1`): the served model ids.
pub async fn served_models(
    client: &reqwest::Client,
    endpoint: &str,
) -> Result<Vec<String>, String> {
    let response = client
        .get(format!("{}/models", endpoint.trim_end_matches('/')))
        .send()
        .await
        .map_err(|e| transport_error(&e).to_owned())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status().as_u16()));
    }
    let not_a_listing = || "not an OpenAI /v1/models answer".to_owned();
    let body: serde_json::Value = response.json().await.map_err(|_| not_a_listing())?;
    jarvis_engines::model_ids(Protocol::OpenAi, &body).ok_or_else(not_a_listing)
}

/// `GET <base>/metrics` parsed; `None` when unavailable.
pub async fn vllm_metrics(client: &reqwest::Client, base: &str) -> Option<VllmMetrics> {
    let response = client.get(format!("{base}/metrics")).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    Some(parse_vllm_metrics(&response.text().await.ok()?))
}

/// The host of `scheme://host[:port]/...`, IPv6 brackets kept so it can go back into a URL.
pub(crate) fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vllm_metrics_sum_series() {
        let text = "# HELP x\nvllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} 3.0\n\
                    vllm:request_success_total{finished_reason=\"length\",model_name=\"m\"} 2.0\n\
                    vllm:prompt_tokens_total{model_name=\"m\"} 100\nprocess_start_time_seconds 1.7e9\n";
        let m = parse_vllm_metrics(text);
        assert_eq!(m.requests, Some(5.0));
        assert_eq!(m.prompt_tokens, Some(100.0));
        assert_eq!(m.generation_tokens, None);
        assert_eq!(m.process_start_time, Some(1.7e9));
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(text in ".{0,300}") {
            let _ = parse_vllm_metrics(&text);
            LogEvidence::default().observe(&text);
        }
    }
}
