//! pearld, for what the gateway does not report: the height of the block being mined.

use std::sync::Arc;
use std::time::Duration;

use pearl_rpc::pearld::{PearldClient, PearldEndpoint};

use super::metrics::MinerMetrics;

/// The gateway's jobs carry no height: ask pearld for its tip now and then.
pub(crate) async fn poll_template_height(endpoint: PearldEndpoint, metrics: Arc<MinerMetrics>) {
    let Ok(client) = PearldClient::new(endpoint) else {
        return;
    };
    let mut every = tokio::time::interval(Duration::from_secs(15));
    loop {
        every.tick().await;
        let tip = client.call("getblockcount", serde_json::json!([])).await;
        if let Some(tip) = tip.ok().and_then(|t| t.as_u64()) {
            metrics.set_template_height(tip + 1);
        }
    }
}
