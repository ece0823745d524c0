//! The miner container: find it, converge it to the launch spec by hash, stop only ours.

use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::query_parameters::{
    CreateContainerOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use futures_util::StreamExt;
use jarvis_mining::error::MiningError;

use super::container_body::{config_hash, create_body};
use super::docker::{Engine, status_code};
use super::spec::{CONTAINER_NAME, LABEL_CONFIG_HASH, LABEL_MANAGED, LaunchSpec};

/// What the engine says about the container named `openjarvis-pearl-miner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Container id.
    pub id: String,
    /// Whether jarvis created it (`jarvis.managed=true`).
    pub managed: bool,
    /// Its `jarvis.config-hash` label.
    pub config_hash: Option<String>,
    /// `running`, `restarting`, `exited`, ...
    pub state: String,
    /// Restarts by the engine's restart policy.
    pub restarts: i64,
}

impl Found {
    /// Running now.
    pub fn running(&self) -> bool {
        self.state == "running"
    }
}

/// Inspects the container `name_or_id`; `Ok(None)` when there is none.
pub async fn inspect(engine: &Engine, name_or_id: &str) -> Result<Option<Found>, MiningError> {
    match engine.docker.inspect_container(name_or_id, None).await {
        Ok(c) => {
            let labels = c.config.and_then(|c| c.labels).unwrap_or_default();
            let state = c
                .state
                .as_ref()
                .and_then(|s| s.status)
                .map_or("unknown".to_owned(), |s| s.to_string());
            Ok(Some(Found {
                id: c.id.unwrap_or_default(),
                managed: labels.get(LABEL_MANAGED).is_some_and(|v| v == "true"),
                config_hash: labels.get(LABEL_CONFIG_HASH).cloned(),
                state,
                restarts: c.restart_count.unwrap_or(0),
            }))
        }
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(engine.error("inspecting the miner container", &e, &[])),
    }
}

/// What `launch` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// A container with the same spec hash is running; nothing changed.
    AlreadyRunning(Found),
    /// A new container was created and started.
    Started(String),
}

/// Converges the container to `spec`: same hash and running is a no-op; a different hash or a
/// foreign container of our name is replaced only with `replace`.
pub async fn launch(
    engine: &Engine,
    spec: &LaunchSpec,
    replace: bool,
    grace: Duration,
) -> Result<Launch, MiningError> {
    let hash = config_hash(spec, engine.kind);
    let secrets = spec.secrets();
    for attempt in 0..2 {
        if let Some(found) = inspect(engine, CONTAINER_NAME).await? {
            let same = found.managed && found.config_hash.as_deref() == Some(hash.as_str());
            if same && found.running() {
                return Ok(Launch::AlreadyRunning(found));
            }
            if !same && !replace {
                return Err(conflict(&found));
            }
            remove(engine, &found.id, grace).await?;
        }
        let options = CreateContainerOptions {
            name: Some(CONTAINER_NAME.to_owned()),
            ..Default::default()
        };
        match engine
            .docker
            .create_container(Some(options), create_body(spec, engine.kind))
            .await
        {
            Ok(created) => {
                let started = engine
                    .docker
                    .start_container(
                        &created.id,
                        None::<bollard::query_parameters::StartContainerOptions>,
                    )
                    .await;
                if let Err(e) = started {
                    // A refused start (no NVIDIA runtime, a bad bind path) leaves a `Created`
                    // container behind: remove it, so nothing of a failed start remains.
                    let _ = remove(engine, &created.id, Duration::ZERO).await;
                    return Err(start_error(engine, &e, &secrets));
                }
                return Ok(Launch::Started(created.id));
            }
            // Someone created one between our inspect and create: look again, once.
            Err(e) if status_code(&e) == Some(409) && attempt == 0 => continue,
            Err(e) => {
                return Err(engine.error(
                    &format!("creating container {CONTAINER_NAME} from {}", spec.image),
                    &e,
                    &secrets,
                ));
            }
        }
    }
    Err(MiningError::Container {
        detail: format!("container {CONTAINER_NAME} keeps reappearing while jarvis creates it"),
        fix: "check what else manages containers of that name (`docker ps -a`)".to_owned(),
    })
}

/// The engine's answer to starting the container, with the fix that fits it.
fn start_error(engine: &Engine, err: &bollard::errors::Error, secrets: &[&str]) -> MiningError {
    let mut error = engine.error("starting the miner container", err, secrets);
    if let MiningError::Docker { detail, fix, .. } = &mut error
        && is_gpu_refusal(detail)
    {
        *fix = GPU_RUNTIME_FIX.to_owned();
    }
    error
}

/// How Docker answers a GPU request when no NVIDIA runtime is configured:
/// `could not select device driver "" with capabilities: [[gpu]]`.
pub fn is_gpu_refusal(detail: &str) -> bool {
    detail.contains("could not select device driver")
}

/// The fix for an engine that cannot hand GPUs to containers.
pub const GPU_RUNTIME_FIX: &str = "this Docker Engine has no NVIDIA runtime: install the NVIDIA Container Toolkit \
     (nvidia-container-toolkit), run `sudo nvidia-ctk runtime configure --runtime=docker`, restart Docker \
     (`sudo systemctl restart docker`), then `jarvis mine doctor`";

fn conflict(found: &Found) -> MiningError {
    let short = found.id.get(..12).unwrap_or(&found.id);
    if found.managed {
        MiningError::Container {
            detail: format!(
                "miner container {short} runs with a different launch spec than the current config ({})",
                found.state
            ),
            fix: "run `jarvis mine start --replace` to recreate it with the current config"
                .to_owned(),
        }
    } else {
        MiningError::Container {
            detail: format!(
                "a container named {CONTAINER_NAME} ({short}, {}) was not started by jarvis",
                found.state
            ),
            fix: format!(
                "run `jarvis mine start --replace` to replace it, or `jarvis mine attach` to use it as it is \
                 (`docker rm -f {short}` removes it by hand)"
            ),
        }
    }
}

/// Stops (with `grace`), force-removes, and waits until the engine no longer knows `id`.
pub async fn remove(engine: &Engine, id: &str, grace: Duration) -> Result<(), MiningError> {
    let t = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
    match engine
        .docker
        .stop_container(
            id,
            Some(StopContainerOptions {
                t: Some(t),
                signal: None,
            }),
        )
        .await
    {
        Ok(()) => {}
        Err(e) if matches!(status_code(&e), Some(304 | 404)) => {}
        Err(e) => return Err(engine.error("stopping the miner container", &e, &[])),
    }
    let options = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    match engine.docker.remove_container(id, Some(options)).await {
        Ok(()) => {}
        Err(e) if status_code(&e) == Some(404) => return Ok(()),
        // 409: removal already in progress; the poll below waits for it.
        Err(e) if status_code(&e) == Some(409) => {}
        Err(e) => return Err(engine.error("removing the miner container", &e, &[])),
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while inspect(engine, id).await?.is_some() {
        if Instant::now() > deadline {
            return Err(MiningError::Container {
                detail: format!("container {id} is still there 30 s after removal"),
                fix: format!("remove it with `docker rm -f {id}`"),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// What `stop_ours` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// No container of our name.
    Absent,
    /// Ours; stopped and removed. Holds what the engine said about it before.
    Removed(Found),
    /// Not ours; left alone.
    Foreign(Found),
}

/// Stops and removes our container; a foreign one of the same name is left alone.
pub async fn stop_ours(engine: &Engine, grace: Duration) -> Result<Stopped, MiningError> {
    match inspect(engine, CONTAINER_NAME).await? {
        None => Ok(Stopped::Absent),
        Some(found) if !found.managed => Ok(Stopped::Foreign(found)),
        Some(found) => {
            remove(engine, &found.id, grace).await?;
            Ok(Stopped::Removed(found))
        }
    }
}

/// Log lines of `container` (stdout and stderr), `tail` = `all` or a count; `since` in unix s.
pub async fn log_lines(
    engine: &Engine,
    container: &str,
    tail: &str,
    since: i32,
    follow: bool,
    sink: &mut (dyn FnMut(String) + Send),
) -> Result<(), MiningError> {
    read_log_lines(engine, container, tail, since, follow, false, sink).await
}

/// [`log_lines`] with the time the engine recorded each line at: each line starts with an RFC
/// 3339 time and a space (the Engine API's `timestamps`), for [`crate::logline`] to cut off.
pub async fn timestamped_log_lines(
    engine: &Engine,
    container: &str,
    tail: &str,
    follow: bool,
    sink: &mut (dyn FnMut(String) + Send),
) -> Result<(), MiningError> {
    read_log_lines(engine, container, tail, 0, follow, true, sink).await
}

async fn read_log_lines(
    engine: &Engine,
    container: &str,
    tail: &str,
    since: i32,
    follow: bool,
    timestamps: bool,
    sink: &mut (dyn FnMut(String) + Send),
) -> Result<(), MiningError> {
    let options = LogsOptions {
        follow,
        stdout: true,
        stderr: true,
        since,
        timestamps,
        tail: tail.to_owned(),
        ..Default::default()
    };
    let mut stream = engine.docker.logs(container, Some(options));
    // Bytes of the line not yet ended, per stream: a long line's pieces come as separate frames,
    // and the other stream's lines may come between them.
    let mut partial: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let emit = |raw: &[u8], sink: &mut (dyn FnMut(String) + Send)| {
        let end = raw.len() - raw.iter().rev().take_while(|&&b| b == b'\r').count();
        sink(crate::logline::engine_line(&raw[..end], timestamps));
    };
    while let Some(item) = stream.next().await {
        let chunk =
            item.map_err(|e| engine.error("reading the miner container's logs", &e, &[]))?;
        let buffer = &mut partial[usize::from(matches!(chunk, LogOutput::StdErr { .. }))];
        buffer.extend_from_slice(&chunk.into_bytes());
        let mut start = 0;
        while let Some(pos) = buffer[start..].iter().position(|&b| b == b'\n') {
            emit(&buffer[start..start + pos], sink);
            start += pos + 1;
        }
        buffer.drain(..start);
    }
    for buffer in partial {
        if !buffer.is_empty() {
            emit(&buffer, sink);
        }
    }
    Ok(())
}
