//! Pearl mining addresses: bech32m Taproot (witness v1, 32-byte program) with a per-network HRP.

use std::fmt;
use std::str::FromStr;

use bech32::primitives::decode::{CharError, SegwitHrpstringError, UncheckedHrpstringError};
use bech32::segwit;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Pearl network, as named by pearld's flags (`--testnet`, `--regtest`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Network {
    /// Mainnet (HRP `prl`).
    #[default]
    Mainnet,
    /// `--testnet` (HRP `tprl`).
    Testnet,
    /// `--testnet2` (HRP `tprl`).
    Testnet2,
    /// `--signet` (HRP `tprl`).
    Signet,
    /// `--regtest` (HRP `rprl`).
    Regtest,
    /// `--simnet` (HRP `rprl`).
    Simnet,
}

impl Network {
    /// Every network, mainnet first.
    pub const ALL: [Network; 6] = [
        Self::Mainnet,
        Self::Testnet,
        Self::Testnet2,
        Self::Signet,
        Self::Regtest,
        Self::Simnet,
    ];

    /// The config/flag name: `mainnet`, `testnet`, `testnet2`, `signet`, `regtest`, `simnet`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mainnet => "mainnet",
            Self::Testnet => "testnet",
            Self::Testnet2 => "testnet2",
            Self::Signet => "signet",
            Self::Regtest => "regtest",
            Self::Simnet => "simnet",
        }
    }

    /// The bech32m human-readable part of this network's addresses.
    pub fn hrp(self) -> &'static str {
        match self {
            Self::Mainnet => "prl",
            Self::Testnet | Self::Testnet2 | Self::Signet => "tprl",
            Self::Regtest | Self::Simnet => "rprl",
        }
    }

    /// pearld's default JSON-RPC port on this network.
    pub fn default_rpc_port(self) -> u16 {
        match self {
            Self::Mainnet => 44107,
            Self::Testnet => 44109,
            Self::Testnet2 => 44111,
            Self::Signet => 38332,
            Self::Regtest => 18334,
            Self::Simnet => 18556,
        }
    }

    /// Names of the networks whose addresses use `hrp` (empty if none).
    pub fn networks_with_hrp(hrp: &str) -> Vec<&'static str> {
        Self::ALL
            .iter()
            .filter(|n| n.hrp() == hrp)
            .map(|n| n.as_str())
            .collect()
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown network name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Pearl network `{0}`; use one of mainnet, testnet, testnet2, signet, regtest, simnet"
)]
pub struct UnknownNetwork(pub String);

impl FromStr for Network {
    type Err = UnknownNetwork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| UnknownNetwork(s.to_owned()))
    }
}

impl Serialize for Network {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A validated Taproot mining address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaprootAddress {
    network: Network,
    program: [u8; 32],
    encoded: String,
}

impl TaprootAddress {
    /// The network the address was validated for.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The 32-byte witness program (the output key).
    pub fn program(&self) -> [u8; 32] {
        self.program
    }

    /// The address in canonical lowercase form.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// The output script: `OP_1 0x20 <program>` (P2TR).
    pub fn script_pubkey(&self) -> [u8; 34] {
        let mut script = [0u8; 34];
        script[0] = 0x51;
        script[1] = 0x20;
        script[2..].copy_from_slice(&self.program);
        script
    }
}

impl fmt::Display for TaprootAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

/// Why a string is not a Taproot address for the configured network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// No address was given.
    #[error(
        "the mining address is empty; set it to your Taproot address (prl1p...), e.g. a new one from the Oyster wallet"
    )]
    Empty,
    /// Upper- and lowercase letters are mixed.
    #[error(
        "mining address `{0}` mixes upper- and lowercase letters, which bech32 forbids; write it all in lowercase (copy it again from your wallet)"
    )]
    MixedCase(String),
    /// The checksum does not match (a typo, or a v1 address with a bech32 instead of bech32m checksum).
    #[error(
        "mining address `{0}` has an invalid bech32m checksum (a mistyped or truncated character?); copy it again from your wallet"
    )]
    BadChecksum(String),
    /// The text is not a segwit bech32 string at all.
    #[error(
        "mining address `{address}` is not a bech32 segwit address ({detail}); a Pearl mining address looks like prl1p... on mainnet"
    )]
    NotBech32 {
        /// The address given.
        address: String,
        /// The decoder's complaint.
        detail: String,
    },
    /// The HRP belongs to another Pearl network, or to no Pearl network.
    #[error("{}", wrong_network_message(address, hrp, *network))]
    WrongNetwork {
        /// The address given.
        address: String,
        /// Its HRP (lowercase).
        hrp: String,
        /// The configured network.
        network: Network,
    },
    /// A witness v0 (P2WPKH/P2WSH) address.
    #[error(
        "mining address `{0}` is a witness v0 (bech32, {1}1q...) address; Pearl pays only to Taproot (prl1p...) addresses; create one with the Oyster wallet"
    )]
    WitnessV0(String, String),
    /// A witness version other than 0 or 1.
    #[error(
        "mining address `{address}` uses witness version {version}; Pearl pays only to Taproot (witness v1, prl1p...) addresses; create one with the Oyster wallet"
    )]
    UnsupportedWitnessVersion {
        /// The address given.
        address: String,
        /// Its witness version.
        version: u8,
    },
    /// A v1 program that is not 32 bytes.
    #[error(
        "mining address `{address}` has a {len}-byte witness program; a Taproot address carries exactly 32 bytes (copy it again from your wallet)"
    )]
    WrongProgramLength {
        /// The address given.
        address: String,
        /// The program length found.
        len: usize,
    },
}

/// Checks that `addr` is a Taproot address of `network` (uppercase accepted, mixed case not).
pub fn validate_taproot_address(
    addr: &str,
    network: Network,
) -> Result<TaprootAddress, AddressError> {
    if addr.is_empty() {
        return Err(AddressError::Empty);
    }
    let shown = shown(addr);
    if addr.trim() != addr {
        return Err(AddressError::NotBech32 {
            address: shown,
            detail: "it has leading or trailing whitespace; remove it".to_owned(),
        });
    }
    let (hrp, version, program) = segwit::decode(addr).map_err(|e| decode_error(&shown, e.0))?;
    let hrp = hrp.to_lowercase();
    if hrp != network.hrp() {
        return Err(AddressError::WrongNetwork {
            address: shown,
            hrp,
            network,
        });
    }
    match version.to_u8() {
        1 => {}
        0 => return Err(AddressError::WitnessV0(shown, hrp)),
        version => {
            return Err(AddressError::UnsupportedWitnessVersion {
                address: shown,
                version,
            });
        }
    }
    let len = program.len();
    let program: [u8; 32] = program
        .try_into()
        .map_err(|_| AddressError::WrongProgramLength {
            address: shown,
            len,
        })?;
    Ok(TaprootAddress {
        network,
        program,
        encoded: addr.to_lowercase(),
    })
}

/// Encodes a 32-byte program as `network`'s Taproot address.
pub fn encode_taproot_address(network: Network, program: &[u8; 32]) -> TaprootAddress {
    let hrp = bech32::Hrp::parse_unchecked(network.hrp());
    let encoded = segwit::encode_v1(hrp, program)
        .expect("a short constant HRP with a 32-byte v1 program is always encodable");
    TaprootAddress {
        network,
        program: *program,
        encoded,
    }
}

fn decode_error(shown: &str, e: SegwitHrpstringError) -> AddressError {
    match e {
        SegwitHrpstringError::Unchecked(UncheckedHrpstringError::Char(CharError::MixedCase)) => {
            AddressError::MixedCase(shown.to_owned())
        }
        SegwitHrpstringError::Checksum(_) => AddressError::BadChecksum(shown.to_owned()),
        other => AddressError::NotBech32 {
            address: shown.to_owned(),
            detail: describe(&other),
        },
    }
}

fn describe(e: &SegwitHrpstringError) -> String {
    match e {
        SegwitHrpstringError::Unchecked(UncheckedHrpstringError::Char(c)) => c.to_string(),
        SegwitHrpstringError::Unchecked(u) => u.to_string(),
        other => other.to_string(),
    }
}

fn wrong_network_message(address: &str, hrp: &str, network: Network) -> String {
    let expected = network.hrp();
    let owners = Network::networks_with_hrp(hrp);
    match owners.first() {
        Some(first) => format!(
            "mining address `{address}` is a {owners} address (prefix `{hrp}1`), but the configured network is {network} (addresses start with `{expected}1p`); use a {network} address, or set the network to {first} to mine on {owners}",
            owners = owners.join("/"),
        ),
        None => format!(
            "mining address `{address}` has prefix `{hrp}1`, which is not a Pearl network's (prl = mainnet, tprl = testnet/testnet2/signet, rprl = regtest/simnet); use a {network} Taproot address (`{expected}1p...`)"
        ),
    }
}

/// The address as shown in errors: at most 100 characters.
fn shown(addr: &str) -> String {
    crate::error::truncate_chars(addr, 100)
}
