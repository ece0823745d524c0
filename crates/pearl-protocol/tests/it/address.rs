//! Taproot address validation per network.

use bech32::{Fe32, Hrp, segwit};
use pearl_protocol::address::{
    AddressError, Network, encode_taproot_address, validate_taproot_address,
};
use proptest::prelude::*;

use crate::{hex, to_hex};

/// BIP-350's Taproot program (the secp256k1 generator's x), under Pearl's mainnet HRP; the
/// checksum was computed with an independent implementation of BIP-350.
const MAINNET_VECTOR: &str = "prl1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq69prym";
const VECTOR_PROGRAM: &str = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

fn encode(hrp: &str, version: Fe32, program: &[u8]) -> String {
    segwit::encode(Hrp::parse(hrp).unwrap(), version, program).unwrap()
}

#[test]
fn fixed_mainnet_vector() {
    let addr = validate_taproot_address(MAINNET_VECTOR, Network::Mainnet).unwrap();
    assert_eq!(to_hex(&addr.program()), VECTOR_PROGRAM);
    assert_eq!(addr.as_str(), MAINNET_VECTOR);
    assert_eq!(addr.network(), Network::Mainnet);
    let mut script = vec![0x51, 0x20];
    script.extend(hex(VECTOR_PROGRAM));
    assert_eq!(addr.script_pubkey().to_vec(), script);
    let program: [u8; 32] = hex(VECTOR_PROGRAM).try_into().unwrap();
    assert_eq!(
        encode_taproot_address(Network::Mainnet, &program).as_str(),
        MAINNET_VECTOR
    );
}

#[test]
fn networks_parse_and_name_their_hrps() {
    let expected = [
        ("mainnet", "prl"),
        ("testnet", "tprl"),
        ("testnet2", "tprl"),
        ("signet", "tprl"),
        ("regtest", "rprl"),
        ("simnet", "rprl"),
    ];
    for (name, hrp) in expected {
        let network: Network = name.parse().unwrap();
        assert_eq!((network.as_str(), network.hrp()), (name, hrp));
    }
    let err = "Mainnet".parse::<Network>().unwrap_err();
    assert!(err.to_string().contains("mainnet, testnet"), "{err}");
    assert_eq!(Network::Mainnet.default_rpc_port(), 44107);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_programs_validate_on_their_own_networks(program in any::<[u8; 32]>()) {
        for network in Network::ALL {
            let text = encode(network.hrp(), segwit::VERSION_1, &program);
            let addr = validate_taproot_address(&text, network).unwrap();
            prop_assert_eq!(addr.program(), program);
            let upper = validate_taproot_address(&text.to_uppercase(), network).unwrap();
            prop_assert_eq!(upper.as_str(), text.as_str());
        }
    }
}

#[test]
fn wrong_network_names_the_owner_and_the_setting() {
    let program = [7u8; 32];
    let testnet = encode("tprl", segwit::VERSION_1, &program);
    let err = validate_taproot_address(&testnet, Network::Mainnet).unwrap_err();
    assert!(matches!(err, AddressError::WrongNetwork { .. }));
    let text = err.to_string();
    assert!(text.contains("testnet/testnet2/signet"), "{text}");
    assert!(text.contains("set the network to testnet"), "{text}");
    assert!(text.contains("prl1p"), "{text}");

    let mainnet = encode("prl", segwit::VERSION_1, &program);
    let text = validate_taproot_address(&mainnet, Network::Regtest)
        .unwrap_err()
        .to_string();
    assert!(text.contains("set the network to mainnet"), "{text}");

    let bitcoin = encode("bc", segwit::VERSION_1, &program);
    let text = validate_taproot_address(&bitcoin, Network::Mainnet)
        .unwrap_err()
        .to_string();
    assert!(text.contains("not a Pearl network"), "{text}");
}

#[test]
fn witness_v0_gets_the_taproot_hint() {
    for len in [20, 32] {
        let v0 = encode("prl", segwit::VERSION_0, &vec![9u8; len]);
        assert!(v0.starts_with("prl1q"));
        let err = validate_taproot_address(&v0, Network::Mainnet).unwrap_err();
        assert!(matches!(err, AddressError::WitnessV0(..)));
        assert!(
            err.to_string().contains(
                "Pearl pays only to Taproot (prl1p...) addresses; create one with the Oyster wallet"
            ),
            "{err}"
        );
    }
}

#[test]
fn other_witness_versions_are_rejected() {
    let v2 = encode("prl", Fe32::try_from(2u8).unwrap(), &[1u8; 32]);
    assert!(matches!(
        validate_taproot_address(&v2, Network::Mainnet).unwrap_err(),
        AddressError::UnsupportedWitnessVersion { version: 2, .. }
    ));
}

#[test]
fn v1_program_of_wrong_length_is_rejected() {
    let short = encode("prl", segwit::VERSION_1, &[1u8; 20]);
    assert!(matches!(
        validate_taproot_address(&short, Network::Mainnet).unwrap_err(),
        AddressError::WrongProgramLength { len: 20, .. }
    ));
}

#[test]
fn flipped_character_fails_the_checksum() {
    let mut chars: Vec<char> = MAINNET_VECTOR.chars().collect();
    let i = chars.len() - 10;
    chars[i] = if chars[i] == 'q' { 'p' } else { 'q' };
    let flipped: String = chars.into_iter().collect();
    assert!(matches!(
        validate_taproot_address(&flipped, Network::Mainnet).unwrap_err(),
        AddressError::BadChecksum(_)
    ));
}

#[test]
fn empty_mixed_case_and_garbage() {
    assert_eq!(
        validate_taproot_address("", Network::Mainnet).unwrap_err(),
        AddressError::Empty
    );
    let mixed = format!("P{}", &MAINNET_VECTOR[1..]);
    assert!(matches!(
        validate_taproot_address(&mixed, Network::Mainnet).unwrap_err(),
        AddressError::MixedCase(_)
    ));
    let padded = format!("{MAINNET_VECTOR}\n");
    let err = validate_taproot_address(&padded, Network::Mainnet).unwrap_err();
    assert!(err.to_string().contains("whitespace"), "{err}");
    for garbage in [
        "hello",
        "prl1",
        "prl1p",
        " prl1p0xlx",
        "1p0xlxvlhemja6c4dqv",
    ] {
        let err = validate_taproot_address(garbage, Network::Mainnet).unwrap_err();
        assert!(
            matches!(
                err,
                AddressError::NotBech32 { .. } | AddressError::BadChecksum(_)
            ),
            "{garbage:?}: {err:?}"
        );
    }
}
