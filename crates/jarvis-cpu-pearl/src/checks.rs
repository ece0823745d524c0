//! cpu-pearl's own doctor rows: the gateway executable and the metrics port.

use jarvis_core::gateway_install::{self, find_gateway};
use jarvis_mining::check::{CheckRow, Group, ProviderCheckContext, Status};
use jarvis_mining::provider::BoxFuture;
use jarvis_mining::session::Session;

pub(super) fn checks<'a>(cx: &'a ProviderCheckContext<'a>) -> BoxFuture<'a, Vec<CheckRow>> {
    Box::pin(async move {
        let path = (cx.env)("PATH").unwrap_or_default();
        // The same lookup `mine start` uses, so doctor never passes a gateway start refuses.
        let gateway = find_gateway(cx.home, &path);
        let installed =
            gateway_install::installed(cx.home).filter(|r| Some(&r.program) == gateway.as_ref());
        let gateway_row = match (gateway, installed) {
            (Some(_), Some(record)) => CheckRow::new(
                Group::ProviderCapability,
                "pearl-gateway",
                Status::Ok,
                format!(
                    "{} {} (Pearl {}), installed by jarvis",
                    record.program.display(),
                    record.version.as_deref().unwrap_or("version unknown"),
                    short_commit(&record.commit)
                ),
            ),
            (Some(p), None) => CheckRow::new(
                Group::ProviderCapability,
                "pearl-gateway",
                Status::Ok,
                p.display().to_string(),
            ),
            (None, _) => CheckRow::new(
                Group::ProviderCapability,
                "pearl-gateway",
                Status::Fail,
                "not installed by jarvis nor on PATH; `jarvis mine start` will refuse to launch",
            )
            .fix("run `jarvis pearl install-gateway`"),
        };
        let port = cx.section.extra.metrics_port;
        let ours = Session::read(cx.home)
            .sidecar()
            .and_then(|s| s.metrics_url.clone())
            .is_some_and(|url| url.contains(&format!(":{port}/")));
        let port_row = match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(_) => CheckRow::new(
                Group::ProviderCapability,
                "Metrics port",
                Status::Ok,
                format!("127.0.0.1:{port} free"),
            ),
            Err(_) if ours => CheckRow::new(
                Group::ProviderCapability,
                "Metrics port",
                Status::Ok,
                format!("127.0.0.1:{port} served by the running supervisor"),
            ),
            Err(e) => CheckRow::new(
                Group::ProviderCapability,
                "Metrics port",
                Status::Fail,
                format!("127.0.0.1:{port} in use: {e}"),
            )
            .fix("stop what uses that port or set [mining.extra].metrics_port"),
        };
        vec![gateway_row, port_row]
    })
}

/// The first 12 hex digits of a commit id.
fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}
