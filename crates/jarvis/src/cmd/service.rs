//! `jarvis mine service install | uninstall | status`: run `jarvis mine start --foreground`
//! as a user service that restarts on failure: a systemd user unit on Linux, a launchd agent on
//! macOS. The unit never holds a secret; systemd reads it from an `EnvironmentFile=` the user
//! creates with mode 0600.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::Ctx;
use crate::cli::{Manager, ServiceCommand};
use crate::views;
use crate::views::service::Secrets;

/// systemd unit name.
pub(crate) const SYSTEMD_UNIT: &str = "jarvis-mining.service";
/// launchd label.
pub(crate) const LAUNCHD_LABEL: &str = "ai.openjarvis.jarvis-mining";
/// Seconds between restarts after a failure.
const RESTART_SEC: u32 = 10;
/// The password variable when the config names none.
const DEFAULT_PASSWORD_ENV: &str = "PEARLD_RPC_PASSWORD";

impl Manager {
    fn native() -> Manager {
        if cfg!(target_os = "macos") {
            Manager::Launchd
        } else {
            Manager::Systemd
        }
    }
}

/// Everything a unit needs to know; paths are absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnitSpec {
    /// The jarvis binary.
    pub(crate) jarvis: PathBuf,
    /// `$OPENJARVIS_HOME`.
    pub(crate) oj_home: PathBuf,
    /// The 0600 file systemd reads the RPC password from (never written by jarvis).
    pub(crate) env_file: PathBuf,
    /// The variable the miner reads the pearld RPC password from.
    pub(crate) password_env: String,
    /// Where launchd writes the service's stdout and stderr.
    pub(crate) log_dir: PathBuf,
}

/// The unit file for `manager`: where it goes and what it says.
#[derive(Debug, Clone, Serialize)]
struct Plan {
    manager: Manager,
    path: PathBuf,
    content: String,
    /// Run before the file is written or removed; a failure is only a warning (the service
    /// may not be loaded yet).
    before: Vec<Vec<String>>,
    /// Run after; a failure is an error.
    commands: Vec<Vec<String>>,
}

/// Runs `jarvis mine service ...`.
pub(crate) fn run(ctx: &Ctx, command: &ServiceCommand) -> anyhow::Result<ExitCode> {
    let (args, action) = match command {
        ServiceCommand::Install(a) => (a, Action::Install),
        ServiceCommand::Uninstall(a) => (a, Action::Uninstall),
        ServiceCommand::Status(a) => (a, Action::Status),
    };
    let manager = args.manager.unwrap_or_else(Manager::native);
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .context("$HOME is not set; the user service lives under it")?;
    let out = ctx.out.json_if(args.json);
    let spec = unit_spec(ctx)?;
    let plan = plan(manager, action, &home, &spec);
    if action == Action::Status {
        return status(&out, &plan);
    }
    if args.dry_run {
        let commands: Vec<Vec<String>> =
            plan.before.iter().chain(&plan.commands).cloned().collect();
        let content = (action == Action::Install).then_some(plan.content.as_str());
        out.emit(
            &serde_json::json!({ "dry_run": true, "plan": plan }),
            || views::service::dry_run(&plan.path, content, &commands),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    match action {
        Action::Install => {
            let dir = plan
                .path
                .parent()
                .context("the unit path has no directory")?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            run_tolerant(&out, &plan.before);
            std::fs::write(&plan.path, &plan.content)
                .with_context(|| format!("cannot write {}", plan.path.display()))?;
            std::fs::create_dir_all(&spec.log_dir)
                .with_context(|| format!("cannot create {}", spec.log_dir.display()))?;
            run_all(&plan.commands)?;
        }
        Action::Uninstall => {
            run_tolerant(&out, &plan.before);
            match std::fs::remove_file(&plan.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot remove {}", plan.path.display()));
                }
            }
            run_all(&plan.commands)?;
        }
        Action::Status => {}
    }
    out.emit(
        &serde_json::json!({ "dry_run": false, "plan": plan }),
        || {
            if action == Action::Uninstall {
                return views::service::removed(&plan.path);
            }
            let secrets = match manager {
                Manager::Systemd => Secrets::EnvFile {
                    name: &spec.password_env,
                    file: &spec.env_file,
                },
                Manager::Launchd => Secrets::Inherited {
                    name: &spec.password_env,
                },
            };
            views::service::installed(&plan.path, &secrets)
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Install,
    Uninstall,
    Status,
}

fn unit_spec(ctx: &Ctx) -> anyhow::Result<UnitSpec> {
    let exe = std::env::current_exe().context("cannot find the path of the running jarvis")?;
    let jarvis = exe.canonicalize().unwrap_or(exe);
    let configured = match ctx.load_config() {
        Ok(config) => config
            .and_then(|c| c.mining)
            .map(|m| m.extra.pearld_rpc_password_env),
        Err(e) => {
            ctx.out.warn(&format!(
                "{e}; the unit names ${DEFAULT_PASSWORD_ENV} for the RPC password"
            ));
            None
        }
    };
    let password_env = configured
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_PASSWORD_ENV.to_owned());
    let oj_home = ctx.home.root();
    Ok(UnitSpec {
        jarvis,
        env_file: oj_home.join("mining.env"),
        log_dir: ctx.home.logs_dir(),
        oj_home,
        password_env,
    })
}

fn plan(manager: Manager, action: Action, home: &Path, spec: &UnitSpec) -> Plan {
    let s = |items: &[&str]| items.iter().map(|&i| i.to_owned()).collect::<Vec<String>>();
    match manager {
        Manager::Systemd => {
            let path = home.join(".config/systemd/user").join(SYSTEMD_UNIT);
            let (before, commands) = match action {
                // `restart` (not `enable --now`) so a re-install runs the new unit.
                Action::Install => (
                    vec![],
                    vec![
                        s(&["systemctl", "--user", "daemon-reload"]),
                        s(&["systemctl", "--user", "enable", SYSTEMD_UNIT]),
                        s(&["systemctl", "--user", "restart", SYSTEMD_UNIT]),
                    ],
                ),
                Action::Uninstall => (
                    vec![s(&[
                        "systemctl",
                        "--user",
                        "disable",
                        "--now",
                        SYSTEMD_UNIT,
                    ])],
                    vec![s(&["systemctl", "--user", "daemon-reload"])],
                ),
                Action::Status => (
                    vec![],
                    vec![
                        s(&["systemctl", "--user", "is-enabled", SYSTEMD_UNIT]),
                        s(&["systemctl", "--user", "is-active", SYSTEMD_UNIT]),
                    ],
                ),
            };
            Plan {
                manager,
                path,
                content: systemd_unit(spec),
                before,
                commands,
            }
        }
        Manager::Launchd => {
            let path = home
                .join("Library/LaunchAgents")
                .join(format!("{LAUNCHD_LABEL}.plist"));
            let domain = format!("gui/{}", rustix::process::getuid().as_raw());
            let target = format!("{domain}/{LAUNCHD_LABEL}");
            let plist = path.display().to_string();
            let bootout = s(&["launchctl", "bootout", &target]);
            let (before, commands) = match action {
                Action::Install => (
                    vec![bootout],
                    vec![s(&["launchctl", "bootstrap", &domain, &plist])],
                ),
                Action::Uninstall => (vec![bootout], vec![]),
                Action::Status => (vec![], vec![s(&["launchctl", "print", &target])]),
            };
            Plan {
                manager,
                path,
                content: launchd_plist(spec),
                before,
                commands,
            }
        }
    }
}

/// The systemd user unit.
pub(crate) fn systemd_unit(spec: &UnitSpec) -> String {
    let home_env = format!("OPENJARVIS_HOME={}", spec.oj_home.display());
    format!(
        "[Unit]
Description=jarvis Pearl mining
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart={exe} mine start --foreground
Restart=on-failure
RestartSec={RESTART_SEC}
TimeoutStopSec=30
Environment={home_env}
# {password_env} (the pearld RPC password) comes from this file, created by you with mode 0600:
#   install -m 600 /dev/null {env_file_comment} && echo '{password_env}=...' >> {env_file_comment}
EnvironmentFile=-{env_file}

[Install]
WantedBy=default.target
",
        exe = systemd_quote(&spec.jarvis.display().to_string()),
        home_env = systemd_quote(&home_env),
        password_env = spec.password_env,
        env_file = systemd_quote(&spec.env_file.display().to_string()),
        env_file_comment = spec.env_file.display().to_string().replace('%', "%%"),
    )
}

/// Quotes a word for a systemd unit: `%` specifiers and `$` expansion are escaped, and words
/// with spaces, quotes or backslashes are double-quoted.
fn systemd_quote(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    if escaped
        .chars()
        .any(|c| c.is_whitespace() || c == '"' || c == '\\' || c == '\'')
    {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        escaped
    }
}

/// The launchd agent plist.
pub(crate) fn launchd_plist(spec: &UnitSpec) -> String {
    let x = |p: &Path| xml_escape(&p.display().to_string());
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
    <string>{exe}</string>
    <string>mine</string>
    <string>start</string>
    <string>--foreground</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>OPENJARVIS_HOME</key>
    <string>{home}</string>
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>{RESTART_SEC}</integer>
  <key>StandardOutPath</key>
  <string>{out}</string>
  <key>StandardErrorPath</key>
  <string>{err}</string>
</dict>
</plist>
"#,
        exe = x(&spec.jarvis),
        home = x(&spec.oj_home),
        out = x(&spec.log_dir.join("service.out.log")),
        err = x(&spec.log_dir.join("service.err.log")),
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn run_one(argv: &[String]) -> anyhow::Result<String> {
    let (program, args) = argv.split_first().context("empty command")?;
    let output = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run `{}` (is {program} installed?)", argv.join(" ")))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        bail!(
            "`{}` failed ({}): {}",
            argv.join(" "),
            output.status,
            err.trim()
        );
    }
    Ok(text)
}

fn run_tolerant(out: &crate::output::Printer, commands: &[Vec<String>]) {
    for c in commands {
        if let Err(e) = run_one(c) {
            out.warn(&format!("{e:#}"));
        }
    }
}

fn run_all(commands: &[Vec<String>]) -> anyhow::Result<()> {
    for c in commands {
        run_one(c)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ServiceStatus {
    manager: Manager,
    path: PathBuf,
    installed: bool,
    enabled: Option<String>,
    active: Option<String>,
}

fn status(out: &crate::output::Printer, plan: &Plan) -> anyhow::Result<ExitCode> {
    let installed = plan.path.is_file();
    // `is-enabled`/`is-active` exit non-zero for "disabled"/"inactive"; their stdout is the answer.
    let ask = |argv: &Vec<String>| {
        let (program, args) = argv.split_first()?;
        let out = Command::new(program).args(args).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (!text.is_empty()).then_some(text)
    };
    let (enabled, active) = match plan.manager {
        Manager::Systemd => (
            plan.commands.first().and_then(ask),
            plan.commands.get(1).and_then(ask),
        ),
        Manager::Launchd => {
            let loaded = plan.commands.first().and_then(ask).map(|t| {
                t.lines()
                    .find_map(|l| l.trim().strip_prefix("state = ").map(str::to_owned))
                    .unwrap_or_else(|| "loaded".into())
            });
            (None, loaded)
        }
    };
    let report = ServiceStatus {
        manager: plan.manager,
        path: plan.path.clone(),
        installed,
        enabled,
        active,
    };
    out.emit(&report, || {
        let enabled = (report.manager == Manager::Systemd).then_some(report.enabled.as_deref());
        views::service::status(&report.path, installed, enabled, report.active.as_deref())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(root: &str) -> UnitSpec {
        UnitSpec {
            jarvis: PathBuf::from(format!("{root}/bin/jarvis")),
            oj_home: PathBuf::from(format!("{root}/.openjarvis")),
            env_file: PathBuf::from(format!("{root}/.openjarvis/mining.env")),
            password_env: "PEARLD_RPC_PASSWORD".to_owned(),
            log_dir: PathBuf::from(format!("{root}/.openjarvis/logs/mining")),
        }
    }

    #[test]
    fn systemd_quoting_handles_spaces_and_specifiers() {
        assert_eq!(systemd_quote("/usr/bin/jarvis"), "/usr/bin/jarvis");
        assert_eq!(systemd_quote("/home/a b/jarvis"), "\"/home/a b/jarvis\"");
        assert_eq!(systemd_quote("/x/100%/$HOME"), "/x/100%%/$$HOME");
    }

    #[test]
    fn unit_with_a_space_in_the_path_quotes_exec_start() {
        let unit = systemd_unit(&spec("/home/a b"));
        assert!(
            unit.contains("ExecStart=\"/home/a b/bin/jarvis\" mine start --foreground\n"),
            "{unit}"
        );
        assert!(
            unit.contains("Environment=\"OPENJARVIS_HOME=/home/a b/.openjarvis\"\n"),
            "{unit}"
        );
    }

    #[test]
    fn launchd_plist_runs_foreground_start_and_restarts_on_failure() {
        let plist = launchd_plist(&spec("/Users/me&you"));
        assert!(plist.contains("<string>/Users/me&amp;you/bin/jarvis</string>\n    <string>mine</string>\n    <string>start</string>\n    <string>--foreground</string>"), "{plist}");
        assert!(plist.contains("<key>SuccessfulExit</key>\n    <false/>"));
        assert!(plist.contains(&format!("<string>{LAUNCHD_LABEL}</string>")));
        assert!(!plist.contains("PASSWORD"));
    }

    #[test]
    fn plans_name_the_expected_commands() {
        let home = Path::new("/home/me");
        let install = plan(Manager::Systemd, Action::Install, home, &spec("/home/me"));
        assert_eq!(
            install.path,
            Path::new("/home/me/.config/systemd/user/jarvis-mining.service")
        );
        assert_eq!(
            install.commands[2],
            ["systemctl", "--user", "restart", "jarvis-mining.service"]
        );
        let agent = plan(Manager::Launchd, Action::Install, home, &spec("/home/me"));
        assert_eq!(
            agent.path,
            Path::new("/home/me/Library/LaunchAgents/ai.openjarvis.jarvis-mining.plist")
        );
        assert_eq!(agent.before[0][..2], ["launchctl", "bootout"]);
        assert_eq!(agent.commands[0][..2], ["launchctl", "bootstrap"]);
    }
}
