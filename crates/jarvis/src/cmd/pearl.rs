//! `jarvis pearl`: Pearl's own tools from one place. `doctor` finds them; `node`, `wallet` and
//! `ctl` hand over to pearld, oyster and prlctl (same stdio, same exit code); `address` asks
//! Oyster for a new Taproot address with the RPC password kept off the command line;
//! `install-gateway` builds Pearl's `pearl-gateway` from source into jarvis' cache.

use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};
use jarvis_core::command::{find_program, output_within};
use serde::Serialize;

use jarvis_core::gateway_install::{self, InstalledGateway};
use jarvis_core::paths::JarvisHome;
use jarvis_mining::progress::ProgressEvent;
use jarvis_pearl_source::gateway::{self, InstallError, InstallEvent, InstallRequest};

use crate::cli::{AddressArgs, HomeArg, InstallGatewayArgs, PearlArgs, PearlCommand};
use crate::output::Printer;
use crate::output::error::hinted;
use crate::views;
use crate::views::pearl::Tool;

/// The tools `doctor` looks for.
const TOOLS: [&str; 4] = ["pearld", "oyster", "prlctl", "pearl-gateway"];
/// How long `doctor` waits for `<tool> --version`.
const VERSION_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs `jarvis pearl ...`.
pub(crate) fn run(out: &Printer, args: &PearlArgs) -> anyhow::Result<ExitCode> {
    let env = |name: &str| std::env::var_os(name);
    match &args.command {
        PearlCommand::Doctor(a) => doctor(
            &out.json_if(a.json),
            &Finder::new(&a.home, env),
            &JarvisHome::from_env()?,
        ),
        PearlCommand::Node(a) => pass_through(&Finder::new(&a.home, env), "pearld", &a.args),
        PearlCommand::Wallet(a) => pass_through(&Finder::new(&a.home, env), "oyster", &a.args),
        PearlCommand::Ctl(a) => pass_through(&Finder::new(&a.home, env), "prlctl", &a.args),
        PearlCommand::Address(a) => address(out, &Finder::new(&a.home, env), a),
        PearlCommand::InstallGateway(a) => super::block_on(install_gateway(
            &out.json_if(a.json),
            &JarvisHome::from_env()?,
            a,
        )),
    }
}

/// Binary lookup: `--pearl-home DIR/bin`, then PATH, then `$PEARL_HOME/bin`.
#[derive(Debug, Clone)]
pub(crate) struct Finder {
    explicit: Option<PathBuf>,
    path: Option<OsString>,
    pearl_home: Option<PathBuf>,
}

impl Finder {
    fn new(home: &HomeArg, env: impl Fn(&str) -> Option<OsString>) -> Finder {
        Finder {
            explicit: home.pearl_home.clone(),
            path: env("PATH"),
            pearl_home: env("PEARL_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The first executable `name`, or `None`.
    pub(crate) fn find(&self, name: &str) -> Option<PathBuf> {
        let in_bin = |dir: &Path| find_program(name, Some(dir.join("bin").as_os_str()));
        if let Some(dir) = &self.explicit {
            return in_bin(dir);
        }
        let on_path = self
            .path
            .as_deref()
            .and_then(|path| find_program(name, Some(path)));
        on_path.or_else(|| self.pearl_home.as_deref().and_then(in_bin))
    }

    fn require(&self, name: &str) -> anyhow::Result<PathBuf> {
        match (self.find(name), &self.explicit) {
            (Some(path), _) => Ok(path),
            (None, Some(dir)) => bail!(
                "Pearl binary '{name}' not found in {}; check --pearl-home (it must hold bin/{name})",
                dir.join("bin").display()
            ),
            (None, None) => bail!(
                "Pearl binary '{name}' not found on PATH or in $PEARL_HOME/bin. Set PEARL_HOME=/path/to/pearl, \
                 pass --pearl-home DIR, or put Pearl's bin/ directory on PATH"
            ),
        }
    }
}

#[derive(Serialize)]
struct ToolRow {
    name: &'static str,
    path: Option<PathBuf>,
    version: Option<String>,
    /// The Pearl commit of a gateway `jarvis pearl install-gateway` built, else null.
    commit: Option<String>,
}

fn doctor(out: &Printer, finder: &Finder, home: &JarvisHome) -> anyhow::Result<ExitCode> {
    // The gateway jarvis installed comes first, as for `jarvis mine start`, unless the user
    // pointed at a Pearl install with --pearl-home.
    let installed = finder
        .explicit
        .is_none()
        .then(|| gateway_install::installed(home))
        .flatten();
    let rows: Vec<ToolRow> = TOOLS
        .iter()
        .map(|&name| match &installed {
            Some(record) if name == gateway_install::GATEWAY => ToolRow {
                name,
                path: Some(record.program.clone()),
                version: record.version.clone(),
                commit: Some(record.commit.clone()),
            },
            _ => {
                let path = finder.find(name);
                let version = path.as_deref().and_then(version_of);
                ToolRow {
                    name,
                    path,
                    version,
                    commit: None,
                }
            }
        })
        .collect();
    out.emit(&serde_json::json!({ "tools": rows }), || {
        let tools: Vec<Tool<'_>> = rows
            .iter()
            .map(|r| Tool {
                name: r.name,
                path: r.path.as_deref(),
                version: r.version.as_deref(),
                commit: r.commit.as_deref(),
            })
            .collect();
        views::pearl::doctor(&tools)
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct InstallReport<'a> {
    installed: &'a InstalledGateway,
    /// False when this commit was already installed and nothing was rebuilt.
    built: bool,
}

/// `jarvis pearl install-gateway`: Pearl's source at the ref, a virtual environment with the
/// gateway, and the record the supervisor and the doctors read.
async fn install_gateway(
    out: &Printer,
    home: &JarvisHome,
    args: &InstallGatewayArgs,
) -> anyhow::Result<ExitCode> {
    let request = InstallRequest {
        cache_dir: gateway_install::cache_dir(home),
        source: gateway::resolve_source(&args.source),
        reference: args.reference.clone(),
        path: std::env::var("PATH").unwrap_or_default(),
        force: args.force,
    };
    let progress = out.progress();
    let events = |event: InstallEvent| {
        progress.event(match event {
            InstallEvent::Phase(text) => ProgressEvent::Phase(text),
            InstallEvent::Line(text) => ProgressEvent::Line(text),
            InstallEvent::Done(text) => ProgressEvent::Done(text),
            InstallEvent::Warning(text) => ProgressEvent::Warning(text),
        });
    };
    let result = gateway::install_gateway(&request, &events).await;
    drop(progress);
    let outcome = result.map_err(|e| match e {
        InstallError::Build { .. } => hinted(
            e.to_string(),
            "fix what the lines above name, then run `jarvis pearl install-gateway` again (the gateway installed before, if any, stays in use)",
        ),
        other => anyhow::Error::new(other),
    })?;
    let report = InstallReport {
        installed: &outcome.record,
        built: outcome.built,
    };
    out.emit(&report, || {
        views::pearl::installed(&outcome.record, outcome.built)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// First non-empty line of `<tool> --version`, waiting at most [`VERSION_TIMEOUT`].
fn version_of(path: &Path) -> Option<String> {
    let output = output_within(Command::new(path).arg("--version"), VERSION_TIMEOUT)?;
    let text = [output.stdout, output.stderr].concat();
    let line = String::from_utf8_lossy(&text)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())?
        .to_owned();
    Some(line.chars().take(80).collect())
}

/// Replaces this process with the tool: stdin, stdout, stderr, exit code and signals are the
/// tool's own (a tool killed by signal n shows as 128+n in the shell).
fn pass_through(finder: &Finder, name: &str, args: &[OsString]) -> anyhow::Result<ExitCode> {
    let path = finder.require(name)?;
    let err = Command::new(&path).args(args).exec();
    Err(anyhow::Error::new(err).context(format!("cannot run {}", path.display())))
}

fn address(out: &Printer, finder: &Finder, args: &AddressArgs) -> anyhow::Result<ExitCode> {
    let prlctl = finder.require("prlctl")?;
    let password = password(out, &args.password_env)?;
    let config = write_secret_config(&password)?;
    let mut command = Command::new(&prlctl);
    command
        .args(address_argv(config.path(), args))
        .stdin(Stdio::null());
    let output = command
        .output()
        .with_context(|| format!("cannot run {}", prlctl.display()));
    drop(config);
    let output = output?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let code = output
            .status
            .code()
            .map_or_else(|| "a signal".to_owned(), |c| c.to_string());
        bail!(
            "prlctl exited with {code}: {}\nCheck that Oyster runs and listens on {} and that ${} holds its RPC password",
            stderr.trim(),
            args.server,
            args.password_env
        );
    }
    if !stderr.trim().is_empty() {
        out.note(stderr.trim_end());
    }
    let address = String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_owned();
    if args.json {
        out.json(&serde_json::json!({ "address": address }))?;
    } else {
        out.raw(&address);
    }
    Ok(ExitCode::SUCCESS)
}

/// prlctl's arguments: the password lives only in the `-C` config file.
fn address_argv(config: &Path, args: &AddressArgs) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["-C".into(), config.into(), "--wallet".into()];
    argv.extend(["-u", &args.user, "-s", &args.server].map(OsString::from));
    if !args.tls {
        argv.push("--notls".into());
    } else if !args.verify {
        argv.push("--skipverify".into());
    }
    argv.push("getnewaddress".into());
    argv
}

/// The RPC password from `$env_name`, else from a no-echo prompt on a terminal. No default.
fn password(out: &Printer, env_name: &str) -> anyhow::Result<String> {
    if let Some(value) = std::env::var_os(env_name).filter(|v| !v.is_empty()) {
        return value
            .into_string()
            .map_err(|_| anyhow::anyhow!("${env_name} is not valid UTF-8"));
    }
    let mut prompter = out.prompter();
    if !prompter.is_interactive() {
        bail!(
            "no Oyster RPC password: set ${env_name} (or --password-env NAME) or run on a terminal to be prompted"
        );
    }
    let typed = prompter
        .secret("Oyster RPC password: ")
        .context("cannot read the password from the terminal")?;
    if typed.is_empty() {
        bail!("no Oyster RPC password given; set ${env_name} or type it at the prompt");
    }
    Ok(typed)
}

/// A 0600 temporary prlctl config holding only `rpcpass`, removed when dropped.
fn write_secret_config(password: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("jarvis-prlctl-")
        .suffix(".conf")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile()
        .context("cannot create a temporary prlctl config file in the temp directory")?;
    writeln!(file, "rpcpass={}", go_quote(password))
        .and_then(|()| file.flush())
        .context("cannot write the temporary prlctl config file")?;
    Ok(file)
}

/// A Go double-quoted string literal: prlctl's ini reader unquotes values starting with `"`,
/// so any password (spaces, `#`, `"`, backslashes, control characters) survives exactly.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let mut buf = [0_u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Go's strconv.Unquote for what `go_quote` emits.
    fn go_unquote(quoted: &str) -> Option<String> {
        let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
        let mut bytes = Vec::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    '\\' => bytes.push(b'\\'),
                    '"' => bytes.push(b'"'),
                    'x' => {
                        let hex: String = chars.by_ref().take(2).collect();
                        bytes.push(u8::from_str_radix(&hex, 16).ok()?);
                    }
                    _ => return None,
                },
                '"' => return None,
                c => bytes.extend(c.to_string().as_bytes()),
            }
        }
        String::from_utf8(bytes).ok()
    }

    #[test]
    fn go_quote_escapes_quotes_backslashes_and_controls() {
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_quote("x\ny"), r#""x\x0ay""#);
        assert_eq!(go_quote(" #;pw "), "\" #;pw \"");
    }

    #[test]
    fn explicit_pearl_home_wins_over_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&a, &b] {
            std::fs::create_dir_all(d.join("bin")).expect("mkdir");
            let tool = d.join("bin/prlctl");
            std::fs::write(&tool, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let finder = |explicit: Option<&Path>, env_home: Option<&Path>| Finder {
            explicit: explicit.map(Path::to_path_buf),
            path: Some(a.join("bin").into_os_string()),
            pearl_home: env_home.map(Path::to_path_buf),
        };
        assert_eq!(
            finder(None, Some(&b)).find("prlctl"),
            Some(a.join("bin/prlctl")),
            "PATH before $PEARL_HOME"
        );
        assert_eq!(
            finder(Some(&b), None).find("prlctl"),
            Some(b.join("bin/prlctl")),
            "--pearl-home wins"
        );
        assert_eq!(finder(None, Some(&b)).find("oyster"), None);
        let only_home = Finder {
            explicit: None,
            path: None,
            pearl_home: Some(b.clone()),
        };
        assert_eq!(only_home.find("prlctl"), Some(b.join("bin/prlctl")));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
        #[test]
        fn go_quote_round_trips_and_stays_on_one_line(pw in any::<String>()) {
            let quoted = go_quote(&pw);
            prop_assert!(!quoted.contains('\n') && !quoted.contains('\r'));
            prop_assert_eq!(go_unquote(&quoted), Some(pw));
        }
    }
}
