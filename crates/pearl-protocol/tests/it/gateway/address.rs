//! `GatewayAddress::from_env_like` and its rendering.

use std::path::PathBuf;

use pearl_protocol::gateway::{GatewayAddress, GatewayAddressError};

#[test]
fn defaults_follow_the_gateway() {
    let address = GatewayAddress::from_env_like(None, None, None, None).unwrap();
    assert_eq!(
        address,
        GatewayAddress::Unix(PathBuf::from("/tmp/pearlgw.sock"))
    );
    assert_eq!(address.to_string(), "unix socket /tmp/pearlgw.sock");
    let tcp = GatewayAddress::from_env_like(Some("tcp"), None, Some(""), None).unwrap();
    assert_eq!(tcp, GatewayAddress::default_tcp());
    assert_eq!(tcp.to_string(), "tcp 127.0.0.1:8337");
}

#[test]
fn explicit_values_are_used() {
    let unix =
        GatewayAddress::from_env_like(Some("uds"), Some("/run/gw.sock"), Some("x"), Some("1"));
    assert_eq!(
        unix,
        Ok(GatewayAddress::Unix(PathBuf::from("/run/gw.sock")))
    );
    let tcp =
        GatewayAddress::from_env_like(Some(" tcp "), None, Some("::1"), Some("9000")).unwrap();
    assert_eq!(
        tcp,
        GatewayAddress::Tcp {
            host: "::1".to_owned(),
            port: 9000
        }
    );
    assert_eq!(tcp.to_string(), "tcp [::1]:9000");
}

#[test]
fn bad_values_are_named() {
    let transport = GatewayAddress::from_env_like(Some("http"), None, None, None).unwrap_err();
    assert_eq!(
        transport,
        GatewayAddressError::BadTransport {
            value: "http".to_owned()
        }
    );
    assert!(transport.to_string().contains("MINER_RPC_TRANSPORT"));
    for port in ["0", "65536", "eighty"] {
        let error = GatewayAddress::from_env_like(Some("tcp"), None, None, Some(port)).unwrap_err();
        assert!(error.to_string().contains("MINER_RPC_PORT"), "{error}");
    }
}
