//! The comment-preserving writer of `[mining]` / `[mining.extra]`.

use std::path::{Path, PathBuf};

use jarvis_core::ConfigError;
use jarvis_mining::config::{
    MiningSection, Network, SubmitTargetSpec, VllmArgs, load as load_config, write_mining_section,
};

const PROVIDERS: &[&str] = &["vllm-pearl", "cpu-pearl", "apple-mps-pearl"];

fn temp_config(text: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    if let Some(text) = text {
        std::fs::write(&path, text).unwrap();
    }
    (dir, path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn load_mining(path: &Path) -> MiningSection {
    load_config(path, PROVIDERS).unwrap().unwrap()
}

#[test]
fn creates_a_new_file_with_mode_0600() {
    let (_dir, path) = temp_config(None);
    let section = MiningSection::new("cpu-pearl", "prl1qtestingaddr");
    write_mining_section(&path, &section, true).unwrap();
    assert_eq!(
        read(&path),
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"prl1qtestingaddr\"\n\
         submit_target = \"solo\"\nfee_bps = 0\nfee_payout_address = \"\"\n"
    );
    assert_eq!(load_mining(&path), section);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn full_write_round_trips_every_key() {
    let (_dir, path) = temp_config(None);
    let mut section = MiningSection::new("vllm-pearl", "prl1p\"quoted\\path");
    section.submit_target = SubmitTargetSpec::Pool {
        url: "https://pool.example/submit".to_string(),
    };
    section.fee_bps = 200;
    let e = &mut section.extra;
    e.local_model_path = Some(PathBuf::from("/models/it's \"here\""));
    e.vllm_args = Some(VllmArgs::List(vec![
        "--language-model-only".into(),
        "--skip-mm-profiling".into(),
    ]));
    e.cuda_visible_devices = "0,1".into();
    e.gpu_memory_utilization = 0.9;
    e.network = Network::Regtest;
    e.pearld_rpc_cert = Some(PathBuf::from("/etc/rpc.cert"));
    e.threads = Some(3);
    e.pearl_ref = Some("abc123".into());
    e.m = Some(64);
    e.n = Some(32);
    e.rows_pattern = vec![1, 2, 3];
    e.cols_pattern = Some(vec![4]);
    e.log_format = jarvis_mining::config::LogFormat::Json;
    write_mining_section(&path, &section, false).unwrap();
    let text = read(&path);
    assert!(text.contains("metrics_port = 9109\n"), "{text}");
    assert!(
        text.contains("vllm_args = [\"--language-model-only\", \"--skip-mm-profiling\"]\n"),
        "{text}"
    );
    assert_eq!(load_mining(&path), section);
}

const USER_FILE: &str = r#"# my jarvis config
[engine]
default = "vllm"  # engine comment

# mining below
[mining]
provider = "vllm-pearl"  # the provider
wallet_address = "prl1qold"
submit_target = "solo"
fee_bps = 0
fee_payout_address = ""

# extra knobs
[mining.extra]
gateway_port = 8337 # gateway
my_custom = "keep me"
threads = 2

[telemetry]
enabled = true # keep
"#;

#[test]
fn update_in_place_keeps_comments_order_and_other_sections() {
    let (_dir, path) = temp_config(Some(USER_FILE));
    let mut section = load_mining(&path);
    assert_eq!(section.extra.unknown_keys, ["mining.extra.my_custom"]);
    section.wallet_address = "prl1qnew".into();
    section.extra.gateway_port = 9000;
    section.extra.threads = None;
    section.extra.k = 512;
    write_mining_section(&path, &section, true).unwrap();
    let expected = USER_FILE
        .replace(
            "wallet_address = \"prl1qold\"",
            "wallet_address = \"prl1qnew\"",
        )
        .replace(
            "gateway_port = 8337 # gateway",
            "gateway_port = 9000 # gateway",
        )
        .replace(
            "my_custom = \"keep me\"\nthreads = 2\n",
            "my_custom = \"keep me\"\nk = 512\n",
        );
    assert_eq!(read(&path), expected);
    let reloaded = load_mining(&path);
    assert_eq!(reloaded.wallet_address, "prl1qnew");
    assert_eq!(reloaded.extra.gateway_port, 9000);
    assert_eq!(reloaded.extra.threads, None);
}

#[test]
fn unchanged_section_leaves_the_file_byte_identical() {
    let text = USER_FILE.replace("fee_bps = 0", "fee_bps = 0x0");
    let (_dir, path) = temp_config(Some(&text));
    let section = load_mining(&path);
    write_mining_section(&path, &section, true).unwrap();
    assert_eq!(read(&path), text);
}

#[test]
fn defaults_already_in_the_file_are_updated_not_dropped() {
    let (_dir, path) = temp_config(Some(USER_FILE));
    let mut section = load_mining(&path);
    section.extra.gateway_port = 8337;
    section.extra.vllm_port = 8000; // default and absent: not added
    write_mining_section(&path, &section, true).unwrap();
    let text = read(&path);
    assert!(text.contains("gateway_port = 8337 # gateway"), "{text}");
    assert!(!text.contains("vllm_port"), "{text}");
    write_mining_section(&path, &section, false).unwrap();
    assert!(read(&path).contains("vllm_port = 8000\n"));
}

#[test]
fn appends_mining_after_existing_sections() {
    let original = "# top\n[engine]\ndefault = \"ollama\" # mine\n";
    let (_dir, path) = temp_config(Some(original));
    let mut section = MiningSection::new("cpu-pearl", "prl1q");
    section.extra.gateway_host = "127.0.0.2".into();
    write_mining_section(&path, &section, true).unwrap();
    let text = read(&path);
    assert!(text.starts_with(original), "{text}");
    assert!(
        text.ends_with("[mining.extra]\ngateway_host = \"127.0.0.2\"\n"),
        "{text}"
    );
    assert_eq!(load_mining(&path), section);
}

#[test]
fn inline_mining_table_becomes_a_section() {
    let (_dir, path) = temp_config(Some(
        "mining = { provider = \"cpu-pearl\", wallet_address = \"prl1q\" }\n",
    ));
    let mut section = load_mining(&path);
    section.extra.k = 256;
    write_mining_section(&path, &section, true).unwrap();
    assert_eq!(load_mining(&path), section);
    assert!(read(&path).contains("[mining.extra]\nk = 256\n"));
}

#[test]
fn invalid_section_is_refused_and_file_untouched() {
    let (_dir, path) = temp_config(Some(USER_FILE));
    let mut section = load_mining(&path);
    section.extra.vllm_port = 0;
    let err = write_mining_section(&path, &section, true).unwrap_err();
    assert!(
        err.to_string()
            .contains("mining.extra.vllm_port must be an integer 1-65535"),
        "{err}"
    );
    assert_eq!(read(&path), USER_FILE);
}

#[test]
fn broken_file_is_not_overwritten() {
    let broken = "[mining\nprovider = \"x\"\n";
    let (_dir, path) = temp_config(Some(broken));
    let err = write_mining_section(&path, &MiningSection::new("cpu-pearl", "w"), true).unwrap_err();
    assert!(
        matches!(err, ConfigError::Invalid { line: 1, .. }),
        "{err:?}"
    );
    assert_eq!(read(&path), broken);
    let (_dir2, path2) = temp_config(Some("mining = 3\n"));
    let err =
        write_mining_section(&path2, &MiningSection::new("cpu-pearl", "w"), true).unwrap_err();
    assert!(
        err.to_string().contains(":1:10: mining must be a table"),
        "{err}"
    );
}
