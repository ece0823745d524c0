//! cpu-pearl's own doctor rows: the gateway executable and the metrics port.

use jarvis_mining::check::{CheckRow, Group, ProviderCheckContext, Status};
use jarvis_mining::provider::BoxFuture;
use jarvis_mining::session::Session;

use crate::supervisor::find_on_path;

pub(super) fn checks<'a>(cx: &'a ProviderCheckContext<'a>) -> BoxFuture<'a, Vec<CheckRow>> {
    Box::pin(async move {
        let path = (cx.env)("PATH").unwrap_or_default();
        // The same lookup `mine start` uses, so doctor never passes a gateway start refuses.
        let gateway = find_on_path(&path, "pearl-gateway");
        let gateway_row = match gateway {
            Some(p) => CheckRow::new(
                Group::ProviderCapability,
                "pearl-gateway",
                Status::Ok,
                p.display().to_string(),
            ),
            None => CheckRow::new(
                Group::ProviderCapability,
                "pearl-gateway",
                Status::Fail,
                "not found on PATH; `jarvis mine start` will refuse to launch",
            )
            .fix("install Pearl's pearl-gateway and make sure `pearl-gateway start` runs in this shell"),
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
