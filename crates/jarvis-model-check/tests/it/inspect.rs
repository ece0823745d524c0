//! inspect-model against artifacts built in temp dirs, locally and through the fake Hub.

use std::path::Path;
use std::time::Duration;

use jarvis_mining::check::{CheckRow, Status};
use jarvis_model_check::inspect::{
    ArtifactSource, DEFAULT_HF_ENDPOINT, HfToken, InspectOptions, InspectReport, inspect_model,
    is_hub_id,
};
use jarvis_testkit::fake_hub::{FakeHub, HubRepo};
use jarvis_testkit::pearl_artifact::{ArtifactFlaw, write_pearl_artifact};

const PLANNED: &str = "pearl-ai/Llama-3.1-8B-Instruct-pearl";

fn options(model: &str) -> InspectOptions {
    InspectOptions {
        model: model.to_owned(),
        allow_planned: false,
        hf_endpoint: DEFAULT_HF_ENDPOINT.to_owned(),
        hf_token: None,
        hf_token_env: "HF_TOKEN".to_owned(),
        timeout: Duration::from_secs(5),
    }
}

fn artifact(flaw: ArtifactFlaw) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_pearl_artifact(dir.path(), flaw);
    dir
}

async fn local(flaw: ArtifactFlaw) -> InspectReport {
    let dir = artifact(flaw);
    inspect_model(&options(dir.path().to_str().unwrap())).await
}

fn find<'a>(report: &'a InspectReport, name: &str) -> &'a CheckRow {
    report
        .checks
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}: {:#?}", report.checks))
}

fn failed(report: &InspectReport) -> Vec<(&str, &str)> {
    report
        .checks
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| (r.name.as_str(), r.info.as_str()))
        .collect()
}

#[tokio::test]
async fn a_valid_local_artifact_passes_every_check() {
    let report = local(ArtifactFlaw::None).await;
    assert!(report.passed(), "{:#?}", report.checks);
    assert_eq!(report.source, ArtifactSource::Local);
    let names: Vec<&str> = report.checks.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Model registry",
            "Local artifact",
            "File list",
            "config.json",
            "Pearl quantization",
            "Architectures",
            "Tokenizer",
            "Weights",
            "Safetensors headers",
            "Index consistency",
            "Mining layers",
            "Non-mining layers"
        ]
    );
    // .git is skipped: config, 2 tokenizer files, index, 2 shards.
    assert_eq!(find(&report, "File list").info, "6 files");
    assert!(
        find(&report, "Weights")
            .info
            .starts_with("2 shards, all present")
    );
    // 2 layers x 4 mining projections (o, gate, up) = 3 each -> 6; non-mining q,k,v,down -> 8.
    assert_eq!(
        find(&report, "Mining layers").info,
        "6 int7 mining weights (group_1)"
    );
    assert_eq!(
        find(&report, "Non-mining layers").info,
        "8 int8 q/k/v/down_proj weights (group_0)"
    );
}

#[tokio::test]
async fn flawed_artifacts_fail_the_right_row() {
    let cases: [(ArtifactFlaw, &str, &str); 8] = [
        (
            ArtifactFlaw::WrongQuantMethod,
            "Pearl quantization",
            "quant_method = compressed-tensors, expected pearl",
        ),
        (
            ArtifactFlaw::MissingShard,
            "Weights",
            "missing shard model-00002-of-00002.safetensors",
        ),
        (
            ArtifactFlaw::CorruptHeader,
            "Safetensors headers",
            "header is not valid safetensors JSON",
        ),
        (
            ArtifactFlaw::HugeHeaderLength,
            "Safetensors headers",
            "exceeds the 104857600-byte cap",
        ),
        (
            ArtifactFlaw::TruncatedHeader,
            "Safetensors headers",
            "runs past the end",
        ),
        (
            ArtifactFlaw::TraversalShard,
            "Weights",
            "unsafe file path '../outside.safetensors'",
        ),
        (
            ArtifactFlaw::UnquantizedMiningLayer,
            "Mining layers",
            "model.layers.0.mlp.up_proj.weight is BF16, expected I8",
        ),
        (
            ArtifactFlaw::IndexMismatch,
            "Index consistency",
            "model.norm.weight is in model-00002",
        ),
    ];
    for (flaw, row, needle) in cases {
        let report = local(flaw).await;
        assert!(!report.passed(), "{flaw:?} passed");
        let failures = failed(&report);
        assert!(
            failures
                .iter()
                .any(|(n, i)| *n == row && i.contains(needle)),
            "{flaw:?}: expected {row} to fail with '{needle}', got {failures:?}"
        );
    }
}

#[tokio::test]
async fn a_path_that_is_not_a_directory_or_id_fails_cleanly() {
    let dir = artifact(ArtifactFlaw::None);
    let file = dir.path().join("config.json");
    let report = inspect_model(&options(file.to_str().unwrap())).await;
    assert_eq!(
        failed(&report),
        [(
            "Local artifact",
            format!("{} is not a directory", file.display()).as_str()
        )]
    );
    let report = inspect_model(&options("not an id")).await;
    assert!(failed(&report).iter().any(|(n, _)| *n == "HF model"));
    assert!(is_hub_id("pearl-ai/Llama-3.1-8B-Instruct-pearl"));
    assert!(!is_hub_id("../etc/passwd"));
    assert!(!is_hub_id("a/b/c"));
}

async fn hub_with(dir: &Path, gated: bool) -> FakeHub {
    let repo = HubRepo {
        gated,
        ..HubRepo::public(PLANNED, dir)
    };
    FakeHub::start(vec![repo], "hf_secret_token").await
}

#[tokio::test]
async fn a_hub_artifact_gets_the_same_checks_with_header_ranges() {
    let dir = artifact(ArtifactFlaw::None);
    let hub = hub_with(dir.path(), false).await;
    let mut opts = options(PLANNED);
    opts.hf_endpoint = hub.url();
    let report = inspect_model(&opts).await;
    assert!(
        !report.passed(),
        "planned without --allow-planned must fail"
    );
    assert_eq!(
        failed(&report),
        [("Model registry", format!("planned: {PLANNED}").as_str())]
    );
    opts.allow_planned = true;
    let before = hub.requests().len();
    let report = inspect_model(&opts).await;
    assert!(report.passed(), "{:#?}", report.checks);
    assert_eq!(report.source, ArtifactSource::Hub);
    assert_eq!(find(&report, "Model registry").status, Status::Warn);
    assert_eq!(
        find(&report, "Mining layers").info,
        "6 int7 mining weights (group_1)"
    );
    // Headers come from byte ranges, never whole shards.
    let shard_reads: Vec<_> = hub
        .requests()
        .into_iter()
        .skip(before)
        .filter(|r| r.path.ends_with(".safetensors"))
        .collect();
    // Two shards, each read as an 8-byte length and then exactly its header.
    assert_eq!(shard_reads.len(), 4);
    assert!(shard_reads.iter().all(|r| r.header("range").is_some()));
}

#[tokio::test]
async fn gated_hub_models_need_the_token_which_is_never_shown() {
    let dir = artifact(ArtifactFlaw::None);
    let hub = hub_with(dir.path(), true).await;
    let mut opts = options(PLANNED);
    opts.hf_endpoint = hub.url();
    opts.allow_planned = true;
    let report = inspect_model(&opts).await;
    let failures = failed(&report);
    assert!(
        failures.iter().any(|(_, i)| i.contains("HTTP 401")),
        "{failures:?}"
    );
    opts.hf_token = Some(HfToken::new("hf_secret_token".into()));
    let report = inspect_model(&opts).await;
    assert!(report.passed(), "{:#?}", report.checks);
    assert!(format!("{opts:?}").contains("<redacted>"));
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("hf_secret_token"));
    assert!(
        hub.requests()
            .iter()
            .any(|r| r.header("authorization") == Some("Bearer hf_secret_token"))
    );
}

#[tokio::test]
async fn hub_errors_name_the_status_and_the_token_variable() {
    let dir = artifact(ArtifactFlaw::None);
    let mut private = HubRepo::public(PLANNED, dir.path());
    private.private = true;
    let hub = FakeHub::start(vec![private], "tok").await;
    let mut opts = options(PLANNED);
    opts.hf_endpoint = hub.url();
    opts.allow_planned = true;
    opts.hf_token_env = "MY_HF".into();
    let report = inspect_model(&opts).await;
    let row = find(&report, "HF model");
    assert_eq!((row.status, row.info.as_str()), (Status::Fail, "HTTP 401"));
    assert!(row.fix.as_deref().unwrap().contains("$MY_HF"));
    opts.model = "pearl-ai/does-not-exist".into();
    let report = inspect_model(&opts).await;
    assert_eq!(find(&report, "HF model").info, "HTTP 404");
}

#[test]
fn a_fifo_shard_fails_its_row_instead_of_hanging() {
    let dir = artifact(ArtifactFlaw::None);
    let shard = dir.path().join("model-00002-of-00002.safetensors");
    std::fs::remove_file(&shard).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&shard)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let model = dir.path().to_str().unwrap().to_owned();
    // A blocking open of the FIFO never returns: run it on a thread of its own so the defect
    // fails the test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _ = tx.send(runtime.block_on(inspect_model(&options(&model))));
    });
    let report = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("inspect-model hung on a FIFO shard");
    let failures = failed(&report);
    assert!(
        failures
            .iter()
            .any(|(_, info)| info.contains("a FIFO, not a regular file")
                && info.contains("model-00002-of-00002.safetensors")),
        "{failures:?}"
    );
}
