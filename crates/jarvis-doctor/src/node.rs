//! pearld and wallet rows.

use std::time::Duration;

use jarvis_mining::check::{CheckRow, Group, Status};
use jarvis_mining::config::{MiningSection, pearld_endpoint};
use jarvis_mining::hint;
use pearl_protocol::address::validate_taproot_address;
use pearl_rpc::pearld::{BlockchainInfo, PearldClient, PearldError};

/// pearld rows (`RPC`, `RPC password`) for `section`; shared with validate-model.
pub async fn pearl_node_rows(
    section: Option<&MiningSection>,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    timeout: Duration,
) -> Vec<CheckRow> {
    let g = Group::PearlNode;
    let Some(section) = section else {
        return vec![
            CheckRow::new(g, "RPC", Status::Fail, "no [mining] config")
                .fix("run `jarvis mine init`"),
        ];
    };
    let extra = &section.extra;
    let password_env = extra.pearld_rpc_password_env.as_str();
    let password = env(password_env);
    let password_row = match &password {
        Some(_) => CheckRow::new(
            g,
            "RPC password",
            Status::Ok,
            format!("${password_env} is set"),
        ),
        None => CheckRow::new(
            g,
            "RPC password",
            Status::Fail,
            format!("${password_env} is not set"),
        )
        .fix(format!(
            "export {password_env}=<pearld rpcpass> before `jarvis mine start`"
        )),
    };
    let endpoint = pearld_endpoint(extra, password.unwrap_or_default(), timeout);
    let rpc_row = match PearldClient::new(endpoint) {
        Err(e) => failed_rpc_row(Status::Fail, e.to_string(), &e),
        Ok(client) => {
            // pearld's getblockchaininfo always says headers == blocks; only getblocktemplate
            // tells a syncing node (-10) or one without peers (-9) apart.
            let template_params = serde_json::json!([{
                "capabilities": ["coinbasevalue", "workid", "coinbase/append"],
                "rules": ["segwit"],
            }]);
            let (info, template) = tokio::join!(
                client.get_blockchain_info(),
                client.call("getblocktemplate", template_params)
            );
            pearld_row(info, template)
        }
    };
    let mut rows = vec![rpc_row, password_row];
    // Pearl's gateway talks to pearld over plain HTTP only (its client has no TLS options).
    if extra.pearld_rpc_url.starts_with("https://") {
        rows.push(
            CheckRow::new(
                g,
                "Gateway transport",
                Status::Fail,
                "pearl-gateway cannot reach pearld over https",
            )
            .fix("run pearld with --notls (it listens on localhost by default) and use an http:// pearld_rpc_url"),
        );
    }
    rows
}

fn pearld_row(
    info: Result<BlockchainInfo, PearldError>,
    template: Result<serde_json::Value, PearldError>,
) -> CheckRow {
    let g = Group::PearlNode;
    let info = match info {
        Ok(info) => info,
        Err(e) => return failed_rpc_row(Status::Fail, e.to_string(), &e),
    };
    let height = format!("block height {} ({})", info.blocks, info.chain);
    match template {
        Ok(t) => {
            let bits = t.get("bits").and_then(|b| b.as_str()).unwrap_or("?");
            CheckRow::new(g, "RPC", Status::Ok, format!("{height}, synced; template bits {bits}"))
        }
        Err(PearldError::Rpc { code: -10, .. }) => CheckRow::new(g, "RPC", Status::Warn, format!("{height}, syncing"))
            .fix("wait for pearld to finish downloading blocks; the gateway gets no block template until then"),
        Err(PearldError::Rpc { code: -9, .. }) => CheckRow::new(g, "RPC", Status::Warn, format!("{height}, no peers"))
            .fix("pearld is not connected to the network; check its connectivity (`prlctl getpeerinfo`)"),
        Err(e) => CheckRow::new(g, "RPC", Status::Warn, format!("{height}; no block template: {e}"))
            .fix("pearl-gateway needs getblocktemplate: use pearld's admin rpcuser, not the limited user"),
    }
}

/// An `RPC` row for a pearld failure, with jarvis' hint as its fix when there is one.
fn failed_rpc_row(status: Status, detail: String, err: &PearldError) -> CheckRow {
    let row = CheckRow::new(Group::PearlNode, "RPC", status, detail);
    match hint::for_pearld(err) {
        Some(fix) => row.fix(fix),
        None => row,
    }
}

pub(super) fn wallet_row(section: Option<&MiningSection>) -> CheckRow {
    let g = Group::Wallet;
    let Some(section) = section else {
        return CheckRow::new(g, "Address format", Status::Fail, "no [mining] config")
            .fix("run `jarvis mine init`");
    };
    let network = section.extra.network;
    match validate_taproot_address(&section.wallet_address, network) {
        Ok(_) => CheckRow::new(
            g,
            "Address format",
            Status::Ok,
            format!("taproot ({})", network.as_str()),
        ),
        Err(e) => CheckRow::new(g, "Address format", Status::Fail, e.to_string())
            .fix("set a Taproot address with `jarvis mine init --force --wallet prl1p...`"),
    }
}
