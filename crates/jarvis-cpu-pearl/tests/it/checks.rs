//! cpu-pearl's own doctor rows.

use jarvis_core::paths::JarvisHome;
use jarvis_mining::MinerRegistry;
use jarvis_mining::check::{DoctorTimeouts, ProviderCheckContext, Status};
use jarvis_mining::config::MiningSection;

use crate::{WALLET, path_with_gateway};

#[tokio::test]
async fn doctor_rows_find_the_gateway_and_check_the_metrics_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path().join("home"));
    let mut registry = MinerRegistry::new();
    jarvis_cpu_pearl::ensure_registered(&mut registry);
    let checks = registry
        .get("cpu-pearl")
        .and_then(|d| d.checks)
        .expect("cpu-pearl has doctor checks");
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let mut section = MiningSection::new("cpu-pearl", WALLET);
    section.extra.metrics_port = taken.local_addr().expect("addr").port();
    let hardware = jarvis_testkit::hw::plain_linux();
    let path = path_with_gateway(dir.path());
    let with_gateway = move |k: &str| (k == "PATH").then(|| path.clone());
    let rows = checks(&ProviderCheckContext {
        home: &home,
        section: &section,
        hardware: &hardware,
        env: &with_gateway,
        timeouts: DoctorTimeouts::default(),
    })
    .await;
    let find = |name: &str| rows.iter().find(|r| r.name == name).expect("row");
    assert_eq!(find("pearl-gateway").status, Status::Ok);
    assert_eq!(find("Metrics port").status, Status::Fail, "{rows:#?}");
    assert!(
        find("Metrics port")
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("metrics_port"))
    );

    drop(taken);
    let no_path = |_: &str| None;
    let rows = checks(&ProviderCheckContext {
        home: &home,
        section: &section,
        hardware: &hardware,
        env: &no_path,
        timeouts: DoctorTimeouts::default(),
    })
    .await;
    let find = |name: &str| rows.iter().find(|r| r.name == name).expect("row");
    assert_eq!(find("pearl-gateway").status, Status::Fail);
    assert_eq!(
        find("pearl-gateway").fix.as_deref(),
        Some("run `jarvis pearl install-gateway`")
    );
    assert_eq!(find("Metrics port").status, Status::Ok);
}

#[tokio::test]
async fn the_gateway_jarvis_installed_wins_over_path_for_doctor_and_start() {
    use jarvis_core::gateway_install::{self, InstalledGateway, SCHEMA_VERSION};
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path().join("home"));
    let path = path_with_gateway(dir.path());
    let cache = gateway_install::cache_dir(&home);
    let venv = cache.join("venv-0123456789ab");
    let program = venv.join("bin/pearl-gateway");
    std::fs::create_dir_all(program.parent().expect("bin")).expect("mkdir");
    std::fs::write(&program, "#!/bin/sh\nexit 0\n").expect("write");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let record = InstalledGateway {
        schema_version: SCHEMA_VERSION,
        program: program.clone(),
        venv,
        version: Some("0.1.0".into()),
        commit: "0123456789abcdef0123456789abcdef01234567".into(),
        reference: "master".into(),
        source: "/src/pearl".into(),
        installer: "pip".into(),
        installed_at: 1,
    };
    gateway_install::write_record(&cache, &record).expect("record");

    let vars = [
        ("PATH", path.clone()),
        ("PEARLD_RPC_PASSWORD", crate::PASSWORD.to_owned()),
    ];
    let plan = jarvis_cpu_pearl::supervisor::SupervisorPlan::prepare(
        &home,
        &crate::tiny_config(),
        &crate::env_with(&vars),
    )
    .expect("plan");
    assert_eq!(plan.gateway.program, program, "installed before PATH");

    let mut registry = MinerRegistry::new();
    jarvis_cpu_pearl::ensure_registered(&mut registry);
    let checks = registry
        .get("cpu-pearl")
        .and_then(|d| d.checks)
        .expect("checks");
    let section = MiningSection::new("cpu-pearl", WALLET);
    let hardware = jarvis_testkit::hw::plain_linux();
    let env = move |k: &str| (k == "PATH").then(|| path.clone());
    let rows = checks(&ProviderCheckContext {
        home: &home,
        section: &section,
        hardware: &hardware,
        env: &env,
        timeouts: DoctorTimeouts::default(),
    })
    .await;
    let row = rows
        .iter()
        .find(|r| r.name == "pearl-gateway")
        .expect("row");
    assert_eq!(row.status, Status::Ok);
    assert_eq!(
        row.info,
        format!(
            "{} 0.1.0 (Pearl 0123456789ab), installed by jarvis",
            program.display()
        )
    );
}
