//! `fake-pearl-gateway start`: a stand-in for Pearl's `pearl-gateway` executable in
//! supervisor tests. Reads the real gateway's env vars, serves a [`FakeGateway`] with an
//! easy-target job, logs like the real one, and exits cleanly on SIGTERM/SIGINT.
//!
//! Also reads `GATEWAY_PROOF_MAX_PENDING` (an integer >= 1, as the real one requires).
//! Extra env: `FAKE_GATEWAY_RECORD=<file>` (one JSON line per submission, with the verdict),
//! `FAKE_GATEWAY_MODE=paused|crash_after_ms=<N>|ignore_term|garbage_after_ms=<N>`
//! (`ignore_term`: SIGTERM is ignored; SIGINT still stops it. `garbage_after_ms`: from N ms on, every request is answered with a line that is not
//! JSON), `FAKE_GATEWAY_LEAK=1` (a careless gateway: it logs the pearld credentials it was
//! given in every derived form, on stdout and stderr, for the redaction tests),
//! `FAKE_GATEWAY_SLOW_START_MS=<N>` (listens only after N ms, as the real one does while it
//! warms its ZK prover; signals are handled meanwhile, per `FAKE_GATEWAY_MODE`),
//! `FAKE_GATEWAY_ESCAPE_PARENT_DEATH=1` (Linux: it clears the parent-death signal the
//! supervisor set, as a gateway that escaped it would, and then prints
//! `fake-pearl-gateway: parent-death signal cleared`; the tests of the orphan clean-up by recorded identity use it),
//! `FAKE_GATEWAY_LOG_EVERY_LEVEL=1` (once started, it logs one line at each loguru level
//! `PEARL_LOG_LEVEL` lets through: `fake_gateway::log::every_level_lines`).
//!
//! It logs each submission as the real one does (`fake_gateway::log`: loguru's coloured
//! format on stderr, filtered by `PEARL_LOG_LEVEL`).

// It imitates a program whose interface is its log on stdout and its errors on stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use jarvis_testkit::fake_gateway::{FakeGateway, FakeGatewayOptions, Fault, log};
use pearl_protocol::address::{Network, validate_taproot_address};
use pearl_protocol::gateway::{DEFAULT_SOCKET_PATH, DEFAULT_TCP_PORT, GatewayAddress};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// Exit status when the fake "crashes" on purpose.
const CRASH_STATUS: u8 = 70;

enum Mode {
    Normal,
    Paused,
    CrashAfter(Duration),
    IgnoreTerm,
    GarbageAfter(Duration),
}

struct Settings {
    transport_tcp: bool,
    socket_path: PathBuf,
    port: u16,
    queue_capacity: usize,
    record: Option<PathBuf>,
    mode: Mode,
    /// The lines a careless gateway would log (`FAKE_GATEWAY_LEAK`).
    leaks: Vec<String>,
    /// How long it waits before it listens (`FAKE_GATEWAY_SLOW_START_MS`).
    slow_start: Duration,
    /// The least severity logged (`PEARL_LOG_LEVEL`, as loguru reads it); `None`: nothing.
    log_threshold: Option<u32>,
    /// Log a line at each level once started (`FAKE_GATEWAY_LOG_EVERY_LEVEL`).
    log_every_level: bool,
}

/// Printed once the parent-death signal is cleared (`FAKE_GATEWAY_ESCAPE_PARENT_DEATH`).
const ESCAPED_PARENT_DEATH: &str = "fake-pearl-gateway: parent-death signal cleared";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "start") {
        eprintln!("usage: fake-pearl-gateway start [-v]");
        return ExitCode::from(2);
    }
    if env("FAKE_GATEWAY_ESCAPE_PARENT_DEATH").is_some() {
        #[cfg(target_os = "linux")]
        if let Err(e) = rustix::process::set_parent_process_death_signal(None) {
            eprintln!("cannot clear the parent-death signal: {e}");
            return ExitCode::from(1);
        }
        println!("{ESCAPED_PARENT_DEATH}");
    }
    let settings = match settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("Failed to load configuration: {message}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(settings))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn settings() -> Result<Settings, String> {
    let address = env("PEARLD_MINING_ADDRESS").ok_or("PEARLD_MINING_ADDRESS: field required")?;
    let networks = [Network::Mainnet, Network::Testnet, Network::Regtest];
    if !networks
        .iter()
        .any(|&n| validate_taproot_address(address.trim(), n).is_ok())
    {
        return Err(
            "PEARLD_MINING_ADDRESS: must be a Taproot (bech32m, witness v1) address".to_owned(),
        );
    }
    // Read like the real gateway; echoed only in FAKE_GATEWAY_LEAK mode.
    let url = env("PEARLD_RPC_URL").unwrap_or_default();
    let user = env("PEARLD_RPC_USER").unwrap_or_default();
    let password = env("PEARLD_RPC_PASSWORD").unwrap_or_default();
    let leaks = if env("FAKE_GATEWAY_LEAK").is_some() {
        leak_lines(&url, &user, &password)
    } else {
        Vec::new()
    };
    let transport_tcp = match env("MINER_RPC_TRANSPORT").as_deref() {
        None | Some("uds") => false,
        Some("tcp") => true,
        Some(other) => {
            return Err(format!(
                "MINER_RPC_TRANSPORT: {other:?} is not 'uds' or 'tcp'"
            ));
        }
    };
    let port = match env("MINER_RPC_PORT") {
        None => DEFAULT_TCP_PORT,
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("MINER_RPC_PORT: {text:?} is not a port"))?,
    };
    // pydantic: an integer >= 1, default 64.
    let queue_capacity = match env("GATEWAY_PROOF_MAX_PENDING") {
        None => FakeGatewayOptions::default().queue_capacity,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(format!(
                    "GATEWAY_PROOF_MAX_PENDING: {text:?} is not an integer >= 1"
                ));
            }
        },
    };
    let mode = match env("FAKE_GATEWAY_MODE").as_deref() {
        None => Mode::Normal,
        Some("paused") => Mode::Paused,
        Some("ignore_term") => Mode::IgnoreTerm,
        Some(other) => match (
            other
                .strip_prefix("crash_after_ms=")
                .and_then(|n| n.parse().ok()),
            other
                .strip_prefix("garbage_after_ms=")
                .and_then(|n| n.parse().ok()),
        ) {
            (Some(ms), _) => Mode::CrashAfter(Duration::from_millis(ms)),
            (None, Some(ms)) => Mode::GarbageAfter(Duration::from_millis(ms)),
            (None, None) => {
                return Err(format!(
                    "FAKE_GATEWAY_MODE: {other:?} is not 'paused', 'ignore_term', 'crash_after_ms=<N>' or 'garbage_after_ms=<N>'"
                ));
            }
        },
    };
    let slow_start = match env("FAKE_GATEWAY_SLOW_START_MS") {
        None => Duration::ZERO,
        Some(text) => Duration::from_millis(text.trim().parse().map_err(|_| {
            format!("FAKE_GATEWAY_SLOW_START_MS: {text:?} is not a number of milliseconds")
        })?),
    };
    Ok(Settings {
        log_threshold: log::threshold(env("PEARL_LOG_LEVEL").as_deref()),
        log_every_level: env("FAKE_GATEWAY_LOG_EVERY_LEVEL").is_some(),
        slow_start,
        transport_tcp,
        socket_path: PathBuf::from(
            env("MINER_RPC_SOCKET_PATH").unwrap_or_else(|| DEFAULT_SOCKET_PATH.to_owned()),
        ),
        port,
        queue_capacity,
        record: env("FAKE_GATEWAY_RECORD").map(PathBuf::from),
        mode,
        leaks,
    })
}

/// The credentials in the forms a gateway's HTTP client or debug logging may print them.
fn leak_lines(url: &str, user: &str, password: &str) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let basic = STANDARD.encode(format!("{user}:{password}"));
    let with_userinfo = url.replacen("://", &format!("://{user}:{password}@"), 1);
    vec![
        format!("DEBUG connecting to {with_userinfo}"),
        format!("DEBUG request headers: {{'Authorization': 'Basic {basic}'}}"),
        format!("DEBUG Authorization: Basic {basic}"),
        format!("DEBUG retrying with credentials {basic}"),
        format!("ERROR pearld refused password {password}"),
    ]
}

async fn run(settings: Settings) -> ExitCode {
    // Listen before announcing the start, so an early SIGTERM is still a clean stop.
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("cannot listen for signals: {e}");
            return ExitCode::from(1);
        }
    };
    let ignore_term = matches!(settings.mode, Mode::IgnoreTerm);
    tokio::select! {
        () = tokio::time::sleep(settings.slow_start) => {}
        () = signals.wait(ignore_term) => return ExitCode::SUCCESS,
    }
    let options = FakeGatewayOptions {
        paused: matches!(settings.mode, Mode::Paused),
        record_path: settings.record.clone(),
        queue_capacity: settings.queue_capacity,
        ..FakeGatewayOptions::default()
    };
    let started = if settings.transport_tcp {
        FakeGateway::start_tcp(settings.port, options).await
    } else {
        FakeGateway::start_unix(&settings.socket_path, options).await
    };
    let gateway = match started {
        Ok(gateway) => gateway,
        Err(e) => {
            eprintln!("Failed to start Miner RPC server: {e}");
            return ExitCode::from(1);
        }
    };
    match gateway.address() {
        GatewayAddress::Tcp { host, port } => {
            println!("Miner RPC server listening on TCP: {host}:{port}")
        }
        GatewayAddress::Unix(path) => println!(
            "Miner RPC server listening on Unix socket: {}",
            path.display()
        ),
    }
    println!("PearlGateway started successfully");
    if settings.log_every_level {
        for line in log::every_level_lines(unix_now(), settings.log_threshold) {
            log_line(&line);
        }
    }
    for (i, line) in settings.leaks.iter().enumerate() {
        if i % 2 == 0 {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    if let Mode::GarbageAfter(after) = settings.mode {
        tokio::time::sleep(after).await;
        // Every later request (a bounded supply for a test's lifetime) gets a non-JSON line.
        for _ in 0..100_000 {
            gateway.inject(Fault::Garbage);
        }
    }
    let crash = async {
        match settings.mode {
            Mode::CrashAfter(after) => tokio::time::sleep(after).await,
            _ => std::future::pending().await,
        }
    };
    tokio::pin!(crash);
    // What the real gateway logs about each submission, as it takes them.
    let mut logged = 0;
    let mut every = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            () = signals.wait(ignore_term) => break,
            () = &mut crash => {
                eprintln!("fake-pearl-gateway: crashing on purpose (FAKE_GATEWAY_MODE)");
                return ExitCode::from(CRASH_STATUS);
            }
            _ = every.tick() => {
                let submissions = gateway.submissions();
                let now = unix_now();
                for submission in submissions.iter().skip(logged) {
                    for line in log::submission_lines(submission, now, settings.log_threshold) {
                        log_line(&line);
                    }
                }
                logged = submissions.len();
            }
        }
    }
    gateway.shutdown().await;
    println!("Miner RPC server stopped");
    ExitCode::SUCCESS
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Writes one log line to stderr, as loguru does: a reader that went away (a supervisor
/// SIGKILLed) is no reason to exit, so a failed write is dropped, not a panic like `eprintln!`.
fn log_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// SIGTERM and SIGINT listeners.
struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Resolves on the first SIGTERM or SIGINT (SIGINT only, when `ignore_term`).
    async fn wait(&mut self, ignore_term: bool) {
        loop {
            tokio::select! {
                _ = self.term.recv() => {
                    if !ignore_term {
                        return;
                    }
                }
                _ = self.int.recv() => return,
            }
        }
    }
}
