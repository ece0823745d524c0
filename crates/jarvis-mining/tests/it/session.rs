//! Session state and the mining lock.

use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use jarvis_core::process::ProcessIdentity;
use jarvis_mining::capabilities::MiningCapabilities;
use jarvis_mining::config::MiningConfig;
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::{
    BoxFuture, LogLine, LogRequest, MiningProvider, StartOptions, StopOptions,
};
use jarvis_mining::registry::{MinerRegistry, MiningDevice, ProviderDescriptor, ProviderNeeds};
use jarvis_mining::session::{LockHandle, ProviderLiveness, Session, SessionState, lock_session};
use jarvis_mining::sidecar::{ProcessEntry, Sidecar, write_sidecar};
use jarvis_mining::stats::MiningStats;

fn home() -> (tempfile::TempDir, JarvisHome) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = JarvisHome::at(dir.path());
    (dir, home)
}

#[test]
fn absent_running_stale_and_corrupt_sessions() {
    let (_dir, home) = home();
    assert_eq!(Session::read(&home).state, SessionState::Absent);

    let me = ProcessIdentity::current();
    let mut sidecar = Sidecar::new("cpu-pearl", "prl1p", 0.0);
    sidecar.processes.push(ProcessEntry {
        role: "supervisor".to_owned(),
        pid: me.pid,
        start_time: me.start_time,
    });
    write_sidecar(&home.sidecar_path(), &sidecar).expect("write");
    let session = Session::read(&home);
    assert!(session.is_running_for("cpu-pearl"));
    assert!(!session.is_running_for("vllm-pearl"));
    assert_eq!(session.summary().state, "running");

    sidecar.processes[0].start_time += 7;
    write_sidecar(&home.sidecar_path(), &sidecar).expect("write");
    let session = Session::read(&home);
    assert!(!session.is_running_for("cpu-pearl"));
    assert_eq!(session.summary().state, "stale");

    std::fs::write(home.sidecar_path(), "{not json").expect("write");
    let summary = Session::read(&home).summary();
    assert_eq!(summary.state, "corrupt");
    assert!(summary.detail.is_some());
}

#[test]
fn the_second_lock_holder_is_told_who_holds_it() {
    let (_dir, home) = home();
    let guard = lock_session(&home).expect("first lock");
    let err = lock_session(&home).expect_err("second lock").to_string();
    assert!(
        err.contains(&format!(
            "another jarvis (pid {}) is starting or stopping mining",
            std::process::id()
        )),
        "{err}"
    );
    drop(guard);
    lock_session(&home).expect("free again after drop");
}

/// A container provider whose liveness is its container id: `alive` runs, anything else not.
struct ContainerProvider;

impl MiningProvider for ContainerProvider {
    fn id(&self) -> &'static str {
        "container-test"
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
    fn liveness<'a>(&'a self, sidecar: &'a Sidecar) -> BoxFuture<'a, ProviderLiveness> {
        Box::pin(async move {
            match sidecar.container_id.as_deref() {
                Some("alive") => ProviderLiveness::Running,
                other => ProviderLiveness::Stopped(format!("container {other:?} is gone")),
            }
        })
    }
    fn stats(&self) -> BoxFuture<'_, MiningStats> {
        Box::pin(async { MiningStats::unknown("container-test") })
    }
    fn logs<'a>(
        &'a self,
        _request: LogRequest,
        _sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async { Ok(()) })
    }
}

fn registry() -> MinerRegistry {
    let mut registry = MinerRegistry::new();
    registry.register_if_absent(ProviderDescriptor {
        id: "container-test",
        summary: "test",
        needs: ProviderNeeds {
            docker: true,
            device: MiningDevice::Cpu,
            serves_model: false,
        },
        detect: |_: &HardwareInfo, _: &str, _: &str| MiningCapabilities::supported(),
        create: |_: &JarvisHome| Box::new(ContainerProvider),
        checks: None,
        daemon: None,
    });
    registry
}

#[tokio::test]
async fn an_unverified_session_is_settled_by_its_providers_liveness() {
    let (_dir, home) = home();
    let mut sidecar = Sidecar::new("container-test", "prl1p", 0.0);
    sidecar.container_id = Some("alive".to_owned());
    write_sidecar(&home.sidecar_path(), &sidecar).expect("write");
    let session = Session::read(&home);
    assert_eq!(
        session.summary().state,
        "unverified",
        "the sidecar alone cannot tell"
    );
    let resolved = session.resolve(&registry(), &home).await;
    assert_eq!(resolved.summary().state, "running");

    sidecar.container_id = Some("dead".to_owned());
    write_sidecar(&home.sidecar_path(), &sidecar).expect("write");
    let resolved = Session::read(&home).resolve(&registry(), &home).await;
    let summary = resolved.summary();
    assert_eq!(summary.state, "stale");
    assert_eq!(
        summary.detail.as_deref(),
        Some("container Some(\"dead\") is gone"),
        "the provider's reason is the session's"
    );

    // A provider this build lacks cannot answer: the session stays unverified.
    let resolved = Session::read(&home)
        .resolve(&MinerRegistry::new(), &home)
        .await;
    assert_eq!(resolved.summary().state, "unverified");
}

#[test]
fn a_lock_handle_releases_once_for_all_its_clones() {
    let (_dir, home) = home();
    let handle = LockHandle::new(lock_session(&home).expect("lock"));
    let provider_side = handle.clone();
    assert!(handle.is_held() && provider_side.is_held());
    assert!(lock_session(&home).is_err(), "held while a clone lives");
    provider_side.release();
    assert!(!handle.is_held());
    lock_session(&home).expect("free once released, though the handles live on");
    handle.release();
}
