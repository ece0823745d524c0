//! `VllmPearlProvider`: image, container, readiness, sidecar; status, logs and stop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jarvis_core::paths::JarvisHome;
use jarvis_core::time::unix_now;
use jarvis_mining::config::{MiningConfig, MiningExtra};
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::{Progress, ProgressEvent};
use jarvis_mining::provider::{
    BoxFuture, LogLine, LogRequest, MiningProvider, StartOptions, StopOptions,
};
use jarvis_mining::session::{ProviderLiveness, Session};
use jarvis_mining::sidecar::{Sidecar, remove_sidecar, write_sidecar};
use jarvis_mining::stats::{Detail, MiningStats};
use jarvis_pearl_source::{PEARL_PINNED_REF, PEARL_REPO_URL};

use super::ID;
use super::container::{self, Found, Launch, Stopped};
use super::docker::{Engine, EngineEndpoint, connect};
use super::image::ensure_image;
use super::sampler::{sampler_of, stop_sampler};
use super::source::BuildPlan;
use super::spec::{CONTAINER_NAME, EnvFn, LaunchSpec};
use super::status::{self, LogEvidence};

/// Container id an attach-written sidecar uses when the user names none.
pub const EXTERNAL_CONTAINER: &str = "external";

/// Tunables; tests shorten the waits and point the build at fixtures.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// How long `start` waits for vLLM's `/health` (a 70B model loads for minutes).
    pub ready_timeout: Duration,
    /// Pause between readiness probes.
    pub poll_interval: Duration,
    /// Budget for connecting to the engine.
    pub engine_timeout: Duration,
    /// Grace period when replacing a container.
    pub replace_grace: Duration,
    /// The Docker CLI used for BuildKit builds.
    pub docker_cli: PathBuf,
    /// Pearl's repository (a local path in tests).
    pub pearl_repo_url: String,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            ready_timeout: Duration::from_secs(30 * 60),
            poll_interval: Duration::from_secs(2),
            engine_timeout: Duration::from_secs(5),
            replace_grace: Duration::from_secs(30),
            docker_cli: PathBuf::from("docker"),
            pearl_repo_url: PEARL_REPO_URL.to_owned(),
        }
    }
}

/// The `vllm-pearl` provider, bound to a jarvis home and an environment.
pub struct VllmPearlProvider {
    home: JarvisHome,
    env: Arc<EnvFn>,
    settings: ProviderSettings,
}

impl VllmPearlProvider {
    /// A provider reading the process environment.
    pub fn new(home: JarvisHome) -> Self {
        Self::with_env(home, Arc::new(|k: &str| std::env::var(k).ok()))
    }

    /// A provider reading `env` (tests).
    pub fn with_env(home: JarvisHome, env: Arc<EnvFn>) -> Self {
        Self {
            home,
            env,
            settings: ProviderSettings::default(),
        }
    }

    /// Replaces the tunables.
    pub fn with_settings(mut self, settings: ProviderSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The jarvis home.
    pub(crate) fn home(&self) -> &JarvisHome {
        &self.home
    }

    fn endpoint(&self) -> EngineEndpoint {
        EngineEndpoint::from_docker_host((self.env)("DOCKER_HOST").as_deref())
    }

    pub(crate) async fn engine(&self) -> Result<Engine, MiningError> {
        connect(&self.endpoint(), self.settings.engine_timeout).await
    }

    /// Where vLLM's port is reachable: the engine's host for a TCP engine, else loopback.
    pub(crate) fn vllm_host(&self) -> String {
        self.endpoint()
            .remote_host()
            .unwrap_or_else(|| "127.0.0.1".to_owned())
    }

    /// `[mining.extra]` from the config file, when it has one.
    fn mining_extra(&self) -> Option<MiningExtra> {
        jarvis_mining::config::load(&self.home.config_path(), &[])
            .ok()
            .flatten()
            .map(|m| m.extra)
    }

    /// Secret values to redact: the configured (or default) password and HF token variables.
    fn secret_values(&self) -> Vec<String> {
        let extra = self.mining_extra().unwrap_or_default();
        [extra.pearld_rpc_password_env, extra.hf_token_env]
            .iter()
            .filter_map(|name| (self.env)(name))
            .filter(|v| !v.is_empty())
            .collect()
    }

    fn build_plan(&self, config: &MiningConfig, engine: &Engine) -> BuildPlan {
        BuildPlan {
            cache_dir: self.home.cache_dir().join("pearl"),
            repo_url: self.settings.pearl_repo_url.clone(),
            pearl_ref: config
                .extra
                .pearl_ref
                .clone()
                .unwrap_or_else(|| PEARL_PINNED_REF.to_owned()),
            docker_cli: self.settings.docker_cli.clone(),
            docker_host: engine.endpoint.host.clone(),
        }
    }

    /// Removes a sidecar of ours whose container is gone; warns through `progress`.
    async fn clean_stale_sidecar(
        &self,
        engine: &Engine,
        progress: &dyn Progress,
    ) -> Result<(), MiningError> {
        let session = Session::read(&self.home);
        let Some(sidecar) = session.sidecar().filter(|s| s.provider == ID) else {
            return Ok(());
        };
        let Some(id) = sidecar
            .container_id
            .as_deref()
            .filter(|id| *id != EXTERNAL_CONTAINER)
        else {
            return Ok(());
        };
        if container::inspect(engine, id).await?.is_none() {
            remove_sidecar(&session.path)?;
            progress.event(ProgressEvent::Warning(format!(
                "removed stale mining sidecar {}: container {id} is gone",
                session.path.display()
            )));
        }
        Ok(())
    }

    fn sidecar_for(&self, config: &MiningConfig, container_id: &str) -> Sidecar {
        let extra = &config.extra;
        let host = self.vllm_host();
        // Whole seconds, like the Python tool's vllm sidecar.
        let mut sidecar = Sidecar::new(ID, &config.wallet_address, unix_now().floor());
        sidecar.vllm_endpoint = Some(format!("http://{host}:{}/v1", extra.vllm_port));
        sidecar.model = Some(extra.model.clone());
        sidecar.gateway_url = Some(format!("http://{host}:{}", extra.gateway_port));
        sidecar.gateway_metrics_url = Some(format!("http://{host}:{}", extra.gateway_metrics_port));
        sidecar.container_id = Some(container_id.to_owned());
        sidecar.image = Some(extra.docker_image_tag.clone());
        sidecar
    }

    async fn start_inner(
        &self,
        config: &MiningConfig,
        options: &StartOptions,
    ) -> Result<(), MiningError> {
        let progress = options.progress.as_ref();
        // Validates the wallet, image tag, secrets and paths before anything touches the engine.
        super::spec::preflight(config)?;
        let spec = LaunchSpec::build(config, self.env.as_ref())?;
        let engine = self.engine().await?;
        self.clean_stale_sidecar(&engine, progress).await?;

        let plan = self.build_plan(config, &engine);
        ensure_image(&engine, &spec.image, &plan, self.env.as_ref(), progress).await?;

        progress.event(ProgressEvent::Phase(format!(
            "starting container {CONTAINER_NAME}"
        )));
        let id =
            match container::launch(&engine, &spec, options.replace, self.settings.replace_grace)
                .await?
            {
                Launch::AlreadyRunning(found) => {
                    progress.event(ProgressEvent::Done(format!(
                        "{CONTAINER_NAME} already runs with this config ({})",
                        short(&found.id)
                    )));
                    // The session as recorded stays (its start time), or is written anew.
                    let sidecar = Session::read(&self.home)
                        .sidecar()
                        .filter(|s| s.provider == ID)
                        .cloned()
                        .unwrap_or_else(|| self.sidecar_for(config, &found.id));
                    return self.run_sampler(config, options, sidecar).await;
                }
                Launch::Started(id) => id,
            };
        if let Err(e) = self.wait_ready(&engine, &id, &spec, progress).await {
            let _ = container::remove(&engine, &id, Duration::from_secs(5)).await;
            return Err(e);
        }
        let sidecar = self.sidecar_for(config, &id);
        if let Err(e) = write_sidecar(&self.home.sidecar_path(), &sidecar) {
            let _ = container::remove(&engine, &id, self.settings.replace_grace).await;
            return Err(e.into());
        }
        self.run_sampler(config, options, sidecar).await
    }

    /// Polls vLLM's `/health` until it answers, the container dies, or the timeout passes.
    async fn wait_ready(
        &self,
        engine: &Engine,
        id: &str,
        spec: &LaunchSpec,
        progress: &dyn Progress,
    ) -> Result<(), MiningError> {
        let base = format!("http://{}:{}", self.vllm_host(), spec.vllm_port);
        progress.event(ProgressEvent::Phase(format!(
            "waiting for vLLM at {base}/health (loading {})",
            spec.model
        )));
        let client =
            status::http_client(Duration::from_secs(2)).map_err(|e| MiningError::Container {
                detail: e.to_string(),
                fix: "check the system's TLS set-up".to_owned(),
            })?;
        let started = Instant::now();
        let mut last_note = Instant::now();
        let why = loop {
            if status::probe_health(&client, &base).await.is_ok() {
                progress.event(ProgressEvent::Done(format!(
                    "vLLM is ready after {}",
                    elapsed(started)
                )));
                return Ok(());
            }
            match container::inspect(engine, id).await? {
                None => break "the container disappeared".to_owned(),
                Some(Found { state, .. }) if state == "exited" || state == "dead" => {
                    break format!("the container {state}");
                }
                Some(Found { restarts, .. }) if restarts > 0 => {
                    break format!("the container restarted {restarts} time(s) while starting");
                }
                Some(_) => {}
            }
            if started.elapsed() > self.settings.ready_timeout {
                break format!("vLLM did not answer /health within {}", elapsed(started));
            }
            if last_note.elapsed() >= Duration::from_secs(15) {
                progress.event(ProgressEvent::Line(format!(
                    "still loading ({})",
                    elapsed(started)
                )));
                last_note = Instant::now();
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        };
        let secrets = spec.secrets();
        let mut lines = Vec::new();
        let _ = container::log_lines(engine, id, "20", 0, false, &mut |l| {
            lines.push(jarvis_core::redact::redact_log_line(&l, &secrets));
        })
        .await;
        let tail = if lines.is_empty() {
            "(no log output)".to_owned()
        } else {
            lines.join("\n  ")
        };
        Err(MiningError::Container {
            detail: format!("the miner did not become ready: {why}; last container log lines:\n  {tail}\n"),
            fix: "fix the cause above (model access, GPU memory, pearld reachability) and run `jarvis mine start` again"
                .to_owned(),
        })
    }

    async fn stop_inner(&self, options: &StopOptions) -> Result<(), MiningError> {
        let session = Session::read(&self.home);
        if let Some(sidecar) = session.sidecar() {
            stop_sampler(sidecar, options.timeout).await;
        }
        let attached = session.sidecar().is_some_and(|s| {
            s.container_id
                .as_deref()
                .is_none_or(|id| id == EXTERNAL_CONTAINER)
        });
        match self.engine().await {
            Ok(engine) => match container::stop_ours(&engine, options.timeout).await? {
                Stopped::Absent => {}
                Stopped::Removed(found) => options.progress.event(ProgressEvent::Done(format!(
                    "removed container {CONTAINER_NAME} ({}, was {})",
                    short(&found.id),
                    found.state
                ))),
                Stopped::Foreign(found) => options.progress.event(ProgressEvent::Warning(format!(
                    "left container {CONTAINER_NAME} ({}) alone: jarvis did not create it",
                    short(&found.id)
                ))),
            },
            // An attached miner is not ours to stop: dropping the sidecar is all stop does.
            Err(_) if attached => {}
            Err(e) => return Err(e),
        }
        remove_sidecar(&session.path)?;
        Ok(())
    }

    async fn stats_inner(&self) -> MiningStats {
        let mut stats = MiningStats::unknown(ID);
        let session = Session::read(&self.home);
        let sidecar = session.sidecar().filter(|s| s.provider == ID).cloned();
        let d = &mut stats.details;
        if let Some(started) = sidecar.as_ref().and_then(|s| s.started_at) {
            stats.uptime_seconds = Some((unix_now() - started).max(0.0));
        }
        // An attached miner has no sampler of ours; a started one should.
        if let Some(sc) = sidecar.as_ref().filter(|s| {
            s.container_id
                .as_deref()
                .is_some_and(|id| id != EXTERNAL_CONTAINER)
        }) {
            let sampler = match sampler_of(sc) {
                Some(p) => format!("running (pid {})", p.pid),
                None => "not running; `jarvis mine start` resumes it".to_owned(),
            };
            d.insert("history_sampler", Detail::Text(sampler));
        }
        let container_ref = container_ref(sidecar.as_ref());
        match self.engine().await {
            Err(e) => {
                d.insert("docker", Detail::unknown(e.to_string()));
                stats.last_error = Some(e.to_string());
            }
            Ok(engine) => {
                d.insert(
                    "docker",
                    Detail::Text(format!(
                        "{:?} {} at {}",
                        engine.kind, engine.version, engine.endpoint.host
                    )),
                );
                match container::inspect(&engine, &container_ref).await {
                    Ok(Some(found)) => {
                        d.insert("container_id", Detail::text(short(&found.id)));
                        d.insert("container_state", Detail::text(&found.state));
                        d.insert(
                            "container_restarts",
                            Detail::Count(u64::try_from(found.restarts).ok()),
                        );
                        d.insert("container_managed", Detail::Flag(Some(found.managed)));
                        let secrets = self.secret_values();
                        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
                        let mut evidence = LogEvidence::default();
                        let counted =
                            container::log_lines(&engine, &found.id, "all", 0, false, &mut |l| {
                                evidence.observe(&l);
                            })
                            .await;
                        match counted {
                            Ok(()) => {
                                stats.shares_submitted = Some(evidence.proofs_received);
                                stats.blocks_found = Some(evidence.blocks_accepted);
                                for (key, n) in [
                                    ("blocks_rejected", evidence.blocks_rejected),
                                    ("stale_proofs_dropped", evidence.stale_dropped),
                                    ("duplicate_blocks", evidence.duplicates),
                                    ("queue_full_rejections", evidence.queue_full),
                                ] {
                                    d.insert(key, Detail::Count(Some(n)));
                                }
                                d.insert(
                                    "block_template_height",
                                    Detail::Number(evidence.template_height),
                                );
                            }
                            Err(e) => {
                                stats.last_error =
                                    Some(jarvis_core::redact::redact(&e.to_string(), &secrets));
                            }
                        }
                    }
                    Ok(None) if sidecar.is_some() => {
                        let why = format!(
                            "container {} is gone; the sidecar is stale (`jarvis mine start` or `jarvis mine stop` cleans it)",
                            short(&container_ref)
                        );
                        d.insert("container_state", Detail::text("gone"));
                        stats.last_error = Some(why);
                    }
                    Ok(None) => {
                        d.insert("container_state", Detail::text("absent"));
                    }
                    Err(e) => {
                        stats.last_error = Some(e.to_string());
                    }
                }
            }
        }
        if let Some(endpoint) = sidecar.as_ref().and_then(|s| s.vllm_endpoint.clone()) {
            self.vllm_details(&endpoint, &mut stats).await;
        }
        let height = self.pearld_height().await;
        stats.details.insert("pearld_height", height);
        stats
    }

    /// pearld's block height from the configured node, or why it is unknown.
    async fn pearld_height(&self) -> Detail {
        let Some(extra) = self.mining_extra() else {
            return Detail::unknown("no [mining] config");
        };
        let password = (self.env)(&extra.pearld_rpc_password_env).unwrap_or_default();
        let endpoint = jarvis_mining::config::pearld_endpoint(
            &extra,
            password.clone(),
            Duration::from_secs(2),
        );
        let result = match pearl_rpc::pearld::PearldClient::new(endpoint) {
            Ok(client) => client.get_blockchain_info().await.map(|info| info.blocks),
            Err(e) => Err(e),
        };
        match result {
            Ok(blocks) => Detail::Number(Some(blocks)),
            Err(e) => Detail::unknown(jarvis_core::redact::redact(&e.to_string(), &[&password])),
        }
    }

    async fn vllm_details(&self, endpoint: &str, stats: &mut MiningStats) {
        let d = &mut stats.details;
        let Ok(client) = status::http_client(Duration::from_secs(3)) else {
            return;
        };
        let base = status::server_base(endpoint);
        d.insert("vllm_endpoint", Detail::text(endpoint));
        d.insert(
            "vllm_health",
            Detail::Text(match status::probe_health(&client, &base).await {
                Ok(()) => "ok".to_owned(),
                Err(e) => e,
            }),
        );
        d.insert(
            "served_models",
            match status::served_models(&client, endpoint).await {
                Ok(ids) if ids.is_empty() => Detail::text("none"),
                Ok(ids) => Detail::Text(ids.join(", ")),
                Err(e) => Detail::unknown(e),
            },
        );
        let metrics = status::vllm_metrics(&client, &base)
            .await
            .unwrap_or_default();
        let count = |v: Option<f64>| Detail::Count(v.filter(|n| *n >= 0.0).map(|n| n as u64));
        d.insert("vllm_requests", count(metrics.requests));
        d.insert("vllm_prompt_tokens", count(metrics.prompt_tokens));
        d.insert("vllm_generation_tokens", count(metrics.generation_tokens));
        d.insert(
            "vllm_uptime_seconds",
            Detail::Seconds(
                metrics
                    .process_start_time
                    .map(|t| (unix_now() - t).max(0.0).floor()),
            ),
        );
    }

    async fn logs_inner(
        &self,
        request: LogRequest,
        sink: &mut (dyn FnMut(LogLine) + Send),
    ) -> Result<(), MiningError> {
        let engine = self.engine().await?;
        let session = Session::read(&self.home);
        let container_ref = container_ref(session.sidecar());
        let Some(found) = container::inspect(&engine, &container_ref).await? else {
            return Err(MiningError::Container {
                detail: format!(
                    "no mining container {container_ref} on {}",
                    engine.endpoint.host
                ),
                fix: "start one with `jarvis mine start`".to_owned(),
            });
        };
        let secrets = self.secret_values();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        container::timestamped_log_lines(
            &engine,
            &found.id,
            &request.tail.to_string(),
            request.follow,
            &mut |line| {
                // The engine's time for each line and the level vLLM wrote at its start; a
                // line without either has none (none is made up).
                sink(crate::logline::log_line(&line, &secrets));
            },
        )
        .await
    }

    /// Whether the session's miner runs: our container (none for an attached miner) is
    /// running and vLLM answers `/health`; otherwise what is not.
    async fn liveness_inner(&self, sidecar: &Sidecar) -> ProviderLiveness {
        if let Some(id) = sidecar
            .container_id
            .as_deref()
            .filter(|id| *id != EXTERNAL_CONTAINER)
        {
            let found = match self.engine().await {
                Ok(engine) => container::inspect(&engine, id).await,
                Err(e) => return ProviderLiveness::Stopped(e.to_string()),
            };
            match found {
                Ok(Some(f)) if f.running() => {}
                Ok(Some(f)) => {
                    return ProviderLiveness::Stopped(format!(
                        "container {} is {}",
                        short(id),
                        f.state
                    ));
                }
                Ok(None) => {
                    return ProviderLiveness::Stopped(format!("container {} is gone", short(id)));
                }
                Err(e) => return ProviderLiveness::Stopped(e.to_string()),
            }
        }
        let Some(endpoint) = sidecar.vllm_endpoint.as_deref() else {
            return ProviderLiveness::Running;
        };
        let base = status::server_base(endpoint);
        let health = match status::http_client(Duration::from_secs(2)) {
            Ok(client) => status::probe_health(&client, &base).await,
            Err(e) => Err(e.to_string()),
        };
        match health {
            Ok(()) => ProviderLiveness::Running,
            Err(why) => ProviderLiveness::Stopped(format!("vLLM at {base}/health: {why}")),
        }
    }
}

/// The container a sidecar of ours names, else our container's name (an attached miner's
/// sidecar names none of its own).
pub(crate) fn container_ref(sidecar: Option<&Sidecar>) -> String {
    sidecar
        .filter(|s| s.provider == ID)
        .and_then(|s| s.container_id.clone())
        .filter(|id| id != EXTERNAL_CONTAINER)
        .unwrap_or_else(|| CONTAINER_NAME.to_owned())
}

pub(crate) fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn elapsed(since: Instant) -> String {
    let s = since.elapsed().as_secs();
    format!("{}m{:02}s", s / 60, s % 60)
}

impl MiningProvider for VllmPearlProvider {
    fn id(&self) -> &'static str {
        ID
    }

    fn start<'a>(
        &'a mut self,
        config: &'a MiningConfig,
        options: &'a StartOptions,
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(self.start_inner(config, options))
    }

    fn stop<'a>(&'a mut self, options: &'a StopOptions) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(self.stop_inner(options))
    }

    fn liveness<'a>(&'a self, sidecar: &'a Sidecar) -> BoxFuture<'a, ProviderLiveness> {
        Box::pin(self.liveness_inner(sidecar))
    }

    fn stats(&self) -> BoxFuture<'_, MiningStats> {
        Box::pin(self.stats_inner())
    }

    fn logs<'a>(
        &'a self,
        request: LogRequest,
        sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(self.logs_inner(request, sink))
    }
}
