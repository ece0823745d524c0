//! jarvis' own advice for errors that come from the Pearl crates. Those crates speak only of
//! Pearl; the `config.toml` keys and `jarvis` commands that fix their errors are named here,
//! and the CLI shows them as a `hint:` line under the error.

use std::error::Error;

use pearl_protocol::address::{AddressError, Network};
use pearl_rpc::gateway::GatewayError;
use pearl_rpc::pearld::PearldError;

/// The hint for the first error in `err`'s source chain that has one.
pub fn for_chain(err: &(dyn Error + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(hint) = for_error(e) {
            return Some(hint);
        }
        current = e.source();
    }
    None
}

/// The hint for `err` itself (its sources are not looked at).
pub fn for_error(err: &(dyn Error + 'static)) -> Option<String> {
    if let Some(e) = err.downcast_ref::<AddressError>() {
        return for_address(e);
    }
    if let Some(e) = err.downcast_ref::<PearldError>() {
        return for_pearld(e);
    }
    err.downcast_ref::<GatewayError>().and_then(for_gateway)
}

/// Where a wallet address is set, and how to get a Taproot one.
pub fn for_address(err: &AddressError) -> Option<String> {
    match err {
        AddressError::Empty
        | AddressError::WitnessV0(..)
        | AddressError::UnsupportedWitnessVersion { .. } => {
            Some("create a Taproot address with `jarvis pearl address`".to_owned())
        }
        AddressError::WrongNetwork { hrp, .. } => {
            Network::networks_with_hrp(hrp).first().map(|network| {
                format!("to mine on {network}, set `[mining.extra].network = \"{network}\"`")
            })
        }
        _ => None,
    }
}

/// The `[mining.extra]` keys behind each pearld failure.
pub fn for_pearld(err: &PearldError) -> Option<String> {
    const URL: &str = "set `[mining.extra].pearld_rpc_url` to pearld's RPC address";
    const CERT: &str = "set `[mining.extra].pearld_rpc_cert` to pearld's rpc.cert \
                        (default ~/.pearld/rpc.cert), or run pearld with --notls and use http://";
    let hint = match err {
        PearldError::InvalidUrl { .. } => {
            "set `[mining.extra].pearld_rpc_url` to pearld's RPC address without credentials; \
             the user is `[mining.extra].pearld_rpc_user` and the password comes from the \
             environment variable named by `[mining.extra].pearld_rpc_password_env`"
        }
        PearldError::Refused { .. } => {
            "start pearld (`jarvis pearl node --notls`; its rpcuser and rpcpass must match \
             `[mining.extra].pearld_rpc_user` and the password variable), or set \
             `[mining.extra].pearld_rpc_url` to the address it listens on"
        }
        PearldError::Connect { .. } => URL,
        PearldError::Http { status: 400, .. } | PearldError::Tls { .. } => CERT,
        PearldError::Http { .. } => URL,
        PearldError::CertFile { .. } => {
            "set `[mining.extra].pearld_rpc_cert` to pearld's rpc.cert (default ~/.pearld/rpc.cert)"
        }
        PearldError::Unauthorized { .. } => {
            "check `[mining.extra].pearld_rpc_user` and the environment variable named by \
             `[mining.extra].pearld_rpc_password_env`"
        }
        _ => return None,
    };
    Some(hint.to_owned())
}

/// How to see what the gateway and pearld are doing.
pub fn for_gateway(err: &GatewayError) -> Option<String> {
    match err {
        GatewayError::Connect { .. }
        | GatewayError::Closed { .. }
        | GatewayError::Timeout { .. }
        | GatewayError::Paused { .. } => Some(
            "`jarvis mine status` shows the gateway and pearld; `jarvis mine doctor` checks them"
                .to_owned(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pearl_protocol::address::{encode_taproot_address, validate_taproot_address};

    #[derive(Debug, thiserror::Error)]
    #[error("wrapped")]
    struct Wrapper(#[source] PearldError);

    #[test]
    fn pearld_hints_name_the_config_keys() {
        let refused = PearldError::Refused {
            url: "http://127.0.0.1:1/".to_owned(),
        };
        let hint = for_pearld(&refused).unwrap();
        assert!(hint.contains("pearld_rpc_url") && hint.starts_with("start pearld"));
        let unauthorized = PearldError::Unauthorized {
            url: "http://127.0.0.1:1/".to_owned(),
            user: "u".to_owned(),
        };
        let hint = for_pearld(&unauthorized).unwrap();
        assert!(hint.contains("pearld_rpc_user") && hint.contains("pearld_rpc_password_env"));
        let tls = PearldError::Tls {
            url: "https://127.0.0.1:1/".to_owned(),
            detail: "bad".to_owned(),
        };
        assert!(for_pearld(&tls).unwrap().contains("pearld_rpc_cert"));
        let rpc = PearldError::Rpc {
            method: "m".to_owned(),
            code: -10,
            message: "x".to_owned(),
        };
        assert_eq!(for_pearld(&rpc), None);
    }

    #[test]
    fn the_chain_is_searched_past_errors_without_a_hint() {
        let err = Wrapper(PearldError::Refused {
            url: "http://127.0.0.1:1/".to_owned(),
        });
        assert!(for_error(&err).is_none());
        assert!(for_chain(&err).unwrap().contains("pearld_rpc_url"));
    }

    #[test]
    fn address_hints() {
        let empty = validate_taproot_address("", Network::Mainnet).unwrap_err();
        assert!(
            for_address(&empty)
                .unwrap()
                .contains("jarvis pearl address")
        );
        let regtest = encode_taproot_address(Network::Regtest, &[7; 32]).to_string();
        let e = validate_taproot_address(&regtest, Network::Mainnet).unwrap_err();
        assert!(matches!(e, AddressError::WrongNetwork { .. }), "{e}");
        let hint = for_address(&e).unwrap();
        assert!(
            hint.contains("[mining.extra].network = \"regtest\""),
            "{hint}"
        );
    }

    #[test]
    fn gateway_hints_point_at_status() {
        let paused = GatewayError::Paused {
            message: "no template".to_owned(),
        };
        assert!(for_gateway(&paused).unwrap().contains("jarvis mine status"));
        let rpc = GatewayError::Rpc {
            code: 1,
            message: "m".to_owned(),
        };
        assert_eq!(for_gateway(&rpc), None);
    }
}
