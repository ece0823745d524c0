//! `jarvis mine doctor`: rows by group, every provider's verdict, and what to do next.

use jarvis_doctor::DoctorReport;
use jarvis_mining::check::{Group, Status};

use crate::output::Doc;
use crate::output::style::Mark;

/// The whole report.
pub(crate) fn report(report: &DoctorReport) -> Doc {
    let mut doc = Doc::new();
    doc.heading("Pearl Mining Doctor");
    let provider = report.configured_provider.as_deref();
    doc.indented(
        2,
        format!(
            "config: {} (provider: {})",
            report.config_path.display(),
            provider.unwrap_or("not configured")
        ),
    );
    let mut group: Option<Group> = None;
    for row in &report.rows {
        if group != Some(row.group) {
            if group == Some(Group::ProviderCapability) {
                providers(&mut doc, report);
            }
            group = Some(row.group);
            doc.blank().heading(row.group.title());
        }
        doc.check(
            &row.name,
            Mark::from(row.status),
            &row.info,
            row.fix.as_deref(),
        );
    }
    if group == Some(Group::ProviderCapability) {
        providers(&mut doc, report);
    }
    doc.blank().line(verdict(report));
    doc
}

/// Each registered provider's detect answer, under the provider capability rows.
fn providers(doc: &mut Doc, report: &DoctorReport) {
    for p in &report.providers {
        let configured = if p.configured { " (configured)" } else { "" };
        let text = if p.supported {
            format!("SUPPORTED{configured}")
        } else {
            format!(
                "UNSUPPORTED: {}{configured}",
                p.reason.as_deref().unwrap_or("no reason given")
            )
        };
        doc.named(&p.id, text);
    }
}

/// The last line: ready, not configured, unsupported, or which rows failed.
fn verdict(report: &DoctorReport) -> String {
    let failed: Vec<&str> = report
        .rows
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.name.as_str())
        .collect();
    match report.configured_provider.as_deref() {
        Some(provider) if report.passed => {
            format!("Ready to mine with {provider}. Next: `jarvis mine start`.")
        }
        None => {
            "Not configured: run `jarvis mine init`, then `jarvis mine doctor` again.".to_owned()
        }
        Some(provider) if failed.is_empty() => {
            format!("{provider} is not supported on this host (see Provider capability).")
        }
        Some(_) => format!(
            "{} check(s) failed ({}): fix the FAIL rows, then run `jarvis mine doctor` again.",
            failed.len(),
            failed.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use jarvis_doctor::ProviderRow;
    use jarvis_mining::check::CheckRow;

    use super::*;
    use crate::views::plain;

    fn provider(id: &str, supported: bool, reason: Option<&str>, configured: bool) -> ProviderRow {
        ProviderRow {
            id: id.to_owned(),
            supported,
            reason: reason.map(str::to_owned),
            configured,
        }
    }

    fn fixture(configured: Option<&str>) -> DoctorReport {
        let rows = vec![
            CheckRow::new(
                Group::Hardware,
                "cpu",
                Status::Info,
                "AMD EPYC 9654, 96 cores, avx2 avx512-vnni",
            ),
            CheckRow::new(Group::Hardware, "memory", Status::Info, "754.3 GiB"),
            CheckRow::not_applicable(Group::Docker, "docker", "cpu-pearl", "not needed"),
            CheckRow::new(
                Group::Disk,
                "home free space",
                Status::Ok,
                "812.0 GiB free in /home/me/.openjarvis",
            ),
            CheckRow::new(
                Group::PearlNode,
                "pearld",
                Status::Ok,
                "http://127.0.0.1:44107 answers: height 4242, synced",
            ),
            CheckRow::new(
                Group::Wallet,
                "payout address",
                Status::Ok,
                "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k (mainnet)",
            ),
            CheckRow::new(
                Group::ProviderCapability,
                "config",
                Status::Ok,
                "provider cpu-pearl, model pearl-ai/Llama-3.3-70B-Instruct-pearl",
            ),
            CheckRow::new(
                Group::Session,
                "sidecar",
                Status::Info,
                "absent (not running)",
            ),
        ];
        DoctorReport {
            config_path: PathBuf::from("/home/me/.openjarvis/config.toml"),
            configured_provider: configured.map(str::to_owned),
            rows,
            providers: vec![
                provider(
                    "vllm-pearl",
                    false,
                    Some(
                        "no GPU detected; vllm-pearl needs an NVIDIA GPU with at least 80 GB of memory",
                    ),
                    false,
                ),
                provider("cpu-pearl", true, None, configured == Some("cpu-pearl")),
            ],
            passed: configured.is_some(),
        }
    }

    #[test]
    fn ready() {
        insta::assert_snapshot!(plain(&report(&fixture(Some("cpu-pearl")))));
    }

    #[test]
    fn failing_rows_show_their_fix() {
        let mut r = fixture(Some("cpu-pearl"));
        r.passed = false;
        r.rows[4] = CheckRow::new(
            Group::PearlNode,
            "pearld",
            Status::Fail,
            "http://127.0.0.1:44107 did not answer within 2 s: connection refused",
        )
        .fix("start pearld (`jarvis pearl node --notls`) or set [mining.extra].pearld_rpc_url to where it listens");
        r.rows[3] = CheckRow::new(
            Group::Disk,
            "home free space",
            Status::Warn,
            "4.1 GiB free in /home/me/.openjarvis",
        )
        .fix("free space: history and logs need a few GiB");
        insta::assert_snapshot!(plain(&report(&r)));
    }

    #[test]
    fn not_configured() {
        let mut r = fixture(None);
        r.rows
            .retain(|row| matches!(row.group, Group::Hardware | Group::Disk));
        r.rows.push(
            CheckRow::new(
                Group::ProviderCapability,
                "config",
                Status::Fail,
                "no [mining] section in /home/me/.openjarvis/config.toml",
            )
            .fix("run `jarvis mine init`"),
        );
        insta::assert_snapshot!(plain(&report(&r)));
    }

    #[test]
    fn unsupported_provider() {
        let mut r = fixture(Some("vllm-pearl"));
        r.passed = false;
        r.providers[0].configured = true;
        r.providers[1].configured = false;
        r.rows[2] = CheckRow::new(
            Group::Docker,
            "docker",
            Status::Ok,
            "Docker 27.3.1 at unix:///var/run/docker.sock",
        );
        r.rows[6] = CheckRow::new(
            Group::ProviderCapability,
            "config",
            Status::Ok,
            "provider vllm-pearl, model pearl-ai/Llama-3.3-70B-Instruct-pearl",
        );
        insta::assert_snapshot!(plain(&report(&r)));
    }
}
