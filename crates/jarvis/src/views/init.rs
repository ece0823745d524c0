//! `jarvis mine init`: what was written, what doctor still finds missing (each with the
//! command that fixes it), and the one command that starts mining.

use std::path::Path;

use jarvis_mining::check::{CheckRow, Status};

use crate::output::Doc;

/// The command that starts mining.
pub(crate) const START: &str = "jarvis mine start";

/// The result (`changed` when the file was written) and the way on from here: `missing` are
/// the doctor rows that still fail (or warn with a fix) for this config.
pub(crate) fn guide(
    config_path: &Path,
    provider: &str,
    changed: bool,
    missing: &[CheckRow],
) -> Doc {
    let what = if changed { "Wrote" } else { "Unchanged:" };
    let mut doc = Doc::new();
    doc.line(format!(
        "{what} [mining] in {} (provider {provider}).",
        config_path.display()
    ));
    doc.blank();
    if missing.is_empty() {
        doc.line("Everything `jarvis mine doctor` checks is ready. Start mining:");
    } else {
        let count = missing.len();
        doc.line(format!(
            "Still missing before mining ({count} {}):",
            if count == 1 { "item" } else { "items" }
        ));
        for (i, row) in missing.iter().enumerate() {
            let what = if row.status == Status::Fail {
                ""
            } else {
                " (warning)"
            };
            doc.indented(
                2,
                format!("{}. {}: {}{what}", i + 1, row.group.title(), row.name),
            );
            doc.indented(5, &row.info);
            if let Some(fix) = &row.fix {
                doc.indented(5, format!("fix: {fix}"));
            }
        }
        doc.blank();
        doc.line("Then start mining:");
    }
    doc.indented(2, START);
    doc
}

#[cfg(test)]
mod tests {
    use jarvis_mining::check::Group;

    use super::*;
    use crate::views::plain;

    #[test]
    fn a_new_cpu_miner_is_told_what_is_missing_and_how_to_start() {
        let path = Path::new("/home/me/.openjarvis/config.toml");
        let missing = [
            CheckRow::new(
                Group::PearlNode,
                "RPC",
                Status::Fail,
                "pearld refused the connection at http://127.0.0.1:44107/",
            )
            .fix("start pearld (`jarvis pearl node --notls`; its rpcuser and rpcpass must match `[mining.extra].pearld_rpc_user` and the password variable), or set `[mining.extra].pearld_rpc_url` to the address it listens on"),
            CheckRow::new(
                Group::PearlNode,
                "RPC password",
                Status::Fail,
                "$PEARLD_RPC_PASSWORD is not set",
            )
            .fix("export PEARLD_RPC_PASSWORD=<pearld rpcpass> before `jarvis mine start`"),
            CheckRow::new(
                Group::ProviderCapability,
                "pearl-gateway",
                Status::Fail,
                "not installed by jarvis nor on PATH; `jarvis mine start` will refuse to launch",
            )
            .fix("run `jarvis pearl install-gateway`"),
        ];
        insta::assert_snapshot!(plain(&guide(path, "cpu-pearl", true, &missing)));
    }

    #[test]
    fn a_ready_config_gets_only_the_start_command() {
        let path = Path::new("/home/me/.openjarvis/config.toml");
        let syncing = [CheckRow::new(
            Group::PearlNode,
            "RPC",
            Status::Warn,
            "block height 1200 (mainnet), syncing",
        )
        .fix("wait for pearld to finish downloading blocks; the gateway gets no block template until then")];
        insta::assert_snapshot!(format!(
            "{}---\n{}",
            plain(&guide(path, "vllm-pearl", false, &[])),
            plain(&guide(path, "cpu-pearl", true, &syncing))
        ));
    }
}
