//! Everything the supervisor needs, resolved and checked before anything launches.

use std::path::PathBuf;
use std::time::Duration;

use jarvis_core::gateway_install::find_gateway;
use jarvis_core::paths::JarvisHome;
use jarvis_mining::config::{LogFormat, MiningConfig, MiningExtra, pearld_endpoint};
use pearl_miner::Shape;
use pearl_protocol::gateway::GatewayAddress;
use pearl_rpc::pearld::PearldEndpoint;

use super::error::SupervisorError;

/// Unix socket paths longer than this do not fit `sun_path`; the gateway then uses TCP.
const MAX_SOCKET_PATH: usize = 100;

/// How to run `pearl-gateway start`. The password lives only in `env`, never on argv.
#[derive(Clone)]
pub struct GatewayLaunch {
    /// The resolved `pearl-gateway` executable.
    pub program: PathBuf,
    /// Variables added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// Where the gateway's miner RPC will listen.
    pub address: GatewayAddress,
    /// The RPC password, kept for redaction.
    pub password: String,
    /// How the gateway's output (and the supervisor's own logs) are written.
    pub log_format: LogFormat,
    /// Whether its log level lets its INFO lines through, `Block accepted by node!` among
    /// them: only then are the blocks counted from its log known.
    pub logs_blocks: bool,
}

impl std::fmt::Debug for GatewayLaunch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("GatewayLaunch")
            .field("program", &self.program)
            .field("env_names", &names)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl GatewayLaunch {
    /// `unix:///path` or `tcp://host:port`, for the sidecar's `gateway_url`.
    pub fn url(&self) -> String {
        match &self.address {
            GatewayAddress::Unix(path) => format!("unix://{}", path.display()),
            GatewayAddress::Tcp { host, port } => format!("tcp://{host}:{port}"),
        }
    }
}

/// The checked launch plan of a supervisor.
#[derive(Debug, Clone)]
pub struct SupervisorPlan {
    /// The gateway launch.
    pub gateway: GatewayLaunch,
    /// The GEMM shape mined.
    pub shape: Shape,
    /// Miner threads.
    pub threads: usize,
    /// Our `/metrics` port on 127.0.0.1.
    pub metrics_port: u16,
    /// Restart budget per child per hour.
    pub max_restarts_per_hour: u32,
    /// `logs/mining`.
    pub logs_dir: PathBuf,
    /// Payout address.
    pub wallet_address: String,
    /// History sample interval, seconds.
    pub sample_interval_s: u32,
    /// History retention, days.
    pub history_retention_days: u32,
    /// The mining history database.
    pub history_path: PathBuf,
    /// pearld, for the template height the gateway does not report.
    pub pearld: PearldEndpoint,
}

impl SupervisorPlan {
    /// Resolves the plan; `env` reads environment variables; the gateway is the one
    /// `jarvis pearl install-gateway` installed, else the first on `env("PATH")`. A missing password variable, a bad shape and a missing gateway
    /// are refused here, before anything launches (pool targets never reach this far).
    pub fn prepare(
        home: &JarvisHome,
        config: &MiningConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SupervisorError> {
        let pearld_rpc_url = config.pearld_rpc_url.clone();
        let extra = &config.extra;
        let pearld_rpc_url_for_probe = pearld_rpc_url.clone();
        let password_var = extra.pearld_rpc_password_env.trim();
        let password = match env(password_var) {
            Some(value) if !value.is_empty() => value,
            _ => {
                return Err(SupervisorError::Config {
                    detail: format!(
                        "the pearld RPC password variable {password_var} is not set; export {password_var}=<pearld rpcpass> in the shell (or service) that runs `jarvis mine start`, or name another variable in [mining.extra].pearld_rpc_password_env"
                    ),
                });
            }
        };
        let shape = shape_from_extra(extra)?;
        let threads = match extra.threads {
            Some(0) => {
                return Err(SupervisorError::Config {
                    detail:
                        "[mining.extra].threads = 0; use at least 1, or remove it to use every core"
                            .to_owned(),
                });
            }
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let program = find_gateway(home, env("PATH").as_deref().unwrap_or(""))
            .ok_or(SupervisorError::GatewayNotFound)?;
        let socket = home.runtime_dir().join("pearlgw.sock");
        let address = if socket.as_os_str().len() <= MAX_SOCKET_PATH {
            GatewayAddress::Unix(socket)
        } else {
            GatewayAddress::Tcp {
                host: "127.0.0.1".to_owned(),
                port: extra.gateway_port,
            }
        };
        let log_level = gateway_log_level(env(LOG_LEVEL_VAR).as_deref());
        let logs_blocks = logs_info(Some(&log_level));
        let mut vars = vec![
            ("PEARLD_RPC_URL", pearld_rpc_url),
            ("PEARLD_RPC_USER", extra.pearld_rpc_user.clone()),
            ("PEARLD_RPC_PASSWORD", password.clone()),
            ("PEARLD_MINING_ADDRESS", config.wallet_address.clone()),
            (LOG_LEVEL_VAR, log_level),
        ];
        match &address {
            GatewayAddress::Unix(path) => {
                vars.push(("MINER_RPC_TRANSPORT", "uds".to_owned()));
                vars.push(("MINER_RPC_SOCKET_PATH", path.display().to_string()));
            }
            GatewayAddress::Tcp { host, port } => {
                vars.push(("MINER_RPC_TRANSPORT", "tcp".to_owned()));
                vars.push(("MINER_RPC_HOST", host.clone()));
                vars.push(("MINER_RPC_PORT", port.to_string()));
            }
        }
        let pearld = PearldEndpoint {
            url: pearld_rpc_url_for_probe,
            ..pearld_endpoint(extra, password.clone(), Duration::from_secs(5))
        };
        Ok(Self {
            gateway: GatewayLaunch {
                program,
                env: vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                address,
                password,
                log_format: extra.log_format,
                logs_blocks,
            },
            shape,
            threads,
            metrics_port: extra.metrics_port,
            max_restarts_per_hour: extra.max_restarts_per_hour,
            logs_dir: home.logs_dir(),
            wallet_address: config.wallet_address.clone(),
            sample_interval_s: extra.sample_interval_s,
            history_retention_days: extra.history_retention_days,
            history_path: home.mining_history_path(),
            pearld,
        })
    }
}

/// The one variable pearl-gateway reads for its log level: `miner_utils`' loguru set-up
/// (default INFO; `NONE` silences it). Its settings (`config.py`) read no other.
const LOG_LEVEL_VAR: &str = "PEARL_LOG_LEVEL";

/// The level the gateway is started with: the user's `PEARL_LOG_LEVEL`, else INFO, which lets
/// through the `Block accepted by node!` lines the blocks are counted from.
fn gateway_log_level(user: Option<&str>) -> String {
    match user.map(str::trim).filter(|l| !l.is_empty()) {
        Some(level) => level.to_owned(),
        None => "INFO".to_owned(),
    }
}

/// Whether pearl-gateway, whose loguru level is `PEARL_LOG_LEVEL` (default INFO; `NONE`
/// silences it), logs its INFO lines.
pub(super) fn logs_info(level: Option<&str>) -> bool {
    match level.map(str::trim).filter(|l| !l.is_empty()) {
        None => true,
        Some(level) => ["TRACE", "DEBUG", "INFO"]
            .iter()
            .any(|l| l.eq_ignore_ascii_case(level)),
    }
}

/// The GEMM shape from `[mining.extra]` (m, n, cols_pattern default to the CPU shape), checked
/// against every consensus limit.
pub fn shape_from_extra(extra: &MiningExtra) -> Result<Shape, SupervisorError> {
    let default = Shape::default_for_cpu();
    let shape = Shape {
        m: extra.m.unwrap_or(default.m),
        n: extra.n.unwrap_or(default.n),
        k: extra.k,
        rank: extra.rank,
        rows_pattern: extra.rows_pattern.clone(),
        cols_pattern: extra.cols_pattern.clone().unwrap_or(default.cols_pattern),
    };
    shape
        .validate()
        .map_err(|source| SupervisorError::Shape { source })?;
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::logs_info;

    #[test]
    fn blocks_are_counted_only_where_the_gateway_logs_info() {
        for level in [None, Some(""), Some("INFO"), Some(" debug "), Some("TRACE")] {
            assert!(logs_info(level), "{level:?}");
        }
        for level in ["WARNING", "error", "SUCCESS", "CRITICAL", "NONE"] {
            assert!(!logs_info(Some(level)), "{level}");
        }
    }
}
