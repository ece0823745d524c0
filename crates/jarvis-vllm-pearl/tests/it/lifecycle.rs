//! vllm-pearl against a fake Docker Engine (bollard speaks to it over a Unix socket) and a fake
//! vLLM: the exact create body, start -> status -> stop, convergence by hash, foreign containers.

use std::sync::Arc;

use jarvis_mining::MiningProvider;
use jarvis_mining::config::VllmArgs;
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::{LogRequest, StopOptions};
use jarvis_mining::session::ProviderLiveness;
use jarvis_testkit::fake_docker::{ContainerRecord, FakeDocker};
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};
use serde_json::json;

use crate::rig::{HF_TOKEN, PASSWORD, Recorder, Rig, TAG, WALLET, config, options};

const NAME: &str = "openjarvis-pearl-miner";

const GATEWAY_LOG: &[&str] = &[
    "INFO PearlGateway started successfully",
    "INFO Updating block template to height 4410",
    "INFO Received PlainProof submission for template time 17",
    "INFO Block accepted by node!",
    "INFO Received PlainProof submission for template time 18",
    "WARN Block rejected: high-hash",
    "WARN Job changed since submission was queued; dropping stale proof",
    "WARN Proof submission queue full, rejecting submitPlainProof",
    "DEBUG env PEARLD_RPC_PASSWORD=s3cret-rpc-pw-42 HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
];

#[tokio::test]
async fn create_body_is_exactly_the_spec() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let mut section = rig.section(vllm.addr().port());
    section.extra.cuda_visible_devices = "1, 3".to_owned();
    section.extra.vllm_args = Some(VllmArgs::Line(
        "--quantization pearl --served-model-name 'my model'".to_owned(),
    ));
    let mut provider = rig.provider();
    provider
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap();

    let creates = rig.docker.requests_to("POST", "/containers/create");
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].query_value("name"), Some(NAME));
    let mut body = creates[0].json().unwrap();
    let hash = body["Labels"]["jarvis.config-hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(hash.len(), 64);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    body["Labels"]["jarvis.config-hash"] = json!("<hash>");
    let hf_hub = format!("{}/home/.cache/huggingface/hub", rig.root().display());
    let port = vllm.addr().port().to_string();
    let expected = json!({
        "Image": TAG,
        "Cmd": [
            "pearl-ai/Llama-3.3-70B-Instruct-pearl", "--host", "0.0.0.0", "--port", port,
            "--gpu-memory-utilization", "0.96", "--enforce-eager", "--max-model-len", "8192",
            "--quantization", "pearl", "--served-model-name", "my model"
        ],
        "Env": [
            "PEARLD_RPC_URL=http://localhost:44107",
            "PEARLD_RPC_USER=rpcuser",
            format!("PEARLD_MINING_ADDRESS={WALLET}"),
            "MINER_RPC_TRANSPORT=uds",
            "MINER_RPC_SOCKET_PATH=/tmp/pearlgw.sock",
            "NVIDIA_VISIBLE_DEVICES=1,3",
            "CUDA_VISIBLE_DEVICES=0,1",
            format!("PEARLD_RPC_PASSWORD={PASSWORD}"),
            format!("HF_TOKEN={HF_TOKEN}"),
        ],
        "Labels": {
            "jarvis.managed": "true",
            "jarvis.provider": "vllm-pearl",
            "jarvis.config-hash": "<hash>",
        },
        "HostConfig": {
            "NetworkMode": "host",
            "RestartPolicy": { "Name": "unless-stopped" },
            "ShmSize": 8_589_934_592_i64,
            "AutoRemove": false,
            "Binds": [format!("{hf_hub}:/root/.cache/huggingface/hub")],
            "DeviceRequests": [{ "Driver": "", "DeviceIDs": ["1", "3"], "Capabilities": [["gpu"]] }],
        },
    });
    assert_eq!(body, expected, "create body:\n{body:#}");
}

#[tokio::test]
async fn podman_gets_cdi_devices_instead_of_device_requests() {
    let rig = Rig::with_docker(FakeDocker::start_podman().await);
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
    let body = rig.docker.requests_to("POST", "/containers/create")[0]
        .json()
        .unwrap();
    assert_eq!(body["HostConfig"].get("DeviceRequests"), None);
    assert_eq!(
        body["HostConfig"]["Devices"][0]["PathOnHost"],
        "nvidia.com/gpu=all"
    );
}

// Multi-threaded: the synchronous `is_running` blocks its caller while the fake engine answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_status_stop_end_to_end() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    rig.docker.set_default_logs(GATEWAY_LOG);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let section = rig.section(vllm.addr().port());
    let progress = Arc::new(Recorder::default());
    let mut provider = rig.provider();
    provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap();

    let containers = rig.docker.containers();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0].state, "running");
    let text = rig.sidecar_text().expect("sidecar written");
    assert!(
        !text.contains(PASSWORD) && !text.contains(HF_TOKEN),
        "{text}"
    );
    let sidecar: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(sidecar["provider"], "vllm-pearl");
    assert_eq!(
        sidecar["vllm_endpoint"],
        format!("http://127.0.0.1:{}/v1", vllm.addr().port())
    );
    assert_eq!(sidecar["gateway_url"], "http://127.0.0.1:8337");
    assert_eq!(sidecar["gateway_metrics_url"], "http://127.0.0.1:8339");
    assert_eq!(sidecar["container_id"], containers[0].id.as_str());
    assert_eq!(sidecar["wallet_address"], WALLET);
    assert_eq!(sidecar["model"], "pearl-ai/Llama-3.3-70B-Instruct-pearl");
    assert!(sidecar["started_at"].as_f64().unwrap() > 1.7e9);
    assert!(
        vllm.requests().iter().any(|r| r.path == "/health"),
        "start waited for /health"
    );
    let session = rig.sidecar();
    assert_eq!(
        provider.liveness(&session).await,
        ProviderLiveness::Running,
        "our container runs and vLLM answers /health"
    );

    let stats = provider.stats().await;
    assert_eq!(stats.blocks_found, Some(1));
    assert_eq!(stats.shares_submitted, Some(2));
    let d = &stats.details;
    assert_eq!(d["container_state"], "running");
    assert_eq!(d["container_restarts"].as_u64(), Some(0));
    assert_eq!(d["blocks_rejected"].as_u64(), Some(1));
    assert_eq!(d["stale_proofs_dropped"].as_u64(), Some(1));
    assert_eq!(d["queue_full_rejections"].as_u64(), Some(1));
    assert_eq!(d["block_template_height"].as_u64(), Some(4410));
    assert_eq!(d["vllm_health"], "ok");
    assert_eq!(d["served_models"], "pearl-ai/Llama-3.3-70B-Instruct-pearl");
    assert!(stats.last_error.is_none(), "{:?}", stats.last_error);

    let mut lines = Vec::new();
    provider
        .logs(
            LogRequest {
                tail: 200,
                follow: false,
            },
            &mut |l| lines.push(l),
        )
        .await
        .unwrap();
    assert_eq!(lines.len(), GATEWAY_LOG.len());
    // Each line with the time the engine recorded it at (asked for), its prefix cut off.
    for l in &lines {
        assert_eq!(
            l.timestamp.as_deref(),
            Some(jarvis_testkit::fake_docker::LOG_TIMESTAMP),
            "{l:?}"
        );
        assert!(
            !l.line.contains(jarvis_testkit::fake_docker::LOG_TIMESTAMP),
            "{l:?}"
        );
    }
    let lines: Vec<String> = lines.into_iter().map(|l| l.line).collect();
    let all = lines.join("\n");
    assert!(!all.contains(PASSWORD) && !all.contains(HF_TOKEN), "{all}");
    assert!(all.contains("PEARLD_RPC_PASSWORD=[REDACTED]"), "{all}");

    // A second start with the same config is a no-op.
    provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap();
    assert_eq!(
        rig.docker.requests_to("POST", "/containers/create").len(),
        1
    );

    provider.stop(&StopOptions::default()).await.unwrap();
    assert!(rig.docker.containers().is_empty());
    assert!(rig.sidecar_text().is_none());
    assert!(
        matches!(provider.liveness(&session).await, ProviderLiveness::Stopped(why) if why.contains("is gone")),
        "the stopped session's container is gone"
    );
    // Idempotent.
    provider.stop(&StopOptions::default()).await.unwrap();
}

#[tokio::test]
async fn changed_config_is_reported_and_replaced_only_with_replace() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let mut section = rig.section(vllm.addr().port());
    let mut provider = rig.provider();
    let progress = Arc::new(Recorder::default());
    provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap();
    let first = rig.docker.containers()[0].id.clone();

    section.extra.max_model_len = 4096;
    let err = provider
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, MiningError::Container { .. }), "{text}");
    assert!(
        text.contains("different launch spec") && text.contains("--replace"),
        "{text}"
    );
    assert_eq!(rig.docker.containers()[0].id, first);

    provider
        .start(&config(&section), &options(true, progress))
        .await
        .unwrap();
    let now = rig.docker.containers();
    assert_eq!(now.len(), 1);
    assert_ne!(now[0].id, first);
    assert!(
        now[0].create_body["Cmd"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "4096")
    );
}

#[tokio::test]
async fn foreign_container_is_refused_left_alone_by_stop_and_replaced_on_request() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let foreign = ContainerRecord::running(NAME, &[("com.example.owner", "alice")]);
    let foreign_id = foreign.id.clone();
    rig.docker.add_container(foreign);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let section = rig.section(vllm.addr().port());
    let mut provider = rig.provider();

    let err = provider
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("not started by jarvis") && text.contains(&foreign_id[..12]),
        "{text}"
    );

    provider.stop(&StopOptions::default()).await.unwrap();
    assert_eq!(
        rig.docker.containers()[0].id,
        foreign_id,
        "stop must leave a foreign container alone"
    );
    assert!(
        rig.docker
            .requests_to("POST", "/containers/")
            .iter()
            .all(|r| !r.path.ends_with("/stop"))
    );

    provider
        .start(
            &config(&section),
            &options(true, Arc::new(Recorder::default())),
        )
        .await
        .unwrap();
    let now = rig.docker.containers();
    assert_eq!(now.len(), 1);
    assert_ne!(now[0].id, foreign_id);
    assert_eq!(now[0].labels["jarvis.managed"], "true");
}

#[tokio::test]
async fn container_that_dies_while_loading_fails_start_with_redacted_plain_logs() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    rig.docker.set_default_logs(&[
        "pearl-gateway: PEARLD_RPC_PASSWORD=s3cret-rpc-pw-42",
        "\x1b[31mtorch.OutOfMemoryError\x1b[0m: CUDA out of memory",
    ]);
    let vllm = FakeVllm::start(FakeVllmOptions {
        ready: false,
        ..FakeVllmOptions::default()
    })
    .await;
    let section = rig.section(vllm.addr().port());
    let mut provider = rig.provider();
    let (cfg, opts) = (
        config(&section),
        options(false, Arc::new(Recorder::default())),
    );
    let start = provider.start(&cfg, &opts);
    let watcher = async {
        // Let the container come up, then make it crash.
        while rig
            .docker
            .containers()
            .first()
            .is_none_or(|c| c.state != "running")
        {
            tokio::task::yield_now().await;
        }
        rig.docker.set_state(NAME, "exited", 0);
    };
    let (result, ()) = tokio::join!(start, watcher);
    let text = result.unwrap_err().to_string();
    assert!(
        text.contains("exited") && text.contains("torch.OutOfMemoryError: CUDA out of memory"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(
        !text.contains('\x1b'),
        "the log's colours are stripped: {text:?}"
    );
    assert!(
        rig.docker.containers().is_empty(),
        "a failed start removes its container"
    );
    assert!(rig.sidecar_text().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_sidecar_is_reported_and_cleaned_by_start() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let mut stale = jarvis_mining::sidecar::Sidecar::new("vllm-pearl", WALLET, 1.7e9);
    stale.container_id = Some("f".repeat(64));
    jarvis_mining::sidecar::write_sidecar(&rig.home.sidecar_path(), &stale).unwrap();
    let provider = rig.provider();
    let stats = provider.stats().await;
    assert_eq!(stats.details["container_state"], "gone");
    assert!(stats.last_error.as_deref().unwrap().contains("stale"));
    assert_eq!(
        provider.liveness(&stale).await,
        ProviderLiveness::Stopped(format!("container {} is gone", "f".repeat(12)))
    );

    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let section = rig.section(vllm.addr().port());
    let progress = Arc::new(Recorder::default());
    rig.provider()
        .start(&config(&section), &options(false, progress.clone()))
        .await
        .unwrap();
    let warned = progress
        .events()
        .iter()
        .any(|e| matches!(e, ProgressEvent::Warning(w) if w.contains("stale")));
    assert!(warned, "{:?}", progress.events());
    let text = rig.sidecar_text().unwrap();
    assert!(text.contains(&rig.docker.containers()[0].id));
}

#[tokio::test]
async fn missing_password_fails_before_touching_the_engine() {
    let mut rig = Rig::new().await;
    rig.env.remove("PEARLD_RPC_PASSWORD");
    let section = rig.section(8000);
    let err = rig
        .provider()
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("'PEARLD_RPC_PASSWORD' is not set"),
        "{err}"
    );
    assert!(rig.docker.requests().is_empty());
}
