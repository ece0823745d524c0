//! `jarvis mine bench` and `jarvis mine verify-proof`, end to end.

use jarvis_testkit::TestEnv;
use num_bigint::BigUint;
use pearl_miner::{CancelToken, Counters, Job, KernelChoice, Miner, MinerOptions, Shape};
use pearl_protocol::IncompleteBlockHeader;
use pearl_protocol::job::MiningJob;
use pearl_protocol::target::target_to_nbits;
use serde_json::value::RawValue;

use crate::common::{WALLET, jarvis};

/// A `--emit-proofs` line split into the raw job JSON (never through `Value`: the target is a
/// 256-bit integer) and the proof.
fn split_line(line: &str) -> (String, String) {
    #[derive(serde::Deserialize)]
    struct Line<'a> {
        #[serde(borrow)]
        mining_job: &'a RawValue,
        plain_proof: String,
    }
    let parsed: Line<'_> = serde_json::from_str(line).expect("a proof line");
    (parsed.mining_job.get().to_owned(), parsed.plain_proof)
}

fn small_shape_config(env: &TestEnv) {
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\nm = 64\nn = 256\n"
    ));
}

#[test]
fn bench_reports_json_and_emits_proofs_that_verify_offline() {
    let env = TestEnv::new();
    small_shape_config(&env);
    let proofs = env.home().join("out/proofs.jsonl");
    // Proofs arrive at random (one every ~2 s on a quiet machine, one every ~20 s on a loaded
    // 2-core CI machine running other tests beside this one): retry with longer runs rather
    // than rely on one being lucky (126 s of mining at most: a miss is then below 1 %).
    let mut v = serde_json::Value::Null;
    for seconds in ["2", "4", "8", "16", "32", "32", "32"] {
        let out = env.run(&mut jarvis(
            &env,
            &[
                "mine",
                "bench",
                "--seconds",
                seconds,
                "--threads",
                "1",
                "--json",
                "--emit-proofs",
                proofs.to_str().expect("utf8"),
            ],
        ));
        out.assert_success();
        v = serde_json::from_str(&out.stdout()).expect("json");
        if v["proofs_found"].as_u64().unwrap_or(0) > 0 {
            break;
        }
    }
    for key in [
        "kernel",
        "threads",
        "seconds",
        "mac_per_s",
        "tiles_per_s",
        "proofs_found",
        "proofs_verified",
        "peak_int8_mac_per_s",
        "peak_int16_mac_per_s",
        "expected_seconds_per_block",
        "ratio_own_peak",
        "breakdown",
        "window_mac_per_s",
        "peaks_before",
        "peaks_after",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    // Every run here lasts at least two seconds (the bench stops at its first tick past the
    // deadline), so it has at least two whole 1-s windows.
    let spread = &v["window_mac_per_s"];
    let field = |name: &str| spread[name].as_f64().unwrap_or(f64::NAN);
    assert!(spread["windows"].as_u64() >= Some(2), "{v}");
    assert_eq!(spread["window_s"], 1.0, "{v}");
    assert!(
        0.0 <= field("min") && field("min") <= field("median") && field("median") <= field("max"),
        "{v}"
    );
    // Peaks probed before and after the run; the reported one is the larger per instruction.
    for key in ["int8_mac_per_s", "int16_mac_per_s", "vnni_mac_per_s"] {
        let peak = format!("peak_{key}");
        let (before, after) = (&v["peaks_before"][key], &v["peaks_after"][key]);
        match (before.as_f64(), after.as_f64()) {
            (Some(b), Some(a)) => assert_eq!(v[&peak].as_f64(), Some(b.max(a)), "{key}: {v}"),
            _ => assert!(
                v[&peak].is_null() && before.is_null() && after.is_null(),
                "{v}"
            ),
        }
    }
    assert_eq!(v["peaks_before"]["threads"], 1, "{v}");
    let breakdown = &v["breakdown"];
    for part in [
        "gemm_s",
        "noise_s",
        "commit_s",
        "signal_s",
        "jackpot_s",
        "proof_s",
        "other_s",
    ] {
        assert!(
            breakdown[part].as_f64().is_some_and(|s| s >= 0.0),
            "{part}: {v}"
        );
    }
    assert!(
        breakdown["gemm_s"].as_f64() > Some(0.0),
        "the GEMM took time: {v}"
    );
    assert_eq!(v["threads"], 1);
    assert!(v["mac_per_s"].as_f64().expect("rate") > 0.0);
    assert_eq!(v["proofs_found"], v["proofs_verified"]);
    // No pearld answers here: the difficulty is an assumption, and the output says so.
    assert_eq!(v["expected_for_nbits"], 0x1a01_0000);
    assert_eq!(v["difficulty_source"], "assumed");
    assert_eq!(v["difficulty_assumed"], true);
    assert_eq!(v["network"], serde_json::Value::Null);
    assert!(
        v["nbits_source"]
            .as_str()
            .expect("source")
            .contains("not the network's difficulty"),
        "{v}"
    );
    let found = v["proofs_found"].as_u64().expect("count");
    assert!(
        found > 0,
        "an easy target yields proofs within a minute of bench runs: {v}"
    );

    let text = std::fs::read_to_string(&proofs).expect("emitted proofs");
    assert_eq!(text.lines().count() as u64, found);
    let line = text.lines().next().expect("a proof line");
    let (job, proof) = split_line(line);
    assert!(
        job.contains("\"incomplete_header_bytes\"") && job.contains("\"cert_version\":3"),
        "{job}"
    );

    let job_file = env.home().join("job.json");
    std::fs::write(&job_file, line).expect("write job");
    env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "verify-proof",
            "--job",
            job_file.to_str().expect("utf8"),
        ],
    ))
    .assert_success()
    .assert_stdout_contains("Valid proof.");

    // The bare job object plus the proof given as @FILE.
    let bare = env.home().join("bare.json");
    std::fs::write(&bare, &job).expect("write");
    let proof_file = env.home().join("proof.b64");
    std::fs::write(&proof_file, &proof).expect("write");
    let proof_arg = format!("@{}", proof_file.display());
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "verify-proof",
            "--job",
            bare.to_str().expect("utf8"),
            "--proof",
            &proof_arg,
            "--json",
        ],
    ));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["valid"], true);
    assert_eq!(v["proof_commitment"].as_str().map(str::len), Some(64));
}

/// A proof mined in-process at a target where one tile in 64 wins: deterministic and fast.
fn mined_job_and_proof() -> (String, String) {
    let target = BigUint::from(1u8) << 234u32;
    let header = IncompleteBlockHeader {
        version: 0x2000_0000,
        prev_block: [0x42; 32],
        merkle_root: [0x17; 32],
        timestamp: 1_760_000_000,
        nbits: target_to_nbits(&target),
    };
    let shape = Shape {
        m: 4,
        n: 32,
        k: 2048,
        rank: 128,
        rows_pattern: vec![0, 1],
        cols_pattern: (0..16).collect(),
    };
    let miner = Miner::new(
        shape,
        MinerOptions {
            threads: 1,
            kernel: KernelChoice::Auto,
        },
    )
    .expect("miner")
    .with_rng_seed(7);
    let job = Job {
        header,
        target: target.clone(),
        cert_version: 3,
    };
    let found = miner
        .mine(&job, &CancelToken::new(), &Counters::default())
        .expect("mining works")
        .expect("an easy target always yields a proof");
    (
        MiningJob::from_parts(header, target, 3)
            .raw_json()
            .to_owned(),
        found.proof.to_base64(),
    )
}

#[test]
fn verify_proof_names_the_failing_check() {
    let env = TestEnv::new();
    let (raw_job, proof) = mined_job_and_proof();
    let job = env.home().join("job.json");
    std::fs::write(&job, &raw_job).expect("write");
    let job = job.to_str().expect("utf8");
    let proof_file = env.home().join("proof.b64");
    std::fs::write(&proof_file, &proof).expect("write");
    let proof_arg = format!("@{}", proof_file.display());

    env.run(&mut jarvis(
        &env,
        &["mine", "verify-proof", "--job", job, "--proof", &proof_arg],
    ))
    .assert_success()
    .assert_stdout_contains("Valid proof.");

    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "verify-proof",
            "--job",
            job,
            "--proof",
            "not base64!",
            "--json",
        ],
    ));
    out.assert_code(1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["checks"][0]["name"], "Decode");
    assert_eq!(v["checks"][0]["status"], "fail");
    assert_eq!(v["checks"][5]["status"], "not reached");

    // A job whose target field (1) disagrees with its header: Pearl's gateway judges the bound
    // by the header's nbits, so the proof stays valid, with a warning naming the disagreement.
    let start = raw_job.find("\"target\":").expect("target key") + "\"target\":".len();
    let digits: String = raw_job[start..]
        .chars()
        .skip_while(|c| c.is_whitespace())
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(digits.len() > 30, "a 2^234 target: {raw_job}");
    let odd_job = env.home().join("odd-target.json");
    std::fs::write(&odd_job, raw_job.replacen(&digits, "1", 1)).expect("write");
    let odd_job = odd_job.to_str().expect("utf8");
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "verify-proof",
            "--job",
            odd_job,
            "--proof",
            &proof_arg,
        ],
    ));
    out.assert_success().assert_stdout_contains("Valid proof.");
    let stderr = out.stderr();
    assert!(
        stderr.contains("warning:")
            && stderr.contains("not the target")
            && stderr.contains("uses the header's bound"),
        "{stderr}"
    );
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "verify-proof",
            "--job",
            odd_job,
            "--proof",
            &proof_arg,
            "--json",
        ],
    ));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["valid"], true);
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(1), "{v}");

    // The same proof judged with legacy (cert 2) seeds misses the bound: the target check fails.
    let legacy_job = env.home().join("legacy.json");
    std::fs::write(
        &legacy_job,
        raw_job.replacen("\"cert_version\":3", "\"cert_version\":2", 1),
    )
    .expect("write");
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "verify-proof",
            "--job",
            legacy_job.to_str().expect("utf8"),
            "--proof",
            &proof_arg,
        ],
    ));
    out.assert_code(1).assert_stdout_contains("Invalid proof.");
    assert!(!out.stderr().contains("warning:"), "{}", out.stderr());
    assert!(
        out.stdout()
            .lines()
            .any(|l| l.contains("Target") && l.contains("FAIL")),
        "{}",
        out.stdout()
    );
}

#[test]
fn bench_takes_the_difficulty_and_network_from_a_configured_pearld() {
    use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions};
    const PASSWORD: &str = "bench-pearld-secret-41";
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let pearld = runtime.block_on(FakePearld::start(FakePearldOptions {
        password: PASSWORD.to_owned(),
        mode: FakeMode::Healthy { height: 5_000 },
        ..Default::default()
    }));
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\nm = 64\nn = 256\npearld_rpc_url = \"{}\"\n",
        pearld.url()
    ));
    let run = |json: bool| {
        let mut args = vec!["mine", "bench", "--seconds", "1", "--threads", "1"];
        if json {
            args.push("--json");
        }
        let out = env.run(jarvis(&env, &args).env("PEARLD_RPC_PASSWORD", PASSWORD));
        out.assert_success();
        out
    };
    let v: serde_json::Value = serde_json::from_str(&run(true).stdout()).expect("json");
    // The fake's template carries pearld's pow-limit bits 1b00ffff at height + 1.
    assert_eq!(v["expected_for_nbits"], 0x1b00_ffff, "{v}");
    assert_eq!(v["difficulty_source"], "node");
    assert_eq!(v["difficulty_assumed"], false);
    assert_eq!(v["network"], "mainnet");
    assert_eq!(v["template_height"], 5_001);
    let methods: Vec<String> = pearld
        .requests()
        .iter()
        .filter_map(|r| r.json())
        .filter_map(|j| j["method"].as_str().map(str::to_owned))
        .collect();
    assert!(
        methods.iter().any(|m| m == "getblocktemplate"),
        "{methods:?}"
    );

    let human = run(false);
    human
        .assert_stdout_contains("nbits 0x1b00ffff, the current difficulty of pearld's mainnet")
        .assert_stdout_contains("at height 5001)");
    human.assert_output_lacks(PASSWORD);
    human.assert_output_lacks("ASSUMED");
}
