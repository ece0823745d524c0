//! Installs Pearl's `pearl-gateway` from source: Pearl's repository at a commit (through
//! [`crate::sync_source`]) into `<cache>/src`, a virtual environment `<cache>/venv-<commit>`
//! made with `uv` when it is on PATH (`uv sync --package pearl-gateway` in Pearl's uv
//! workspace), else with `python3 -m venv` and pip, and the record
//! (`jarvis_core::gateway_install`) that points the supervisor and the doctors at it. The
//! record moves only when a build succeeded, so a failed re-install keeps the previous gateway.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use jarvis_core::gateway_install::{
    GATEWAY, InstalledGateway, RecordError, SCHEMA_VERSION, find_on_path, is_executable,
    read_record, write_record,
};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::SourceError;

/// Where the gateway package lives in Pearl's repository.
pub const GATEWAY_DIR: &str = "miner/pearl-gateway";
/// The oldest Python the gateway supports (its `requires-python`).
pub const MIN_PYTHON: (u32, u32) = (3, 10);
/// What a first build costs, said before it starts and when it fails.
pub const RUST_BUILD_NOTE: &str = "Pearl's proving library (py-pearl-mining) compiles from Rust \
     sources: it needs cargo and a C compiler and takes about 5-15 minutes the first time";
/// Lines of a failed step kept for the error.
const TAIL_LINES: usize = 25;
/// How long `python3` may take to say its version.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// What to install, and from where.
#[derive(Debug, Clone)]
pub struct InstallRequest {
    /// `$OPENJARVIS_HOME/cache/pearl-gateway`.
    pub cache_dir: PathBuf,
    /// A git URL or a local repository path.
    pub source: String,
    /// A commit, tag or branch.
    pub reference: String,
    /// The `PATH` searched for git, python3, uv and cargo.
    pub path: String,
    /// Rebuild even when this commit is already installed.
    pub force: bool,
}

/// Progress of an install, for the caller to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallEvent {
    /// A step began.
    Phase(String),
    /// A line of a tool's output.
    Line(String),
    /// The current step finished.
    Done(String),
    /// Worth knowing, not fatal.
    Warning(String),
}

/// The installed gateway, and whether this call built it.
#[derive(Debug, Clone)]
pub struct InstallOutcome {
    /// The record written (or found).
    pub record: InstalledGateway,
    /// False when this commit was already installed and nothing was rebuilt.
    pub built: bool,
}

/// Why the gateway could not be installed; every message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// No git on PATH.
    #[error(
        "git was not found on PATH; install git (e.g. `sudo apt-get install git`), then run `jarvis pearl install-gateway` again"
    )]
    NoGit,
    /// No python3 on PATH.
    #[error(
        "python3 was not found on PATH; Pearl's gateway needs Python {}.{} or newer: install it (e.g. `sudo apt-get install python3 python3-venv`)",
        MIN_PYTHON.0, MIN_PYTHON.1
    )]
    NoPython,
    /// python3 is too old.
    #[error(
        "{} is Python {found}; Pearl's gateway needs Python {}.{} or newer: install a newer python3 and put it first on PATH",
        program.display(), MIN_PYTHON.0, MIN_PYTHON.1
    )]
    PythonTooOld {
        /// The interpreter.
        program: PathBuf,
        /// Its version.
        found: String,
    },
    /// python3 did not say its version.
    #[error("{} did not report a Python version ({detail}); check that it runs", program.display())]
    PythonUnusable {
        /// The interpreter.
        program: PathBuf,
        /// What happened.
        detail: String,
    },
    /// Pearl's source could not be fetched.
    #[error("cannot fetch Pearl's source")]
    Source(#[source] SourceError),
    /// The fetched tree has no gateway package.
    #[error(
        "{source_name} at {commit} has no {GATEWAY_DIR}/pyproject.toml ({detail}); pass a Pearl repository with --source, or a commit that has the gateway with --ref"
    )]
    NotPearl {
        /// The source.
        source_name: String,
        /// The commit checked out.
        commit: String,
        /// What was missing or unreadable.
        detail: String,
    },
    /// A build step failed.
    #[error("{}", build_message(step, status, tail, *builds_rust))]
    Build {
        /// The command, as shown.
        step: String,
        /// How it ended.
        status: String,
        /// Its last output lines.
        tail: Vec<String>,
        /// Whether a Rust extension was being built.
        builds_rust: bool,
    },
    /// A tool could not be started.
    #[error("cannot run {}: {source}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The package built but has no console script.
    #[error(
        "the package in {GATEWAY_DIR} installed, but {} is missing: this Pearl commit declares no `pearl-gateway` command; pick another with --ref",
        program.display()
    )]
    NoScript {
        /// The expected script.
        program: PathBuf,
    },
    /// The cache directory could not be prepared.
    #[error("cannot prepare {}: {source}; check the permissions of that directory", path.display())]
    Cache {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The record could not be written.
    #[error(transparent)]
    Record(#[from] RecordError),
}

fn build_message(step: &str, status: &str, tail: &[String], builds_rust: bool) -> String {
    let mut text = format!("`{step}` failed ({status})");
    if tail.is_empty() {
        text.push_str(" without output");
    } else {
        text.push_str("; its last lines:");
        for line in tail {
            text.push_str("\n    ");
            text.push_str(line);
        }
    }
    if builds_rust {
        text.push('\n');
        text.push_str(RUST_BUILD_NOTE);
        text.push_str(" (install Rust from https://rustup.rs if cargo is missing)");
    }
    text
}

/// The tools an install uses.
#[derive(Debug, Clone)]
pub struct Tools {
    /// git.
    pub git: PathBuf,
    /// python3 (≥ [`MIN_PYTHON`]).
    pub python: PathBuf,
    /// Its version, `3.12.3`.
    pub python_version: String,
    /// uv, when on PATH.
    pub uv: Option<PathBuf>,
    /// cargo, when on PATH.
    pub cargo: Option<PathBuf>,
}

/// Finds git and a python3 ≥ 3.10 on `path` (refusing without them), and uv and cargo.
pub async fn find_tools(path: &str) -> Result<Tools, InstallError> {
    let git = find_on_path(path, "git").ok_or(InstallError::NoGit)?;
    let python = find_on_path(path, "python3").ok_or(InstallError::NoPython)?;
    let probe = "import sys; print('.'.join(map(str, sys.version_info[:3])))";
    let mut command = tokio::process::Command::new(&python);
    command
        .args(["-c", probe])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let unusable = |detail: String| InstallError::PythonUnusable {
        program: python.clone(),
        detail,
    };
    let output = tokio::time::timeout(PROBE_TIMEOUT, command.output())
        .await
        .map_err(|_| unusable(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())))?
        .map_err(|e| unusable(e.to_string()))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let version = parse_version(&text).ok_or_else(|| {
        unusable(format!(
            "it printed '{}'",
            text.chars().take(60).collect::<String>()
        ))
    })?;
    if (version.0, version.1) < MIN_PYTHON {
        return Err(InstallError::PythonTooOld {
            program: python,
            found: text,
        });
    }
    Ok(Tools {
        git,
        python,
        python_version: text,
        uv: find_on_path(path, "uv"),
        cargo: find_on_path(path, "cargo"),
    })
}

/// `3.12.3` (or `Python 3.12.3`) as numbers.
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let text = text.trim().trim_start_matches("Python").trim();
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts
        .next()
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Some((major, minor, patch))
}

/// A `--source` value as git takes it: an existing local directory becomes its absolute path
/// (so later fetches from the cache still find it), anything else is a URL.
pub fn resolve_source(source: &str) -> String {
    let path = Path::new(source);
    if path.is_dir()
        && let Ok(absolute) = std::fs::canonicalize(path)
    {
        return absolute.display().to_string();
    }
    source.to_owned()
}

/// The first 12 hex digits of a commit id.
pub fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Installs (or finds installed) the gateway of `request.reference`.
pub async fn install_gateway(
    request: &InstallRequest,
    events: &(dyn Fn(InstallEvent) + Send + Sync),
) -> Result<InstallOutcome, InstallError> {
    events(InstallEvent::Phase("checking git and python3".to_owned()));
    let tools = find_tools(&request.path).await?;
    events(InstallEvent::Done(format!(
        "git, Python {}{}",
        tools.python_version,
        if tools.uv.is_some() { ", uv" } else { "" }
    )));

    let cache = &request.cache_dir;
    std::fs::create_dir_all(cache).map_err(|source| InstallError::Cache {
        path: cache.clone(),
        source,
    })?;
    let src = cache.join("src");
    events(InstallEvent::Phase(format!(
        "fetching Pearl's source ({} at {})",
        request.source, request.reference
    )));
    let commit = crate::sync_source(&src, &request.source, &request.reference)
        .await
        .map_err(InstallError::Source)?;
    events(InstallEvent::Done(format!(
        "Pearl's source at {}",
        short_commit(&commit)
    )));

    if let Ok(Some(record)) = read_record(cache)
        && !request.force
        && record.commit == commit
        && record.source == request.source
        && is_executable(&record.program)
    {
        return Ok(InstallOutcome {
            record,
            built: false,
        });
    }

    let layout = Layout::read(&src).map_err(|detail| InstallError::NotPearl {
        source_name: request.source.clone(),
        commit: commit.clone(),
        detail,
    })?;
    if layout.builds_rust && tools.cargo.is_none() {
        events(InstallEvent::Warning(format!(
            "cargo was not found on PATH; {RUST_BUILD_NOTE}: install Rust from https://rustup.rs if the build fails"
        )));
    }

    let venv = cache.join(format!("venv-{}", short_commit(&commit)));
    if venv.exists() {
        std::fs::remove_dir_all(&venv).map_err(|source| InstallError::Cache {
            path: venv.clone(),
            source,
        })?;
    }
    let installer = if tools.uv.is_some() { "uv" } else { "pip" };
    let mut phase = format!("building pearl-gateway with {installer}");
    if layout.builds_rust {
        phase.push_str(&format!(" ({RUST_BUILD_NOTE})"));
    }
    events(InstallEvent::Phase(phase));
    for step in build_steps(&tools, &layout, &src, &venv) {
        run_step(step, layout.builds_rust, events).await?;
    }
    let program = venv.join("bin").join(GATEWAY);
    if !is_executable(&program) {
        return Err(InstallError::NoScript { program });
    }
    let version = package_version(&venv.join("bin/python")).await;
    let record = InstalledGateway {
        schema_version: SCHEMA_VERSION,
        program,
        venv: venv.clone(),
        version,
        commit: commit.clone(),
        reference: request.reference.clone(),
        source: request.source.clone(),
        installer: installer.to_owned(),
        installed_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    write_record(cache, &record)?;
    remove_other_venvs(cache, &venv);
    events(InstallEvent::Done(format!(
        "pearl-gateway {} built from Pearl {}",
        record.version.as_deref().unwrap_or("(version unknown)"),
        short_commit(&commit)
    )));
    Ok(InstallOutcome {
        record,
        built: true,
    })
}

/// Earlier installs' environments, once the record points at the new one.
fn remove_other_venvs(cache: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path != keep && name.to_string_lossy().starts_with("venv-") && path.is_dir() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// What the checked-out tree holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The root is a uv workspace with the gateway as a member.
    pub workspace: bool,
    /// `<src>/miner/pearl-gateway`.
    pub gateway_dir: PathBuf,
    /// Workspace members the gateway depends on (pip installs them from here, as uv would).
    pub local_deps: Vec<PathBuf>,
    /// A package to build is a Rust extension (maturin, or a Cargo.toml beside it).
    pub builds_rust: bool,
}

impl Layout {
    /// Reads the gateway's and the workspace's `pyproject.toml` files under `src`.
    pub fn read(src: &Path) -> Result<Layout, String> {
        let gateway_dir = src.join(GATEWAY_DIR);
        let gateway = read_toml(&gateway_dir.join("pyproject.toml"))?;
        let root = read_toml(&src.join("pyproject.toml")).ok();
        let patterns: Vec<String> = root
            .as_ref()
            .and_then(|r| r.get("tool")?.get("uv")?.get("workspace")?.get("members"))
            .and_then(toml_edit::Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let members = expand_members(src, &patterns);
        let workspace = members.iter().any(|(_, dir)| *dir == gateway_dir);
        let mut workspace_sources = BTreeSet::new();
        if let Some(root) = &root {
            workspace_sources.extend(workspace_source_names(root));
        }
        let mut local_deps = Vec::new();
        let mut builds_rust = is_rust_package(&gateway_dir, &gateway);
        if workspace {
            let mut queue: VecDeque<(PathBuf, toml_edit::DocumentMut)> =
                VecDeque::from([(gateway_dir.clone(), gateway)]);
            let mut seen: BTreeSet<PathBuf> = BTreeSet::from([gateway_dir.clone()]);
            while let Some((_, doc)) = queue.pop_front() {
                let mut sources = workspace_sources.clone();
                sources.extend(workspace_source_names(&doc));
                for name in dependency_names(&doc) {
                    if !sources.contains(&name) {
                        continue;
                    }
                    let Some((_, dir)) = members.iter().find(|(n, _)| *n == name) else {
                        continue;
                    };
                    if !seen.insert(dir.clone()) {
                        continue;
                    }
                    let member = read_toml(&dir.join("pyproject.toml"))?;
                    builds_rust |= is_rust_package(dir, &member);
                    local_deps.push(dir.clone());
                    queue.push_back((dir.clone(), member));
                }
            }
        }
        Ok(Layout {
            workspace,
            gateway_dir,
            local_deps,
            builds_rust,
        })
    }
}

fn read_toml(path: &Path) -> Result<toml_edit::DocumentMut, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse()
        .map_err(|e| format!("{}: {e}", path.display()).replace('\n', " "))
}

/// Member directories with their normalised project names; `*` matches one path segment.
fn expand_members(src: &Path, patterns: &[String]) -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        let mut current = vec![src.to_path_buf()];
        for segment in pattern.split('/').filter(|s| !s.is_empty() && *s != ".") {
            let mut next = Vec::new();
            for dir in &current {
                if segment.contains('*') {
                    let Ok(entries) = std::fs::read_dir(dir) else {
                        continue;
                    };
                    let mut matched: Vec<PathBuf> = entries
                        .flatten()
                        .filter(|e| glob_match(segment, &e.file_name().to_string_lossy()))
                        .map(|e| e.path())
                        .filter(|p| p.is_dir())
                        .collect();
                    matched.sort();
                    next.extend(matched);
                } else {
                    next.push(dir.join(segment));
                }
            }
            current = next;
        }
        dirs.extend(current.into_iter().filter(|d| d != src));
    }
    dirs.into_iter()
        .filter_map(|dir| {
            let doc = read_toml(&dir.join("pyproject.toml")).ok()?;
            let name = doc.get("project")?.get("name")?.as_str()?.to_owned();
            Some((normalise(&name), dir))
        })
        .collect()
}

/// `*` in one path segment.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() + tail.len()
                && name.starts_with(head)
                && glob_match_rest(tail, &name[head.len()..])
        }
    }
}

fn glob_match_rest(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return name.ends_with(pattern);
    }
    (0..=name.len()).any(|i| name.is_char_boundary(i) && glob_match(pattern, &name[i..]))
}

/// Names under `[tool.uv.sources]` marked `{ workspace = true }`.
fn workspace_source_names(doc: &toml_edit::DocumentMut) -> Vec<String> {
    let Some(sources) = doc
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(|u| u.get("sources"))
        .and_then(toml_edit::Item::as_table_like)
    else {
        return Vec::new();
    };
    sources
        .iter()
        .filter(|(_, v)| {
            v.get("workspace")
                .and_then(toml_edit::Item::as_bool)
                .unwrap_or(false)
        })
        .map(|(k, _)| normalise(k))
        .collect()
}

/// `[project].dependencies` names, normalised, without versions, extras or markers.
fn dependency_names(doc: &toml_edit::DocumentMut) -> Vec<String> {
    doc.get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(toml_edit::Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|d| {
                    let name: String = d
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                        .collect();
                    normalise(&name)
                })
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// PEP 503 names: lower case, runs of `-_.` as one `-`.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn is_rust_package(dir: &Path, doc: &toml_edit::DocumentMut) -> bool {
    let backend = doc
        .get("build-system")
        .and_then(|b| b.get("build-backend"))
        .and_then(toml_edit::Item::as_str)
        .unwrap_or_default();
    backend.contains("maturin") || dir.join("Cargo.toml").is_file()
}

/// One command of a build.
struct Step {
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
}

impl Step {
    fn shown(&self) -> String {
        let name = self.program.file_name().map_or_else(
            || self.program.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        std::iter::once(name)
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn build_steps(tools: &Tools, layout: &Layout, src: &Path, venv: &Path) -> Vec<Step> {
    let venv_python = venv.join("bin/python");
    let path = |p: &Path| p.display().to_string();
    let mut packages = vec![path(&layout.gateway_dir)];
    packages.extend(layout.local_deps.iter().map(|d| path(d)));
    match &tools.uv {
        Some(uv) if layout.workspace => vec![Step {
            program: uv.clone(),
            args: ["sync", "--package", GATEWAY, "--no-dev", "--no-editable"]
                .map(str::to_owned)
                .to_vec(),
            cwd: src.to_path_buf(),
            env: vec![("UV_PROJECT_ENVIRONMENT", venv.to_path_buf())],
        }],
        Some(uv) => vec![
            Step {
                program: uv.clone(),
                args: vec![
                    "venv".into(),
                    "--python".into(),
                    path(&tools.python),
                    path(venv),
                ],
                cwd: src.to_path_buf(),
                env: Vec::new(),
            },
            Step {
                program: uv.clone(),
                args: ["pip", "install", "--python"]
                    .map(str::to_owned)
                    .into_iter()
                    .chain([path(&venv_python)])
                    .chain(packages)
                    .collect(),
                cwd: src.to_path_buf(),
                env: Vec::new(),
            },
        ],
        None => vec![
            Step {
                program: tools.python.clone(),
                args: vec!["-m".into(), "venv".into(), path(venv)],
                cwd: src.to_path_buf(),
                env: Vec::new(),
            },
            Step {
                program: venv_python,
                args: [
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                ]
                .map(str::to_owned)
                .into_iter()
                .chain(packages)
                .collect(),
                cwd: src.to_path_buf(),
                env: Vec::new(),
            },
        ],
    }
}

/// Runs `step`, passing its output lines on and keeping the last [`TAIL_LINES`] for the error.
async fn run_step(
    step: Step,
    builds_rust: bool,
    events: &(dyn Fn(InstallEvent) + Send + Sync),
) -> Result<(), InstallError> {
    let mut command = tokio::process::Command::new(&step.program);
    command
        .args(&step.args)
        .current_dir(&step.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in &step.env {
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(|source| InstallError::Spawn {
        program: step.program.clone(),
        source,
    })?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(forward(BufReader::new(out), tx.clone())));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(forward(BufReader::new(err), tx.clone())));
    }
    drop(tx);
    let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL_LINES);
    while let Some(line) = rx.recv().await {
        if line.trim().is_empty() {
            continue;
        }
        events(InstallEvent::Line(line.clone()));
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    for reader in readers {
        let _ = reader.await;
    }
    let status = child.wait().await.map_err(|source| InstallError::Spawn {
        program: step.program.clone(),
        source,
    })?;
    if status.success() {
        return Ok(());
    }
    Err(InstallError::Build {
        step: step.shown(),
        status: status
            .code()
            .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}")),
        tail: tail.into(),
        builds_rust,
    })
}

async fn forward<R: tokio::io::AsyncRead + Unpin>(
    reader: BufReader<R>,
    tx: tokio::sync::mpsc::UnboundedSender<String>,
) {
    let mut lines = reader.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line: String = line.chars().take(300).collect();
        if tx.send(line).is_err() {
            return;
        }
    }
}

/// The installed `pearl-gateway` distribution's version, as Python reports it.
async fn package_version(python: &Path) -> Option<String> {
    let mut command = tokio::process::Command::new(python);
    command
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('pearl-gateway'))",
        ])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(PROBE_TIMEOUT, command.output())
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && !text.is_empty()).then(|| text.chars().take(40).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_names() {
        assert_eq!(parse_version("3.12.3"), Some((3, 12, 3)));
        assert_eq!(parse_version("Python 3.10.0rc1"), Some((3, 10, 0)));
        assert_eq!(parse_version("3.9"), Some((3, 9, 0)));
        assert_eq!(parse_version("garbage"), None);
        assert_eq!(normalise("Py_Pearl.Mining"), "py-pearl-mining");
        assert!(glob_match("*", "pearl-gateway"));
        assert!(glob_match("pearl-*", "pearl-gateway"));
        assert!(glob_match("*-gate*", "pearl-gateway"));
        assert!(!glob_match("vllm-*", "pearl-gateway"));
    }

    #[test]
    fn a_failed_build_shows_its_last_lines_and_the_rust_note() {
        let text = build_message("uv sync", "exit 1", &["a".into(), "b".into()], true);
        assert_eq!(
            text,
            format!(
                "`uv sync` failed (exit 1); its last lines:\n    a\n    b\n{RUST_BUILD_NOTE} (install Rust from https://rustup.rs if cargo is missing)"
            )
        );
        assert_eq!(
            build_message("pip", "exit 2", &[], false),
            "`pip` failed (exit 2) without output"
        );
    }
}
