//! validate-model against a fake vLLM, a fake pearld and a test provider whose logs come from a
//! file: every probe, the artifact's schema, and failures.

use std::collections::HashMap;
use std::time::Duration;

use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use jarvis_mining::MinerRegistry;
use jarvis_mining::capabilities::MiningCapabilities;
use jarvis_mining::check::Status;
use jarvis_mining::config::MiningConfig;
use jarvis_mining::config::parse as parse_config;
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::{
    BoxFuture, LogLine, LogRequest, MiningProvider, StartOptions, StopOptions,
};
use jarvis_mining::registry::{MiningDevice, ProviderDescriptor, ProviderNeeds};
use jarvis_mining::session::ProviderLiveness;
use jarvis_mining::sidecar::{Sidecar, write_sidecar};
use jarvis_mining::stats::MiningStats;
use jarvis_model_check::validate::{
    HostFacts, VALIDATION_SCHEMA_VERSION, ValidateInputs, ValidationReport, validate_model,
};
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions, VllmFault};
use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions};

const MODEL: &str = "pearl-ai/Llama-3.3-70B-Instruct-pearl";
const PASSWORD: &str = "validate-secret-pass";
const PROVIDER: &str = "log-file-test";

/// A provider whose `logs` replays `<home>/container.log`.
struct LogFileProvider {
    home: JarvisHome,
}

impl MiningProvider for LogFileProvider {
    fn id(&self) -> &'static str {
        PROVIDER
    }
    fn start<'a>(
        &'a mut self,
        _config: &'a MiningConfig,
        _options: &'a StartOptions,
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async { Ok(()) })
    }
    fn stop<'a>(&'a mut self, _options: &'a StopOptions) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async { Ok(()) })
    }
    fn liveness<'a>(&'a self, _sidecar: &'a Sidecar) -> BoxFuture<'a, ProviderLiveness> {
        Box::pin(async { ProviderLiveness::Running })
    }
    fn stats(&self) -> BoxFuture<'_, MiningStats> {
        Box::pin(async { MiningStats::unknown(PROVIDER) })
    }
    fn logs<'a>(
        &'a self,
        request: LogRequest,
        sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move {
            let text =
                std::fs::read_to_string(self.home.root().join("container.log")).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(request.tail);
            for line in &lines[start..] {
                sink(LogLine::plain("container", *line));
            }
            Ok(())
        })
    }
}

fn detect(_hw: &HardwareInfo, _engine: &str, _model: &str) -> MiningCapabilities {
    MiningCapabilities::supported()
}

fn create(home: &JarvisHome) -> Box<dyn MiningProvider> {
    Box::new(LogFileProvider { home: home.clone() })
}

fn registry() -> MinerRegistry {
    let mut registry = MinerRegistry::new();
    registry
        .register(ProviderDescriptor {
            id: PROVIDER,
            summary: "test provider",
            needs: ProviderNeeds {
                docker: true,
                device: MiningDevice::NvidiaGpu,
                serves_model: true,
            },
            detect,
            create,
            checks: None,
            daemon: None,
        })
        .unwrap();
    registry
}

const GOOD_LOG: &str = "INFO [__init__.py:44] - pearl_miner -> vllm_miner.register:register_pearl_miner_layer\n\
                        INFO Initializing a V1 LLM engine with config: quantization=pearl\n\
                        INFO share accepted\n";

struct Rig {
    _dir: tempfile::TempDir,
    home: JarvisHome,
    vllm: FakeVllm,
    pearld: FakePearld,
    registry: MinerRegistry,
    env: HashMap<String, String>,
}

impl Rig {
    async fn new() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let home = JarvisHome::at(dir.path());
        let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
        let pearld = FakePearld::start(FakePearldOptions {
            password: PASSWORD.into(),
            ..FakePearldOptions::default()
        })
        .await;
        let mut sidecar = Sidecar::new(PROVIDER, "", 1.0);
        sidecar.vllm_endpoint = Some(vllm.v1_url());
        sidecar.model = Some(MODEL.into());
        sidecar.container_id = Some("0123456789ab".into());
        std::fs::create_dir_all(home.runtime_dir()).unwrap();
        write_sidecar(&home.sidecar_path(), &sidecar).unwrap();
        std::fs::write(home.root().join("container.log"), GOOD_LOG).unwrap();
        let mut env = HashMap::new();
        env.insert("PEARLD_RPC_PASSWORD".to_owned(), PASSWORD.to_owned());
        Rig {
            _dir: dir,
            home,
            vllm,
            pearld,
            registry: registry(),
            env,
        }
    }

    async fn run(&self, prompt: Option<&str>) -> ValidationReport {
        let config = parse_config(
            &format!(
                "[mining]\nprovider = \"{PROVIDER}\"\nwallet_address = \"prl1p\"\n\
                 [mining.extra]\npearld_rpc_url = \"{}\"\n",
                self.pearld.url()
            ),
            std::path::Path::new("config.toml"),
            &[],
        )
        .unwrap();
        let env = |k: &str| self.env.get(k).cloned();
        validate_model(ValidateInputs {
            home: &self.home,
            registry: &self.registry,
            mining: config.as_ref(),
            env: &env,
            model: None,
            allow_planned: false,
            prompt: prompt.map(str::to_owned),
            timeout: Duration::from_secs(2),
            host: HostFacts {
                hostname: "gpu-host".into(),
                gpus: vec!["NVIDIA H100 80GB HBM3".into()],
                driver: Some("570.86.15".into()),
            },
        })
        .await
    }
}

fn probe<'a>(
    report: &'a ValidationReport,
    name: &str,
) -> &'a jarvis_model_check::validate::ValidationProbe {
    report
        .probes
        .iter()
        .find(|p| p.row.name == name)
        .unwrap_or_else(|| panic!("no probe {name}: {:#?}", report.probes))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_miner_passes_every_probe() {
    let rig = Rig::new().await;
    let report = rig.run(Some("hello pearl")).await;
    assert!(report.passed(), "{:#?}", report.probes);
    let names: Vec<&str> = report.probes.iter().map(|p| p.row.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Model registry",
            "Sidecar",
            "Sidecar model",
            "vLLM /v1/models",
            "Chat completion",
            "vLLM /metrics",
            "pearld RPC",
            "pearld RPC password",
            "Container log"
        ]
    );
    let chat = probe(&report, "Chat completion");
    assert_eq!(chat.evidence["engine"], "vllm-pearl-mining");
    assert_eq!(chat.evidence["prompt"], "hello pearl");
    assert!(chat.evidence["latency_ms"].is_u64());
    assert_eq!(chat.evidence["completion_tokens"], 5);
    let sent = rig
        .vllm
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/chat/completions")
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent["model"], MODEL);
    assert_eq!(sent["max_tokens"], 16);
    let metrics = &probe(&report, "vLLM /metrics").evidence["metrics"];
    assert!(metrics["process_start_time_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(metrics["vllm:generation_tokens_total"], 5.0);
    assert_eq!(
        probe(&report, "Container log").evidence["plugin_lines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_artifact_has_the_versioned_schema_and_no_secrets() {
    let rig = Rig::new().await;
    let report = rig.run(None).await;
    let value = serde_json::to_value(&report).unwrap();
    let text = value.to_string();
    assert!(!text.contains(PASSWORD), "the RPC password leaked");
    assert_eq!(value["schema_version"], VALIDATION_SCHEMA_VERSION);
    assert_eq!(value["status"], "passed");
    assert_eq!(value["model"], MODEL);
    assert_eq!(value["host"]["hostname"], "gpu-host");
    assert_eq!(value["host"]["gpus"][0], "NVIDIA H100 80GB HBM3");
    assert_eq!(value["host"]["driver"], "570.86.15");
    assert_eq!(value["provider"], PROVIDER);
    assert_eq!(value["vllm_endpoint"], rig.vllm.v1_url());
    assert!(value["image_ref"].is_string());
    let (start, end) = (
        value["started_at"].as_f64().unwrap(),
        value["finished_at"].as_f64().unwrap(),
    );
    assert!(start > 1.7e9 && end >= start);
    for p in value["probes"].as_array().unwrap() {
        let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        for key in ["group", "name", "status", "info", "required", "evidence"] {
            assert!(keys.contains(&key), "probe {p} lacks {key}");
        }
        assert!(
            p["group"] == "validation" || p["group"] == "model_artifact",
            "{p}"
        );
    }
}

fn failed(report: &ValidationReport) -> Vec<(&str, &str)> {
    report
        .probes
        .iter()
        .filter(|p| p.row.status == Status::Fail)
        .map(|p| (p.row.name.as_str(), p.row.info.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_sidecar_fails_and_says_to_start() {
    let rig = Rig::new().await;
    std::fs::remove_file(rig.home.sidecar_path()).unwrap();
    let report = rig.run(None).await;
    assert!(!report.passed());
    let sidecar = probe(&report, "Sidecar");
    assert!(sidecar.row.info.starts_with("absent"));
    assert!(
        sidecar
            .row
            .fix
            .as_deref()
            .unwrap()
            .contains("jarvis mine start")
    );
    assert!(
        report
            .probes
            .iter()
            .all(|p| p.row.name != "Chat completion")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn engine_errors_fail_the_chat_and_listing_probes() {
    let rig = Rig::new().await;
    rig.vllm.set_fault(VllmFault::Status {
        code: 500,
        message: "engine dead".into(),
    });
    let report = rig.run(None).await;
    let failures = failed(&report);
    assert!(
        failures.contains(&("vLLM /v1/models", "HTTP 500")),
        "{failures:?}"
    );
    assert!(
        failures
            .iter()
            .any(|(n, i)| *n == "Chat completion" && i.contains("engine dead")),
        "{failures:?}"
    );
    rig.vllm.set_fault(VllmFault::None);
    rig.vllm.set_models(vec!["other/model".into()]);
    let report = rig.run(None).await;
    assert!(
        failed(&report)
            .iter()
            .any(|(n, i)| *n == "vLLM /v1/models" && i.contains("not listed"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_syncing_pearld_fails_validation() {
    let rig = Rig::new().await;
    rig.pearld.set_mode(FakeMode::Syncing { height: 10 });
    let report = rig.run(None).await;
    assert_eq!(
        failed(&report),
        [("pearld RPC", "block height 10 (mainnet), syncing")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn container_logs_need_the_plugin_and_no_submission_errors() {
    let rig = Rig::new().await;
    let log = rig.home.root().join("container.log");
    std::fs::write(
        &log,
        format!("{GOOD_LOG}ERROR submit block failed: rejected\n"),
    )
    .unwrap();
    let report = rig.run(None).await;
    let row = probe(&report, "Container log");
    assert_eq!(
        (row.row.status, row.row.info.as_str()),
        (Status::Fail, "1 submission error line(s)")
    );
    assert_eq!(
        row.evidence["submission_error_lines"][0],
        "ERROR submit block failed: rejected"
    );
    std::fs::write(&log, "INFO loading weights\n").unwrap();
    let report = rig.run(None).await;
    assert!(
        probe(&report, "Container log")
            .row
            .info
            .contains("no Pearl plugin registration")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planned_sidecar_model_needs_allow_planned() {
    let rig = Rig::new().await;
    let mut sidecar = Sidecar::new(PROVIDER, "", 1.0);
    sidecar.vllm_endpoint = Some(rig.vllm.v1_url());
    sidecar.model = Some("pearl-ai/Llama-3.1-8B-Instruct-pearl".into());
    write_sidecar(&rig.home.sidecar_path(), &sidecar).unwrap();
    let report = rig.run(None).await;
    let failures = failed(&report);
    assert!(
        failures.contains(&(
            "Model registry",
            "planned: pearl-ai/Llama-3.1-8B-Instruct-pearl"
        )),
        "{failures:?}"
    );
}
