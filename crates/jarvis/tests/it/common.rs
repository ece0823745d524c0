//! Shared helpers for CLI tests.

use std::path::Path;
use std::process::Command;

use jarvis_testkit::TestEnv;

/// The binary under test.
pub(crate) fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_jarvis"))
}

/// `jarvis <args>` in `env`.
pub(crate) fn jarvis(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = env.command(bin());
    cmd.args(args);
    cmd
}

/// A valid mainnet Taproot address (BIP-350 style program 00..1f under `prl`).
pub(crate) const WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";
/// The same program under the testnet prefix.
pub(crate) const TESTNET_WALLET: &str =
    "tprl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0smg656r";
/// A witness v0 address (Pearl refuses it).
pub(crate) const V0_WALLET: &str = "prl1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysng7t7yx";
