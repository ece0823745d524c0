//! What an engine without an NVIDIA runtime, or without the image, answers, and that nothing
//! of a failed start is left behind.

use std::sync::Arc;

use jarvis_mining::MiningProvider;
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::StopOptions;
use jarvis_testkit::real_engine::plain_engine;

use super::{EngineRig, NAME, skipped};
use crate::rig::{PASSWORD, Recorder};

#[tokio::test]
async fn a_refused_gpu_request_leaves_no_container_and_names_the_nvidia_toolkit() {
    if skipped(
        "vllm_refusal::a_refused_gpu_request_leaves_no_container_and_names_the_nvidia_toolkit",
    ) {
        return;
    }
    let rig = EngineRig::on(plain_engine()).await;
    let section = rig.section();
    let err = rig.start(&section, false).await.unwrap_err();
    let text = err.to_string();
    let MiningError::Docker { detail, fix, .. } = &err else {
        panic!("not an engine error: {text}");
    };
    assert!(detail.contains("could not select device driver"), "{text}");
    assert!(
        fix.contains("NVIDIA Container Toolkit")
            && fix.contains("nvidia-ctk runtime configure --runtime=docker")
            && fix.contains("restart Docker"),
        "{text}"
    );
    assert!(!text.contains("docker group"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(
        !rig.daemon.container_names().iter().any(|n| n == NAME),
        "a refused start leaves no Created container"
    );
    assert!(rig.sidecar_text().is_none());
}

#[tokio::test]
async fn stop_removes_a_leftover_container_of_ours_without_a_session() {
    if skipped("vllm_refusal::stop_removes_a_leftover_container_of_ours_without_a_session") {
        return;
    }
    let rig = EngineRig::on(plain_engine()).await;
    // What an older jarvis left after a refused start: created, never started, no sidecar.
    let leftover = rig.create_by_hand(&["jarvis.managed=true", "jarvis.provider=vllm-pearl"]);
    assert_eq!(rig.container().unwrap()["State"]["Status"], "created");
    let progress = Arc::new(Recorder::default());
    rig.provider()
        .stop(&StopOptions {
            progress: progress.clone(),
            ..StopOptions::default()
        })
        .await
        .unwrap();
    assert!(rig.container().is_none(), "the leftover is removed");
    let said = format!(
        "removed container {NAME} ({}, was created)",
        &leftover[..12]
    );
    assert!(
        progress
            .events()
            .contains(&ProgressEvent::Done(said.clone())),
        "{said} not in {:?}",
        progress.events()
    );
}

#[tokio::test]
async fn an_absent_image_without_a_registry_is_a_clear_error() {
    if skipped("vllm_refusal::an_absent_image_without_a_registry_is_a_clear_error") {
        return;
    }
    let rig = EngineRig::on(plain_engine()).await;
    let mut section = rig.section();
    section.extra.docker_image_tag = "jarvis-test/absent-miner:1".to_owned();
    let err = rig.start(&section, false).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, MiningError::Image { .. }), "{text}");
    assert!(
        text.contains("miner image 'jarvis-test/absent-miner:1'")
            && text.contains("not present locally and the pull failed"),
        "{text}"
    );
    assert!(
        text.contains("docker buildx build -t jarvis-test/absent-miner:1")
            && text.contains("docker_image_tag"),
        "the fix says how to build it or which tag to use: {text}"
    );
    assert!(!rig.daemon.container_names().iter().any(|n| n == NAME));
}
