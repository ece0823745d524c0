//! Doctor against a fake pearld, on synthetic hosts.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jarvis_core::config::ConfigError;
use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use jarvis_doctor::{DoctorInputs, DoctorReport, run_doctor};
use jarvis_mining::check::{DoctorTimeouts, Group, Status};
use jarvis_mining::config::{MiningSection, parse as parse_config};
use jarvis_mining::sidecar::{ProcessEntry, Sidecar, write_sidecar};
use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions};

use jarvis_testkit::hw::{h100, plain_linux};

const WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";
const PASSWORD: &str = "s3cret-rpc-pass";

struct Setup {
    _dir: tempfile::TempDir,
    home: JarvisHome,
    env: HashMap<String, String>,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = JarvisHome::at(dir.path());
        let mut env = HashMap::new();
        env.insert("PEARLD_RPC_PASSWORD".to_owned(), PASSWORD.to_owned());
        env.insert(
            "DOCKER_HOST".to_owned(),
            format!("unix://{}/no-docker.sock", dir.path().display()),
        );
        env.insert(
            "HF_HOME".to_owned(),
            dir.path().join("hf").display().to_string(),
        );
        // cpu-pearl's own row wants Pearl's gateway on PATH.
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir bin");
        let gateway = bin.join("pearl-gateway");
        std::fs::write(&gateway, "#!/bin/sh\n").expect("fake gateway");
        std::fs::set_permissions(
            &gateway,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
        env.insert("PATH".to_owned(), bin.display().to_string());
        Self {
            _dir: dir,
            home,
            env,
        }
    }

    fn config(&self, provider: &str, url: &str) -> Result<Option<MiningSection>, ConfigError> {
        let text = format!(
            "[mining]\nprovider = \"{provider}\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\npearld_rpc_url = \"{url}\"\npearld_rpc_user = \"rpcuser\"\nmetrics_port = {port}\n",
            port = free_port()
        );
        let known = jarvis_providers::builtin();
        parse_config(&text, &self.home.config_path(), &known.keys())
    }

    async fn run(
        &self,
        config: &Result<Option<MiningSection>, ConfigError>,
        hw: &HardwareInfo,
    ) -> DoctorReport {
        let registry = jarvis_providers::builtin();
        let env = |k: &str| self.env.get(k).cloned();
        let path = self.home.config_path();
        run_doctor(DoctorInputs {
            home: &self.home,
            config_path: &path,
            config,
            hardware: hw,
            registry: &registry,
            env: &env,
            timeouts: DoctorTimeouts {
                pearld: Duration::from_millis(400),
                docker: Duration::from_millis(400),
                provider_checks: Duration::from_millis(600),
            },
        })
        .await
    }
}

async fn pearld(mode: FakeMode) -> FakePearld {
    FakePearld::start(FakePearldOptions {
        user: "rpcuser".to_owned(),
        password: PASSWORD.to_owned(),
        mode,
    })
    .await
}

fn row<'a>(report: &'a DoctorReport, name: &str) -> &'a jarvis_mining::check::CheckRow {
    report
        .rows
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}: {:#?}", report.rows))
}

#[tokio::test]
async fn healthy_cpu_setup_passes_and_hides_gpu_failures() {
    let setup = Setup::new();
    let fake = pearld(FakeMode::Healthy { height: 442_107 }).await;
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    assert!(report.passed, "{:#?}", report.rows);
    let rpc = row(&report, "RPC");
    assert_eq!(rpc.status, Status::Ok);
    assert!(
        rpc.info.contains("442107") && rpc.info.contains("synced"),
        "{}",
        rpc.info
    );
    for name in ["GPU vendor", "Compute capability", "VRAM"] {
        assert_eq!(row(&report, name).status, Status::NotApplicable);
        assert!(row(&report, name).info.starts_with("n/a for cpu-pearl"));
    }
    assert_eq!(row(&report, "Daemon").status, Status::NotApplicable);
    assert_eq!(row(&report, "Address format").status, Status::Ok);
    assert!(
        report
            .providers
            .iter()
            .any(|p| p.id == "cpu-pearl" && p.configured && p.supported)
    );
    let groups: Vec<Group> = report.rows.iter().map(|r| r.group).collect();
    let mut sorted = groups.clone();
    sorted.sort();
    assert_eq!(groups, sorted, "rows come grouped in display order");
}

#[tokio::test]
async fn doctor_sends_authenticated_getblockchaininfo_and_getblocktemplate() {
    let setup = Setup::new();
    let fake = pearld(FakeMode::Healthy { height: 7 }).await;
    setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    let requests = fake.requests();
    let methods: Vec<String> = requests
        .iter()
        .filter_map(|r| r.json()?.get("method")?.as_str().map(str::to_owned))
        .collect();
    assert!(
        methods.contains(&"getblockchaininfo".to_owned()),
        "{methods:?}"
    );
    assert!(
        methods.contains(&"getblocktemplate".to_owned()),
        "{methods:?}"
    );
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert!(
            r.header("authorization")
                .is_some_and(|h| h.starts_with("Basic "))
        );
    }
}

#[tokio::test]
async fn syncing_node_is_a_warning_not_a_failure() {
    let setup = Setup::new();
    let fake = pearld(FakeMode::Syncing { height: 10 }).await;
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    let rpc = row(&report, "RPC");
    assert_eq!(rpc.status, Status::Warn, "{rpc:?}");
    assert!(rpc.info.contains("syncing"));
    assert!(report.passed);
}

#[tokio::test]
async fn wrong_password_is_a_401_failure_without_the_secret() {
    let mut setup = Setup::new();
    setup.env.insert(
        "PEARLD_RPC_PASSWORD".to_owned(),
        "wrong-password".to_owned(),
    );
    let fake = pearld(FakeMode::Healthy { height: 1 }).await;
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    let rpc = row(&report, "RPC");
    assert_eq!(rpc.status, Status::Fail);
    assert!(
        rpc.info.to_lowercase().contains("401") || rpc.info.contains("rejected"),
        "{}",
        rpc.info
    );
    assert!(!report.passed);
    let json = serde_json::to_string(&report).expect("json");
    assert!(!json.contains("wrong-password") && !json.contains(PASSWORD));
}

#[tokio::test]
async fn json_rpc_errors_and_null_results_fail() {
    let setup = Setup::new();
    for mode in [
        FakeMode::RpcError {
            code: -28,
            message: "Loading block index...".to_owned(),
        },
        FakeMode::NullResult,
    ] {
        let fake = pearld(mode.clone()).await;
        let report = setup
            .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
            .await;
        assert_eq!(
            row(&report, "RPC").status,
            Status::Fail,
            "{mode:?}: {:?}",
            row(&report, "RPC")
        );
        assert!(!report.passed);
    }
}

#[tokio::test]
async fn a_hanging_pearld_is_bounded_by_its_timeout() {
    let setup = Setup::new();
    let fake = pearld(FakeMode::Hang).await;
    let started = Instant::now();
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "doctor took {:?}",
        started.elapsed()
    );
    let rpc = row(&report, "RPC");
    assert_eq!(rpc.status, Status::Fail);
    assert!(
        rpc.info.contains("did not answer within 0.4 s"),
        "{}",
        rpc.info
    );
}

#[tokio::test]
async fn cpu_pearl_without_pearl_gateway_on_path_fails() {
    let mut setup = Setup::new();
    setup
        .env
        .insert("PATH".to_owned(), "/nonexistent".to_owned());
    let fake = pearld(FakeMode::Healthy { height: 1 }).await;
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    assert_eq!(row(&report, "pearl-gateway").status, Status::Fail);
    assert!(!report.passed);
}

#[tokio::test]
async fn cpu_pearl_finds_the_gateway_jarvis_installed_before_path() {
    use jarvis_core::gateway_install::{self, InstalledGateway, SCHEMA_VERSION};
    let mut setup = Setup::new();
    setup
        .env
        .insert("PATH".to_owned(), "/nonexistent".to_owned());
    let cache = gateway_install::cache_dir(&setup.home);
    let program = cache.join("venv-0123456789ab/bin/pearl-gateway");
    std::fs::create_dir_all(program.parent().expect("bin")).expect("mkdir");
    std::fs::write(&program, "#!/bin/sh\n").expect("gateway");
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    gateway_install::write_record(
        &cache,
        &InstalledGateway {
            schema_version: SCHEMA_VERSION,
            program: program.clone(),
            venv: cache.join("venv-0123456789ab"),
            version: Some("0.1.0".into()),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            reference: "master".into(),
            source: "/src/pearl".into(),
            installer: "uv".into(),
            installed_at: 1,
        },
    )
    .expect("record");
    let fake = pearld(FakeMode::Healthy { height: 1 }).await;
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    let gateway = row(&report, "pearl-gateway");
    assert_eq!(gateway.status, Status::Ok, "{gateway:?}");
    assert!(
        gateway.info.starts_with(&program.display().to_string())
            && gateway.info.contains("installed by jarvis"),
        "{}",
        gateway.info
    );
}

#[tokio::test]
async fn every_endpoint_hanging_still_ends_within_the_timeouts() {
    let mut setup = Setup::new();
    // A Docker socket that accepts connections and never answers.
    let socket = setup._dir.path().join("hang.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    setup.env.insert(
        "DOCKER_HOST".to_owned(),
        format!("unix://{}", socket.display()),
    );
    let fake = pearld(FakeMode::Hang).await;
    let started = Instant::now();
    let report = setup
        .run(&setup.config("vllm-pearl", &fake.url()), &h100())
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "doctor took {:?}",
        started.elapsed()
    );
    assert_eq!(row(&report, "RPC").status, Status::Fail);
    assert_ne!(row(&report, "Daemon").status, Status::Ok);
    assert!(!report.passed);
}

#[tokio::test]
async fn an_https_pearld_url_fails_because_the_gateway_speaks_http_only() {
    let setup = Setup::new();
    let report = setup
        .run(
            &setup.config("cpu-pearl", "https://127.0.0.1:1"),
            &plain_linux(),
        )
        .await;
    let row = row(&report, "Gateway transport");
    assert_eq!(row.status, Status::Fail);
    assert!(row.fix.as_deref().is_some_and(|f| f.contains("--notls")));
}

#[tokio::test]
async fn missing_password_variable_fails_its_row() {
    let mut setup = Setup::new();
    setup.env.remove("PEARLD_RPC_PASSWORD");
    let fake = pearld(FakeMode::Healthy { height: 1 }).await;
    let report = setup
        .run(&setup.config("cpu-pearl", &fake.url()), &plain_linux())
        .await;
    let pw = row(&report, "RPC password");
    assert_eq!(pw.status, Status::Fail);
    assert!(
        pw.fix
            .as_deref()
            .is_some_and(|f| f.contains("export PEARLD_RPC_PASSWORD"))
    );
}

#[tokio::test]
async fn no_config_fails_with_the_init_hint() {
    let setup = Setup::new();
    let report = setup.run(&Ok(None), &plain_linux()).await;
    assert!(!report.passed);
    let config = row(&report, "Config");
    assert_eq!(config.status, Status::Fail);
    assert_eq!(config.fix.as_deref(), Some("run `jarvis mine init`"));
    assert!(report.configured_provider.is_none());
}

#[tokio::test]
async fn unsupported_configured_provider_fails_and_nvidia_rows_show() {
    let setup = Setup::new();
    let fake = pearld(FakeMode::Healthy { height: 1 }).await;
    let report = setup
        .run(&setup.config("vllm-pearl", &fake.url()), &plain_linux())
        .await;
    assert!(!report.passed);
    assert_eq!(row(&report, "GPU vendor").status, Status::Fail);
    assert_eq!(row(&report, "Configured provider").status, Status::Fail);
    let daemon = row(&report, "Daemon");
    assert_eq!(daemon.status, Status::Fail, "no engine at the temp socket");
    assert!(
        daemon
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("no-docker.sock"))
    );
    assert!(report.rows.iter().any(|r| r.name == "HF cache"));
    assert_eq!(row(&report, "Model registry").status, Status::Ok);
}

#[tokio::test]
async fn h100_host_shows_hopper_rows_ok() {
    let setup = Setup::new();
    let fake = pearld(FakeMode::Healthy { height: 1 }).await;
    let report = setup
        .run(&setup.config("vllm-pearl", &fake.url()), &h100())
        .await;
    assert_eq!(row(&report, "GPU vendor").status, Status::Ok);
    assert_eq!(row(&report, "Compute capability").status, Status::Ok);
    assert_eq!(row(&report, "VRAM").status, Status::Ok);
    assert!(
        report
            .providers
            .iter()
            .any(|p| p.id == "vllm-pearl" && p.supported)
    );
}

#[tokio::test]
async fn stale_sidecar_is_reported() {
    let setup = Setup::new();
    let mut sidecar = Sidecar::new("cpu-pearl", WALLET, 0.0);
    let me = jarvis_core::process::ProcessIdentity::current();
    sidecar.processes.push(ProcessEntry {
        role: "supervisor".to_owned(),
        pid: me.pid,
        start_time: me.start_time + 1,
    });
    write_sidecar(&setup.home.sidecar_path(), &sidecar).expect("write");
    let report = setup.run(&Ok(None), &plain_linux()).await;
    let row = row(&report, "Sidecar");
    assert_eq!(row.status, Status::Warn);
    assert!(
        row.info.starts_with("stale cpu-pearl session"),
        "{}",
        row.info
    );
}

/// A port nothing listens on now, so the metrics-port row does not depend on this machine.
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("an ephemeral port")
}

/// A config.toml that does not parse: no row tells the user to run `jarvis mine init`, which
/// refuses until the file is fixed; the Config row names the error.
#[tokio::test]
async fn a_corrupt_config_points_at_its_error_not_at_init() {
    let setup = Setup::new();
    let known = jarvis_providers::builtin();
    let config = parse_config(
        "[mining\nprovider = ",
        &setup.home.config_path(),
        &known.keys(),
    );
    assert!(config.is_err());
    let report = setup.run(&config, &plain_linux()).await;
    assert!(!report.passed);
    let config_row = row(&report, "Config");
    assert_eq!(config_row.status, Status::Fail);
    assert!(
        config_row.info.contains("config.toml:"),
        "{}",
        config_row.info
    );
    for r in &report.rows {
        assert!(
            !r.fix
                .as_deref()
                .is_some_and(|f| f.starts_with("run `jarvis mine init")),
            "{} still says run init: {r:?}",
            r.name
        );
    }
    assert!(
        row(&report, "Address format")
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("fix config.toml")),
        "{:?}",
        row(&report, "Address format")
    );
}
