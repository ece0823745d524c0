//! cpu-pearl supervisor pieces: launch plan, restart policy, log rotation, and the miner loop
//! against a fake gateway speaking the real protocol.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use jarvis_core::paths::JarvisHome;
use jarvis_cpu_pearl::stats_from_metrics;
use jarvis_cpu_pearl::supervisor::{
    Backoff, MinerLoop, MinerMetrics, RestartBudget, SupervisorError, SupervisorPlan,
};
use jarvis_mining::stats::MiningStats;
use jarvis_telemetry::parse_prometheus;
use jarvis_testkit::fake_gateway::job_json_python_style;
use jarvis_testkit::fake_gateway::{FakeGateway, FakeGatewayOptions, Fault, easy_job};
use pearl_miner::{KernelChoice, Miner, MinerOptions, Shape};
use pearl_protocol::MiningJob;
use pearl_protocol::target::{nbits_to_target, target_to_nbits};
use tokio::sync::watch;

use crate::{PASSWORD, WALLET, env_with, path_with_gateway, tiny_config, tiny_shape};

#[test]
fn plan_puts_the_password_in_the_gateway_env_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path().join("home"));
    let vars = [
        ("PATH", path_with_gateway(dir.path())),
        ("PEARLD_RPC_PASSWORD", PASSWORD.to_owned()),
    ];
    let plan = SupervisorPlan::prepare(&home, &tiny_config(), &env_with(&vars)).expect("plan");
    let env = &plan.gateway.env;
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("PEARLD_RPC_PASSWORD"), Some(PASSWORD));
    assert_eq!(get("PEARLD_MINING_ADDRESS"), Some(WALLET));
    assert_eq!(get("PEARLD_RPC_USER"), Some("rpcuser"));
    assert_eq!(get("MINER_RPC_TRANSPORT"), Some("uds"));
    let socket = home.runtime_dir().join("pearlgw.sock");
    assert_eq!(
        get("MINER_RPC_SOCKET_PATH"),
        Some(socket.to_str().expect("utf-8"))
    );
    assert_eq!(plan.gateway.url(), format!("unix://{}", socket.display()));
    assert_eq!(plan.threads, 1);
    assert_eq!(plan.shape, tiny_shape());
    assert!(
        !format!("{plan:?}").contains(PASSWORD),
        "the plan's Debug must not show the password"
    );
}

/// pearl-gateway reads its log level from `PEARL_LOG_LEVEL` alone (`miner_utils`' loguru
/// set-up; its settings read no `LOGGING_LEVEL`): the plan passes that, INFO unless the user
/// chose another, so the `Block accepted by node!` lines appear and are counted.
#[test]
fn plan_sets_the_log_level_the_gateway_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path().join("home"));
    let plan_with = |level: Option<&str>| {
        let mut vars = vec![
            ("PATH", path_with_gateway(dir.path())),
            ("PEARLD_RPC_PASSWORD", PASSWORD.to_owned()),
        ];
        if let Some(level) = level {
            vars.push(("PEARL_LOG_LEVEL", level.to_owned()));
        }
        SupervisorPlan::prepare(&home, &tiny_config(), &env_with(&vars)).expect("plan")
    };
    let level_of = |plan: &SupervisorPlan| -> Vec<(String, String)> {
        plan.gateway
            .env
            .iter()
            .filter(|(name, _)| name.contains("LOG"))
            .cloned()
            .collect()
    };
    for user in [None, Some(""), Some("  ")] {
        let plan = plan_with(user);
        assert_eq!(
            level_of(&plan),
            [("PEARL_LOG_LEVEL".to_owned(), "INFO".to_owned())],
            "{user:?}"
        );
        assert!(plan.gateway.logs_blocks);
    }
    let quiet = plan_with(Some(" WARNING "));
    assert_eq!(
        level_of(&quiet),
        [("PEARL_LOG_LEVEL".to_owned(), "WARNING".to_owned())]
    );
    assert!(!quiet.gateway.logs_blocks, "blocks stay unknown, not 0");
    let debug = plan_with(Some("debug"));
    assert!(debug.gateway.logs_blocks);
}

#[test]
fn plan_refuses_bad_setups_before_launch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path().join("home"));
    let path = path_with_gateway(dir.path());
    let with_password = [
        ("PATH", path.clone()),
        ("PEARLD_RPC_PASSWORD", PASSWORD.to_owned()),
    ];

    let no_password = [("PATH", path.clone())];
    let err = SupervisorPlan::prepare(&home, &tiny_config(), &env_with(&no_password))
        .expect_err("missing password");
    let text = err.to_string();
    assert!(
        text.contains("PEARLD_RPC_PASSWORD") && text.contains("export"),
        "{text}"
    );

    let no_gateway = [
        ("PATH", "/nonexistent".to_owned()),
        ("PEARLD_RPC_PASSWORD", PASSWORD.to_owned()),
    ];
    assert!(matches!(
        SupervisorPlan::prepare(&home, &tiny_config(), &env_with(&no_gateway)),
        Err(SupervisorError::GatewayNotFound)
    ));

    let mut bad_shape = tiny_config();
    bad_shape.extra.rank = 64;
    let err = SupervisorPlan::prepare(&home, &bad_shape, &env_with(&with_password))
        .expect_err("rank below 128");
    assert!(err.to_string().contains("[mining.extra]"), "{err}");

    let mut zero = tiny_config();
    zero.extra.threads = Some(0);
    let err =
        SupervisorPlan::prepare(&home, &zero, &env_with(&with_password)).expect_err("0 threads");
    assert!(err.to_string().contains("threads"), "{err}");
}

#[test]
fn backoff_doubles_to_its_cap_and_resets() {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    let delays: Vec<u64> = (0..8).map(|_| backoff.next_delay().as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
    backoff.reset();
    assert_eq!(backoff.next_delay(), Duration::from_secs(1));
}

#[test]
fn restart_budget_is_per_sliding_hour() {
    let mut budget = RestartBudget::new(3);
    assert!(budget.allow(0.0));
    assert!(budget.allow(10.0));
    assert!(budget.allow(20.0));
    assert!(
        !budget.allow(30.0),
        "a fourth restart within the hour is refused"
    );
    assert_eq!(budget.used(), 3);
    assert!(budget.allow(3600.5), "the first restart left the window");
    assert!(!RestartBudget::new(0).allow(0.0));
}

struct Rig {
    gateway: FakeGateway,
    metrics: Arc<MinerMetrics>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), jarvis_cpu_pearl::supervisor::MinerLoopError>>,
    _dir: tempfile::TempDir,
}

async fn rig(options: FakeGatewayOptions) -> Rig {
    rig_with(options, tiny_shape(), 1, Duration::from_secs(120)).await
}

async fn rig_with(
    options: FakeGatewayOptions,
    shape: Shape,
    threads: usize,
    resume_after: Duration,
) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let gateway = FakeGateway::start_unix(dir.path().join("gw.sock"), options)
        .await
        .expect("fake gateway");
    let miner = Miner::new(
        shape,
        MinerOptions {
            threads,
            kernel: KernelChoice::Auto,
        },
    )
    .expect("a valid shape");
    let metrics = Arc::new(MinerMetrics::new(threads));
    let mut miner_loop = MinerLoop::new(
        miner,
        gateway.address().clone(),
        Duration::from_millis(50),
        Arc::clone(&metrics),
    );
    miner_loop.resume_after = resume_after;
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(miner_loop.run(stop_rx));
    Rig {
        gateway,
        metrics,
        stop,
        task,
        _dir: dir,
    }
}

impl Rig {
    async fn until(&self, what: &str, mut done: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(self) {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn polls(&self) -> usize {
        self.gateway
            .requests()
            .iter()
            .filter(|m| m.contains("getMiningInfo"))
            .count()
    }

    fn stats(&self) -> MiningStats {
        stats_from_metrics(
            &parse_prometheus(&self.metrics.render()),
            MiningStats::unknown("cpu-pearl"),
            0.0,
        )
    }

    fn valid_submissions(&self) -> usize {
        self.gateway
            .submissions()
            .iter()
            .filter(|s| s.verdict.is_ok())
            .count()
    }

    async fn finish(self) {
        let _ = self.stop.send(true);
        let result = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the miner loop stops on request");
        assert!(matches!(result, Ok(Ok(()))), "{result:?}");
        self.gateway.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn miner_loop_submits_proofs_the_gateway_verifies() {
    let rig = rig(FakeGatewayOptions::default()).await;
    rig.until("a verified proof", |r| r.valid_submissions() >= 1)
        .await;
    rig.gateway.new_block();
    rig.until("a verified proof for the next block", |r| {
        r.valid_submissions() >= 2
    })
    .await;
    assert!(
        rig.gateway.submissions().iter().all(|s| s.verdict.is_ok()),
        "every proof verifies: {:?}",
        rig.gateway.submissions()
    );
    rig.until("the submit counter", |r| r.metrics.proofs_submitted() >= 2)
        .await;
    assert!(rig.metrics.counters.mac_total.load(Ordering::Relaxed) > 0);
    let text = rig.metrics.render();
    let stats = stats_from_metrics(
        &parse_prometheus(&text),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert!(stats.shares_submitted.is_some_and(|n| n >= 2), "{text}");
    // A next block no tile can win in practice, so that the state stays "mining".
    let mut header = easy_job().header;
    header.prev_block = [0x99; 32];
    header.nbits = 0x0301_0000;
    let hard = MiningJob::from_json(&job_json_python_style(
        &header,
        &nbits_to_target(header.nbits),
        3,
    ))
    .expect("job");
    rig.gateway.set_job(hard);
    rig.until("mining the next block", |r| {
        !r.metrics.waiting() && r.metrics.counters.mac_total.load(Ordering::Relaxed) > 0
    })
    .await;
    assert_eq!(
        rig.stats().details.get("gateway").and_then(|v| v.as_str()),
        Some("up, mining")
    );
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_gateway_means_the_miner_waits() {
    let rig = rig(FakeGatewayOptions {
        paused: true,
        ..FakeGatewayOptions::default()
    })
    .await;
    rig.until("several paused polls", |r| {
        r.gateway
            .requests()
            .iter()
            .filter(|m| m.contains("getMiningInfo"))
            .count()
            >= 3
    })
    .await;
    assert_eq!(
        rig.metrics.counters.mac_total.load(Ordering::Relaxed),
        0,
        "no mining while paused"
    );
    assert!(rig.gateway.submissions().is_empty());
    let stats = stats_from_metrics(
        &parse_prometheus(&rig.metrics.render()),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(
        stats.details.get("gateway").and_then(|v| v.as_str()),
        Some("up, paused (no job it can mine)")
    );
    rig.gateway.resume();
    rig.until("a proof after resume", |r| r.valid_submissions() >= 1)
        .await;
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_lines_cause_a_reconnect_not_a_panic() {
    let rig = rig(FakeGatewayOptions::default()).await;
    rig.until("a first proof", |r| r.valid_submissions() >= 1)
        .await;
    let before = rig.gateway.connections();
    rig.gateway.inject(Fault::Garbage);
    rig.gateway.inject(Fault::OversizedLine);
    rig.until("reconnects", |r| r.gateway.connections() >= before + 2)
        .await;
    let proofs = rig.valid_submissions();
    rig.gateway.new_block();
    rig.until("mining resumed", |r| r.valid_submissions() > proofs)
        .await;
    assert!(!rig.task.is_finished(), "the loop survives protocol faults");
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_cert_version_is_reported_and_not_mined() {
    let easy = easy_job();
    let fp8 = MiningJob::from_parts(easy.header, easy.target.clone(), 4);
    let rig = rig(FakeGatewayOptions {
        job: Some(fp8),
        ..FakeGatewayOptions::default()
    })
    .await;
    rig.until("the refusal is visible", |r| {
        r.metrics
            .last_error()
            .is_some_and(|e| e.contains("certificate version 4"))
    })
    .await;
    let text = rig.metrics.render();
    assert!(
        text.contains("jarvis_mining_last_error_info{kind=\"job\"}")
            && !text.contains("certificate version 4"),
        "the kind is exported, the text is not: {text}"
    );
    let tiles = rig.metrics.counters.tiles_total.load(Ordering::Relaxed);
    rig.until("more polls", |r| r.gateway.requests().len() >= 6)
        .await;
    assert_eq!(
        rig.metrics.counters.tiles_total.load(Ordering::Relaxed),
        tiles,
        "a refused job is not mined again"
    );
    let stats = stats_from_metrics(
        &parse_prometheus(&rig.metrics.render()),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(
        stats.last_error.as_deref(),
        Some("job error (see `jarvis mine logs`)")
    );
    rig.gateway.set_job(easy_job());
    rig.until("a proof for the int7 job", |r| r.valid_submissions() >= 1)
        .await;
    rig.finish().await;
}

/// 16×16 with rows [0,8] and 16 columns: eight tiles per GEMM. At a target of 2^239 the win
/// bound is 2^255 (target·h·w·(k/r)·128 = target·2^16), so half the tiles win: a round
/// nearly always ends with further winners in the winning block, which are skipped. (Far
/// easier than regtest's 2^233 - 1; the fake gateway takes any target, and the test wants
/// the skipped count to be certain.)
fn eight_tiles() -> (Shape, MiningJob) {
    let shape = Shape {
        m: 16,
        n: 16,
        k: 2048,
        rank: 128,
        rows_pattern: vec![0, 8],
        cols_pattern: (0..16).collect(),
    };
    // 0x8000·256^28 = 2^239.
    let target = nbits_to_target(0x1f00_8000);
    let mut header = easy_job().header;
    header.nbits = target_to_nbits(&target);
    let job = MiningJob::from_json(&job_json_python_style(&header, &target, 3)).expect("job");
    (shape, job)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_proof_per_header_until_the_job_changes() {
    let (shape, job) = eight_tiles();
    let rig = rig_with(
        FakeGatewayOptions {
            job: Some(job),
            ..FakeGatewayOptions::default()
        },
        shape,
        2,
        Duration::from_secs(120),
    )
    .await;
    for block in 1..=3 {
        rig.until("the header's proof", |r| {
            r.gateway.submissions().len() >= block
        })
        .await;
        rig.until("mining waits", |r| r.metrics.waiting()).await;
        let macs = rig.metrics.counters.mac_total.load(Ordering::Relaxed);
        let polls = rig.polls();
        rig.until("ten more polls of the same job", |r| {
            r.polls() >= polls + 10
        })
        .await;
        assert_eq!(
            rig.metrics.counters.mac_total.load(Ordering::Relaxed),
            macs,
            "a header whose proof the gateway took is not mined again"
        );
        assert_eq!(
            rig.gateway.submissions().len(),
            block,
            "one proof per header"
        );
        let stats = rig.stats();
        assert_eq!(
            stats.details.get("gateway").and_then(|v| v.as_str()),
            Some("up, proof submitted for this block; waiting for the next job")
        );
        rig.gateway.new_block();
    }
    rig.until("the fourth header's proof", |r| {
        r.gateway.submissions().len() >= 4
    })
    .await;
    let submissions = rig.gateway.submissions();
    assert!(
        submissions.iter().all(|s| s.verdict.is_ok()),
        "every proof verifies and none is a second one for its header: {submissions:?}"
    );
    let skipped = rig.metrics.wins_skipped();
    assert!(
        skipped > 0,
        "half the tiles win, so rounds end with wins to skip"
    );
    let text = rig.metrics.render();
    assert!(
        text.contains(&format!("jarvis_mining_wins_skipped_total {skipped}")),
        "{text}"
    );
    assert!(text.contains("jarvis_mining_header_submitted "), "{text}");
    assert_eq!(
        rig.stats()
            .details
            .get("wins_skipped")
            .and_then(|v| v.as_u64()),
        Some(skipped)
    );
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_new_job_mining_resumes_after_the_bounded_wait() {
    let (shape, job) = eight_tiles();
    let rig = rig_with(
        FakeGatewayOptions {
            job: Some(job),
            ..FakeGatewayOptions::default()
        },
        shape,
        1,
        Duration::from_millis(300),
    )
    .await;
    rig.until("a first proof", |r| !r.gateway.submissions().is_empty())
        .await;
    rig.until("a second proof for the same header after the wait", |r| {
        r.gateway.submissions().len() >= 2
    })
    .await;
    let submissions = rig.gateway.submissions();
    assert_eq!(submissions[0].verdict, Ok(()));
    assert_eq!(
        submissions[0].job_raw, submissions[1].job_raw,
        "same header"
    );
    // The fake, like the real gateway, skips it: here the first proof's block "landed"
    // and only the job never changed, which is what the bounded wait is for.
    assert!(
        submissions[1]
            .verdict
            .as_ref()
            .is_err_and(|why| why.contains("already submitted")),
        "{submissions:?}"
    );
    rig.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_whose_target_disagrees_with_its_header_is_refused_and_reported() {
    // Same header (its nbits say 2^234), but the job's target field says 1: Pearl judges by
    // the header, so the loop refuses the job rather than mine to either bound.
    let easy = easy_job();
    let odd = MiningJob::from_parts(easy.header, &easy.target >> 234u32, 3);
    let rig = rig(FakeGatewayOptions {
        job: Some(odd),
        ..FakeGatewayOptions::default()
    })
    .await;
    rig.until("the refusal is visible", |r| {
        r.metrics
            .last_error()
            .is_some_and(|e| e.contains("disagrees with its header") && e.contains("nbits"))
    })
    .await;
    let tiles = rig.metrics.counters.tiles_total.load(Ordering::Relaxed);
    rig.until("more polls", |r| r.gateway.requests().len() >= 6)
        .await;
    assert_eq!(
        rig.metrics.counters.tiles_total.load(Ordering::Relaxed),
        tiles,
        "a refused job is not mined"
    );
    assert!(rig.gateway.submissions().is_empty());
    let stats = stats_from_metrics(
        &parse_prometheus(&rig.metrics.render()),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(
        stats.last_error.as_deref(),
        Some("job error (see `jarvis mine logs`)")
    );
    // The next block's job, consistent again (the poller tells jobs apart by their header).
    let mut next = easy.header;
    next.timestamp += 60;
    rig.gateway
        .set_job(MiningJob::from_parts(next, easy.target.clone(), 3));
    rig.until("a proof for the consistent job", |r| {
        r.valid_submissions() >= 1
    })
    .await;
    rig.finish().await;
}

#[test]
fn logs_rotate_by_size_keeping_three_generations() {
    use jarvis_cpu_pearl::supervisor::rotate_if_large;
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("gateway.log");
    let generation = |n: u32| dir.path().join(format!("gateway.log.{n}"));
    for round in 0..5u8 {
        std::fs::write(&log, vec![b'a' + round; 32]).expect("write log");
        rotate_if_large(&log, 16, 3).expect("rotate");
        assert!(!log.exists(), "a large log moves away");
    }
    assert_eq!(std::fs::read(generation(1)).expect(".1"), vec![b'e'; 32]);
    assert_eq!(std::fs::read(generation(3)).expect(".3"), vec![b'c'; 32]);
    assert!(!generation(4).exists(), "only three generations are kept");
    std::fs::write(&log, b"small").expect("write log");
    rotate_if_large(&log, 16, 3).expect("no rotation");
    assert!(log.exists(), "a small log stays");
}

#[test]
fn a_supervisor_error_keeps_its_type_through_the_provider_contract() {
    let error = jarvis_mining::MiningError::from(SupervisorError::GatewayNotFound);
    assert_eq!(
        error.to_string(),
        SupervisorError::GatewayNotFound.to_string(),
        "the message is the supervisor's own"
    );
    let jarvis_mining::MiningError::Provider(inner) = &error else {
        panic!("flattened: {error:?}");
    };
    assert!(matches!(
        inner.downcast_ref::<SupervisorError>(),
        Some(SupervisorError::GatewayNotFound)
    ));
}
