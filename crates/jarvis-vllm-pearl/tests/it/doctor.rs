//! vllm-pearl's doctor rows against the fake Docker Engine.

use jarvis_mining::MinerRegistry;
use jarvis_mining::check::{CheckRow, DoctorTimeouts, ProviderCheckContext, Status};
use jarvis_testkit::fake_docker::FakeDocker;

use crate::rig::{Rig, TAG};

async fn doctor_rows(rig: &Rig) -> Vec<CheckRow> {
    let mut registry = MinerRegistry::new();
    jarvis_vllm_pearl::ensure_registered(&mut registry);
    let checks = registry
        .get("vllm-pearl")
        .and_then(|d| d.checks)
        .expect("vllm-pearl has checks");
    let section = rig.section(8000);
    let hardware = jarvis_testkit::hw::h100();
    let env = rig.env.clone();
    let lookup = move |k: &str| env.get(k).cloned();
    let cx = ProviderCheckContext {
        home: &rig.home,
        section: &section,
        hardware: &hardware,
        env: &lookup,
        timeouts: DoctorTimeouts::default(),
    };
    checks(&cx).await
}

fn row<'a>(rows: &'a [CheckRow], name: &str) -> &'a CheckRow {
    rows.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no {name} row in {rows:#?}"))
}

#[tokio::test]
async fn healthy_engine_with_nvidia_runtime_and_labelled_image() {
    let rig = Rig::new().await;
    rig.docker.add_image(
        TAG,
        &[(
            "jarvis.pearl-ref",
            "4d00f3becf98797b9def56f27d26960f7605c45f",
        )],
    );
    let rows = doctor_rows(&rig).await;
    let daemon = row(&rows, "Daemon");
    assert_eq!(daemon.status, Status::Ok, "{daemon:?}");
    assert!(
        daemon.info.contains("Docker 27.3.1 (API 1.47)"),
        "{daemon:?}"
    );
    assert_eq!(row(&rows, "NVIDIA runtime").status, Status::Ok);
    let image = row(&rows, "Image");
    assert_eq!(image.status, Status::Ok, "{image:?}");
    assert!(image.info.contains("4d00f3becf98"), "{image:?}");
    assert!(rows.iter().any(|r| r.name == "HF cache"));
}

#[tokio::test]
async fn missing_runtime_drifted_image_and_absent_image_are_flagged() {
    let rig = Rig::new().await;
    rig.docker.set_runtimes(&["runc"]);
    rig.docker.add_image(
        TAG,
        &[(
            "jarvis.pearl-ref",
            "0123456789012345678901234567890123456789",
        )],
    );
    let rows = doctor_rows(&rig).await;
    let runtime = row(&rows, "NVIDIA runtime");
    assert_eq!(runtime.status, Status::Fail);
    assert!(
        runtime
            .fix
            .as_deref()
            .unwrap()
            .contains("nvidia-ctk runtime configure")
    );
    assert_eq!(row(&rows, "Image").status, Status::Warn);

    let fresh = Rig::new().await;
    let image = doctor_rows(&fresh)
        .await
        .into_iter()
        .find(|r| r.name == "Image")
        .unwrap();
    assert_eq!(image.status, Status::Warn);
    assert!(image.info.contains("not present"), "{image:?}");
}

#[tokio::test]
async fn engine_down_is_one_failing_row_naming_the_socket() {
    let mut rig = Rig::new().await;
    rig.env.insert(
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    );
    let rows = doctor_rows(&rig).await;
    let daemon = row(&rows, "Daemon");
    assert_eq!(daemon.status, Status::Fail);
    assert!(
        daemon.info.contains("/nonexistent/docker.sock"),
        "{daemon:?}"
    );
    assert!(
        daemon.fix.as_deref().unwrap().contains("DOCKER_HOST"),
        "{daemon:?}"
    );
    assert_eq!(row(&rows, "Image").status, Status::Info);
}

#[tokio::test]
async fn podman_is_named_and_checked_for_cdi() {
    let rig = Rig::with_docker(FakeDocker::start_podman().await);
    let rows = doctor_rows(&rig).await;
    assert!(
        row(&rows, "Daemon").info.starts_with("Podman 5.2.0"),
        "{rows:#?}"
    );
    let runtime = row(&rows, "NVIDIA runtime");
    // This host may or may not have a CDI spec; either way the row speaks of CDI.
    assert!(runtime.info.contains("CDI"), "{runtime:?}");
}
