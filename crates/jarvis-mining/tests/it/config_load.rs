//! `[mining]` / `[mining.extra]`: defaults, every key, and `path:line:col` errors.

use std::path::{Path, PathBuf};

use jarvis_core::ConfigError;
use jarvis_mining::config::{
    MiningExtra, MiningSection, Network, SubmitTargetSpec, VllmArgs, load as load_config,
    parse as parse_config,
};
use proptest::prelude::*;

const PROVIDERS: &[&str] = &["vllm-pearl", "cpu-pearl", "apple-mps-pearl"];

fn load(text: &str) -> Result<Option<MiningSection>, ConfigError> {
    parse_config(text, Path::new("config.toml"), PROVIDERS)
}

/// The error message for `text`, which must fail to load.
fn error(text: &str) -> String {
    match load(text) {
        Ok(cfg) => panic!("expected an error, loaded {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

const MINIMAL: &str = "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"prl1qabc\"\n";

#[test]
fn missing_file_is_none_and_no_mining_table_is_none() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        load_config(&dir.path().join("absent.toml"), PROVIDERS)
            .unwrap()
            .is_none()
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[engine]\ndefault = \"vllm\"\n").unwrap();
    assert_eq!(load_config(&path, PROVIDERS).unwrap(), None);
}

#[test]
fn unreadable_path_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_config(dir.path(), PROVIDERS).unwrap_err();
    assert!(matches!(err, ConfigError::NotAConfigFile(_)), "{err:?}");
    assert!(
        err.to_string().contains("a directory, not a regular file"),
        "{err}"
    );
}

#[test]
fn minimal_section_gets_every_default() {
    let m = load(MINIMAL).unwrap().unwrap();
    assert_eq!(m.provider, "cpu-pearl");
    assert_eq!(m.wallet_address, "prl1qabc");
    assert_eq!(m.submit_target, SubmitTargetSpec::Solo);
    assert_eq!(m.fee_bps, 0);
    assert_eq!(m.fee_payout_address, "");
    assert_eq!(m.extra, MiningExtra::default());
    let d = &m.extra;
    assert_eq!(d.docker_image_tag, "openjarvis/pearl-miner:master");
    assert_eq!(d.model, "pearl-ai/Llama-3.3-70B-Instruct-pearl");
    assert_eq!(
        (d.vllm_port, d.gateway_port, d.gateway_metrics_port),
        (8000, 8337, 8339)
    );
    assert_eq!(d.metrics_port, 9109);
    assert_eq!(d.gpu_memory_utilization, 0.96);
    assert_eq!(d.max_model_len, 8192);
    assert_eq!(d.pearld_rpc_url, "http://localhost:44107");
    assert_eq!(d.pearld_rpc_user, "rpcuser");
    assert_eq!(d.pearld_rpc_password_env, "PEARLD_RPC_PASSWORD");
    assert_eq!(d.hf_token_env, "HF_TOKEN");
    assert_eq!(d.gateway_host, "127.0.0.1");
    assert_eq!(d.network, Network::Mainnet);
    assert_eq!(
        (
            d.sample_interval_s,
            d.history_retention_days,
            d.max_restarts_per_hour
        ),
        (30, 30, 10)
    );
    assert_eq!((d.m, d.n, d.k, d.rank), (None, None, 2048, 128));
    assert_eq!(d.rows_pattern, [0, 8]);
    assert_eq!(d.cols_pattern, None);
    assert_eq!(d.threads, None);
    assert!(d.unknown_keys.is_empty());
}

#[test]
fn golden_pool_and_minimal_vllm() {
    let text = r#"
[mining]
provider = "vllm-pearl"
wallet_address = "prl1qxyz"
submit_target = "pool:https://pool.openjarvis.ai/submit"
fee_bps = 0
fee_payout_address = ""

[mining.extra]
model = "pearl-ai/Llama-3.3-70B-Instruct-pearl"
pearld_rpc_url = "http://localhost:44107"
pearld_rpc_user = "rpcuser"
pearld_rpc_password_env = "PEARLD_RPC_PASSWORD"
"#;
    let m = load(text).unwrap().unwrap();
    assert_eq!(
        m.submit_target,
        SubmitTargetSpec::Pool {
            url: "https://pool.openjarvis.ai/submit".to_string()
        }
    );
    assert_eq!(m.extra, MiningExtra::default());
}

#[test]
fn every_extra_key_is_read() {
    let text = r#"
[mining]
provider = "apple-mps-pearl"
wallet_address = "prl1p1"
fee_bps = 25
fee_payout_address = "prl1qfee"
[mining.extra]
docker_image_tag = "img:1"
model = "m/x"
local_model_path = "/models/x"
vllm_args = ["--a", "--b"]
cuda_visible_devices = "0,1"
vllm_port = 8001
gateway_port = 8338
gateway_metrics_port = 8340
gpu_memory_utilization = 1
max_model_len = 4096
pearld_rpc_url = "https://node:44107"
pearld_rpc_user = "me"
pearld_rpc_password_env = "MY_PW"
hf_token_env = "MY_HF"
gateway_host = "0.0.0.0"
metrics_port = 9200
network = "testnet2"
pearld_rpc_cert = "/etc/pearld/rpc.cert"
threads = 6
sample_interval_s = 10
history_retention_days = 7
max_restarts_per_hour = 0
pearl_ref = "v1.2.3"
m = 256
n = 128
k = 1024
rank = 32
rows_pattern = [0, 4, 8]
cols_pattern = [1, 2]
"#;
    let m = load(text).unwrap().unwrap();
    assert_eq!((m.fee_bps, m.fee_payout_address.as_str()), (25, "prl1qfee"));
    let e = m.extra;
    assert_eq!(e.docker_image_tag, "img:1");
    assert_eq!(e.model, "m/x");
    assert_eq!(e.local_model_path, Some(PathBuf::from("/models/x")));
    assert_eq!(
        e.vllm_args,
        Some(VllmArgs::List(vec!["--a".into(), "--b".into()]))
    );
    assert_eq!(e.cuda_visible_devices, "0,1");
    assert_eq!(
        (e.vllm_port, e.gateway_port, e.gateway_metrics_port),
        (8001, 8338, 8340)
    );
    assert_eq!(e.gpu_memory_utilization, 1.0);
    assert_eq!(e.max_model_len, 4096);
    assert_eq!(e.pearld_rpc_url, "https://node:44107");
    assert_eq!(e.pearld_rpc_user, "me");
    assert_eq!(e.pearld_rpc_password_env, "MY_PW");
    assert_eq!(e.hf_token_env, "MY_HF");
    assert_eq!(e.gateway_host, "0.0.0.0");
    assert_eq!(e.metrics_port, 9200);
    assert_eq!(e.network, Network::Testnet2);
    assert_eq!(
        e.pearld_rpc_cert,
        Some(PathBuf::from("/etc/pearld/rpc.cert"))
    );
    assert_eq!(e.threads, Some(6));
    assert_eq!(
        (
            e.sample_interval_s,
            e.history_retention_days,
            e.max_restarts_per_hour
        ),
        (10, 7, 0)
    );
    assert_eq!(e.pearl_ref.as_deref(), Some("v1.2.3"));
    assert_eq!((e.m, e.n, e.k, e.rank), (Some(256), Some(128), 1024, 32));
    assert_eq!(e.rows_pattern, [0, 4, 8]);
    assert_eq!(e.cols_pattern, Some(vec![1, 2]));
    assert!(e.unknown_keys.is_empty(), "{:?}", e.unknown_keys);
}

#[test]
fn vllm_args_as_one_string() {
    let text = format!("{MINIMAL}[mining.extra]\nvllm_args = \"--enforce-eager --x 1\"\n");
    let e = load(&text).unwrap().unwrap().extra;
    assert_eq!(
        e.vllm_args,
        Some(VllmArgs::Line("--enforce-eager --x 1".into()))
    );
}

#[test]
fn unknown_keys_are_reported_not_fatal() {
    let text = format!("{MINIMAL}colour = \"red\"\n[mining.extra]\nfuture_knob = 3\nk = 512\n");
    let e = load(&text).unwrap().unwrap().extra;
    assert_eq!(
        e.unknown_keys,
        ["mining.colour", "mining.extra.future_knob"]
    );
    assert_eq!(e.k, 512);
}

#[test]
fn inline_and_dotted_mining_tables_load() {
    let inline =
        "mining = { provider = \"cpu-pearl\", wallet_address = \"prl1q\", extra = { k = 64 } }\n";
    assert_eq!(load(inline).unwrap().unwrap().extra.k, 64);
    let dotted = "mining.provider = \"cpu-pearl\"\nmining.wallet_address = \"prl1q\"\n";
    assert_eq!(load(dotted).unwrap().unwrap().provider, "cpu-pearl");
}

#[test]
fn syntax_error_has_line_and_column() {
    let msg = error("[mining]\nprovider = \"cpu-pearl\nwallet_address = \"x\"\n");
    assert!(msg.starts_with("config.toml:2:"), "{msg}");
    assert!(msg.contains("invalid TOML"), "{msg}");
    let msg = error("[mining]\nprovider = cpu-pearl\n");
    assert!(msg.starts_with("config.toml:2:12: invalid TOML"), "{msg}");
}

#[test]
fn out_of_range_port_points_at_the_value() {
    let text = format!("{MINIMAL}\n[mining.extra]\n# ports\ngateway_port = 70000\n");
    let msg = error(&text);
    assert!(
        msg.starts_with(
            "config.toml:7:16: mining.extra.gateway_port must be an integer 1-65535, got 70000; "
        ),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}[mining.extra]\nvllm_port = 0\n"));
    assert!(
        msg.starts_with(
            "config.toml:5:13: mining.extra.vllm_port must be an integer 1-65535, got 0"
        ),
        "{msg}"
    );
}

/// Every typed key, given a value of the wrong type on line 5, column `len(key) + 4`.
#[test]
fn wrong_type_for_every_typed_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("docker_image_tag", "1", "must be a string, got an integer"),
        ("model", "true", "must be a string, got a boolean"),
        (
            "local_model_path",
            "[\"/x\"]",
            "must be a string, got an array",
        ),
        (
            "cuda_visible_devices",
            "0",
            "must be a string, got an integer",
        ),
        (
            "vllm_port",
            "\"8000\"",
            "must be an integer 1-65535, got a string",
        ),
        (
            "gateway_port",
            "8337.0",
            "must be an integer 1-65535, got a float",
        ),
        (
            "gateway_metrics_port",
            "true",
            "must be an integer 1-65535, got a boolean",
        ),
        (
            "gpu_memory_utilization",
            "\"0.9\"",
            "must be a number greater than 0 and at most 1, got a string",
        ),
        (
            "max_model_len",
            "\"8192\"",
            "must be an integer >= 1, got a string",
        ),
        (
            "pearld_rpc_url",
            "44107",
            "must be a string, got an integer",
        ),
        (
            "pearld_rpc_user",
            "{ a = 1 }",
            "must be a string, got an inline table",
        ),
        (
            "pearld_rpc_password_env",
            "1",
            "must be a string, got an integer",
        ),
        ("hf_token_env", "1", "must be a string, got an integer"),
        ("gateway_host", "127", "must be a string, got an integer"),
        (
            "metrics_port",
            "\"9109\"",
            "must be an integer 1-65535, got a string",
        ),
        ("network", "1", "must be a string, got an integer"),
        ("pearld_rpc_cert", "1", "must be a string, got an integer"),
        (
            "threads",
            "\"all\"",
            "must be an integer >= 1, got a string",
        ),
        (
            "sample_interval_s",
            "1.5",
            "must be an integer >= 1, got a float",
        ),
        (
            "history_retention_days",
            "\"30\"",
            "must be an integer >= 1, got a string",
        ),
        (
            "max_restarts_per_hour",
            "-1",
            "must be an integer >= 0, got -1",
        ),
        ("pearl_ref", "1", "must be a string, got an integer"),
        ("m", "0", "must be an integer >= 1, got 0"),
        ("n", "\"128\"", "must be an integer >= 1, got a string"),
        (
            "k",
            "1979-05-27",
            "must be an integer >= 1, got a date-time",
        ),
        ("rank", "[1]", "must be an integer >= 1, got an array"),
        (
            "rows_pattern",
            "\"0,8\"",
            "must be a list of integers >= 0, got a string",
        ),
        (
            "cols_pattern",
            "3",
            "must be a list of integers >= 0, got an integer",
        ),
        (
            "vllm_args",
            "7",
            "must be a string or a list of strings, got an integer",
        ),
    ];
    for (key, value, what) in cases {
        let text = format!("{MINIMAL}[mining.extra]\n{key} = {value}\n");
        let msg = error(&text);
        let col = key.len() + 4;
        let want = format!("config.toml:5:{col}: mining.extra.{key} {what}; ");
        assert!(msg.starts_with(&want), "{key}:\n got  {msg}\n want {want}");
    }
}

#[test]
fn wrong_types_in_mining_table() {
    let msg = error("[mining]\nprovider = 3\nwallet_address = \"w\"\n");
    assert!(
        msg.starts_with("config.toml:2:12: mining.provider must be a string, got an integer; "),
        "{msg}"
    );
    let msg = error("[mining]\nprovider = \"cpu-pearl\"\nwallet_address = [\"w\"]\n");
    assert!(
        msg.starts_with("config.toml:3:18: mining.wallet_address must be a string, got an array"),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}fee_payout_address = 0\n"));
    assert!(
        msg.starts_with("config.toml:4:22: mining.fee_payout_address must be a string"),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}fee_bps = \"0\"\n"));
    assert!(
        msg.starts_with(
            "config.toml:4:11: mining.fee_bps must be an integer 0-10000, got a string"
        ),
        "{msg}"
    );
}

#[test]
fn element_errors_point_at_the_element() {
    let msg = error(&format!(
        "{MINIMAL}[mining.extra]\nvllm_args = [\"--a\", 3]\n"
    ));
    assert!(msg.starts_with("config.toml:5:21: mining.extra.vllm_args must be a string or a list of strings, got an integer"), "{msg}");
    let msg = error(&format!(
        "{MINIMAL}[mining.extra]\nrows_pattern = [0, -8]\n"
    ));
    assert!(
        msg.starts_with(
            "config.toml:5:20: mining.extra.rows_pattern must be a list of integers >= 0, got -8"
        ),
        "{msg}"
    );
}

#[test]
fn gpu_memory_utilization_range() {
    for (value, col_ok) in [
        ("0", false),
        ("0.0", false),
        ("1.01", false),
        ("-0.5", false),
        ("0.5", true),
        ("1", true),
        ("1.0", true),
    ] {
        let text = format!("{MINIMAL}[mining.extra]\ngpu_memory_utilization = {value}\n");
        match load(&text) {
            Ok(cfg) => assert!(col_ok, "{value} accepted: {cfg:?}"),
            Err(e) => {
                assert!(!col_ok, "{value} rejected: {e}");
                let msg = e.to_string();
                assert!(msg.starts_with("config.toml:5:26: mining.extra.gpu_memory_utilization must be a number greater than 0 and at most 1"), "{msg}");
            }
        }
    }
}

#[test]
fn negative_fee_bps() {
    let msg = error(&format!("{MINIMAL}fee_bps = -5\n"));
    assert!(
        msg.starts_with("config.toml:4:11: mining.fee_bps must be an integer 0-10000, got -5; "),
        "{msg}"
    );
}

#[test]
fn unknown_provider_lists_known_ids() {
    let msg = error("[mining]\nprovider = \"gpu-magic\"\nwallet_address = \"w\"\n");
    assert_eq!(
        msg,
        "config.toml:2:12: mining.provider 'gpu-magic' is not a known mining provider; \
         use one of: vllm-pearl, cpu-pearl, apple-mps-pearl"
    );
    // An empty provider list skips the check.
    let cfg = parse_config(
        "[mining]\nprovider = \"gpu-magic\"\nwallet_address = \"w\"\n",
        Path::new("c"),
        &[],
    );
    assert_eq!(cfg.unwrap().unwrap().provider, "gpu-magic");
}

#[test]
fn bad_submit_target() {
    for bad in ["team", "pool:", "Solo"] {
        let msg = error(&format!("{MINIMAL}submit_target = \"{bad}\"\n"));
        let want = format!(
            "config.toml:4:17: mining.submit_target must be 'solo' or 'pool:<url>', got '{bad}'; "
        );
        assert!(msg.starts_with(&want), "{msg}");
    }
}

#[test]
fn bad_network() {
    let msg = error(&format!("{MINIMAL}[mining.extra]\nnetwork = \"moonnet\"\n"));
    assert!(
        msg.starts_with("config.toml:5:11: mining.extra.network must be one of mainnet, testnet, testnet2, signet, regtest, simnet, got 'moonnet'; "),
        "{msg}"
    );
}

#[test]
fn log_format_is_text_or_json() {
    use jarvis_mining::config::LogFormat;
    let m = load(MINIMAL).unwrap().unwrap();
    assert_eq!(m.extra.log_format, LogFormat::Text);
    let m = load(&format!("{MINIMAL}[mining.extra]\nlog_format = \"json\"\n"))
        .unwrap()
        .unwrap();
    assert_eq!(m.extra.log_format, LogFormat::Json);
    let msg = error(&format!("{MINIMAL}[mining.extra]\nlog_format = \"xml\"\n"));
    assert!(
        msg.starts_with(
            "config.toml:5:14: mining.extra.log_format must be 'text' or 'json', got 'xml'; "
        ),
        "{msg}"
    );
}

#[test]
fn missing_required_keys_point_at_the_header() {
    let msg = error("# my config\n\n[mining]\nwallet_address = \"w\"\n");
    assert!(
        msg.starts_with("config.toml:3:1: mining.provider is missing; add provider = "),
        "{msg}"
    );
    let msg = error("[engine]\nx = 1\n\n  [mining]\nprovider = \"cpu-pearl\"\n");
    assert!(
        msg.starts_with("config.toml:4:3: mining.wallet_address is missing; "),
        "{msg}"
    );
    let msg = error("[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"  \"\n");
    assert!(
        msg.starts_with("config.toml:3:18: mining.wallet_address must not be empty"),
        "{msg}"
    );
}

#[test]
fn non_table_mining_or_extra() {
    let msg = error("mining = 5\n");
    assert!(
        msg.starts_with("config.toml:1:10: mining must be a table, got an integer"),
        "{msg}"
    );
    let msg = error(&format!("{MINIMAL}extra = \"x\"\n"));
    assert!(
        msg.starts_with("config.toml:4:9: mining.extra must be a table, got a string"),
        "{msg}"
    );
}

#[test]
fn column_counts_characters_not_bytes() {
    let msg = error(&format!(
        "{MINIMAL}[mining.extra]\nmodel = \"é\"\nvllm_port = 0 # \n"
    ));
    assert!(msg.starts_with("config.toml:6:13:"), "{msg}");
    let msg = error(&format!(
        "{MINIMAL}[mining.extra]\nvllm_args = [\"é\", 3]\n"
    ));
    assert!(msg.starts_with("config.toml:5:19:"), "{msg}");
}

#[test]
fn full_path_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, format!("{MINIMAL}fee_bps = -1\n")).unwrap();
    let msg = load_config(&path, PROVIDERS).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{}:4:11: ", path.display())),
        "{msg}"
    );
}

proptest! {
    #[test]
    fn loader_never_panics(text in any::<String>()) {
        let _ = parse_config(&text, Path::new("c.toml"), PROVIDERS);
    }

    #[test]
    fn loader_never_panics_on_mining_shaped_text(
        lines in proptest::collection::vec(
            proptest::sample::select(vec![
                "[mining]", "[mining.extra]", "provider = \"cpu-pearl\"", "wallet_address = \"w\"",
                "gateway_port = 70000", "k = -1", "rows_pattern = [1, \"x\"]", "vllm_args = [1]",
                "network = 3", "fee_bps = 99999999999", "extra = 1", "mining = 2", "= oops",
                "gpu_memory_utilization = nan", "threads = 0", "[[mining]]",
            ]),
            0..8,
        )
    ) {
        let _ = parse_config(&lines.join("\n"), Path::new("c.toml"), PROVIDERS);
    }
}

/// An empty `pearld_rpc_password_env` was accepted and later printed "variable  is not set;
/// export =<...>": it is refused at its position, naming the key and the default.
#[test]
fn an_empty_or_malformed_secret_variable_name_is_refused_at_its_position() {
    for (key, value) in [
        ("pearld_rpc_password_env", ""),
        ("pearld_rpc_password_env", "   "),
        ("pearld_rpc_password_env", "hunter2 secret!"),
        ("hf_token_env", ""),
    ] {
        let text = format!("{MINIMAL}\n[mining.extra]\n{key} = \"{value}\"\n");
        let message = error(&text);
        assert!(message.contains("config.toml:6:"), "{message}");
        assert!(
            message.contains(&format!(
                "mining.extra.{key} must be the NAME of an environment variable"
            )),
            "{message}"
        );
        assert!(
            !value.trim().is_empty() || !message.contains("export ="),
            "{message}"
        );
        if !value.trim().is_empty() {
            assert!(
                !message.contains(value),
                "the value is never echoed: {message}"
            );
        }
    }
    let ok = load(&format!(
        "{MINIMAL}\n[mining.extra]\npearld_rpc_password_env = \"MY_PEARLD_PASS\"\n"
    ))
    .unwrap()
    .unwrap();
    assert_eq!(ok.extra.pearld_rpc_password_env, "MY_PEARLD_PASS");
}

/// Found by the `config_toml` fuzz target: toml_edit 0.23 panicked ("all items have spans")
/// on this document; since 0.25 it is a parse error like any other.
#[test]
fn a_document_that_crashed_the_toml_parser_is_an_error_naming_the_file() {
    let text = "====000[\n[.egennivllm=====# jar~nr\0\0\0\0\0\0ttp:1\x038\n000[\n[.egHHH\n";
    assert!(error(text).contains("config.toml"));
}
