//! The history sampler: one sample per interval from the container, its log and vLLM, until
//! the container is gone; and its lifecycle beside the container (launched by `start`,
//! relaunched when missing, ended by `stop`).

use std::ffi::OsString;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jarvis_core::process::{Liveness, ProcessIdentity};
use jarvis_mining::MiningProvider;
use jarvis_mining::daemon::DaemonEntry;
use jarvis_mining::provider::{StartMode, StartOptions, StopOptions};
use jarvis_mining::session::{LockHandle, lock_session};
use jarvis_mining::sidecar::DaemonRole;
use jarvis_telemetry::history::HistoryStore;
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};

use crate::rig::{Recorder, Rig, TAG, config, options};

const NAME: &str = "openjarvis-pearl-miner";

const LOG: &[&str] = &[
    "INFO PearlGateway started successfully",
    "INFO Updating block template to height 4410",
    "INFO Received PlainProof submission for template time 17",
    "INFO Received PlainProof submission for template time 18",
    "INFO Block accepted by node!",
];

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sample_per_interval_until_the_container_is_gone() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    rig.docker.set_default_logs(LOG);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let mut section = rig.section(vllm.addr().port());
    section.extra.sample_interval_s = 1;
    let mut provider = rig.provider();
    provider
        .start(
            &config(&section),
            &options(false, Arc::new(Recorder::default())),
        )
        .await
        .unwrap();

    let sampling = {
        let provider = rig.provider();
        let config = config(&section);
        tokio::spawn(async move { provider.sample_history(&config).await })
    };
    let history = rig.home.mining_history_path();
    let samples = || {
        HistoryStore::open(&history)
            .and_then(|s| s.samples(0.0))
            .unwrap_or_default()
    };
    until("three samples", || samples().len() >= 3).await;
    rig.docker.remove_container(NAME);
    let ended = tokio::time::timeout(Duration::from_secs(5), sampling)
        .await
        .expect("the sampler exits once the container is gone")
        .expect("join");
    assert!(ended.is_ok(), "{ended:?}");

    let samples = samples();
    for s in &samples {
        assert_eq!(s.provider, "vllm-pearl");
        assert_eq!(s.proofs_submitted, Some(2), "{s:?}");
        assert_eq!(s.template_height, Some(4410));
        assert_eq!(s.restarts, Some(0));
        assert_eq!(s.gateway_up, Some(true), "the container runs, vLLM answers");
        assert!(s.vllm_requests_total.is_some(), "{s:?}");
        assert_eq!(
            s.mac_total, None,
            "the container does not report MACs: unknown"
        );
    }
    for pair in samples.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= 0.8,
            "at most one sample per 1 s interval, got a {gap:.2} s gap"
        );
    }
}

/// A stand-in for `jarvis mine supervise`: a shell that sleeps, whatever flags follow.
fn sleeper() -> DaemonEntry {
    DaemonEntry {
        program: "/bin/sh".into(),
        args: ["-c", "exec sleep 60", "sampler"]
            .iter()
            .map(OsString::from)
            .collect(),
    }
}

fn sampler_of(rig: &Rig) -> ProcessIdentity {
    let sidecar = rig.sidecar();
    let section = sidecar.supervisor.expect("the sidecar names the sampler");
    assert_eq!(section.role, DaemonRole::Sampler);
    section.process
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_launches_the_sampler_relaunches_a_dead_one_and_stop_ends_it() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let section = rig.section(vllm.addr().port());
    let start = StartOptions {
        daemon: Some(sleeper()),
        ..options(false, Arc::new(Recorder::default()))
    };
    rig.provider()
        .start(&config(&section), &start)
        .await
        .unwrap();
    let first = sampler_of(&rig);
    assert_eq!(first.status(), Liveness::Alive);
    let log = rig.home.logs_dir().join("sampler.log");
    assert!(log.exists(), "its output goes to {}", log.display());

    // Started again with the container running: a live sampler is kept.
    rig.provider()
        .start(&config(&section), &start)
        .await
        .unwrap();
    assert_eq!(sampler_of(&rig), first);

    // A dead sampler is replaced.
    jarvis_core::process::signal_identity(&first, jarvis_core::process::Signal::Kill).unwrap();
    until("the sampler dies", || first.status() != Liveness::Alive).await;
    rig.provider()
        .start(&config(&section), &start)
        .await
        .unwrap();
    let second = sampler_of(&rig);
    assert_ne!(second, first);
    assert_eq!(second.status(), Liveness::Alive);
    assert_eq!(
        rig.docker.containers().len(),
        1,
        "the container was left running"
    );

    rig.provider()
        .stop(&StopOptions {
            timeout: Duration::from_secs(2),
            ..StopOptions::default()
        })
        .await
        .unwrap();
    until("stop ends the sampler", || {
        second.status() != Liveness::Alive
    })
    .await;
    assert!(rig.docker.containers().is_empty());
    assert!(rig.sidecar_text().is_none());
}

/// `mine start --foreground` (systemd, launchd): the container starts, the lock is released
/// once it answers, and the sampler runs in this process until the container is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreground_start_runs_the_sampler_in_place_after_releasing_the_lock() {
    let rig = Rig::new().await;
    rig.docker.add_image(TAG, &[]);
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let mut section = rig.section(vllm.addr().port());
    section.extra.sample_interval_s = 1;
    let lock = LockHandle::new(lock_session(&rig.home).expect("the start lock"));
    let foreground = StartOptions {
        mode: StartMode::Foreground,
        lock: lock.clone(),
        ..options(false, Arc::new(Recorder::default()))
    };
    let running = {
        let mut provider = rig.provider();
        let config = config(&section);
        tokio::spawn(async move { provider.start(&config, &foreground).await })
    };
    until("the sidecar names the sampler", || {
        rig.sidecar_text()
            .is_some_and(|text| text.contains("\"sampler\""))
    })
    .await;
    assert_eq!(
        sampler_of(&rig),
        ProcessIdentity::current(),
        "this process samples"
    );
    until("the lock is released", || !lock.is_held()).await;
    lock_session(&rig.home).expect("`mine stop` can take the lock now");
    assert!(!running.is_finished(), "start runs on in the foreground");

    rig.docker.remove_container(NAME);
    let ended = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the foreground start ends with its container")
        .expect("join");
    assert!(ended.is_ok(), "{ended:?}");
}
