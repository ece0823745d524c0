//! The container lifecycle on a daemon that accepts GPU requests.

use std::sync::Arc;

use jarvis_mining::MiningProvider;
use jarvis_mining::config::VllmArgs;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::StopOptions;
use jarvis_mining::session::ProviderLiveness;
use jarvis_testkit::real_engine::gpu_engine;
use jarvis_vllm_pearl::container_body::config_hash;
use jarvis_vllm_pearl::docker::EngineKind;
use jarvis_vllm_pearl::spec::LaunchSpec;
use serde_json::{Value, json};

use super::{EngineRig, NAME, last_log_lines, skipped};
use crate::rig::{HF_TOKEN, PASSWORD, Recorder, config, options};

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_engine_stores_the_launch_spec_and_the_lifecycle_converges() {
    if skipped("vllm_container::the_engine_stores_the_launch_spec_and_the_lifecycle_converges") {
        return;
    }
    let rig = EngineRig::on(gpu_engine()).await;
    let model_dir = rig.root().join("local-model");
    std::fs::create_dir_all(&model_dir).unwrap();
    let mut section = rig.section();
    section.extra.cuda_visible_devices = "1,3".to_owned();
    section.extra.local_model_path = Some(model_dir.clone());
    section.extra.vllm_args = Some(VllmArgs::List(vec![
        "--quantization".into(),
        "pearl".into(),
    ]));
    let port = section.extra.vllm_port;
    let mut provider = rig.provider();
    let progress = Arc::new(Recorder::default());
    provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap();

    let c = rig.container().expect("the container exists");
    let env_lookup = {
        let env = rig.env.clone();
        move |k: &str| env.get(k).cloned()
    };
    let hash = config_hash(
        &LaunchSpec::build(&config(&section), &env_lookup).unwrap(),
        EngineKind::Docker,
    );
    assert_eq!(
        c["Config"]["Labels"],
        json!({"jarvis.managed": "true", "jarvis.provider": "vllm-pearl", "jarvis.config-hash": hash})
    );
    let host = &c["HostConfig"];
    assert_eq!(host["NetworkMode"], "host");
    assert_eq!(host["ShmSize"], 8_589_934_592_i64);
    assert_eq!(host["RestartPolicy"]["Name"], "unless-stopped");
    let hf_hub = format!("{}/home/.cache/huggingface/hub", rig.root().display());
    assert_eq!(
        strings(&host["Binds"]),
        [
            format!("{hf_hub}:/root/.cache/huggingface/hub"),
            format!(
                "{}:/models/openjarvis-local-pearl-model:ro",
                model_dir.display()
            ),
        ]
    );
    let model_mount = c["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Destination"] == "/models/openjarvis-local-pearl-model")
        .expect("the local model is mounted");
    assert_eq!(model_mount["RW"], false, "the local model is read-only");
    assert_eq!(
        host["DeviceRequests"],
        json!([{"Driver": "", "Count": 0, "DeviceIDs": ["1", "3"], "Capabilities": [["gpu"]], "Options": null}])
    );
    let env = strings(&c["Config"]["Env"]);
    for expected in [
        "NVIDIA_VISIBLE_DEVICES=1,3".to_owned(),
        "CUDA_VISIBLE_DEVICES=0,1".to_owned(),
        format!("PEARLD_RPC_PASSWORD={PASSWORD}"),
        format!("HF_TOKEN={HF_TOKEN}"),
    ] {
        assert!(env.contains(&expected), "{expected} not in {env:?}");
    }
    let mut without_env = c.clone();
    without_env["Config"]["Env"] = Value::Null;
    let rest = without_env.to_string();
    assert!(
        !rest.contains(PASSWORD) && !rest.contains(HF_TOKEN),
        "secrets only in Env: {rest}"
    );
    let cmd = strings(&c["Config"]["Cmd"]);
    assert_eq!(cmd[0], "/models/openjarvis-local-pearl-model");
    assert!(
        cmd.ends_with(&["--quantization".to_owned(), "pearl".to_owned()]),
        "{cmd:?}"
    );
    assert_eq!(c["State"]["Status"], "running");

    // Readiness: start returned after the container's vLLM answered /health.
    let log = rig.daemon.docker_ok(&["logs", NAME]);
    assert!(log.contains("\"GET /health HTTP/1.1\""), "{log}");
    let sidecar_text = rig.sidecar_text().expect("sidecar written");
    assert!(
        !sidecar_text.contains(PASSWORD) && !sidecar_text.contains(HF_TOKEN),
        "{sidecar_text}"
    );
    let sidecar: Value = serde_json::from_str(&sidecar_text).unwrap();
    assert_eq!(sidecar["container_id"], c["Id"]);
    assert_eq!(
        sidecar["vllm_endpoint"],
        format!("http://127.0.0.1:{port}/v1")
    );
    let session = rig.sidecar();
    assert_eq!(provider.liveness(&session).await, ProviderLiveness::Running);

    let stats = provider.stats().await;
    let d = &stats.details;
    assert_eq!(d["container_state"], "running", "{d:?}");
    assert_eq!(d["vllm_health"], "ok", "{d:?}");
    assert_eq!(d["served_models"], section.extra.model.as_str(), "{d:?}");
    assert_eq!(d["block_template_height"].as_u64(), Some(4410), "{d:?}");
    let lines = last_log_lines(&provider).await;
    // dockerd's `timestamps`: an RFC 3339 nano time per line, cut off the line.
    for l in &lines {
        let t = l
            .timestamp
            .as_deref()
            .unwrap_or_else(|| panic!("no time: {l:?}"));
        assert!(
            t.len() >= 30 && t.as_bytes()[10] == b'T' && t.as_bytes()[19] == b'.',
            "{l:?}"
        );
        assert!(!l.line.starts_with(t), "{l:?}");
    }
    let lines: Vec<String> = lines.into_iter().map(|l| l.line).collect();
    let all = lines.join("\n");
    assert!(all.contains("PEARLD_RPC_PASSWORD=[REDACTED]"), "{all}");
    assert!(!all.contains(PASSWORD) && !all.contains(HF_TOKEN), "{all}");

    // The same config again: nothing changes.
    provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap();
    let again = rig.container().unwrap();
    assert_eq!(again["Id"], c["Id"]);
    assert_eq!(again["State"]["StartedAt"], c["State"]["StartedAt"]);

    // A changed config is refused, then replaced with --replace.
    section.extra.max_model_len = 4096;
    let err = provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("different launch spec") && err.contains("--replace"),
        "{err}"
    );
    assert_eq!(rig.container().unwrap()["Id"], c["Id"]);
    provider
        .start(&config(&section), &options(true, progress.clone()))
        .await
        .unwrap();
    let replaced = rig.container().unwrap();
    assert_ne!(replaced["Id"], c["Id"]);
    assert!(strings(&replaced["Config"]["Cmd"]).contains(&"4096".to_owned()));
    assert_eq!(replaced["State"]["Status"], "running");

    let stopped = Arc::new(Recorder::default());
    provider
        .stop(&StopOptions {
            progress: stopped.clone(),
            ..StopOptions::default()
        })
        .await
        .unwrap();
    assert!(rig.container().is_none(), "stop removes our container");
    assert!(rig.sidecar_text().is_none());
    assert!(
        matches!(provider.liveness(&session).await, ProviderLiveness::Stopped(why) if why.contains("is gone")),
        "the stopped session's container is gone"
    );
    assert!(
        stopped
            .events()
            .iter()
            .any(|e| matches!(e, ProgressEvent::Done(t) if t.contains("removed container openjarvis-pearl-miner"))),
        "{:?}",
        stopped.events()
    );
}

#[tokio::test]
async fn a_container_that_exits_at_once_is_removed_and_its_redacted_lines_shown() {
    if skipped(
        "vllm_container::a_container_that_exits_at_once_is_removed_and_its_redacted_lines_shown",
    ) {
        return;
    }
    let rig = EngineRig::on(gpu_engine()).await;
    let mut section = rig.section();
    section.extra.vllm_args = Some(VllmArgs::List(vec!["--standin-exit".into(), "3".into()]));
    let err = rig.start(&section, false).await.unwrap_err().to_string();
    assert!(
        err.contains("did not become ready")
            && (err.contains("exited") || err.contains("restarted")),
        "{err}"
    );
    assert!(err.contains("CUDA out of memory"), "{err}");
    assert!(err.contains("PEARLD_RPC_PASSWORD=[REDACTED]"), "{err}");
    assert!(!err.contains(PASSWORD) && !err.contains(HF_TOKEN), "{err}");
    assert!(
        rig.container().is_none(),
        "a failed start removes its container"
    );
    assert!(rig.sidecar_text().is_none());
}

#[tokio::test]
async fn a_foreign_container_is_refused_left_alone_by_stop_and_replaced_on_request() {
    if skipped(
        "vllm_container::a_foreign_container_is_refused_left_alone_by_stop_and_replaced_on_request",
    ) {
        return;
    }
    let rig = EngineRig::on(gpu_engine()).await;
    let foreign = rig.create_by_hand(&["com.example.owner=alice"]);
    let section = rig.section();
    let mut provider = rig.provider();
    let err = rig.start(&section, false).await.unwrap_err().to_string();
    assert!(
        err.contains("not started by jarvis") && err.contains(&foreign[..12]),
        "{err}"
    );
    let progress = Arc::new(Recorder::default());
    provider
        .stop(&StopOptions {
            progress: progress.clone(),
            ..StopOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(
        rig.container().unwrap()["Id"],
        foreign.as_str(),
        "stop leaves it alone"
    );
    assert!(
        progress.events().iter().any(
            |e| matches!(e, ProgressEvent::Warning(w) if w.contains("jarvis did not create it"))
        ),
        "{:?}",
        progress.events()
    );
    rig.start(&section, true).await.unwrap();
    let ours = rig.container().unwrap();
    assert_ne!(ours["Id"], foreign.as_str());
    assert_eq!(ours["Config"]["Labels"]["jarvis.managed"], "true");
    assert_eq!(ours["State"]["Status"], "running");
    provider.stop(&StopOptions::default()).await.unwrap();
    assert!(rig.container().is_none());
}

#[tokio::test]
async fn a_tcp_engine_endpoint_runs_the_miner() {
    if skipped("vllm_container::a_tcp_engine_endpoint_runs_the_miner") {
        return;
    }
    let mut rig = EngineRig::on(gpu_engine()).await;
    let tcp = rig
        .daemon
        .tcp_host()
        .expect("the GPU daemon listens on TCP");
    rig.env.insert("DOCKER_HOST".to_owned(), tcp.clone());
    let section = rig.section();
    let mut provider = rig.provider();
    rig.start(&section, false).await.unwrap();
    assert_eq!(rig.container().unwrap()["State"]["Status"], "running");
    let stats = provider.stats().await;
    let docker = stats.details["docker"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        docker.starts_with("Docker ") && docker.ends_with(&format!(" at {tcp}")),
        "{docker}"
    );
    assert_eq!(stats.details["vllm_health"], "ok");
    let sidecar: Value = serde_json::from_str(&rig.sidecar_text().unwrap()).unwrap();
    assert_eq!(
        sidecar["vllm_endpoint"],
        format!("http://127.0.0.1:{}/v1", section.extra.vllm_port),
        "a loopback TCP engine serves vLLM on loopback"
    );
    provider.stop(&StopOptions::default()).await.unwrap();
    assert!(rig.container().is_none());
}
