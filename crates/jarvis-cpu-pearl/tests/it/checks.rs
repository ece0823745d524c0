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
    assert_eq!(find("Metrics port").status, Status::Ok);
}
