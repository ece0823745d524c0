//! vllm-pearl engine faults and image acquisition against the fake Docker Engine.

use std::sync::Arc;
use std::time::Duration;

use jarvis_mining::MiningProvider;
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::StopOptions;
use jarvis_mining::stats::Detail;
use jarvis_testkit::fake_docker::{Fault, Route};
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};
use jarvis_vllm_pearl::docker::{EngineEndpoint, connect};
use jarvis_vllm_pearl::image::{ImageSource, ensure_image};
use jarvis_vllm_pearl::source::BuildPlan;

use crate::rig::{PASSWORD, Recorder, Rig, TAG, config, options};

fn plan(rig: &Rig) -> BuildPlan {
    BuildPlan {
        cache_dir: rig.root().join("cache/pearl"),
        repo_url: rig.root().join("no-such-repo").display().to_string(),
        pearl_ref: "0".repeat(40),
        docker_cli: rig.root().join("no-docker-cli"),
        docker_host: rig.docker.host(),
    }
}

#[tokio::test]
async fn missing_socket_names_the_socket_and_the_fix() {
    let mut rig = Rig::new().await;
    let missing = rig.root().join("nope.sock");
    rig.env.insert(
        "DOCKER_HOST".into(),
        format!("unix://{}", missing.display()),
    );
    let section = rig.section(8000);
    let err = rig
        .provider()
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, MiningError::Docker { .. }), "{text}");
    assert!(text.contains(&missing.display().to_string()), "{text}");
    assert!(text.contains("systemctl start docker"), "{text}");
    // stop of a container session with the engine down reports the engine, keeps the sidecar.
    let mut sidecar = jarvis_mining::sidecar::Sidecar::new("vllm-pearl", "prl1p", 1.0);
    sidecar.container_id = Some("abc".into());
    jarvis_mining::sidecar::write_sidecar(&rig.home.sidecar_path(), &sidecar).unwrap();
    assert!(rig.provider().stop(&StopOptions::default()).await.is_err());
    assert!(rig.sidecar_text().is_some());
}

#[tokio::test]
async fn ssh_engines_get_a_workaround_not_a_panic() {
    let endpoint = EngineEndpoint::from_docker_host(Some("ssh://gpu-host"));
    let err = connect(&endpoint, Duration::from_secs(1))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ssh -NL"), "{err}");
}

#[tokio::test]
async fn engine_errors_never_echo_secrets() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    rig.docker.set_fault(
        Route::ContainerCreate,
        Fault::Status(
            500,
            format!(
                "invalid body: {{\"Env\":[\"PEARLD_RPC_PASSWORD={PASSWORD}\"]}} rpcpass {PASSWORD}"
            ),
        ),
    );
    let section = rig.section(8000);
    let err = rig
        .provider()
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[tokio::test]
async fn connection_reset_is_an_error_row_not_a_panic() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    rig.docker.set_fault(Route::ContainerInspect, Fault::Reset);
    let section = rig.section(8000);
    let err = rig
        .provider()
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, MiningError::Docker { .. }), "{err}");
    let stats = rig.provider().stats().await;
    assert_eq!(stats.blocks_found, None, "unknown stays unknown");
}

#[tokio::test]
async fn local_image_is_used_without_a_pull() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let engine = connect(
        &EngineEndpoint::from_docker_host(Some(&rig.docker.host())),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let env = |_: &str| None;
    let got = ensure_image(&engine, TAG, &plan(&rig), &env, &Recorder::default())
        .await
        .unwrap();
    assert_eq!(got, ImageSource::Local);
    assert!(rig.docker.requests_to("POST", "/images/create").is_empty());
}

#[tokio::test]
async fn missing_image_is_pulled_with_layer_progress() {
    let rig = Rig::new().await;
    rig.docker
        .set_pullable(TAG, &[("layer-a", 1000), ("layer-b", 3000)]);
    rig.docker
        .set_fault(Route::ImagePull, Fault::Slow(Duration::from_millis(5)));
    let engine = connect(
        &EngineEndpoint::from_docker_host(Some(&rig.docker.host())),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let progress = Recorder::default();
    let env = |_: &str| None;
    let got = ensure_image(&engine, TAG, &plan(&rig), &env, &progress)
        .await
        .unwrap();
    assert_eq!(got, ImageSource::Pulled);
    let pulls = rig.docker.requests_to("POST", "/images/create");
    assert_eq!(pulls.len(), 1);
    assert_eq!(
        pulls[0].query_value("fromImage"),
        Some("openjarvis/pearl-miner")
    );
    assert_eq!(pulls[0].query_value("tag"), Some("master"));
    let done = progress.events().into_iter().any(|e| {
        matches!(e, ProgressEvent::Item { id, current: 3000, total: Some(3000), .. } if id == "layer-b")
    });
    assert!(done, "{:?}", progress.events());
    assert!(rig.docker.images().iter().any(|i| i.tag == TAG));
}

#[tokio::test]
async fn pull_uses_registry_credentials_from_docker_config() {
    let rig = Rig::new().await;
    let tag = "ghcr.io/pearl/miner:1";
    rig.docker.set_pullable(tag, &[("l", 10)]);
    let config_dir = rig.root().join("dockercfg");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.json"),
        r#"{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}"#,
    )
    .unwrap();
    let engine = connect(
        &EngineEndpoint::from_docker_host(Some(&rig.docker.host())),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let dir = config_dir.display().to_string();
    let env = move |k: &str| (k == "DOCKER_CONFIG").then(|| dir.clone());
    ensure_image(&engine, tag, &plan(&rig), &env, &Recorder::default())
        .await
        .unwrap();
    let pull = &rig.docker.requests_to("POST", "/images/create")[0];
    assert!(
        pull.headers.iter().any(|(k, _)| k == "x-registry-auth"),
        "{:?}",
        pull.headers
    );
}

#[tokio::test]
async fn non_default_tag_that_cannot_be_pulled_says_how_to_build() {
    let rig = Rig::new().await;
    let engine = connect(
        &EngineEndpoint::from_docker_host(Some(&rig.docker.host())),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let env = |_: &str| None;
    let err = ensure_image(
        &engine,
        "example/miner:dev",
        &plan(&rig),
        &env,
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("example/miner:dev") && text.contains("pull access denied"),
        "{text}"
    );
    assert!(
        text.contains("docker buildx build -t example/miner:dev -f miner/vllm-miner/Dockerfile ."),
        "{text}"
    );
    assert!(text.contains("docker_image_tag"), "{text}");
}

#[tokio::test]
async fn pull_server_error_on_default_tag_falls_back_to_a_build() {
    let rig = Rig::new().await;
    rig.docker.set_fault(
        Route::ImagePull,
        Fault::Status(500, "registry unreachable".into()),
    );
    let engine = connect(
        &EngineEndpoint::from_docker_host(Some(&rig.docker.host())),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let env = |_: &str| None;
    let progress = Recorder::default();
    let err = ensure_image(&engine, TAG, &plan(&rig), &env, &progress)
        .await
        .unwrap_err();
    // The fallback build was tried (and failed on the missing repository), after a warning.
    assert!(err.to_string().contains("git clone"), "{err}");
    let warned = progress
        .events()
        .iter()
        .any(|e| matches!(e, ProgressEvent::Warning(w) if w.contains("registry unreachable")));
    assert!(warned, "{:?}", progress.events());
}

#[tokio::test]
async fn stop_with_an_attached_sidecar_and_no_engine_only_drops_the_sidecar() {
    let mut rig = Rig::new().await;
    rig.env.insert(
        "DOCKER_HOST".into(),
        "unix:///nonexistent/docker.sock".into(),
    );
    let mut sidecar = jarvis_mining::sidecar::Sidecar::new("vllm-pearl", "prl1p", 1.0);
    sidecar.container_id = Some("external".into());
    jarvis_mining::sidecar::write_sidecar(&rig.home.sidecar_path(), &sidecar).unwrap();
    rig.provider().stop(&StopOptions::default()).await.unwrap();
    assert!(rig.sidecar_text().is_none());
}

#[tokio::test]
async fn status_reports_vllm_down_as_unknown_not_zero() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let section = rig.section(vllm.addr().port());
    rig.provider()
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap();
    drop(vllm);
    let stats = rig.provider().stats().await;
    assert_eq!(stats.details["vllm_health"], "unreachable");
    assert_eq!(stats.details["vllm_requests"], Detail::Count(None));
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(
        json["details"]["vllm_requests"],
        serde_json::Value::Null,
        "unknown is null, not a string and not zero"
    );
}
